"""The verdict benchmark's scenarios as tests: the release engine with real HAProxy and Prometheus decides.

Each test is one release through `bluegreen/rollout.py` (testkit/lab/release.py: the plan, the lab's
driver running the real program under mocks, `build_analysis` on the stack's own strategy), with the
session's one Prometheus (the `lab_prometheus` fixture). The strategy is as short as evidence allows:
50% for one or two windows after a one-second warm-up, then 100%. bench/analysis_verdicts.py runs the
same scenarios, three times each, with longer steps and a failureLimit of 1.
"""

import re

import pytest
from rollout_support import update_weights

from testkit.lab.canary_lab import BASE_DELAY_MS, canary_lab
from testkit.lab.color_server import Faults
from testkit.lab.release import after_promotion, release
from testkit.lab.router import free_port

pytestmark = pytest.mark.analysis

ERROR_RATE = {"name": "error-rate", "template": "errorRate", "max": 0.01, "relativeTo": "live"}
LATENCY = {"name": "latency", "template": "latencyP99", "max": "5ms", "relativeTo": "live"}
ABSOLUTE = {"name": "error-rate-absolute", "template": "errorRate", "max": 0.01}

PROMOTED = [(100, 0), (50, 50), (0, 100), (0, 100)]
"""Deploy (no traffic), 50%, 100%, then the update that records green as the verified live color."""
ROLLED_BACK = [(100, 0), (50, 50), (100, 0)]
PAUSED = [(100, 0), (50, 50)]


def strategy(*metrics: dict, interval: int = 2, windows: int = 1, warmup: int = 0, failure_limit: int = 0,
             after_promotion: str | None = None) -> dict:
    """50% for `windows` windows of `interval` seconds after `warmup` seconds, then 100%.

    A 2 s window holds about 300 of the candidate's requests at 50% of the lab's 300 req/s, and still
    more than minRequests' default 100 when a loaded machine halves the load. Error rates need no
    warm-up (HAProxy serves the new weights before the pause starts); latency waits 2 s for each green
    server's first 100 responses. Only the scenarios that never reach a verdict use 1 s windows.
    """
    steps: list[dict] = [{"setWeight": 50}, {"pause": f"{warmup + interval * windows}s"}, {"setWeight": 100}]
    if after_promotion:
        steps.append({"pause": after_promotion})
    return {
        "steps": steps,
        "analysis": {"interval": f"{interval}s", "initialDelay": f"{warmup}s", "failureLimit": failure_limit,
                     "metrics": list(metrics)},
    }


def served(lab) -> tuple[int, bool]:
    """Green's weight in config, and whether HAProxy serves exactly what config says (per server, not a sum)."""
    have = {r["svname"]: int(r["weight"]) for r in lab.router.server_stats() if r["pxname"] == "production"}
    return lab.spec.traffic.green, have == lab.router.expected_weights(lab.spec)


def test_a_candidate_failing_5_percent_beside_a_clean_live_color_is_rolled_back(lab_prometheus):
    # Exactly one request in 20 per green server (the benchmark draws them), none on blue: the test on
    # the difference sees 15 of 300 against 0 of 300 as worse than live + 1 point.
    failing = Faults(delay_ms=BASE_DELAY_MS, error_every=20)
    with canary_lab(strategy(ERROR_RATE), green_faults=failing, shared=lab_prometheus) as lab:
        result, timeline = release(lab)
        assert (result.outcome, result.exit_code) == ("rolled_back", 1), result.message
        # Which step, which metric, its value against the rule, the counts and p-values it rests on.
        [(_, line)] = timeline.measured
        assert result.message == (
            f"analysis failed at step 'hold green at 50% for 2s': {line} (1 failed measurement(s), failureLimit 0); "
            "traffic is back at 100% on blue"
        )
        assert line.startswith("error-rate green ") and " vs <= live (0) + 0.01 at 95% confidence: FAIL [" in line
        evidence = re.search(r"FAIL \[(\d+)/(\d+) failed \([0-9.]+%\) vs live 0/\d+ failed \(0\.00%\), p=", line)
        assert evidence, line
        failed, requests = map(int, evidence.groups())
        assert requests >= 100 and 0.04 <= failed / requests <= 0.06  # the window's own count: 1 in 20
        assert update_weights(lab.driver) == ROLLED_BACK
        assert served(lab) == (0, True)


def test_router_502s_for_a_candidate_sending_malformed_responses_roll_it_back(lab_prometheus):
    malformed = Faults(delay_ms=BASE_DELAY_MS, malformed_probability=0.1)
    with canary_lab(strategy(ERROR_RATE), green_faults=malformed, shared=lab_prometheus) as lab:
        result, _ = release(lab)
        assert (result.outcome, result.exit_code) == ("rolled_back", 1), result.message
        assert result.message.startswith("analysis failed at step 'hold green at 50% for 2s': error-rate green ")
        assert update_weights(lab.driver) == ROLLED_BACK
        assert served(lab) == (0, True)


def test_prometheus_down_for_the_whole_release_pauses_and_never_promotes(lab_prometheus):
    failing = Faults(delay_ms=BASE_DELAY_MS, error_probability=0.5)
    dead = f"http://127.0.0.1:{free_port()}"
    with canary_lab(strategy(ERROR_RATE, interval=1), green_faults=failing, shared=lab_prometheus,
                    prometheus_address=dead) as lab:
        result, timeline = release(lab)
        assert (result.outcome, result.exit_code) == ("paused", 4), result.message
        assert result.message.startswith("analysis has no evidence at step 'hold green at 50% for 1s': ")
        assert f"prometheus unreachable at {dead}" in result.message
        assert update_weights(lab.driver) == PAUSED
        assert served(lab) == (50, True)  # weights left as deployed, for a human to look at
        assert timeline.measured and not [line for _, line in timeline.measured if ": PASS" in line]


def test_two_identical_40ms_colors_are_promoted(lab_prometheus):
    same = Faults(delay_ms=40)
    with canary_lab(strategy(ERROR_RATE, LATENCY, warmup=2), green_faults=same, blue_faults=same, threads=16,
                    shared=lab_prometheus) as lab:
        result, timeline = release(lab)
        assert (result.outcome, result.exit_code) == ("done", 0), result.message
        assert update_weights(lab.driver) == PROMOTED
        # Judged, not waved through: green's latency was measured (at least the 40 ms its servers wait,
        # less the exporter's rounding) against blue's, and passed.
        judged = [line for _, line in timeline.measured if line.startswith("latency green ")]
        assert judged and all(": PASS [" in line and 0.037 < float(line.split()[2]) < 0.1 for line in judged), judged


def test_an_identical_candidate_beside_a_live_color_erring_3_percent_is_promoted(lab_prometheus):
    # Random 3% on both: the test against live is what keeps the noise of 300 requests a side from
    # rolling back. At failureLimit 1, as the benchmark's strategy: at 95% confidence and a 1-point
    # margin, about 1 window in 100 of identical colors still fails, and no single one should decide.
    erring = Faults(delay_ms=BASE_DELAY_MS, error_probability=0.03)
    with canary_lab(strategy(ERROR_RATE, windows=2, failure_limit=1), green_faults=erring, blue_faults=erring,
                    shared=lab_prometheus) as lab:
        result, timeline = release(lab)
        assert (result.outcome, result.exit_code) == ("done", 0), result.message
        assert update_weights(lab.driver) == PROMOTED
        lines = [line for _, line in timeline.measured]
        assert len(lines) == 2 and all(line.startswith("error-rate green ") and ", p=" in line for line in lines)
        assert [line for line in lines if ": PASS [" in line], lines


def test_errors_that_start_after_promotion_are_rolled_back_by_a_post_promotion_pause(lab_prometheus):
    # A slow leak: healthy through the canary, failing from the moment it took 100%.
    leaking = Faults(delay_ms=BASE_DELAY_MS, error_probability=0.1, on_signal=True)
    with canary_lab(strategy(ERROR_RATE, ABSOLUTE, after_promotion="2s"), green_faults=leaking,
                    shared=lab_prometheus) as lab:
        result, _ = release(lab, on_step=lambda step: lab.start_faults("green") if after_promotion(step) else None)
        assert (result.outcome, result.exit_code) == ("rolled_back", 1), result.message
        assert result.message.startswith("analysis failed at step 'hold green at 100% for 2s': error-rate-absolute ")
        assert update_weights(lab.driver) == [(100, 0), (50, 50), (0, 100), (100, 0)]
        assert served(lab) == (0, True)


def test_a_candidate_with_too_few_requests_to_judge_is_paused_not_promoted(lab_prometheus):
    # 20% errors, but at 2 req/s: a window holds about one of green's requests, under minRequests.
    failing = Faults(delay_ms=BASE_DELAY_MS, error_probability=0.2)
    with canary_lab(strategy(ERROR_RATE, interval=1), green_faults=failing, rate=2, threads=2,
                    shared=lab_prometheus) as lab:
        result, _ = release(lab)
        assert (result.outcome, result.exit_code) == ("paused", 4), result.message
        # No window held 100 of green's requests (minRequests' default), or any at all: too few to judge.
        assert re.search(r"(only [0-9] requests|no requests) in the window", result.message), result.message
        assert update_weights(lab.driver) == PAUSED


def test_a_slow_tail_on_10_percent_of_requests_is_rolled_back_on_the_mean_it_moves(lab_prometheus):
    # On docker the template is the mean: 10% of requests 400 ms slower add 40 ms, far over the 5 ms margin.
    # The benchmark's scenario is 2% (+8 ms), which rolls back on a machine running one lab; with three
    # labs at once on two cores the measured mean moved only 1.3 to 2.3 ms and the release was promoted
    # (a limit docs/analysis.md states), so the suite, which runs two labs at once, uses 10%.
    # Two windows, failureLimit 0: either one fails the release.
    tail = Faults(delay_ms=BASE_DELAY_MS, slow_every=10, slow_ms=400)
    with canary_lab(strategy(ERROR_RATE, LATENCY, warmup=2, windows=2), green_faults=tail, threads=16,
                    shared=lab_prometheus) as lab:
        result, timeline = release(lab)
        assert (result.outcome, result.exit_code) == ("rolled_back", 1), (result.message, timeline.measured)
        assert result.message.startswith("analysis failed at step 'hold green at 50% for 6s': latency green ")
        assert update_weights(lab.driver) == ROLLED_BACK
