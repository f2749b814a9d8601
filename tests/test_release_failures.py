"""Every way a release can go wrong, through the CLI on the real program under mocks and real loopback servers.

After each: the stack's config sums to 100, equals the weights last deployed, and
the exit code is the documented one (docs/releases.md). Signals are real: the
test raises SIGINT/SIGTERM in this process at the phase under test.
"""

import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from rollout_support import (
    FakeClock,
    LoopbackDriver,
    ScriptedAnalysis,
    ScriptedGate,
    docker_config,
    health_server,
    update_weights,
    weights,
    with_analysis,
    with_record,
)
from typer.testing import CliRunner

from bluegreen.cli import app
from bluegreen.cli_env import CliEnv
from bluegreen.health_gates import HttpGate
from bluegreen.stack_lock import LOCK_TAG, LockInfo
from testkit.mock_driver import MockProgramDriver

runner = CliRunner()
FAST = ["--bake", "10s", "--poll", "2", "--wait-timeout", "30"]
RELEASE = ["release", "-s", "local", "-i", "repo/web:1.5.0", *FAST]


def env_for(driver, gates=None, sleep_hook=None, analysis=None) -> CliEnv:
    clock = FakeClock()

    def sleep(seconds):
        clock.sleep(seconds)
        if sleep_hook is not None:
            sleep_hook(clock.now)

    env = CliEnv(driver_for=lambda name: driver, clock=clock, sleep=sleep, settle=lambda seconds: None)
    env.gates = gates or (lambda spec, config, http: [ScriptedGate(lambda color, spec: True)])
    if analysis is not None:
        env.analysis = lambda spec, outputs, stack, config: analysis
    return env


def invoke(env, *args):
    return runner.invoke(app, list(args), obj=env)


def assert_consistent(driver):
    blue, green = weights(driver)
    assert blue + green == 100
    deployed = driver.outputs()["weights"]
    assert (deployed["blue"], deployed["green"]) == (blue, green)
    assert LOCK_TAG not in driver.tags()


@contextmanager
def raw_server(answer) -> Iterator[int]:
    """A TCP server on 127.0.0.1 that hands each connection to `answer(conn)`; yields its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=answer, args=(conn, stop), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=2)
        listener.close()


def bad_status_line(conn, stop):
    conn.recv(1024)
    conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
    conn.close()


def trickle(conn, stop):
    """Headers one byte every 50 ms, forever: each read is quick, the whole answer never comes."""
    conn.recv(1024)
    try:
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        while not stop.is_set():
            conn.sendall(b"X")
            time.sleep(0.05)
    except OSError:
        pass
    finally:
        conn.close()


def test_a_bad_status_line_is_an_unhealthy_observation_and_the_release_rolls_back():
    holder = {}

    def answer(conn, stop):
        # Healthy until green takes traffic, then the candidate answers something that is not HTTP.
        if holder["driver"].config()["bluegreen:traffic"]["green"] >= 10:
            return bad_status_line(conn, stop)
        conn.recv(1024)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        conn.close()

    with health_server(lambda: True) as (prod, _), raw_server(answer) as test:
        driver = holder["driver"] = LoopbackDriver.deployed("local", docker_config(prod, test))
        env = env_for(driver, gates=lambda spec, config, http: [HttpGate(timeout_seconds=2)])
        result = invoke(env, *RELEASE)

    assert result.exit_code == 1, result.output
    assert "bad status line 'SSH-2.0-OpenSSH_9.6" in result.output
    assert "rolled back:" in result.output
    assert "Traceback" not in result.output
    assert_consistent(driver)
    assert weights(driver) == (100, 0)


def test_a_server_trickling_its_headers_cannot_hold_a_check_past_its_deadline():
    with health_server(lambda: True) as (prod, _), raw_server(trickle) as test:
        driver = LoopbackDriver.deployed("local", docker_config(prod, test))
        env = env_for(driver, gates=lambda spec, config, http: [HttpGate(timeout_seconds=0.3)])
        result = invoke(env, "release", "-s", "local", "-i", "repo/web:1.5.0", "--wait-timeout", "0")

    assert result.exit_code == 1
    assert "http green: UNHEALTHY (no answer within 0.3s)" in result.output
    assert "production traffic stayed on blue" in result.output
    assert weights(driver) == (100, 0)


def test_a_second_engine_on_a_locked_stack_is_refused_naming_the_holder():
    driver = MockProgramDriver.deployed("local", docker_config())
    seen = {}

    def second_operator(now):
        if now == 2 and "rollback" not in seen:
            seen["rollback"] = invoke(env_for(driver), "rollback", "-s", "local", "--no-check")

    result = invoke(env_for(driver, sleep_hook=second_operator), *RELEASE)

    rollback = seen["rollback"]
    assert rollback.exit_code == 2
    assert "stack local is locked by" in rollback.output
    assert "since" in rollback.output and ": bluegreen" in rollback.output  # when, and which command
    # The holder is this very process: alive on this host, so not even --force would take it.
    assert "that process is still running on this host" in rollback.output
    assert result.exit_code == 0, result.output  # the first release was not disturbed
    assert weights(driver) == (0, 100)
    assert_consistent(driver)


def test_force_takes_over_a_stale_lock_from_another_host_only_when_it_names_the_holder():
    driver = MockProgramDriver.deployed("local", with_record(docker_config(traffic=(90, 10)), candidate="green"))
    stale = LockInfo("alice", "laptop", 4242, "2026-01-01T00:00:00Z", "bluegreen release", "dead")
    driver.set_tag(LOCK_TAG, stale.tag_value())

    refused = invoke(env_for(driver), "rollback", "-s", "local")
    unnamed = invoke(env_for(driver), "rollback", "-s", "local", "--force")
    misnamed = invoke(env_for(driver), "rollback", "-s", "local", "--force", "--holder", "other")
    forced = invoke(env_for(driver), "rollback", "-s", "local", "--force", "--holder", "dead")

    assert refused.exit_code == 2
    assert "locked by alice on laptop (pid 4242) since 2026-01-01T00:00:00Z" in refused.output
    assert "take over with: bluegreen rollback --stack local --force --holder dead" in refused.output
    assert unnamed.exit_code == 2 and "nothing names it" in unnamed.output
    assert misnamed.exit_code == 2 and "--holder other does not name it" in misnamed.output
    assert forced.exit_code == 0, forced.output
    assert weights(driver) == (100, 0)
    assert_consistent(driver)


def test_config_changed_under_the_engine_exits_5_and_changes_nothing_more():
    driver = MockProgramDriver.deployed("local", docker_config())

    def colleague(now):
        if now == 4:
            driver.set_config_paths({"bluegreen:traffic.blue": 100, "bluegreen:traffic.green": 0})
            driver.up(lambda line: None)

    result = invoke(env_for(driver, sleep_hook=colleague), *RELEASE)

    assert result.exit_code == 5
    assert "the stack's config changed under the release (bluegreen:traffic)" in result.output
    assert update_weights(driver)[-1] == (100, 0)
    assert_consistent(driver)


class InterruptingDriver(MockProgramDriver):
    """Raises `signum` in this process during update number `during_update` (counting from the release's)."""

    def __init__(self, *args, signum=signal.SIGINT, during_update=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.signum = signum
        self.during_update = during_update

    def up(self, on_output, message=None):
        outputs = super().up(on_output, message)
        if self.during_update == len(self.updates):
            signal.raise_signal(self.signum)
        return outputs


@pytest.mark.parametrize(
    ("phase", "signum"),
    [
        ("while the candidate starts", signal.SIGINT),
        ("during the 10% update", signal.SIGTERM),
        ("during the first pause", signal.SIGINT),
        ("during the 50% update", signal.SIGINT),
        ("during the second pause", signal.SIGTERM),
    ],
)
def test_a_signal_at_each_phase_rolls_back_by_default_and_exits_130(phase, signum):
    during_update = {"while the candidate starts": 1, "during the 10% update": 2, "during the 50% update": 3}
    driver = InterruptingDriver.deployed("local", docker_config())
    driver.signum, driver.during_update = signum, during_update.get(phase)
    at = {"during the first pause": 4, "during the second pause": 14}.get(phase)
    before = signal.getsignal(signal.SIGINT)

    def hook(now):
        if now == at:
            signal.raise_signal(signum)

    result = invoke(env_for(driver, sleep_hook=hook), *RELEASE)

    assert result.exit_code == 130, result.output
    assert "interrupted:" in result.output
    assert weights(driver) == (100, 0)
    assert_consistent(driver)
    assert signal.getsignal(signal.SIGINT) is before  # handlers restored


def test_on_interrupt_pause_leaves_the_weights_and_resume_finishes_the_release():
    driver = MockProgramDriver.deployed("local", docker_config())

    def hook(now):
        if now == 4:
            signal.raise_signal(signal.SIGINT)

    paused = invoke(env_for(driver, sleep_hook=hook), *RELEASE, "--on-interrupt", "pause")

    assert paused.exit_code == 130
    assert weights(driver) == (90, 10)
    assert_consistent(driver)
    assert "continue: bluegreen resume --stack local" in paused.output
    assert "undo:     bluegreen rollback --stack local" in paused.output

    resumed = invoke(env_for(driver), "resume", "-s", "local", *FAST)

    assert resumed.exit_code == 0, resumed.output
    # The 10% pause again, then 50 and 100.
    assert update_weights(driver)[-3:] == [(50, 50), (0, 100), (0, 100)]
    assert_consistent(driver)


def test_a_manual_gate_pauses_with_exit_4_and_resume_continues_past_it():
    steps = [{"setWeight": 20}, {"pause": {}}, {"setWeight": 100}]
    driver = MockProgramDriver.deployed("local", {**docker_config(), "bluegreen:rollout": {"steps": steps}})

    paused = invoke(env_for(driver), "release", "-s", "local", "-i", "repo/web:1.5.0", "--poll", "1")

    assert paused.exit_code == 4, paused.output
    assert weights(driver) == (80, 20)
    assert_consistent(driver)
    assert "bluegreen resume --stack local" in paused.output

    resumed = invoke(env_for(driver), "resume", "-s", "local")

    assert resumed.exit_code == 0, resumed.output
    assert weights(driver) == (0, 100)
    assert_consistent(driver)


def test_inconclusive_analysis_pauses_and_resume_measures_again():
    config = with_analysis(docker_config(), inconclusiveLimit=0)
    driver = MockProgramDriver.deployed("local", config)
    no_data = ScriptedAnalysis([[("error-rate", "inconclusive", None)]])

    paused = invoke(env_for(driver, analysis=no_data), *RELEASE)

    assert paused.exit_code == 4, paused.output
    assert "analysis inconclusive at step 'hold green at 10% for 10s'" in paused.output
    assert weights(driver) == (90, 10)
    assert_consistent(driver)

    good = ScriptedAnalysis([[("error-rate", "pass", 0.0)]])
    resumed = invoke(env_for(driver, analysis=good), "resume", "-s", "local", *FAST)

    assert resumed.exit_code == 0, resumed.output
    assert good.calls[0] == ("green", "blue")  # the 10% pause was judged again
    assert weights(driver) == (0, 100)


def test_failed_analysis_rolls_back_and_prints_metric_value_threshold_and_step():
    config = with_analysis(docker_config(), failureLimit=0)
    driver = MockProgramDriver.deployed("local", config)
    bad = ScriptedAnalysis([[("error-rate", "fail", 0.0612)]])

    result = invoke(env_for(driver, analysis=bad), *RELEASE)

    assert result.exit_code == 1
    assert (
        "analysis failed at step 'hold green at 10% for 10s': error-rate green 0.0612 vs <= 0.01: FAIL"
    ) in result.output
    assert weights(driver) == (100, 0)
    assert_consistent(driver)


def test_resume_after_a_rollback_has_nothing_to_resume():
    driver = MockProgramDriver.deployed("local", with_record(docker_config()))

    result = invoke(env_for(driver), "resume", "-s", "local")

    assert result.exit_code == 2
    assert "nothing to resume" in result.output


def test_rollback_repairs_a_half_written_traffic_block():
    driver = MockProgramDriver.deployed("local", with_record(docker_config(traffic=(90, 10)), candidate="green"))
    driver.set_config("bluegreen:traffic.blue", 100)  # the old two-command flip, interrupted halfway

    result = invoke(env_for(driver), "rollback", "-s", "local")

    assert result.exit_code == 0, result.output
    assert "sums to 110, not 100; repairing it from the last update ({blue: 90, green: 10})" in result.output
    assert weights(driver) == (100, 0)
    assert_consistent(driver)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--poll", "inf"], "Invalid value for '--poll': 'inf' is not a duration"),
        (["--bake", "5 minutes"], "Invalid value for '--bake': '5 minutes' is not a duration"),
        (["--poll", "0"], "Invalid value for '--poll': '0' is too short"),
        (["--steps", "50,10"], "--steps = '50,10' is invalid: steps must strictly increase"),
        # Unicode digits, a number too long to be finite, and no upper bound got through before.
        (["--bake", "25h"], "Invalid value for '--bake': '25h' is too long: must be at most 24h"),
        (["--bake", "٣"], "Invalid value for '--bake': '٣' is not a duration"),
        (["--wait-timeout", "1" * 400], "is not a duration"),
        (["--poll", "nan"], "Invalid value for '--poll': 'nan' is not a duration"),
        (["--steps", "٥,100"], "--steps = '٥,100' is invalid: must be comma-separated integers"),
    ],
    ids=["poll-inf", "bake-words", "poll-0", "steps-decreasing", "bake-25h", "bake-arabic", "wait-400-digits",
         "poll-nan", "steps-arabic"],
)
def test_bad_options_are_refused_before_pulumi_is_contacted(args, message, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")  # Typer boxes usage errors; wide enough for one line

    def no_pulumi(name):
        raise AssertionError("Pulumi was contacted")

    result = invoke(CliEnv(driver_for=no_pulumi), "release", "-s", "local", "-i", "repo/web:1.5.0", *args)

    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.parametrize(
    ("image", "rule"),
    [
        ("repo/web", "pin a tag or digest"),
        ("repo/web:latest", "`latest` moves under you"),
        ("localhost:5000/web", "pin a tag or digest"),
        ("repo/web@sha256:abc", "64 hex digits"),
    ],
)
def test_unpinned_images_are_refused(image, rule):
    result = invoke(CliEnv(driver_for=lambda name: None), "release", "-s", "local", "-i", image)

    assert result.exit_code == 2
    assert f"--image = {image!r} is invalid: " in result.output and rule in result.output


def test_durations_are_accepted_with_units():
    driver = MockProgramDriver.deployed("local", docker_config())

    result = invoke(env_for(driver), "release", "-s", "local", "-i", "localhost:5000/web@sha256:" + "a" * 64,
                    "--bake", "1m30s", "--poll", "30s", "--steps", "100")

    assert result.exit_code == 0, result.output
    assert "hold green at 100% for 1m30s" in result.output


def test_a_protected_stack_asks_first_and_no_means_nothing_changes():
    driver = MockProgramDriver.deployed("prod", docker_config())
    env = env_for(driver)
    env.confirm = lambda question: False

    refused = invoke(env, "release", "-s", "prod", "-i", "repo/web:1.5.0", *FAST)
    confirmed = invoke(env_for(driver), "release", "-s", "prod", "-i", "repo/web:1.5.0", "--yes", *FAST)

    assert refused.exit_code == 2
    assert "stack prod is protected and the change was not confirmed (pass --yes in CI)" in refused.output
    assert confirmed.exit_code == 0
    assert weights(driver) == (0, 100)


def test_pause_from_another_terminal_stops_the_running_release_and_resume_continues():
    driver = MockProgramDriver.deployed("local", docker_config())
    asked = {}

    def operator(now):
        if now == 4 and "pause" not in asked:
            asked["pause"] = invoke(env_for(driver), "pause", "-s", "local")

    paused = invoke(env_for(driver, sleep_hook=operator), *RELEASE)

    assert asked["pause"].exit_code == 0, asked["pause"].output
    assert "asked the release of" in asked["pause"].output
    assert paused.exit_code == 4, paused.output
    assert "pause requested by" in paused.output
    assert weights(driver) == (90, 10)
    assert_consistent(driver)
    assert driver.tags() == {}  # lock and request both gone

    nothing = invoke(env_for(driver), "pause", "-s", "local")
    resumed = invoke(env_for(driver), "resume", "-s", "local", *FAST)

    assert nothing.exit_code == 2
    assert "no release is running on stack local" in nothing.output
    assert resumed.exit_code == 0, resumed.output
    assert weights(driver) == (0, 100)


def test_status_json_shows_the_strategy_the_position_and_the_lock():
    import json

    steps = [{"setWeight": 20}, {"pause": {}}, {"setWeight": 100}]
    driver = MockProgramDriver.deployed("local", {**docker_config(traffic=(80, 20)),
                                                  "bluegreen:rollout": {"steps": steps}})
    driver.set_tag(LOCK_TAG, LockInfo("alice", "laptop", 7, "2026-01-01T00:00:00Z", "bluegreen release", "t")
                   .tag_value())

    result = invoke(env_for(driver), "status", "-s", "local", "--json")

    assert result.exit_code == 0, result.output
    [found] = json.loads(result.output)
    assert found["strategy"] == ["setWeight 20", "pause until `bluegreen resume`", "setWeight 100"]
    assert found["position"] == 0
    assert found["lock"]["holder"] == "alice"
    assert [c["deployedWeight"] for c in found["colors"]] == [80, 20]


def test_a_missing_pulumi_cli_is_said_once_with_how_to_install_it():
    from bluegreen.stack_driver import PULUMI_MISSING, PulumiMissingError

    def no_pulumi(name):
        raise PulumiMissingError(PULUMI_MISSING)

    result = invoke(CliEnv(driver_for=no_pulumi), "status")

    assert result.exit_code == 2  # refused: nothing was read, nothing changed
    assert result.output.count("the Pulumi CLI is not installed") == 1
    assert "curl -fsSL https://get.pulumi.com | sh" in result.output


def test_status_watch_shows_again_until_ctrl_c():
    driver = MockProgramDriver.deployed("local", docker_config())
    shown = []

    def sleep(seconds):
        shown.append(seconds)
        if len(shown) == 2:
            raise KeyboardInterrupt

    env = env_for(driver)
    env.sleep = sleep
    result = invoke(env, "status", "-s", "local", "--watch", "5s")

    assert result.exit_code == 0, result.output
    assert shown == [5.0, 5.0]
    assert result.output.count("local (docker): live blue, candidate green") == 2


def test_the_lock_names_the_command_and_release_it_belongs_to():
    driver = MockProgramDriver.deployed("local", docker_config())
    seen = {}

    def look(now):
        seen.setdefault("lock", driver.tags().get(LOCK_TAG))

    invoke(env_for(driver, sleep_hook=look), *RELEASE)

    assert LockInfo.parse(seen["lock"]).command == "bluegreen release --stack local --image repo/web:1.5.0"


def test_a_backend_that_forgets_tags_runs_the_release_unlocked_and_says_so():
    class Forgetful(MockProgramDriver):
        def set_tag(self, key, value):
            pass  # a self-managed backend before Pulumi 3.211: `stack tag set` succeeds and keeps nothing

    driver = Forgetful.deployed("local", docker_config())

    result = invoke(env_for(driver), *RELEASE)

    assert result.exit_code == 0, result.output
    assert "does not keep stack tags, so this release holds no lock" in result.output
    assert weights(driver) == (0, 100)


def test_a_failing_pre_traffic_hook_moves_nothing_and_exits_1():
    hooks = {"preTraffic": {"command": ["sh", "-c", "echo smoke test failed >&2; exit 3"], "timeout": "5s"}}
    config = {**docker_config(), "bluegreen:rollout": {"steps": [{"setWeight": 100}], "hooks": hooks}}
    driver = MockProgramDriver.deployed("local", config)

    result = invoke(env_for(driver), "release", "-s", "local", "-i", "repo/web:1.5.0", "--poll", "1")

    assert result.exit_code == 1, result.output
    assert "preTraffic hook failed" in result.output and "smoke test failed" in result.output
    assert "production traffic stayed on blue" in result.output
    assert update_weights(driver) == [(100, 0)]  # only the image went to green
    assert_consistent(driver)


def test_a_resumed_release_that_fails_at_its_current_weight_rolls_back():
    # Nothing new moves before the failure, but the candidate already has 5%: it must not keep it.
    steps = [{"setWeight": 5}, {"pause": "5m"}, {"setWeight": 100}]
    config = with_analysis(with_record(docker_config(traffic=(95, 5)), candidate="green"), steps=steps, failureLimit=0)
    driver = MockProgramDriver.deployed("local", config)
    bad = ScriptedAnalysis([[("error-rate", "fail", 0.07)]])

    result = invoke(env_for(driver, analysis=bad), "resume", "-s", "local", "--poll", "10s")

    assert result.exit_code == 1, result.output
    assert "traffic is back at 100% on blue" in result.output
    assert weights(driver) == (100, 0)
    assert_consistent(driver)


def test_ctrl_c_while_a_shift_checks_the_candidate_rolls_its_existing_weight_back():
    driver = MockProgramDriver.deployed("local", with_record(docker_config(traffic=(90, 10)), candidate="green"))
    gates = lambda spec, config, http: [ScriptedGate(lambda color, spec: False)]  # noqa: E731 - still starting

    def hook(now):
        if now == 4:
            signal.raise_signal(signal.SIGINT)

    result = invoke(env_for(driver, gates=gates, sleep_hook=hook), "shift", "-s", "local", *FAST)

    assert result.exit_code == 130, result.output
    assert weights(driver) == (100, 0)
    assert_consistent(driver)


def test_a_lock_left_by_a_dead_process_on_this_host_says_force_is_safe():
    import subprocess

    child = subprocess.Popen(["true"])
    child.wait()  # reaped: its pid no longer exists
    driver = MockProgramDriver.deployed("local", with_record(docker_config(traffic=(90, 10)), candidate="green"))
    stale = LockInfo("alice", socket.gethostname(), child.pid, "2026-01-01T00:00:00Z", "bluegreen release", "x")
    driver.set_tag(LOCK_TAG, stale.tag_value())

    result = invoke(env_for(driver), "rollback", "-s", "local")
    forced = invoke(env_for(driver), "rollback", "-s", "local", "--force")

    assert result.exit_code == 2
    assert "(that process is no longer running here)" in result.output
    assert "take over with: bluegreen rollback --stack local --force (" in result.output
    assert forced.exit_code == 0, forced.output
    assert weights(driver) == (100, 0)
    assert_consistent(driver)


def test_a_change_made_while_the_operator_confirms_stops_the_release_before_its_first_write():
    driver = MockProgramDriver.deployed("prod", docker_config())
    env = env_for(driver)

    def colleague_acts_meanwhile(question):
        driver.set_config_paths({"bluegreen:green.image": "repo/web:9.9.9"})
        return True

    env.confirm = colleague_acts_meanwhile
    result = invoke(env, "release", "-s", "prod", "-i", "repo/web:1.5.0", *FAST)

    assert result.exit_code == 5, result.output
    assert "changed under the release (bluegreen:green)" in result.output
    assert driver.config()["bluegreen:green"]["image"] == "repo/web:9.9.9"  # theirs, not overwritten
    assert driver.updates == []
