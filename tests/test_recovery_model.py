"""A model-based test of recovery: real processes on one file-backed stack, then the recovery commands.

Actors: the release engine; a colleague writing config (an image nobody verified, or
replicas); a second engine; SIGINT, SIGTERM, two SIGINTs or SIGKILL at a drawn phase
of the release (counted in completed updates, optionally in the middle of an update,
which takes a while here); a lost CI runner (SIGKILL, and the stack file reverted to
its committed copy while the backend keeps its outputs and tags). Then `rollback`,
`resume` or `abort`, and finally `rollback`, each a real `bluegreen` process
(testkit/file_stack.py). After every recovery command:

- production weight rests only on images that pass their gates, or on the recorded live image;
- a command that succeeded leaves config equal to what is deployed, summing to 100;
- no lock is held by a dead process unless the takeover command was printed;
- the exit code is one documented in bluegreen/exit_codes.py, with its meaning.

Each scenario is a seed. CI runs a few (each is about four processes); set
BLUEGREEN_MODEL_RUNS=200 for an extended run.
"""

import json
import os
import random
import re
import shlex
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rollout_support import docker_config

from bluegreen.exit_codes import ExitCode
from bluegreen.stack_lock import LOCK_TAG, LockInfo, holder_state
from testkit.file_stack import LATER_IMPORTS, UP_SECONDS, FileStackDriver
from testkit.fork_server import ForkedProcess, ForkServer

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BLUEGREEN_MODEL_RUNS", "0"))
"""Extra random scenarios beyond the three CI always runs."""
DOCUMENTED = {int(code) for code in ExitCode}
DURING = ["nothing", "sigint", "sigterm", "sigint_twice", "sigkill", "lost_runner", "colleague_image",
          "colleague_replicas", "second_engine"]
UNVERIFIED = "repo/web:6.6.6"


@pytest.fixture(scope="module")
def cli() -> Iterator[ForkServer]:
    """`python -m testkit.file_stack` processes forked from one that imported the CLI once (testkit/fork_server.py):
    each engine and recovery command is a real process of its own, spared the ~0.45 CPU-s of imports."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("GITHUB_ACTIONS", None)
    with ForkServer("testkit.file_stack", ROOT, env, LATER_IMPORTS) as server:
        yield server


class Stack:
    def __init__(self, cli: ForkServer, directory: Path, rng: random.Random):
        self.cli = cli
        self.dir = directory
        self.driver = FileStackDriver(directory)
        config = {**docker_config(), "bluegreen:release": {"live": "blue", "liveImage": "repo/web:1.4.2"}}
        self.driver._write("config.json", config)
        self.driver.up(lambda line: None)
        self.committed = self.driver.config()
        # The candidate passes its gates, or does not; a colleague's image never does.
        self.healthy = {"repo/web:1.4.2"} | ({"repo/web:1.5.0"} if rng.random() < 0.7 else set())
        (directory / "healthy.json").write_text(json.dumps(sorted(self.healthy)))
        self.env = {**os.environ, UP_SECONDS: rng.choice(["0", "0.4"]), "PYTHONPATH": str(ROOT)}
        self.env.pop("GITHUB_ACTIONS", None)

    def start(self, *args: str) -> ForkedProcess:
        # In a session of its own: signals go to the engine alone, as a test sends them.
        return self.cli.popen([str(self.dir), *args], cwd=ROOT, env=self.env, start_new_session=True)

    def run(self, *args: str) -> tuple[int, str]:
        process = self.start(*args)
        output, _ = process.communicate(timeout=120)
        return process.returncode, output

    def updates(self) -> int:
        try:
            return len((self.dir / "history.jsonl").read_text().splitlines()) - 1
        except FileNotFoundError:
            return 0


def release_args(image: str, rng: random.Random) -> list[str]:
    mode = rng.choice(["rollback", "pause"])
    return ["release", "-s", "local", "-i", image, "--steps", "10,50,100", "--bake", "0.3s", "--poll", "0.1s",
            "--wait-timeout", "1s", "--on-interrupt", mode]


def wait_for(condition, process: ForkedProcess, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end and process.poll() is None and not condition():
        time.sleep(0.02)


def check_invariants(stack: Stack, code: int, output: str, command: str) -> None:
    assert code in DOCUMENTED, f"{command}: exit {code} is not documented\n{output}"
    outputs = stack.driver.outputs()
    deployed, images = outputs["weights"], outputs["images"]
    record = outputs.get("release") or {}
    for color in ("blue", "green"):
        if deployed[color] > 0:
            image = images[color]
            assert image in stack.healthy or image == record.get("liveImage"), (
                f"{command}: {deployed[color]}% on {color} runs {image}, which passed no gate\n{output}"
            )
            assert image != UNVERIFIED, f"{command}: production reached the colleague's image\n{output}"
    lock = stack.driver.tags().get(LOCK_TAG)
    if lock is not None:
        held = LockInfo.parse(lock)
        if holder_state(held) == "gone":
            assert "take over with: " in output, f"{command}: a dead process's lock, no command printed\n{output}"
    if code == 0 and command.split()[0] in ("rollback", "abort", "resume"):
        config = stack.driver.config()["bluegreen:traffic"]
        assert config["blue"] + config["green"] == 100
        assert (config["blue"], config["green"]) == (deployed["blue"], deployed["green"]), output
        assert lock is None, f"{command}: exited 0 and left a lock\n{output}"
        if command.split()[0] != "resume":
            assert deployed[record["live"]] == 100 and "candidate" not in record, output


def recover(stack: Stack, command: list[str]) -> tuple[int, str]:
    """Run a recovery command; when a dead holder's lock refuses it, run the takeover command it printed."""
    code, output = stack.run(*command)
    check_invariants(stack, code, output, " ".join(command))
    printed = re.search(r"take over with: bluegreen (.+?)(?: \(|$)", output, re.MULTILINE)
    if code == ExitCode.REFUSED and printed:
        takeover = shlex.split(printed.group(1))
        code, output = stack.run(*takeover)
        check_invariants(stack, code, output, " ".join(takeover))
    return code, output


def scenario(cli: ForkServer, seed: int, directory: Path, during: str | None = None) -> None:
    rng = random.Random(seed)
    stack = Stack(cli, directory, rng)
    during, at = during or rng.choice(DURING), rng.randint(0, 4)
    engine = stack.start(*release_args("repo/web:1.5.0", rng))
    wait_for(lambda: stack.updates() >= at, engine)
    time.sleep(rng.choice([0, 0.1, 0.25]))  # between updates, or inside one
    second = None
    if during in ("sigint", "sigterm"):
        engine.send_signal(signal.SIGINT if during == "sigint" else signal.SIGTERM)
    elif during == "sigint_twice":
        engine.send_signal(signal.SIGINT)
        time.sleep(0.05)
        engine.send_signal(signal.SIGINT)
    elif during in ("sigkill", "lost_runner"):
        engine.kill()
    elif during == "colleague_image":
        stack.driver.set_config_paths({"bluegreen:green.image": UNVERIFIED})
    elif during == "colleague_replicas":
        stack.driver.set_config_paths({"bluegreen:blue.replicas": 3})
    elif during == "second_engine":
        second = stack.start(*release_args("repo/web:1.6.0", rng))
    output, _ = engine.communicate(timeout=120)
    if during == "lost_runner":
        stack.driver._write("config.json", stack.committed)  # the runner's stack file is gone with it
    if engine.returncode >= 0:
        assert engine.returncode in DOCUMENTED, output
        lock = stack.driver.tags().get(LOCK_TAG)
        assert lock is None or LockInfo.parse(lock).pid != engine.pid, f"the engine left its lock\n{output}"
    if second is not None:
        second.communicate(timeout=120)

    first = rng.choice(["rollback", "resume", "abort"])
    extra = ["--steps", "10,50,100", "--bake", "0.3s"] if first == "resume" else []
    recover(stack, [first, "-s", "local", "--poll", "0.1s", "--wait-timeout", "1s", *extra])
    code, output = recover(stack, ["rollback", "-s", "local", "--poll", "0.1s", "--wait-timeout", "1s"])
    assert code in (ExitCode.DONE, ExitCode.FAILED), output
    if code == ExitCode.DONE:
        assert stack.driver.tags().get(LOCK_TAG) is None


@pytest.mark.parametrize("during", ["lost_runner", "colleague_image", "sigint_twice"])
def test_the_riskiest_actors_never_put_production_on_an_unverified_image(cli, during, tmp_path):
    scenario(cli, DURING.index(during), tmp_path, during)


if RUNS:  # the extended run: BLUEGREEN_MODEL_RUNS=200 .venv/bin/pytest tests/test_recovery_model.py

    @pytest.mark.parametrize("seed", range(100, 100 + RUNS))
    def test_no_sequence_of_actors_signals_and_recovery_commands_puts_production_on_an_unverified_image(
        cli, seed, tmp_path
    ):
        scenario(cli, seed, tmp_path)
