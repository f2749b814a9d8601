"""The hitless reload: save server state, install a new haproxy.cfg, then signal the master-worker to re-read it.

The config is a pure function of the spec, so the whole file is the one source of
truth (weights, test route, checks) and survives a container restart. A change of
weights alone skips the reload: runtime_weights.py sets them through the runtime API
and writes the same file. Everything else reloads here, and the master-worker reload
is itself hitless: the new worker inherits the listening sockets, the old one finishes
its in-flight requests (bounded by `hard-stop-after`).

A SIGUSR2 that reaches the master while it is still busy with the previous reload
can be lost, leaving the old config live while the file (and Pulumi's state) hold
the new one. So the reload reads the serving worker's PID first and, after the
signal, waits until another worker answers, signalling again if it must.

A new worker would start every server UP, sending traffic again to a replica its
checks had found DOWN. So before signalling, the reload saves the running worker's
`show servers state` next to the config, where the new worker loads it
(`server-state-file` in the rendered config).

The component (through `DockerReloader`) and the loopback traffic test (through a
reloader that signals a local process) run this same `install_and_reload`.
"""

import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from .runtime_api import RuntimeApiError, query
from .server_state import SHOW_SERVERS_STATE, ServerStateError, carried_over, checked

SHOW_INFO = "show info"
_T = TypeVar("_T")

CONTAINER_CONFIG_DIR = "/usr/local/etc/haproxy"
"""Where the official haproxy image reads its config; the host config dir is mounted here."""
CONFIG_NAME = "haproxy.cfg"
CANDIDATE_SUFFIX = ".next"
SERVER_STATE_NAME = "server-state"
"""The saved server state, next to the config (so inside the container too, through the same mount)."""
CONTAINER_ADMIN_SOCKET = "/var/lib/haproxy/admin.sock"
"""The admin-level runtime API inside the router: a Unix socket (mode 600, the image's haproxy user owns
/var/lib/haproxy), reached only through `docker exec` and the image's busybox `nc local:<path>`."""
CONTAINER_STATE_ADDRESS = "127.0.0.1:9999"
"""Read-only runtime API socket on the router container's own loopback: the stock image has no
client for a Unix socket, but its busybox `nc` speaks TCP."""
STATE_ATTEMPTS = 3
"""Tries to read server state; the socket may be between two workers for an instant."""
RESIGNAL_SECONDS = 2.0
"""Send SIGUSR2 again when no new worker answers within this (the first signal was lost)."""
CONFIRM_SECONDS = 20.0
"""Give up, loudly, when no new worker answers within this."""


class Reloader(Protocol):
    """How to check a candidate config and how to tell the running HAProxy master to reload."""

    def check(self, candidate: Path) -> None:
        """Raise ConfigRejectedError if HAProxy would refuse `candidate`."""
        ...

    def server_state(self) -> str | None:
        """The running HAProxy's `show servers state` (None when none runs); ServerStateError if unreadable."""
        ...

    def worker_pid(self) -> int | None:
        """PID of the worker answering the runtime API now (None when none answers)."""
        ...

    def signal_reload(self) -> bool:
        """Send SIGUSR2 to the master; False when no HAProxy runs yet (it reads the file at start)."""
        ...


class AdminReloader(Reloader, Protocol):
    """A reloader that can also send commands to the admin-level runtime API (to change weights in place)."""

    def admin(self, commands: str) -> str | None:
        """The answer to `commands` (`;`-separated); None when no HAProxy runs; RuntimeApiError if unreachable."""
        ...


class ConfigRejectedError(Exception):
    """HAProxy refused the candidate config; the running one stays in place."""


class ReloadNotConfirmedError(Exception):
    """The config was installed and signalled, but no new worker took over in time."""


def install_and_reload(path: Path, text: str, reloader: Reloader) -> bool:
    """Write `text` to `path` (checked first, then swapped in atomically), save server state, and reload.

    Returns whether a running HAProxy was signalled. A rejected config, or server state
    that cannot be read, leaves the live files alone and sends no signal, so the running
    router keeps serving the previous weights with what its checks know.
    """
    path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    candidate = path.with_name(path.name + CANDIDATE_SUFFIX)
    _write_readable(candidate, text)
    try:
        reloader.check(candidate)
        serving = reloader.worker_pid()
        # Read last, just before the signal, so the new worker starts from fresh state.
        state = reloader.server_state()
    except (ConfigRejectedError, ServerStateError):
        candidate.unlink(missing_ok=True)
        raise
    if state is not None:
        write_atomically(path.with_name(SERVER_STATE_NAME), carried_over(state, text))
    # rename() is atomic, so HAProxy never reads a half-written file.
    os.replace(candidate, path)
    if not reloader.signal_reload():
        return False
    if serving is not None:
        _confirm_new_worker(reloader, serving)
    return True


def _confirm_new_worker(reloader: Reloader, previous: int) -> None:
    """Wait until a worker other than `previous` answers, re-sending SIGUSR2 if one was lost."""
    started = signalled = time.monotonic()
    while True:
        try:
            pid = reloader.worker_pid()
        except ServerStateError:
            pid = None  # between two workers for longer than the retries
        if pid is not None and pid != previous:
            return
        now = time.monotonic()
        if now - started > CONFIRM_SECONDS:
            raise ReloadNotConfirmedError(
                f"HAProxy installed the new config but worker {previous} still serves after {CONFIRM_SECONDS:.0f} s"
            )
        if now - signalled > RESIGNAL_SECONDS:
            reloader.signal_reload()
            signalled = now
        time.sleep(0.05)


def _pid_of(info: str) -> int:
    """The `Pid:` line of a `show info` answer."""
    for line in info.splitlines():
        if line.startswith("Pid:"):
            return int(line.split(":", 1)[1])
    raise ServerStateError(f"no Pid in the runtime API's answer: {info[:120]!r}")


DIR_MODE = 0o755
"""The config directory, when the program creates it: the router reads it, only its owner writes."""
FILE_MODE = 0o644
"""haproxy.cfg and its server state: readable by the image's unprivileged `haproxy` user through the bind
mount, writable only by the user who runs `pulumi up`."""


def _write_readable(path: Path, text: str) -> None:
    """Write `text` at `path` without ever following a link planted there.

    The file is created in a fresh private directory (0700) next to `path` with O_NOFOLLOW and
    O_EXCL, given FILE_MODE through its descriptor, and renamed over `path`: rename replaces a
    symlink itself, so a `haproxy.cfg.next` pointing at someone's 0600 file leaves that file alone.
    """
    private = Path(tempfile.mkdtemp(prefix=".bluegreen-", dir=path.parent))
    staged = private / path.name
    try:
        fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(text)
            os.fchmod(file.fileno(), FILE_MODE)
        os.replace(staged, path)
    finally:
        staged.unlink(missing_ok=True)
        private.rmdir()


def write_atomically(path: Path, text: str) -> None:
    """Stage `text` next to `path`, then rename it over `path`: HAProxy never reads half a file."""
    staged = path.with_name(path.name + CANDIDATE_SUFFIX)
    _write_readable(staged, text)
    os.replace(staged, path)


def _read_runtime(read: Callable[[], _T]) -> _T:
    """`read()`, tried STATE_ATTEMPTS times (the socket may be between two workers for an instant)."""
    for attempt in range(STATE_ATTEMPTS):
        try:
            return read()
        except (OSError, ServerStateError) as error:
            if attempt == STATE_ATTEMPTS - 1:
                raise ServerStateError(f"could not read the router's runtime state: {error}") from error
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False)


@dataclass(frozen=True)
class LocalReloader:
    """A HAProxy process on this machine (the loopback test and benchmark)."""

    master_pid: Callable[[], int | None]
    haproxy: str = "haproxy"
    stats_socket: Path | None = None
    """The Unix runtime API socket to read server state from (None: keep no state)."""
    admin_socket: Path | None = None
    """Where admin commands go (None: the stats socket, which the rendered config opens at level admin)."""

    def check(self, candidate: Path) -> None:
        result = _run([self.haproxy, "-c", "-f", str(candidate)])
        if result.returncode != 0:
            raise ConfigRejectedError(result.stderr.strip() or result.stdout.strip())

    def server_state(self) -> str | None:
        socket_path = self.stats_socket
        if socket_path is None or self.master_pid() is None:
            return None
        return _read_runtime(lambda: checked(query(socket_path, SHOW_SERVERS_STATE)))

    def worker_pid(self) -> int | None:
        socket_path = self.stats_socket
        if socket_path is None or self.master_pid() is None:
            return None
        return _read_runtime(lambda: _pid_of(query(socket_path, SHOW_INFO)))

    def signal_reload(self) -> bool:
        pid = self.master_pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGUSR2)
        return True

    def admin(self, commands: str) -> str | None:
        socket_path = self.admin_socket or self.stats_socket
        if socket_path is None or self.master_pid() is None:
            return None
        try:
            return query(socket_path, commands)
        except OSError as error:
            raise RuntimeApiError(f"runtime API at {socket_path}: {error}") from error


@dataclass(frozen=True)
class DockerReloader:
    """The router container: check with the container's own haproxy, signal its PID 1 (the master)."""

    container: str
    docker: str = "docker"
    state_address: str = CONTAINER_STATE_ADDRESS
    admin_socket: str = CONTAINER_ADMIN_SOCKET

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

    def _nc(self, target: list[str], command: str, error: type[Exception]) -> str:
        """`command` through the container's `nc` to `target` (host and port, or `local:<socket path>`)."""
        argv = [self.docker, "exec", "-i", self.container, "nc", *target]
        try:
            result = subprocess.run(argv, input=command + "\n", capture_output=True, text=True, check=False, timeout=30)
        except subprocess.TimeoutExpired as timeout:
            raise error(f"{' '.join(argv)} did not answer within 30 s") from timeout
        if result.returncode != 0:
            # Most likely an image without `nc` (the default haproxy alpine image has busybox's).
            raise error(f"{' '.join(argv)} failed: {result.stderr.strip()}")
        return result.stdout

    def _ask(self, command: str) -> str:
        """One runtime API command through the read-only TCP socket on the container's loopback."""
        return self._nc(self.state_address.rsplit(":", 1), command, ServerStateError)

    def admin(self, commands: str) -> str | None:
        if not self._running():
            return None
        # busybox's `nc` connects to a Unix socket given as `local:<path>` (FEATURE_UNIX_LOCAL, on in Alpine's build).
        return self._nc([f"local:{self.admin_socket}"], commands, RuntimeApiError)

    def server_state(self) -> str | None:
        if not self._running():
            return None
        return _read_runtime(lambda: checked(self._ask(SHOW_SERVERS_STATE)))

    def worker_pid(self) -> int | None:
        if not self._running():
            return None
        return _read_runtime(lambda: _pid_of(self._ask(SHOW_INFO)))

    def signal_reload(self) -> bool:
        if not self._running():
            return False
        result = _run([self.docker, "kill", "--signal", "USR2", self.container])
        if result.returncode != 0:
            raise RuntimeError(f"could not signal {self.container}: {result.stderr.strip()}")
        return True
