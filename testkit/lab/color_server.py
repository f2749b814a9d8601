"""A tiny HTTP server standing in for one replica: `/` answers its color and name, `/health` answers 200.

Run as `python -m testkit.lab.color_server <color> <name> [<status> [<faults json>]]`; it binds
127.0.0.1 on a free port and prints the port on its first line, so the parent knows
where it is. A status other than 200 makes a broken replica that answers it to every
path, health included. `/sleep/<seconds>` answers like `/`, that many seconds later
(a long request, to see what a reload does to one).

A bad release for the analysis tests and benchmarks is a `Faults` on `/` only (`/health`
stays 200 and fast): `Faults(error_every=20, delay_ms=50)` answers every 20th request with a
500 (5%) and every one after 50 ms; the probabilities draw per request instead;
`malformed_probability` answers with bytes that are not HTTP (HAProxy sends the client its
own 502); `slow_*` adds a tail (drawn, or exactly one request in `slow_every`); `after_seconds`
keeps the replica healthy that long first, and `on_signal` until `GET /_faults/start`.
"""

import itertools
import json
import random
import sys
import time
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from subprocess import PIPE, Popen

_PROJECT_DIR = Path(__file__).resolve().parents[2]
SLEEP_PATH = "/sleep/"
FAULTS_START_PATH = "/_faults/start"
"""Starts a replica's error faults now (with `Faults.on_signal`): a test's way to say "from here on"."""
MALFORMED = b"HTTP/1.1 2x0 NOT-A-STATUS\r\nthis is not a header\r\n\r\n"
"""What a malformed answer sends: HAProxy cannot parse it and answers the client 502 itself."""


@dataclass(frozen=True)
class Faults:
    """How a replica misbehaves on `/` (never on `/health`, so health checks keep passing)."""

    delay_ms: float = 0.0
    """Every answer on `/` waits this long."""
    error_every: int = 0
    """Exactly one request in this many answers 500 (a counter, not a draw)."""
    error_probability: float = 0.0
    """Each request answers 500 with this probability."""
    malformed_probability: float = 0.0
    """Each request gets an unparseable answer with this probability."""
    slow_probability: float = 0.0
    slow_ms: float = 0.0
    """Each request waits `slow_ms` more with probability `slow_probability` (a latency tail)."""
    slow_every: int = 0
    """Exactly one request in this many waits `slow_ms` more (the same tail as a counter, not a draw)."""
    after_seconds: float = 0.0
    """The error and malformed faults start this long after the replica starts (or after the signal)."""
    on_signal: bool = False
    """The error and malformed faults wait for `GET /_faults/start` (then `after_seconds` more)."""


class _Handler(BaseHTTPRequestHandler):
    body = b""
    status = 200
    faults = Faults()
    started = 0.0
    signalled = False
    counter = itertools.count(1)
    slow_counter = itertools.count(1)

    def do_GET(self) -> None:
        if self.path == FAULTS_START_PATH:
            type(self).started = time.monotonic()
            type(self).signalled = True
            self.send_response(204)
            self.end_headers()
            return
        payload = b"ok\n" if self.path == "/health" else self.body
        if self.path.startswith(SLEEP_PATH):
            time.sleep(float(self.path.removeprefix(SLEEP_PATH)))
        status = self.status
        if self.path != "/health":
            faults = self.faults
            slow = faults.slow_every and next(self.slow_counter) % faults.slow_every == 0
            slow = slow or random.random() < faults.slow_probability
            delay = faults.delay_ms + (faults.slow_ms if slow else 0.0)
            time.sleep(delay / 1000)
            waiting = faults.on_signal and not self.signalled
            failing = not waiting and time.monotonic() - self.started >= faults.after_seconds
            if failing and random.random() < faults.malformed_probability:
                self.wfile.write(MALFORMED)
                self.close_connection = True
                return
            counted = faults.error_every and next(self.counter) % faults.error_every == 0
            if failing and (counted or random.random() < faults.error_probability):
                status, payload = 500, b"error\n"
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        pass  # thousands of requests per test; the client records what matters


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 overflows under bursts of new connections

    def handle_error(self, request: object, client_address: object) -> None:
        # HAProxy closes health-check connections with a reset once it has the status
        # line; that is normal, not worth a traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


def serve(color: str, name: str, status: int = 200, faults: Faults = Faults()) -> None:
    handler = type(
        "Handler",
        (_Handler,),
        {"body": f"{color} {name}\n".encode(), "status": status, "faults": faults,
         "started": time.monotonic(), "counter": itertools.count(1), "slow_counter": itertools.count(1)},
    )
    server = _Server(("127.0.0.1", 0), handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


def start(
    color: str, name: str, status: int = 200, error_every: int = 0, delay_ms: float = 0.0,
    faults: Faults | None = None,
) -> tuple[Popen[str], int]:
    """Start one replica in its own process (so it can be killed like a container) and return its port.

    `error_every` and `delay_ms` are shorthands for the same fields of `faults`.
    """
    process = launch(color, name, status, faults or Faults(delay_ms=delay_ms, error_every=error_every))
    return process, port_of(process, name)


def launch(color: str, name: str, status: int = 200, faults: Faults = Faults()) -> Popen[str]:
    """Start one replica without waiting for it: several launched at once start in parallel (`port_of` each)."""
    return Popen(
        [sys.executable, "-m", "testkit.lab.color_server", color, name, str(status), json.dumps(asdict(faults))],
        stdout=PIPE,
        text=True,
        cwd=_PROJECT_DIR,
    )


def port_of(process: Popen[str], name: str) -> int:
    """The port a launched replica printed once listening; a replica that printed anything else is killed."""
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.strip().isdigit():
        process.kill()
        raise RuntimeError(f"replica {name} did not start (printed {line!r})")
    return int(line)


if __name__ == "__main__":
    color, name, *rest = sys.argv[1:]
    serve(color, name, int(rest[0]) if rest else 200, Faults(**json.loads(rest[1])) if len(rest) > 1 else Faults())
