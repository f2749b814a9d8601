"""Rich rendering for the CLI: rollout progress, plans, summaries, stack status and policy check reports."""

import math
import time

from rich.console import Console
from rich.table import Table

from components.spec import Traffic
from components.spec.durations import show_duration

from .analysis.measurement import Measurement
from .check_report import text_lines
from .health_gates import GateResult
from .offline_check import StackCheck
from .rollout import Decision, StepRecord
from .rollout_plan import RolloutPlan, Step
from .terminal_text import markup, plain

PROGRESS_LINES = 10
"""Countdown lines printed per pause at most (one per tenth of it)."""


class ConsoleObserver:
    """Prints each step, the update's own output (dimmed) and every health observation."""

    def __init__(self, console: Console, stack: str | None = None):
        self.console = console
        self._flag = f" --stack {stack}" if stack else ""
        self._progress: tuple[Step, int] | None = None

    def step(self, index: int, total: int, step: Step) -> None:
        self.console.rule(f"[bold]step {index + 1}/{total}: {markup(step.label)}", align="left")
        if step.changes:
            pairs = " ".join(f"--plaintext {c.path}={c.value}" for c in step.changes)
            self.console.print(f"  pulumi config set-all --path {pairs}{self._flag}", markup=False)
            self.console.print(f"  pulumi up{self._flag}", markup=False)

    def measurements(self, seconds_left: float | None, found: list[Measurement]) -> None:
        if seconds_left is None:
            left = ""  # a hook: not part of a pause
        else:
            left = (
                f"[dim]{show_duration(round(seconds_left))} left[/dim] "
                if seconds_left > 0
                else "[dim]end of pause[/dim] "
            )
        for measurement in found:
            color = {"pass": "green", "fail": "red"}.get(measurement.verdict, "yellow")
            self.console.print(f"  {left}[{color}]{markup(measurement.line())}[/{color}]")

    def progress(self, step: Step, seconds_left: float) -> None:
        total = step.seconds or 0.0
        tenth = math.ceil(seconds_left / total * PROGRESS_LINES) if total > 0 else 0
        if self._progress == (step, tenth):
            return
        self._progress = (step, tenth)
        weight = step.spec.traffic.of(step.color)
        left = f"{show_duration(round(seconds_left))} left" if seconds_left > 0 else "done"
        self.console.print(f"  [dim]holding {step.color} at {weight}%: {left}[/dim]")

    def output(self, line: str) -> None:
        self.console.print(plain(line.rstrip()), style="dim", markup=False)

    def health(self, results: list[GateResult]) -> None:
        stamp = time.strftime("%H:%M:%S")
        for result in results:
            mark = "[green]✓[/green]" if result.healthy else "[red]✗[/red]"
            self.console.print(f"  {stamp} {mark} {markup(str(result))}")

    def note(self, message: str) -> None:
        self.console.print(f"[yellow]{markup(message)}[/yellow]")

    def verdict(self, step: Step, decision: Decision, reason: str) -> None:
        pass  # a failure or a pause is the release's own message, printed at the end

    def finished(self, step: Step, record: StepRecord, deployed: Traffic | None) -> None:
        pass  # the summary table shows every record at the end

    def rolling_back(self, reason: str, step: Step) -> None:
        self.note(f"rolling back: {step.label}")


def render_plan(console: Console, stack: str, plan: RolloutPlan) -> None:
    table = Table(title=f"plan for stack {stack}: {markup(plan.title)}")
    table.add_column("#", justify="right")
    table.add_column("step")
    table.add_column("config changes", overflow="fold")
    table.add_column("then")
    for number, step in enumerate(plan.steps, 1):
        changes = "\n".join(str(c) for c in step.changes) or "-"
        table.add_row(str(number), markup(step.label), markup(changes), step.gate or "-")
    console.print(table)
    for note in plan.notes:
        console.print(f"[yellow]{markup(note)}[/yellow]")
    if plan.rollback is not None:
        console.print(f"on failure after traffic moves: {markup(plan.rollback.label)}")


def render_summary(console: Console, records: list[StepRecord]) -> None:
    if not records:
        return
    table = Table(title="summary", title_justify="left")
    for column in ("step", "result", "took", "detail"):
        table.add_column(column, overflow="fold")
    for record in records:
        style = "green" if record.result == "ok" else "red" if record.result == "failed" else "yellow"
        took = show_duration(round(record.seconds)) if record.seconds >= 1 else "-"
        table.add_row(markup(record.label), f"[{style}]{record.result}[/]", took, markup(record.detail))
    console.print(table)


def render_check(console: Console, check: StackCheck) -> None:
    *body, summary = text_lines(check)
    for line in body:
        style = "red" if "[mandatory]" in line else "yellow" if line.lstrip().startswith("- [") else None
        console.print(plain(line), style=style, markup=False)
    console.print(plain(summary), style="bold green" if check.passed else "bold red", markup=False)
