"""Plain values out of the engine's properties, and the small readers every rule shares.

The engine sends inputs as a protobuf Struct, so every number arrives as a float
(`2.0`), and values not known until deployment arrive as sentinel strings. Rules see
plain dicts and lists with unknowns replaced by `UNKNOWN`, so they can tell "absent"
from "not known yet" and never crash on either. Secret values arrive wrapped in a
signature object; they become `SecretText`/`SecretNumber`, which compare like the
plain value but print as `[secret]`, so no message can echo them.
"""

import json
from collections.abc import Mapping, Sequence
from typing import Any, cast

from pulumi_policy import proxy

# The sentinels pulumi_policy leaves in place of values unknown during preview.
UNKNOWN_SENTINELS = frozenset(
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

# Pulumi's signature for a secret inside serialized properties (sdk/go/common/resource/properties.go).
SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
REDACTED = "[secret]"
# Longest string a message quotes in full; longer ones show their start and their length.
MAX_SHOWN = 120
# Objects and lists (two health checks side by side) get more room, each string in them clipped as above.
MAX_SHOWN_STRUCTURE = 1_000


class _Redacted:
    """Printed as `[secret]` however it is printed: str(), repr(), an f-string."""

    def __str__(self) -> str:
        return REDACTED

    def __repr__(self) -> str:
        return REDACTED

    def __format__(self, spec: str) -> str:
        return REDACTED


class SecretText(_Redacted, str):
    """A secret string: equal to its value for the rules, `[secret]` wherever it is printed."""


class SecretNumber(_Redacted, float):
    """A secret number (a Struct number is a float); booleans stay plain: bool cannot be subclassed."""


def is_secret(value: Any) -> bool:
    return isinstance(value, SecretText | SecretNumber)


def secret(value: Any, found: set[str]) -> Any:
    """`value` with every string and number inside marked secret; secret strings are added to `found`."""
    if isinstance(value, str) and not isinstance(value, SecretText):
        found.add(value)
        return SecretText(value)
    if isinstance(value, float | int) and not isinstance(value, bool | SecretNumber):
        return SecretNumber(value)
    if isinstance(value, dict):
        return {key: secret(item, found) for key, item in value.items()}
    if isinstance(value, list):
        return [secret(item, found) for item in value]
    return value


def plain(value: Any) -> Any:
    """Deep copy into dicts and lists, reading through pulumi_policy's proxies without tripping them."""
    if isinstance(value, Mapping):
        target = value["__target"] if _is_proxy(value) else value
        return {key: plain(item) for key, item in target.items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        # pulumi_policy's list proxy answers the "__target" key too, which `Sequence` does not allow.
        target = cast(Any, value)["__target"] if _is_proxy(value) else value
        return [plain(item) for item in target]
    if isinstance(value, str) and value in UNKNOWN_SENTINELS:
        return UNKNOWN
    return value


def _is_proxy(value: Any) -> bool:
    return type(value).__module__.startswith("pulumi_policy")


class _UnknownObject(dict):
    """An object unknown until deployment: empty, but every key reads as `UNKNOWN`, never as absent.

    So `mapping(props.get("healthCheck")).get("path")` is unknown, not missing, when the
    whole healthCheck block is computed at deploy time.
    """

    def get(self, key: Any, default: Any = None) -> Any:
        return UNKNOWN


_UNKNOWN_OBJECT: dict[str, Any] = _UnknownObject()


def mapping(value: Any) -> dict[str, Any]:
    """The value if it is an object, else an empty one (absent or the wrong shape; unknown: see _UnknownObject)."""
    if isinstance(value, dict):
        return value
    return _UNKNOWN_OBJECT if value is UNKNOWN else {}


def items(value: Any) -> list[Any]:
    """The value if it is a list, else an empty one."""
    return value if isinstance(value, list) else []


def dig(value: Any, *path: str) -> Any:
    """`value[a][b]...`: UNKNOWN as soon as a step is unknown, None as soon as one is missing or not an object."""
    for key in path:
        if value is UNKNOWN:
            return UNKNOWN
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


def clip(text: str, limit: int = MAX_SHOWN) -> str:
    """`text`, or its start and its length when it is too long to quote (an 8 MiB value makes no 8 MiB message)."""
    if len(text) <= limit:
        return text
    return f"{text[: limit // 2]}… ({len(text):,} characters)"


def show(value: Any) -> str:
    """A value as a user wrote it: 30 not 30.0, strings quoted, absent as 'not set', secrets redacted."""
    if value is None:
        return "not set"
    if is_secret(value):
        return REDACTED
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return f'"{clip(value)}"'
    if isinstance(value, list | dict):
        text = json.dumps(_printable(value), default=repr, sort_keys=True, ensure_ascii=False)
        return clip(text, MAX_SHOWN_STRUCTURE)
    return clip(str(value))


def _printable(value: Any) -> Any:
    """Struct numbers are floats: print 2.0 as 2 inside lists and objects too; secrets and long strings hidden."""
    if is_secret(value):
        return REDACTED
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return clip(value)
    if isinstance(value, dict):
        return {str(k): _printable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_printable(v) for v in value]
    return value


def canonical(value: Any) -> str:
    """A full, order-independent text of `value` for comparing and grouping (never shown: see `show`)."""
    return json.dumps(value, default=repr, sort_keys=True)


def hashable(value: Any) -> Any:
    """`value` usable as a dict key: lists and objects (malformed where a name belongs) by their canonical text."""
    return canonical(value) if isinstance(value, list | dict) else value


def has_unknown(value: Any) -> bool:
    """Whether `value` or anything inside it is unknown until deployment."""
    if value is UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(has_unknown(item) for item in value.values())
    if isinstance(value, list):
        return any(has_unknown(item) for item in value)
    return False
