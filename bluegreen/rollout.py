"""Execute a RolloutPlan through a StackDriver: one rule for every failure, so no stack is left half-moved.

A step writes its config changes in one write and runs `pulumi up`; then it is
watched: `deploy`/`check` poll until the color is healthy, a `pause` holds the
weight while health gates run every poll and the analysis measures every
`analysis.interval`, a `manual` step stops until `bluegreen resume`.

The rule: once traffic has moved, any failure (a gate, a measurement, an update,
an exception in the engine itself) sends 100% back to the color that was live, in
one write and one update, and the result says what failed and what is deployed.
Stops that are not failures (a manual gate, analysis without data, an interrupt
with `--on-interrupt pause`) leave the last deployed weights, which config then
equals. An interrupt cuts short a health check, a measurement or a hook under way:
it is abandoned, not judged, so the engine stops within moments of the signal.
Before every step the stack's config and lock are read again; if someone changed
the config or took the lock, the engine stops and touches nothing more.

Every write is verified (verified_writes.py): the config is read back after each
write, the outputs of each update are compared with what the engine meant to deploy.
A difference is a conflict (exit 5); if it put weight on something unverified, the
engine first sends 100% back to the recorded live color. Every update carries a
message naming the release, the step and the weights, so `pulumi stack history`
reads as the release's log.
"""

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from components.spec import BlueGreenSpec, Color, Traffic
from components.spec.durations import show_duration
from components.spec.rollout import AnalysisSpec, HookSpec

from .analysis.measurement import Analysis, Measurement
from .deadline import Abandoned, AbandonedError, Done, Late, call_with_deadline
from .exit_codes import ExitCode
from .health_gates import GateResult, HealthGate, check_all, deployed_traffic
from .pause_evidence import Decision, PauseEvidence, ReleaseTally
from .rollout_plan import RolloutPlan, Step, other
from .stack_driver import ConfigScalar, StackDriver, StackError
from .stack_files import spec_of as spec_of_config
from .verified_writes import config_differences, output_differences, own_write_to_undo, with_written

Outcome = Literal["done", "failed", "rolled_back", "rollback_failed", "paused", "conflict", "interrupted"]

EXIT_CODES: dict[Outcome, int] = {
    "done": ExitCode.DONE,
    "failed": ExitCode.FAILED,
    "rolled_back": ExitCode.FAILED,
    "rollback_failed": ExitCode.ROLLBACK_FAILED,
    "paused": ExitCode.PAUSED,
    "conflict": ExitCode.CONFLICT,
    "interrupted": ExitCode.INTERRUPTED,
}
"""What each outcome exits with; exit_codes.MEANINGS says what the codes mean."""

OnInterrupt = Literal["rollback", "pause"]

# A signal cuts short whatever the engine waits for, except a config write or an update: what was under way
# is abandoned, never judged (its answer could be from before or after the signal, and may never come).
ABANDONED_MEASUREMENT = "the measurement under way was abandoned, not judged"
ABANDONED_HOOK = "the preTraffic hook under way was stopped, not judged"
ABANDONED_CHECK = "the health check under way was abandoned, not judged"
HookRunner = Callable[[HookSpec, dict[str, Any], float], Measurement]
AnalysisFactory = Callable[[dict[str, Any]], Analysis | None]
"""Builds the analysis from the stack outputs of the first update that moved traffic (or None)."""


@dataclass(frozen=True)
class Timing:
    """How long to wait and watch. Seconds; parameters so tests can run in milliseconds."""

    wait_timeout: float = 600.0
    """Longest wait for a color to become healthy before a `ready` gate fails."""
    poll_interval: float = 5.0
    """Pause between health observations."""
    failures_allowed: int = 0
    """Consecutive unhealthy observations tolerated during a pause."""


class Interrupts(Protocol):
    """Set by a signal handler; the engine looks at it between (never inside) its writes."""

    @property
    def requested(self) -> str | None: ...


class NoInterrupts:
    requested: str | None = None


class _ConflictError(Exception):
    """A write did not read back as written, or an update deployed something else than intended."""

    def __init__(self, message: str, deployed_wrong: bool):
        super().__init__(message)
        self.deployed_wrong = deployed_wrong
        """True when the update's outputs differ: production may rest on something unverified."""


class Observer(Protocol):
    """Where progress goes (the CLI prints it; tests record it)."""

    def step(self, index: int, total: int, step: Step) -> None: ...
    def output(self, line: str) -> None: ...
    def health(self, results: list[GateResult]) -> None: ...
    def measurements(self, seconds_left: float | None, found: list[Measurement]) -> None:
        """Print each measurement; `seconds_left` in the pause, None for a hook."""
        ...

    def progress(self, step: Step, seconds_left: float) -> None: ...
    def note(self, message: str) -> None: ...
    def verdict(self, step: Step, decision: Decision, reason: str) -> None:
        """What one round of measurements (or the hook) decided, once its measurements were shown."""
        ...

    def finished(self, step: Step, record: "StepRecord", deployed: Traffic | None) -> None:
        """A step (or the rollback) ended: its summary row, and the weights deployed now (None: unknown)."""
        ...

    def rolling_back(self, reason: str, step: Step) -> None:
        """The rollback `step` starts because of `reason`."""
        ...


@dataclass(frozen=True)
class StepRecord:
    """One row of the summary table."""

    label: str
    result: str
    seconds: float
    detail: str = ""


@dataclass
class RolloutResult:
    outcome: Outcome
    message: str
    steps_done: int
    outputs: dict[str, Any] = field(default_factory=dict)
    records: list[StepRecord] = field(default_factory=list)
    deployed: Traffic | None = None
    """The weights of the last update this run made or found."""

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.outcome]


class _HaltError(Exception):
    """Ends a step early with an outcome that is not a failure (paused, conflict, interrupted)."""

    def __init__(self, outcome: Outcome, message: str):
        super().__init__(message)
        self.outcome: Outcome = outcome
        self.message = message


@dataclass
class Rollout:
    """One plan against one stack; `run()` executes it."""

    plan: RolloutPlan
    driver: StackDriver
    gates: Sequence[HealthGate]
    observer: Observer
    timing: Timing = field(default_factory=Timing)
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    analysis: AnalysisFactory | None = None
    run_hook: HookRunner | None = None
    interrupts: Interrupts = field(default_factory=NoInterrupts)
    on_interrupt: OnInterrupt = "rollback"
    pause_requested: Callable[[], str | None] = lambda: None
    """Who asked this release to pause (`bluegreen pause`), read before every step and poll."""
    planned_config: dict[str, Any] | None = None
    """The config the plan was made from; a change before the first step (say, while the operator
    confirmed) stops the release like any change under it. None: the config read at the start."""
    lock_lost: Callable[[], str | None] = lambda: None
    """Who holds the stack's lock now, when it is no longer this release's (read before every step)."""
    records: list[StepRecord] = field(default_factory=list)
    _outputs: dict[str, Any] = field(default_factory=dict)
    _expected: dict[str, Any] = field(default_factory=dict)
    _deployed: Traffic | None = None
    _analysis: Analysis | None = None
    _analysis_built: bool = False
    _tally: ReleaseTally = field(default_factory=ReleaseTally)
    _last_health: tuple[tuple[str, bool, str], ...] = ()

    def run(self) -> RolloutResult:
        try:
            self._outputs = self.driver.outputs()
            self._expected = self.driver.config() if self.planned_config is None else self.planned_config
        except Exception as error:  # nothing has changed yet: report and stop
            return self._result("failed", f"{_what(error)}; nothing changed", 0)
        self._deployed = self._weights_of(self.plan.steps[0].spec if self.plan.steps else None)
        # `shift` and `resume` start with traffic already on the candidate: a failure then rolls back too.
        moved = bool(self.plan.steps) and self.plan.steps[0].spec.traffic.of(self.plan.candidate) > 0
        total = len(self.plan.steps)
        for index, step in enumerate(self.plan.steps):
            started = self.clock()
            try:
                self._before(step)
                self.observer.step(index, total, step)
                # Marked before the write: a half-applied weight change must still be undone.
                moved = moved or step.moves_traffic
                failure = self._execute(step)
            except _HaltError as stop:
                self._record(step, stop.outcome, started, stop.message)
                return self._stopped(stop, index, moved)
            except _ConflictError as conflict:
                self._record(step, "conflict", started, str(conflict))
                if conflict.deployed_wrong and moved:
                    return self._fail(str(conflict), index, moved, step, outcome="conflict")
                return self._conflict(str(conflict), index)
            except Exception as error:  # an engine or driver error is a failure like any other
                failure = _what(error)
            self._record(step, "failed" if failure else "ok", started, failure or "")
            if failure:
                return self._fail(failure, index, moved, step)
        return self._result("done", f"{total} step(s) done", total)

    # -- steps -------------------------------------------------------------------------------------

    def _before(self, step: Step) -> None:
        if self.interrupts.requested:
            raise _HaltError("interrupted", f"{self.interrupts.requested} before '{step.label}'")
        self._check_pause_request(step)
        holder = self.lock_lost()
        if holder:
            raise _HaltError(
                "conflict",
                f"the stack's lock is now held by {holder}, not by this release, before '{step.label}'; "
                "it stops here and changes nothing more",
            )
        current = self.driver.config()
        if current != self._expected:
            changed = sorted(
                k for k in current.keys() | self._expected.keys() if current.get(k) != self._expected.get(k)
            )
            raise _HaltError(
                "conflict",
                f"the stack's config changed under the release ({', '.join(changed)}) before '{step.label}'; "
                "someone else is acting on this stack, so the release stops here and changes nothing more",
            )

    def _execute(self, step: Step) -> str | None:
        if step.changes:
            values = {c.path: c.value for c in step.changes}
            number = self.plan.steps.index(step) + 1
            self._apply(values, self._expected, step.spec, f"step {number}/{len(self.plan.steps)}")
        if step.kind in ("deploy", "check"):
            return self._wait_ready(step)
        if step.kind == "hook":
            failure = self._hook(step)
            if failure:
                image = step.spec.color(step.color).image
                stack = self.driver.name
                return (
                    f"{failure}; {image} stays deployed on {step.color} at 0% (the test route still reaches it): "
                    f"fix it and release again, or end the release with `bluegreen abort --stack {stack}`"
                )
            return None
        if step.kind == "pause":
            return self._pause(step)
        if step.kind == "manual":
            raise _HaltError("paused", f"manual gate: '{step.label}'")
        if step.settle and self.gates:
            results = self._observe(step.color, step.spec, step)
            if not all(r.healthy for r in results):
                return f"{step.color} is unhealthy at {step.spec.traffic.of(step.color)}%: {_unhealthy(results)}"
        return None

    def _apply(self, values: dict[str, ConfigScalar], before: dict[str, Any], spec: BlueGreenSpec, what: str) -> None:
        """One config write, read back, one update, its outputs compared with `spec`; raises _ConflictError."""
        self.driver.set_config_paths(values)
        intended = with_written(before, values)
        found = self.driver.config()
        written = ", ".join(f"{path}={value}" for path, value in values.items())
        if differences := config_differences(intended, found):
            undone = self._undo(own_write_to_undo(values, before, found))
            raise _ConflictError(
                f"the config did not read back as written ({written}): {'; '.join(differences)}; someone else "
                f"wrote to the stack, so nothing was deployed from it{undone}",
                deployed_wrong=False,
            )
        self._expected = found
        self._outputs = self.driver.up(self.observer.output, message=self._message(what, spec))
        self._deployed = self._weights_of(spec)
        if differences := output_differences(spec, self._outputs):
            raise _ConflictError(
                f"the update deployed something else than the release wrote ({written}): "
                f"{'; '.join(differences)}; the stack changed between the write and `pulumi up`",
                deployed_wrong=True,
            )

    def _undo(self, undo: dict[str, ConfigScalar]) -> str:
        """Put this run's own weights back after a conflicting write; says what it did, for the report."""
        if not undo:
            return ""
        pairs = ", ".join(f"{path}={value}" for path, value in undo.items())
        try:
            self.driver.set_config_paths(undo)
        except Exception as error:  # the conflict is reported either way; this says what config holds now
            return f"; putting the weights back failed too ({_what(error)}): run `bluegreen status`"
        return f"; its own weights were put back ({pairs}), so config again says what is deployed"

    def _message(self, what: str, spec: BlueGreenSpec) -> str:
        """`bluegreen release repo/web:1.5.0 to green, step 3/7: blue 75 green 25`, for `pulumi stack history`."""
        action = self.plan.title.split(";")[0] or "bluegreen change"
        return f"bluegreen {action}, {what}: blue {spec.traffic.blue} green {spec.traffic.green}"

    def _wait_ready(self, step: Step) -> str | None:
        if not self.gates:
            self.observer.note("no health gates for this platform; not waiting")
            return None
        deadline = self.clock() + self.timing.wait_timeout
        while True:
            self._check_interrupt(step)
            results = self._observe(step.color, step.spec, step)
            if all(r.healthy for r in results):
                return None
            if self.clock() >= deadline:
                waited = show_duration(self.timing.wait_timeout)
                return f"{step.color} did not become healthy within {waited}: {_unhealthy(results)}"
            self.sleep(self.timing.poll_interval)

    def _hook(self, step: Step) -> str | None:
        hook = step.spec.rollout.hooks.pre_traffic
        if hook is None or self.run_hook is None:
            return None
        run_hook = self.run_hook
        outcome = call_with_deadline(
            lambda: run_hook(hook, self._outputs, hook.timeout), hook.timeout + 5, self._interrupted
        )
        if isinstance(outcome, Abandoned):
            raise _HaltError("interrupted", f"{outcome.why} during '{step.label}': {ABANDONED_HOOK}")
        if not isinstance(outcome, Done):
            why = f"no answer within {show_duration(hook.timeout)}" if isinstance(outcome, Late) else str(outcome)
            self.observer.verdict(step, "fail", f"preTraffic hook failed: {why}")
            return f"preTraffic hook failed: {why}"
        self.observer.measurements(None, [outcome.value])
        if outcome.value.verdict != "pass":
            failure = f"preTraffic hook failed: {outcome.value.line()}"
            self.observer.verdict(step, "fail", failure)
            return failure
        self.observer.verdict(step, "continue", "preTraffic hook passed")
        return None

    def _pause(self, step: Step) -> str | None:
        seconds = step.seconds or 0.0
        weight = step.spec.traffic.of(step.color)
        analysis, rules = self._analysis_for(step)
        start = self.clock()
        end = start + seconds
        # Every window lies wholly after the weight change and the warm-up (initialDelay).
        next_measure = start + rules.initial_delay + rules.interval if rules else math.inf
        evidence = PauseEvidence(rules, step.label, weight, self._tally) if rules else None
        measured = False
        misses = 0
        while True:
            self._check_interrupt(step)
            now = self.clock()
            left = max(0.0, end - now)
            if self.gates:
                results = self._observe(step.color, step.spec, step)
                misses = 0 if all(r.healthy for r in results) else misses + 1
                if misses > self.timing.failures_allowed:
                    return f"{step.color} turned unhealthy at {weight}%: {_unhealthy(results)}"
            if rules is not None and evidence is not None and (now >= next_measure or (left <= 0 and not measured)):
                measured = True
                while next_measure <= now:
                    next_measure += rules.interval
                failure = self._measure(step, analysis, rules, left, evidence)
                if failure:
                    return failure
            self.observer.progress(step, left)
            if left <= 0:
                if evidence is not None:
                    self._decide(step, *evidence.finish())
                return None
            self.sleep(min(self.timing.poll_interval, left, max(next_measure - now, 0.001)))

    def _measure(
        self, step: Step, analysis: Analysis | None, rules: AnalysisSpec, left: float, evidence: PauseEvidence
    ) -> str | None:
        candidate, live = step.color, other(step.color)
        limit = max(rules.interval, 10.0)
        if analysis is None:
            # Metrics are configured but nothing can measure them here: no data, never a pass.
            found = [_no_data(m.name, candidate, "no analysis provider for this stack") for m in rules.metrics]
        else:
            outcome = call_with_deadline(lambda: analysis.measure(candidate, live), limit, self._interrupted)
            if isinstance(outcome, Abandoned):
                raise _HaltError("interrupted", f"{outcome.why} during '{step.label}': {ABANDONED_MEASUREMENT}")
            if isinstance(outcome, Done):
                found = list(outcome.value)
            else:
                why = f"no answer within {limit:g}s" if isinstance(outcome, Late) else f"raised {outcome}"
                found = [_no_data(m.name, candidate, why, provider_error=True) for m in rules.metrics]
        self.observer.measurements(left, found)
        return self._decide(step, *evidence.add(found))

    def _decide(self, step: Step, decision: Decision, reason: str) -> str | None:
        """Tell the observer, then act: a failure to return, a pause to raise, or nothing."""
        self.observer.verdict(step, decision, reason)
        if decision == "pause":
            raise _HaltError("paused", reason)
        return reason if decision == "fail" else None

    def _analysis_for(self, step: Step) -> tuple[Analysis | None, AnalysisSpec | None]:
        rules = step.spec.rollout.analysis
        if rules is None or self.analysis is None:
            return None, rules
        if not self._analysis_built:
            self._analysis_built = True
            self._analysis = self.analysis(self._outputs)
        return self._analysis, rules

    def _interrupted(self) -> str | None:
        """What interrupted the release (`Ctrl-C`, `SIGTERM`), asked while a check or measurement runs."""
        return self.interrupts.requested

    def _check_interrupt(self, step: Step) -> None:
        if self.interrupts.requested:
            raise _HaltError("interrupted", f"{self.interrupts.requested} during '{step.label}'")
        self._check_pause_request(step)

    def _check_pause_request(self, step: Step) -> None:
        who = self.pause_requested()
        if who:
            raise _HaltError("paused", f"pause requested by {who} at '{step.label}'")

    def _observe(self, color: Color, spec: BlueGreenSpec, step: Step | None = None) -> list[GateResult]:
        """The gates' verdicts; with `step`, an interrupt abandons the check under way and stops there."""
        try:
            results = check_all(self.gates, color, spec, self._outputs, self._interrupted if step else None)
        except AbandonedError as abandoned:
            assert step is not None
            raise _HaltError("interrupted", f"{abandoned.why} during '{step.label}': {ABANDONED_CHECK}") from None
        seen = tuple((r.gate, r.healthy, r.detail) for r in results)
        if seen != self._last_health:
            # Only changes are printed: a 10-minute pause is not 120 identical lines.
            self._last_health = seen
            self.observer.health(results)
        return results

    # -- endings -----------------------------------------------------------------------------------

    def _stopped(self, stop: _HaltError, index: int, moved: bool) -> RolloutResult:
        mode = getattr(self.interrupts, "mode", self.on_interrupt)
        if stop.outcome == "interrupted" and mode == "rollback" and moved:
            return self._fail(stop.message, index, moved, None, outcome="interrupted")
        if stop.outcome == "interrupted" and not moved:
            stayed = f"production traffic stayed on {self.plan.live}" if self.plan.rollback else "nothing moved"
            return self._result("interrupted", f"{stop.message}; {stayed}", index)
        if stop.outcome == "conflict":
            return self._conflict(stop.message, index)
        return self._result(stop.outcome, f"{stop.message}; weights left as deployed", index)

    def _conflict(self, message: str, index: int) -> RolloutResult:
        """Stop without touching the stack; report what the backend says is deployed, not what this run last set."""
        try:
            self._outputs = self.driver.outputs()
            weights = self._outputs.get("weights")
            if isinstance(weights, dict):
                self._deployed = Traffic(blue=int(weights["blue"]), green=int(weights["green"]))
        except (StackError, KeyError, TypeError, ValueError):
            pass  # the report then says the deployed weights are unknown or last known
        return self._result("conflict", message, index)

    def _fail(
        self, reason: str, index: int, moved: bool, step: Step | None, outcome: Outcome = "rolled_back"
    ) -> RolloutResult:
        rollback = self.plan.rollback
        if rollback is None or not moved:
            stayed = f"production traffic stayed on {self.plan.live}" if rollback else "nothing rolled back"
            return self._result("failed" if outcome == "rolled_back" else outcome, f"{reason}; {stayed}", index)
        self.observer.rolling_back(reason, rollback)
        if hasattr(self.interrupts, "rolling_back"):
            self.interrupts.rolling_back = True  # type: ignore[attr-defined]  # a later signal cannot make it a pause
        started = self.clock()
        values = {c.path: c.value for c in rollback.changes}
        try:
            current = self.driver.config()
            record = rollback.spec.release
            if record is not None and current_image(current, record.live) != record.live_image:
                # Someone changed the live color's image: restore the one it was verified with.
                values[f"bluegreen:{record.live}.image"] = record.live_image
            self._rollback_update(values, current)
        except Exception as error:  # any failure here needs a human
            self._record(rollback, "failed", started, _what(error))
            pairs = " ".join(f"--plaintext {path}={value}" for path, value in values.items())
            stack = self.driver.name
            return self._result(
                "rollback_failed",
                f"{reason}; the automatic rollback failed too: {_what(error)}\n"
                f"Restore production by hand: pulumi config set-all --path {pairs} --stack {stack} "
                f"&& pulumi up --stack {stack}",
                index,
            )
        self._record(rollback, "ok", started)
        self._observe(self.plan.live, rollback.spec)
        return self._result(outcome, f"{reason}; traffic is back at 100% on {self.plan.live}", index)

    def _rollback_update(self, values: dict[str, ConfigScalar], current: dict[str, Any]) -> None:
        """The rollback's write and update; its outputs must show 100% on the live color with its verified image."""
        self.driver.set_config_paths(values)
        intended = with_written(current, values)
        try:
            spec = spec_of_config(intended)
        except Exception:
            spec = None  # the update will refuse it the same way, with the program's own message
        self._outputs = self.driver.up(self.observer.output, message=f"bluegreen rollback: 100% to {self.plan.live}")
        self._deployed = self._weights_of(spec)
        if spec is not None and (differences := output_differences(spec, self._outputs)):
            raise StackError(f"the rollback's update deployed something else than intended: {'; '.join(differences)}")

    def _result(self, outcome: Outcome, message: str, index: int) -> RolloutResult:
        return RolloutResult(outcome, message, index, dict(self._outputs), list(self.records), self._deployed)

    def _record(self, step: Step, result: str, started: float, detail: str = "") -> None:
        record = StepRecord(step.label, result, max(0.0, self.clock() - started), detail)
        self.records.append(record)
        self.observer.finished(step, record, self._deployed)

    def _weights_of(self, spec: BlueGreenSpec | None) -> Traffic | None:
        if spec is None:
            return self._deployed
        weights = self._outputs.get("weights")
        return deployed_traffic(spec, self._outputs) if isinstance(weights, dict) else self._deployed


def current_image(config: dict[str, Any], color: Color) -> Any:
    block = config.get(f"bluegreen:{color}")
    return block.get("image") if isinstance(block, dict) else None


def _what(error: BaseException) -> str:
    text = str(error).strip()
    # Our own errors are written for the operator; anything else is named by its type.
    if isinstance(error, StackError) and text:
        return text
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _no_data(metric: str, color: Color, why: str, provider_error: bool = False) -> Measurement:
    return Measurement(metric, color, None, "-", "inconclusive", why, provider_error=provider_error)


def _unhealthy(results: list[GateResult]) -> str:
    return "; ".join(str(r) for r in results if not r.healthy) or "no result"
