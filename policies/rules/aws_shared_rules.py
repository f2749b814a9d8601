"""Listener rules on a shared ALB: a rule that matches any host takes every other service's requests.

The ALB hands a request to the matching rule with the lowest priority number. A rule
whose host condition is only wildcards (`*`, `*.*`), or that has no host condition and
matches every path (`/*`, or no path condition at all), matches requests meant for every
service behind the listener: at priority 1 it takes them all, and it is the quiet
fallback for any host a later rule forgets. The program refuses such a rule unless the
stack sets `sharedListener.catchAll: true`; this rule judges the rendered ListenerRule
(hand-written ones too), so prod refuses it whatever the config says.
"""

from collections.abc import Mapping
from typing import Any

from .aws_types import LISTENER_RULES
from .spec import Rule, Subject
from .values import UNKNOWN, dig, has_unknown, items, show


def _values(conditions: list[Any], kind: str) -> list[Any] | None:
    """Every value of the `kind` conditions (`hostHeader`, `pathPattern`), or None when the rule has none."""
    found = [dig(condition, kind, "values") for condition in conditions if dig(condition, kind) is not None]
    return None if not found else [value for values in found for value in items(values)]


def _only_wildcards(text: Any, allowed: str) -> bool:
    return isinstance(text, str) and "*" in text and set(text) <= set(allowed)


def catch_all_reason(props: Mapping[str, Any]) -> str | None:
    """What makes the rule match any request to any host, or None (also when a value is unknown at preview)."""
    conditions = props.get("conditions")
    if conditions is UNKNOWN or has_unknown(conditions):
        return None
    hosts, paths = _values(items(conditions), "hostHeader"), _values(items(conditions), "pathPattern")
    wild_hosts = [host for host in hosts or [] if _only_wildcards(host, "*?.")]
    if wild_hosts:
        return f"host condition {show(wild_hosts)} matches any host"
    if hosts is None:
        if paths is None:
            return "it has no host or path condition, so it matches every request"
        wild_paths = [path for path in paths if _only_wildcards(path, "/*?")]
        if wild_paths:
            return f"it has no host condition and path {show(wild_paths)} matches every path"
    return None


def not_catch_all(subject: Subject, config: Mapping[str, Any]) -> list[str]:
    reason = catch_all_reason(subject.props)
    if reason is None:
        return []
    return [
        f"{subject.label} at priority {show(subject.props.get('priority'))}: {reason}, so on a shared listener it "
        "takes the requests of every service whose rule has a higher priority number. Give it this service's own "
        "hosts (bluegreen:aws.sharedListener.hostHeaders within ownedHosts) and drop catchAll."
    ]


RULES = [
    Rule(
        name="aws-shared-rule-not-catch-all",
        description="A listener rule names its own hosts: no wildcard-only host, no match-all path without a host.",
        types=LISTENER_RULES,
        check=not_catch_all,
        level="advisory",
        severity="high",
    ),
]
