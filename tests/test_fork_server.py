"""A process forked from the fork server (testkit/fork_server.py) starts and ends as `python -m` does.

Each case runs `python -m tests.fork_probe` both ways and compares what the test sees: the exit code
(negative for the signal that ended it), the output, the arguments, working directory, environment and
session the child was started with.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from testkit.fork_server import ForkedProcess, ForkServer

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
"""The server's environment and every request's: a child has the interpreter start-up variables of its server."""


@pytest.fixture(scope="module")
def server() -> Iterator[ForkServer]:
    with ForkServer("tests.fork_probe", ROOT, ENV) as running:
        yield running


def cold(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.fork_probe", *args], cwd=cwd, env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )


def started(directory: Path, process: subprocess.Popen | ForkedProcess) -> None:
    """Wait until the probe runs (it writes `started`), so a signal finds it past its start-up."""
    end = time.monotonic() + 30
    while not (directory / "started").exists():
        assert process.poll() is None, f"the probe ended before it ran: {process.communicate()}"
        assert time.monotonic() < end, "the probe never said it runs"
        time.sleep(0.02)
    (directory / "started").unlink()


def ended(process: subprocess.Popen | ForkedProcess) -> tuple[int, dict, list[str]]:
    output, _ = process.communicate(timeout=30)
    first, *rest = output.splitlines()
    return process.returncode, json.loads(first), [line for line in rest if line.strip()]


@pytest.mark.parametrize(("args", "code"), [(["exit", "3"], 3), (["exit", "0"], 0), (["raise"], 1)])
def test_a_forked_child_exits_prints_and_sees_what_a_cold_start_does(server, tmp_path, args, code):
    env = {**os.environ, "PROBE": "set for this child"}

    forked = ended(server.popen(args, cwd=tmp_path, env={**ENV, **env}, start_new_session=True))
    fresh = ended(cold(args, tmp_path, env))

    assert forked[0] == fresh[0] == code
    assert forked[1] == fresh[1] == {"argv": args, "cwd": str(tmp_path), "probe": "set for this child", "leader": True}
    assert forked[2][0] == fresh[2][0] == "on stderr"
    assert forked[2][-1] == fresh[2][-1] == ("RuntimeError: the probe failed" if code == 1 else "on stderr")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_a_signal_ends_a_forked_child_as_it_ends_a_cold_one(server, tmp_path, signum):
    results = []
    starts = (lambda: server.popen(["wait"], cwd=tmp_path, env=ENV), lambda: cold(["wait"], tmp_path, {}))
    for start in starts:  # one after the other: each says it runs by the same file
        process = start()
        started(tmp_path, process)
        process.send_signal(signum)
        code, _, rest = ended(process)
        results.append((code, rest[-1]))

    assert results[0] == results[1]
    assert results[0][0] == (-signal.SIGINT if signum == signal.SIGINT else -signum)
    # The probe's last line: Python's KeyboardInterrupt traceback, else nothing after what it printed first.
    assert results[0][1] == ("KeyboardInterrupt" if signum == signal.SIGINT else "on stderr")


def test_wait_times_out_on_a_running_child_and_children_end_independently(server, tmp_path):
    waiting = server.popen(["wait"], cwd=tmp_path, env=ENV)
    quick = server.popen(["exit", "5"], cwd=tmp_path, env=ENV)

    with pytest.raises(subprocess.TimeoutExpired):
        waiting.wait(timeout=0.2)
    assert quick.wait(timeout=30) == 5
    assert waiting.poll() is None
    waiting.kill()
    assert waiting.wait(timeout=30) == -signal.SIGKILL


def test_a_request_with_other_interpreter_start_up_variables_is_refused_naming_them(server, tmp_path):
    # A cold start with PYTHONUNBUFFERED set prints in order; a child of a server without it, stderr first.
    flipped = "" if ENV.get("PYTHONUNBUFFERED") else "1"

    shown = f"PYTHONUNBUFFERED={flipped!r} (server: {ENV.get('PYTHONUNBUFFERED')!r})"
    with pytest.raises(ValueError, match=re.escape(shown) + ".*reads these as it starts") as refused:
        server.popen(["exit", "0"], cwd=tmp_path, env={**ENV, "PYTHONUNBUFFERED": flipped})
    with pytest.raises(ValueError, match=r"PYTHONPATH='/elsewhere'"):
        server.popen(["exit", "0"], cwd=tmp_path, env={**ENV, "PYTHONPATH": "/elsewhere"})
    assert "PROBE" not in str(refused.value)
    other = {**ENV, "PROBE": "any other variable is the child's"}
    assert server.popen(["exit", "4"], cwd=tmp_path, env=other).wait(30) == 4
