"""A minimal strategy loop for the analysis tests and benchmark: set a weight, measure during pauses, judge.

It follows the strategy's semantics (one update per weight; a measurement every
`interval` during a pause; more than `failureLimit` failed measurements of a metric
rolls back in one update; more than `inconclusiveLimit` inconclusive ones pauses,
never promotes) so analysis can be proven on a real router and a real Prometheus.
The release engine (bluegreen/rollout.py) is what users run.
"""

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from bluegreen.analysis import Analysis, Measurement
from components.spec import Color
from components.spec.rollout import AnalysisSpec, RolloutStep

Outcome = Literal["promoted", "rolled_back", "paused"]


@dataclass
class CanaryRun:
    outcome: Outcome = "promoted"
    message: str = ""
    weights: list[tuple[float, int]] = field(default_factory=list)
    """(monotonic time the update finished, candidate weight) of every update, rollback included."""
    measurements: list[tuple[float, Measurement]] = field(default_factory=list)
    rollback_started: float | None = None


def run_canary(
    steps: list[RolloutStep],
    analysis: Analysis,
    settings: AnalysisSpec,
    set_weight: Callable[[int], None],
    candidate: Color,
    live: Color,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> CanaryRun:
    run = CanaryRun()
    failures: Counter[str] = Counter()
    inconclusive: Counter[str] = Counter()
    weight = 0
    for step in steps:
        if step.set_weight is not None:
            weight = step.set_weight
            set_weight(weight)
            run.weights.append((clock(), weight))
            continue
        seconds = step.pause_seconds or 0.0
        end = clock() + seconds
        while clock() < end:
            sleep(min(settings.interval, max(0.0, end - clock())))
            for measurement in analysis.measure(candidate, live):
                run.measurements.append((clock(), measurement))
                if measurement.verdict == "fail":
                    failures[measurement.metric] += 1
                    if failures[measurement.metric] > settings.failure_limit:
                        run.rollback_started = clock()
                        set_weight(0)
                        run.weights.append((clock(), 0))
                        run.outcome = "rolled_back"
                        run.message = f"{measurement.line()} at setWeight {weight}"
                        return run
                elif measurement.verdict == "inconclusive":
                    inconclusive[measurement.metric] += 1
                    if inconclusive[measurement.metric] > settings.inconclusive_limit:
                        run.outcome = "paused"
                        run.message = f"{measurement.line()} at setWeight {weight}"
                        return run
    return run
