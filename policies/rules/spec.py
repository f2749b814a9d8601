"""How a rule is declared: metadata plus one pure function, independent of pulumi_policy.

A resource rule gets a `Subject` (type, name, plain inputs) and its config and
returns messages. A stack rule gets every resource and returns (urn, message)
pairs. `policies.py` turns these into CrossGuard policy objects.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .guidance import policy_url
from .values import clip

Level = Literal["advisory", "mandatory", "disabled"]
Severity = Literal["low", "medium", "high", "critical"]


class _Named:
    """How messages name a resource, shared by both views of one."""

    type: str
    name: str

    @property
    def kind(self) -> str:
        """`Deployment` out of `kubernetes:apps/v1:Deployment`."""
        return self.type.rsplit(":", 1)[-1]

    @property
    def label(self) -> str:
        return f'{self.kind} "{clip(self.name)}"'


@dataclass(frozen=True)
class Subject(_Named):
    """The resource one resource rule is judging."""

    type: str
    name: str
    props: dict[str, Any]


@dataclass(frozen=True)
class StackResource(_Named):
    """One resource of the stack, for cross-resource rules."""

    type: str
    urn: str
    name: str
    props: dict[str, Any]
    parent: str | None = None
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Knob:
    """One tunable threshold: a JSON schema with its default, shown in `PolicyConfigSchema`."""

    schema: dict[str, Any]
    default: Any
    description: str

    def json_schema(self) -> dict[str, Any]:
        return {**self.schema, "default": self.default, "description": self.description}


ResourceCheck = Callable[[Subject, Mapping[str, Any]], list[str]]
StackCheck = Callable[[list[StackResource], Mapping[str, Any]], list[tuple[str, str]]]


@dataclass(frozen=True)
class Rule:
    """A per-resource rule: applies to the listed type tokens only."""

    name: str
    description: str
    types: frozenset[str]
    check: ResourceCheck
    level: Level
    """The level when no config file names the rule; policies/config/<stack>.json sets it per stack."""
    severity: Severity
    knobs: dict[str, Knob] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """Its anchor in the docs, which every violation message ends with."""
        return policy_url(self.name)


@dataclass(frozen=True)
class StackRule:
    """A cross-resource rule over the whole stack."""

    name: str
    description: str
    check: StackCheck
    level: Level
    """The level when no config file names the rule; policies/config/<stack>.json sets it per stack."""
    severity: Severity
    knobs: dict[str, Knob] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """Its anchor in the docs, which every violation message ends with."""
        return policy_url(self.name)


def with_defaults(knobs: Mapping[str, Knob], config: Mapping[str, Any]) -> dict[str, Any]:
    """The engine fills schema defaults; direct callers may not, so fill them again here."""
    return {**{key: knob.default for key, knob in knobs.items()}, **dict(config)}
