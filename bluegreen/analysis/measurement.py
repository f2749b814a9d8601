"""What one analysis measurement is, and the interface the release engine judges a pause through.

The engine knows nothing of Prometheus or CloudWatch: during every pause it calls
`Analysis.measure()` once per `analysis.interval`, prints each Measurement's `line()`
(value, rule, verdict and the counts it rests on), and counts verdicts against
`failureLimit`, `inconclusiveLimit` and `consecutiveErrorLimit`. Providers live
beside this file; `build_analysis` (in this package's __init__) picks them per platform.
"""

import dataclasses
import math
import re
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from components.spec import Color

from .statistics import show_p_values

Verdict = Literal["pass", "fail", "inconclusive"]


@dataclass(frozen=True)
class Measurement:
    """One metric, measured once on the candidate (and the live color for relative metrics), with its evidence."""

    metric: str
    """The metric's `name` from config."""
    color: Color
    """The color judged (always the candidate)."""
    value: float | None
    """The candidate's value; None when there was no data or the provider failed."""
    threshold: str
    """The rule in words: `<= 0.01`, `<= live (0.120s) + 0.5s`, `not worse than live + 0 (95%)`."""
    verdict: Verdict
    detail: str = ""
    """Why, for inconclusive and fail: `only 12 requests (minRequests 100)`, `prometheus: timed out after 5s`."""
    requests: float | None = None
    """Requests the candidate's value rests on in the window (None: unknown)."""
    failures: float | None = None
    """Of those, failed (error-rate metrics)."""
    live_value: float | None = None
    live_requests: float | None = None
    live_failures: float | None = None
    p_value: float | None = None
    """The test against live (statistics.py): the larger of the next two; the candidate fails below 1 - confidence."""
    exact_p_value: float | None = None
    """Fisher's exact test: probability of this many candidate failures were it no worse than live."""
    margin_p_value: float | None = None
    """The score test on the difference: probability of this excess were the candidate exactly live + margin."""
    provider_error: bool = False
    """No verdict because the provider failed (counted against consecutiveErrorLimit, not inconclusiveLimit)."""
    dry_run: bool = False
    """Measured and printed, never acted on."""

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> "Measurement":
        """The measurement an event stream's `measurement` object records (release_events writes each field
        camelCase), so a report or a notification shows the same line, counts and p-values included, as the
        release printed. Every evidence field is read by its name, so one added here is read back too; a field
        the stream has and this class has not is ignored, and an evidence value that is not a number (a
        hand-edited stream) is left out. The five fields without a default are required (KeyError)."""
        found: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            key = re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), field.name)
            if field.default is dataclasses.MISSING:
                found[field.name] = fields[key]
            elif field.default is False:
                found[field.name] = fields.get(key) is True
            elif field.default is None:
                found[field.name] = _number(fields.get(key))
            else:
                found[field.name] = fields.get(key) or field.default
        return cls(**found)

    def line(self) -> str:
        """One compact line, e.g. `error-rate green 0.0612 vs <= 0.01: FAIL [6/98 failed]`."""
        shown = "no data" if self.value is None else f"{self.value:.4g}"
        evidence = f" [{self.evidence()}]" if self.evidence() else ""
        why = f" ({self.detail})" if self.detail else ""
        dry = " (dry run: not acted on)" if self.dry_run else ""
        return f"{self.metric} {self.color} {shown} vs {self.threshold}: {self.verdict.upper()}{evidence}{why}{dry}"

    def evidence(self) -> str:
        """The counts behind the value and the test against live, e.g.
        `10/300 failed (3.33%) vs live 0/900 failed (0.00%), p=0.00161 (exact 8.51e-07, margin 0.00161)`."""
        if self.requests is None:
            return ""
        own = _count(self.failures, self.requests)
        if self.live_requests is None:
            return own
        live = _count(self.live_failures, self.live_requests)
        if self.failures is not None and self.live_failures is not None and self.requests and self.live_requests:
            own += f" ({self.failures / self.requests:.2%})"
            live += f" ({self.live_failures / self.live_requests:.2%})"
        tested = ""
        if self.p_value is not None and self.exact_p_value is not None and self.margin_p_value is not None:
            tested = f", {show_p_values(self.p_value, self.exact_p_value, self.margin_p_value)}"
        elif self.p_value is not None:
            tested = f", p={self.p_value:.3g}"
        return f"{own} vs live {live}{tested}"


def _number(value: Any) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) else None


def _count(failures: float | None, requests: float) -> str:
    return f"{requests:.0f} requests" if failures is None else f"{failures:.0f}/{requests:.0f} failed"


class Analysis(Protocol):
    """Measures every configured metric once. Never raises; every call has a hard deadline."""

    def measure(self, candidate: Color, live: Color) -> list[Measurement]: ...
