"""docs/cli.md from the Typer app: every command, its options with types and defaults, and the exit codes.

The app is read through click, which Typer builds it on, so the page shows exactly
what `bluegreen <command> --help` accepts; the exit codes come from
`bluegreen/exit_codes.py`, the table the commands exit with.
"""

import inspect
from pathlib import Path
from typing import Any

import click
import typer.main

from bluegreen.cli import app
from bluegreen.exit_codes import MEANINGS

from .markdown import GENERATED_NOTE, cell, table

_TYPE_NAMES = {"text": "text", "integer": "integer", "integer range": "integer", "float": "number", "path": "path"}

INTRO = """\
`bluegreen` releases an image to a stack, shifts traffic in steps behind health gates, rolls back by
itself, promotes a verified image to the next stack, shows each stack's state and runs the offline policy
check. It changes traffic **only** by setting stack config and running `pulumi up` through the Automation
API, so it needs what `pulumi up` needs (except `check`, which runs offline). The task-oriented guide is
[releases](releases.md); this page is the reference.

After `make setup` the CLI is `.venv/bin/bluegreen`; every command has `--help`:

```bash
make setup
.venv/bin/bluegreen --help
```"""


def render() -> str:
    group: Any = typer.main.get_command(app)
    parts = ["# CLI reference", "", GENERATED_NOTE.format(source="the Typer app in `bluegreen/cli.py`"), ""]
    parts += [INTRO, ""]
    parts += table(
        ["command", "what it does"],
        [[f"[`bluegreen {name}`](#bluegreen-{name})", cell(_summary(command))] for name, command in _commands(group)],
    )
    for name, command in _commands(group):
        parts += ["", f'<a id="bluegreen-{name}"></a>', "", f"## `bluegreen {name}`", ""]
        parts += ["```text", f"bluegreen {name} {' '.join(_usage(command))}".rstrip(), "```", ""]
        parts += [inspect.cleandoc(command.help or ""), ""]
        parts += table(["option", "type", "default", "meaning"], [_option_row(p) for p in _options(command)])
    parts += ["", '<a id="exit-codes"></a>', "", "## Exit codes", ""]
    parts += table(["code", "meaning"], [[str(int(code)), cell(text)] for code, text in MEANINGS.items()])
    parts.append("")
    return "\n".join(parts)


def _commands(group: Any) -> list[tuple[str, Any]]:
    return [(name, command) for name, command in group.commands.items() if not command.hidden]


def _summary(command: Any) -> str:
    return inspect.cleandoc(command.help or "").split("\n\n")[0]


def _options(command: Any) -> list[Any]:
    return [p for p in command.params if not getattr(p, "hidden", False) and p.name != "help"]


def _usage(command: Any) -> list[str]:
    words = []
    for param in _options(command):
        if not param.opts[0].startswith("-"):
            words.append(_argument_name(param))
            continue
        word = param.opts[0] if _is_flag(param) else f"{param.opts[0]} {param.name.upper()}"
        words.append(word if param.required else f"[{word}]" + ("..." if param.multiple else ""))
    return words


def _is_flag(param: Any) -> bool:
    return getattr(param, "is_flag", False)  # a positional argument has no flags


def _argument_name(param: Any) -> str:
    return param.metavar or param.name.upper()


def _option_row(param: Any) -> list[str]:
    names = [*param.opts, *param.secondary_opts] if param.opts[0].startswith("-") else [_argument_name(param)]
    label = " / ".join(f"`{n}`" for n in names)
    if param.multiple:
        label += " (repeatable)"
    return [label, _type(param), _default(param), cell(param.help or "")]


def _type(param: Any) -> str:
    if _is_flag(param):
        return "flag"
    if param.metavar == "DURATION":
        return "duration (30s, 5m, or seconds)"
    kind = param.type
    if isinstance(kind, click.Choice):
        return " \\| ".join(f"`{choice}`" for choice in kind.choices)
    name = _TYPE_NAMES.get(kind.name, str(kind.name))
    bounds = [
        f"{sign} {value:g}"
        for sign, value in ((">=", getattr(kind, "min", None)), ("<=", getattr(kind, "max", None)))
        if value is not None
    ]
    return f"{name} ({', '.join(bounds)})" if bounds else name


def _default(param: Any) -> str:
    if param.required:
        return "required"
    value: Any = param.default
    if value is None or value == () or value == []:
        return "see meaning" if param.secondary_opts else "none"
    if isinstance(value, bool):
        if param.secondary_opts:
            return f"`{param.opts[0] if value else param.secondary_opts[0]}`"
        return "on" if value else "off"
    if isinstance(value, Path) and value.is_absolute():
        return "the project directory"  # this checkout's path, which differs on every machine
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"`{value}`"
