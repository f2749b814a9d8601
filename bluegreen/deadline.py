"""Run one blocking call with a hard deadline, in a daemon thread that is abandoned if it overruns.

Socket timeouts bound each read, not the whole call: a server that trickles its
headers one byte at a time keeps `urlopen` busy for as long as it likes. Every
observation the release engine makes (a health gate, an analysis measurement, a
hook) goes through here, so no dependency can hold a release past its deadline.
The abandoned thread is a daemon: it never keeps the process alive.
"""

import threading
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
class Done(Generic[T]):
    value: T


def call_with_deadline(call: Callable[[], T], seconds: float) -> Done[T] | Late | Raised:
    """`call()`'s value, or why there is none: it overran `seconds` or raised."""
    outcome: list[Done[T] | Raised] = []

    def run() -> None:
        try:
            outcome.append(Done(call()))
        except BaseException as error:  # every failure of an observation is an observation
            outcome.append(Raised(error))

    worker = threading.Thread(target=run, name="bluegreen-observation", daemon=True)
    worker.start()
    worker.join(seconds)
    return outcome[0] if outcome else Late(seconds)
