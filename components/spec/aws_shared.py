"""`bluegreen:aws.sharedListener` and `bluegreen:aws.platformStack`: a service on a platform team's ALB.

With a shared listener the service stack creates no load balancer, listener or
cluster: only a listener rule (and one on the test listener) forwarding by weight
to its own two target groups. The listener, test listener, ALB security group and
cluster come from config, or from the outputs of the platform stack named in
`platformStack` (see examples/platform/).

Many services share the listener, and the rule with the lowest priority number that
matches a request takes it. So a rule may claim only what is its own: each host in
`hostHeaders` must be one of the stack's `ownedHosts` (exact, or under a `*.` domain
listed there), and a catch-all rule (a host value made only of wildcards, such as `*`
or `*.*`, or a match-all path such as `/*` with no host) needs `catchAll: true`, which
the policy pack refuses in prod (`aws-shared-rule-not-catch-all`).
"""

import re
from typing import Annotated

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from .base import ConfigModel, between, field_error, matches

# What an ALB listener rule accepts: priorities 1..50000, and at most 5 condition values in total.
MAX_PRIORITY = 50000
MAX_CONDITION_VALUES = 5

ListenerArn = Annotated[
    str,
    matches(
        r"arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:listener/app/[A-Za-z0-9-]+/[0-9a-f]+/[0-9a-f]+",
        "arn:aws:elasticloadbalancing:<region>:<account>:listener/app/<alb>/<id>/<id>",
    ),
]
ClusterArn = Annotated[
    str,
    matches(r"arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster/[A-Za-z0-9_-]{1,255}",
            "arn:aws:ecs:<region>:<account>:cluster/<name>"),
]
SecurityGroupId = Annotated[str, matches(r"sg-[0-9a-f]{8,17}", "sg-0123456789abcdef0")]
PlatformStack = Annotated[
    str, matches(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+){0,2}", "org/project/stack (or project/stack, or stack)")
]


def _host_header(value: str) -> str:
    # ALB host-header values: a host name, `*` and `?` wildcards allowed, 1..128 characters.
    if not re.fullmatch(r"[A-Za-z0-9*?.-]{1,128}", value) or value.strip(".") != value:
        raise PydanticCustomError("host_header", "must be a host name such as api.example.com (wildcards * and ?)")
    return value.lower()


def _path_pattern(value: str) -> str:
    if not value.startswith("/") or len(value) > 128 or any(c.isspace() for c in value):
        raise PydanticCustomError("path_pattern", "must start with '/', have no spaces and at most 128 characters, "
                                  "e.g. /api/*")
    return value


_EXACT_HOST = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+")


def _owned_host(value: str) -> str:
    # A host, or `*.` and a domain of two labels or more: `*.com` would own every .com host.
    value = value.lower()
    if not _EXACT_HOST.fullmatch(value.removeprefix("*.")) or len(value) > 128:
        raise PydanticCustomError(
            "owned_host", "must be a host name (api.example.com) or '*.' and a domain of at least two labels "
            "(*.api.example.com: every host under it); no other wildcards"
        )
    return value


HostHeader = Annotated[str, AfterValidator(_host_header)]
PathPattern = Annotated[str, AfterValidator(_path_pattern)]
OwnedHost = Annotated[str, AfterValidator(_owned_host)]


def matches_any_host(host: str) -> bool:
    """`*`, `*.*`, `?*.*`: a host value with a `*` and nothing but wildcards and dots matches (nearly) every host."""
    return "*" in host and set(host) <= set("*?.")


def matches_any_path(path: str) -> bool:
    """`/*`, `/*/*`, `/?*`: a path pattern with a `*` and nothing but wildcards and slashes matches every path."""
    return "*" in path and set(path) <= set("/*?")


def owns(owned: list[str], host: str) -> bool:
    """Whether every host `host` matches is one of `owned`: equal to an entry, or under a `*.` entry's domain.

    ALB's `*` matches any characters, dots included, so `*.api.example.com` covers `a.b.api.example.com`,
    and a header value covers only what is strictly under the domain (`*api.example.com` would match
    `evilapi.example.com`, so no entry covers it but an equal one).
    """
    for entry in owned:
        if entry == host:
            return True
        if entry.startswith("*."):
            domain = entry[1:]  # ".api.example.com"
            if host.endswith(domain) and len(host) > len(domain):
                return True
    return False


class SharedListener(ConfigModel):
    """Where this service's rule sits on a shared ALB, and which requests it takes."""

    priority: Annotated[int, between(1, MAX_PRIORITY)]
    """Rule priority on the shared listener (lower wins); unique per listener, so one per service."""
    catch_all: bool = False
    """Allow a rule that matches any host (a host value of wildcards only, such as `*` or `*.*`) or, with no
    host, any path (`/*`): it takes every request no rule with a lower priority number matches. Refused in
    prod by the policy pack (`aws-shared-rule-not-catch-all`)."""
    owned_hosts: list[OwnedHost] | None = Field(default=None, min_length=1)
    """The hosts this stack owns on the shared ALB (api.example.com, or *.api.example.com for every host
    under it): each of `hostHeaders` must be one of them, so a rule cannot claim another service's host."""
    host_headers: list[HostHeader] | None = Field(default=None, min_length=1)
    """Requests for these hosts come to this service (e.g. api.example.com); `url` uses the first."""
    path_patterns: list[PathPattern] | None = Field(default=None, min_length=1)
    """Requests for these paths come to this service (e.g. /api/*)."""
    listener_arn: ListenerArn | None = None
    """The shared production listener (default: the platform stack's `listenerArn` output)."""
    test_listener_arn: ListenerArn | None = None
    """The shared test listener (default: the platform stack's `testListenerArn` output)."""
    alb_security_group_id: SecurityGroupId | None = None
    """The shared ALB's security group, which gets an egress rule to this service's tasks
    (default: the platform stack's `albSecurityGroupId` output)."""
    dns_name: str | None = None
    """The ALB's DNS name, for `url` when the rule matches paths only
    (default: the platform stack's `loadBalancerDnsName` output)."""

    @field_validator("host_headers")
    @classmethod
    def _claims_own_hosts(cls, hosts: list[str] | None, info: ValidationInfo) -> list[str] | None:
        if hosts is None or "owned_hosts" not in info.data:
            return hosts  # a bad ownedHosts is reported on its own
        owned: list[str] = info.data["owned_hosts"] or []
        catch_all = info.data.get("catch_all", False)
        wildcards = [host for host in hosts if matches_any_host(host)]
        foreign = [host for host in hosts if not matches_any_host(host) and not owns(owned, host)]
        reasons = []
        if wildcards and not catch_all:
            reasons.append(
                f"{', '.join(map(repr, wildcards))} matches any host, so this rule would take the requests of every "
                "service on the shared listener whose rule has a higher priority number; list this service's own "
                "hosts, or set catchAll: true (refused in prod by aws-shared-rule-not-catch-all)"
            )
        if foreign:
            listed = f"ownedHosts {owned}" if owned else "no ownedHosts"
            reasons.append(
                f"{', '.join(map(repr, foreign))} is not among this stack's own hosts ({listed}); a rule may claim "
                "only those: add the host to bluegreen:aws.sharedListener.ownedHosts if this service owns it"
            )
        if reasons:
            raise PydanticCustomError("foreign_hosts", "{reasons}", {"reasons": "; ".join(reasons)})
        return hosts

    @model_validator(mode="after")
    def _matches_something(self) -> "SharedListener":
        hosts, paths = self.host_headers or [], self.path_patterns or []
        if not hosts and not paths:
            raise PydanticCustomError(
                "no_condition", "give hostHeaders or pathPatterns (or both): a rule that matches every request "
                "would take the whole listener"
            )
        if not hosts and not self.catch_all and any(matches_any_path(path) for path in paths):
            raise field_error(
                "pathPatterns", paths, "with no hostHeaders, a match-all path (/*) takes every request to every "
                "host on the shared listener; add hostHeaders (this service's own hosts), or set catchAll: true "
                "(refused in prod by aws-shared-rule-not-catch-all)"
            )
        if len(hosts) + len(paths) > MAX_CONDITION_VALUES:
            raise PydanticCustomError(
                "too_many_values", "an ALB rule takes at most {limit} condition values in total "
                "(hostHeaders + pathPatterns)", {"limit": MAX_CONDITION_VALUES},
            )
        return self
