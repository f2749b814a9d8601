"""Judge every configured metric once: read the candidate (and the live color), compare with `max` and `min`.

A value is judged only on enough evidence: a number (not NaN, not negative) resting on at
least `minRequests` requests on each color read. An error rate relative to live is a test
of two proportions (statistics.py), not a subtraction.

Readings run in parallel, each in a daemon thread with one wall-clock deadline, so a
provider that hangs past its own socket timeouts still yields an inconclusive line
on time (its thread is abandoned, never waited for).
"""

import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from components.spec import Color
from components.spec.durations import show_duration
from components.spec.rollout import MetricSpec

from .measurement import Measurement, Verdict
from .reading import Reading
from .statistics import Comparison, compare_error_rates

Reader = Callable[[Color], Reading]
"""Reads one metric on one color."""


@dataclass(frozen=True)
class JudgedMetric:
    spec: MetricSpec
    read: Reader


def show_value(spec: MetricSpec, value: float) -> str:
    return show_duration(value) if spec.template == "latencyP99" else f"{value:.4g}"


def judge(spec: MetricSpec, candidate: Color, own: Reading, live: Reading | None) -> Measurement:
    """One Measurement. No data, a bad value or too small a sample on either side needed is inconclusive."""
    verdict = partial(
        Measurement, spec.name, candidate, requests=own.requests, failures=_failures(spec, own), dry_run=spec.dry_run
    )
    problem = unusable(spec, own)
    if problem is not None:
        return verdict(_finite(own.value), _rule(spec, None), "inconclusive", problem,
                       provider_error=own.provider_error)
    assert own.value is not None  # unusable() said so
    if spec.relative_to != "live":
        return verdict(own.value, _rule(spec, None), _within(spec, own.value, 0.0))
    live = live or Reading.missing("not measured")
    verdict = partial(
        verdict, live_value=_finite(live.value), live_requests=live.requests, live_failures=_failures(spec, live)
    )
    problem = unusable(spec, live)
    if problem is not None:
        return verdict(own.value, _rule(spec, None), "inconclusive", f"live color: {problem}",
                       provider_error=live.provider_error)
    assert live.value is not None
    rule = _rule(spec, live.value)
    comparison = _proportions(spec, own, live)
    if comparison is None:
        return verdict(own.value, rule, _within(spec, own.value, live.value))
    return verdict(
        own.value, rule, "fail" if comparison.worse else "pass", p_value=comparison.p_value,
        exact_p_value=comparison.exact_p_value, margin_p_value=comparison.margin_p_value,
    )


def unusable(spec: MetricSpec, reading: Reading) -> str | None:
    """Why this reading cannot be judged, or None: no data, NaN, a negative value, too few requests."""
    value = reading.value
    if value is None:
        return reading.detail or "no data"
    if math.isnan(value):
        return "NaN: no requests in the window (0/0), or a query that divides by nothing"
    if value < 0:
        return f"negative value {value:.4g}: a counter reset or a broken query, not a measurement"
    minimum = spec.sample_minimum
    if minimum > 0 and reading.requests is None:
        return "the provider did not say how many requests this value rests on"
    if reading.requests is not None and (math.isnan(reading.requests) or reading.requests < minimum):
        return f"only {_whole(reading.requests)} requests in the window (minRequests {minimum})"
    failures = _failures(spec, reading)
    if failures is not None and reading.requests is not None and not 0 <= failures <= reading.requests:
        return f"{_whole(failures)} failures of {_whole(reading.requests)} requests: the counts disagree"
    return None


def _failures(spec: MetricSpec, reading: Reading) -> float | None:
    """Failed requests: as the provider counted them, or the error rate times the requests."""
    if spec.template != "errorRate" or reading.requests is None:
        return reading.failures
    if reading.failures is not None:
        return reading.failures
    if reading.value is None or not math.isfinite(reading.value):
        return None
    return round(reading.value * reading.requests)


def _proportions(spec: MetricSpec, own: Reading, live: Reading) -> Comparison | None:
    """The test against live, when the metric is an error rate and both sides have counts; else None."""
    if not spec.tests_proportions:
        return None
    own_failures, live_failures = _failures(spec, own), _failures(spec, live)
    if own_failures is None or live_failures is None or not own.requests or not live.requests:
        return None  # only with minRequests 0: compared by value, as configured
    return compare_error_rates(
        round(own_failures), round(own.requests), round(live_failures), round(live.requests),
        spec.upper or 0.0, spec.confidence,
    )


def _within(spec: MetricSpec, value: float, base: float) -> Verdict:
    upper, lower = spec.upper, spec.lower
    if upper is not None and value > base + upper:
        return "fail"
    if lower is not None and value < (base - lower if spec.relative_to else lower):
        return "fail"
    return "pass"


def _rule(spec: MetricSpec, live: float | None) -> str:
    """The rule in words: `<= 0.01`, `>= 5 and <= 10`, `<= live (8.07ms) + 25ms`, `<= live + 0 at 95%`."""
    base = "live" if spec.relative_to else ""
    if base and live is not None:
        base = f"live ({show_value(spec, live)})"
    parts = []
    if spec.lower is not None:
        parts.append(f">= {base} - {show_value(spec, spec.lower)}" if base else f">= {show_value(spec, spec.lower)}")
    if spec.upper is not None:
        parts.append(f"<= {base} + {show_value(spec, spec.upper)}" if base else f"<= {show_value(spec, spec.upper)}")
    rule = " and ".join(parts)
    return f"{rule} at {spec.confidence:.0%} confidence" if spec.tests_proportions else rule


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _whole(count: float) -> str:
    return f"{count:.0f}" if math.isfinite(count) else str(count)


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
                reading = Reading.missing(f"{type(error).__name__}: {str(error)[:200]}", provider_error=True)
            with lock:
                results[key] = reading

        threads = [threading.Thread(target=run, args=(key,), daemon=True) for key in wanted]
        for thread in threads:
            thread.start()
        # One deadline for all: join each thread with what is left of it.
        end = time.monotonic() + self.deadline_seconds
        for thread in threads:
            thread.join(max(0.0, end - time.monotonic()))
        late = Reading.missing(f"no answer within {self.deadline_seconds:g}s", provider_error=True)
        with lock:
            return {key: results.get(key, late) for key in wanted}
