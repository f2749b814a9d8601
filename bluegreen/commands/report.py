"""`report`: the Markdown timeline of a release, rendered from its saved event stream."""

from pathlib import Path
from typing import Annotated

import typer

from ..cli_env import CliEnv


def report(
    ctx: typer.Context,
    events_file: Annotated[Path, typer.Argument(metavar="EVENTS_FILE", help="A stream written by --events.")],
    release: Annotated[
        str | None,
        typer.Option("--release", help="The release id to report (default: the last release in the file).",
                     show_default=False),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the report to this file (default: stdout).", show_default=False),
    ] = None,
) -> None:
    """Render the Markdown report of a release (steps, measurements and verdicts, outcome, Mermaid charts) from
    its event stream: the same report `--report` writes at the end of a release. Needs no Pulumi and no stack.
    """
    import sys

    from ..release_events import read_events
    from ..release_report import ReportError, render
    from .running import refuse

    env: CliEnv = ctx.obj
    try:
        text = events_file.read_text(encoding="utf-8")
    except OSError as error:
        refuse(env, f"EVENTS_FILE = '{events_file}' cannot be read: {error.strerror}")
    except UnicodeDecodeError:
        refuse(env, f"EVENTS_FILE = '{events_file}' is not a text file of JSON Lines")
    try:
        markdown = render(read_events(text), release)
    except (ReportError, ValueError) as error:
        refuse(env, f"EVENTS_FILE = '{events_file}': {error}")
    except (KeyError, TypeError) as error:
        refuse(env, f"EVENTS_FILE = '{events_file}' holds an event without the field {error} (docs/events.md)")
    if output is None:
        sys.stdout.write(markdown)
        return
    try:
        output.write_text(markdown, encoding="utf-8")
    except OSError as error:
        refuse(env, f"--output = '{output}' cannot be written: {error.strerror}", code=1)
