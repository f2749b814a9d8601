"""LoadClients in a child process of their own, so that what the caller does meanwhile cannot delay their timing.

The clients are threads sharing one interpreter: any CPU the caller spends in that
interpreter (rendering a config, talking to HAProxy's runtime API) holds the GIL and
delays when a client thread reads the clock after its answer arrived, which shows
up as latency the router never added. Here the clients run in `python -m
testkit.lab.load_process`, the caller only starts and stops them, and the outcomes
come back as JSON on the child's stdout.

Their timestamps are `time.monotonic()` in the child. On Linux that is
CLOCK_MONOTONIC, one clock for the whole system, so they compare directly with the
caller's own `time.monotonic()` readings (the windows that classify requests).

The child stops when told to, or when its stdin closes (the caller died), and each
client keeps its own `max_requests` bound.
"""

import json
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

from testkit.lab.load import LoadClient, Outcome

ROOT = Path(__file__).resolve().parents[2]
READY = "ready"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 60.0


@dataclass(frozen=True)
class Senders:
    """One LoadClient's settings: `threads` senders, `rate` requests/s in total, persistent connections or not."""

    threads: int
    rate: float | None = None
    keep_alive: bool = False


class LoadProcess:
    """Runs one LoadClient per named `Senders` against `port` in a child process; `stop()` returns their outcomes."""

    def __init__(self, port: int, clients: dict[str, Senders]):
        self.port = port
        self.clients = clients
        self._child: subprocess.Popen[str] | None = None

    def __enter__(self) -> "LoadProcess":
        settings = json.dumps({"port": self.port, "clients": {k: asdict(v) for k, v in self.clients.items()}})
        self._child = subprocess.Popen(
            [sys.executable, "-m", "testkit.lab.load_process", settings],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        assert self._child.stdout is not None
        # The clients are sending once this line arrives: the caller's windows start after it.
        line = self._child.stdout.readline().strip()
        if line != READY:
            self._kill()
            raise RuntimeError(f"load process did not start its clients: {line!r}")
        return self

    def __exit__(self, *_: object) -> None:
        self._kill()

    def stop(self) -> dict[str, list[Outcome]]:
        """Stop every client and return each one's outcomes, by name."""
        assert self._child is not None, "stop() before the load process started"
        out, _ = self._child.communicate("stop\n", timeout=STOP_TIMEOUT)
        if self._child.returncode != 0:
            raise RuntimeError(f"load process exited {self._child.returncode}")
        return {name: [Outcome(*row) for row in rows] for name, rows in json.loads(out).items()}

    def _kill(self) -> None:
        if self._child is not None and self._child.poll() is None:
            self._child.kill()
            self._child.wait()


def serve(settings: dict, commands: IO[str], answers: IO[str]) -> None:
    """The child's side: start the clients, say READY, send until a command or EOF, answer with the outcomes."""
    clients = {
        name: LoadClient(settings["port"], **senders) for name, senders in settings["clients"].items()
    }
    for client in clients.values():
        client.__enter__()
    try:
        print(READY, file=answers, flush=True)
        commands.readline()
    finally:
        for client in clients.values():
            client.stop()
    rows = {name: [[o.started, o.ended, o.server, o.error, o.reused] for o in client.outcomes]
            for name, client in clients.items()}
    json.dump(rows, answers)
    answers.flush()


if __name__ == "__main__":
    serve(json.loads(sys.argv[1]), sys.stdin, sys.stdout)
