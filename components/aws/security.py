"""Pure security group rule decisions: who may reach the ALB, and that only the ALB reaches tasks.

Each rule is its own `aws.vpc.SecurityGroupIngressRule`/`EgressRule`, named after
what it allows (port and CIDR) rather than its position, so adding a CIDR adds one
rule and never renames, and so re-creates, the others. Nothing here reads traffic
weights, which is why a flip never touches a rule.
"""

import ipaddress
import re
from dataclasses import dataclass
from typing import TypedDict


# The rule arguments below are splatted (`**`) into the SDK's rule constructors; as
# TypedDicts the typechecker sees which keyword each key fills and its type.
class CidrArgs(TypedDict, total=False):
    cidr_ipv4: str
    cidr_ipv6: str


class PortRuleArgs(TypedDict):
    ip_protocol: str
    from_port: int
    to_port: int


class EgressArgs(TypedDict):
    ip_protocol: str
    cidr_ipv4: str


@dataclass(frozen=True)
class CidrRule:
    """Allow TCP `port` from (ingress) or to (egress) one CIDR block."""

    port: int
    cidr: str

    @property
    def is_ipv6(self) -> bool:
        return ipaddress.ip_network(self.cidr).version == 6

    @property
    def slug(self) -> str:
        """`443-0-0-0-0-0`, `443-a-x-128`: a resource-name-safe id of the rule's content, one per network.

        Built from the network's canonical text, every separator a dash; IPv6's `::` becomes `-x-` (x is no
        hex digit), so `a::/128` and `::a/128` keep distinct names (they once both became `a-128`).
        """
        canonical = ipaddress.ip_network(self.cidr, strict=False).compressed.lower()
        return f"{self.port}-" + "-".join(re.findall(r"[0-9a-f]+|::", canonical)).replace("::", "x")

    @property
    def legacy_slug(self) -> str:
        """The name part the rule had before `slug` told `a::/128` from `::a/128`: kept as an alias."""
        return f"{self.port}-" + re.sub(r"[^0-9a-fA-F]+", "-", self.cidr).strip("-").lower()

    def cidr_args(self) -> CidrArgs:
        return {"cidr_ipv6": self.cidr} if self.is_ipv6 else {"cidr_ipv4": self.cidr}


def alb_ingress_rules(cidrs_by_port: dict[int, list[str]]) -> list[CidrRule]:
    """One rule per listener port per CIDR allowed on it (duplicates dropped, order kept)."""
    seen: dict[tuple[int, str], CidrRule] = {}
    for port, cidrs in cidrs_by_port.items():
        for cidr in cidrs:
            seen.setdefault((port, cidr), CidrRule(port, cidr))
    return list(seen.values())


# Tasks pull images (ECR or a public registry) and ship logs over HTTPS, which on
# Fargate leaves from the task's own ENI; without a VPC endpoint the destination is
# the internet, so egress stays open while ingress is locked to the ALB.
TASK_EGRESS: EgressArgs = {"ip_protocol": "-1", "cidr_ipv4": "0.0.0.0/0"}


def app_port_rule(port: int) -> PortRuleArgs:
    """TCP on the app port: the only way into a task (from the ALB) and the ALB's only way out."""
    return {"ip_protocol": "tcp", "from_port": port, "to_port": port}
