"""`status`: every stack's weights, colors, health, strategy and lock, as tables or JSON."""

import time
from typing import Annotated

import typer

from ..cli_env import CliEnv
from ..cli_options import check_stack, duration
from ..stack_driver import PulumiMissingError
from ..stack_files import STACKS
from .options import HttpOpt
from .running import guard, refuse


def status(
    ctx: typer.Context,
    stack: Annotated[
        list[str] | None, typer.Option("--stack", "-s", help="Stack(s) to show; default: local, dev, staging, prod.")
    ] = None,
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
    from ..status_view import show_status

    env: CliEnv = ctx.obj
    for name in stack or ():
        guard(env, name, lambda name=name: check_stack(name, env.project_dir))
    while True:
        try:
            healthy = show_status(stack or list(STACKS), env, http, json_output)
        except PulumiMissingError as error:
            refuse(env, str(error), code=1)
        if watch is None:
            raise typer.Exit(0 if healthy else 1)
        try:
            (env.sleep or time.sleep)(watch)
        except KeyboardInterrupt:
            raise typer.Exit(0 if healthy else 1) from None
