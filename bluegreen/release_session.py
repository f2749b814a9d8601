"""One traffic-changing command from start to end: confirm, lock, run the plan under signal handling, report.

Every command that changes a stack's traffic (release, shift, resume, rollback,
abort, promote) goes through `run_session`, so all of them hold the stack's lock
while they run, ask before touching a protected stack, and end with the same
report: what happened, the weights deployed, whether config equals them, and the
exact commands (with `--stack`) that continue or undo.
"""

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
from .stack_lock import acquire, release
from .terminal_text import markup


@dataclass(frozen=True)
class SessionOptions:
    command: str
    """The command line, recorded in the lock."""
    timing: Timing
    on_interrupt: OnInterrupt = "rollback"
    force: bool = False
    """Take over a lock held by someone else."""
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
) -> RolloutResult:
    """Lock, run, unlock; a held lock raises LockHeldError before anything changes."""
    lock = acquire(
        driver, options.command, force=options.force, warn=lambda message: err.print(f"[yellow]{markup(message)}[/]")
    )
    console = ConsoleObserver(out, driver.name)
    clear_pause(driver)  # a request left for an earlier release is not for this one
    watch = InterruptWatch(on_repeat=lambda message: err.print(f"[yellow]{markup(message)}[/yellow]"))
    try:
        if events is not None:
            events.lock_taken(lock)
            events.started(plan)
        with watching(watch):
            rollout = Rollout(
                plan,
                driver,
                gates,
                console if events is None else Fanout([console, events]),
                options.timing,
                clock=clock,
                sleep=sleep or watch.sleep,
                analysis=analysis,
                run_hook=run_hook,
                interrupts=watch,
                on_interrupt=options.on_interrupt,
                pause_requested=lambda: pause_requested(driver),
                planned_config=planned_config,
            )
            return rollout.run()
    finally:
        try:
            clear_pause(driver)
            release(driver, lock)
            if events is not None:
                events.lock_released()
        except StackError as error:
            err.print(
                f"[yellow]could not remove the lock on {driver.name}: {markup(str(error))}; "
                f"`pulumi stack tag rm bluegreen-lock --stack {driver.name}` removes it[/yellow]"
            )


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
