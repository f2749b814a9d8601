"""Release analysis: measure the candidate's error rate and latency per color, judge them against config."""

from .measurement import Analysis, Measurement, Verdict

__all__ = ["Analysis", "Measurement", "Verdict"]
