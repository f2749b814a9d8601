"""Plain values out of the engine's properties, and the small readers every rule shares.

The engine sends inputs as a protobuf Struct, so every number arrives as a float
(`2.0`), and values not known until deployment arrive as sentinel strings. Rules see
plain dicts and lists with unknowns replaced by `UNKNOWN`, so they can tell "absent"
from "not known yet" and never crash on either.
"""

import json
from collections.abc import Mapping, Sequence
from typing import Any, cast

from pulumi_policy import proxy

# The sentinels pulumi_policy leaves in place of values unknown during preview.
_UNKNOWN_SENTINELS = frozenset(
    {
        proxy.UNKNOWN_BOOLEAN_VALUE,
        proxy.UNKNOWN_NUMBER_VALUE,
        proxy.UNKNOWN_STRING_VALUE,
        proxy.UNKNOWN_ARRAY_VALUE,
        proxy.UNKNOWN_ASSET_VALUE,
        proxy.UNKNOWN_ARCHIVE_VALUE,
        proxy.UNKNOWN_OBJECT_VALUE,
    }
)


class _Unknown:
    """A value the engine will only know after deployment."""

    def __repr__(self) -> str:
        return "<unknown>"

    def __bool__(self) -> bool:
        # An unknown value is present, so "is it set?" checks must not fire on it.
        return True


UNKNOWN: Any = _Unknown()


def plain(value: Any) -> Any:
    """Deep copy into dicts and lists, reading through pulumi_policy's proxies without tripping them."""
    if isinstance(value, Mapping):
        target = value["__target"] if _is_proxy(value) else value
        return {key: plain(item) for key, item in target.items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        # pulumi_policy's list proxy answers the "__target" key too, which `Sequence` does not allow.
        target = cast(Any, value)["__target"] if _is_proxy(value) else value
        return [plain(item) for item in target]
    if isinstance(value, str) and value in _UNKNOWN_SENTINELS:
        return UNKNOWN
    return value


def _is_proxy(value: Any) -> bool:
    return type(value).__module__.startswith("pulumi_policy")


def mapping(value: Any) -> dict[str, Any]:
    """The value if it is an object, else an empty one (absent, unknown or the wrong shape)."""
    return value if isinstance(value, dict) else {}


def items(value: Any) -> list[Any]:
    """The value if it is a list, else an empty one."""
    return value if isinstance(value, list) else []


def dig(value: Any, *path: str) -> Any:
    """`value[a][b]...`, or None as soon as a step is missing or not an object."""
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def number(value: Any) -> float | None:
    """A JSON number, or a numeric string (some providers type numbers as strings); else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def show(value: Any) -> str:
    """A value as a user wrote it: 30 not 30.0, strings quoted, absent as 'not set'."""
    if value is None:
        return "not set"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list | dict):
        return json.dumps(_integral(value), default=str, sort_keys=True)
    return str(value)


def _integral(value: Any) -> Any:
    """Struct numbers are floats; print 2.0 as 2 inside lists and objects too."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral(v) for v in value]
    return value
