"""Ctrl-C and SIGTERM during a traffic command: acknowledged at once, acted on at the next safe point.

A signal never interrupts a config write or an update half-way: the handler only
records it, says at once what will happen, and wakes the engine's sleep; the engine
stops before its next step or poll. The first signal rolls back (or pauses, with
`--on-interrupt pause`); a second one before the rollback has started turns it into
a pause: stop after the update under way and leave the stack as deployed. Later
signals are only acknowledged. The handlers stay installed from before the lock is
taken until it is released and the report printed, so no signal sequence ends the
process with the lock held and nothing said: only SIGKILL does, and then the next
command that finds the lock prints the command that recovers.

`pulumi up` itself receives Ctrl-C from the terminal too and cancels its update
cleanly; the engine then treats the failed update like any other failure.
"""

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

NAMES = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}

FIRST = {
    "rollback": (
        "rolling back at the next safe point; Ctrl-C again to stop after this update and leave the stack paused"
    ),
    "pause": "pausing at the next safe point: the stack is left as deployed, config equal to it",
}
SECOND = "stopping after this update and leaving the stack paused, config equal to what is deployed"
LATER = "still stopping at a safe point: the stack is left with config equal to what is deployed"
ROLLING_BACK = "the rollback's update is under way; stopping right after it"


class InterruptWatch:
    """Holds the first signal received (`requested`) and whether a second asked to pause (`escalated`)."""

    def __init__(self, announce: Callable[[str], None] = lambda message: None, on_interrupt: str = "rollback"):
        self.requested: str | None = None
        self.escalated = False
        self.rolling_back = False
        """Set by the engine when its rollback starts: a later signal cannot turn it into a pause any more."""
        self._woken = threading.Event()
        self._announce = announce
        self._on_interrupt = on_interrupt

    def sleep(self, seconds: float) -> None:
        self._woken.wait(seconds)

    def handle(self, signum: int, frame: FrameType | None = None) -> None:
        name = NAMES.get(signal.Signals(signum), f"signal {signum}")
        if self.requested is None:
            self.requested = name
            self._woken.set()
            self._announce(f"{name}: {FIRST.get(self._on_interrupt, FIRST['rollback'])}")
        elif self.rolling_back:
            self._announce(f"{name}: {ROLLING_BACK}")
        elif not self.escalated and self._on_interrupt == "rollback":
            self.escalated = True
            self._announce(f"{name}: {SECOND}")
        else:
            self._announce(f"{name}: {LATER}")

    @property
    def mode(self) -> str:
        """What the engine does at its next safe point: roll back, or pause."""
        return "pause" if self.escalated else self._on_interrupt


@contextmanager
def watching(watch: InterruptWatch) -> Iterator[InterruptWatch]:
    """Install the handlers for SIGINT and SIGTERM (main thread only), and restore the old ones after."""
    if threading.current_thread() is not threading.main_thread():
        yield watch
        return
    previous = {sig: signal.getsignal(sig) for sig in NAMES}
    for sig in NAMES:
        signal.signal(sig, watch.handle)
    try:
        yield watch
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
