"""What `bluegreen status` reports for one stack: config vs. last update, per color, with health,
the rollout strategy with the current step marked, and the release lock."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from components.spec import COLORS, BlueGreenSpec, Color, ConfigError
from components.traffic import candidate_color, live_color

from .health_gates import GateResult, HealthGate, check_all, deployed_traffic
from .recorded_state import recorded
from .rollout_plan import describe, other, strategy
from .stack_driver import PulumiMissingError, StackDriver, StackError
from .stack_files import spec_of
from .stack_lock import LockInfo, current_lock, holder_state
from .verified_writes import output_differences


@dataclass(frozen=True)
class ColorStatus:
    color: Color
    weight: int
    """Weight in stack config."""
    deployed_weight: int | None
    """Weight of the last update (stack output `weights`); None when never deployed."""
    image: str
    replicas: int
    health: tuple[GateResult, ...]
    """Empty when the color runs no replicas."""

    @property
    def healthy(self) -> bool:
        return all(r.healthy for r in self.health)


@dataclass
class StackStatus:
    stack: str
    platform: str = ""
    live: Color | None = None
    candidate: Color | None = None
    colors: list[ColorStatus] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    strategy: list[str] = field(default_factory=list)
    """The rollout strategy's steps, presets expanded (`setWeight 10`, `pause 5m`)."""
    position: int | None = None
    """Index in `strategy` of the setWeight equal to the candidate's deployed weight, if any."""
    lock: LockInfo | None = None
    lock_holder: str = ""
    """`gone`, `alive` (on this host) or `unknown` (another host)."""
    record: dict[str, Any] | None = None
    """The release record the last update deployed (`release` output), or config's when none was deployed."""
    drift: list[str] = field(default_factory=list)
    """Where config differs from what the last update deployed (weights, images, live color, record)."""
    error: str | None = None
    """Why the stack could not be read (or its config is invalid)."""

    @property
    def ok(self) -> bool:
        """Readable, config equal to what is deployed, no lock left by a dead process, every serving color healthy."""
        if self.error is not None or self.drift or self.lock_holder == "gone":
            return False
        return all(c.healthy for c in self.colors if (c.deployed_weight or 0) > 0)


GatesFor = Callable[[BlueGreenSpec, dict[str, Any]], Sequence[HealthGate]]


def gather_status(name: str, driver_for: Callable[[str], StackDriver], gates_for: GatesFor) -> StackStatus:
    status = StackStatus(stack=name)
    try:
        driver = driver_for(name)
        config = driver.config()
        status.outputs = driver.outputs()
        spec = spec_of(config)
    except PulumiMissingError:
        raise
    except StackError as error:
        status.error = str(error)
        return status
    except ConfigError as error:
        status.error = f"invalid stack config:\n{error}"
        return status
    status.platform = spec.platform
    status.live, status.candidate = live_color(spec.traffic), candidate_color(spec.traffic)
    deployed = deployed_traffic(spec, status.outputs) if status.outputs else None
    steps = strategy(spec)
    status.strategy = describe(steps)
    weight = (deployed or spec.traffic).of(status.candidate)
    status.position = next(
        (i for i, step in enumerate(steps) if step.kind == "weight" and step.value == weight and weight), None
    )
    try:
        status.lock = current_lock(driver)
    except StackError:
        status.lock = None
    if status.lock is not None:
        status.lock_holder = holder_state(status.lock)
    record = recorded(config, status.outputs)
    status.record = record.model_dump(exclude_none=True) if record else None
    if record is not None:
        status.live, status.candidate = record.live, record.candidate or other(record.live)
    if status.outputs:
        status.drift = output_differences(spec, status.outputs)
    gates = gates_for(spec, config)
    for color in COLORS:
        replicas = spec.replicas(color)
        health = tuple(check_all(gates, color, spec, status.outputs)) if replicas and status.outputs else ()
        status.colors.append(
            ColorStatus(
                color=color,
                weight=spec.traffic.of(color),
                deployed_weight=deployed.of(color) if deployed else None,
                image=spec.color(color).image,
                replicas=replicas,
                health=health,
            )
        )
    return status
