"""Is the candidate's error rate above live's by more than a margin? A score test on the rate difference.

Pure functions, no I/O. H0: p_candidate - p_live <= margin, one-sided, by the Farrington-Manning
score statistic with Miettinen-Nurminen's variance: the difference observed, minus the margin,
over its standard error evaluated where H0 is tightest (the maximum-likelihood rates constrained
to p_candidate - p_live = margin). Because the margin is on the difference, not on an odds ratio,
a live color without failures still leaves a finite, sensible null (the candidate failing at
`margin`), so a candidate at 3% against a clean live color with a 1% margin is caught.

A plain normal approximation is too generous with few failures: at p_live = 0 and
p_candidate = margin the binomial is skewed, and the plain score test rejected up to 14% of the
time at 95% (exact enumeration). Two corrections bring it within 1 - confidence on every case
measured (docs/analysis.md, tests/test_analysis_statistics.py):

- a continuity correction of half a request on each color, (1/n_candidate + 1/n_live) / 2 taken
  off the observed difference;
- a skewness correction (Gart and Nam; Laud's skewness-corrected score): the statistic's third
  moment at the restricted rates bends the normal quantile the way the binomials lean.
"""

import math


def score_p_value(
    candidate_failures: int, candidate_requests: int, live_failures: int, live_requests: int, margin: float
) -> float:
    """P(a difference at least this far above the margin) under H0 p_c - p_l = margin, corrected for
    continuity and skewness."""
    rate_c, rate_l = restricted_rates(candidate_failures, candidate_requests, live_failures, live_requests, margin)
    total = candidate_requests + live_requests
    spread = rate_c * (1 - rate_c) / candidate_requests + rate_l * (1 - rate_l) / live_requests
    variance = spread * total / (total - 1)  # Miettinen and Nurminen's factor
    correction = (1 / candidate_requests + 1 / live_requests) / 2
    excess = candidate_failures / candidate_requests - live_failures / live_requests - margin - correction
    if variance <= 0.0:
        # The rates are certain (every request failed on both colors, or none, with no margin).
        return 1.0 if excess <= 0 else 0.0
    z = excess / math.sqrt(variance)
    third_moment = (
        rate_c * (1 - rate_c) * (1 - 2 * rate_c) / candidate_requests**2
        - rate_l * (1 - rate_l) * (1 - 2 * rate_l) / live_requests**2
    )
    lean = third_moment / (6 * variance**1.5)
    if abs(lean) > 1e-12:
        # Solve z = corrected + lean * (corrected**2 - 1) for the root that tends to z as lean -> 0. Where it
        # has no real root, z is so far out that the nearest value (the vertex) is as extreme as a p-value gets.
        z = (-1 + math.sqrt(max(0.0, 1 + 4 * lean * (z + lean)))) / (2 * lean)
    return 0.5 * math.erfc(z / math.sqrt(2))


def restricted_rates(
    candidate_failures: int, candidate_requests: int, live_failures: int, live_requests: int, margin: float
) -> tuple[float, float]:
    """The maximum-likelihood (p_c, p_l) with p_c - p_l = margin.

    The log-likelihood is concave in p_l on [0, 1 - margin], so its slope falls: bisect on the slope's sign,
    evaluated only strictly inside the range (no 0/0), until the bracket cannot shrink. Farrington and
    Manning's closed form (the root of a cubic) is ten times faster but loses half the digits near its
    double root, where the margin is tiny; 200 halvings cost about 50 microseconds. The slope is written out
    in the loop: a function call per term cost as much as the arithmetic.
    """
    x, y = candidate_failures, live_failures
    passed_c, passed_l = candidate_requests - x, live_requests - y
    low, high = 0.0, 1.0 - margin
    for _ in range(200):
        p_live = (low + high) / 2
        if not low < p_live < high:
            break
        # Strictly inside the range, 0 < p_live < 1 - margin, so only 1 - p_candidate can be 0 (a tiny margin
        # rounded away): with requests that passed there, the slope is -inf. A count of 0 adds nothing.
        p_candidate = p_live + margin
        slope = (
            (x / p_candidate if x else 0.0)
            - ((passed_c / (1 - p_candidate) if p_candidate < 1 else math.inf) if passed_c else 0.0)
            + (y / p_live if y else 0.0)
            - (passed_l / (1 - p_live) if passed_l else 0.0)
        )
        if slope > 0:
            low = p_live
        else:
            high = p_live
    p_live = (low + high) / 2
    return p_live + margin, p_live
