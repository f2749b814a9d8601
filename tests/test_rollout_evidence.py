"""The release engine promotes only on evidence: the pause rule, provider errors, initialDelay, dryRun and the
post-promotion pause, driven through `Rollout` with the real program under mocks and a fake clock.
"""

from rollout_support import (
    FakeClock,
    Recorder,
    ScriptedAnalysis,
    ScriptedGate,
    docker_config,
    update_weights,
    weights,
    with_analysis,
)

from bluegreen.rollout import Rollout, Timing
from bluegreen.rollout_plan import plan_release
from testkit.mock_driver import MockProgramDriver

TIMING = Timing(wait_timeout=30, poll_interval=2)
CANARY = [{"setWeight": 10}, {"pause": "30s"}, {"setWeight": 100}]
LATENCY = {"name": "latency", "template": "latencyP99", "max": "50ms", "relativeTo": "live"}


def release(config, script, steps=CANARY, extra_metrics=(), **analysis):
    config = with_analysis(config, steps, **analysis)
    config["bluegreen:rollout"]["analysis"]["metrics"] += list(extra_metrics)
    driver = MockProgramDriver.deployed("local", config)
    clock, recorder = FakeClock(), Recorder()
    scripted = ScriptedAnalysis(script)
    rollout = Rollout(
        plan_release(driver.config(), "repo/web:1.5.0"), driver, [ScriptedGate(lambda c, s: True)], recorder,
        TIMING, clock=clock, sleep=clock.sleep, analysis=lambda outputs: scripted,
    )
    return rollout.run(), driver, recorder, scripted


def test_a_pause_with_no_conclusive_measurement_never_promotes_whatever_the_allowance():
    # Prometheus down for the whole release: every measurement inconclusive, inconclusiveLimit 5 was "within".
    result, driver, _, analysis = release(docker_config(), [[("error-rate", "inconclusive", None)]],
                                          inconclusiveLimit=5)

    assert (result.outcome, result.exit_code) == ("paused", 4)
    assert len(analysis.calls) == 3  # the whole 30 s pause was measured, every 10 s
    assert result.message.startswith(
        "analysis has no evidence at step 'hold green at 10% for 30s': metric 'error-rate' had no conclusive "
        "measurement in this pause (last: error-rate green no data vs <= 0.01: INCONCLUSIVE)"
    )
    assert update_weights(driver) == [(100, 0), (90, 10)]
    assert weights(driver) == (90, 10)


def test_inconclusive_measurements_within_the_allowance_pass_with_a_conclusive_one():
    script = [[("error-rate", "inconclusive", None)], [("error-rate", "pass", 0.0)]]
    result, driver, recorder, _ = release(docker_config(), script, inconclusiveLimit=1)

    assert (result.outcome, result.exit_code) == ("done", 0), result.message
    assert update_weights(driver) == [(100, 0), (90, 10), (0, 100), (0, 100)]  # then green recorded as live
    assert ("continue", "evidence for every metric: error-rate 2 conclusive measurement(s)") in recorder.verdicts


def test_the_default_allowance_is_zero_inconclusive_measurements():
    script = [[("error-rate", "pass", 0.0)], [("error-rate", "inconclusive", None)]]
    result, _, _, analysis = release(docker_config(), script)

    assert (result.outcome, len(analysis.calls)) == ("paused", 2)
    assert "(1 measurement(s) without a verdict in this pause, inconclusiveLimit 0)" in result.message


def test_every_metric_needs_its_own_evidence():
    rows = [("error-rate", "pass", 0.0), ("latency", "inconclusive", None)]
    result, _, _, _ = release(docker_config(), [rows], extra_metrics=[LATENCY], inconclusiveLimit=3)

    assert result.outcome == "paused"
    assert "metric 'latency' had no conclusive measurement in this pause" in result.message


def test_provider_errors_pause_after_the_consecutive_error_limit_not_the_inconclusive_one():
    result, driver, _, analysis = release(docker_config(), [[("error-rate", "error", None)]],
                                          steps=[{"setWeight": 10}, {"pause": "2m"}, {"setWeight": 100}],
                                          consecutiveErrorLimit=2)

    assert (result.outcome, len(analysis.calls)) == ("paused", 3)
    assert result.message.startswith("analysis provider failing at step 'hold green at 10% for 2m': ")
    assert "(3 provider error(s) in a row, consecutiveErrorLimit 2)" in result.message
    assert weights(driver) == (90, 10)


def test_a_provider_error_between_passes_neither_pauses_nor_uses_the_inconclusive_allowance():
    script = [[("error-rate", "error", None)], [("error-rate", "pass", 0.0)], [("error-rate", "error", None)]]
    result, _, _, _ = release(docker_config(), script, consecutiveErrorLimit=1, inconclusiveLimit=0)

    assert result.outcome == "done", result.message


def test_initial_delay_holds_the_first_measurement_back_in_every_pause():
    steps = [{"setWeight": 10}, {"pause": "1m"}, {"setWeight": 50}, {"pause": "1m"}, {"setWeight": 100}]
    result, _, recorder, _ = release(docker_config(), [[("error-rate", "pass", 0.0)]], steps=steps,
                                     initialDelay="20s")

    assert result.outcome == "done", result.message
    # Windows of 10 s from t = 20 s of each 60 s pause: measured with 30, 20, 10 and 0 s left, twice.
    assert [left for left, _ in recorder.measured] == [30, 20, 10, 0] * 2


def test_a_dry_run_metric_is_measured_and_printed_never_acted_on():
    rows = [("error-rate", "pass", 0.0), ("latency", "fail", 0.9)]
    result, driver, recorder, _ = release(docker_config(), [rows], extra_metrics=[{**LATENCY, "dryRun": True}])

    assert (result.outcome, result.exit_code) == ("done", 0), result.message
    assert update_weights(driver)[-1] == (0, 100)
    assert len([line for _, line in recorder.measured if line.startswith("latency green 0.9")]) == 3
    assert release(docker_config(), [rows], extra_metrics=[LATENCY])[0].outcome == "rolled_back"  # acted on


def test_a_post_promotion_pause_catches_a_slow_leak_and_rolls_back():
    steps = [{"setWeight": 10}, {"pause": "30s"}, {"setWeight": 100}, {"pause": "1m"}]
    # Clean while small; errors start 40 s after promotion (the fifth measurement).
    script = [[("error-rate", "pass", 0.0)]] * 4 + [[("error-rate", "fail", 0.08)]]
    result, driver, _, analysis = release(docker_config(), script, steps=steps)

    assert (result.outcome, result.exit_code) == ("rolled_back", 1)
    assert result.message.startswith("analysis failed at step 'hold green at 100% for 1m': ")
    assert update_weights(driver) == [(100, 0), (90, 10), (0, 100), (100, 0)]
    assert weights(driver) == (100, 0) and len(analysis.calls) == 5


def test_at_100_percent_a_relative_metric_is_not_judged_as_live_takes_no_traffic():
    steps = [{"setWeight": 10}, {"pause": "30s"}, {"setWeight": 100}, {"pause": "30s"}]
    script = [[("error-rate", "pass", 0.0), ("latency", "pass", 0.01)]] * 3 + [
        [("error-rate", "pass", 0.0), ("latency", "inconclusive", None)]
    ]
    result, driver, _, _ = release(docker_config(), script, steps=steps, extra_metrics=[LATENCY])

    assert result.outcome == "done", result.message
    assert weights(driver) == (0, 100)
    # The same inconclusive latency at 10% pauses the release: there live has traffic to compare with.
    early = [[("error-rate", "pass", 0.0), ("latency", "inconclusive", None)]]
    assert release(docker_config(), early, steps=steps, extra_metrics=[LATENCY])[0].outcome == "paused"
