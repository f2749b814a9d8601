"""Execute a RolloutPlan through a StackDriver, gate every step on health, and roll back by itself.

A step sets its config paths and runs `pulumi up`; then its gate runs:
`ready` polls until the color is healthy (or the wait times out), `bake` holds the
new split for the bake time and fails on the first unhealthy observation beyond
`failures_allowed`. Any failure after traffic moved sends 100% back to the color
that was live before, again only through config and `pulumi up`.
"""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from components.spec import BlueGreenSpec, Color

from .exit_codes import ExitCode
from .health_gates import GateResult, HealthGate, check_all
from .rollout_plan import RolloutPlan, Step
from .stack_driver import StackDriver, StackError

Outcome = Literal["done", "failed", "rolled_back", "rollback_failed"]

EXIT_CODES: dict[Outcome, int] = {
    "done": ExitCode.DONE,
    "failed": ExitCode.FAILED,
    "rolled_back": ExitCode.FAILED,
    "rollback_failed": ExitCode.ROLLBACK_FAILED,
}
"""What each outcome exits with; exit_codes.MEANINGS says what the codes mean."""


@dataclass(frozen=True)
class Timing:
    """How long to wait and watch. Seconds; parameters so tests can run in milliseconds."""

    wait_timeout: float = 600.0
    """Longest wait for a color to become healthy before a `ready` gate fails."""
    bake_seconds: float = 60.0
    """How long each traffic step is watched before the next one."""
    poll_interval: float = 5.0
    """Pause between health observations."""
    failures_allowed: int = 0
    """Consecutive unhealthy observations tolerated during a bake."""


class Observer(Protocol):
    """Where progress goes (the CLI prints it; tests record it)."""

    def step(self, index: int, total: int, step: Step) -> None: ...
    def output(self, line: str) -> None: ...
    def health(self, results: list[GateResult]) -> None: ...
    def note(self, message: str) -> None: ...


@dataclass
class RolloutResult:
    outcome: Outcome
    message: str
    steps_done: int
    outputs: dict[str, Any] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.outcome]


@dataclass
class Rollout:
    """One plan against one stack; `run()` executes it."""

    plan: RolloutPlan
    driver: StackDriver
    gates: Sequence[HealthGate]
    observer: Observer
    timing: Timing = field(default_factory=Timing)
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep

    def run(self) -> RolloutResult:
        try:
            outputs = self.driver.outputs()
        except StackError as error:
            return RolloutResult("failed", f"{error}; nothing changed", 0)
        traffic_moved = False
        total = len(self.plan.steps)
        for index, step in enumerate(self.plan.steps):
            self.observer.step(index, total, step)
            # Marked before the update: a half-applied weight change must still be undone.
            traffic_moved = traffic_moved or step.moves_traffic
            try:
                if step.changes:
                    for change in step.changes:
                        self.driver.set_config(change.path, change.value)
                    outputs = self.driver.up(self.observer.output)
                failure = self._gate(step, outputs)
            except StackError as error:
                failure = str(error)
            if failure:
                return self._fail(failure, index, traffic_moved)
        return RolloutResult("done", f"{total} step(s) done", total, outputs)

    def _gate(self, step: Step, outputs: dict[str, Any]) -> str | None:
        if step.gate is None:
            return None
        if not self.gates:
            self.observer.note("no health gates for this platform; not waiting")
            return None
        if step.gate == "ready":
            return self._wait_ready(step.color, step.spec, outputs)
        return self._bake(step.color, step.spec, outputs)

    def _wait_ready(self, color: Color, spec: BlueGreenSpec, outputs: dict[str, Any]) -> str | None:
        deadline = self.clock() + self.timing.wait_timeout
        while True:
            results = self._observe(color, spec, outputs)
            if all(r.healthy for r in results):
                return None
            if self.clock() >= deadline:
                waited = f"{self.timing.wait_timeout:g}s"
                return f"{color} did not become healthy within {waited}: {_unhealthy(results)}"
            self.sleep(self.timing.poll_interval)

    def _bake(self, color: Color, spec: BlueGreenSpec, outputs: dict[str, Any]) -> str | None:
        deadline = self.clock() + self.timing.bake_seconds
        misses = 0
        while True:
            results = self._observe(color, spec, outputs)
            misses = 0 if all(r.healthy for r in results) else misses + 1
            if misses > self.timing.failures_allowed:
                return f"{color} turned unhealthy while baking: {_unhealthy(results)}"
            remaining = deadline - self.clock()
            if remaining <= 0:
                return None
            self.sleep(min(self.timing.poll_interval, remaining))

    def _observe(self, color: Color, spec: BlueGreenSpec, outputs: dict[str, Any]) -> list[GateResult]:
        results = check_all(self.gates, color, spec, outputs)
        self.observer.health(results)
        return results

    def _fail(self, reason: str, index: int, traffic_moved: bool) -> RolloutResult:
        rollback = self.plan.rollback
        if rollback is None or not traffic_moved:
            stayed = f"production traffic stayed on {self.plan.live}" if rollback else "nothing rolled back"
            return RolloutResult("failed", f"{reason}; {stayed}", index)
        self.observer.note(f"rolling back: {rollback.label}")
        try:
            for change in rollback.changes:
                self.driver.set_config(change.path, change.value)
            outputs = self.driver.up(self.observer.output)
        except StackError as error:
            manual = " && ".join(f"pulumi config set --path {c.path} {c.value}" for c in rollback.changes)
            return RolloutResult(
                "rollback_failed",
                f"{reason}; the automatic rollback failed too: {error}\n"
                f"Restore production by hand: {manual} && pulumi up --stack {self.driver.name}",
                index,
            )
        self._observe(self.plan.live, rollback.spec, outputs)
        back = f"{reason}; traffic is back at 100% on {self.plan.live}"
        return RolloutResult("rolled_back", back, index, outputs)


def _unhealthy(results: list[GateResult]) -> str:
    return "; ".join(str(r) for r in results if not r.healthy) or "no result"
