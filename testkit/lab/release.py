"""A release through the real engine (`bluegreen/rollout.py`, as `bluegreen release` runs it) in a canary lab.

The engine gets what the CLI gives it on the local stack: the plan `plan_release` makes from the
stack's config, the lab's driver (the real program under mocks, HAProxy reloaded with each result)
and `build_analysis` on the stack's own `bluegreen:rollout`. Only the health gates are left out (the
lab's replicas stay healthy; the analysis is what is judged) and the waits are short.
`Timeline` keeps what the engine reported, with the time it reported it.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bluegreen.analysis import build_analysis
from bluegreen.analysis.measurement import Measurement
from bluegreen.rollout import Rollout, RolloutResult, StepRecord, Timing
from bluegreen.rollout_plan import Step, plan_release
from bluegreen.stack_files import spec_of
from components.spec import Traffic

from .canary_lab import STACK, CanaryLab

IMAGE = "lab/web:1.5.0"


@dataclass
class Timeline:
    """An engine Observer that keeps every measurement line and verdict, each with its monotonic time."""

    measured: list[tuple[float, str]] = field(default_factory=list)
    verdicts: list[tuple[float, str, str]] = field(default_factory=list)
    steps: list[tuple[float, str]] = field(default_factory=list)
    on_step: Callable[[Step], None] = lambda step: None
    """Called as each step starts (a test starts a fault at the step it is about)."""

    def measurements(self, seconds_left: float | None, found: list[Measurement]) -> None:
        now = time.monotonic()
        self.measured += [(now, m.line()) for m in found]

    def verdict(self, step: Step, decision: str, reason: str) -> None:
        self.verdicts.append((time.monotonic(), decision, reason))

    def step(self, index: int, total: int, step: Step) -> None:
        self.steps.append((time.monotonic(), step.label))
        self.on_step(step)

    def output(self, line: str) -> None:
        pass

    def health(self, results: list[Any]) -> None:
        pass

    def progress(self, step: Step, seconds_left: float) -> None:
        pass

    def note(self, message: str) -> None:
        pass

    def finished(self, step: Step, record: StepRecord, deployed: Traffic | None) -> None:
        pass

    def rolling_back(self, reason: str, step: Step) -> None:
        pass


LAB_TIMING = Timing(wait_timeout=10, poll_interval=0.5)


def release(
    lab: CanaryLab, timing: Timing = LAB_TIMING, on_step: Callable[[Step], None] = lambda step: None
) -> tuple[RolloutResult, Timeline]:
    """Release IMAGE to the lab's idle color with the stack's own strategy; the engine's result and what it said."""
    spec = spec_of(lab.driver.config())
    plan = plan_release(lab.driver.config(), IMAGE)
    timeline = Timeline(on_step=on_step)
    rollout = Rollout(
        plan, lab.driver, [], timeline, timing,
        analysis=lambda outputs: build_analysis(spec, outputs, STACK, lab.driver.config()),
    )
    return rollout.run(), timeline


def after_promotion(step: Step) -> bool:
    """A pause that holds the candidate at 100%: the post-promotion analysis."""
    return step.kind == "pause" and step.spec.traffic.of(step.color) == 100
