"""One readable line per bad config value: the key, the value found and the rule broken.

pydantic reports errors as (location, type, message); users think in config keys
(`bluegreen:service.healthCheck.intervalSeconds`), so this module translates.
"""

import difflib
from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.alias_generators import to_camel

from ..safe_text import SECRET, cut, redact

NAMESPACE = "bluegreen"

_MISSING = object()


@dataclass(frozen=True)
class ConfigProblem:
    """A bad value at one config key."""

    key: str
    value: Any
    rule: str

    def __str__(self) -> str:
        if self.value is _MISSING:
            return f"{self.key} is missing: {self.rule}"
        return f"{self.key} = {_show(self.value)} is invalid: {self.rule}"


class ConfigError(Exception):
    """Raised with every problem found, so a user fixes them all in one pass."""

    def __init__(self, problems: list[ConfigProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class _Secret:
    def __repr__(self) -> str:
        return SECRET


SECRET_VALUE: Any = _Secret()
"""Stands for a value that must not be shown: it prints as `[secret]`."""


def redacted(problem: ConfigProblem, secrets: list[str]) -> ConfigProblem:
    """The problem with its value hidden and every secret string in its rule replaced by `[secret]`."""
    rule = redact(problem.rule)
    for text in sorted(secrets, key=len, reverse=True):
        rule = rule.replace(text, SECRET)
    value = problem.value if problem.value is _MISSING else SECRET_VALUE
    return replace(problem, value=value, rule=rule)


def missing(key: str, rule: str) -> ConfigProblem:
    return ConfigProblem(key, _MISSING, rule)


def config_key(loc: tuple[str | int, ...]) -> str:
    """`("service", "healthCheck", "path")` -> `bluegreen:service.healthCheck.path`; `()`, a rule on the
    whole object validated, -> `bluegreen`."""
    if not loc:
        return NAMESPACE
    head, *rest = loc
    path = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in rest)
    return f"{NAMESPACE}:{head}{path}"


def problems_from(error: ValidationError, root: type[BaseModel]) -> list[ConfigProblem]:
    found = []
    for item in error.errors():
        kind = item["type"]
        loc = tuple(item["loc"]) if kind == "extra_forbidden" else _config_spelling(item["loc"])
        if kind == "extra_forbidden":
            found.append(ConfigProblem(config_key(loc), item["input"], _unknown_key_rule(root, loc)))
        elif kind == "field_rule":
            ctx = item.get("ctx", {})
            found.append(ConfigProblem(config_key((*loc, ctx["field"])), ctx["value"], ctx["rule"]))
        elif kind == "missing":
            found.append(missing(config_key(loc), "this key is required"))
        else:
            found.append(ConfigProblem(config_key(loc), item["input"], _rule(item)))
    return found


def _config_spelling(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    # A default checked with `validate_default` is reported under its Python name (`test_port`);
    # users wrote, or would write, the camelCase key.
    return tuple(to_camel(part) if isinstance(part, str) and "_" in part else part for part in loc)


def _rule(item: Any) -> str:
    kind = item["type"]
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "must be an integer"
    if kind in ("literal_error", "enum"):
        return "must be one of " + item.get("ctx", {}).get("expected", "the allowed values")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "must be an object (a YAML map)"
    return item["msg"][0].lower() + item["msg"][1:] if item["msg"] else kind


def _unknown_key_rule(root: type[BaseModel], loc: tuple[str | int, ...]) -> str:
    known = _known_keys(root, loc[:-1])
    typo = str(loc[-1])
    close = difflib.get_close_matches(typo, known, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]}?" if close else ""
    return f"unknown key{hint} (known keys: {', '.join(sorted(known))})"


def _known_keys(model: type[BaseModel], parent: tuple[str | int, ...]) -> list[str]:
    """Walk the model along `parent` to list the keys allowed where the typo sits."""
    current: Any = model
    for part in parent:
        field = next(
            (f for name, f in current.model_fields.items() if (f.alias or name) == part), None
        )
        if field is None:
            return []
        current = _model_in(field.annotation)
        if current is None:
            return []
    return [f.alias or name for name, f in current.model_fields.items()]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _show(value: Any) -> str:
    # repr() escapes control characters; URL credentials and queries are hidden; a long value is cut.
    if isinstance(value, str):
        return cut(redact(repr(value)), 200)
    if isinstance(value, dict):
        return cut("{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}", 400)
    if isinstance(value, list):
        return cut("[" + ", ".join(_show(v) for v in value) + "]", 400)
    return cut(repr(value), 200)
