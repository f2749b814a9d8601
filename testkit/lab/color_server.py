"""Replicas for the lab: each a process (so it can be killed like a container) answering its color and name.

`start(color, name)` runs `http_replica.py` and returns its port; `/` answers `<color> <name>`,
`/health` answers 200. A status other than 200 makes a broken replica that answers it to every
path, health included. `/sleep/<seconds>` answers like `/`, that many seconds later
(a long request, to see what a reload does to one).

A bad release for the analysis tests and benchmarks is a `Faults` on `/` only (`/health`
stays 200 and fast): `Faults(error_every=20, delay_ms=50)` answers every 20th request with a
500 (5%) and every one after 50 ms; the probabilities draw per request instead;
`malformed_probability` answers with bytes that are not HTTP (HAProxy sends the client its
own 502); `slow_*` adds a tail (drawn, or exactly one request in `slow_every`); `after_seconds`
keeps the replica healthy that long first, and `on_signal` until `GET /_faults/start`.
"""

import sys
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from subprocess import PIPE, Popen

from . import http_replica
from .http_replica import FAULTS_START_PATH, MALFORMED, SLEEP_PATH

__all__ = ["FAULTS_START_PATH", "MALFORMED", "SLEEP_PATH", "Faults", "launch", "port_of", "start"]

_REPLICA_SCRIPT = Path(http_replica.__file__).resolve()


@dataclass(frozen=True)
class Faults:
    """How a replica misbehaves on `/` (never on `/health`, so health checks keep passing)."""

    delay_ms: float = 0.0
    """Every answer on `/` waits this long."""
    error_every: int = 0
    """Exactly one request in this many answers 500 (a counter, not a draw)."""
    error_probability: float = 0.0
    """Each request answers 500 with this probability."""
    malformed_probability: float = 0.0
    """Each request gets an unparseable answer with this probability."""
    slow_probability: float = 0.0
    slow_ms: float = 0.0
    """Each request waits `slow_ms` more with probability `slow_probability` (a latency tail)."""
    slow_every: int = 0
    """Exactly one request in this many waits `slow_ms` more (the same tail as a counter, not a draw)."""
    after_seconds: float = 0.0
    """The error and malformed faults start this long after the replica starts (or after the signal)."""
    on_signal: bool = False
    """The error and malformed faults wait for `GET /_faults/start` (then `after_seconds` more)."""

    def arguments(self) -> list[str]:
        """The replica's command-line form: `field=value` for every field (booleans as 0 or 1)."""
        return [f"{field.name}={float(value)!r}" for field, value in zip(fields(self), astuple(self), strict=True)]


def start(
    color: str, name: str, status: int = 200, error_every: int = 0, delay_ms: float = 0.0,
    faults: Faults | None = None,
) -> tuple[Popen[str], int]:
    """Start one replica in its own process (so it can be killed like a container) and return its port.

    `error_every` and `delay_ms` are shorthands for the same fields of `faults`.
    """
    process = launch(color, name, status, faults or Faults(delay_ms=delay_ms, error_every=error_every))
    return process, port_of(process, name)


def launch(color: str, name: str, status: int = 200, faults: Faults = Faults()) -> Popen[str]:
    """Start one replica without waiting for it: several launched at once start in parallel (`port_of` each)."""
    # `-I -S`: the replica needs only the standard library; no `site`, no script directory on the path.
    return Popen([sys.executable, "-I", "-S", str(_REPLICA_SCRIPT), color, name, str(status), *faults.arguments()],
                 stdout=PIPE, text=True)


def port_of(process: Popen[str], name: str) -> int:
    """The port a launched replica printed once listening; a replica that printed anything else is killed."""
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.strip().isdigit():
        process.kill()
        raise RuntimeError(f"replica {name} did not start (printed {line!r})")
    return int(line)

