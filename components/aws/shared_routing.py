"""Where a service's listener rules go on a shared ALB: config values, else the platform stack's outputs.

Pure decisions (conditions, URLs) plus `resolve_shared_routing`, which reads the
platform stack through a `pulumi.StackReference` only for what config leaves out.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi

from ..spec.aws_shared import SharedListener

if TYPE_CHECKING:
    from pulumi_aws.lb import ListenerRuleConditionArgsDict

PLATFORM_OUTPUTS = ("listenerArn", "testListenerArn", "albSecurityGroupId", "clusterArn", "loadBalancerDnsName")
"""What a platform stack exports for its services (examples/platform/__main__.py)."""


@dataclass(frozen=True)
class SharedRouting:
    """A rule's place on the shared listeners, with every id resolved (perhaps to a platform stack output)."""

    listener: SharedListener
    """Priority and conditions, as configured."""
    listener_arn: pulumi.Input[str]
    test_listener_arn: pulumi.Input[str]
    alb_security_group_id: pulumi.Input[str]
    dns_name: pulumi.Input[str]
    test_port: int
    """Port of the shared test listener (for `testUrl`)."""


def rule_conditions(listener: SharedListener) -> list["ListenerRuleConditionArgsDict"]:
    """Host and path conditions; an ALB rule matches when all of them do."""
    conditions: list[ListenerRuleConditionArgsDict] = []
    if listener.host_headers:
        conditions.append({"host_header": {"values": list(listener.host_headers)}})
    if listener.path_patterns:
        conditions.append({"path_pattern": {"values": list(listener.path_patterns)}})
    return conditions


def url_path(listener: SharedListener) -> str:
    """`/api/*` -> `/api/`: the first path pattern as a URL path (empty when matching by host only)."""
    if not listener.path_patterns:
        return ""
    return listener.path_patterns[0].split("*", 1)[0].split("?", 1)[0]


def shared_urls(routing: SharedRouting) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
    """(url, testUrl): HTTPS on the first host header without wildcards, else on the ALB's DNS name, plus the
    first path."""
    listener = routing.listener
    exact = [host for host in listener.host_headers or [] if not set(host) & set("*?")]
    host: pulumi.Input[str] = exact[0] if exact else routing.dns_name
    path = url_path(listener)
    return (
        pulumi.Output.concat("https://", host, path),
        pulumi.Output.concat("https://", host, f":{routing.test_port}", path),
    )


def resolve_shared_routing(
    prefix: str, listener: SharedListener, platform_stack: str | None, test_port: int, parent: pulumi.Resource
) -> tuple[SharedRouting, pulumi.Input[str] | None]:
    """The routing and the platform's cluster ARN (None when neither config nor a platform stack gives one)."""
    outputs = _platform_outputs(prefix, platform_stack, parent)

    def pick(configured: Any, output: str, required: bool = True) -> Any:
        if configured is not None or outputs is None:
            return configured
        # A missing required output fails `pulumi up` naming it; the DNS name only matters for path-only urls.
        return outputs.require_output(output) if required else outputs.get_output(output)

    routing = SharedRouting(
        listener=listener,
        listener_arn=pick(listener.listener_arn, "listenerArn"),
        test_listener_arn=pick(listener.test_listener_arn, "testListenerArn"),
        alb_security_group_id=pick(listener.alb_security_group_id, "albSecurityGroupId"),
        dns_name=pick(listener.dns_name, "loadBalancerDnsName", required=False) or "",
        test_port=test_port,
    )
    cluster = outputs.require_output("clusterArn") if outputs is not None else None
    return routing, cluster


def _platform_outputs(prefix: str, platform_stack: str | None, parent: pulumi.Resource) -> pulumi.StackReference | None:
    if platform_stack is None:
        return None
    # One reference per service (not per platform stack), so several services in one program never clash.
    return pulumi.StackReference(f"{prefix}-platform", stack_name=platform_stack,
                                 opts=pulumi.ResourceOptions(parent=parent))
