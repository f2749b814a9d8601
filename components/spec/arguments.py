"""Errors in arguments written in Python, named as the program wrote them.

A program using the components as a library builds the models with keywords
(`ColorSpec(image=..., replicas=-1)`) and passes them to a component (`{"green": ...}`); it has no
`bluegreen:*` stack config. So its errors name the argument (`replicas`,
`health_check["interval_seconds"]`, `green["replicas"]`), also inside a rule's text, never a config key.
"""

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from pydantic import BaseModel, ValidationError

from .problems import NAMESPACE, ConfigProblem, problems_from, redacted
from .secret_config import secret_strings

_CONFIG_KEY = re.compile(NAMESPACE + r":([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*)")
SECRET_FIELDS = frozenset({"url", "secret", "command", "address"})
"""Arguments that may carry a credential (notification URLs and keys, hook URLs and commands, the Prometheus
address): a message shows `[secret]` for their values, as it does for a stack file's secret keys."""
_UNKNOWN = re.compile(r"unknown key(?:; did you mean (\S+)\?)? \(known keys: (.*)\)")


class ArgumentError(ValueError):
    """A model or component built in Python got bad arguments: every problem, each naming its argument.

    A ValueError, as pydantic's own error is, so code catching that keeps working.
    """

    def __init__(self, what: str, problems: list[str]):
        self.problems = problems
        super().__init__(f"invalid arguments of {what} ({len(problems)} problem(s)):\n" + "\n".join(problems))


def argument_path(config_path: str) -> str:
    """`green.replicas` -> `green["replicas"]`;
    `aws.sharedListener.priority` -> `aws["shared_listener"]["priority"]`."""
    first, *rest = re.findall(r"[A-Za-z_][A-Za-z0-9_]*|\[\d+\]", config_path)
    parts = [_snake(first)]
    for part in rest:
        parts.append(part if part.startswith("[") else f'["{_snake(part)}"]')
    return "".join(parts)


def argument_lines(problems: list[ConfigProblem], whole: str) -> list[str]:
    """One line per problem, every `bluegreen:` key in it as the argument that holds it; a rule on the whole
    object (a model's own check, such as Traffic's weights summing to 100) is named `whole`."""
    lines = []
    for problem in problems:
        key = whole if problem.key == NAMESPACE else problem.key
        line = str(replace(problem, key=key, rule=_argument_words(problem.rule)))
        lines.append(_CONFIG_KEY.sub(lambda m: argument_path(m.group(1)), line))
    return lines


def model_error(model: type[BaseModel], error: ValidationError, arguments: Mapping[str, Any]) -> ArgumentError:
    """`Model(**arguments)` failed: the same problems a stack file would get, named by argument, with no
    value of a credential shown."""
    secrets = _secrets_in(arguments)
    problems = [
        redacted(p, secrets) if _names_secret(p.key) or any(text in str(p) for text in secrets) else p
        for p in problems_from(error, model)
    ]
    return ArgumentError(model.__name__, argument_lines(problems, model.__name__))


def _names_secret(key: str) -> bool:
    return re.split(r"[.:\[]", key)[-1] in SECRET_FIELDS


def _secrets_in(value: Any) -> list[str]:
    if isinstance(value, Mapping):
        return [
            text
            for key, item in value.items()
            for text in (secret_strings(item) if key in SECRET_FIELDS else _secrets_in(item))
        ]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _secrets_in(item)]
    return []


def _argument_words(rule: str) -> str:
    if rule == "this key is required":
        return "this argument is required"
    unknown = _UNKNOWN.fullmatch(rule)
    if unknown is None:
        return rule
    close, known = unknown.groups()
    hint = f"; did you mean {_snake(close)}?" if close else ""
    return f"unknown argument{hint} (known: {', '.join(_snake(k) for k in known.split(', '))})"


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", lambda m: "_" + m.group(1).lower(), name)
