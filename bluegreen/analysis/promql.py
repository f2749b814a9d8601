"""Placeholders in PromQL templates: `{{color}}`, `{{service}}`, `{{namespace}}`, `{{stack}}`.

Values land inside label matchers (`color="{{color}}"`), so they are escaped as PromQL
double-quoted strings: a stack or service name can never close the string and add a
matcher of its own.
"""

import re
from collections.abc import Mapping

_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def escape_label_value(value: str) -> str:
    """The body of a PromQL double-quoted string: backslash, quote and newline escaped."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def substitute(query: str, values: Mapping[str, str]) -> str:
    """Replace every known placeholder; an unknown one raises, so a typo never queries `{{colour}}` literally."""

    def one(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            known = ", ".join("{{" + k + "}}" for k in values)
            raise ValueError(f"unknown placeholder {match.group(0)} in query; known: {known}")
        return escape_label_value(values[key])

    return _PLACEHOLDER.sub(one, query)
