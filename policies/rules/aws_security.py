"""AWS secure defaults: the test listener, which serves the unreleased candidate, is never open to the internet.

A security group rule judges by port: the ports in `testListenerPorts` (the program's
test listener ports by default; set yours with `bluegreen:aws.testListenerPort`) must not
be reachable from 0.0.0.0/0 or ::/0. Standalone ingress rules (aws.vpc and the older
aws.ec2 SecurityGroupRule) and inline `ingress` blocks of a SecurityGroup are all read.
"""

import ipaddress
from collections.abc import Iterator, Mapping
from typing import Any

from .spec import Knob, Rule, Subject
from .values import has_unknown, items, mapping, number, show

INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
ALL_PROTOCOLS = ("-1", "all")


def _is_internet(cidr: Any) -> bool:
    if not isinstance(cidr, str):
        return False
    try:
        return ipaddress.ip_network(cidr.strip(), strict=False).prefixlen == 0
    except ValueError:
        return False


def _ports(rule: Mapping[str, Any], protocol_key: str) -> tuple[float, float] | None:
    """The port range a rule opens; None when it cannot be known or opens no TCP port."""
    protocol = rule.get(protocol_key)
    if has_unknown(protocol):
        return None
    if str(protocol).lower() in ALL_PROTOCOLS:
        return (0, 65535)
    if str(protocol).lower() not in ("tcp", "6", "6.0"):
        return None
    low, high = number(rule.get("fromPort")), number(rule.get("toPort"))
    return None if low is None or high is None else (low, high)


def _ingress(subject: Subject) -> Iterator[tuple[Mapping[str, Any], list[Any], str]]:
    """(rule, its CIDRs, protocol key) for each ingress rule the resource declares."""
    props = subject.props
    if subject.type == INGRESS_RULE:
        yield props, [props.get("cidrIpv4"), props.get("cidrIpv6")], "ipProtocol"
    elif subject.type == SECURITY_GROUP_RULE:
        if props.get("type") == "ingress":
            yield props, items(props.get("cidrBlocks")) + items(props.get("ipv6CidrBlocks")), "protocol"
    else:
        for block in items(props.get("ingress")):
            block = mapping(block)
            yield block, items(block.get("cidrBlocks")) + items(block.get("ipv6CidrBlocks")), "protocol"


def test_port_not_public(subject: Subject, config: Mapping[str, Any]) -> list[str]:
    test_ports = [p for p in (number(p) for p in config["testListenerPorts"]) if p is not None]
    messages = []
    for rule, cidrs, protocol_key in _ingress(subject):
        public = [c for c in cidrs if _is_internet(c)]
        ports = _ports(rule, protocol_key)
        if not public or ports is None:
            continue
        opened = [p for p in test_ports if ports[0] <= p <= ports[1]]
        if opened:
            messages.append(
                f"{subject.label} opens the test listener port {show(opened[0])} to {show(public[0])}, so anyone "
                "can reach the unreleased candidate; allow only your testers' networks "
                "(bluegreen:aws.testIngressCidrs), or none."
            )
    return messages


RULES = [
    Rule(
        name="aws-test-listener-not-public",
        description="No security group rule opens a test listener port to 0.0.0.0/0 or ::/0.",
        types=frozenset({INGRESS_RULE, SECURITY_GROUP_RULE, SECURITY_GROUP}),
        check=test_port_not_public,
        level="mandatory",
        severity="high",
        knobs={
            "testListenerPorts": Knob(
                {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 65535}},
                [9443, 9080],
                "Ports of test listeners (bluegreen:aws.testListenerPort); they must not be open to the internet.",
            )
        },
    ),
]
