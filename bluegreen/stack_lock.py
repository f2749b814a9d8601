"""One release per stack at a time: a lock kept in a stack tag, so it outlives the process that took it.

The tag `bluegreen-lock` holds who took it (user, host, pid, CI run), when, with
which command, and a random token, in at most 256 characters (Pulumi Cloud's limit
on a tag value). Tags cannot be compared-and-set, so the lock is taken by writing
it, waiting a short random time, and reading it back: whoever does not find its own
token then backs off without touching the tag (the last writer holds it). The engine
reads the lock again before every step, so two engines that both believed they won
stop at the first step where one finds the other's token. A lock is removed only by
its holder.

Taking over (`--force`) is refused while the holder is known to run on this host.
A holder on another host cannot be seen from here, so `--force` must name its token
or CI run id (`--holder`), which the refusal prints: nobody takes a lock they have
not looked at. A CI step of the same workflow run (the `if: cancelled()` undo step)
takes over its own run's lock without `--force`.
"""

import getpass
import json
import os
import random
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from components.safe_text import terminal

from .stack_driver import StackDriver, StackError

LOCK_TAG = "bluegreen-lock"
MAX_TAG_VALUE = 256
"""Pulumi Cloud rejects longer tag values; the self-managed backends accept them, so stay under it everywhere."""
SETTLE_SECONDS = (0.2, 0.6)
"""The random wait between writing the lock and reading it back."""


class LockHeldError(StackError):
    """Another release holds the stack; the message says who, since when, and the command that takes over."""


@dataclass(frozen=True)
class LockInfo:
    holder: str
    host: str
    pid: int
    started: str
    """UTC, ISO 8601 to the second."""
    command: str
    token: str
    run: str = ""
    """The CI run that holds it (GitHub Actions: GITHUB_RUN_ID), empty outside CI."""

    def describe(self) -> str:
        # The fields come from a stack tag anyone with access to the stack can set: one clean, bounded line.
        run = f", CI run {self.run}" if self.run else ""
        text = f"{self.holder} on {self.host} (pid {self.pid}{run}) since {self.started}: {self.command}"
        return terminal(text, limit=1_000, newlines=False)

    @property
    def name(self) -> str:
        """What `--holder` takes to name this lock: its run id in CI, else its token."""
        return terminal(self.run or self.token, limit=100, newlines=False)

    def tag_value(self) -> str:
        """Compact JSON within MAX_TAG_VALUE: the command (only for people) is cut first, then host and holder."""
        fields = asdict(self)
        for key in ("command", "host", "holder"):
            text = json.dumps(fields, separators=(",", ":"))
            excess = len(text) - MAX_TAG_VALUE
            if excess <= 0:
                return text
            keep = len(fields[key]) - excess - 3
            fields[key] = fields[key][:keep] + "..." if keep > 0 else ""
        return json.dumps(fields, separators=(",", ":"))

    @classmethod
    def parse(cls, text: str) -> "LockInfo":
        try:
            fields = json.loads(text)
            known = {name: fields[name] for name in cls.__dataclass_fields__ if name in fields}
            return cls(**known)
        except (ValueError, TypeError, KeyError):
            # Set by hand or by another tool: still a lock, shown as found.
            return cls(holder="unknown", host="unknown", pid=0, started="unknown", command=text, token=text)

    def age_seconds(self, now: datetime | None = None) -> float | None:
        try:
            started = datetime.strptime(self.started, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            return None
        return max(0.0, ((now or datetime.now(UTC)) - started).total_seconds())


def new_lock(command: str) -> LockInfo:
    return LockInfo(
        holder=_user(),
        host=socket.gethostname(),
        pid=os.getpid(),
        started=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        command=command,
        token=secrets.token_hex(8),
        run=ci_run(),
    )


def current_lock(driver: StackDriver) -> LockInfo | None:
    value = driver.tags().get(LOCK_TAG)
    return LockInfo.parse(value) if value else None


def acquire(
    driver: StackDriver,
    command: str,
    force: bool = False,
    warn: Callable[[str], None] = lambda message: None,
    holder: str | None = None,
    settle: Callable[[], None] = lambda: time.sleep(random.uniform(*SETTLE_SECONDS)),
) -> LockInfo | None:
    """Take the stack's lock or raise LockHeldError, touching nothing when refused.

    None when the backend does not keep stack tags (a self-managed backend before Pulumi 3.211 accepts
    `stack tag set` and forgets it): the release runs unlocked, and `warn` says so.
    """
    held = current_lock(driver)
    if held is not None:
        may_take_over(driver.name, held, command, force, holder)
    mine = new_lock(command)
    driver.set_tag(LOCK_TAG, mine.tag_value())
    settle()
    after = current_lock(driver)
    if after is None:
        warn(
            f"the backend of stack {driver.name} does not keep stack tags, so this release holds no lock: "
            "make sure nobody else changes the stack meanwhile (Pulumi 3.211+ keeps tags on every backend)"
        )
        return None
    if after.token != mine.token:
        # Someone wrote after us: they hold it. Backing off means not touching the tag at all.
        raise LockHeldError(
            f"stack {driver.name} was locked at the same moment by {after.describe()}; that release goes ahead "
            f"and this one changed nothing (bluegreen status --stack {driver.name} shows the lock)"
        )
    return mine


def may_take_over(stack: str, held: LockInfo, command: str, force: bool, holder: str | None) -> None:
    """Raise LockHeldError unless this process may replace `held`; the message has the exact command."""
    state = holder_state(held)
    takeover = f"{command} --force" + ("" if state == "gone" else f" --holder {held.name}")
    if state == "alive":
        raise LockHeldError(
            f"stack {stack} is locked by {held.describe()}, and that process is still running on this host; "
            f"--force never takes a live release's lock: stop it with `kill -INT {held.pid}` (it rolls back, or "
            f"pauses with --on-interrupt pause) or wait for it, then run your command again"
        )
    if held.run and held.run == ci_run():
        return  # the same CI run (its cancellation step) takes over what its own release left
    if not force:
        gone = " (that process is no longer running here)" if state == "gone" else ""
        raise LockHeldError(
            f"stack {stack} is locked by {held.describe()}{gone}; wait for it to finish, or, if that process is "
            f"gone, take over with: {takeover} (bluegreen status --stack {stack} shows the lock)"
        )
    if state == "unknown" and (not holder or holder not in {held.token, held.run}):
        named = f"--holder {holder} does not name it" if holder else "nothing names it"
        raise LockHeldError(
            f"stack {stack} is locked by {held.describe()} on another host, which cannot be checked from here, and "
            f"{named}; make sure that release is gone, then take over with: {takeover}"
        )


def release(driver: StackDriver, lock: LockInfo | None) -> None:
    """Remove the lock if it is still ours: a lock is only ever removed by its holder."""
    if lock is None:
        return
    held = current_lock(driver)
    if held is not None and held.token == lock.token:
        driver.remove_tag(LOCK_TAG)


def lost(driver: StackDriver, lock: LockInfo | None) -> LockInfo | None:
    """Who holds the stack now, if no longer `lock` (taken over, or removed); None while it is still ours."""
    if lock is None:
        return None
    held = current_lock(driver)
    if held is not None and held.token == lock.token:
        return None
    return held or LockInfo("nobody", "-", 0, "-", "the lock was removed", "-")


def holder_state(lock: LockInfo) -> str:
    """`gone` or `alive` when the holder ran on this host (its pid tells), else `unknown`."""
    if lock.host != socket.gethostname() or lock.pid <= 0:
        return "unknown"
    try:
        os.kill(lock.pid, 0)
    except ProcessLookupError:
        return "gone"
    except OSError:
        return "alive"  # exists, owned by someone else
    return "alive"


def ci_run() -> str:
    """This process's CI run: GitHub Actions' GITHUB_RUN_ID, empty elsewhere."""
    return os.environ.get("GITHUB_RUN_ID", "") if os.environ.get("GITHUB_ACTIONS") == "true" else ""


def _user() -> str:
    # GitHub Actions runs as `runner`; the actor who started the workflow is more useful.
    actor = os.environ.get("GITHUB_ACTOR")
    if actor:
        return f"{actor} (GitHub Actions)"
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
