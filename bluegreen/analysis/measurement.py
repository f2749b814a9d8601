"""What one analysis measurement is, and the interface the release engine judges a pause through.

The engine knows nothing of Prometheus or CloudWatch: during every pause it calls
`Analysis.measure()` once per `analysis.interval`, prints each Measurement's `line()`,
and counts verdicts against `failureLimit` and `inconclusiveLimit`. Providers live
beside this file; `build_analysis` (in this package's __init__) picks them per platform.
"""

from dataclasses import dataclass
from typing import Literal, Protocol

from components.spec import Color

Verdict = Literal["pass", "fail", "inconclusive"]


@dataclass(frozen=True)
class Measurement:
    """One metric, measured once on the candidate (and the live color for relative metrics)."""

    metric: str
    """The metric's `name` from config."""
    color: Color
    """The color judged (always the candidate)."""
    value: float | None
    """The candidate's value; None when there was no data or the provider failed."""
    threshold: str
    """The rule in words: `<= 0.01`, `<= live (0.120s) + 0.5s`."""
    verdict: Verdict
    detail: str = ""
    """Why, for inconclusive and fail: `no requests in the window`, `prometheus: timed out after 5s`."""

    def line(self) -> str:
        """One compact line, e.g. `error-rate green 0.0612 vs <= 0.01: FAIL`."""
        shown = "no data" if self.value is None else f"{self.value:.4g}"
        why = f" ({self.detail})" if self.detail else ""
        return f"{self.metric} {self.color} {shown} vs {self.threshold}: {self.verdict.upper()}{why}"


class Analysis(Protocol):
    """Measures every configured metric once. Never raises; every call has a hard deadline."""

    def measure(self, candidate: Color, live: Color) -> list[Measurement]: ...
