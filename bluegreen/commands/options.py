"""Options several commands share, declared once so their names, help and parsing agree everywhere."""

from typing import Annotated

import typer

from ..cli_options import OnInterrupt as OnInterruptChoice
from ..cli_options import duration
from ..project import find_project_dir, stack_names


def complete_stack(incomplete: str) -> list[str]:
    """TAB completion of a stack option: the stacks with a stack file in the project here."""
    project = find_project_dir()
    return [name for name in stack_names(project) if name.startswith(incomplete)] if project else []


StackOpt = Annotated[
    str,
    typer.Option(
        "--stack",
        "-s",
        help="Stack to act on: its name (Pulumi.NAME.yaml in the project), org/name or org/project/name.",
        autocompletion=complete_stack,
    ),
]
StacksOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--stack",
        "-s",
        help="Stack(s) to cover; default: every stack file (Pulumi.NAME.yaml) in the project.",
        show_default=False,
        autocompletion=complete_stack,
    ),
]
StepsOpt = Annotated[
    str | None,
    typer.Option(
        help="Override the strategy: traffic percentages for the new color, in order (10,50,100), each "
        "held for --bake. Default: the stack's bluegreen:rollout steps.",
        show_default=False,
    ),
]
BakeOpt = Annotated[
    float | None,
    typer.Option(
        "--bake",
        metavar="DURATION",
        parser=duration(),
        help="Override every timed pause of the strategy (30s, 5m, or seconds). Default: the strategy's "
        "pauses (60s each with --steps).",
        show_default=False,
    ),
]
PollOpt = Annotated[
    float,
    typer.Option("--poll", metavar="DURATION", parser=duration(minimum=0.01), help="Time between health observations."),
]
WaitOpt = Annotated[
    float,
    typer.Option(
        "--wait-timeout", metavar="DURATION", parser=duration(), help="Longest wait for the new color to be healthy."
    ),
]
FailuresOpt = Annotated[int, typer.Option(min=0, help="Consecutive unhealthy observations tolerated during a pause.")]
HttpOpt = Annotated[
    bool | None,
    typer.Option(
        "--http/--no-http",
        help="Also gate on HTTP GET of url/testUrl + health path (default: on for docker, off otherwise).",
        show_default=False,
    ),
]
OnInterruptOpt = Annotated[
    OnInterruptChoice,
    typer.Option(
        "--on-interrupt",
        help="On Ctrl-C or SIGTERM after traffic moved: rollback (send 100% back, the default) or pause "
        "(leave the deployed weights; resume later). Exit code 130 either way.",
    ),
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation on a protected stack.")]
ForceLockOpt = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Take over the stack's lock from a release that is gone (crashed, runner lost); never skips a health "
        "check. Refused while the holder runs on this host; a holder elsewhere must be named with --holder.",
    ),
]
HolderOpt = Annotated[
    str | None,
    typer.Option(
        "--holder",
        metavar="TOKEN",
        help="With --force: the lock holder's token or CI run id, as the refusal prints it.",
        show_default=False,
    ),
]


def _events_to_stdout(ctx: typer.Context, value: str | None) -> str | None:
    # With `--events -`, stdout carries only JSON Lines; everything for people goes to stderr.
    if value == "-" and ctx.obj is not None:
        ctx.obj.out = ctx.obj.err
    return value


EventsOpt = Annotated[
    str | None,
    typer.Option(
        "--events",
        metavar="FILE",
        callback=_events_to_stdout,
        help="Append the release's events to FILE as JSON Lines (docs/events.md); `-` writes them to stdout.",
        show_default=False,
    ),
]
ReportOpt = Annotated[
    str | None,
    typer.Option(
        "--report",
        metavar="FILE",
        help="At the end (done, rolled back, paused, any outcome), append the release's Markdown report to FILE: "
        "steps, measurements, verdicts, Mermaid charts (also `bluegreen report EVENTS_FILE`).",
        show_default=False,
    ),
]
