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
import threading
import time
from dataclasses import dataclass, field


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


def get_once(port: int, path: str = "/", timeout: float = 10) -> Outcome:
    """One GET on a new connection, closed afterwards."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        return get_on(conn, path, {"Connection": "close"})
    finally:
        conn.close()


def get_on(conn: http.client.HTTPConnection, path: str = "/", headers: dict[str, str] | None = None) -> Outcome:
    """One GET on `conn`, which http.client opens if needed and keeps open unless the answer says close.

    On a failure the connection is closed, so the next call starts a new one (as a
    pool discards a broken connection); the failed request itself is not retried.
    """
    started = time.monotonic()
    reused = conn.sock is not None
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        body = response.read().decode().split()
        if response.status != 200 or len(body) != 2:
            error = f"HTTP {response.status} {' '.join(body)[:60]}"
            return Outcome(started, time.monotonic(), None, error, reused)
        return Outcome(started, time.monotonic(), body[1], reused=reused)
    except (OSError, http.client.HTTPException) as error:
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
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
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
