"""The hitless reload: install a new haproxy.cfg, then signal the master-worker HAProxy to re-read it.

Why a reload and not the runtime API (`set weight`): the config is a pure function of
the spec, so writing the whole file keeps one source of truth (weights, test route,
checks) that survives a container restart, and the master-worker reload is itself
hitless: the new worker inherits the listening sockets, the old one finishes its
in-flight requests (bounded by `hard-stop-after`). Runtime-API changes would be lost
on restart and cover weights only.

The component (through `DockerReloader`) and the loopback traffic test (through a
reloader that signals a local process) run this same `install_and_reload`.
"""

import os
import signal
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

CONTAINER_CONFIG_DIR = "/usr/local/etc/haproxy"
"""Where the official haproxy image reads its config; the host config dir is mounted here."""
CONFIG_NAME = "haproxy.cfg"
CANDIDATE_SUFFIX = ".next"


class Reloader(Protocol):
    """How to check a candidate config and how to tell the running HAProxy master to reload."""

    def check(self, candidate: Path) -> None:
        """Raise ConfigRejectedError if HAProxy would refuse `candidate`."""
        ...

    def signal_reload(self) -> bool:
        """Send SIGUSR2 to the master; False when no HAProxy runs yet (it reads the file at start)."""
        ...


class ConfigRejectedError(Exception):
    """HAProxy refused the candidate config; the running one stays in place."""


def install_and_reload(path: Path, text: str, reloader: Reloader) -> bool:
    """Write `text` to `path` (checked first, then swapped in atomically) and reload.

    Returns whether a running HAProxy was signalled. A rejected config never replaces
    the live file, so the running router keeps serving the previous weights.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    candidate = path.with_name(path.name + CANDIDATE_SUFFIX)
    candidate.write_text(text)
    # Readable by the image's unprivileged `haproxy` user through the bind mount.
    candidate.chmod(0o644)
    try:
        reloader.check(candidate)
    except ConfigRejectedError:
        candidate.unlink(missing_ok=True)
        raise
    # rename() is atomic, so HAProxy never reads a half-written file.
    os.replace(candidate, path)
    return reloader.signal_reload()


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False)


@dataclass(frozen=True)
class LocalReloader:
    """A HAProxy process on this machine (the loopback test and benchmark)."""

    master_pid: Callable[[], int | None]
    haproxy: str = "haproxy"

    def check(self, candidate: Path) -> None:
        result = _run([self.haproxy, "-c", "-f", str(candidate)])
        if result.returncode != 0:
            raise ConfigRejectedError(result.stderr.strip() or result.stdout.strip())

    def signal_reload(self) -> bool:
        pid = self.master_pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGUSR2)
        return True


@dataclass(frozen=True)
class DockerReloader:
    """The router container: check with the container's own haproxy, signal its PID 1 (the master)."""

    container: str
    docker: str = "docker"

    def _running(self) -> bool:
        result = _run([self.docker, "inspect", "--format", "{{.State.Running}}", self.container])
        return result.returncode == 0 and result.stdout.strip() == "true"

    def check(self, candidate: Path) -> None:
        if not self._running():
            return  # first deploy: the container validates the file when it starts
        inside = f"{CONTAINER_CONFIG_DIR}/{candidate.name}"
        result = _run([self.docker, "exec", self.container, "haproxy", "-c", "-f", inside])
        if result.returncode != 0:
            raise ConfigRejectedError(result.stderr.strip() or result.stdout.strip())

    def signal_reload(self) -> bool:
        if not self._running():
            return False
        result = _run([self.docker, "kill", "--signal", "USR2", self.container])
        if result.returncode != 0:
            raise RuntimeError(f"could not signal {self.container}: {result.stderr.strip()}")
        return True
