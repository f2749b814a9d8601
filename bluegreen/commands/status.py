"""`status`: every stack's weights, colors, health, strategy and lock, as tables or JSON."""

import time
from typing import Annotated

import typer

from ..cli_env import CliEnv
from ..cli_options import check_stack, duration
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
            metavar="DURATION",
            parser=duration(minimum=1),
            help="Show again every interval (5s) until Ctrl-C.",
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
