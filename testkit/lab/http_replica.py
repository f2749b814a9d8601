"""The replica process: a lean HTTP/1.1 keep-alive server answering its color and name (see color_server.py).

Run as `python -S http_replica.py <color> <name> <status> [<field>=<value> ...]` (the fields of
`color_server.Faults`); it binds 127.0.0.1 on a free port and prints the port on its first line.

A suite starts some 70 of these, and they answer most of the lab's requests, so both costs are kept
small: only the standard library modules a socket server needs (no http.server, email, ssl or json:
start-up went from ~70 to ~25 ms of CPU), one thread per connection, connections kept alive (HAProxy
reuses them instead of connecting for every request), and answers built once at start.
"""

import contextlib
import itertools
import random
import socket
import sys
import threading
import time
from queue import SimpleQueue

SLEEP_PATH = "/sleep/"
FAULTS_START_PATH = "/_faults/start"
"""Starts a replica's error faults now (with `Faults.on_signal`): a test's way to say "from here on"."""
HEALTH_PATH = "/health"
MALFORMED = b"HTTP/1.1 2x0 NOT-A-STATUS\r\nthis is not a header\r\n\r\n"
"""What a malformed answer sends: HAProxy cannot parse it and answers the client 502 itself."""
FAULT_DEFAULTS: dict[str, float] = {
    "delay_ms": 0.0,
    "error_every": 0,
    "error_probability": 0.0,
    "malformed_probability": 0.0,
    "slow_probability": 0.0,
    "slow_ms": 0.0,
    "slow_every": 0,
    "after_seconds": 0.0,
    "on_signal": 0,
}
"""The fields of `color_server.Faults` with their defaults (a test keeps the two the same)."""
_REASONS = {200: "OK", 204: "No Content", 400: "Bad Request", 500: "Internal Server Error", 501: "Not Implemented"}
_HEAD_LIMIT = 65536


def answer(status: int, body: bytes, close: bool = False) -> bytes:
    """One whole HTTP/1.1 answer."""
    head = f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}\r\nContent-Type: text/plain\r\n"
    head += f"Content-Length: {len(body)}\r\n" + ("Connection: close\r\n" if close else "") + "\r\n"
    return head.encode() + body


def parse_faults(args: list[str]) -> dict[str, float]:
    """`delay_ms=50 error_every=20 ...` over the defaults; an unknown field is an error, not ignored."""
    faults = dict(FAULT_DEFAULTS)
    for arg in args:
        key, _, value = arg.partition("=")
        if key not in faults:
            raise SystemExit(f"unknown fault {key!r}: expected one of {', '.join(faults)}")
        faults[key] = float(value)
    return faults


class Replica:
    """What one replica answers; `serve(connection)` runs one client connection to its end."""

    def __init__(self, color: str, name: str, status: int, faults: dict[str, float]):
        self.status = status
        self.delay = faults["delay_ms"] / 1000
        self.error_every = int(faults["error_every"])
        self.error_probability = faults["error_probability"]
        self.malformed_probability = faults["malformed_probability"]
        self.slow_probability = faults["slow_probability"]
        self.slow = faults["slow_ms"] / 1000
        self.slow_every = int(faults["slow_every"])
        self.after_seconds = faults["after_seconds"]
        self.waiting = bool(faults["on_signal"])
        self.started = time.monotonic()
        self.counter = itertools.count(1)
        self.slow_counter = itertools.count(1)
        self.body = f"{color} {name}\n".encode()
        # Keyed by "the connection closes after it": HTTP/1.0 and `Connection: close` requests.
        self.main = {close: answer(status, self.body, close) for close in (False, True)}
        self.health = {close: answer(status, b"ok\n", close) for close in (False, True)}
        self.error = {close: answer(500, b"error\n", close) for close in (False, True)}
        self.signalled = {close: answer(204, b"", close) for close in (False, True)}

    def respond(self, path: str, close: bool) -> bytes:
        """The bytes that answer GET `path` (after any wait the path or the faults ask for)."""
        if path == FAULTS_START_PATH:
            self.started = time.monotonic()
            self.waiting = False
            return self.signalled[close]
        if path == HEALTH_PATH:
            return self.health[close]
        if path.startswith(SLEEP_PATH):
            seconds = path.removeprefix(SLEEP_PATH)
            if not seconds.replace(".", "", 1).isdigit():
                return answer(400, b"not a number of seconds\n", close)
            time.sleep(float(seconds))
        slow = self.slow_every and next(self.slow_counter) % self.slow_every == 0
        slow = slow or random.random() < self.slow_probability
        delay = self.delay + (self.slow if slow else 0.0)
        if delay:
            time.sleep(delay)
        failing = not self.waiting and time.monotonic() - self.started >= self.after_seconds
        if failing and random.random() < self.malformed_probability:
            return MALFORMED
        counted = self.error_every and next(self.counter) % self.error_every == 0
        if failing and (counted or random.random() < self.error_probability):
            return self.error[close]
        return self.main[close]

    def serve(self, connection: socket.socket) -> None:
        buffered = b""
        with connection:
            while True:
                end = buffered.find(b"\r\n\r\n")
                while end < 0:
                    if len(buffered) > _HEAD_LIMIT:
                        return
                    chunk = connection.recv(65536)
                    if not chunk:
                        return  # the client closed (HAProxy pooling, or a health check done)
                    buffered += chunk
                    end = buffered.find(b"\r\n\r\n", max(0, len(buffered) - len(chunk) - 3))
                head, buffered = buffered[:end], buffered[end + 4 :]
                request_line, _, headers = head.partition(b"\r\n")
                parts = request_line.split()
                if len(parts) != 3 or not parts[2].startswith(b"HTTP/"):
                    connection.sendall(answer(400, b"bad request\n", close=True))
                    return
                method, target, version = parts
                headers = headers.lower()
                if b"content-length:" in headers:
                    declared = headers.split(b"content-length:", 1)[1].split(b"\r\n", 1)[0].strip()
                    if not declared.isdigit():
                        connection.sendall(answer(400, b"bad content-length\n", close=True))
                        return
                    length = int(declared)
                    while len(buffered) < length:  # a body nobody reads: skip it to find the next request
                        chunk = connection.recv(65536)
                        if not chunk:
                            return
                        buffered += chunk
                    buffered = buffered[length:]
                close = version == b"HTTP/1.0" or b"connection: close" in headers
                if method != b"GET":
                    connection.sendall(answer(501, b"only GET\n", close=True))
                    return
                reply = self.respond(target.decode("latin-1"), close)
                connection.sendall(reply)
                if close or reply is MALFORMED:
                    return


class Workers:
    """One thread per open connection, kept for the next one once it closes.

    New-connection clients make HAProxy open a server connection per request (it reuses one only
    within a client's connection), and starting a thread for each cost more than serving it.
    """

    def __init__(self, replica: Replica):
        self.replica = replica
        self.waiting: SimpleQueue[socket.socket] = SimpleQueue()
        self.idle = 0
        self.lock = threading.Lock()

    def hand(self, connection: socket.socket) -> None:
        with self.lock:
            spawn = self.idle == 0
            self.idle -= not spawn
        if spawn:
            threading.Thread(target=self.work, args=(connection,), daemon=True).start()
        else:
            self.waiting.put(connection)

    def work(self, connection: socket.socket) -> None:
        while True:
            # HAProxy resets a health check's connection once it has the status line: normal.
            with contextlib.suppress(ConnectionError):
                self.replica.serve(connection)
            with self.lock:
                self.idle += 1
            connection = self.waiting.get()


def main(argv: list[str]) -> None:
    color, name, status, *faults = argv
    workers = Workers(Replica(color, name, int(status), parse_faults(faults)))
    # A backlog of 128: the default 5 overflows under bursts of new connections.
    listener = socket.create_server(("127.0.0.1", 0), backlog=128)
    print(listener.getsockname()[1], flush=True)
    while True:
        connection, _ = listener.accept()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        workers.hand(connection)


if __name__ == "__main__":
    main(sys.argv[1:])
