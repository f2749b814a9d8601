"""One traffic-changing command from start to end: confirm, lock, run the plan under signal handling, report.

Every command that changes a stack's traffic (release, shift, resume, rollback,
abort, promote) goes through `run_session`, so all of them hold the stack's lock
while they run, ask before touching a protected stack, and end with the same
report: what happened, the weights deployed, whether config equals them, and the
exact commands (with `--stack`) that continue or undo.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.console import Console

from components.spec import BlueGreenSpec, Traffic

from .console_output import ConsoleObserver, render_summary
from .interrupts import InterruptWatch, watching
from .observer_fanout import Fanout
from .pause_request import clear_pause, pause_requested
from .project import short_name
from .release_events import EventLog
from .rollout import AnalysisFactory, HookRunner, OnInterrupt, Rollout, RolloutResult, Timing
from .rollout_plan import RolloutPlan
from .stack_driver import StackDriver, StackError
from .stack_lock import LOCK_TAG, SETTLE_SECONDS, LockInfo, acquire, lost, release
from .terminal_text import markup


@dataclass(frozen=True)
class SessionOptions:
    command: str
    """The command line, recorded in the lock."""
    timing: Timing
    on_interrupt: OnInterrupt = "rollback"
    force: bool = False
    """Take over a lock held by a release that is gone."""
    holder: str | None = None
    """With `force`: the token or CI run id of the lock taken over (needed when its host is another)."""
    events: str | None = None
    """`--events`: a file to write the event stream to, `-` for stdout."""
    report: str | None = None
    """`--report`: a file to append the Markdown report to at the end."""


def is_protected(stack: str, spec: BlueGreenSpec | None) -> bool:
    """`bluegreen:promotion.protected`, else true for stacks named prod* (`prod`, `acme/prod-eu`)."""
    if spec is not None and spec.promotion.protected is not None:
        return spec.promotion.protected
    return short_name(stack).startswith("prod")


def run_session(
    driver: StackDriver,
    plan: RolloutPlan,
    options: SessionOptions,
    gates: Any,
    out: Console,
    err: Console,
    clock: Callable[[], float],
    sleep: Callable[[float], None] | None,
    analysis: AnalysisFactory | None,
    run_hook: HookRunner | None,
    planned_config: dict[str, Any] | None = None,
    events: EventLog | None = None,
    settle: Callable[[float], None] | None = None,
    watch: InterruptWatch | None = None,
) -> RolloutResult:
    """Lock, run, unlock and report, all under one signal watch; a held lock raises LockHeldError first.

    The handlers are installed before the lock is taken and removed only after the report: a signal
    at any moment in between is acknowledged and acted on, never a way to leave the lock behind. A
    caller that passes its own `watch` (and watches it) keeps the same handlers on after the report.
    """
    announce = announcer(err)
    watch = watch or InterruptWatch(announce=announce, on_interrupt=options.on_interrupt)
    with watching(watch):
        wait = sleep or watch.sleep
        lock = acquire(
            driver,
            options.command,
            force=options.force,
            warn=announce,
            holder=options.holder,
            settle=lambda: (settle or wait)(random.uniform(*SETTLE_SECONDS)),
        )
        console = ConsoleObserver(out, driver.name)
        try:
            clear_pause(driver)  # a request left for an earlier release is not for this one
            if events is not None:
                events.lock_taken(lock)
                events.started(plan)
            rollout = Rollout(
                plan,
                driver,
                gates,
                console if events is None else Fanout([console, events]),
                options.timing,
                clock=clock,
                sleep=wait,
                analysis=analysis,
                run_hook=run_hook,
                interrupts=watch,
                on_interrupt=options.on_interrupt,
                pause_requested=lambda: pause_requested(driver),
                planned_config=planned_config,
                lock_lost=lambda: _holder_now(driver, lock),
            )
            result = rollout.run()
            late = pause_requested(driver)
            if late and result.outcome != "paused":
                announce(
                    f"the pause requested by {late} came too late: the {result.outcome.replace('_', ' ')} "
                    "had already started"
                )
        finally:
            _unlock(driver, lock, err, events)
        report(out, err, driver, plan, result)
        watch.finished = True  # a caller's own watch of `watch` goes on acknowledging, with no gap
        return result


def _holder_now(driver: StackDriver, lock: LockInfo | None) -> str | None:
    try:
        taken = lost(driver, lock)
    except StackError:
        return None  # an unreadable tag is not a takeover; the next write fails loudly if the backend is gone
    return None if taken is None else taken.describe()


def _unlock(driver: StackDriver, lock: LockInfo | None, err: Console, events: EventLog | None) -> None:
    try:
        clear_pause(driver)
        release(driver, lock)
        if events is not None:
            events.lock_released()
    except StackError as error:
        err.print(
            f"[yellow]could not remove the lock on {driver.name}: {markup(str(error))}; "
            f"`pulumi stack tag rm {LOCK_TAG} --stack {driver.name}` removes it[/yellow]"
        )


def announcer(err: Console) -> Callable[[str], None]:
    """Prints a signal's acknowledgement (or any warning) at once, in yellow, on stderr."""
    return lambda message: err.print(f"[yellow]{markup(message)}[/yellow]")


def report(out: Console, err: Console, driver: StackDriver, plan: RolloutPlan, result: RolloutResult) -> None:
    """The end of every traffic command: summary table, outcome, deployed weights, next commands."""
    render_summary(out, result.records)
    stack = driver.name
    if result.outcome == "done":
        out.print(f"[bold green]done:[/] {markup(result.message)} on stack {stack}")
    else:
        err.print(f"[bold red]{result.outcome.replace('_', ' ')}:[/] {markup(result.message)}")
    out.print(markup(_weights_line(driver, result.deployed)))
    for line in next_steps(stack, plan, result):
        out.print(markup(line))


def next_steps(stack: str, plan: RolloutPlan, result: RolloutResult) -> list[str]:
    flags = f"--stack {stack}"
    if result.outcome == "done" and plan.rollback is not None:
        old = plan.live
        return [
            f"next: when you are sure of {plan.candidate}, scale {old} to 0 with "
            f"`pulumi config set --path bluegreen:{old}.replicas 0 {flags} && pulumi up {flags}`",
            f"commit Pulumi.{short_name(stack)}.yaml: the release changed it",
        ]
    if result.outcome in ("paused", "interrupted") and _mid_release(result.deployed):
        return [f"continue: bluegreen resume {flags}", f"undo:     bluegreen rollback {flags}"]
    if result.outcome == "conflict":
        return [f"see what changed: bluegreen status {flags}; then resume or roll back"]
    if result.outcome == "rolled_back" or (result.outcome == "interrupted" and plan.rollback is not None):
        return [f"inspect: bluegreen status {flags}", f"commit Pulumi.{short_name(stack)}.yaml: the release changed it"]
    return []


def _mid_release(deployed: Traffic | None) -> bool:
    return deployed is not None and deployed.blue not in (0, 100)


def _weights_line(driver: StackDriver, deployed: Traffic | None) -> str:
    if deployed is None:
        return "deployed weights: unknown (the stack has no `weights` output)"
    shown = f"deployed weights: blue {deployed.blue}%, green {deployed.green}%"
    try:
        traffic = driver.config().get("bluegreen:traffic") or {}
    except StackError as error:
        return f"{shown}; config could not be read: {error}"
    if (traffic.get("blue"), traffic.get("green")) == (deployed.blue, deployed.green):
        return f"{shown} (config agrees)"
    return f"{shown}; config says blue {traffic.get('blue')}%, green {traffic.get('green')}%"
