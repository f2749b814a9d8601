"""The candidate-versus-live error-rate test (bluegreen/analysis/statistics.py): exact properties, by enumeration.

The false-failure rate is computed exactly, not simulated: every (candidate failures, live
failures) outcome weighted by its binomial probability, summed where the test says "worse".
"""

import itertools
import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bluegreen.analysis.statistics import compare_error_rates, odds_ratio_margin, upper_tail


def binomial(n: int, p: float) -> list[float]:
    return [math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)]


def false_failure_rate(p: float, n_candidate: int, n_live: int, margin: float, confidence: float) -> float:
    """P(the test says "worse") when both colors fail with the same probability p."""
    candidate, live = binomial(n_candidate, p), binomial(n_live, p)
    rate = 0.0
    for y, p_live in enumerate(live):
        # "worse" is monotone in the candidate's failures (tested below): find where it starts.
        low, high = 0, n_candidate + 1
        while low < high:
            middle = (low + high) // 2
            if compare_error_rates(middle, n_candidate, y, n_live, margin, confidence).worse:
                high = middle
            else:
                low = middle + 1
        rate += sum(candidate[low:]) * p_live
    return rate


def brute_tail(observed: int, n_candidate: int, n_live: int, failures: int, psi: float) -> float:
    odds = Fraction(psi)  # exact: psi**k overflows a float when the margin takes live's rate near 1
    weights = {
        k: math.comb(n_candidate, k) * math.comb(n_live, failures - k) * odds**k
        for k in range(max(0, failures - n_live), min(n_candidate, failures) + 1)
    }
    return float(sum(w for k, w in weights.items() if k >= observed) / sum(weights.values()))


def test_fishers_exact_test_on_a_textbook_table():
    # 3 of 10 candidate requests failed, none of live's 10: P = C(10,3)/C(20,3).
    assert upper_tail(3, 10, 10, 3) == pytest.approx(120 / 1140)
    comparison = compare_error_rates(3, 10, 0, 10)
    assert comparison.p_value == pytest.approx(0.10526, abs=1e-5)
    assert comparison.evidence() == "3/10 (30.00%) vs live 0/10 (0.00%), p=0.105"


def test_a_candidate_failing_5_percent_against_a_clean_live_color_is_worse():
    comparison = compare_error_rates(2, 45, 0, 855)
    assert comparison.worse and comparison.p_value == pytest.approx(45 * 44 / (900 * 899))


def test_identical_3_percent_colors_on_30_requests_are_not_worse():
    # The case: live erroring 3%, an identical candidate, about 30 requests per window.
    assert not compare_error_rates(2, 30, 1, 30).worse
    assert not compare_error_rates(3, 30, 17, 570).worse  # 10% of a small window against live's 3%
    # A subtraction (candidate <= live + 0) fails that one on noise; the test needs 5 of 30 to call it worse.
    assert compare_error_rates(5, 30, 17, 570).worse


def test_millions_of_requests_cost_a_few_thousand_terms():
    comparison = compare_error_rates(500_000, 1_000_000, 300_000, 1_000_000)
    assert comparison.worse and comparison.p_value == 0.0
    assert compare_error_rates(10_000, 1_000_000, 10_100, 1_000_000).p_value > 0.5


def test_bad_counts_are_refused_not_judged():
    with pytest.raises(ValueError, match="candidate: 5 failures of 3 requests"):
        compare_error_rates(5, 3, 0, 10)
    with pytest.raises(ValueError, match="live: 0 failures of 0 requests"):
        compare_error_rates(0, 3, 0, 0)


@settings(max_examples=30, deadline=None)
@given(
    p=st.floats(0.0, 0.6),
    n_candidate=st.integers(1, 30),
    n_live=st.integers(1, 60),
    margin=st.sampled_from([0.0, 0.01, 0.05]),
    confidence=st.sampled_from([0.9, 0.95, 0.99]),
)
def test_identical_colors_fail_at_most_one_minus_confidence_of_the_time(p, n_candidate, n_live, margin, confidence):
    assert false_failure_rate(p, n_candidate, n_live, margin, confidence) <= 1 - confidence + 1e-9


@pytest.mark.parametrize("p", [0.001, 0.03, 0.2])
def test_identical_colors_with_rare_failures_and_many_requests(p):
    # Where a z-test's normal approximation breaks down: one or two failures in a window.
    assert false_failure_rate(p, 100, 400, 0.0, 0.95) <= 0.05


@settings(max_examples=100, deadline=None)
@given(
    n_candidate=st.integers(1, 200),
    n_live=st.integers(1, 2000),
    live_share=st.floats(0, 1),
    margin=st.sampled_from([0.0, 0.005, 0.02, 0.1]),
    confidence=st.sampled_from([0.9, 0.95, 0.99]),
)
def test_the_verdict_is_monotone_in_the_candidates_failures(n_candidate, n_live, live_share, margin, confidence):
    live_failures = round(live_share * n_live)
    comparisons = [
        compare_error_rates(x, n_candidate, live_failures, n_live, margin, confidence) for x in range(n_candidate + 1)
    ]
    p_values = [c.p_value for c in comparisons]
    assert all(b <= a + 1e-12 for a, b in itertools.pairwise(p_values))
    worse = [c.worse for c in comparisons]
    assert worse == sorted(worse)  # once worse, more failures stay worse


@settings(max_examples=100, deadline=None)
@given(
    n_candidate=st.integers(1, 40),
    n_live=st.integers(1, 40),
    data=st.data(),
    margin=st.sampled_from([0.0, 0.01, 0.1, 0.3]),
)
def test_the_tail_equals_its_definition(n_candidate, n_live, data, margin):
    failures = data.draw(st.integers(0, n_candidate + n_live))
    observed = data.draw(st.integers(0, n_candidate))
    live_failures = data.draw(st.integers(0, n_live))
    psi = odds_ratio_margin(live_failures, n_live, margin)
    expected = brute_tail(observed, n_candidate, n_live, failures, psi) if failures <= n_candidate + n_live else 0
    assert upper_tail(observed, n_candidate, n_live, failures, psi) == pytest.approx(expected, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(x=st.integers(0, 50), y=st.integers(0, 500))
def test_a_wider_margin_never_makes_a_candidate_worse(x, y):
    p_values = [compare_error_rates(x, 50, y, 500, margin).p_value for margin in (0.0, 0.01, 0.05, 0.2)]
    assert all(b >= a - 1e-12 for a, b in itertools.pairwise(p_values))
