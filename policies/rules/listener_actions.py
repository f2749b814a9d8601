"""Read the forward actions of a listener or listener rule: which target groups, at what weight."""

from dataclasses import dataclass
from typing import Any

from .aws_types import LISTENER_RULES
from .values import UNKNOWN, items, mapping, number

# A forward target group without a weight gets weight 1 from the provider's default.
DEFAULT_WEIGHT = 1


@dataclass(frozen=True)
class Forward:
    """One target group a forward action sends to."""

    arn: Any
    weight: Any


def actions(type_token: str, props: dict[str, Any]) -> list[dict[str, Any]]:
    key = "actions" if type_token in LISTENER_RULES else "defaultActions"
    return [a for a in items(props.get(key)) if isinstance(a, dict)]


def forward_actions(type_token: str, props: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in actions(type_token, props) if a.get("type") == "forward"]


def forwards(action: dict[str, Any]) -> list[Forward]:
    """The weighted target groups of one forward action (a bare targetGroupArn counts as weight 1)."""
    groups = mapping(action.get("forward")).get("targetGroups")
    if isinstance(groups, list):
        return [
            Forward(g.get("arn"), g.get("weight", DEFAULT_WEIGHT)) if isinstance(g, dict) else Forward(UNKNOWN, UNKNOWN)
            for g in groups
            if isinstance(g, dict) or g is UNKNOWN
        ]
    if action.get("targetGroupArn") is not None:
        return [Forward(action["targetGroupArn"], DEFAULT_WEIGHT)]
    return []


def weight_of(forward: Forward) -> float | None:
    return None if forward.weight is UNKNOWN else number(forward.weight)
