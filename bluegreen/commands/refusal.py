"""How a command stops short: one plain line on stderr, `refused:` when nothing was done (exit 2) and
`failed:` otherwise, never a traceback; and, when the command was asked for JSON, one JSON error object
`{"code", "status", "message", "hint"}` where its JSON would have gone, so a script reading stdout always
gets JSON."""

import contextlib
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeVar

import typer

from ..exit_codes import ExitCode
from ..project import no_project_message

if TYPE_CHECKING:
    from ..cli_env import CliEnv

T = TypeVar("T")

DEFAULT_HINTS = {
    ExitCode.REFUSED: "nothing was changed; correct the request and run the command again",
}


def error_object(code: int, message: str, hint: str | None) -> dict[str, object]:
    from components.safe_text import scrub  # its patterns compile on first use, not for --help or TAB

    status = "refused" if code == ExitCode.REFUSED else "failed"
    return {"code": int(code), "status": status, "message": scrub(message), "hint": scrub(hint) if hint else hint}


def write_json_error(destination: str, code: int, message: str, hint: str | None) -> None:
    """`-` is stdout; any other value a file path (the one `--json PATH` named)."""
    import json

    text = json.dumps({"error": error_object(code, message, hint)}, indent=2) + "\n"
    if destination == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    # When the file cannot be written, the human line on stderr still says what went wrong.
    with contextlib.suppress(OSError):
        Path(destination).write_text(text)


def refuse(env: "CliEnv", message: str, code: int = ExitCode.REFUSED, hint: str | None = None) -> NoReturn:
    from ..terminal_text import markup  # rich: imported when there is something to print

    label = "refused" if code == ExitCode.REFUSED else "failed"
    env.err.print(f"[bold red]{label}:[/] {markup(message)}")
    if hint:
        env.err.print(f"  {markup(hint)}")
    hint = hint or DEFAULT_HINTS.get(ExitCode(code))
    if env.json_errors is not None:
        write_json_error(env.json_errors, code, message, hint)
    raise typer.Exit(code)


def require_project(env: "CliEnv", option: str | None = None) -> Path:
    """The project the command acts on; refused (exit 2) outside any project, never guessed."""
    if env.project_dir is None:
        refuse(env, no_project_message(option))
    return env.project_dir


def guard(env: "CliEnv", stack: str, action: Callable[[], T]) -> T:
    """Run a check that may refuse the request; print the refusal as plain lines, never a traceback."""
    try:
        return action()
    except Exception as error:
        message = refusal_of(error, stack)
        if message is None:
            raise
        refuse(env, message)


def refusal_of(error: Exception, stack: str) -> str | None:
    """The refusal a check's error stands for, or None for an error that is not a refusal.

    The error classes are imported here, once there is an error, the config model's last: a command whose
    checks pass, or fail on a stack name, loads neither the config model nor the stack driver to get there
    (`check` without pulumi-policy answers before loading them).
    """
    from ..plan_error import PlanError

    if isinstance(error, PlanError):
        # The planner does not know the stack's name; the commands it suggests must carry it.
        return re.sub(r"`bluegreen (\w+)`", rf"`bluegreen \1 --stack {stack}`", str(error))
    if isinstance(error, FileNotFoundError):
        return str(error)
    from ..stack_files import StackFileError

    if isinstance(error, StackFileError):
        return str(error)
    from components.spec import ConfigError

    from ..stack_driver import StackError

    if isinstance(error, ConfigError):
        lines = "\n".join(f"  {problem}" for problem in error.problems)
        return f"invalid stack config in {stack} ({len(error.problems)} problem(s)):\n{lines}"
    if isinstance(error, StackError):
        return str(error)
    return None
