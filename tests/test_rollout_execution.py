"""Executing plans: every step is a config change plus a real program run under mocks, gated on health.

The driver runs the real `__main__.py` on every `up`, so the weights asserted here
are ones the program accepted; the clock is fake, so pauses take no real time.
After every ending the stack's config sums to 100 and equals what was last deployed.
"""

import pytest
from rollout_support import (
    FailingDriver,
    FakeClock,
    Recorder,
    ScriptedAnalysis,
    ScriptedGate,
    docker_config,
    update_weights,
    weights,
    with_analysis,
    with_record,
)

from bluegreen.rollout import Rollout, Timing
from bluegreen.rollout_plan import Override, plan_release, plan_rollback, plan_shift
from testkit.mock_driver import MockProgramDriver

TIMING = Timing(wait_timeout=30, poll_interval=2)
BAKE10 = Override(bake=10)


def run(plan, driver, gate, timing=TIMING, analysis=None):
    clock = FakeClock()
    recorder = Recorder()
    rollout = Rollout(
        plan, driver, [gate], recorder, timing, clock=clock, sleep=clock.sleep,
        analysis=None if analysis is None else (lambda outputs: analysis),
    )
    return rollout.run(), recorder, clock


def assert_consistent(driver):
    """The invariant after any ending: config sums to 100 and equals the last deployed weights."""
    blue, green = weights(driver)
    assert blue + green == 100
    deployed = driver.outputs()["weights"]
    assert (deployed["blue"], deployed["green"]) == (blue, green)


def test_a_healthy_release_follows_the_default_strategy_to_all_traffic_on_the_new_image():
    driver = MockProgramDriver.deployed("local", docker_config())
    plan = plan_release(driver.config(), "repo/web:1.5.0", BAKE10)

    result, recorder, clock = run(plan, driver, ScriptedGate(lambda color, spec: True))

    assert (result.outcome, result.exit_code) == ("done", 0)
    assert update_weights(driver) == [(100, 0), (90, 10), (50, 50), (0, 100), (0, 100)]
    assert driver.outputs()["images"]["green"] == "repo/web:1.5.0"
    assert driver.outputs()["liveColor"] == "green"  # recorded only by the last update, after every gate
    assert recorder.steps[0] == "deploy repo/web:1.5.0 to green (0% traffic)"
    assert clock.now == 20  # two 10 s pauses (the default strategy has none after 100)
    assert [r.result for r in result.records] == ["ok"] * 7


def test_each_pause_observes_health_for_its_whole_length():
    driver = MockProgramDriver.deployed("local", docker_config())
    gate = ScriptedGate(lambda color, spec: True)
    plan = plan_release(driver.config(), "repo/web:1.5.0", Override(steps=(50, 100), bake=10))

    run(plan, driver, gate)

    # ready: 1 look; each 10 s pause at 2 s polls: looks at t=0,2,4,6,8,10.
    assert gate.seen == [("green", 0)] + [("green", 50)] * 6 + [("green", 100)] * 6


def test_a_candidate_that_turns_unhealthy_while_paused_is_rolled_back_in_one_update():
    driver = MockProgramDriver.deployed("local", docker_config())
    plan = plan_release(driver.config(), "repo/web:1.5.0", BAKE10)
    gate = ScriptedGate(lambda color, spec: spec.traffic.green < 50)

    result, recorder, _ = run(plan, driver, gate)

    assert (result.outcome, result.exit_code) == ("rolled_back", 1)
    assert update_weights(driver) == [(100, 0), (90, 10), (50, 50), (100, 0)]
    assert "green turned unhealthy at 50%" in result.message
    assert "traffic is back at 100% on blue" in result.message
    assert recorder.notes == ["rolling back: 100% back to blue"]
    assert_consistent(driver)


def test_failures_allowed_tolerates_a_blip_but_not_a_streak():
    looks = iter([True, True, False, True, True, True, True, True, True, True, True, True, True])
    driver = MockProgramDriver.deployed("local", docker_config())
    plan = plan_release(driver.config(), "repo/web:1.5.0", Override(steps=(100,), bake=10))
    tolerant = Timing(wait_timeout=30, poll_interval=2, failures_allowed=1)

    result, _, _ = run(plan, driver, ScriptedGate(lambda color, spec: next(looks)), tolerant)

    assert result.outcome == "done"
    assert weights(driver) == (0, 100)


def test_a_candidate_that_never_becomes_healthy_never_gets_traffic():
    driver = MockProgramDriver.deployed("local", docker_config())
    plan = plan_release(driver.config(), "repo/web:1.5.0", BAKE10)

    result, _, clock = run(plan, driver, ScriptedGate(lambda color, spec: False))

    assert (result.outcome, result.exit_code) == ("failed", 1)
    assert update_weights(driver) == [(100, 0)]
    assert "green did not become healthy within 30s" in result.message
    assert "production traffic stayed on blue" in result.message
    assert clock.now >= 30


@pytest.mark.parametrize("failing_update", [3, 4, 5])  # 1: the first deploy, 2: the image, 3-5: 10/50/100
def test_an_update_that_fails_at_any_weight_step_is_rolled_back(failing_update):
    config = docker_config()
    driver = FailingDriver("local", config, fail_on={failing_update})
    driver.up(lambda line: None)  # deployed once (update 1)
    plan = plan_release(config, "repo/web:1.5.0", BAKE10)

    result, _, _ = run(plan, driver, ScriptedGate(lambda color, spec: True))

    assert (result.outcome, result.exit_code) == ("rolled_back", 1)
    assert f"provider error #{failing_update}" in result.message
    assert update_weights(driver)[-1] == (100, 0)
    assert_consistent(driver)


def test_an_exception_of_any_kind_in_an_update_is_a_failure_not_a_crash():
    class Exploding(MockProgramDriver):
        calls = 0

        def up(self, on_output, message=None):
            self.calls += 1
            if self.calls == 3:
                raise RuntimeError("grpc: connection reset")
            return super().up(on_output, message)

    driver = Exploding.deployed("local", docker_config())
    driver.calls = 1
    plan = plan_release(driver.config(), "repo/web:1.5.0", BAKE10)

    result, _, _ = run(plan, driver, ScriptedGate(lambda color, spec: True))

    assert result.outcome == "rolled_back"
    assert "RuntimeError: grpc: connection reset" in result.message
    assert_consistent(driver)


def test_a_gate_that_raises_is_an_unhealthy_observation():
    class Raising:
        name = "flaky"

        def check(self, color, spec, outputs):
            if spec.traffic.green >= 10:
                raise ValueError("boom")
            from bluegreen.health_gates import GateResult

            return GateResult(self.name, color, True, "ok")

    driver = MockProgramDriver.deployed("local", docker_config())
    plan = plan_release(driver.config(), "repo/web:1.5.0", BAKE10)

    result, _, _ = run(plan, driver, Raising())

    assert result.outcome == "rolled_back"
    assert "flaky green: UNHEALTHY (the check failed: ValueError: boom)" in result.message
    assert_consistent(driver)


def test_a_failed_rollback_exits_3_and_prints_the_one_write_manual_fix():
    config = docker_config()
    driver = FailingDriver("local", config, fail_on={3, 4})
    plan = plan_release(config, "repo/web:1.5.0", BAKE10)

    result, _, _ = run(plan, driver, ScriptedGate(lambda color, spec: True))

    assert (result.outcome, result.exit_code) == ("rollback_failed", 3)
    assert (
        "pulumi config set-all --path --plaintext bluegreen:traffic.blue=100 "
        "--plaintext bluegreen:traffic.green=0 --plaintext bluegreen:release.live=blue"
    ) in result.message
    assert result.message.endswith("--stack local && pulumi up --stack local")


def test_analysis_failures_past_the_limit_roll_back_naming_metric_value_threshold_and_step():
    config = with_analysis(docker_config(), failureLimit=1)
    driver = MockProgramDriver.deployed("local", config)
    analysis = ScriptedAnalysis([[("error-rate", "pass", 0.001)], [("error-rate", "fail", 0.0612)]])
    plan = plan_release(driver.config(), "repo/web:1.5.0", Override(bake=60))

    result, recorder, _ = run(plan, driver, ScriptedGate(lambda color, spec: True), analysis=analysis)

    assert (result.outcome, result.exit_code) == ("rolled_back", 1)
    # pass at 10 s, fail at 20 s and 30 s: the second failure exceeds failureLimit 1.
    assert len(analysis.calls) == 3 and analysis.calls[0] == ("green", "blue")
    assert "analysis failed at step 'hold green at 10% for 1m'" in result.message
    assert "error-rate green 0.0612 vs <= 0.01: FAIL" in result.message
    assert "failureLimit 1" in result.message
    assert update_weights(driver) == [(100, 0), (90, 10), (100, 0)]
    # One line per metric per interval, each with the time left in the pause.
    assert [left for left, _ in recorder.measured] == [50, 40, 30]
    assert_consistent(driver)


def test_inconclusive_analysis_pauses_with_the_weights_left_and_config_equal_to_deployed():
    config = with_analysis(docker_config(), inconclusiveLimit=1)
    driver = MockProgramDriver.deployed("local", config)
    analysis = ScriptedAnalysis([[("error-rate", "inconclusive", None)]])
    plan = plan_release(driver.config(), "repo/web:1.5.0", Override(bake=60))

    result, _, _ = run(plan, driver, ScriptedGate(lambda color, spec: True), analysis=analysis)

    assert (result.outcome, result.exit_code) == ("paused", 4)
    assert "analysis inconclusive" in result.message and "inconclusiveLimit 1" in result.message
    assert weights(driver) == (90, 10)
    assert_consistent(driver)


def test_analysis_configured_without_a_provider_is_no_data_and_never_promotes():
    config = with_analysis(docker_config(), inconclusiveLimit=0)
    driver = MockProgramDriver.deployed("local", config)
    plan = plan_release(driver.config(), "repo/web:1.5.0", Override(bake=30))
    clock = FakeClock()
    rollout = Rollout(plan, driver, [], Recorder(), TIMING, clock=clock, sleep=clock.sleep,
                      analysis=lambda outputs: None)

    result = rollout.run()

    assert result.outcome == "paused"
    assert "no analysis provider for this stack" in result.message
    assert weights(driver) == (90, 10)


def test_a_manual_gate_stops_with_the_paused_code():
    steps = [{"setWeight": 20}, {"pause": {}}, {"setWeight": 100}]
    driver = MockProgramDriver.deployed("local", {**docker_config(), "bluegreen:rollout": {"steps": steps}})
    plan = plan_release(driver.config(), "repo/web:1.5.0")

    result, _, _ = run(plan, driver, ScriptedGate(lambda color, spec: True))

    assert (result.outcome, result.exit_code) == ("paused", 4)
    assert "manual gate" in result.message
    assert weights(driver) == (80, 20)
    assert_consistent(driver)


def test_config_changed_under_the_engine_stops_it_without_another_write():
    driver = MockProgramDriver.deployed("local", docker_config())
    plan = plan_release(driver.config(), "repo/web:1.5.0", BAKE10)
    clock = FakeClock()

    def sleep(seconds):
        clock.sleep(seconds)
        if clock.now == 10:  # a colleague sets the weights by hand during the first pause
            driver.set_config_paths({"bluegreen:traffic.blue": 100, "bluegreen:traffic.green": 0})
            driver.up(lambda line: None)

    result = Rollout(plan, driver, [ScriptedGate(lambda c, s: True)], Recorder(), TIMING, clock=clock,
                     sleep=sleep).run()

    assert (result.outcome, result.exit_code) == ("conflict", 5)
    assert "bluegreen:traffic" in result.message
    assert update_weights(driver)[-1] == (100, 0)  # theirs, untouched
    assert_consistent(driver)


def test_shift_finishes_a_canary():
    driver = MockProgramDriver.deployed("local", with_record(docker_config(traffic=(90, 10)), candidate="green"))

    result, _, _ = run(plan_shift(driver.config(), BAKE10), driver, ScriptedGate(lambda color, spec: True))

    assert result.outcome == "done"
    assert update_weights(driver) == [(50, 50), (0, 100), (0, 100)]


def test_rollback_refuses_an_unhealthy_target_and_leaves_traffic_alone():
    driver = MockProgramDriver.deployed("local", docker_config(traffic=(0, 100)))
    gate = ScriptedGate(lambda color, spec: color == "green")

    result, _, _ = run(plan_rollback(driver.config(), to="blue"), driver, gate)

    assert result.outcome == "failed"
    assert "blue did not become healthy" in result.message
    assert driver.updates == []
    assert weights(driver) == (0, 100)


def test_rollback_sends_everything_to_the_healthy_previous_color():
    driver = MockProgramDriver.deployed("local", docker_config(traffic=(0, 100)))

    result, _, _ = run(plan_rollback(driver.config(), to="blue"), driver, ScriptedGate(lambda color, spec: True))

    assert result.outcome == "done"
    assert update_weights(driver) == [(100, 0)]
    assert driver.outputs()["liveColor"] == "blue"
