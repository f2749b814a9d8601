"""`bluegreen`: the operator CLI. Releases, shifts, rollbacks and promotions go through stack config
and `pulumi up` only (Automation API), follow each stack's `bluegreen:rollout` strategy, and are gated on
health read from the platform and on the strategy's analysis.

Exit codes (docs/releases.md has the table): 0 done; 1 failed (traffic is back on the previous color if it
had moved), or `check`/`status` found a problem; 2 refused before anything changed (bad option, invalid
config, wrong promotion order, stack locked, not confirmed); 3 the automatic rollback failed too, and
production needs a human now; 4 paused, config equal to the deployed weights (a manual gate, or analysis
without data); 5 the stack's config changed under the release, which stopped; 130 interrupted.
"""

import sys
from typing import Annotated, Any

import click
import typer
import typer._completion_classes
import typer.core
import typer.main

from components.duration_text import show_duration

from .cli_env import CliEnv
from .cli_options import OPTIONAL_DURATION, WATCH_INTERVAL
from .commands import check, history, plan, promote, recovery, release, report, status

# Plain click help and errors. Typer, when rich is installed, escapes `[default: ...]` for rich even in
# plain mode (printing `\[default: 5s]`) and imports its rich renderer for every `--help` to do it; rich
# stays what the commands print with, not what help is rendered with.
typer.core.HAS_RICH = False
# zsh, fish and PowerShell completion show each command's help beside its name, and typer passes that text
# through rich's markup renderer whenever rich is installed: 56 modules on every TAB, and a help text
# naming `[secret]` would lose it as an unknown tag. The help here is plain text (rich_markup_mode=None).
typer._completion_classes._sanitize_help_text = str


class Argument(typer.core.TyperArgument):
    """A positional argument that keeps its help: typer 0.20 sets `help` before calling click's
    `Argument.__init__`, which since click 8.5 takes `help` itself and resets it to None, so `--help`
    and docs/cli.md showed `EVENTS_FILE` with no text."""

    def __init__(self, *args: Any, help: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, help=help, **kwargs)
        self.help = help


typer.main.TyperArgument = Argument  # pyright: ignore[reportPrivateImportUsage]  # typer builds arguments by this name


class Command(typer.core.TyperCommand):
    """A command whose duration defaults read as users write them in help: `5s`, `10m`, not `5.0`.

    The default becomes that text; click parses it with the option's own parser like a typed value. An
    option whose metavar is OPTIONAL_DURATION may be given without a value.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            default = param.default
            if param.metavar == "DURATION" and isinstance(default, int | float) and not isinstance(default, bool):
                param.default = show_duration(default)
            if isinstance(param, click.Option) and param.metavar == OPTIONAL_DURATION:
                # `--watch` alone means every WATCH_INTERVAL; typer does not pass click's flag_value through.
                param._flag_needs_value = True
                param.flag_value = WATCH_INTERVAL

    def format_arguments(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Nothing: typer lists the arguments under "Arguments" with the options; click 8.5 would add a second,
        identical "Positional arguments" section once an argument has help."""


app = typer.Typer(
    name="bluegreen",
    help="Blue/green releases of the bluegreen stacks: check, status, release, shift, resume, rollback, promote.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"bluegreen {version('bluegreen')}")
        except PackageNotFoundError:
            typer.echo("bluegreen (not installed as a package)")
        raise typer.Exit(0)


@app.callback()
def _main(
    ctx: typer.Context,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    if ctx.obj is None:
        ctx.obj = CliEnv()


# In the order `--help` lists them: a release's life, then the read-only commands.
for command in (
    release.release,
    release.shift,
    release.resume,
    release.pause,
    recovery.rollback,
    recovery.abort,
    promote.promote,
    status.status,
    history.history,
    plan.plan,
    check.check,
    report.report,
):
    app.command(cls=Command)(command)


def main() -> None:
    """The console script: the app, and a usage error (bad option or value, exit 2) answered in JSON too
    when the command line asked for JSON, so a script reading stdout always gets JSON back."""
    import click

    from .interrupts import command_owns_process

    command_owns_process()
    try:
        code = app(prog_name="bluegreen", standalone_mode=False)
    except click.ClickException as error:
        error.show()
        if "--json" in sys.argv[1:]:
            from .commands.refusal import write_json_error

            hint = "run the command with --help for its options" if error.exit_code == 2 else None
            write_json_error("-", error.exit_code, error.format_message(), hint)
        sys.exit(error.exit_code)
    except click.Abort:
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
