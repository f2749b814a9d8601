"""`aws-test-listener-not-public` measures exposure, not spelling: split halves, IPv6, the stack's own test port.

The rule merges every network that reaches a test port and measures the routable
address space the union covers (policies/rules/exposure.py). The holes it closes are
tests here: `0.0.0.0/1` + `128.0.0.0/1`, the IPv6 halves, a test listener on 8443 (not
one of the default ports), in-process, over gRPC, and through the real program under
mocks with the prod stack.
"""

import ipaddress
import sys

import pytest
from policy_cases import check, messages, policies, resource

from bluegreen.policy_client import PACK_DIR, load_stack_config

if str(PACK_DIR) not in sys.path:
    sys.path.insert(0, str(PACK_DIR))

from rules.aws_security import DEFAULT_MAX_SHARE
from rules.exposure import ROUTABLE_SIZE, exposure

INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
LISTENER = "aws:lb/listener:Listener"
RULE = "aws-test-listener-not-public"


def nets(*cidrs: str) -> list:
    return [ipaddress.ip_network(c) for c in cidrs]


def ingress(port: int, cidr: str, index: int = 0) -> object:
    key = "cidrIpv6" if ":" in cidr else "cidrIpv4"
    return resource(
        INGRESS,
        f"web-alb-in-{port}-{index}",
        {"securityGroupId": "sg-1", "ipProtocol": "tcp", "fromPort": port, "toPort": port, key: cidr},
    )


def tagged_listener(port: int, tags: dict | None = None) -> object:
    return resource(
        LISTENER,
        "web-test-listener",
        {"loadBalancerArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/1",
         "port": port, "protocol": "HTTP", "defaultActions": [], "tags": tags or {}},
    )


# -- the measure, in-process -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cidrs",
    [("0.0.0.0/0",), ("0.0.0.0/1", "128.0.0.0/1"), ("::/0",), ("::/1", "8000::/1"), ("2000::/4", "3000::/4")],
    ids=["ipv4-all", "ipv4-halves", "ipv6-all", "ipv6-halves", "ipv6-global-halves"],
)
def test_split_networks_cover_the_whole_routable_space(cidrs):
    assert exposure(nets(*cidrs)).widest[1] == 1.0


def test_private_and_documentation_networks_count_for_nothing_whatever_their_size():
    found = exposure(nets("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "203.0.113.0/24", "fc00::/7"))
    assert found.shares == {4: 0.0, 6: 0.0}


def test_overlapping_networks_count_once():
    assert exposure(nets("81.0.0.0/16", "81.0.0.0/17", "81.0.128.0/17")).shares == {4: 65536 / ROUTABLE_SIZE[4]}


def test_the_default_share_lets_an_ipv4_slash_17_through_and_stops_a_slash_16():
    assert not exposure(nets("81.0.0.0/17")).over(DEFAULT_MAX_SHARE)
    assert exposure(nets("81.0.0.0/16")).over(DEFAULT_MAX_SHARE)
    # Two /17s are a /16 between them.
    assert exposure(nets("81.0.0.0/17", "81.0.128.0/17")).over(DEFAULT_MAX_SHARE)


# -- over gRPC -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cidrs",
    [
        ["0.0.0.0/1", "128.0.0.0/1"],
        ["2000::/4", "3000::/4"],
        [f"{n}.0.0.0/8" for n in range(11, 100)],
    ],
    ids=["ipv4-halves", "ipv6-global-halves", "many-slash-8s"],
)
def test_split_cidrs_on_the_test_port_are_caught(policy_pack, cidrs):
    found = check(policy_pack, [ingress(9443, cidr, i) for i, cidr in enumerate(cidrs)])
    assert policies(found) == {RULE}
    shown = messages(found, RULE)
    # One message per rule that lets internet addresses in.
    assert len(shown) == len(cidrs)
    assert "opens the test listener port 9443 to the internet" in shown[0]


def test_the_stack_s_own_test_port_is_read_from_its_tagged_listener(policy_pack):
    opened = ingress(8443, "0.0.0.0/0")
    # 8443 is no default port: only the program's tag on the listener makes it a test port.
    assert check(policy_pack, [tagged_listener(8443), opened]) == []
    found = check(policy_pack, [tagged_listener(8443, {"bluegreen:listener": "test"}), opened])
    assert [m.splitlines()[1].split(": with")[0] for m in messages(found, RULE)] == [
        'SecurityGroupIngressRule "web-alb-in-8443-0" opens the test listener port 8443 to the internet'
    ]


def test_testers_networks_and_private_ranges_pass(policy_pack):
    rules = [ingress(9443, "81.2.69.0/24"), ingress(9443, "10.0.0.0/8", 1), ingress(9443, "2a01:4f8::/48", 2)]
    assert check(policy_pack, rules) == []


def test_the_share_is_a_knob(policy_pack):
    config = {"all": "mandatory", RULE: {"maxRoutableShare": 0.6}}
    assert check(policy_pack, [ingress(9443, "0.0.0.0/1")], config) == []
    assert policies(check(policy_pack, [ingress(9443, "0.0.0.0/1"), ingress(9443, "128.0.0.0/1", 1)], config)) == {
        RULE
    }


# -- the real program under mocks, prod stack ------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"bluegreen:aws.testListenerPort": 8443, "bluegreen:aws.testIngressCidrs": ["0.0.0.0/0"]},
        {"bluegreen:aws.testIngressCidrs": ["0.0.0.0/1", "128.0.0.0/1"]},
        {"bluegreen:aws.testListenerPort": 8443, "bluegreen:aws.testIngressCidrs": ["2000::/4", "3000::/4"]},
    ],
    ids=["port-8443", "ipv4-halves", "ipv6-halves-on-8443"],
)
def test_prod_refuses_a_public_test_listener_however_it_is_spelled(policy_pack, run_stack, overrides):
    run = run_stack("prod", overrides)
    port = overrides.get("bluegreen:aws.testListenerPort", 9443)
    opened = [
        r.name for r in run.resources.values()
        if r.type == INGRESS and r.inputs.get("fromPort") == port
    ]
    assert len(opened) == len(overrides["bluegreen:aws.testIngressCidrs"])

    policy_pack.configure(load_stack_config("prod"))
    found = [v for v in policy_pack.check(list(run.resources.values())) if v.policy_name == RULE]
    assert sorted(v.urn.rsplit("::", 1)[-1] for v in found) == sorted(opened)
    assert {v.enforcement_level for v in found} == {"mandatory"}
    assert all(f"opens the test listener port {port} to the internet" in v.message for v in found)
