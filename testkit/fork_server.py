"""Real processes of `python -m MODULE ARGS...`, forked from one process that imported MODULE once.

A test that interrupts or SIGKILLs the CLI needs a real process: its own pid, its own signal handlers,
its own exit status. It does not need every such process to import Pulumi, the config model and the CLI
again, which is most of what one costs: of the ~0.7 CPU-s of a `python -m testkit.file_stack` release,
~0.45 is imports. `ForkServer` starts `python -m testkit.fork_server SOCKET MODULE` once; the server
imports MODULE and what it imports (nothing runs as `__main__`), then forks a child per request. The child
takes the request's arguments, environment, working directory, session (`start_new_session`) and
stdout/stderr, and runs MODULE as `__main__` with `runpy`, as `python -m` does, at the top level of the
server's script: an exception, `sys.exit` or a signal ends it exactly as it ends `python -m`. Its exit
status comes back to the test as `subprocess.Popen.returncode` does (negative: the signal that ended it).

What differs from a cold start: the imports ran before the request, in the server's environment (the
test's own; the modules read the environment when they run, not when they are imported), and `sys.path`
is the server's (started in the same directory, with the same PYTHONPATH). Tests that exec the CLI the
way a CI step does (bash, `exec`) still start it cold.
"""

import contextlib
import importlib
import json
import os
import runpy
import selectors
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

READY = "ready"
START_TIMEOUT_SECONDS = 60.0
STARTUP_VARIABLES = ("PYTHON", "LC_ALL", "LC_CTYPE", "LANG")
"""Prefixes of what the interpreter reads once, as it starts (stdout buffering, stdio encodings, `sys.path`,
hash seed, warnings): a forked child has the server's, whatever its request's environment says."""


def _reported(control: socket.socket, what: str) -> int:
    message = control.recv(64)
    if not message:
        raise RuntimeError(f"the fork server ended before it reported {what}")
    return int(message)


class ForkedProcess:
    """The `subprocess.Popen` surface the tests use, for a child of the fork server (stdout and stderr in one)."""

    def __init__(self, control: socket.socket, stdout: IO[str], args: list[str]):
        self.args = args
        self._control = control
        self.pid = _reported(control, "a pid")
        self.returncode: int | None = None
        self.stdout = stdout
        self._output: list[str] = []
        # Read as it comes, as a pipe must be: a child that prints a lot never blocks on it.
        self._reader = threading.Thread(target=lambda: self._output.append(stdout.read()), daemon=True)
        self._reader.start()

    def _collect(self, timeout: float | None) -> bool:
        if self.returncode is None:
            ready = selectors.DefaultSelector()
            ready.register(self._control, selectors.EVENT_READ)
            if ready.select(timeout):
                self.returncode = _reported(self._control, "the exit status")
                self._control.close()
            ready.close()
        return self.returncode is not None

    def poll(self) -> int | None:
        self._collect(0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if not self._collect(timeout):
            raise subprocess.TimeoutExpired(self.args, timeout or 0)
        assert self.returncode is not None
        return self.returncode

    def communicate(self, timeout: float | None = None) -> tuple[str, None]:
        """Everything the child (and whatever inherited its stdout) printed, once it has ended."""
        self._reader.join(timeout)
        if self._reader.is_alive():
            raise subprocess.TimeoutExpired(self.args, timeout or 0)
        self.wait(timeout)
        self.stdout.close()
        return "".join(self._output), None

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:  # never a pid the server has reaped (and the system may have reused)
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(9)

    def terminate(self) -> None:
        self.send_signal(15)


class ForkServer:
    """One server for `python -m module`; use as a context manager, then `popen` as often as needed."""

    def __init__(self, module: str, cwd: Path, env: Mapping[str, str], imports: Sequence[str] = ()):
        self.module = module
        self.imports = list(imports)
        """Modules the child would import later (lazily): the server imports them too, before any fork."""
        self.cwd = Path(cwd)
        self.env = dict(env)
        self._dir: Path | None = None
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> "ForkServer":
        self._dir = Path(tempfile.mkdtemp(prefix="fork-server-"))
        log = (self._dir / "server.log").open("w")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "testkit.fork_server", str(self._socket), self.module, *self.imports],
            cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log, text=True,
        )
        log.close()
        stdout = self._process.stdout
        assert stdout is not None
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(START_TIMEOUT_SECONDS)
        if not line or line[0].strip() != READY:
            self.__exit__()
            raise RuntimeError(f"the fork server for {self.module} did not start:\n{self._log()}")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            self._process.kill()  # its children live on: each is a process of its own, reaped by init
            self._process.wait()
            if self._process.stdout is not None:
                self._process.stdout.close()
            self._process = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)

    @property
    def _socket(self) -> Path:
        assert self._dir is not None, "use the server as a context manager"
        return self._dir / "server.sock"

    def _log(self) -> str:
        path = self._dir / "server.log" if self._dir else None
        return path.read_text() if path and path.exists() else ""

    def popen(
        self, args: Sequence[str], cwd: Path, env: Mapping[str, str], start_new_session: bool = False
    ) -> ForkedProcess:
        """`python -m module *args` as a fresh child: stdout and stderr to one text pipe (`stderr=STDOUT`).

        Raises ValueError for an `env` whose interpreter start-up variables differ from the server's: with
        `PYTHONUNBUFFERED` unset, say, a cold start prints stderr's lines before stdout's, a child of a
        server started with it set prints them in order; the test would check an order no cold start has.
        """
        differing = sorted(
            name for name in {*env, *self.env}
            if name.startswith(STARTUP_VARIABLES) and env.get(name) != self.env.get(name)
        )
        if differing:
            shown = ", ".join(f"{name}={env.get(name)!r} (server: {self.env.get(name)!r})" for name in differing)
            raise ValueError(
                f"the fork server for {self.module} cannot give a child {shown}: the interpreter reads these as it"
                " starts; start a ForkServer with them"
            )
        control = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        control.connect(str(self._socket))
        read, write = os.pipe()
        request = {"args": list(args), "cwd": str(cwd), "env": dict(env), "new_session": start_new_session}
        try:
            socket.send_fds(control, [json.dumps(request).encode()], [write])
        finally:
            os.close(write)  # the child holds the only write end: EOF once it and its own children are gone
        return ForkedProcess(control, open(read), [sys.executable, "-m", self.module, *args])


# -- the server ------------------------------------------------------------------------------------


def serve(path: str) -> tuple[dict[str, Any], int]:
    """Fork a child per request, report each child's exit; returns only in a child: its request and stdout."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(path)
    listener.listen()
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    running: dict[int, tuple[int, socket.socket]] = {}
    """Each child's pidfd: its pid and the connection its exit is reported on."""
    print(READY, flush=True)
    while True:
        for key, _ in selector.select():
            if key.fileobj is listener:
                control, _ = listener.accept()
                message, fds, _, _ = socket.recv_fds(control, 1 << 20, 1)
                pid = os.fork()
                if pid == 0:
                    # The child keeps nothing of the server's but its imports: no socket, no pidfd.
                    for pidfd, (_, other) in running.items():
                        other.close()
                        os.close(pidfd)
                    selector.close()
                    listener.close()
                    control.close()
                    return json.loads(message), fds[0]
                os.close(fds[0])
                control.send(str(pid).encode())
                pidfd = os.pidfd_open(pid)
                running[pidfd] = (pid, control)
                selector.register(pidfd, selectors.EVENT_READ)
            else:
                pid, control = running.pop(key.fd)
                selector.unregister(key.fd)
                os.close(key.fd)
                _, status = os.waitpid(pid, 0)
                with contextlib.suppress(OSError):  # the test may have stopped listening
                    control.send(str(os.waitstatus_to_exitcode(status)).encode())
                control.close()


def become(module: str, request: dict[str, Any], stdout: int) -> None:
    """Turn this fresh child into `python -m module *args` as the request started it."""
    if request["new_session"]:
        os.setsid()
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(stdout, 1)
    os.dup2(stdout, 2)
    os.close(stdout)
    sys.argv = [module, *request["args"]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    _socket_path, _module, *_imports = sys.argv[1:]
    for _name in (_module, *_imports):
        importlib.import_module(_name)
    # Its imports stay; the module itself runs afresh in each child, as `python -m` runs it (and runpy warns
    # of a module run as `__main__` after an import of it).
    del sys.modules[_module]
    _request, _stdout = serve(_socket_path)
    # Here, at the top level, only in a child: it ends as `python -m` ends (exit code, traceback or signal).
    become(_module, _request, _stdout)
