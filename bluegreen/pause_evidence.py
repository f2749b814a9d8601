"""What one pause's measurements decide: roll back, pause the release, or go on; and whether the pause passed.

The rule, per metric acted on (not `dryRun`; at 100% not `relativeTo: live` either, as the
live color then takes no traffic to compare with):

- a failed measurement counts for the whole release; more than `failureLimit` rolls back;
- a provider error (unreachable, timed out, a query error) counts in a row; more than
  `consecutiveErrorLimit` in a row pauses the release; any other measurement ends the row;
- a measurement without a verdict for want of data (no series, NaN, a negative value,
  fewer than `minRequests` requests) counts within the pause; more than
  `inconclusiveLimit` pauses the release;
- when the pause's time is up, it passes only if every metric had at least one conclusive
  (pass or fail) measurement in it. A pause without one pauses the release: no evidence
  is never a promotion.

Pure: the engine feeds it measurements and acts on what it answers.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from components.spec.rollout import AnalysisSpec

from .analysis.measurement import Measurement

Decision = Literal["continue", "fail", "pause"]
NEVER_PROMOTED = "a release without evidence is never promoted"


@dataclass
class ReleaseTally:
    """What outlives one pause: failed measurements per metric, provider errors in a row per metric."""

    failures: dict[str, int] = field(default_factory=dict)
    errors_in_row: dict[str, int] = field(default_factory=dict)


@dataclass
class PauseEvidence:
    """The measurements of one pause, against the analysis rules."""

    rules: AnalysisSpec
    step: str
    """The step's label, for messages."""
    weight: int
    """The candidate's weight during the pause."""
    release: ReleaseTally
    conclusive: dict[str, int] = field(default_factory=dict)
    inconclusive: dict[str, int] = field(default_factory=dict)
    last: dict[str, Measurement] = field(default_factory=dict)

    @property
    def judged(self) -> list[str]:
        """The metrics whose measurements decide this pause."""
        return [
            m.name for m in self.rules.metrics
            if not m.dry_run and not (self.weight >= 100 and m.relative_to == "live")
        ]

    def add(self, found: Iterable[Measurement]) -> tuple[Decision, str]:
        """Count one round of measurements; the first limit broken decides (a failure before a pause)."""
        judged = set(self.judged)
        mine = [m for m in found if m.metric in judged and not m.dry_run]
        rules = self.rules
        for m in mine:
            self.last[m.metric] = m
            if m.verdict in ("pass", "fail"):
                self.conclusive[m.metric] = self.conclusive.get(m.metric, 0) + 1
            row = self.release.errors_in_row.get(m.metric, 0) + 1 if m.provider_error else 0
            self.release.errors_in_row[m.metric] = row
            if m.verdict == "inconclusive" and not m.provider_error:
                self.inconclusive[m.metric] = self.inconclusive.get(m.metric, 0) + 1
        for m in mine:
            if m.verdict == "fail":
                count = self.release.failures[m.metric] = self.release.failures.get(m.metric, 0) + 1
                if count > rules.failure_limit:
                    return "fail", (
                        f"analysis failed at step '{self.step}': {m.line()} "
                        f"({count} failed measurement(s), failureLimit {rules.failure_limit})"
                    )
        for m in mine:
            row = self.release.errors_in_row.get(m.metric, 0)
            if m.provider_error and row > rules.consecutive_error_limit:
                return "pause", (
                    f"analysis provider failing at step '{self.step}': {m.line()} ({row} provider error(s) in a "
                    f"row, consecutiveErrorLimit {rules.consecutive_error_limit}); {NEVER_PROMOTED}"
                )
        for m in mine:
            count = self.inconclusive.get(m.metric, 0)
            if m.verdict == "inconclusive" and not m.provider_error and count > rules.inconclusive_limit:
                return "pause", (
                    f"analysis inconclusive at step '{self.step}': {m.line()} ({count} measurement(s) without a "
                    f"verdict in this pause, inconclusiveLimit {rules.inconclusive_limit}); {NEVER_PROMOTED}"
                )
        tally = ", ".join(f"{m.metric} {m.verdict}" for m in found) or "nothing measured"
        return "continue", f"within limits: {tally}"

    def finish(self) -> tuple[Decision, str]:
        """At the end of the pause: every metric acted on needs a conclusive measurement, or the release pauses."""
        for name in self.judged:
            if self.conclusive.get(name, 0) > 0:
                continue
            last = self.last.get(name)
            why = f"last: {last.line()}" if last is not None else "it was never measured"
            return "pause", (
                f"analysis has no evidence at step '{self.step}': metric '{name}' had no conclusive measurement "
                f"in this pause ({why}); a pause passes only on a pass or fail of every metric, and "
                f"{NEVER_PROMOTED}"
            )
        counts = ", ".join(f"{name} {self.conclusive[name]}" for name in self.judged)
        return "continue", f"evidence for every metric: {counts or 'no metric acted on'} conclusive measurement(s)"
