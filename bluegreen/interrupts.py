"""Ctrl-C and SIGTERM during a release: noted, then acted on at the next consistent point.

A signal never interrupts a config write or an update half-way: the handler only
records it and wakes the engine's sleep, and the engine stops before its next step
or poll (rolling back, or pausing with `--on-interrupt pause`). `pulumi up` itself
receives Ctrl-C from the terminal too and cancels its update cleanly; the engine
then treats the failed update like any other failure. A second signal while the
engine finishes is only acknowledged: killing it then is what would leave a stack
half-moved.
"""

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

NAMES = {signal.SIGINT: "interrupted (Ctrl-C)", signal.SIGTERM: "terminated (SIGTERM)"}


class InterruptWatch:
    """Holds the first signal received; `sleep` returns early when one arrives."""

    def __init__(self, on_repeat: Callable[[str], None] = lambda message: None):
        self.requested: str | None = None
        self._woken = threading.Event()
        self._on_repeat = on_repeat

    def sleep(self, seconds: float) -> None:
        self._woken.wait(seconds)

    def handle(self, signum: int, frame: FrameType | None = None) -> None:
        if self.requested is None:
            self.requested = NAMES.get(signal.Signals(signum), f"signal {signum}")
            self._woken.set()
        else:
            self._on_repeat(
                "still stopping at a consistent point; the stack is being left with config equal to what is deployed"
            )


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
