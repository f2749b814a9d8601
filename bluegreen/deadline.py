"""Run one blocking call with a hard deadline, in a daemon thread that is abandoned if it overruns.

Socket timeouts bound each read, not the whole call: a server that trickles its
headers one byte at a time keeps `urlopen` busy for as long as it likes. Every
observation the release engine makes (a health gate, an analysis measurement, a
hook) goes through here, so no dependency can hold a release past its deadline.
The abandoned thread is a daemon: it never keeps the process alive.

A caller may also stop waiting early (`abandon_if`): the release engine does on Ctrl-C or
SIGTERM, so a measurement that may take max(interval, 10 s) never holds an interrupted
release past GitHub's 7.5 s grace. What the call would have answered is then not judged.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Late:
    """The call did not finish within `seconds`."""

    seconds: float


@dataclass(frozen=True)
class Raised:
    """The call raised; `error` is what it raised."""

    error: BaseException

    def __str__(self) -> str:
        text = str(self.error).strip()
        return f"{type(self.error).__name__}: {text}" if text else type(self.error).__name__


@dataclass(frozen=True)
class Abandoned:
    """The caller stopped waiting before the call finished; `why` names what asked (`Ctrl-C`)."""

    why: str


class AbandonedError(Exception):
    """Raised by callers that cannot return an Abandoned outcome (a list of gate results)."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


ABANDON_POLL_SECONDS = 0.05
"""How often `abandon_if` is asked while the call runs."""


@dataclass(frozen=True)
class Done(Generic[T]):
    value: T


def call_with_deadline(
    call: Callable[[], T], seconds: float, abandon_if: Callable[[], str | None] | None = None
) -> Done[T] | Late | Raised | Abandoned:
    """`call()`'s value, or why there is none: it overran `seconds`, raised, or `abandon_if()` named a reason."""
    outcome: list[Done[T] | Raised] = []

    def run() -> None:
        try:
            outcome.append(Done(call()))
        except BaseException as error:  # every failure of an observation is an observation
            outcome.append(Raised(error))

    worker = threading.Thread(target=run, name="bluegreen-observation", daemon=True)
    worker.start()
    if abandon_if is None:
        worker.join(seconds)
    else:
        end = time.monotonic() + seconds
        while not outcome and (left := end - time.monotonic()) > 0:
            why = abandon_if()
            if why:
                return Abandoned(why)
            worker.join(min(left, ABANDON_POLL_SECONDS))
    return outcome[0] if outcome else Late(seconds)
