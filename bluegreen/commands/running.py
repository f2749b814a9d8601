"""The path every traffic-moving command ends on: check options, plan, confirm on a protected stack, run
the release engine, report, exit with its code. Refusals print plain lines, never a traceback."""

import shlex
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import IO, Any, NoReturn

import typer

from components.spec import BlueGreenSpec, ConfigError, Traffic

from ..analysis.measurement import Analysis
from ..cli_env import CliEnv
from ..cli_options import OnInterrupt as OnInterruptChoice
from ..cli_options import check_stack
from ..console_output import render_plan
from ..interrupts import InterruptWatch, watching
from ..notifier import Notifier
from ..release_events import EventLog, JsonLinesSink, ReleaseContext, Sink, new_release_id
from ..release_session import SessionOptions, announcer, is_protected, next_steps, run_session
from ..rollout import AnalysisFactory, OnInterrupt, Timing
from ..rollout_plan import Override, RolloutPlan, parse_steps, spec_of
from ..stack_driver import StackDriver, StackError
from ..terminal_text import markup
from .refusal import guard, refuse

INTERRUPTED_DELIVERY_SECONDS = 2.0
"""After Ctrl-C or SIGTERM, the longest wait for notifications still queued (else `notify_deadline`)."""


def session_options(
    ctx: typer.Context,
    poll: float,
    wait_timeout: float,
    failures: int,
    on_interrupt: str,
    force: bool,
    holder: str | None = None,
) -> SessionOptions:
    """The session's options; `--events` is read from the command's own parameters when it has one."""
    mode: OnInterrupt = "pause" if on_interrupt == OnInterruptChoice.pause else "rollback"
    # What the lock shows other operators: the command and the arguments that identify the release.
    named = [(f"--{key}", ctx.params[key]) for key in ("stack", "image", "source", "target") if ctx.params.get(key)]
    flags = {"--source": "--from", "--target": "--to"}
    words = ctx.command_path.split() + [part for key, value in named for part in (flags.get(key, key), str(value))]
    command = shlex.join(words)
    events, report_file = ctx.params.get("events"), ctx.params.get("report")
    return SessionOptions(command, Timing(wait_timeout, poll, failures), mode, force, holder, events, report_file)


def override_of(env: CliEnv, stack: str, steps: str | None, bake: float | None) -> Override:
    """Options checked before any stack is contacted: the stack name and file, --steps."""
    guard(env, stack, lambda: check_stack(stack, env.project_dir))
    parsed = None if steps is None else tuple(guard(env, stack, lambda: parse_steps(steps)))
    return Override(parsed, bake)


def deployed_weights(config: dict[str, Any], outputs: dict[str, Any]) -> Traffic | None:
    """The weights of the last update, read without validating config (a rollback may be repairing it)."""
    weights = outputs.get("weights")
    if not isinstance(weights, dict):
        return None
    try:
        return Traffic(blue=int(weights["blue"]), green=int(weights["green"]))
    except (KeyError, TypeError, ValueError):
        return None


def driver_of(env: CliEnv, stack: str) -> StackDriver:
    try:
        return env.driver_for(stack)
    except StackError as error:
        refuse(env, str(error))


def show_plan(env: CliEnv, stack: str, build: Callable[[], RolloutPlan]) -> RolloutPlan:
    plan = guard(env, stack, build)
    render_plan(env.out, stack, plan)
    return plan


def execute(
    env: CliEnv,
    driver: StackDriver,
    config: dict[str, Any],
    plan: RolloutPlan,
    options: SessionOptions,
    http: bool | None,
    yes: bool,
) -> NoReturn:
    try:
        spec: BlueGreenSpec | None = spec_of(config)
    except ConfigError:
        spec = None  # a rollback repairing a broken traffic block
    if is_protected(driver.name, spec) and not yes:
        question = f"stack {driver.name} is protected; run these {len(plan.steps)} step(s) on it?"
        try:
            agreed = env.confirm(question)
        except (typer.Abort, EOFError):
            agreed = False
        if not agreed:
            refuse(env, f"stack {driver.name} is protected and the change was not confirmed (pass --yes in CI)")
    gate_spec = plan.steps[-1].spec if plan.steps else spec
    gates = env.gates(gate_spec, config, http) if gate_spec is not None else []
    analysis: AnalysisFactory | None = None
    if gate_spec is not None and gate_spec.rollout.analysis is not None:
        rollout_spec = gate_spec

        def build(outputs: dict[str, Any]) -> Analysis | None:
            return env.analysis(rollout_spec, outputs, driver.name, config)

        analysis = build

    run_hook = env.hook_runner() if any(s.kind == "hook" for s in plan.steps) else None
    watch = InterruptWatch(announce=announcer(env.err), on_interrupt=options.on_interrupt)
    # One watch from before the lock to the exit: after the report a signal is only acknowledged, so
    # delivering notifications or writing the report is never cut off and the exit code stays the release's.
    with watching(watch):
        with event_log(env, driver.name, plan, options, config) as events:
            result = guard(
                env,
                driver.name,
                lambda: run_session(
                    driver, plan, options, gates, env.out, env.err, env.clock, env.sleep, analysis, run_hook,
                    config, events, env.settle, watch,
                ),
            )
            events.ended(result, next_steps(driver.name, plan, result))
            notifiers = [sink for sink in events.sinks if isinstance(sink, Notifier)]
            if result.outcome == "interrupted":
                for notifier in notifiers:  # CI kills the job 7.5 s after its SIGINT: the stack comes first
                    notifier.deadline = min(notifier.deadline, INTERRUPTED_DELIVERY_SECONDS)
            undelivered = [problem for notifier in notifiers for problem in notifier.close()]
        for problem in undelivered:
            env.err.print(f"[yellow]{markup(problem)}[/yellow]")
        if options.report:
            write_report(env, options.report, events)
        for problem in events.sink_errors:
            env.err.print(f"[yellow]the event stream stopped: {markup(problem)}[/yellow]")
        raise typer.Exit(result.exit_code)


def write_report(env: CliEnv, path: str, events: EventLog) -> None:
    """Append the release's report; a file that cannot be written is said, and changes no outcome."""
    from ..release_report import render

    try:
        with open(path, "a", encoding="utf-8") as file:
            file.write(render(events.events))
    except OSError as error:
        env.err.print(f"[yellow]the report could not be written to {markup(path)}: {markup(str(error.strerror))}[/]")
    else:
        env.out.print(f"report: {markup(path)}")


def _notification_targets(config: dict[str, Any]) -> list[Any]:
    try:
        return list(spec_of(config).notifications)
    except (ConfigError, ValueError):
        return []  # a rollback repairing a broken config still runs; the program reports the config


@contextmanager
def event_log(
    env: CliEnv, stack: str, plan: RolloutPlan, options: SessionOptions, config: dict[str, Any]
) -> Iterator[EventLog]:
    """The release's event log, writing to `--events` if given; the file is opened before anything moves."""
    traffic = config.get("bluegreen:traffic")
    try:
        start = Traffic(blue=int(traffic["blue"]), green=int(traffic["green"]))  # type: ignore[index]
    except (KeyError, TypeError, ValueError):
        start = plan.steps[0].spec.traffic if plan.steps else Traffic()
    release_id = (env.release_id or new_release_id)(env.now())
    context = ReleaseContext.of(plan, stack, options.command, start, release_id)
    sinks: list[Sink] = []
    stream: IO[str] | None = None
    if options.events == "-":
        sinks.append(JsonLinesSink(sys.stdout, "stdout"))
    elif options.events:
        try:
            stream = open(options.events, "a", encoding="utf-8")  # noqa: SIM115 - closed below
        except OSError as error:
            refuse(env, f"--events = {options.events!r} is invalid: cannot open it ({error.strerror})")
        sinks.append(JsonLinesSink(stream, options.events))
    targets = _notification_targets(config)
    if targets:
        sinks.append(Notifier(targets, deadline=env.notify_deadline))
    try:
        yield EventLog(context, sinks, clock=env.clock, now=env.now)
    finally:
        if stream is not None:
            with suppress(OSError):  # a failed write was reported already; closing flushes it again
                stream.close()

