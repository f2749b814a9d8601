"""The timeline of one release as Markdown, built only from its event stream (docs/events.md).

One row per step (start, end, weights, every measurement with its verdict, result), the
outcome with its evidence and next commands, and Mermaid charts of the candidate's traffic
weight and of each metric over time. The same function serves the end of a release
(`--report FILE`) and `bluegreen report EVENTS_FILE`, so both show exactly the same thing.
Every string that came from outside (labels naming images, messages, metric names) is
escaped: a report shows text, it never renders links, mentions or HTML from it.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from components import safe_text
from components.spec.durations import parse_duration, show_duration
from components.spec.notifications import OUTCOME_EVENTS

from .analysis.measurement import Measurement
from .mermaid_chart import LineChart
from .release_events import Event

MARKS = {"pass": "✅", "fail": "❌", "inconclusive": "❔"}
OUTCOME_TITLES = {
    "done": "✅ done",
    "paused": "⏸️ paused",
    "rolled_back": "↩️ rolled back",
    "failed": "❌ failed",
    "rollback_failed": "🚨 rollback failed",
    "conflict": "⚠️ stopped: config changed under it",
    "interrupted": "⏹️ interrupted",
}
WEIGHT_SAMPLES = 24
"""Points on the traffic chart's time axis."""


class ReportError(ValueError):
    """The stream holds no release to report (or not the one asked for)."""


@dataclass
class _Step:
    number: int
    label: str
    weights: dict[str, int]
    start: Event
    end: Event | None = None
    measurements: list[Event] = field(default_factory=list)


def release_ids(events: Sequence[Event]) -> list[str]:
    """The releases in a stream, in the order they started."""
    return list(dict.fromkeys(e["release"] for e in events if "release" in e))


def render(events: Sequence[Event], release: str | None = None) -> str:
    """The report of `release` (default: the last one in the stream)."""
    ids = release_ids(events)
    if not ids:
        raise ReportError("the stream holds no release events")
    wanted = release or ids[-1]
    if wanted not in ids:
        raise ReportError(f"--release = {wanted!r} is not in the stream; it holds {', '.join(ids)}")
    mine = [e for e in events if e.get("release") == wanted]
    return _Report(mine).markdown()


class _Report:
    def __init__(self, events: list[Event]):
        self.events = events
        self.first = events[0]
        self.candidate: str = self.first["colors"]["candidate"]
        self.live: str = self.first["colors"]["live"]
        self.outcome = next((e for e in reversed(events) if e["type"] in OUTCOME_EVENTS), None)
        self.steps = self._steps()

    def _steps(self) -> list[_Step]:
        steps: list[_Step] = []
        current: _Step | None = None
        for event in self.events:
            step = event.get("step")
            if event["type"] in ("step.started", "rollback.started") and step:
                current = _Step(step["number"], step["label"], step["weights"], event)
                steps.append(current)
            elif current is not None and event["type"] == "step.finished":
                current.end = event
            elif current is not None and event["type"] == "measurement":
                current.measurements.append(event)
        return steps

    def markdown(self) -> str:
        first, outcome = self.first, self.outcome
        result = outcome["outcome"]["result"] if outcome else None
        title = OUTCOME_TITLES.get(result or "", "⏳ no outcome recorded (the stream ends early)")
        lines = [
            f"## Release on `{_code(first['stack'])}`: {title}",
            "",
            f"{_md(first['command'])}  ",
            f"image `{_code(first['image'])}` on {self.candidate} ({self.live} live) · release "
            f"`{_code(first['release'])}` · started {_wall(first['time'])} UTC"
            + (f" · took {show_duration(round(outcome['elapsed']))}" if outcome else ""),
        ]
        if outcome:
            summary = outcome["outcome"]
            deployed = summary["deployed"]
            shown = f"blue {deployed['blue']}%, green {deployed['green']}%" if deployed else "unknown"
            lines += ["", f"> {_md(summary['message'])}", ">", f"> exit {summary['exitCode']} · deployed: {shown}"]
        lines += ["", *self._table()]
        if outcome:
            lines += self._evidence(outcome["outcome"])
        lines += self._charts()
        return "\n".join(lines) + "\n"

    def _table(self) -> list[str]:
        rows = [
            "| # | step | start | end | weights (blue/green) | measurements | result |",
            "|---|---|---|---|---|---|---|",
        ]
        for step in self.steps:
            number = "↩" if step.number == 0 else str(step.number)
            start = _clock(step.start)
            end = _clock(step.end) if step.end else "-"
            weights = f"{step.weights['blue']}/{step.weights['green']}"
            result = step.end["result"]["result"] if step.end else "not finished"
            detail = step.end["result"]["detail"] if step.end else ""
            shown = _md(result) + (f": {_md(detail)}" if detail else "")
            cells = [number, _md(step.label), start, end, weights, _measurements(step.measurements), shown]
            rows.append("| " + " | ".join(cells) + " |")
        return rows

    def _evidence(self, summary: dict[str, Any]) -> list[str]:
        lines: list[str] = []
        evidence = summary["evidence"]
        if evidence["measurements"] or evidence["health"]:
            lines += ["", "**Evidence** (the last measurements and the unhealthy gates):", ""]
            lines += [f"- {_md(Measurement.from_fields(m).line())}" for m in evidence["measurements"]]
            lines += [f"- {_md(h['gate'])} {h['color']}: unhealthy ({_md(h['detail'])})" for h in evidence["health"]]
        if summary["next"]:
            lines += ["", "**Next:**", ""]
            lines += [f"- {_md(command)}" for command in summary["next"]]
        return lines

    def _charts(self) -> list[str]:
        end = self.events[-1]["elapsed"]
        if end <= 0:
            return []
        lines = ["", f"### Traffic and metrics over time (minutes since {_wall(self.first['time'])} UTC)", ""]
        times = [end * i / (WEIGHT_SAMPLES - 1) for i in range(WEIGHT_SAMPLES)]
        weights = [float(self._weight_at(t)) for t in times]
        chart = LineChart(
            f"{self.candidate} share of production traffic (%)", "minutes", [_minutes(t) for t in times],
            "weight %", [weights], y_max=100,
        )
        lines += ["```mermaid", chart.render(), "```"]
        for metric, points in self._metric_series().items():
            values = [value for _, value, _ in points]
            threshold = _absolute_threshold(points[-1][2])
            series = [values] if threshold is None else [values, [threshold] * len(values)]
            rule = f", threshold line at {threshold:g}" if threshold is not None else ""
            chart = LineChart(
                f"{metric} of {self.candidate}{rule}", "minutes", [_minutes(t) for t, _, _ in points], metric, series
            )
            lines += ["", "```mermaid", chart.render(), "```"]
        return lines

    def _weight_at(self, moment: float) -> int:
        weight = self.first["weights"][self.candidate]
        for event in self.events:
            if event["elapsed"] > moment:
                break
            weight = event["weights"][self.candidate]
        return weight

    def _metric_series(self) -> dict[str, list[tuple[float, float, str]]]:
        series: dict[str, list[tuple[float, float, str]]] = {}
        for event in self.events:
            if event["type"] != "measurement" or event.get("secondsLeft") is None:
                continue  # a hook's single answer is in the table, not a series
            measured = event["measurement"]
            if measured["value"] is not None:
                series.setdefault(measured["metric"], []).append(
                    (event["elapsed"], float(measured["value"]), measured["threshold"])
                )
        return series


def _measurements(found: list[Event]) -> str:
    by_metric: dict[str, list[dict[str, Any]]] = {}
    for event in found:
        by_metric.setdefault(event["measurement"]["metric"], []).append(event["measurement"])
    parts = []
    for metric, measured in by_metric.items():
        values = " ".join(
            f"{'no data' if m['value'] is None else format(m['value'], '.4g')}{MARKS.get(m['verdict'], '')}"
            for m in measured
        )
        parts.append(f"{_md(metric)} ({_md(measured[-1]['threshold'])}): {values}")
    return "<br>".join(parts) or "-"


def _absolute_threshold(threshold: str) -> float | None:
    """`<= 0.01` -> 0.01, `<= 250ms` -> 0.25; a relative rule (`<= live (...) + ...`) has no fixed line."""
    match = re.fullmatch(r"<= (\S+)", threshold)
    if not match:
        return None
    text = match.group(1)
    try:
        return float(text)
    except ValueError:
        return parse_duration(text)


def _clock(event: Event) -> str:
    return f"{_wall(event['time'])[11:]} (+{_minutes(event['elapsed'])})"


def _wall(iso: str) -> str:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).strftime("%Y-%m-%d %H:%M:%S")


def _minutes(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _md(text: object) -> str:
    """Shown, never rendered: one line, Markdown and HTML characters escaped, @-mentions broken."""
    return safe_text.markdown(text)


def _code(text: object) -> str:
    """Inside a code span: no backtick to close it early, one line."""
    return " ".join(safe_text.shown(text).split()).replace("`", "'")
