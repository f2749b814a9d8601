"""The recovery failures found by driving several operators and signals at one stack: one test each, named after it.

Through the CLI on the real program under mocks, real loopback health endpoints and
real signals raised in this process. Each ends by checking what production rests on.
"""

import os
import signal
import socket

from rollout_support import LoopbackDriver, docker_config, health_server, update_weights, weights, with_record
from test_release_failures import RELEASE, assert_consistent, env_for, invoke

from bluegreen.health_gates import HttpGate
from bluegreen.pause_request import NothingToPauseError, request_pause
from bluegreen.stack_lock import LOCK_TAG, LockHeldError, LockInfo, acquire, current_lock, new_lock
from testkit.mock_driver import MockProgramDriver

FIRST_CTRL_C = (
    "Ctrl-C: rolling back at the next safe point; Ctrl-C again to stop after this update and leave the stack paused"
)


def killed_during_first_weight_update(prod: int, test: int, traffic=(90, 10)) -> LoopbackDriver:
    """A release of 1.5.0 to green SIGKILLed during its 10% update: config written, the update never ran."""
    config = with_record(docker_config(prod, test, green="repo/web:1.5.0"), candidate="green", step=1)
    driver = LoopbackDriver.deployed("local", config)
    driver.set_config_paths({
        "bluegreen:traffic.blue": traffic[0], "bluegreen:traffic.green": traffic[1], "bluegreen:release.step": 2
    })
    return driver


def http_gates(spec, config, http):
    return [HttpGate(timeout_seconds=2)]


def test_rollback_on_a_half_moved_stack_returns_to_the_recorded_live_color_not_the_unverified_candidate():
    for traffic in ((90, 10), (100, 10)):
        with health_server(lambda: True) as (prod, _), health_server(lambda: False) as (test, _):
            driver = killed_during_first_weight_update(prod, test, traffic)
            result = invoke(env_for(driver, gates=http_gates), "rollback", "--stack", "local", "--force", "--yes")

        assert result.exit_code == 0, result.output
        assert update_weights(driver) == [(100, 0)]  # green (503) never got a request of production traffic
        assert driver.outputs()["liveColor"] == "blue"
        assert driver.outputs()["release"] == {"live": "blue", "liveImage": "repo/web:1.4.2", "step": 0}
        assert "roll back: 100% to blue (repo/web:1.4.2, the recorded live color)" in result.output
        assert_consistent(driver)


def test_resume_at_a_50_50_tie_continues_the_recorded_candidate_and_advises_scaling_the_old_color():
    # A release of 1.5.0 to blue (green live with 1.4.2), paused at 50/50.
    config = docker_config(traffic=(50, 50), blue="repo/web:1.5.0")
    config = with_record(config, live="green", candidate="blue", step=4)
    driver = MockProgramDriver.deployed("local", config)

    result = invoke(env_for(driver), "resume", "-s", "local", "--steps", "50,100", "--bake", "1s")

    assert result.exit_code == 0, result.output
    assert weights(driver) == (100, 0)  # blue, the release's image, took everything
    assert driver.outputs()["release"] == {"live": "blue", "liveImage": "repo/web:1.5.0", "step": 0}
    assert "scale green to 0" in result.output


def test_two_engines_taking_the_lock_together_the_loser_backs_off_without_touching_the_winners_lock():
    driver = MockProgramDriver.deployed("local", docker_config())
    winner = new_lock("bluegreen release --stack local --image repo/web:1.5.0")

    def second_engine_writes_meanwhile():
        driver.set_tag(LOCK_TAG, winner.tag_value())

    try:
        acquire(driver, "bluegreen release --stack local --image repo/web:1.6.0", settle=second_engine_writes_meanwhile)
        raise AssertionError("both engines believed they held the lock")
    except LockHeldError as error:
        assert "locked at the same moment by" in str(error)
    assert current_lock(driver) == winner  # still the winner's, untouched


def test_force_is_refused_while_the_holder_is_alive_on_this_host():
    driver = MockProgramDriver.deployed("local", with_record(docker_config(traffic=(90, 10)), candidate="green"))
    alive = LockInfo("alice", socket.gethostname(), os.getpid(), "2026-01-01T00:00:00Z", "bluegreen release", "t")
    driver.set_tag(LOCK_TAG, alive.tag_value())

    result = invoke(env_for(driver), "rollback", "-s", "local", "--force", "--holder", "t")

    assert result.exit_code == 2
    assert "still running on this host; --force never takes a live release's lock" in result.output
    assert f"stop it with `kill -INT {os.getpid()}`" in result.output
    assert weights(driver) == (90, 10) and current_lock(driver) == alive


def test_the_lock_of_a_github_actions_release_fits_256_characters(monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_ACTOR", "a-very-long-github-user-name-of-39-chars")
    monkeypatch.setenv("GITHUB_RUN_ID", "12345678901")
    host = "fv-az1234-567.abcdefghijklmnopqrstuvwxyz0123.cx.internal.cloudapp.net"
    monkeypatch.setattr(socket, "gethostname", lambda: host)
    command = "bluegreen release --stack acme/prod-eu-west-1 --image " + "registry.example.com/team/web:" + "1" * 64

    lock = new_lock(command)
    value = lock.tag_value()

    assert len(value) <= 256
    parsed = LockInfo.parse(value)
    assert (parsed.token, parsed.run, parsed.pid) == (lock.token, "12345678901", lock.pid)
    assert parsed.holder == "a-very-long-github-user-name-of-39-chars (GitHub Actions)"


class ColleagueBeforeUpdate(LoopbackDriver):
    """A colleague sets `bluegreen:green.image` just after the engine's write of update number `at`."""

    at = 2
    calls = 0

    def up(self, on_output, message=None):
        self.calls += 1
        if self.calls == self.at:
            self.set_config("bluegreen:green.image", "repo/web:6.6.6")
        return super().up(on_output, message)


def test_a_colleague_write_between_the_write_and_the_update_stops_with_exit_5_naming_the_image():
    driver = ColleagueBeforeUpdate.deployed("local", docker_config())

    result = invoke(env_for(driver), *RELEASE)

    assert result.exit_code == 5, result.output
    assert "images.green: intended repo/web:1.5.0, deployed repo/web:6.6.6" in result.output
    # The 10% on an unverified image went back to blue at once; blue runs its verified image.
    assert weights(driver) == (100, 0)
    assert driver.outputs()["images"]["blue"] == "repo/web:1.4.2"
    assert_consistent(driver)


def test_the_exit_5_report_states_the_weights_the_backend_deployed():
    driver = MockProgramDriver.deployed("local", docker_config())

    def colleague(now):
        if now == 4:
            driver.set_config_paths({"bluegreen:traffic.blue": 30, "bluegreen:traffic.green": 70})
            driver.up(lambda line: None)

    result = invoke(env_for(driver, sleep_hook=colleague), *RELEASE)

    assert result.exit_code == 5
    assert "deployed weights: blue 30%, green 70% (config agrees)" in result.output


def test_every_update_carries_a_message_for_pulumi_stack_history():
    driver = MockProgramDriver.deployed("local", docker_config())

    result = invoke(env_for(driver), *RELEASE)

    assert result.exit_code == 0, result.output
    assert driver.messages == [
        "bluegreen release repo/web:1.5.0 to green, step 1/7: blue 100 green 0",
        "bluegreen release repo/web:1.5.0 to green, step 2/7: blue 90 green 10",
        "bluegreen release repo/web:1.5.0 to green, step 4/7: blue 50 green 50",
        "bluegreen release repo/web:1.5.0 to green, step 6/7: blue 0 green 100",
        "bluegreen release repo/web:1.5.0 to green, step 7/7: blue 0 green 100",
    ]


def test_releasing_the_image_already_live_is_refused_with_exit_2():
    driver = MockProgramDriver.deployed("local", docker_config())

    result = invoke(env_for(driver), "release", "-s", "local", "-i", "repo/web:1.4.2")

    assert result.exit_code == 2
    assert "--image = 'repo/web:1.4.2' is invalid: it is already live on blue" in result.output
    assert driver.updates == []


def test_the_first_ctrl_c_is_acknowledged_at_once_and_messages_do_not_repeat():
    driver = MockProgramDriver.deployed("local", docker_config())

    def hook(now):
        if now == 4:
            signal.raise_signal(signal.SIGINT)

    result = invoke(env_for(driver, sleep_hook=hook), *RELEASE)

    assert result.exit_code == 130
    assert FIRST_CTRL_C in result.output
    assert "interrupted: Ctrl-C during 'hold green at 10% for 10s'; traffic is back at 100% on blue" in result.output
    assert "interrupted (" not in result.output
    assert_consistent(driver)


def test_a_second_ctrl_c_before_the_rollback_leaves_the_stack_paused_as_deployed():
    driver = MockProgramDriver.deployed("local", docker_config())

    def hook(now):
        if now == 4:
            signal.raise_signal(signal.SIGINT)
            signal.raise_signal(signal.SIGINT)

    result = invoke(env_for(driver, sleep_hook=hook), *RELEASE)

    assert result.exit_code == 130
    assert "Ctrl-C: stopping after this update and leaving the stack paused" in result.output
    assert weights(driver) == (90, 10)
    assert "continue: bluegreen resume --stack local" in result.output
    assert_consistent(driver)


class SignalsDuringRollback(MockProgramDriver):
    """SIGINT during the 10% update; SIGTERM twice during the rollback's update."""

    def up(self, on_output, message=None):
        outputs = super().up(on_output, message)
        if len(self.updates) == 2:
            signal.raise_signal(signal.SIGINT)
        if message and message.startswith("bluegreen rollback"):
            signal.raise_signal(signal.SIGTERM)
            signal.raise_signal(signal.SIGTERM)
        return outputs


def test_signals_after_the_rollbacks_update_neither_end_the_process_nor_leave_the_lock():
    driver = SignalsDuringRollback.deployed("local", docker_config())

    result = invoke(env_for(driver), *RELEASE)

    assert result.exit_code == 130, result.output
    assert "SIGTERM: the rollback's update is under way; stopping right after it" in result.output
    assert "deployed weights: blue 100%, green 0% (config agrees)" in result.output  # the report was printed
    assert_consistent(driver)  # and the lock released


def test_pause_during_a_rollback_says_it_came_too_late():
    driver = MockProgramDriver.deployed("local", docker_config())
    driver.set_tag(LOCK_TAG, new_lock("bluegreen rollback --stack local").tag_value())

    try:
        request_pause(driver)
        raise AssertionError("a pause was accepted during a rollback")
    except NothingToPauseError as error:
        assert "too late to pause" in str(error)


def test_after_a_failed_pre_traffic_hook_the_tool_says_the_candidate_stays_deployed_at_0_percent():
    from bluegreen.analysis.measurement import Measurement

    config = {**docker_config(), "bluegreen:rollout": {"hooks": {"preTraffic": {"command": ["false"]}}}}
    driver = MockProgramDriver.deployed("local", config)
    env = env_for(driver)
    env.hook_runner = lambda: lambda hook, outputs, timeout: Measurement("preTraffic", "green", 1, "exit 0", "fail")

    result = invoke(env, *RELEASE)

    assert result.exit_code == 1
    assert "repo/web:1.5.0 stays deployed on green at 0%" in result.output
    assert "end the release with `bluegreen abort --stack local`" in result.output
    assert weights(driver) == (100, 0)


def test_a_redirect_is_not_a_healthy_answer():
    from tests.loopback_http import QuietHandler, loopback_server

    class Redirect(QuietHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(302)
            self.send_header("Location", "http://example.com/health")
            self.send_header("Content-Length", "0")
            self.end_headers()

    with loopback_server(Redirect) as server, health_server(lambda: True) as (test, _):
        port = server.server_address[1]
        driver = LoopbackDriver.deployed("local", docker_config(port, test))
        result = HttpGate(timeout_seconds=2).check("blue", driver_spec(driver), driver.outputs())

    assert not result.healthy
    assert "-> 302 redirect to http://example.com/health" in result.detail


def driver_spec(driver):
    from bluegreen.stack_files import spec_of

    return spec_of(driver.config())


def test_status_exits_1_naming_a_lock_whose_holder_is_gone_and_config_that_differs_from_what_is_deployed():
    import subprocess

    child = subprocess.Popen(["true"])
    child.wait()  # reaped: its pid no longer exists
    driver = MockProgramDriver.deployed("local", with_record(docker_config(), candidate="green"))
    driver.set_config_paths({"bluegreen:traffic.blue": 90, "bluegreen:traffic.green": 10})  # killed before its up
    stale = LockInfo("alice", socket.gethostname(), child.pid, "2026-01-01T00:00:00Z", "bluegreen release", "tok")
    driver.set_tag(LOCK_TAG, stale.tag_value())

    result = invoke(env_for(driver), "status", "-s", "local")

    assert result.exit_code == 1, result.output
    assert "config differs from what is deployed: weights: intended blue 90 green 10, deployed blue 100 green 0" in (
        result.output
    )
    assert "ago (its process is gone; --holder tok)" in result.output
