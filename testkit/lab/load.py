"""A bounded HTTP load generator for loopback: threads send GET / and record who answered, or the error.

Two kinds of client, because a router reload fails them in different ways:
- new connection per request (`Connection: close`), as a health checker or a
  browser's first request: only a refused or reset connect can hurt it;
- keep-alive (`keep_alive=True`): each thread holds one persistent HTTP/1.1
  connection, as a pooled client (requests, httpx, a service mesh) does. It is
  pinned to the HAProxy worker that accepted it, so a reload that closes it while
  a request is on its way fails that request with `RemoteDisconnected`.

Neither kind retries: a failed request is recorded as failed, so a test or the
benchmark sees exactly what a client without retry logic would see.
"""

import http.client
import socket
import threading
import time
from dataclasses import dataclass, field

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Outcome:
    """One request: when it started and ended (monotonic seconds), who answered, or why it failed."""

    started: float
    ended: float
    server: str | None
    error: str | None = None
    reused: bool = False
    """Sent on a connection that had already carried a request (keep-alive clients only)."""

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def color(self) -> str | None:
        return self.server.split("-")[0] if self.server else None

    @property
    def latency(self) -> float:
        return self.ended - self.started


class Connection:
    """One HTTP/1.1 client connection to a loopback port, as a pooled client keeps it: no retry, ever.

    It behaves as `http.client.HTTPConnection` does for a GET (opened on first use, kept open
    unless the answer says close, a failure raises the same exceptions) at a fraction of its
    cost per request: the lab's clients send tens of thousands of requests from the test process.
    """

    def __init__(self, port: int, timeout: float = 10):
        self.port = port
        self.timeout = timeout
        self.sock: socket.socket | None = None
        self._file = None

    def get(self, path: str, close: bool = False) -> tuple[int, bytes]:
        """Send GET `path` and read the whole answer: (status, body). The connection closes if either side says so."""
        if self.sock is None:
            # Not create_connection: a loopback address needs no name lookup, which cost as much as the request.
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                self.sock.settimeout(self.timeout)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.sock.connect((LOOPBACK, self.port))
            except OSError:
                self.sock.close()
                self.sock = None
                raise
            self._file = self.sock.makefile("rb")
        assert self._file is not None
        connection = b"Connection: close\r\n" if close else b""
        self.sock.sendall(b"GET %s HTTP/1.1\r\nHost: %s:%d\r\n%s\r\n" % (
            path.encode(), LOOPBACK.encode(), self.port, connection))
        line = self._file.readline(65537)
        if not line:
            raise http.client.RemoteDisconnected("Remote end closed connection without response")
        version, _, rest = line.partition(b" ")
        code = rest[:3]
        if not version.startswith(b"HTTP/") or not code.isdigit():
            raise http.client.BadStatusLine(line.decode("latin-1").rstrip())
        length: int | None = None
        will_close = close or version == b"HTTP/1.0"
        while (header := self._file.readline(65537)) not in (b"\r\n", b"\n", b""):
            name, _, value = header.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection":
                will_close = value.strip().lower() == b"close"
            elif name == b"transfer-encoding":
                raise http.client.UnknownTransferEncoding(value.strip().decode("latin-1"))
        if length is None:
            body, will_close = self._file.read(), True
        else:
            body = self._file.read(length)
            if len(body) < length:
                raise http.client.IncompleteRead(body, length - len(body))
        if will_close:
            self.close()
        return int(code), body

    def close(self) -> None:
        if self.sock is not None:
            assert self._file is not None
            self._file.close()
            self.sock.close()
        self.sock = self._file = None


def get_once(port: int, path: str = "/", timeout: float = 10) -> Outcome:
    """One GET on a new connection, closed afterwards."""
    conn = Connection(port, timeout)
    try:
        return get_on(conn, path, close=True)
    finally:
        conn.close()


def get_on(conn: Connection, path: str = "/", close: bool = False) -> Outcome:
    """One GET on `conn`, which opens if needed and stays open unless the answer (or `close`) says close.

    On a failure the connection is closed, so the next call starts a new one (as a
    pool discards a broken connection); the failed request itself is not retried.
    """
    started = time.monotonic()
    reused = conn.sock is not None
    try:
        status, raw = conn.get(path, close)
        body = raw.decode().split()
        if status != 200 or len(body) != 2:
            error = f"HTTP {status} {' '.join(body)[:60]}"
            return Outcome(started, time.monotonic(), None, error, reused)
        return Outcome(started, time.monotonic(), body[1], reused=reused)
    except (OSError, http.client.HTTPException, ValueError) as error:
        conn.close()
        return Outcome(started, time.monotonic(), None, f"{type(error).__name__}: {error}", reused)


@dataclass
class LoadClient:
    """`threads` senders against one port; `rate` caps requests/s in total (None: as fast as they go)."""

    port: int
    threads: int = 2
    rate: float | None = None
    keep_alive: bool = False
    """Each sender keeps one persistent connection instead of opening one per request."""
    path: str = "/"
    max_requests: int = 50_000
    """Hard bound on what one run may send, whatever happens to the caller."""
    outcomes: list[Outcome] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _workers: list[threading.Thread] = field(default_factory=list)

    def __enter__(self) -> "LoadClient":
        for index in range(self.threads):
            worker = threading.Thread(target=self._send, args=(index,), daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=15)

    def _send(self, index: int) -> None:
        interval = self.threads / self.rate if self.rate else 0.0
        next_at = time.monotonic() + index * interval / self.threads
        conn = Connection(self.port)
        try:
            while not self._stop.is_set():
                if interval:
                    # Open-loop pacing: a slow answer does not lower the offered rate.
                    delay = next_at - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    next_at += interval
                outcome = get_on(conn, self.path) if self.keep_alive else get_once(self.port, self.path)
                with self._lock:
                    if len(self.outcomes) >= self.max_requests:
                        self._stop.set()
                        return
                    self.outcomes.append(outcome)
        finally:
            conn.close()

    def since(self, moment: float) -> list[Outcome]:
        """Requests that started at or after `moment`."""
        with self._lock:
            return [o for o in self.outcomes if o.started >= moment]

    def between(self, start: float, end: float) -> list[Outcome]:
        with self._lock:
            return [o for o in self.outcomes if start <= o.started < end]

    def wait_for(self, moment: float, count: int, timeout: float) -> list[Outcome]:
        """Block until `count` requests started after `moment` have finished (bounded by `timeout`)."""
        deadline = time.monotonic() + timeout
        while len(self.since(moment)) < count:
            if time.monotonic() > deadline or self._stop.is_set():
                raise TimeoutError(f"only {len(self.since(moment))} of {count} requests within {timeout}s")
            time.sleep(0.01)
        return self.since(moment)[:count]


def shares(outcomes: list[Outcome]) -> dict[str, float]:
    """Fraction of successful answers per color."""
    answered = [o.color for o in outcomes if o.ok]
    return {c: (answered.count(c) / len(answered) if answered else 0.0) for c in ("blue", "green")}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
