"""Judge every configured metric once: read the candidate (and the live color), compare with `max`.

Readings run in parallel, each in a daemon thread with one wall-clock deadline, so a
provider that hangs past its own socket timeouts still yields an inconclusive line
on time (its thread is abandoned, never waited for).
"""

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from components.spec import Color
from components.spec.durations import show_duration
from components.spec.rollout import MetricSpec

from .measurement import Measurement
from .reading import Reading

Reader = Callable[[Color], Reading]
"""Reads one metric on one color."""


@dataclass(frozen=True)
class JudgedMetric:
    spec: MetricSpec
    read: Reader


def show_value(spec: MetricSpec, value: float) -> str:
    return show_duration(value) if spec.template == "latencyP99" else f"{value:.4g}"


def judge(spec: MetricSpec, candidate: Color, own: Reading, live: Reading | None) -> Measurement:
    """One Measurement: no data on either side needed is inconclusive, never a pass."""
    limit = spec.threshold
    shown = show_value(spec, limit)
    if spec.relative_to == "live":
        if live is None or live.value is None:
            why = live.detail if live is not None else "not measured"
            rule = f"<= live + {shown}"
            return Measurement(spec.name, candidate, own.value, rule, "inconclusive", f"live color: {why}")
        rule = f"<= live ({show_value(spec, live.value)}) + {shown}"
        bound = live.value + limit
    else:
        rule = f"<= {shown}"
        bound = limit
    if own.value is None:
        return Measurement(spec.name, candidate, None, rule, "inconclusive", own.detail)
    verdict = "pass" if own.value <= bound else "fail"
    return Measurement(spec.name, candidate, own.value, rule, verdict)


class MetricAnalysis:
    """The `Analysis` the engine calls once per interval."""

    def __init__(self, metrics: Sequence[JudgedMetric], deadline_seconds: float):
        self.metrics = list(metrics)
        self.deadline_seconds = deadline_seconds

    def measure(self, candidate: Color, live: Color) -> list[Measurement]:
        wanted: list[tuple[int, Color]] = []
        for index, metric in enumerate(self.metrics):
            wanted.append((index, candidate))
            if metric.spec.relative_to == "live":
                wanted.append((index, live))
        readings = self._read_all(wanted)
        return [
            judge(
                metric.spec,
                candidate,
                readings[(index, candidate)],
                readings[(index, live)] if metric.spec.relative_to == "live" else None,
            )
            for index, metric in enumerate(self.metrics)
        ]

    def _read_all(self, wanted: list[tuple[int, Color]]) -> dict[tuple[int, Color], Reading]:
        results: dict[tuple[int, Color], Reading] = {}
        lock = threading.Lock()

        def run(key: tuple[int, Color]) -> None:
            try:
                reading = self.metrics[key[0]].read(key[1])
            except Exception as error:  # a provider bug is no data, not a crashed release
                reading = Reading.missing(f"{type(error).__name__}: {str(error)[:200]}")
            with lock:
                results[key] = reading

        threads = [threading.Thread(target=run, args=(key,), daemon=True) for key in wanted]
        for thread in threads:
            thread.start()
        # One deadline for all: join each thread with what is left of it.
        end = time.monotonic() + self.deadline_seconds
        for thread in threads:
            thread.join(max(0.0, end - time.monotonic()))
        late = Reading.missing(f"no answer within {self.deadline_seconds:g}s")
        with lock:
            return {key: results.get(key, late) for key in wanted}
