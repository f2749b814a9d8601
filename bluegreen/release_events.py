"""The release event stream: what happened during one release, as JSON objects a machine can follow.

Every traffic command builds one `EventLog`. It is an engine Observer (step started and
finished, each measurement with its evidence, each verdict, the rollback) and the session
tells it the rest (release started, lock taken and released, the outcome). Every event
carries the same envelope: schema version, type, wall time, seconds since the release
started, the release id (one per release), stack, command, the candidate's image, the
colors and the weights deployed at that moment. `bluegreen/events.schema.json` is the
contract, documented in docs/events.md.

Sinks (a JSON Lines file, the notifier) receive each event as it is emitted. A sink that
fails is remembered and skipped from then on: following a release never changes it.
"""

import dataclasses
import json
import math
import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from components.safe_text import scrubbed
from components.spec import Color, Traffic

from .analysis.measurement import Measurement
from .health_gates import GateResult
from .rollout import Decision, RolloutResult, StepRecord
from .rollout_plan import RolloutPlan, Step
from .stack_lock import LockInfo

SCHEMA_VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("events.schema.json")

Event = dict[str, Any]
Sink = Callable[[Event], None]



def new_release_id(now: datetime) -> str:
    """Sortable and unique enough to name one release in a chat or a log search: 20261204T163500Z-3fa9c1."""
    return f"{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def iso_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclasses.dataclass(frozen=True)
class ReleaseContext:
    """What every event of one release repeats."""

    release_id: str
    stack: str
    command: str
    image: str
    """The image the candidate color runs (for a rollback, the image taking the traffic back)."""
    live: Color
    candidate: Color
    weights: Traffic
    """The weights deployed when the release started."""

    @classmethod
    def of(
        cls, plan: RolloutPlan, stack: str, command: str, weights: Traffic, release_id: str
    ) -> "ReleaseContext":
        last = plan.steps[-1].spec if plan.steps else None
        image = last.color(plan.candidate).image if last is not None else ""
        return cls(release_id, stack, command, image, plan.live, plan.candidate, weights)


class EventLog:
    """Builds the events of one release and hands each to every sink; keeps them for the report."""

    def __init__(
        self,
        context: ReleaseContext,
        sinks: list[Sink] | None = None,
        clock: Callable[[], float] | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self.context = context
        self.sinks: list[Sink] = list(sinks or [])
        self.events: list[Event] = []
        self.sink_errors: list[str] = []
        self._now = now
        self._clock = clock
        self._start = clock() if clock else None
        self._start_time = now()
        self._weights = context.weights
        self._step: Event | None = None
        self._last_measurements: list[Event] = []
        self._last_health: list[Event] = []

    # -- envelope ------------------------------------------------------------------------------------

    def emit(self, kind: str, **fields: Any) -> Event:
        moment = self._now()
        if self._clock is not None and self._start is not None:
            elapsed = max(0.0, self._clock() - self._start)
        else:
            elapsed = max(0.0, (moment - self._start_time).total_seconds())
        context = self.context
        event: Event = {
            "schemaVersion": SCHEMA_VERSION,
            "type": kind,
            "time": iso_time(moment),
            "elapsed": round(elapsed, 3),
            "release": context.release_id,
            "stack": context.stack,
            "command": context.command,
            "image": context.image,
            "colors": {"live": context.live, "candidate": context.candidate},
            "weights": _weights(self._weights),
            **fields,
        }
        # Events leave the process (a file, a notifier): no secret the release read, no URL credentials.
        event = scrubbed(event)
        self.events.append(event)
        for sink in list(self.sinks):
            try:
                sink(event)
            except Exception as error:  # a reader's failure never becomes the release's
                self.sinks.remove(sink)
                name = getattr(sink, "name", getattr(sink, "__name__", type(sink).__name__))
                self.sink_errors.append(f"{name}: {error}")
        return event

    # -- what the session reports ----------------------------------------------------------------------

    def started(self, plan: RolloutPlan) -> None:
        steps = [_step_fields(index, len(plan.steps), step) for index, step in enumerate(plan.steps)]
        rollback = None if plan.rollback is None else plan.rollback.label
        self.emit("release.started", plan={"steps": steps, "rollback": rollback, "notes": list(plan.notes)})

    def lock_taken(self, lock: LockInfo | None) -> None:
        held = None if lock is None else {"holder": lock.holder, "host": lock.host, "since": lock.started}
        self.emit("lock.taken", lock=held)

    def lock_released(self) -> None:
        self.emit("lock.released")

    def ended(self, result: RolloutResult, next_commands: list[str]) -> Event:
        if result.deployed is not None:
            self._weights = result.deployed
        unhealthy = [h for h in self._last_health if not h["healthy"]]
        evidence = {"measurements": self._last_measurements, "health": unhealthy}
        return self.emit(
            f"release.{result.outcome}",
            outcome={
                "result": result.outcome,
                "message": result.message,
                "exitCode": result.exit_code,
                "stepsDone": result.steps_done,
                "deployed": None if result.deployed is None else _weights(result.deployed),
                "next": next_commands,
                "evidence": evidence if result.outcome != "done" else {"measurements": [], "health": []},
            },
        )

    # -- the engine's Observer ---------------------------------------------------------------------------

    def step(self, index: int, total: int, step: Step) -> None:
        self._step = _step_fields(index, total, step)
        self._last_measurements = []
        self.emit("step.started", step=self._step)

    def output(self, line: str) -> None:
        pass  # Pulumi's own output stays in the console and the CI log

    def health(self, results: list[GateResult]) -> None:
        self._last_health = [dataclasses.asdict(r) for r in results]
        self.emit("health", step=self._step, health=self._last_health)

    def measurements(self, seconds_left: float | None, found: list[Measurement]) -> None:
        self._last_measurements = [measurement_fields(m) for m in found]
        left = None if seconds_left is None else round(seconds_left, 3)
        for measured in self._last_measurements:
            self.emit("measurement", step=self._step, secondsLeft=left, measurement=measured)

    def progress(self, step: Step, seconds_left: float) -> None:
        pass  # the countdown is for people watching a terminal

    def note(self, message: str) -> None:
        self.emit("note", step=self._step, message=message)

    def verdict(self, step: Step, decision: Decision, reason: str) -> None:
        self.emit("verdict", step=self._step, decision=decision, reason=reason)

    def finished(self, step: Step, record: StepRecord, deployed: Traffic | None) -> None:
        if deployed is not None:
            self._weights = deployed
        result = {"result": record.result, "seconds": round(record.seconds, 3), "detail": record.detail}
        self.emit("step.finished", step=self._step, result=result)

    def rolling_back(self, reason: str, step: Step) -> None:
        self._step = _step_fields(-1, 0, step)  # number 0: the rollback is no step of the plan
        self.emit("rollback.started", step=self._step, reason=reason)


class JsonLinesSink:
    """Writes each event as one line and flushes it, so `tail -f` and a crashed run keep every line."""

    def __init__(self, stream: IO[str], name: str):
        self.stream = stream
        self.name = name

    def __call__(self, event: Event) -> None:
        self.stream.write(json.dumps(event, separators=(",", ":"), allow_nan=False) + "\n")
        self.stream.flush()


def read_events(text: str) -> list[Event]:
    """The events of a saved stream; a line that is not a JSON object raises ValueError naming it."""
    events = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"line {number} is not JSON: {error.msg}") from None
        if not isinstance(event, dict) or "type" not in event:
            raise ValueError(f"line {number} is not a bluegreen event (no `type`)")
        events.append(event)
    return events


def measurement_fields(measurement: Measurement) -> Event:
    """A measurement with all the evidence it carries, camelCase, numbers JSON can hold."""
    return {_camel(key): _plain(value) for key, value in dataclasses.asdict(measurement).items()}


def _step_fields(index: int, total: int, step: Step) -> Event:
    return {
        "number": index + 1,
        "total": total,
        "label": step.label,
        "kind": step.kind,
        "color": step.color,
        "seconds": step.seconds,
        "weights": _weights(step.spec.traffic),
    }


def _weights(traffic: Traffic) -> dict[str, int]:
    return {"blue": traffic.blue, "green": traffic.green}


def _camel(name: str) -> str:
    return re.sub(r"_([a-z0-9])", lambda match: match.group(1).upper(), name)


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {_camel(str(k)): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
