"""Durations: `30s`, `5m`, `1m30s`, `500ms`, as stack config and CLI options write them."""

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

from components.duration_text import DAY, HOUR, parse_duration, show_duration

__all__ = [
    "DAY", "HOUR", "Duration", "ParsedDuration", "at_most", "no_longer_than", "parse_duration", "show_duration",
    "to_seconds",
]

_RULE = "must be a duration with a unit, such as 30s, 5m, 1m30s or 500ms"


def to_seconds(value: Any) -> float:
    """Validator of a config duration; YAML numbers and booleans are refused (no unit)."""
    seconds = parse_duration(value) if isinstance(value, str) else None
    if seconds is None:
        raise PydanticCustomError("duration", _RULE)
    return seconds


Duration = Annotated[float, BeforeValidator(to_seconds)]
"""Seconds, written in config as `30s`, `5m` or `500ms`."""


def no_longer_than(limit: float) -> Callable[[float], float]:
    """A validator of seconds already parsed: refuses more than `limit` with the bound written as a duration."""

    def check(seconds: float) -> float:
        if seconds > limit:
            raise PydanticCustomError("duration_bound", "must be at most {limit}", {"limit": show_duration(limit)})
        return seconds

    return check


def at_most(limit: float) -> AfterValidator:
    """Field metadata: a duration no longer than `limit` seconds (`Annotated[Duration, at_most(HOUR)]`)."""
    return AfterValidator(no_longer_than(limit))


PARSED = "duration, already parsed"
ParsedDuration = Annotated[float, PARSED]
"""Seconds a field's own validator has parsed from a duration (documented as a duration; not parsed again)."""
