"""What every command reaches outside itself (stack drivers, gates, analysis, clock, consoles), in one
object tests replace with `CliRunner.invoke(app, ..., obj=CliEnv(...))`."""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import typer

from .project import find_project_dir

if TYPE_CHECKING:
    from rich.console import Console

    from components.spec import BlueGreenSpec

    from .analysis.measurement import Analysis
    from .health_gates import HealthGate
    from .rollout import HookRunner
    from .stack_driver import StackDriver

GatesFactory = Callable[["BlueGreenSpec", dict[str, Any], bool | None], Sequence["HealthGate"]]
AnalysisBuilder = Callable[["BlueGreenSpec", dict[str, Any], str, dict[str, Any]], "Analysis | None"]


def default_driver(stack: str) -> "StackDriver":
    """The stack through the Automation API (imported here: `--help` and completion never load it)."""
    from .stack_driver import AutomationDriver

    return AutomationDriver.select(stack)


def default_gates(spec: "BlueGreenSpec", config: dict[str, Any], http: bool | None) -> Sequence["HealthGate"]:
    """Gates that read health where the stack's own provider config points: its AWS region, its cluster."""
    from .health_gates import gates_for

    region, context = config.get("aws:region"), config.get("kubernetes:context")
    return gates_for(
        spec,
        http=http,
        region=region if isinstance(region, str) else None,
        kube_context=context if isinstance(context, str) else None,
    )


def default_analysis(
    spec: "BlueGreenSpec", outputs: dict[str, Any], stack: str, config: dict[str, Any]
) -> "Analysis | None":
    from .analysis import build_analysis

    return build_analysis(spec, outputs, stack, config)


def default_hook_runner() -> "HookRunner":
    from .analysis.hooks import run_hook

    return run_hook


class _LazyConsole:
    """Stands in for the CLI's Rich console until first used: `status --help` builds a CliEnv, and must not
    import rich or the output scrubber to do so."""

    def __init__(self, stderr: bool):
        self._stderr = stderr
        self._console: Console | None = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from .scrubbed_console import make_console

            self._console = make_console(stderr=self._stderr)
        return getattr(self._console, name)


def lazy_console(stderr: bool) -> "Console":
    return cast("Console", _LazyConsole(stderr))


@dataclass
class CliEnv:
    """Everything a command reaches outside itself; tests pass their own via `CliRunner.invoke(obj=...)`."""

    driver_for: Callable[[str], "StackDriver"] = default_driver
    gates: GatesFactory = default_gates
    analysis: AnalysisBuilder = default_analysis
    hook_runner: Callable[[], "HookRunner"] = default_hook_runner
    clock: Callable[[], float] = time.monotonic
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    """Wall time, for the event stream's timestamps (`clock` measures durations)."""
    notify_deadline: float = 10.0
    """Longest wait at the end of a release for notifications still being delivered."""
    release_id: Callable[[datetime], str] | None = None
    """Names each release in its events; None: a timestamp and a random suffix."""
    sleep: Callable[[float], None] | None = None
    """None: sleep until the next poll or a signal, whichever comes first."""
    settle: Callable[[float], None] = time.sleep
    """How taking the lock waits before reading it back (a short random time; see stack_lock.py)."""
    confirm: Callable[[str], bool] = lambda question: typer.confirm(question, default=False)
    project_dir: Path | None = field(default_factory=find_project_dir)
    """The nearest directory from here up holding Pulumi.yaml; None outside any project (commands refuse)."""
    json_errors: str | None = None
    """Where a refusal writes its JSON error object: `-` (stdout) or a path; None when no JSON was asked for."""

    out: "Console" = field(default_factory=lambda: lazy_console(stderr=False))
    err: "Console" = field(default_factory=lambda: lazy_console(stderr=True))
