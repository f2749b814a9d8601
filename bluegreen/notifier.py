"""Delivers release events to `bluegreen:notifications` targets, off the release's critical path.

The notifier is an event-stream sink that only queues: a background thread posts each message
(httpx), retrying a failed post a bounded number of times with a short backoff. When the
release ends, `close()` waits for what is queued at most `deadline` seconds, then gives up on
the rest. Nothing here can change the release: a receiver that fails, hangs or answers 500
costs at most the deadline at the end, and each message that was not delivered is reported by
target name and event (never by URL, which is a credential, as is an HMAC key).

A generic webhook receives the event's JSON; with a secret, the header `X-Bluegreen-Signature`
carries `sha256=` and the hex HMAC-SHA256 of the exact body, as GitHub signs its webhooks.
"""

import hashlib
import hmac
import json
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from components import safe_text
from components.spec.notifications import NotificationTarget

from .notification_payloads import PAYLOADS, severity

RANK = {"info": 0, "warning": 1, "critical": 2}
SIGNATURE_HEADER = "X-Bluegreen-Signature"
EVENT_HEADER = "X-Bluegreen-Event"


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class Delivery:
    target: str
    event: str
    attempts: int = 0
    error: str = ""
    delivered: bool = False


@dataclass
class Notifier:
    """A sink for EventLog: `notifier(event)` queues; `close()` ends delivery within the deadline."""

    targets: list[NotificationTarget]
    deadline: float = 10.0
    """Longest wait, at the end of the release, for messages still queued."""
    attempts: int = 3
    """Posts per message at most (the first and two retries)."""
    timeout: float = 5.0
    """Longest one post may take."""
    backoff: float = 0.5
    """Wait before a retry; doubled each time."""
    post: Callable[[str, bytes, dict[str, str], float], int] | None = None
    """Sends one request and returns its HTTP status (tests may replace it; default: httpx)."""
    name: str = "notifications"
    deliveries: list[Delivery] = field(default_factory=list)
    _queue: "queue.Queue[tuple[NotificationTarget, dict[str, Any], Delivery] | None]" = field(
        default_factory=queue.Queue
    )
    _thread: threading.Thread | None = None
    _stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        for target in self.targets:
            safe_text.remember_secrets([target.url, target.secret or ""])

    def wants(self, target: NotificationTarget, event: dict[str, Any]) -> bool:
        return event["type"] in target.events and RANK[severity(event)] >= RANK[target.min_severity]

    def __call__(self, event: dict[str, Any]) -> None:
        for target in self.targets:
            if self.wants(target, event):
                delivery = Delivery(target.name, event["type"])
                self.deliveries.append(delivery)
                self._queue.put((target, event, delivery))
                self._start()

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="bluegreen-notifier", daemon=True)
            self._thread.start()

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            target, event, delivery = item
            self._deliver(target, event, delivery)

    def _deliver(self, target: NotificationTarget, event: dict[str, Any], delivery: Delivery) -> None:
        body = json.dumps(PAYLOADS[target.kind](event), separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", EVENT_HEADER: event["type"]}
        if target.kind == "webhook" and target.secret:
            headers[SIGNATURE_HEADER] = signature(target.secret, body)
        wait = self.backoff
        while delivery.attempts < self.attempts and not self._stop.is_set():
            delivery.attempts += 1
            try:
                status = (self.post or _httpx_post)(target.url, body, headers, self.timeout)
            except Exception as error:  # any failure of the receiver is this delivery's, never the release's
                delivery.error = type(error).__name__
            else:
                if 200 <= status < 300:
                    delivery.delivered, delivery.error = True, ""
                    return
                delivery.error = f"HTTP {status}"
                if status < 500 and status != 429:
                    return  # refused, or redirected (never followed): retrying cannot help
            if delivery.attempts < self.attempts:
                self._stop.wait(wait)
                wait *= 2

    def close(self) -> list[str]:
        """Wait at most `deadline` for queued messages, stop, and say which were not delivered."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(self.deadline)
            self._stop.set()
        return self.failures()

    def failures(self) -> list[str]:
        found = []
        for d in self.deliveries:
            if d.delivered:
                continue
            why = f"{d.error} after {d.attempts} attempt(s)" if d.attempts else f"not sent within {self.deadline:g}s"
            if d.attempts and not d.error:
                why = f"no answer within the {self.deadline:g}s deadline"
            found.append(f"notification {d.event} to {d.target} was not delivered: {why}")
        return found


def _httpx_post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    import httpx

    # No redirects: a webhook that redirects elsewhere would carry the message (and signature) away.
    with httpx.Client(timeout=timeout, follow_redirects=False) as client:
        return client.post(url, content=body, headers=headers).status_code
