"""Past releases of a stack, read back from `pulumi stack history`: the update messages the engine writes.

Every `pulumi up` the release engine runs carries a message such as
`bluegreen release repo/web:1.5.0 to green, step 3/7: blue 75 green 25`, and its automatic
rollback `bluegreen rollback: 100% to blue`. Consecutive updates of one plan (same title, step
numbers going up) are one release; a rollback right after it ends it. Its outcome follows from
where it stopped: the last step done (`done`), a rollback (`rolled back`), an update that failed
(`failed`), or an earlier step (`stopped`: paused, interrupted, or waiting to be resumed).
Updates without such a message (a `pulumi up` by hand) are listed as they are.

The input is `pulumi stack history --json` (newest first), or the Automation API's equivalent.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

STEP = re.compile(
    r"^bluegreen (?P<title>.+?),? step (?P<number>\d+)/(?P<total>\d+): blue (?P<blue>\d+) green (?P<green>\d+)\s*$"
)
ROLLBACK = re.compile(r"^bluegreen rollback: 100% to (?P<color>blue|green)\s*$")
IMAGE = re.compile(
    r"(?:release|promote) (?P<image>\S+) to (?P<color>blue|green)|to (?P<color2>blue|green) \((?P<image2>[^)]+)\)"
)


@dataclass(frozen=True)
class Update:
    version: int | None
    message: str
    result: str
    start: datetime
    end: datetime | None


@dataclass
class PastRelease:
    title: str
    """What the engine called the change: `release repo/web:1.5.0 to green`, or the update's own message."""
    updates: list[Update] = field(default_factory=list)
    last_step: int = 0
    total_steps: int = 0
    weights: tuple[int, int] | None = None
    """(blue, green) of the last update."""
    rolled_back: bool = False
    bluegreen: bool = True

    @property
    def image(self) -> str:
        match = IMAGE.search(self.title)
        if not match:
            return "-"
        return match.group("image") or match.group("image2")

    @property
    def outcome(self) -> str:
        if not self.bluegreen:
            return "not a bluegreen release"
        if self.rolled_back:
            return "rollback FAILED" if self.updates[-1].result == "failed" else "rolled back"
        if any(u.result == "failed" for u in self.updates):
            return "failed"
        if any(u.result == "in-progress" for u in self.updates):
            return "in progress"
        if self.total_steps and self.last_step >= self.total_steps:
            return "done"
        return f"stopped at step {self.last_step}/{self.total_steps}"

    @property
    def started(self) -> datetime:
        return self.updates[0].start

    @property
    def seconds(self) -> float | None:
        end = self.updates[-1].end
        return None if end is None else max(0.0, (end - self.started).total_seconds())


def parse_time(text: str) -> datetime:
    """`2026-12-04T09:30:00.000Z`, the format `pulumi stack history --json` writes."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def updates_of(history: list[dict[str, Any]]) -> list[Update]:
    """The `update` entries of `pulumi stack history --json`, oldest first (previews, refreshes left out)."""
    found = [
        Update(
            entry.get("version"),
            str(entry.get("message") or ""),
            str(entry.get("result") or ""),
            parse_time(entry["startTime"]),
            parse_time(entry["endTime"]) if entry.get("endTime") else None,
        )
        for entry in history
        if entry.get("kind") == "update"
    ]
    return sorted(found, key=lambda update: (update.start, update.version or 0))


def releases_of(history: list[dict[str, Any]]) -> list[PastRelease]:
    """The releases in a stack's history, newest first."""
    releases: list[PastRelease] = []
    current: PastRelease | None = None
    for update in updates_of(history):
        step = STEP.match(update.message)
        if step:
            number, total = int(step["number"]), int(step["total"])
            if current is None or not current.bluegreen or current.rolled_back or current.title != step["title"] or (
                number <= current.last_step
            ):
                current = PastRelease(step["title"])
                releases.append(current)
            current.updates.append(update)
            current.last_step, current.total_steps = number, total
            current.weights = (int(step["blue"]), int(step["green"]))
            continue
        rollback = ROLLBACK.match(update.message)
        if rollback and current is not None and current.bluegreen and not current.rolled_back:
            current.updates.append(update)
            current.rolled_back = True
            current.weights = (100, 0) if rollback["color"] == "blue" else (0, 100)
            continue
        current = PastRelease(update.message or "(no message)", [update], bluegreen=False)
        releases.append(current)
    return list(reversed(releases))
