"""Checks on what the operator typed, all made before any stack is contacted.

Durations (`30s`, `5m`, plain seconds), image references, stack names and their
stack files: a bad value is refused with the option, the value and the rule, and
Pulumi is never started for a request that cannot run.
"""

import math
import re
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from components.duration_text import DAY, parse_duration, show_duration
from components.stack_name import STACK_NAME

from .plan_error import PlanError
from .project import no_project_message, stack_file, stack_names

OPTIONAL_DURATION = "[DURATION]"
"""The metavar of an option whose value may be left out (`--watch` alone): it then takes WATCH_INTERVAL."""
WATCH_INTERVAL = "5s"


def duration(minimum: float = 0.0, maximum: float = DAY) -> Callable[[Any], float]:
    """A Typer `parser`: `30s`, `5m`, `1m30s`, `500ms`, or plain seconds (ASCII digits), `minimum`..`maximum`."""

    def parse(value: Any) -> float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            seconds: float | None = float(value) if math.isfinite(value) else None
        else:
            seconds = parse_duration(str(value), bare_seconds=True)
        if seconds is None:
            raise typer.BadParameter(f"{value!r} is not a duration: use 30s, 5m, 1m30s, 500ms or plain seconds")
        if seconds < minimum:
            raise typer.BadParameter(f"{value!r} is too short: must be at least {minimum:g}s")
        if seconds > maximum:
            raise typer.BadParameter(f"{value!r} is too long: must be at most {show_duration(maximum)}")
        return seconds

    return parse


class OnInterrupt(StrEnum):
    rollback = "rollback"
    pause = "pause"


class ColorChoice(StrEnum):
    blue = "blue"
    green = "green"


def check_stack(stack: str, project_dir: Path | None, option: str = "--stack") -> str:
    """A well-formed stack name with a stack file in the project; returns it unchanged."""
    if not STACK_NAME.fullmatch(stack):
        raise PlanError(
            f"{option} = {stack!r} is invalid: a stack is `name`, `org/name` or `org/project/name` "
            "(letters, digits, `-`, `_`, `.`)"
        )
    if project_dir is None:
        raise PlanError(no_project_message())
    path = stack_file(stack, project_dir)
    if not path.exists():
        found = ", ".join(stack_names(project_dir))
        raise PlanError(
            f"{option} = {stack!r} is invalid: there is no {path.name} in {project_dir} "
            f"(stacks with a stack file: {found or 'none'})"
        )
    return stack


def check_image(image: str) -> str:
    """An image pinned by tag or digest, not `latest`: a rollback must be able to name what it goes back to."""
    ref = image.strip()
    if not ref or any(c.isspace() for c in ref):
        raise PlanError(f"--image = {image!r} is invalid: give one image reference, e.g. repo/web:1.5.0")
    name, _, digest = ref.partition("@")
    if digest:
        if not re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
            raise PlanError(f"--image = {image!r} is invalid: a digest is @sha256: and 64 hex digits")
        return ref
    last = name.rsplit("/", 1)[-1]
    if ":" not in last:
        raise PlanError(
            f"--image = {image!r} is invalid: pin a tag or digest (repo/web:1.5.0 or repo/web@sha256:...), "
            "so the release and its rollback name exact images"
        )
    tag = last.rsplit(":", 1)[1]
    if tag == "latest":
        raise PlanError(f"--image = {image!r} is invalid: `latest` moves under you; pin a version tag or a digest")
    if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", tag):
        raise PlanError(f"--image = {image!r} is invalid: tag {tag!r} is not a valid Docker tag")
    return ref
