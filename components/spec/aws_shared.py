"""`bluegreen:aws.sharedListener` and `bluegreen:aws.platformStack`: a service on a platform team's ALB.

With a shared listener the service stack creates no load balancer, listener or
cluster: only a listener rule (and one on the test listener) forwarding by weight
to its own two target groups. The listener, test listener, ALB security group and
cluster come from config, or from the outputs of the platform stack named in
`platformStack` (see examples/platform/).
"""

import re
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from .base import ConfigModel, between, matches

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


HostHeader = Annotated[str, AfterValidator(_host_header)]
PathPattern = Annotated[str, AfterValidator(_path_pattern)]


class SharedListener(ConfigModel):
    """Where this service's rule sits on a shared ALB, and which requests it takes."""

    priority: Annotated[int, between(1, MAX_PRIORITY)]
    """Rule priority on the shared listener (lower wins); unique per listener, so one per service."""
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

    @model_validator(mode="after")
    def _matches_something(self) -> "SharedListener":
        hosts, paths = self.host_headers or [], self.path_patterns or []
        if not hosts and not paths:
            raise PydanticCustomError(
                "no_condition", "give hostHeaders or pathPatterns (or both): a rule that matches every request "
                "would take the whole listener"
            )
        if len(hosts) + len(paths) > MAX_CONDITION_VALUES:
            raise PydanticCustomError(
                "too_many_values", "an ALB rule takes at most {limit} condition values in total "
                "(hostHeaders + pathPatterns)", {"limit": MAX_CONDITION_VALUES},
            )
        return self
