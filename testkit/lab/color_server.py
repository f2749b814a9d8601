"""A tiny HTTP server standing in for one replica: `/` answers its color and name, `/health` answers 200.

Run as `python -m testkit.lab.color_server <color> <name> [<status>]`; it binds
127.0.0.1 on a free port and prints the port on its first line, so the parent knows
where it is. A status other than 200 makes a broken replica that answers it to every
path, health included. `/sleep/<seconds>` answers like `/`, that many seconds later
(a long request, to see what a reload does to one).

A bad release for the analysis tests: `start(..., error_every=20, delay_ms=50)` answers every
20th request on `/` with a 500 (5%) and every `/` after 50 ms; `/health` stays 200 and fast.
"""

import itertools
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from subprocess import PIPE, Popen

_PROJECT_DIR = Path(__file__).resolve().parents[2]
SLEEP_PATH = "/sleep/"


class _Handler(BaseHTTPRequestHandler):
    body = b""
    status = 200
    error_every = 0
    delay = 0.0
    counter = itertools.count(1)

    def do_GET(self) -> None:
        payload = b"ok\n" if self.path == "/health" else self.body
        if self.path.startswith(SLEEP_PATH):
            time.sleep(float(self.path.removeprefix(SLEEP_PATH)))
        status = self.status
        if self.path != "/health":
            time.sleep(self.delay)
            # A counter, not a random draw: exactly one request in `error_every` fails.
            if self.error_every and next(self.counter) % self.error_every == 0:
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


def serve(color: str, name: str, status: int = 200, error_every: int = 0, delay_ms: float = 0.0) -> None:
    handler = type(
        "Handler",
        (_Handler,),
        {"body": f"{color} {name}\n".encode(), "status": status, "error_every": error_every,
         "delay": delay_ms / 1000, "counter": itertools.count(1)},
    )
    server = _Server(("127.0.0.1", 0), handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


def start(
    color: str, name: str, status: int = 200, error_every: int = 0, delay_ms: float = 0.0
) -> tuple[Popen[str], int]:
    """Start one replica in its own process (so it can be killed like a container) and return its port."""
    process = Popen(
        [sys.executable, "-m", "testkit.lab.color_server", color, name, str(status), str(error_every),
         str(delay_ms)],
        stdout=PIPE,
        text=True,
        cwd=_PROJECT_DIR,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.strip().isdigit():
        process.kill()
        raise RuntimeError(f"replica {name} did not start (printed {line!r})")
    return process, int(line)


if __name__ == "__main__":
    color, name, *rest = sys.argv[1:]
    serve(color, name, *(int(a) for a in rest[:2]), *(float(a) for a in rest[2:3]))
