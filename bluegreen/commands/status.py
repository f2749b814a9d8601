"""`status`: every stack's weights, colors, health, strategy and lock, as tables or JSON."""

import time
from typing import Annotated

import typer

from ..cli_env import CliEnv
from ..cli_options import OPTIONAL_DURATION, WATCH_INTERVAL, check_stack, duration
from ..project import stack_names
from .options import HttpOpt, StacksOpt
from .refusal import refuse, require_project


def status(
    ctx: typer.Context,
    stack: StacksOpt = None,
    http: HttpOpt = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print JSON (one object per stack) instead of tables.")
    ] = False,
    watch: Annotated[
        float | None,
        typer.Option(
            "--watch",
            metavar=OPTIONAL_DURATION,
            parser=duration(minimum=1),
            help=f"Show again every DURATION ({WATCH_INTERVAL} when given alone) until Ctrl-C; on a terminal "
            "the view is redrawn in place under the time it was read.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Per stack: weights (config and deployed), live/candidate color, images, replicas, health, the rollout
    strategy (steps expanded, the current one marked), the release lock and outputs.

    Exits 1 when a stack cannot be read or a color that serves traffic is unhealthy.
    """
    from ..stack_driver import PulumiMissingError
    from ..status_view import show_status
    from .running import guard

    env: CliEnv = ctx.obj
    env.json_errors = "-" if json_output else None
    project = require_project(env)
    stacks = stack or stack_names(project)
    if not stacks:
        refuse(env, f"no stack to show: {project} holds no stack file (Pulumi.<stack>.yaml)")
    for name in stacks:
        guard(env, name, lambda name=name: check_stack(name, env.project_dir))
    while True:
        if watch is not None and not json_output:
            _watch_header(env, watch)
        try:
            healthy = show_status(stacks, env, http, json_output)
        except PulumiMissingError as error:
            refuse(env, str(error), hint="install the Pulumi CLI (the lines above say how), then run status again")
        if watch is None:
            raise typer.Exit(0 if healthy else 1)
        try:
            (env.sleep or time.sleep)(watch)
        except KeyboardInterrupt:
            raise typer.Exit(0 if healthy else 1) from None


def _watch_header(env: CliEnv, interval: float) -> None:
    """On a terminal, clear it so each view replaces the last; in a log, the time separates the views."""
    from components.duration_text import show_duration

    if env.out.is_terminal:
        env.out.clear()
    stamp = time.strftime("%H:%M:%S")
    env.out.print(f"[dim]{stamp}, every {show_duration(interval)} (Ctrl-C to stop)[/dim]")
