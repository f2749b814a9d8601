"""How deep a resource's inputs may nest before the pack stops reading them, and the rule that reports it.

No provider schema nests anywhere near this deep (a Kubernetes Deployment's deepest input,
an HTTP probe header, is 9 levels down). Inputs nested 600 levels deep would otherwise exhaust
Python's recursion limit in the parse and in every rule that walks them, and fail the whole
analysis. So the parse (request_view.py) replaces anything deeper than `MAX_DEPTH` with
`TOO_DEEP`, every rule judges the rest, and `inputs-nesting-limit` reports the resource.
"""

from collections.abc import Mapping
from typing import Any

from .spec import StackResource, StackRule

MAX_DEPTH = 100
"""Objects and lists inside objects and lists, counted from the resource's top-level inputs (depth 1)."""


class _TooDeep:
    """What stands in for inputs nested deeper than MAX_DEPTH: neither an object nor a list, so no rule walks it."""

    def __repr__(self) -> str:
        return f"<nested deeper than {MAX_DEPTH} levels>"


TOO_DEEP: Any = _TooDeep()


def cut_path(props: Any) -> tuple[str, ...] | None:
    """Where the parse cut the inputs off (`spec.a.a...`), or None; bounded by MAX_DEPTH, so no deep recursion."""
    found = _cut_keys(props)
    return None if found is None else tuple(reversed(found))


def _cut_keys(props: Any) -> list[str] | None:
    """The keys down to TOO_DEEP, innermost first. Runs on every resource of every stack request, so it steps
    only into objects and lists, and builds the path only once something is found."""
    if props is TOO_DEEP:
        return []
    children = props.items() if isinstance(props, Mapping) else enumerate(props) if isinstance(props, list) else ()
    for key, value in children:
        if value is TOO_DEEP or isinstance(value, Mapping | list):
            found = _cut_keys(value)
            if found is not None:
                found.append(str(key))
                return found
    return None


def _shown(path: tuple[str, ...]) -> str:
    text = ".".join(path)
    return text if len(text) <= 80 else f"{text[:40]}…{text[-30:]}"


def inputs_nesting_limit(resources: list[StackResource], config: Mapping[str, Any]) -> list[tuple[str, str]]:
    found = []
    for resource in resources:
        path = cut_path(resource.props)
        if path is not None:
            found.append(
                (
                    resource.urn,
                    f"{resource.label} has inputs nested more than {MAX_DEPTH} levels deep (at {_shown(path)}), "
                    "so the pack judged it without them; no provider schema nests that deep: fix the program "
                    "that builds these inputs.",
                )
            )
    return found


RULES = [
    StackRule(
        name="inputs-nesting-limit",
        description=f"No resource has inputs nested more than {MAX_DEPTH} levels deep.",
        check=inputs_nesting_limit,
        level="mandatory",
        severity="high",
    ),
]
