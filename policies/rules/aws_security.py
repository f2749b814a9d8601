"""AWS secure defaults: the test listener, which serves the unreleased candidate, is never open to the internet.

Exposure is measured, not spelled: every ingress rule of the stack that opens a test
port adds its networks to one union per port, and the port is public when that union
covers more than `maxRoutableShare` of the routable IPv4 or IPv6 address space
(exposure.py). So `0.0.0.0/1` plus `128.0.0.0/1`, the IPv6 halves, or many /8s are the
internet as much as `0.0.0.0/0` is, while private and documentation networks count for
nothing.

Which ports are test ports is read from the stack: every listener the program tags
`bluegreen:listener: test` (the service's own ALB and the platform's shared ALB do, on
whatever `testListenerPort` the stack sets), plus the `testListenerPorts` knob for
listeners written by hand. Standalone ingress rules (aws.vpc and the older aws.ec2
SecurityGroupRule) and inline `ingress` blocks of a SecurityGroup are all read.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .aws_types import LISTENERS
from .exposure import Network, describe_share, exposure, parse_network, routable
from .spec import Knob, StackResource, StackRule
from .values import has_unknown, items, mapping, number, show

INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
ALL_PROTOCOLS = ("-1", "all")
TEST_LISTENER_TAG = ("bluegreen:listener", "test")
"""The tag the program puts on every test listener, so the rule learns the stack's actual test port."""
DEFAULT_MAX_SHARE = 2**-16


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


@dataclass(frozen=True)
class _Opening:
    """One ingress rule (or inline block): who it lets in, on which ports."""

    resource: StackResource
    ports: tuple[float, float]
    networks: list[Network]


def _ingress(resource: StackResource) -> Iterator[tuple[Mapping[str, Any], list[Any], str]]:
    """(rule, its CIDRs, protocol key) for each ingress rule the resource declares."""
    props = resource.props
    if resource.type == INGRESS_RULE:
        yield props, [props.get("cidrIpv4"), props.get("cidrIpv6")], "ipProtocol"
    elif resource.type == SECURITY_GROUP_RULE:
        if props.get("type") == "ingress":
            yield props, items(props.get("cidrBlocks")) + items(props.get("ipv6CidrBlocks")), "protocol"
    elif resource.type == SECURITY_GROUP:
        for block in items(props.get("ingress")):
            block = mapping(block)
            yield block, items(block.get("cidrBlocks")) + items(block.get("ipv6CidrBlocks")), "protocol"


def _openings(resources: list[StackResource]) -> Iterator[_Opening]:
    for resource in resources:
        for rule, cidrs, protocol_key in _ingress(resource):
            ports = _ports(rule, protocol_key)
            networks = [n for n in (parse_network(c) for c in cidrs) if n is not None]
            if ports is not None and networks:
                yield _Opening(resource, ports, networks)


def test_ports(resources: list[StackResource], config: Mapping[str, Any]) -> list[float]:
    """The knob's ports and the port of every listener tagged as a test listener, once each, in order."""
    ports = [number(p) for p in config["testListenerPorts"]]
    key, value = TEST_LISTENER_TAG
    for listener in resources:
        if listener.type in LISTENERS and mapping(listener.props.get("tags")).get(key) == value:
            ports.append(number(listener.props.get("port")))
    return list(dict.fromkeys(p for p in ports if p is not None))


def test_port_not_public(resources: list[StackResource], config: Mapping[str, Any]) -> list[tuple[str, str]]:
    max_share = float(config["maxRoutableShare"])
    openings = list(_openings(resources))
    # Per resource, the public test ports it opens and the widest exposure among them: one message each.
    public: dict[str, tuple[StackResource, list[float], int, float, list[str]]] = {}
    for port in test_ports(resources, config):
        on_port = [o for o in openings if o.ports[0] <= port <= o.ports[1]]
        union = exposure(n for o in on_port for n in o.networks)
        if not union.over(max_share):
            continue
        version, share = union.widest
        for opening in on_port:
            cidrs = [str(n) for n in opening.networks if n.version == version and routable(n)]
            if not cidrs:
                continue
            urn = opening.resource.urn
            if urn in public:
                public[urn][1].append(port)
            else:
                public[urn] = (opening.resource, [port], version, share, cidrs)
    return [
        (urn, (
            f"{resource.label} opens the test listener port {', '.join(show(p) for p in ports)} to the internet: "
            f"with the stack's other rules on that port it lets in {describe_share(share)} of the routable "
            f"IPv{version} address space (through {show(cidrs)}; at most {describe_share(max_share)} is allowed, "
            "maxRoutableShare), so anyone can reach the unreleased candidate; allow only your testers' networks "
            "(bluegreen:aws.testIngressCidrs), or none."
        ))
        for urn, (resource, ports, version, share, cidrs) in public.items()
    ]


RULES = [
    StackRule(
        name="aws-test-listener-not-public",
        description="Security group rules together open no test listener port to more than maxRoutableShare of the "
        "routable address space.",
        check=test_port_not_public,
        level="mandatory",
        severity="high",
        knobs={
            "testListenerPorts": Knob(
                {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 65535}},
                [9443, 9080],
                "Ports of test listeners written by hand; listeners tagged `bluegreen:listener: test` (the "
                "program's, on bluegreen:aws.testListenerPort) are found without this list.",
            ),
            "maxRoutableShare": Knob(
                {"type": "number", "minimum": 0, "maximum": 1},
                DEFAULT_MAX_SHARE,
                "Largest share of the routable IPv4 or IPv6 address space a test port may be open to, all its "
                "rules together (1/65536: an IPv4 /17 fits, a /16 does not).",
            ),
        },
    ),
]
