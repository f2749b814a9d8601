"""`bluegreen pause`: ask the release running on a stack, from anywhere, to stop at its next consistent point.

The request is a stack tag (`bluegreen-pause`), next to the lock, so it reaches the
engine wherever it runs (a laptop, a CI runner). The engine reads it before every
step and at every poll of a pause, stops with the weights as deployed (exit 4), and
removes the tag; `bluegreen resume` continues from there.
"""

from datetime import UTC, datetime

from .stack_driver import StackDriver, StackError
from .stack_lock import current_lock, new_lock

PAUSE_TAG = "bluegreen-pause"


class NothingToPauseError(StackError):
    """No release holds the stack."""


def request_pause(driver: StackDriver) -> str:
    """Leave the request for the lock holder; returns who holds it. Refused when no release runs."""
    held = current_lock(driver)
    if held is None:
        raise NothingToPauseError(
            f"no release is running on stack {driver.name} (it holds no lock); nothing to pause"
        )
    if any(f"bluegreen {word}" in held.command for word in ("rollback", "abort")):
        raise NothingToPauseError(
            f"too late to pause: {held.describe()} is already sending traffic back; it ends with 100% on the "
            f"recorded live color (bluegreen status --stack {driver.name} shows the result)"
        )
    me = new_lock("bluegreen pause")
    when = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    driver.set_tag(PAUSE_TAG, f"{me.holder} on {me.host} at {when}")
    return held.describe()


def pause_requested(driver: StackDriver) -> str | None:
    """Who asked for a pause, or None. A backend that cannot be read is not a request."""
    try:
        return driver.tags().get(PAUSE_TAG) or None
    except StackError:
        return None


def clear_pause(driver: StackDriver) -> None:
    if pause_requested(driver) is not None:
        driver.remove_tag(PAUSE_TAG)
