"""Ctrl-C and SIGTERM during a traffic command: acknowledged at once, acted on at the next safe point.

A signal never interrupts a config write or an update half-way: the handler only
records it, says at once what will happen, and wakes the engine's sleep; the engine
stops before its next step or poll, and stops waiting for a health check, an analysis
measurement or a hook under way (abandoned, not judged), so an interrupted release
exits within GitHub's 7.5 s grace unless an update is running. The first signal rolls back (or pauses, with
`--on-interrupt pause`); a second one before the rollback has started turns it into
a pause: stop after the update under way and leave the stack as deployed. Later
signals are only acknowledged. The handlers stay installed from before the lock is
taken until it is released and the report printed, so no signal sequence ends the
process with the lock held and nothing said: only SIGKILL does, and then the next
command that finds the lock prints the command that recovers.

`pulumi up` itself receives Ctrl-C from the terminal too and cancels its update
cleanly; the engine then treats the failed update like any other failure. A signal
sent to the engine alone (CI cancelling the job) lets the update under way finish.

Once the lock is released and the report printed (`finished`), a signal is only
acknowledged until the command returns: delivering notifications or writing the
report cannot be cut off into a traceback, and the exit code stays the release's.
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
FINISHED = "already stopping: the lock is released and the report printed"


class InterruptWatch:
    """Holds the first signal received (`requested`) and whether a second asked to pause (`escalated`)."""

    def __init__(self, announce: Callable[[str], None] = lambda message: None, on_interrupt: str = "rollback"):
        self.requested: str | None = None
        self.escalated = False
        self.rolling_back = False
        """Set by the engine when its rollback starts: a later signal cannot turn it into a pause any more."""
        self.finished = False
        """Set once the lock is released and the report printed: a signal then changes nothing."""
        self._woken = threading.Event()
        self._announce = announce
        self._on_interrupt = on_interrupt

    def sleep(self, seconds: float) -> None:
        self._woken.wait(seconds)

    def handle(self, signum: int, frame: FrameType | None = None) -> None:
        name = NAMES.get(signal.Signals(signum), f"signal {signum}")
        if self.finished:
            self._announce(f"{name}: {FINISHED}")
        elif self.requested is None:
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


_process_is_the_command = False
_depth = 0
"""Watches installed now: handlers are given back (or, ending the process, ignored) only by the outermost."""


def command_owns_process() -> None:
    """Called by the console script: the process ends with the command.

    Then the outermost watch does not give Python's default handlers back: it ignores SIGINT and
    SIGTERM at the OS level instead, for the moments the interpreter needs to exit (Python itself
    resets its handlers to the defaults while it finalizes, but leaves ignored signals ignored). A
    late signal can then neither print a KeyboardInterrupt traceback nor turn exit 130 into -2 or -15.
    """
    global _process_is_the_command
    _process_is_the_command = True


@contextmanager
def watching(watch: InterruptWatch) -> Iterator[InterruptWatch]:
    """Install the handlers for SIGINT and SIGTERM (main thread only) and give the old ones back after.
    Nested watches of one InterruptWatch hand over with no moment without a handler."""
    global _depth
    if threading.current_thread() is not threading.main_thread():
        yield watch  # only the main thread may install handlers; signals go to it anyway
        return
    previous = {sig: signal.getsignal(sig) for sig in NAMES}
    for sig in NAMES:
        signal.signal(sig, watch.handle)
    _depth += 1
    try:
        yield watch
    finally:
        _depth -= 1
        for sig, handler in previous.items():
            signal.signal(sig, signal.SIG_IGN if _process_is_the_command and _depth == 0 else handler)
