"""`history`: a stack's past releases, from the messages its `pulumi up`s carry in `pulumi stack history`."""

import sys
from typing import Annotated

import typer

from ..cli_env import CliEnv
from ..cli_options import check_stack
from .options import StackOpt
from .refusal import refuse, require_project


def history(
    ctx: typer.Context,
    stack: StackOpt,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many releases, newest first.")] = 20,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List the releases of --stack, newest first: image, outcome (done, rolled back, failed, stopped at a
    step), the weights it ended on, when it started and how long it took. Read from `pulumi stack history`:
    each update the release engine runs carries a message naming the release and its step.
    """
    import json

    from rich.table import Table

    from components.spec.durations import show_duration

    from ..release_history import releases_of
    from ..stack_driver import StackError
    from ..terminal_text import markup
    from .running import driver_of, guard

    env: CliEnv = ctx.obj
    project = require_project(env)
    guard(env, stack, lambda: check_stack(stack, project))
    driver = driver_of(env, stack)
    reader = getattr(driver, "history", None)
    if reader is None:
        refuse(env, f"stack {stack}: this backend driver cannot read `pulumi stack history`", code=1)
    try:
        found = releases_of(reader())[:limit]
    except StackError as error:
        refuse(env, str(error), code=1)
    except (KeyError, TypeError, ValueError) as error:
        refuse(env, f"`pulumi stack history --json` of {stack} was not in the expected shape: {error}", code=1)
    rows = [
        {
            "started": r.started.strftime("%Y-%m-%d %H:%M:%S"),
            "release": r.title,
            "image": r.image,
            "outcome": r.outcome,
            "weights": None if r.weights is None else {"blue": r.weights[0], "green": r.weights[1]},
            "seconds": r.seconds,
            "updates": [u.version for u in r.updates],
        }
        for r in found
    ]
    if json_output:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    table = Table(title=f"releases of {markup(stack)}, newest first", title_justify="left")
    for column in ("started (UTC)", "image", "outcome", "weights", "took", "updates", "release"):
        table.add_column(column, overflow="fold")
    for row in rows:
        weights = row["weights"]
        table.add_row(
            row["started"],
            markup(row["image"]),
            markup(row["outcome"]),
            "-" if weights is None else f"{weights['blue']}/{weights['green']}",
            "-" if row["seconds"] is None else show_duration(round(row["seconds"])),
            ", ".join(str(v) for v in row["updates"] if v is not None),
            markup(row["release"]),
        )
    env.out.print(table)
    if not rows:
        env.out.print(f"no updates in the history of {markup(stack)}")
