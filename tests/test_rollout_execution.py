"""Executing plans: every step is a config change plus a real program run under mocks, gated on health.

The driver runs the real `__main__.py` on every `up`, so the weights asserted here
are ones the program accepted; the clock is fake, so baking takes no real time.
"""

from rollout_support import (
    FailingDriver,
    FakeClock,
    Recorder,
    ScriptedGate,
    docker_config,
    update_weights,
    weights,
)

from bluegreen.mock_driver import MockProgramDriver
from bluegreen.rollout import Rollout, Timing
from bluegreen.rollout_plan import plan_release, plan_rollback, plan_shift

TIMING = Timing(wait_timeout=30, bake_seconds=10, poll_interval=2)


def run(plan, driver, gate, timing=TIMING):
    clock = FakeClock()
    recorder = Recorder()
    result = Rollout(plan, driver, [gate], recorder, timing, clock=clock, sleep=clock.sleep).run()
    return result, recorder, clock


def test_a_healthy_release_ends_with_all_traffic_on_the_new_image():
    driver = MockProgramDriver.deployed("local", docker_config())
    plan = plan_release(driver.config(), "repo/web:1.5.0", [10, 50, 100])

    result, recorder, _ = run(plan, driver, ScriptedGate(lambda color, spec: True))

    assert (result.outcome, result.exit_code) == ("done", 0)
    assert update_weights(driver) == [(100, 0), (90, 10), (50, 50), (0, 100)]
    assert driver.config()["bluegreen:green"]["image"] == "repo/web:1.5.0"
    assert driver.outputs()["images"]["green"] == "repo/web:1.5.0"
    assert driver.outputs()["liveColor"] == "green"
    assert recorder.steps[0] == "deploy repo/web:1.5.0 to green (0% traffic)"


def test_each_bake_observes_health_for_the_whole_bake_time():
    driver = MockProgramDriver.deployed("local", docker_config())
    gate = ScriptedGate(lambda color, spec: True)
    plan = plan_release(driver.config(), "repo/web:1.5.0", [50, 100])

    run(plan, driver, gate)

    # ready: 1 look; each 10 s bake at 2 s polls: looks at t=0,2,4,6,8,10.
    assert gate.seen == [("green", 0)] + [("green", 50)] * 6 + [("green", 100)] * 6


def test_a_candidate_that_turns_unhealthy_while_baking_is_rolled_back():
    driver = MockProgramDriver.deployed("local", docker_config())
    plan = plan_release(driver.config(), "repo/web:1.5.0", [10, 50, 100])
    gate = ScriptedGate(lambda color, spec: spec.traffic.green < 50)

    result, recorder, _ = run(plan, driver, gate)

    assert (result.outcome, result.exit_code) == ("rolled_back", 1)
    assert update_weights(driver) == [(100, 0), (90, 10), (50, 50), (100, 0)]
    assert weights(driver) == (100, 0)
    assert "green turned unhealthy while baking" in result.message
    assert "traffic is back at 100% on blue" in result.message
    assert recorder.notes == ["rolling back: 100% back to blue"]


def test_failures_allowed_tolerates_a_blip_but_not_a_streak():
    looks = iter([True, True, False, True, True, True, True, True, True, True, True, True, True])
    driver = MockProgramDriver.deployed("local", docker_config())
    plan = plan_release(driver.config(), "repo/web:1.5.0", [100])
    tolerant = Timing(wait_timeout=30, bake_seconds=10, poll_interval=2, failures_allowed=1)

    result, _, _ = run(plan, driver, ScriptedGate(lambda color, spec: next(looks)), tolerant)

    assert result.outcome == "done"
    assert weights(driver) == (0, 100)


def test_a_candidate_that_never_becomes_healthy_never_gets_traffic():
    driver = MockProgramDriver.deployed("local", docker_config())
    plan = plan_release(driver.config(), "repo/web:1.5.0", [10, 100])

    result, _, clock = run(plan, driver, ScriptedGate(lambda color, spec: False))

    assert (result.outcome, result.exit_code) == ("failed", 1)
    assert update_weights(driver) == [(100, 0)]
    assert "green did not become healthy within 30s" in result.message
    assert "production traffic stayed on blue" in result.message
    assert clock.now >= 30


def test_a_failed_update_after_traffic_moved_rolls_back():
    config = docker_config()
    driver = FailingDriver("local", config, fail_on={3})
    plan = plan_release(config, "repo/web:1.5.0", [10, 50, 100])

    result, _, _ = run(plan, driver, ScriptedGate(lambda color, spec: True))

    assert result.outcome == "rolled_back"
    assert "provider error #3" in result.message
    # Update 3 (green 50) failed after its config was set; the rollback rewrote both weights.
    assert update_weights(driver) == [(100, 0), (90, 10), (100, 0)]
    assert weights(driver) == (100, 0)


def test_a_failed_rollback_exits_3_and_prints_the_manual_fix():
    config = docker_config()
    driver = FailingDriver("local", config, fail_on={3, 4})
    plan = plan_release(config, "repo/web:1.5.0", [10, 50, 100])

    result, _, _ = run(plan, driver, ScriptedGate(lambda color, spec: True))

    assert (result.outcome, result.exit_code) == ("rollback_failed", 3)
    assert (
        "pulumi config set --path bluegreen:traffic.blue 100 && "
        "pulumi config set --path bluegreen:traffic.green 0 && pulumi up --stack local"
    ) in result.message


def test_shift_finishes_a_canary():
    driver = MockProgramDriver.deployed("local", docker_config(traffic=(90, 10)))

    result, _, _ = run(plan_shift(driver.config(), [100]), driver, ScriptedGate(lambda color, spec: True))

    assert result.outcome == "done"
    assert update_weights(driver) == [(0, 100)]


def test_rollback_refuses_an_unhealthy_target_and_leaves_traffic_alone():
    driver = MockProgramDriver.deployed("local", docker_config(traffic=(0, 100)))
    gate = ScriptedGate(lambda color, spec: color == "green")

    result, _, _ = run(plan_rollback(driver.config()), driver, gate)

    assert result.outcome == "failed"
    assert "blue did not become healthy" in result.message
    assert driver.updates == []
    assert weights(driver) == (0, 100)


def test_rollback_sends_everything_to_the_healthy_previous_color():
    driver = MockProgramDriver.deployed("local", docker_config(traffic=(0, 100)))

    result, _, _ = run(plan_rollback(driver.config()), driver, ScriptedGate(lambda color, spec: True))

    assert result.outcome == "done"
    assert update_weights(driver) == [(100, 0)]
    assert driver.outputs()["liveColor"] == "blue"
