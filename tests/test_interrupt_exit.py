"""Cancelling a release the way GitHub does, with real processes on one file-backed stack.

GitHub's runner sends the step's process SIGINT, SIGTERM 7.5 s later and SIGKILL to the
tree 2.5 s after that. release.yml runs the release with `--on-interrupt pause`, which must
exit within those 7.5 s in every phase: during an analysis measurement (which may take
max(interval, 10 s)), a pause, a preTraffic hook and a weight step's update; the stack is
left with config equal to what is deployed and the lock released. The bound asserted is the
contract (7.5 s), never a tuned figure; each test prints the time it measured.

The release is the real CLI (`python -m testkit.file_stack`, a process of its own forked from one that
imported the CLI once: testkit/fork_server.py; the workflow-step tests start it cold through bash): the
real program under mocks for every update, the real analysis against a Prometheus stand-in on 127.0.0.1
that never answers, a real hook command. Signals go to the engine alone, as the runner sends them.
"""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from loopback_http import QuietHandler, loopback_server
from rollout_support import docker_config

from bluegreen.stack_lock import LOCK_TAG
from testkit.file_stack import LATER_IMPORTS, UP_SECONDS, FileStackDriver
from testkit.fork_server import ForkedProcess, ForkServer

ROOT = Path(__file__).resolve().parent.parent
GRACE_SECONDS = 7.5
"""GitHub's time between its SIGINT and its SIGTERM: the contract of `--on-interrupt pause`."""
CANDIDATE = "repo/web:1.5.0"


def file_stack(directory: Path, rollout: dict | None = None) -> FileStackDriver:
    """blue live on 1.4.2 (recorded), both images healthy, the given strategy."""
    driver = FileStackDriver(directory)
    config = {**docker_config(), "bluegreen:release": {"live": "blue", "liveImage": "repo/web:1.4.2"}}
    if rollout is not None:
        config["bluegreen:rollout"] = rollout
    driver._write("config.json", config)
    driver.up(lambda line: None)
    (directory / "healthy.json").write_text(json.dumps(["repo/web:1.4.2", CANDIDATE]))
    return driver


def environment(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **extra}
    if "GITHUB_ACTIONS" not in extra:
        env.pop("GITHUB_ACTIONS", None)
    return env


@pytest.fixture(scope="module")
def cli() -> Iterator[ForkServer]:
    """`python -m testkit.file_stack` processes forked from one that imported the CLI once (testkit/fork_server.py):
    each engine is a real process of its own, spared the ~0.45 CPU-s of imports."""
    with ForkServer("testkit.file_stack", ROOT, environment(), LATER_IMPORTS) as server:
        yield server


def engine(cli: ForkServer, directory: Path, *args: str, **extra: str) -> ForkedProcess:
    # In a session of its own: the signal reaches the engine alone, as the runner sends it.
    return cli.popen([str(directory), *args], cwd=ROOT, env=environment(**extra), start_new_session=True)


def release(cli: ForkServer, directory: Path, *args: str, **extra: str) -> ForkedProcess:
    return engine(cli, directory, "release", "-s", "local", "-i", CANDIDATE, "--poll", "0.2s", "--wait-timeout",
                  "10s", "--on-interrupt", "pause", *args, **extra)


Process = subprocess.Popen | ForkedProcess


def wait_until(condition, process: Process, seconds: float = 90) -> None:
    end = time.monotonic() + seconds
    while not condition():
        if process.poll() is not None:
            raise AssertionError(f"the engine ended before the phase under test:\n{process.communicate()[0]}")
        assert time.monotonic() < end, "the release never reached the phase under test"
        time.sleep(0.02)


def interrupt(process: Process, *later: tuple[float, int]) -> tuple[int, float, str]:
    """SIGINT now, then each (delay, signal) of `later`; (exit code, seconds from the SIGINT to the exit, output)."""
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    for delay, signum in later:
        time.sleep(delay)
        if process.poll() is not None:
            break
        process.send_signal(signum)
    output, _ = process.communicate(timeout=60)
    return process.returncode, time.monotonic() - sent, output


def updates(directory: Path) -> int:
    """Updates since the stack was set up (the first line is that setup)."""
    try:
        return len((directory / "history.jsonl").read_text().splitlines()) - 1
    except FileNotFoundError:
        return 0


def assert_left_paused(driver: FileStackDriver, weights: tuple[int, int], output: str) -> None:
    config = driver.config()["bluegreen:traffic"]
    deployed = driver.outputs()["weights"]
    assert (config["blue"], config["green"]) == weights, output
    assert (deployed["blue"], deployed["green"]) == weights, output
    assert LOCK_TAG not in driver.tags(), output


@contextmanager
def prometheus_that_never_answers():
    """A Prometheus address that accepts every query and never answers it (until the test ends)."""
    asked = threading.Event()
    done = threading.Event()

    class Hang(QuietHandler):
        def do_GET(self):  # noqa: N802 - http.server calls it by this name
            asked.set()
            done.wait(60)

        do_POST = do_GET  # noqa: N815 - the same name convention

    with loopback_server(Hang) as server:
        try:
            yield server.server_address[1], asked
        finally:
            done.set()


def test_sigint_during_a_measurement_exits_within_githubs_grace_paused_and_unlocked(cli, tmp_path):
    with prometheus_that_never_answers() as (port, asked):
        driver = file_stack(tmp_path, {
            "steps": [{"setWeight": 50}, {"pause": "2m"}, {"setWeight": 100}],
            # The measurement may take max(interval, 10 s); this Prometheus would hold it for all of that.
            "analysis": {"interval": "1s", "metrics": [{"name": "error-rate", "template": "errorRate", "max": 0.01}]},
            "prometheus": {"address": f"http://127.0.0.1:{port}", "timeout": "30s"},
        })
        process = release(cli, tmp_path)
        wait_until(asked.is_set, process)
        code, seconds, output = interrupt(process)

    print(f"measurement: exit {code} {seconds:.2f}s after SIGINT")
    assert code == 130, output
    assert seconds < GRACE_SECONDS, output
    assert "Ctrl-C during 'hold green at 50% for 2m': the measurement under way was abandoned, not judged" in output
    assert "error-rate" not in output.split("Ctrl-C: pausing")[1]  # nothing judged after the signal
    assert_left_paused(driver, (50, 50), output)
    assert "continue: bluegreen resume --stack local" in output


def test_sigint_during_a_pre_traffic_hook_exits_within_githubs_grace_and_kills_the_hook(cli, tmp_path):
    started = tmp_path / "hook.pid"
    driver = file_stack(tmp_path, {
        "steps": [{"setWeight": 50}, {"setWeight": 100}],
        "hooks": {"preTraffic": {"command": ["sh", "-c", f"echo $$ > {started}; exec sleep 60"], "timeout": "90s"}},
    })
    process = release(cli, tmp_path)
    wait_until(lambda: started.exists() and started.read_text().strip(), process)
    code, seconds, output = interrupt(process)

    print(f"hook: exit {code} {seconds:.2f}s after SIGINT")
    assert code == 130, output
    assert seconds < GRACE_SECONDS, output
    assert "the preTraffic hook under way was stopped, not judged" in output
    # The candidate is deployed at 0%: nothing moved, config equals what is deployed.
    assert_left_paused(driver, (100, 0), output)
    assert driver.outputs()["images"]["green"] == CANDIDATE
    hook = int(started.read_text())
    time.sleep(0.2)
    assert not Path(f"/proc/{hook}").exists() or "zombie" in Path(f"/proc/{hook}/status").read_text(), (
        "the hook's command outlived the release"
    )


def test_sigint_during_a_weight_update_lets_the_update_finish_then_stops_paused(cli, tmp_path):
    driver = file_stack(tmp_path)
    process = release(cli, tmp_path, "--steps", "50,100", "--bake", "2m", **{UP_SECONDS: "2"})
    # The 50% write lands just before its update starts; the update then takes 2 s.
    wait_until(lambda: driver.config()["bluegreen:traffic"]["green"] == 50, process)
    code, seconds, output = interrupt(process)

    print(f"update: exit {code} {seconds:.2f}s after SIGINT (the update takes 2 s)")
    assert code == 130, output
    assert seconds < GRACE_SECONDS, output
    # Not cut off: the update under way completed, and the engine stopped right after it.
    assert_left_paused(driver, (50, 50), output)
    assert updates(tmp_path) == 2, output


def test_ctrl_c_then_signals_every_20ms_until_it_exits_still_exit_130_paused_and_unlocked(cli, tmp_path):
    # Ctrl-C twice, then SIGTERM and SIGINT through the report, the lock's release and the interpreter's exit.
    driver = file_stack(tmp_path)
    process = release(cli, tmp_path, "--steps", "50,100", "--bake", "2m")
    wait_until(lambda: updates(tmp_path) >= 2, process)
    burst = [(0.02, signal.SIGINT if n % 2 else signal.SIGTERM) for n in range(int(GRACE_SECONDS / 0.02))]
    code, seconds, output = interrupt(process, (0.02, signal.SIGINT), *burst)

    print(f"signals while exiting: exit {code} {seconds:.2f}s after the first SIGINT")
    assert code == 130, output
    assert seconds < GRACE_SECONDS, output
    assert output.count("Ctrl-C: pausing at the next safe point") == 1, output
    assert "Traceback" not in output, output
    assert_left_paused(driver, (50, 50), output)


def test_sigkill_after_the_sigint_leaves_a_lock_that_the_same_runs_undo_step_takes_over(cli, tmp_path):
    ci = {"GITHUB_ACTIONS": "true", "GITHUB_RUN_ID": "4242"}
    driver = file_stack(tmp_path)
    process = release(cli, tmp_path, "--steps", "50,100", "--bake", "2m", **ci)
    wait_until(lambda: updates(tmp_path) >= 2, process)
    code, _, output = interrupt(process, (0.01, signal.SIGKILL))
    assert code in (130, -signal.SIGKILL), output

    undo = engine(cli, tmp_path, "abort", "--stack", "local", "--yes", **ci)
    undo_output, _ = undo.communicate(timeout=120)

    assert undo.returncode == 0, undo_output
    outputs = driver.outputs()
    assert outputs["weights"] == {"blue": 100, "green": 0}, undo_output
    assert outputs["release"]["live"] == "blue" and "candidate" not in outputs["release"], undo_output
    assert driver.config()["bluegreen:traffic"] == {"blue": 100, "green": 0}
    assert LOCK_TAG not in driver.tags(), undo_output


def release_step(name: str) -> str:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text())
    return next(s["run"] for s in workflow["jobs"]["release"]["steps"] if s.get("name") == name)


def workflow_step(directory: Path, text: str) -> subprocess.Popen:
    """The step's text as the runner runs it (bash -eo pipefail on a script), the engine on the file stack."""
    engine_command = f"{sys.executable} -m testkit.file_stack {directory}"
    script = directory / "step.sh"
    script.write_text(text.replace(".venv/bin/bluegreen", engine_command) + " --steps 50,100 --bake 2m --poll 0.2s\n")
    env = environment(STACK="local", IMAGE=CANDIDATE, GITHUB_ACTIONS="true", GITHUB_RUN_ID="4242")
    return subprocess.Popen(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=directory, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )


def test_the_release_step_execs_the_engine_so_the_runners_sigint_reaches_it_during_a_pause(tmp_path):
    text = release_step("Release")
    assert text.startswith("exec .venv/bin/bluegreen release "), text
    driver = file_stack(tmp_path)
    step = workflow_step(tmp_path, text)
    wait_until(lambda: updates(tmp_path) >= 2, step)
    code, seconds, output = interrupt(step)  # to the step's entry process, as the runner sends it

    print(f"release step: exit {code} {seconds:.2f}s after SIGINT")
    assert code == 130, output
    assert seconds < GRACE_SECONDS, output
    assert_left_paused(driver, (50, 50), output)
    events = [json.loads(line) for line in (tmp_path / "release-events.jsonl").read_text().splitlines()]
    assert events[-1]["type"] == "release.interrupted" and events[-1]["outcome"]["exitCode"] == 130


def test_without_exec_the_runners_sigint_stops_at_the_shell_and_never_reaches_the_engine(tmp_path):
    # Why the step execs: bash waiting for a command neither passes a SIGINT on nor dies of it (nor does
    # `uv run`, which forwards only a second one), so the engine would run on until the runner's SIGKILL.
    text = re.sub(r"^exec ", "", release_step("Release"))
    file_stack(tmp_path)
    step = workflow_step(tmp_path, text)
    try:
        wait_until(lambda: updates(tmp_path) >= 2, step)
        step.send_signal(signal.SIGINT)
        time.sleep(2)
        assert step.poll() is None, "the SIGINT reached the engine without exec"
    finally:
        os.killpg(step.pid, signal.SIGKILL)
        output, _ = step.communicate(timeout=30)
    assert "Ctrl-C" not in output, output
