"""Pure planning: the stack's config, its strategy and an operator request in, an ordered list of steps out.

Nothing here touches a stack. The strategy is `bluegreen:rollout` (its steps,
preset or the default); `--steps`/`--bake` override it for one run. Every step's
resulting config, and the rollback's, is validated with the config model before a
plan is returned, so a request that would fail halfway (a weight on a color with
0 replicas, a split on a Kubernetes stack without a Gateway) is refused before the
first `pulumi up`.

Which color is live and which is the release's candidate comes from the release
record (`bluegreen:release`, see recorded_state.py), never from the weights: every
step writes the record in the same config write as its weights, and the last step
of a release records the candidate as live once all its gates passed.
"""

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from components.spec import BlueGreenSpec, Color, ConfigError, ReleaseRecord, Traffic
from components.spec.durations import show_duration
from components.spec.images import image_rule_broken
from components.traffic import live_color

from .plan_error import PlanError
from .recorded_state import KEY as RECORD_KEY
from .recorded_state import fingerprint, record_values, recorded, settled
from .stack_driver import ConfigScalar
from .stack_files import set_path, spec_of

StepKind = Literal["deploy", "check", "hook", "weight", "pause", "manual", "record"]
"""deploy: set the image, wait until healthy. check: wait until healthy. hook: the preTraffic hook.
weight: move traffic (one update). pause: hold the weight, watching health and analysis.
manual: stop here until `bluegreen resume`. record: write the candidate as the verified live color."""

DEFAULT_BAKE_SECONDS = 60.0
"""The pause after each `--steps` weight when `--bake` is not given."""


@dataclass(frozen=True)
class ConfigChange:
    path: str
    value: ConfigScalar

    def __str__(self) -> str:
        return f"{self.path}={self.value}"


@dataclass(frozen=True)
class Step:
    """One step of a plan; `changes` are written in one config write, then one `pulumi up`."""

    kind: StepKind
    label: str
    changes: tuple[ConfigChange, ...]
    color: Color
    """The color the step is about (the one taking traffic)."""
    spec: BlueGreenSpec
    """The validated config once this step is applied."""
    seconds: float | None = None
    """How long a pause holds its weight."""
    settle: bool = False
    """A weight step with no pause after it: observe health once after the update."""

    @property
    def moves_traffic(self) -> bool:
        return any(c.path.startswith("bluegreen:traffic") for c in self.changes)

    @property
    def gate(self) -> str | None:
        """What is watched after the step: `ready` (until healthy), `bake` (for a while) or nothing."""
        return {"deploy": "ready", "check": "ready", "pause": "bake", "manual": "resume"}.get(self.kind)


@dataclass(frozen=True)
class RolloutPlan:
    live: Color
    """The color that had production traffic before; rollbacks return here."""
    candidate: Color
    steps: tuple[Step, ...]
    rollback: Step | None
    """Run when a step fails after traffic moved; None when the plan is itself a rollback."""
    notes: tuple[str, ...] = ()
    """Things the operator should know before it runs (a repaired traffic block)."""
    title: str = ""
    """One line saying what the plan does, for the plan table."""
    image: str = ""
    """The image the plan sends traffic to (the release's, or the live one for a rollback)."""


@dataclass(frozen=True)
class Override:
    """CLI options that replace the strategy in config for one run."""

    steps: tuple[int, ...] | None = None
    """--steps: these weights, each followed by a pause of `bake`."""
    bake: float | None = None
    """--bake: the length of every timed pause."""


@dataclass(frozen=True)
class StrategyStep:
    kind: Literal["weight", "pause", "manual"]
    value: float
    """The weight, or the pause in seconds (0 for a manual gate)."""


def other(color: Color) -> Color:
    return "green" if color == "blue" else "blue"


def parse_steps(text: str, option: str = "--steps") -> list[int]:
    """`"10,50,100"` -> [10, 50, 100]; strictly increasing percentages 1..100."""
    try:
        # ASCII digits only: int() would read `٥` as 5.
        steps = [int(part) if part.strip().isascii() else int("x") for part in text.split(",") if part.strip()]
    except ValueError:
        raise PlanError(f"{option} = {text!r} is invalid: must be comma-separated integers, e.g. 10,50,100") from None
    if not steps:
        raise PlanError(f"{option} = {text!r} is invalid: give at least one percentage, e.g. 10,50,100")
    if any(not 1 <= step <= 100 for step in steps):
        raise PlanError(f"{option} = {text!r} is invalid: every step must be a percentage from 1 to 100")
    if any(b <= a for a, b in itertools.pairwise(steps)):
        raise PlanError(f"{option} = {text!r} is invalid: steps must strictly increase")
    return steps


def strategy(spec: BlueGreenSpec, override: Override = Override()) -> list[StrategyStep]:
    """The steps this run follows: `--steps` if given, else `bluegreen:rollout` expanded; `--bake` applied."""
    if override.steps is not None:
        bake = DEFAULT_BAKE_SECONDS if override.bake is None else override.bake
        found: list[StrategyStep] = []
        for weight in override.steps:
            found += [StrategyStep("weight", weight), StrategyStep("pause", bake)]
        return found
    found = []
    for step in spec.rollout.expanded_steps():
        if step.set_weight is not None:
            found.append(StrategyStep("weight", step.set_weight))
        elif step.is_manual_gate:
            found.append(StrategyStep("manual", 0))
        else:
            seconds = step.pause_seconds or 0.0
            found.append(StrategyStep("pause", seconds if override.bake is None else override.bake))
    return found


def describe(steps: Sequence[StrategyStep]) -> list[str]:
    """`["setWeight 10", "pause 5m", "pause (manual: bluegreen resume)", ...]`, as `status` shows them."""
    words = {"weight": lambda s: f"setWeight {s.value:g}", "pause": lambda s: f"pause {show_duration(s.value)}"}
    return [words[s.kind](s) if s.kind in words else "pause until `bluegreen resume`" for s in steps]


def plan_release(
    config: dict[str, Any],
    image: str,
    override: Override = Override(),
    replicas: int | None = None,
    record: ReleaseRecord | None = None,
) -> RolloutPlan:
    """Deploy `image` to the idle color, wait until it is healthy, run the hook, then follow the strategy."""
    spec = spec_of(config)
    _refuse_split(spec)
    # The same rule as bluegreen:<color>.image, before any config is written.
    if (rule := image_rule_broken(image)) is not None:
        raise PlanError(f"--image = {image!r} is invalid: {rule}")
    record = record or recorded(config, {})
    live = _settled_live(spec, record)
    candidate = other(live)
    if image == spec.color(live).image:
        raise PlanError(
            f"--image = {image!r} is invalid: it is already live on {live} (bluegreen:{live}.image); nothing to release"
        )
    live_image = record.live_image if record else spec.color(live).image
    steps = strategy(spec, override)
    started = ReleaseRecord(
        live=live,
        live_image=live_image,
        candidate=candidate,
        candidate_image=image,
        strategy=fingerprint(steps),
        step=1,
    )
    changes = [ConfigChange(f"bluegreen:{candidate}.image", image)]
    if replicas is not None:
        changes.append(ConfigChange(f"bluegreen:{candidate}.replicas", replicas))
    elif spec.replicas(candidate) == 0:
        # The idle color was scaled down after the last release: bring it back at the live color's size.
        changes.append(ConfigChange(f"bluegreen:{candidate}.replicas", spec.replicas(live)))
    changes += _record_changes(started)
    builder = _Builder(config, live, candidate, started, rewrite_record=False)
    builder.add("deploy", f"deploy {image} to {candidate} (0% traffic)", changes)
    builder.add_hook()
    builder.add_strategy(steps)
    return builder.plan(f"release {image} to {candidate}; {live} is live ({live_image})")


def plan_shift(
    config: dict[str, Any], override: Override = Override(), record: ReleaseRecord | None = None
) -> RolloutPlan:
    """Move traffic to the candidate color: the strategy's weights above its current one, each checked."""
    spec = spec_of(config)
    record = record or recorded(config, {})
    if record is not None:
        live = record.live
    elif sorted((spec.traffic.blue, spec.traffic.green)) == [0, 100]:
        live = live_color(spec.traffic)  # one color serves everything: that is what the release returns to
    else:
        raise _unrecorded("bluegreen shift")
    candidate = other(live)
    current = spec.traffic.of(candidate)
    if override.steps is not None and override.steps[0] <= current:
        raise PlanError(
            f"--steps starts at {override.steps[0]}, but {candidate} already has {current}%: every step must be "
            f"above the candidate's current weight (to send traffic back to {live}, use `bluegreen rollback`)"
        )
    steps = strategy(spec, override)
    image = spec.color(candidate).image
    live_image = record.live_image if record else spec.color(live).image
    started = ReleaseRecord(
        live=live, live_image=live_image, candidate=candidate, candidate_image=image, strategy=fingerprint(steps)
    )
    builder = _Builder(config, live, candidate, started)
    builder.add("check", f"check {candidate} is healthy before shifting", [])
    if current == 0:
        builder.add_hook()
    builder.add_strategy(_after(steps, current))
    return builder.plan(f"shift traffic to {candidate} ({image}); {live} is live ({live_image})")


def plan_resume(
    config: dict[str, Any],
    deployed: Traffic | None,
    override: Override = Override(),
    candidate: Color | None = None,
    record: ReleaseRecord | None = None,
) -> RolloutPlan:
    """Continue a paused or interrupted release from the weights the stack has.

    The candidate is the recorded one (`bluegreen:release.candidate`); on a stack with no
    record, `candidate` (`--to`) must name it: weights alone never decide. The timed pauses
    at its current weight run again (analysis judges the weight afresh), a manual gate
    there is passed (that is what `resume` means), and the rest of the strategy follows.
    """
    spec = spec_of(config)
    weights = (spec.traffic.blue, spec.traffic.green)
    if deployed is not None and (deployed.blue, deployed.green) != weights:
        raise PlanError(
            f"bluegreen:traffic = {{blue: {weights[0]}, green: {weights[1]}}} in config, but the last update "
            f"deployed {{blue: {deployed.blue}, green: {deployed.green}}}: nothing can resume from a stack whose "
            "config and deployment differ; run `bluegreen rollback` to restore a known state"
        )
    steps = strategy(spec, override)
    record = record or recorded(config, {})
    notes: tuple[str, ...] = ()
    if record is not None:
        if record.candidate is None:
            raise PlanError(
                f"nothing to resume: no release is in progress ({RECORD_KEY}.live = {record.live}, "
                f"{record.live_image}; start one with `bluegreen release`)"
            )
        if candidate is not None and candidate != record.candidate:
            raise PlanError(
                f"--to = {candidate!r} is invalid: the release in progress moves traffic to {record.candidate} "
                f"({RECORD_KEY}.candidate)"
            )
        candidate = record.candidate
        image = spec.color(candidate).image
        if image != record.candidate_image:
            raise PlanError(
                f"bluegreen:{candidate}.image = {image!r}, but the release in progress is {record.candidate_image!r}: "
                "the image changed under the release, so nobody verified it; run `bluegreen abort`"
            )
        if record.strategy is not None and record.strategy != fingerprint(steps):
            notes = (
                f"the strategy changed since the release started; continuing with the new one from {candidate}'s "
                "current weight",
            )
        started = record
    elif candidate is None:
        raise _unrecorded("bluegreen resume", "name the release's candidate color with --to COLOR")
    else:
        started = ReleaseRecord(
            live=other(candidate),
            live_image=spec.color(other(candidate)).image,
            candidate=candidate,
            candidate_image=spec.color(candidate).image,
            strategy=fingerprint(steps),
        )
    current = spec.traffic.of(candidate)
    if record is None and current in (0, 100):
        raise PlanError(
            f"nothing to resume: bluegreen:traffic = {{blue: {weights[0]}, green: {weights[1]}}} is not "
            "mid-release (start one with `bluegreen release`, or move traffic with `bluegreen shift`)"
        )
    builder = _Builder(config, started.live, candidate, started, rewrite_record=record is None)
    builder.add("check", f"check {candidate} is healthy before resuming at {current}%", [])
    if current == 0:
        builder.add_hook()
    builder.add_strategy(_at(steps, current))
    plan = builder.plan(
        f"resume the release of {started.candidate_image} to {candidate} at {current}%; "
        f"{started.live} is live ({started.live_image})"
    )
    return RolloutPlan(plan.live, plan.candidate, plan.steps, plan.rollback, notes, plan.title, plan.image)


def plan_rollback(
    config: dict[str, Any],
    check: bool = True,
    deployed: Traffic | None = None,
    record: ReleaseRecord | None = None,
    to: Color | None = None,
) -> RolloutPlan:
    """100% to the recorded live color (`bluegreen:release.live`), restoring the image it was verified with.

    `to` sends 100% to that color instead, which then becomes the recorded live color; it
    is always health-checked first unless it is the recorded live color and `check` is
    off. No record and no `to`: refused, never guessed from the weights. The starting
    point is what is deployed: a `bluegreen:traffic` that does not sum to 100 (a
    half-written change by another tool) or that differs from the last update (a stack
    file that lost a lost CI runner's writes) is replaced by the deployed weights.
    A plan with no steps means there is nothing to do (its notes say why).
    """
    config, notes = _repair_traffic(config, deployed)
    spec = spec_of(config)
    record = record or recorded(config, {})
    if to is None and record is None:
        raise _unrecorded(
            "bluegreen rollback",
            "say which color gets 100% of traffic with --to COLOR (its health gate runs first)",
        )
    target: Color = to or record.live  # type: ignore[union-attr]
    verified = record is not None and record.live == target
    image = record.live_image if verified and record else spec.color(target).image
    why = "the recorded live color" if verified else "named with --to; checked first"
    builder = _Builder(config, live=other(target), candidate=target)
    final = settled(target, image)
    restore = spec.color(target).image != image
    if (
        not notes
        and not restore
        and record == final
        and spec.traffic.of(target) == 100
        and (deployed is None or deployed.of(target) == 100)
    ):
        done = f"nothing to roll back: {target} ({image}, {why}) has 100% of traffic and config equals what is deployed"
        return RolloutPlan(other(target), target, (), None, (done,), f"roll back to {target}", image)
    if check or not verified:
        builder.add("check", f"check {target} is healthy before sending it traffic", [])
    extra = [ConfigChange(f"bluegreen:{target}.image", image)] if restore else []
    label = f"send 100% to {target}" + (f" and restore its verified image {image}" if restore else "")
    builder.steps.append(builder.weights_step(target, 100, label, extra=extra + _record_changes(final)))
    return RolloutPlan(
        other(target), target, tuple(builder.steps), None, notes, f"roll back: 100% to {target} ({image}, {why})", image
    )


def _repair_traffic(config: dict[str, Any], deployed: Traffic | None) -> tuple[dict[str, Any], tuple[str, ...]]:
    traffic = config.get("bluegreen:traffic")
    if not isinstance(traffic, dict):
        return config, ()
    try:
        blue, green = int(traffic.get("blue", 100)), int(traffic.get("green", 0))
    except (TypeError, ValueError):
        return config, ()
    if blue + green == 100:
        if deployed is None or (deployed.blue, deployed.green) == (blue, green):
            return config, ()
        # Config lost its last writes (a CI runner gone before it committed the stack file): what
        # serves traffic is what the last update deployed, so the rollback starts from there.
        note = (
            f"bluegreen:traffic = {{blue: {blue}, green: {green}}} differs from the last update "
            f"({{blue: {deployed.blue}, green: {deployed.green}}}); rolling back from what is deployed"
        )
        repaired = set_path(config, "bluegreen:traffic.blue", deployed.blue)
        return set_path(repaired, "bluegreen:traffic.green", deployed.green), (note,)
    base = deployed or Traffic(blue=100, green=0)
    repaired = set_path(set_path(config, "bluegreen:traffic.blue", base.blue), "bluegreen:traffic.green", base.green)
    source = "the last update" if deployed else "the default, as nothing was deployed"
    note = (
        f"bluegreen:traffic = {{blue: {blue}, green: {green}}} sums to {blue + green}, not 100; repairing it "
        f"from {source} ({{blue: {base.blue}, green: {base.green}}}) in the same write as the rollback"
    )
    return repaired, (note,)


def _after(steps: Sequence[StrategyStep], current: int) -> list[StrategyStep]:
    """The strategy from its first weight above `current`."""
    for index, step in enumerate(steps):
        if step.kind == "weight" and step.value > current:
            return list(steps[index:])
    return []


def _at(steps: Sequence[StrategyStep], current: int) -> list[StrategyStep]:
    """Resuming at `current`: its timed pauses again (not its manual gates), then the rest."""
    for index, step in enumerate(steps):
        if step.kind == "weight" and step.value == current:
            rest = list(steps[index + 1 :])
            held = list(itertools.takewhile(lambda s: s.kind != "weight", rest))
            return [s for s in held if s.kind == "pause"] + rest[len(held) :]
    return _after(steps, current)


def _refuse_split(spec: BlueGreenSpec) -> None:
    if sorted((spec.traffic.blue, spec.traffic.green)) != [0, 100]:
        raise PlanError(
            f"bluegreen:traffic = {{blue: {spec.traffic.blue}, green: {spec.traffic.green}}} is mid-rollout: "
            "a release needs one color at 100%; continue it with `bluegreen resume` "
            "or undo it with `bluegreen rollback` first"
        )


def _settled_live(spec: BlueGreenSpec, record: ReleaseRecord | None) -> Color:
    """The color a new release starts from: the one at 100%, which must be the recorded live color."""
    live = live_color(spec.traffic)
    if record is None:
        return live  # a stack from before the record: the color serving everything is what a failure returns to
    if record.live != live:
        raise PlanError(
            f"{RECORD_KEY}.live = {record.live}, but {live} has 100% of traffic: nobody verified {live} as live; "
            f"send traffic where you mean it with `bluegreen rollback --to COLOR` (health-checked) first"
        )
    if spec.color(live).image != record.live_image:
        raise PlanError(
            f"bluegreen:{live}.image = {spec.color(live).image!r}, but {live} was verified with "
            f"{record.live_image!r} ({RECORD_KEY}.liveImage): an unverified image change on the live color; "
            "`bluegreen rollback` restores the verified image"
        )
    return live


def _unrecorded(command: str, then: str = "run `bluegreen rollback --to COLOR` first") -> PlanError:
    return PlanError(
        f"{command} needs to know which color is live, and this stack records none ({RECORD_KEY} is unset: it "
        f"was deployed before bluegreen recorded releases); the weights alone never decide it: {then}"
    )


def _record_changes(record: ReleaseRecord) -> list[ConfigChange]:
    return [ConfigChange(path, value) for path, value in record_values(record).items()]


class _Builder:
    """Accumulates steps on a running copy of the config, validating each result.

    With a release `record`, every weight step also writes the release's progress: the
    whole record the first time (unless a step before wrote it), then only its `step`.
    """

    def __init__(
        self,
        config: dict[str, Any],
        live: Color,
        candidate: Color,
        record: ReleaseRecord | None = None,
        rewrite_record: bool = True,
    ):
        self.config = config
        self.live: Color = live
        self.candidate: Color = candidate
        self.record = record
        self._record_written = not rewrite_record
        self.steps: list[Step] = []

    def add(self, kind: StepKind, label: str, changes: list[ConfigChange], seconds: float | None = None) -> None:
        self.steps.append(self._step(kind, label, changes, self.candidate, seconds))

    def add_hook(self) -> None:
        hook = spec_of(self.config).rollout.hooks.pre_traffic
        if hook is not None:
            self.add("hook", f"preTraffic hook on the test route: {hook.describe()}", [])

    def add_strategy(self, steps: Sequence[StrategyStep]) -> None:
        weight = spec_of(self.config).traffic.of(self.candidate)
        for index, step in enumerate(steps):
            if step.kind == "weight":
                weight = int(step.value)
                label = f"shift {self.candidate} to {weight}% ({self.live} {100 - weight}%)"
                paused = index + 1 < len(steps) and steps[index + 1].kind == "pause"
                step_record = self._progress()
                self.steps.append(self.weights_step(self.candidate, weight, label, not paused, step_record))
            elif step.kind == "pause":
                self.add("pause", f"hold {self.candidate} at {weight}% for {show_duration(step.value)}", [], step.value)
            else:
                self.add("manual", f"wait at {self.candidate} {weight}% for `bluegreen resume`", [])

    def weights_step(
        self, color: Color, weight: int, label: str, settle: bool = False, extra: Sequence[ConfigChange] = ()
    ) -> Step:
        changes = [
            ConfigChange(f"bluegreen:traffic.{color}", weight),
            ConfigChange(f"bluegreen:traffic.{other(color)}", 100 - weight),
            *extra,
        ]
        step = self._step("weight", label, changes, color)
        return Step(step.kind, step.label, step.changes, step.color, step.spec, settle=settle)

    def plan(self, title: str) -> RolloutPlan:
        record = self.record
        image = record.candidate_image if record and record.candidate_image else ""
        reaches_all = spec_of(self.config).traffic.of(self.candidate) == 100
        if record is not None and record.candidate is not None and reaches_all:
            # Every gate has passed: the candidate becomes the color recovery returns to.
            verified = settled(self.candidate, image or spec_of(self.config).color(self.candidate).image)
            label = f"record {self.candidate} ({verified.live_image}) as the verified live color"
            self.add("record", label, _record_changes(verified))
        # Rolling back from any step rewrites the weights and the record, so one rollback step covers them all.
        saved = self.config
        back = _record_changes(settled(self.live, record.live_image)) if record is not None else []
        rollback = self.weights_step(self.live, 100, f"100% back to {self.live}", extra=back)
        self.config = saved
        return RolloutPlan(self.live, self.candidate, tuple(self.steps), rollback, title=title, image=image)

    def _progress(self) -> list[ConfigChange]:
        if self.record is None or self.record.candidate is None:
            return []
        number = len(self.steps) + 1
        if self._record_written:
            return [ConfigChange(f"{RECORD_KEY}.step", number)]
        self._record_written = True
        return _record_changes(self.record.model_copy(update={"step": number}))

    def _step(
        self, kind: StepKind, label: str, changes: list[ConfigChange], color: Color, seconds: float | None = None
    ) -> Step:
        config = self.config
        for change in changes:
            config = set_path(config, change.path, change.value)
        try:
            spec = spec_of(config)
        except ConfigError as error:
            raise PlanError(f"step '{label}' would leave an invalid stack config:\n{error}") from None
        self.config = config
        return Step(kind, label, tuple(changes), color, spec, seconds)
