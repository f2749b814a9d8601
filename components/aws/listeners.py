"""Pure decisions for the ALB listeners: which listeners exist, and what each one forwards.

A flip changes only the weights passed to `forward_action`, so only the listeners'
`defaultActions` change: the target groups and services they point at stay put.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import pulumi

from ..spec import COLORS, AwsConfig, Color, Traffic
from ..traffic import candidate_color

if TYPE_CHECKING:
    # Types only: these decisions stay importable (and testable) without loading the AWS SDK.
    from pulumi_aws.lb import ListenerDefaultActionArgsDict

# TLS 1.3 with TLS 1.2 fallback, AWS's recommended policy for ALBs: no TLS 1.0/1.1.
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
HTTP_PORT = 80
HTTPS_PORT = 443

Protocol = Literal["HTTP", "HTTPS"]

# Tells the policy pack which listener serves the candidate, so its exposure rule judges the stack's own
# test port (bluegreen:aws.testListenerPort), whatever it is, not a list of default ports.
TEST_LISTENER_TAGS = {"bluegreen:listener": "test"}


@dataclass(frozen=True)
class ListenerLayout:
    """Ports and protocols of the production, redirect and test listeners."""

    protocol: Protocol
    production_port: int
    test_port: int
    certificate_arn: str | None
    ssl_policy: str | None
    redirect_http: bool
    """With a certificate, port 80 answers a 301 to https instead of serving traffic."""

    @property
    def scheme(self) -> str:
        return self.protocol.lower()

    def cidrs_by_port(self, aws: AwsConfig) -> dict[int, list[str]]:
        """Every port the ALB listens on and who may reach it, so its security group opens exactly these."""
        ports = {self.production_port: aws.ingress_cidrs}
        if self.redirect_http:
            ports = {HTTP_PORT: aws.ingress_cidrs, **ports}
        return {**ports, self.test_port: aws.test_ingress_cidrs}

    def listener_args(self) -> dict[str, Any]:
        """protocol/port/TLS arguments shared by the production and test listeners (minus the port)."""
        if self.protocol == "HTTP":
            return {"protocol": "HTTP"}
        return {"protocol": "HTTPS", "certificate_arn": self.certificate_arn, "ssl_policy": self.ssl_policy}


def listener_layout(aws: AwsConfig) -> ListenerLayout:
    if aws.certificate_arn:
        return ListenerLayout(
            "HTTPS", HTTPS_PORT, aws.test_listener_port, aws.certificate_arn, TLS_POLICY, True
        )
    return ListenerLayout("HTTP", HTTP_PORT, aws.test_listener_port, None, None, False)


def forward_action(
    weights: dict[Color, int], target_group_arns: Mapping[Color, pulumi.Input[str]]
) -> "ListenerDefaultActionArgsDict":
    """A weighted forward to BOTH target groups, always in blue, green order.

    Keeping both groups in the action (weight 0 allowed) means a flip edits two
    numbers and nothing else; it also keeps both groups attached to the ALB, which
    ECS requires before it registers a service's tasks. Group stickiness stays off
    so every request is split by weight, not pinned to the color a client first hit.
    """
    return {
        "type": "forward",
        "forward": {
            "target_groups": [
                {"arn": target_group_arns[color], "weight": weights[color]} for color in COLORS
            ],
            # AWS rejects duration 0 even with stickiness off (valid: 1..604800).
            "stickiness": {"enabled": False, "duration": 1},
        },
    }


def production_action(
    traffic: Traffic, target_group_arns: Mapping[Color, pulumi.Input[str]]
) -> "ListenerDefaultActionArgsDict":
    return forward_action({"blue": traffic.blue, "green": traffic.green}, target_group_arns)


def candidate_action(
    traffic: Traffic, target_group_arns: Mapping[Color, pulumi.Input[str]]
) -> "ListenerDefaultActionArgsDict":
    """100% to the candidate color (lower weight; green on a 50/50 tie), 0% to the live one."""
    candidate = candidate_color(traffic)
    return forward_action({color: 100 if color == candidate else 0 for color in COLORS}, target_group_arns)


def redirect_action() -> "ListenerDefaultActionArgsDict":
    """Port 80 -> https on 443, keeping host, path and query (the #{...} defaults)."""
    return {
        "type": "redirect",
        "redirect": {"protocol": "HTTPS", "port": str(HTTPS_PORT), "status_code": "HTTP_301"},
    }
