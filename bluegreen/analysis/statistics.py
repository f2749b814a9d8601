"""Is the candidate's error rate worse than live's by more than a margin? Two one-sided tests, both must agree.

Pure functions, no I/O. The candidate fails only when both reject, each at the configured confidence:

- **Fisher's exact test**, H0 "the candidate fails no more often than live": conditional on the
  failures seen on both colors, how likely is it that at least as many as observed landed on the
  candidate? Its false-failure rate, for identical colors, is at most 1 - confidence for every
  sample size, exactly; a normal-approximation z-test, with one or two failures in a window,
  calls identical colors different far more often.
- **A score test on the difference** (difference_score.py), H0 "p_candidate - p_live <= margin":
  the margin is a number of percentage points, so a live color without failures still gives a
  test with power (3% against a clean live color, margin 1%, is caught at a few hundred requests).

Requiring both is an intersection-union test: its p-value is the larger of the two, and the
combined test is never more likely to fail a candidate than either part. So identical colors
keep Fisher's exact guarantee, and near the margin the guarantee is the score test's, which is
approximate (docs/analysis.md gives the false-failure rates measured by exact enumeration,
tests/test_analysis_statistics.py checks them).
"""

import math
from dataclasses import dataclass

from .difference_score import score_p_value

_NEGLIGIBLE_TERM = math.exp(-50.0)
"""Terms more than e^50 below the largest add nothing a float can hold: stop summing there."""


@dataclass(frozen=True)
class Comparison:
    """The evidence behind one candidate-versus-live error-rate verdict."""

    candidate_failures: int
    candidate_requests: int
    live_failures: int
    live_requests: int
    margin: float
    confidence: float
    exact_p_value: float
    """Fisher's exact test: probability of at least this many candidate failures were it no worse than live."""
    margin_p_value: float
    """The score test: probability of a difference this far above the margin were it exactly live + margin."""

    @property
    def p_value(self) -> float:
        """The combined test's: the larger of the two, since both must reject."""
        return max(self.exact_p_value, self.margin_p_value)

    @property
    def candidate_rate(self) -> float:
        return self.candidate_failures / self.candidate_requests

    @property
    def live_rate(self) -> float:
        return self.live_failures / self.live_requests

    @property
    def worse(self) -> bool:
        """True when the candidate is worse than live by more than the margin, with the configured confidence."""
        return self.p_value < 1.0 - self.confidence

    def evidence(self) -> str:
        """`10/300 (3.33%) vs live 0/900 (0.00%), p=0.00161 (exact 8.51e-07, margin 0.00161)`."""
        tested = show_p_values(self.p_value, self.exact_p_value, self.margin_p_value)
        return (
            f"{self.candidate_failures}/{self.candidate_requests} ({self.candidate_rate:.2%}) vs live "
            f"{self.live_failures}/{self.live_requests} ({self.live_rate:.2%}), {tested}"
        )


def show_p_values(combined: float, exact: float, margin: float) -> str:
    """`p=0.00161 (exact 8.51e-07, margin 0.00161)`: the verdict's p-value and the two it is the larger of."""
    return f"p={combined:.3g} (exact {exact:.3g}, margin {margin:.3g})"


def compare_error_rates(
    candidate_failures: int,
    candidate_requests: int,
    live_failures: int,
    live_requests: int,
    margin: float = 0.0,
    confidence: float = 0.95,
) -> Comparison:
    """Test H0 "candidate no worse than live + margin" against "worse", one-sided. Counts must be sane."""
    for name, failures, requests in (
        ("candidate", candidate_failures, candidate_requests),
        ("live", live_failures, live_requests),
    ):
        if requests <= 0 or not 0 <= failures <= requests:
            raise ValueError(f"{name}: {failures} failures of {requests} requests is not a sample")
    if not 0.0 <= margin < 1.0 or not 0.0 < confidence < 1.0:
        raise ValueError(f"margin {margin} must be in [0, 1) and confidence {confidence} in (0, 1)")
    exact = upper_tail(candidate_failures, candidate_requests, live_requests, candidate_failures + live_failures)
    beyond = score_p_value(candidate_failures, candidate_requests, live_failures, live_requests, margin)
    return Comparison(
        candidate_failures, candidate_requests, live_failures, live_requests, margin, confidence, exact, beyond
    )


def upper_tail(observed: int, candidate_requests: int, live_requests: int, failures: int, psi: float = 1.0) -> float:
    """P(X >= observed) for X ~ Fisher's noncentral hypergeometric(candidate_requests, live_requests, failures, psi).

    X is how many of `failures` fall on the candidate's `candidate_requests`; psi = 1 is the
    ordinary hypergeometric (Fisher's exact test). Summed from the mode outward, relative to the
    mode's term, until the terms vanish, so millions of requests cost a few thousand terms. Each
    term follows from its neighbour by their ratio, a product of four counts: cheaper than three
    lgammas a term, and closer. lgamma of a few million carries an absolute error of about 1e-8,
    which a term computed from three of them keeps as a relative error; a few thousand ratios
    multiply up about 1e-12.
    """
    low = max(0, failures - live_requests)
    high = min(candidate_requests, failures)
    if observed <= low:
        return 1.0
    if observed > high:
        return 0.0
    log_psi = math.log(psi)
    mode = _mode(low, high, candidate_requests, live_requests, failures, log_psi)
    terms = _Terms(candidate_requests, live_requests, failures, psi)
    above, above_tail, stopped = terms.up(mode, high, observed)
    below, below_tail = terms.down(mode, low, observed)
    if observed >= stopped:
        # Beyond where the terms vanish: the tail is its first term, computed on its own.
        def log_term(k: int) -> float:
            return _log_choose(candidate_requests, k) + _log_choose(live_requests, failures - k) + k * log_psi

        above_tail = math.exp(log_term(observed) - log_term(mode))
    return min(1.0, max(0.0, (above_tail + below_tail) / (below + above)))


def _log_choose(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def _mode(low: int, high: int, n_candidate: int, n_live: int, failures: int, log_psi: float) -> int:
    """The largest k whose term is at least its predecessor's (the terms are log-concave in k)."""

    def rising(k: int) -> bool:  # term(k) >= term(k - 1)
        return (
            math.log(n_candidate - k + 1) + math.log(failures - k + 1) + log_psi
            >= math.log(k) + math.log(n_live - failures + k)
        )

    while low < high:
        middle = (low + high + 1) // 2
        if rising(middle):
            low = middle
        else:
            high = middle - 1
    return low


@dataclass(frozen=True)
class _Terms:
    """Consecutive terms C(n_candidate, k) C(n_live, failures - k) psi^k, relative to the mode's, by their ratios.

    term(k + 1) / term(k) = (n_candidate - k)(failures - k) psi / ((k + 1)(n_live - failures + k + 1)), whose
    factors are positive for every k in the support. Walking away from the mode the terms only shrink:
    once one falls below e^-50 of the mode's, everything further is negligible too.
    """

    n_candidate: int
    n_live: int
    failures: int
    psi: float

    def up(self, mode: int, high: int, observed: int) -> tuple[float, float, int]:
        """The sum of the terms from the mode up, the part of it from `observed` up, and the first k left out."""
        n, failures, psi, others = self.n_candidate, self.failures, self.psi, self.n_live - self.failures
        term = total = 1.0
        tail = 1.0 if mode >= observed else 0.0
        for k in range(mode, high):
            term *= (n - k) * (failures - k) * psi / ((k + 1) * (others + k + 1))
            if term < _NEGLIGIBLE_TERM:
                return total, tail, k + 1
            total += term
            if k + 1 >= observed:
                tail += term
        return total, tail, high + 1

    def down(self, mode: int, low: int, observed: int) -> tuple[float, float]:
        """The sum of the terms below the mode, and the part of it from `observed` up."""
        n, failures, psi, others = self.n_candidate, self.failures, self.psi, self.n_live - self.failures
        term, total, tail = 1.0, 0.0, 0.0
        for k in range(mode, low, -1):
            term *= k * (others + k) / ((n - k + 1) * (failures - k + 1) * psi)
            if term < _NEGLIGIBLE_TERM:
                break
            total += term
            if k - 1 >= observed:
                tail += term
        return total, tail
