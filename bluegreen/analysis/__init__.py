"""Release analysis: measure the candidate's error rate and latency per color, judge them against config."""

from typing import Any

from components.spec import BlueGreenSpec

from .measurement import Analysis, Measurement, Verdict

__all__ = ["Analysis", "Measurement", "Verdict", "build_analysis"]


def build_analysis(
    spec: BlueGreenSpec, outputs: dict[str, Any], stack_name: str, config: dict[str, Any]
) -> Analysis | None:
    """The providers for this stack's metrics, or None when it has none.

    Placeholder until the providers land: None, which the engine treats as "no data"
    (inconclusive, so a release with analysis configured pauses instead of promoting).
    """
    return None
