"""Is the candidate's error rate worse than live's by more than a margin? A one-sided exact test of two proportions.

Pure functions, no I/O. The test is Fisher's exact test, conditional on the total number of
failures: of the K failed requests seen on both colors, how likely is it that at least as
many as observed landed on the candidate, were the candidate no worse than live? With a
margin m > 0 the null hypothesis is "the candidate's odds of failing are at most those of
live's rate + m", which makes the conditional distribution Fisher's noncentral
hypergeometric with odds ratio psi = odds(p_live + m) / odds(p_live); live's rate is
estimated as (failures + 0.5) / (requests + 1) so a live color without failures still gives
a finite psi. With m = 0, psi = 1 and this is Fisher's exact test itself.

Why not a z-test: with rare failures (one or two in a window) its normal approximation
fails far more often than 1 - confidence when both colors are identical. The conditional
test's false-failure rate, for identical colors, is at most 1 - confidence for every sample
size, and psi >= 1 only makes it stricter (tests/test_analysis_statistics.py checks both
by exact enumeration).
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

_NEGLIGIBLE = 50.0
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
    p_value: float
    """Probability of at least this many candidate failures were it no worse than live + margin."""

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
        """`3/120 (2.50%) vs live 12/2280 (0.53%), p=0.041`."""
        return (
            f"{self.candidate_failures}/{self.candidate_requests} ({self.candidate_rate:.2%}) vs live "
            f"{self.live_failures}/{self.live_requests} ({self.live_rate:.2%}), p={self.p_value:.3g}"
        )


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
    p_value = upper_tail(
        candidate_failures, candidate_requests, live_requests, candidate_failures + live_failures,
        odds_ratio_margin(live_failures, live_requests, margin),
    )
    return Comparison(
        candidate_failures, candidate_requests, live_failures, live_requests, margin, confidence, p_value
    )


def odds_ratio_margin(live_failures: int, live_requests: int, margin: float) -> float:
    """psi = odds(p + margin) / odds(p) at live's estimated rate p; exactly 1 for no margin."""
    if margin <= 0:
        return 1.0
    rate = (live_failures + 0.5) / (live_requests + 1.0)
    shifted = min(rate + margin, 1.0 - 1e-12)
    return (shifted / (1.0 - shifted)) / (rate / (1.0 - rate))


def upper_tail(observed: int, candidate_requests: int, live_requests: int, failures: int, psi: float = 1.0) -> float:
    """P(X >= observed) for X ~ Fisher's noncentral hypergeometric(candidate_requests, live_requests, failures, psi).

    X is how many of `failures` fall on the candidate's `candidate_requests`; psi = 1 is the
    ordinary hypergeometric (Fisher's exact test). Summed in log space from the mode outward,
    so millions of requests cost a few thousand terms.
    """
    low = max(0, failures - live_requests)
    high = min(candidate_requests, failures)
    if observed <= low:
        return 1.0
    if observed > high:
        return 0.0
    log_psi = math.log(psi)

    def log_term(k: int) -> float:
        return _log_choose(candidate_requests, k) + _log_choose(live_requests, failures - k) + k * log_psi

    mode = _mode(low, high, candidate_requests, live_requests, failures, log_psi)
    peak = log_term(mode)
    below = _sum_away(log_term, mode - 1, low - 1, -1, peak)
    above = _sum_away(log_term, mode, high + 1, 1, peak)
    if observed > mode:
        tail = _sum_away(log_term, observed, high + 1, 1, peak)
    else:
        tail = above + (below - _sum_away(log_term, observed - 1, low - 1, -1, peak))
    return min(1.0, max(0.0, tail / (below + above)))


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


def _sum_away(log_term: Callable[[int], float], start: int, stop: int, step: int, peak: float) -> float:
    """Sum of exp(log_term(k) - peak) for k from start towards stop (exclusive), until terms vanish."""
    total = 0.0
    for k in range(start, stop, step):
        relative = log_term(k) - peak
        if relative < -_NEGLIGIBLE and (k - start) * step > 0:
            # Past the mode the terms only shrink: everything further is negligible too.
            break
        total += math.exp(relative)
    return total
