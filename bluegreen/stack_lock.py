"""One release per stack at a time: a lock kept in a stack tag, so it outlives the process that took it.

The tag `bluegreen-lock` holds who took it (user, host, pid), when, with which
command, and a random token. Whoever finds the tag set by another token is refused
with those details; `--force` takes over a lock whose holder is gone (a crashed
laptop, a lost CI runner). Tags live in the stack's own backend, so two operators on
two machines see the same lock. Reading and then setting a tag is not one atomic
operation: two engines starting within the same second could both win, so the
lock is read back after it is set and the loser stops; CI adds a concurrency group
per stack on top (see .github/workflows/release.yml).
"""

import getpass
import json
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from components.safe_text import terminal

from .stack_driver import StackDriver, StackError

LOCK_TAG = "bluegreen-lock"


class LockHeldError(StackError):
    """Another release holds the stack; the message says who, since when, and how to take over."""


@dataclass(frozen=True)
class LockInfo:
    holder: str
    host: str
    pid: int
    started: str
    """UTC, ISO 8601 to the second."""
    command: str
    token: str

    def describe(self) -> str:
        # The fields come from a stack tag anyone with access to the stack can set: one clean, bounded line.
        text = f"{self.holder} on {self.host} (pid {self.pid}) since {self.started}: {self.command}"
        return terminal(text, limit=1_000, newlines=False)

    def tag_value(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def parse(cls, text: str) -> "LockInfo":
        try:
            fields = json.loads(text)
            return cls(**{name: fields[name] for name in cls.__dataclass_fields__})
        except (ValueError, TypeError, KeyError):
            # Set by hand or by another tool: still a lock, shown as found.
            return cls(holder="unknown", host="unknown", pid=0, started="unknown", command=text, token=text)


def new_lock(command: str) -> LockInfo:
    return LockInfo(
        holder=_user(),
        host=socket.gethostname(),
        pid=os.getpid(),
        started=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        # Tag values are limited in length (256 on Pulumi Cloud); the command is only for people.
        command=command[:120],
        token=secrets.token_hex(8),
    )


def current_lock(driver: StackDriver) -> LockInfo | None:
    value = driver.tags().get(LOCK_TAG)
    return LockInfo.parse(value) if value else None


def acquire(
    driver: StackDriver, command: str, force: bool = False, warn: Callable[[str], None] = lambda message: None
) -> LockInfo | None:
    """Take the stack's lock or raise LockHeldError; `force` replaces a lock held by someone else.

    None when the backend does not keep stack tags (a self-managed backend before Pulumi 3.211 accepts
    `stack tag set` and forgets it): the release runs unlocked, and `warn` says so.
    """
    held = current_lock(driver)
    if held is not None and not force:
        gone = " (that process is no longer running here: --force is safe)" if _gone(held) else ""
        raise LockHeldError(
            f"stack {driver.name} is locked by {held.describe()}{gone}; wait for it to finish, or, if that "
            f"process is gone, take over with --force (bluegreen status --stack {driver.name} shows the lock)"
        )
    mine = new_lock(command)
    driver.set_tag(LOCK_TAG, mine.tag_value())
    after = current_lock(driver)
    if after is None:
        warn(
            f"the backend of stack {driver.name} does not keep stack tags, so this release holds no lock: "
            "make sure nobody else changes the stack meanwhile (Pulumi 3.211+ keeps tags on every backend)"
        )
        return None
    if after.token != mine.token:
        raise LockHeldError(f"stack {driver.name} was locked at the same moment by {after.describe()}; try again")
    return mine


def release(driver: StackDriver, lock: LockInfo | None) -> None:
    """Remove the lock if it is still ours (a --force takeover makes it someone else's)."""
    if lock is None:
        return
    held = current_lock(driver)
    if held is not None and held.token == lock.token:
        driver.remove_tag(LOCK_TAG)


def _gone(lock: LockInfo) -> bool:
    """True only when the holder ran on this host and its pid no longer exists (elsewhere we cannot tell)."""
    if lock.host != socket.gethostname() or lock.pid <= 0:
        return False
    try:
        os.kill(lock.pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # exists, owned by someone else
    return False


def _user() -> str:
    # GitHub Actions runs as `runner`; the actor who started the workflow is more useful.
    actor = os.environ.get("GITHUB_ACTOR")
    if actor:
        return f"{actor} (GitHub Actions run {os.environ.get('GITHUB_RUN_ID', '?')})"
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
