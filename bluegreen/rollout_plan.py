"""Pure planning: the stack's config plus an operator request in, an ordered list of config changes out.

Nothing here touches a stack. Every step's resulting config, and the rollback's,
is validated with the config model before a plan is returned, so a request that
would fail halfway (a weight on a color with 0 replicas, a split on a Kubernetes
stack without a Gateway) is refused before the first `pulumi up`.
"""

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from components.spec import BlueGreenSpec, Color, ConfigError
from components.traffic import candidate_color, live_color

from .stack_driver import ConfigScalar
from .stack_files import set_path, spec_of

Gate = Literal["ready", "bake"]
"""`ready`: wait until the candidate is healthy. `bake`: hold a traffic split while health stays good."""


class PlanError(ValueError):
    """The request cannot be planned; the message names the option or key, the value and the rule."""


@dataclass(frozen=True)
class ConfigChange:
    path: str
    value: ConfigScalar

    def __str__(self) -> str:
        return f"{self.path}={self.value}"


@dataclass(frozen=True)
class Step:
    """Set `changes` (none for a pure health check), run `pulumi up`, then pass `gate` on `color`."""

    label: str
    changes: tuple[ConfigChange, ...]
    gate: Gate | None
    color: Color
    spec: BlueGreenSpec
    """The validated config once this step is applied."""

    @property
    def moves_traffic(self) -> bool:
        return any(c.path.startswith("bluegreen:traffic") for c in self.changes)


@dataclass(frozen=True)
class RolloutPlan:
    live: Color
    """The color that had production traffic before; rollbacks return here."""
    candidate: Color
    steps: tuple[Step, ...]
    rollback: Step | None
    """Run when a step fails after traffic moved; None when the plan is itself a rollback."""


def other(color: Color) -> Color:
    return "green" if color == "blue" else "blue"


def parse_steps(text: str, option: str = "--steps") -> list[int]:
    """`"10,50,100"` -> [10, 50, 100]; strictly increasing percentages 1..100."""
    try:
        steps = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise PlanError(
            f"{option} = {text!r} is invalid: must be comma-separated integers, e.g. 10,50,100"
        ) from None
    if not steps:
        raise PlanError(f"{option} = {text!r} is invalid: give at least one percentage, e.g. 10,50,100")
    if any(not 1 <= step <= 100 for step in steps):
        raise PlanError(f"{option} = {text!r} is invalid: every step must be a percentage from 1 to 100")
    if any(b <= a for a, b in itertools.pairwise(steps)):
        raise PlanError(f"{option} = {text!r} is invalid: steps must strictly increase")
    return steps


def plan_release(
    config: dict[str, Any], image: str, steps: Sequence[int], replicas: int | None = None
) -> RolloutPlan:
    """Deploy `image` to the idle color, wait until it is healthy, then shift traffic to it in `steps`."""
    spec = spec_of(config)
    _refuse_split(spec)
    if not image.strip():
        raise PlanError("--image = '' is invalid: give the image to release, e.g. repo/web:1.5.0")
    live, candidate = live_color(spec.traffic), candidate_color(spec.traffic)
    changes = [ConfigChange(f"bluegreen:{candidate}.image", image)]
    if replicas is not None:
        changes.append(ConfigChange(f"bluegreen:{candidate}.replicas", replicas))
    elif spec.replicas(candidate) == 0:
        # The idle color was scaled down after the last release: bring it back at the live color's size.
        changes.append(ConfigChange(f"bluegreen:{candidate}.replicas", spec.replicas(live)))
    builder = _Builder(config, live, candidate)
    builder.add(f"deploy {image} to {candidate} (0% traffic)", changes, "ready")
    for weight in steps:
        builder.add_weight(weight)
    return builder.plan()


def plan_shift(config: dict[str, Any], steps: Sequence[int]) -> RolloutPlan:
    """Move traffic to the candidate color in `steps`, checking it first and baking each step."""
    spec = spec_of(config)
    live, candidate = live_color(spec.traffic), candidate_color(spec.traffic)
    current = spec.traffic.of(candidate)
    if steps[0] <= current:
        raise PlanError(
            f"--steps starts at {steps[0]}, but {candidate} already has {current}%: every step must be above "
            f"the candidate's current weight (to send traffic back to {live}, use `bluegreen rollback`)"
        )
    builder = _Builder(config, live, candidate)
    builder.add(f"check {candidate} is healthy before shifting", [], "ready")
    for weight in steps:
        builder.add_weight(weight)
    return builder.plan()


def plan_rollback(config: dict[str, Any], check: bool = True) -> RolloutPlan:
    """100% to the live color if traffic is split, else 100% to the other color (it must have replicas).

    With `check`, the color taking the traffic must pass its health gate first.
    """
    spec = spec_of(config)
    live = live_color(spec.traffic)
    split = spec.traffic.of(live) != 100
    target = live if split else other(live)
    builder = _Builder(config, live=other(target), candidate=target)
    if check:
        builder.add(f"check {target} is healthy before sending it traffic", [], "ready")
    step = builder.weights_step(target, 100, f"send 100% to {target}")
    builder.steps.append(step)
    return RolloutPlan(live=live, candidate=target, steps=tuple(builder.steps), rollback=None)


def _refuse_split(spec: BlueGreenSpec) -> None:
    if sorted((spec.traffic.blue, spec.traffic.green)) != [0, 100]:
        raise PlanError(
            f"bluegreen:traffic = {{blue: {spec.traffic.blue}, green: {spec.traffic.green}}} is mid-rollout: "
            "a release needs one color at 100%; finish with `bluegreen shift --steps 100` "
            "or undo with `bluegreen rollback` first"
        )


class _Builder:
    """Accumulates steps on a running copy of the config, validating each result."""

    def __init__(self, config: dict[str, Any], live: Color, candidate: Color):
        self.config = config
        self.live: Color = live
        self.candidate: Color = candidate
        self.steps: list[Step] = []

    def add(self, label: str, changes: list[ConfigChange], gate: Gate | None) -> Step:
        step = self._step(label, changes, gate, self.candidate)
        self.steps.append(step)
        return step

    def add_weight(self, weight: int) -> None:
        label = f"shift {self.candidate} to {weight}% ({self.live} {100 - weight}%)"
        self.steps.append(self.weights_step(self.candidate, weight, label, gate="bake"))

    def weights_step(self, color: Color, weight: int, label: str, gate: Gate | None = None) -> Step:
        changes = [
            ConfigChange(f"bluegreen:traffic.{color}", weight),
            ConfigChange(f"bluegreen:traffic.{other(color)}", 100 - weight),
        ]
        return self._step(label, changes, gate, color)

    def plan(self) -> RolloutPlan:
        # Rolling back from the last step covers every earlier one: it only rewrites the weights.
        saved = self.config
        rollback = self.weights_step(self.live, 100, f"100% back to {self.live}")
        self.config = saved
        return RolloutPlan(self.live, self.candidate, tuple(self.steps), rollback)

    def _step(self, label: str, changes: list[ConfigChange], gate: Gate | None, color: Color) -> Step:
        config = self.config
        for change in changes:
            config = set_path(config, change.path, change.value)
        try:
            spec = spec_of(config)
        except ConfigError as error:
            raise PlanError(f"step '{label}' would leave an invalid stack config:\n{error}") from None
        self.config = config
        return Step(label, tuple(changes), gate, color, spec)
