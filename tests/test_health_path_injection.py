"""Issue 9: a health path reaches a shell (Docker and ECS `CMD-SHELL`) and haproxy.cfg.

Each case runs for real: the rendered probe command under /bin/sh against a loopback
server, and HAProxy's own check against the same kind of server.
"""

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from components.health import docker_healthcheck, ecs_container_check, probe_command
from components.spec import HealthCheck
from testkit.lab.router import LoopbackRouter, wait_until
from testkit.lab.scenario import FAST_CHECK, spec_for
from tests.loopback_http import QuietHandler, loopback_server

# Paths the validator accepts (RFC 3986 path and query characters) that mean something to a shell.
SHELL_MEANINGFUL = [
    "/health?probe=1&full=0",  # `&` once put curl in the background: the probe always passed
    "/h;true",  # `;` once ran `true` after curl
    "/it's?x=$HOME&y=$(id)",  # quotes and expansions
    "/run?cmd=(id)*!",  # subshell and glob characters
]


@contextmanager
def http_server(status_for: dict[str, int], default: int) -> Iterator[tuple[int, list[str]]]:
    """A loopback server answering `status_for[path]` (else `default`); yields its port and the paths it saw."""
    seen: list[str] = []

    class Handler(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server calls it by this name
            seen.append(self.path)
            self.reply(status_for.get(self.path, default), b"")

    with loopback_server(Handler) as server:
        yield server.server_address[1], seen


def run_probe(command: str, env: dict[str, str] | None = None) -> int:
    """The probe as Docker and ECS run `CMD-SHELL`: `/bin/sh -c <command>`."""
    return subprocess.run(["/bin/sh", "-c", command], capture_output=True, timeout=20, env=env).returncode


@pytest.fixture
def wget_only(tmp_path: Path) -> dict[str, str]:
    """An environment like a busybox image's: wget on PATH, no curl, so the probe's fallback runs."""
    wget = shutil.which("wget")
    assert wget is not None, "the traffic tests need wget (Debian's wget package)"
    (tmp_path / "wget").symlink_to(wget)
    return {"PATH": str(tmp_path)}


@pytest.mark.parametrize("path", SHELL_MEANINGFUL)
def test_the_validator_accepts_these_paths_so_quoting_must_hold(path: str) -> None:
    assert HealthCheck.model_validate({"path": path}).path == path


@pytest.mark.parametrize("path", SHELL_MEANINGFUL)
def test_probe_fails_against_a_server_answering_503(path: str) -> None:
    with http_server({}, 503) as (port, seen):
        assert run_probe(probe_command(port, path)) != 0
    assert seen and set(seen) == {path}


@pytest.mark.parametrize("path", SHELL_MEANINGFUL)
def test_probe_passes_only_when_the_exact_path_answers(path: str) -> None:
    with http_server({path: 200}, 404) as (port, seen):
        assert run_probe(probe_command(port, path)) == 0
    assert seen == [path]


@pytest.mark.parametrize("path", SHELL_MEANINGFUL)
def test_the_wget_fallback_is_quoted_too(path: str, wget_only: dict[str, str]) -> None:
    with http_server({}, 503) as (port, _):
        assert run_probe(probe_command(port, path), wget_only) != 0
    with http_server({path: 200}, 404) as (port, seen):
        assert run_probe(probe_command(port, path), wget_only) == 0
    assert seen == [path]


def test_docker_and_ecs_checks_carry_the_quoted_command() -> None:
    check = HealthCheck.model_validate({"path": "/health?probe=1&full=0"})
    expected = probe_command(8080, check.path)
    assert "'http://127.0.0.1:8080/health?probe=1&full=0'" in expected
    assert docker_healthcheck(check, 8080)["tests"] == ["CMD-SHELL", expected]
    assert ecs_container_check(check, 8080)["command"] == ["CMD-SHELL", expected]


@pytest.mark.traffic
@pytest.mark.parametrize("path", ["/health?probe=1&full=0", "/it's?x=$HOME", "/h;true"])
def test_haproxy_checks_the_exact_path(path: str) -> None:
    check = FAST_CHECK.model_copy(update={"path": path})
    with http_server({path: 200}, 503) as (port, seen):
        router = LoopbackRouter({"blue": [port]}, check)
        try:
            router.start(spec_for(100, 0))
            # Two checks answered 200 on the exact path (rise 2): the server is UP because of them.
            wait_until(
                lambda: seen.count(path) >= 2 and _status(router) == "UP", 15, f"HAProxy to check {path!r}"
            )
        finally:
            router.close()
    assert set(seen) == {path}


def _status(router: LoopbackRouter) -> str:
    rows = [r for r in router.server_stats() if r["pxname"] == "production" and r["svname"] == "blue-0"]
    return rows[0]["status"] if rows else ""
