"""The reload mechanism the component runs: checked install, saved server state, atomic swap, SIGUSR2.

The docker CLI is replaced by a script on PATH that records its arguments, so the
exact commands the dynamic provider would run are asserted without a Docker engine.
(tests/test_traffic_haproxy.py runs the same commands against a real HAProxy.)
"""

import base64
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import dill
import pytest
from pulumi.dynamic.dynamic import serialize_provider

from components.docker.config_resource import _HaproxyConfigProvider
from components.docker.reload import (
    ConfigRejectedError,
    DockerReloader,
    LocalReloader,
    ReloadNotConfirmedError,
    install_and_reload,
)
from components.docker.server_state import ServerStateError

GOOD = "global\n    master-worker\nbackend production\n    server green-0 127.0.0.1:80 check\ndefaults\n    mode http\n"
BAD = "global\n    no-such-keyword\n"
PROJECT_DIR = Path(__file__).resolve().parent.parent
STATE = (
    "1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight "
    "srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state "
    "srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl "
    "srv_check_port srv_check_addr srv_agent_addr srv_agent_port\n"
    "3 production 1 green-0 127.0.0.1 0 0 1 1 6 17 2 0 6 0 0 0 - 80 - 0 0 - - 0\n\n"
)


def fake_docker(tmp_path: Path, running: bool = True, check_ok: bool = True, state: str = STATE) -> Path:
    """A `docker` that logs each call as JSON and answers inspect/exec like the engine would."""
    log = tmp_path / "docker-calls.jsonl"
    script = tmp_path / "bin" / "docker"
    script.parent.mkdir()
    script.write_text(
        f"""#!{sys.executable}
import json, sys
with open({str(log)!r}, "a") as f:
    f.write(json.dumps(sys.argv[1:]) + "\\n")
if sys.argv[1] == "inspect":
    print({"true" if running else "false"!r})
if sys.argv[1:3] == ["exec", "-i"]:
    # the container's `nc` on the read-only state socket: one command in, its answer out
    command = sys.stdin.read()
    with open({str(log)!r}, "a") as f:
        f.write(json.dumps(["stdin", command]) + "\\n")
    if command == "show info\\n":
        # a new worker (PID) after each reload signal
        with open({str(log)!r}) as f:
            print("Pid:", 100 + f.read().count('"USR2"'))
        sys.exit(0)
    assert command == "show servers state\\n"
    sys.stdout.write({state!r})
    sys.exit(0 if {state!r} else 1)
if sys.argv[1] == "exec" and not {check_ok!r}:
    print("[ALERT] parsing error", file=sys.stderr)
    sys.exit(1)
"""
    )
    script.chmod(0o755)
    return log


def calls(log: Path) -> list[list[str]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


@pytest.fixture
def docker_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    return tmp_path


def test_a_running_router_gets_the_config_checked_its_state_saved_then_swapped_then_usr2(
    docker_on_path: Path,
) -> None:
    log = fake_docker(docker_on_path)
    path = docker_on_path / "cfg" / "haproxy.cfg"
    assert install_and_reload(path, GOOD, DockerReloader("web-haproxy")) is True
    assert path.read_text() == GOOD
    assert oct(path.stat().st_mode & 0o777) == "0o644"
    assert not path.with_name("haproxy.cfg.next").exists()
    # Next to the config, so the container reads it through the same mount, readable by its haproxy user.
    state = path.with_name("server-state")
    assert state.read_text() == STATE
    assert oct(state.stat().st_mode & 0o777) == "0o644"
    commands = [c for c in calls(log) if c[0] != "inspect"]
    nc = ["exec", "-i", "web-haproxy", "nc", "127.0.0.1", "9999"]
    assert commands == [
        ["exec", "web-haproxy", "haproxy", "-c", "-f", "/usr/local/etc/haproxy/haproxy.cfg.next"],
        nc, ["stdin", "show info\n"],  # the worker serving now
        nc, ["stdin", "show servers state\n"],
        ["kill", "--signal", "USR2", "web-haproxy"],
        nc, ["stdin", "show info\n"],  # another worker serves: the reload took
    ]


@pytest.mark.parametrize("answer", ["", "Unknown command\n", STATE[:200]])
def test_unreadable_server_state_stops_the_reload_before_anything_changes(docker_on_path: Path, answer: str) -> None:
    # An image without `nc`, a foreign answer or a cut one: reloading would forget which replicas are DOWN.
    log = fake_docker(docker_on_path, state=answer)
    path = docker_on_path / "haproxy.cfg"
    path.write_text(GOOD)
    with pytest.raises(ServerStateError, match="could not read the router's runtime state"):
        install_and_reload(path, GOOD + "# new weights\n", DockerReloader("web-haproxy"))
    assert path.read_text() == GOOD
    assert not path.with_name("haproxy.cfg.next").exists()
    assert not path.with_name("server-state").exists()
    assert not any(c[0] == "kill" for c in calls(log))


def test_before_the_router_exists_the_file_is_written_and_nothing_is_signalled(docker_on_path: Path) -> None:
    log = fake_docker(docker_on_path, running=False)
    path = docker_on_path / "haproxy.cfg"
    assert install_and_reload(path, GOOD, DockerReloader("web-haproxy")) is False
    assert path.read_text() == GOOD
    assert all(c[0] == "inspect" for c in calls(log))


def test_a_rejected_config_leaves_the_live_one_and_sends_no_signal(docker_on_path: Path) -> None:
    log = fake_docker(docker_on_path, check_ok=False)
    path = docker_on_path / "haproxy.cfg"
    path.write_text(GOOD)
    with pytest.raises(ConfigRejectedError, match="parsing error"):
        install_and_reload(path, BAD, DockerReloader("web-haproxy"))
    assert path.read_text() == GOOD
    assert not any(c[0] == "kill" for c in calls(log))


def test_the_local_reloader_checks_with_real_haproxy_then_signals_usr2(tmp_path: Path) -> None:
    # A stand-in master: `sleep` dies of an unhandled SIGUSR2, which proves the signal sent.
    master = subprocess.Popen(["sleep", "30"])
    reloader = LocalReloader(master_pid=lambda: master.pid)
    path = tmp_path / "haproxy.cfg"
    path.write_text(GOOD)
    try:
        with pytest.raises(ConfigRejectedError, match="no-such-keyword"):
            install_and_reload(path, BAD, reloader)
        assert path.read_text() == GOOD
        assert master.poll() is None
        assert install_and_reload(path, GOOD + "    timeout client 5s\n", reloader) is True
        assert master.wait(timeout=5) == -signal.SIGUSR2
        assert path.read_text().endswith("timeout client 5s\n")
    finally:
        master.kill()


def test_the_provider_diff_reloads_in_place_and_replaces_only_on_a_new_path() -> None:
    provider = _HaproxyConfigProvider()
    old = {"configPath": "/a/haproxy.cfg", "config": GOOD, "container": "web-haproxy"}
    assert provider.diff("id", old, {**old, "config": GOOD + "#"}).replaces == []
    assert provider.diff("id", old, {**old, "config": GOOD + "#"}).changes is True
    assert provider.diff("id", old, {**old, "configPath": "/b/haproxy.cfg"}).replaces == ["configPath"]
    assert provider.diff("id", old, dict(old)).changes is False


def test_the_serialized_provider_runs_in_a_fresh_process_like_the_engines_provider_host(
    docker_on_path: Path, private_tmp: Path
) -> None:
    # The engine's dynamic-provider host unpickles `__provider` in a new Python process
    # started in the project directory; do the same and run create() for real.
    log = fake_docker(docker_on_path)
    path = private_tmp / "state" / "haproxy.cfg"
    blob = serialize_provider(_HaproxyConfigProvider())
    program = (
        "import base64, dill, sys\n"
        "provider = dill.loads(base64.b64decode(sys.argv[1]))\n"
        "result = provider.create({'configPath': sys.argv[2], 'config': 'x', 'container': 'web-haproxy'})\n"
        "print(result.id)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program, blob, str(path)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": ""},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(path)
    assert path.read_text() == "x"
    assert ["kill", "--signal", "USR2", "web-haproxy"] in calls(log)
    assert dill.loads(base64.b64decode(blob)).__class__.__name__ == "_HaproxyConfigProvider"


@dataclass
class LosingMaster:
    """A reloader whose master ignores the first `lost` signals, as HAProxy does with one sent mid-reload."""

    lost: int
    signals: int = 0

    def check(self, candidate: Path) -> None:
        pass

    def server_state(self) -> str | None:
        return None

    def worker_pid(self) -> int | None:
        return 100 + max(0, self.signals - self.lost)

    def signal_reload(self) -> bool:
        self.signals += 1
        return True


def test_a_lost_reload_signal_is_sent_again_until_a_new_worker_serves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("components.docker.reload.RESIGNAL_SECONDS", 0.1)
    master = LosingMaster(lost=2)
    assert install_and_reload(tmp_path / "haproxy.cfg", GOOD, master) is True
    assert master.signals == 3


def test_a_reload_no_worker_takes_over_fails_loudly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("components.docker.reload.RESIGNAL_SECONDS", 0.1)
    monkeypatch.setattr("components.docker.reload.CONFIRM_SECONDS", 0.5)
    with pytest.raises(ReloadNotConfirmedError, match="worker 100 still serves"):
        install_and_reload(tmp_path / "haproxy.cfg", GOOD, LosingMaster(lost=1000))
