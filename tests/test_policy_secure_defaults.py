"""Secure-default rules: each default the program sets is caught when a hand-written resource misses it.

Docker: ports on loopback, a confined router. Kubernetes: the restricted Pod Security
profile and resource requests/limits. AWS: no test listener port open to the internet.
Each rule has violating and passing cases over gRPC; the project's own stacks pass
them all (tests/test_policy_components.py).
"""

import pytest
from policy_cases import (
    changed,
    check,
    container,
    deployment,
    docker_container,
    messages,
    policies,
    resource,
)

from bluegreen.policy_client import load_stack_config

pytestmark = pytest.mark.policy

ROUTER = changed(
    docker_container(),
    "web-haproxy",
    ports=[
        {"ip": "127.0.0.1", "internal": 8080, "external": 8080},
        {"ip": "127.0.0.1", "internal": 8081, "external": 9080},
    ],
    securityOpts=["no-new-privileges:true"],
    capabilities={"drops": ["ALL"]},
    memory=256,
)


def test_a_confined_loopback_router_and_an_unpublished_app_container_pass(policy_pack):
    assert check(policy_pack, [ROUTER, docker_container()]) == []


@pytest.mark.parametrize("ip", [None, "", "0.0.0.0", "::", "[::]"])
def test_ports_on_every_interface_are_caught(policy_pack, ip):
    ports = [{"internal": 8080, "external": 8080}, {"internal": 8081, "external": 9080}]
    if ip is not None:
        ports = [{**p, "ip": ip} for p in ports]
    found = check(policy_pack, [changed(ROUTER, ports=ports)])
    assert policies(found) == {"docker-ports-loopback-only"}
    shown = "not set" if ip is None else f'"{ip}"'
    assert messages(found, "docker-ports-loopback-only")[1] == (
        "Docker containers publish host ports on a named address (127.0.0.1), never on every interface.\n"
        f'Container "web-haproxy" publishes port 8081 on host port 9080 on every interface (ip {shown}), so anyone '
        'on the network reaches it; set ip "127.0.0.1" (bluegreen:docker.publishAddress), or disable this rule '
        "for a stack that is deliberately open."
    )


def test_a_named_address_or_an_unpublished_port_passes(policy_pack):
    lan = changed(ROUTER, ports=[{"ip": "192.168.1.20", "internal": 8080, "external": 8080}, {"internal": 9000}])
    assert check(policy_pack, [lan]) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"securityOpts": None}, 'securityOpts not set lacks "no-new-privileges:true"'),
        ({"securityOpts": ["label=disable"]}, 'securityOpts ["label=disable"] lacks "no-new-privileges:true"'),
        ({"capabilities": {"adds": ["NET_BIND_SERVICE"]}}, 'capabilities.drops is not set, not ["ALL"]'),
        ({"capabilities__drops": ["NET_RAW"]}, 'capabilities.drops is ["NET_RAW"], not ["ALL"]'),
        ({"memory": None}, "memory is not set, so it may take all of the host's memory"),
        ({"memory": 0}, "memory is 0, so it may take all of the host's memory"),
    ],
    ids=["no-security-opts", "other-security-opt", "no-drops", "drops-one", "no-memory", "zero-memory"],
)
def test_a_router_missing_one_confinement_is_caught(policy_pack, change, problem):
    found = check(policy_pack, [changed(ROUTER, **change)])
    # Privileges and capabilities are every container's business; memory only a published one's.
    every_container = {"docker-app-container-confined"} if "memory" not in change else set()
    assert policies(found) == {"docker-published-container-confined"} | every_container
    [message] = messages(found, "docker-published-container-confined")
    assert message.endswith(
        f'Container "web-haproxy" publishes host ports but is not confined: {problem}. Set securityOpts '
        '["no-new-privileges:true"], capabilities {drops: ["ALL"]} and a memory limit (MiB).'
    )


def test_containers_publishing_nothing_need_no_memory_limit(policy_pack):
    assert check(policy_pack, [changed(docker_container(), ports=[{"internal": 8080}])]) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"securityOpts": None}, 'securityOpts not set lacks "no-new-privileges:true"'),
        ({"capabilities": None}, 'capabilities.drops is not set, not ["ALL"]'),
        ({"capabilities__adds": ["SYS_ADMIN"]}, 'capabilities.adds gives back ["SYS_ADMIN"], which '
         "allowedCapabilities does not list"),
        ({"privileged": True}, "privileged is true"),
    ],
    ids=["no-new-privileges-missing", "no-drops", "adds-sys-admin", "privileged"],
)
def test_an_unconfined_app_container_is_caught_even_without_published_ports(policy_pack, change, problem):
    found = check(policy_pack, [changed(docker_container(), **change)])
    assert policies(found) == {"docker-app-container-confined"}
    [message] = messages(found, "docker-app-container-confined")
    assert f'Container "web-blue" is not confined: {problem}. Keep the program\'s defaults' in message


def test_allowed_capabilities_and_new_privileges_are_the_policy_side_of_the_opt_out(policy_pack):
    opted_out = changed(docker_container(), securityOpts=[], capabilities__adds=["CAP_NET_BIND_SERVICE"])
    assert policies(check(policy_pack, [opted_out])) == {"docker-app-container-confined"}
    config = {
        "all": "mandatory",
        "docker-app-container-confined": {"allowedCapabilities": ["NET_BIND_SERVICE"], "allowNewPrivileges": True},
    }
    assert check(policy_pack, [opted_out], config) == []


# -- Kubernetes ---------------------------------------------------------------------------------

POD = "spec__template__spec__"
CONTAINER = POD + "containers__0__"


def test_a_restricted_pod_with_resources_passes(policy_pack):
    assert check(policy_pack, [deployment()]) == []
    # Set on every container instead of the pod: the kubelet resolves the container's own first.
    per_container = changed(
        deployment(),
        **{
            POD + "securityContext": None,
            CONTAINER + "securityContext": {
                "runAsNonRoot": True,
                "allowPrivilegeEscalation": False,
                "capabilities": {"drop": ["ALL"]},
                "seccompProfile": {"type": "RuntimeDefault"},
            },
        },
    )
    assert check(policy_pack, [per_container]) == []


@pytest.mark.parametrize(
    ("change", "lacks"),
    [
        (
            {POD + "securityContext": None, CONTAINER + "securityContext": None},
            [
                "runAsNonRoot: true",
                "allowPrivilegeEscalation: false",
                'capabilities.drop: ["ALL"]',
                "seccompProfile.type: RuntimeDefault",
            ],
        ),
        ({POD + "securityContext__runAsNonRoot": False}, ["runAsNonRoot: true"]),
        ({CONTAINER + "securityContext__runAsNonRoot": False}, ["runAsNonRoot: true"]),
        ({CONTAINER + "securityContext__allowPrivilegeEscalation": True}, ["allowPrivilegeEscalation: false"]),
        ({CONTAINER + "securityContext__capabilities": {"drop": ["NET_RAW"]}}, ['capabilities.drop: ["ALL"]']),
        ({POD + "securityContext__seccompProfile__type": "Unconfined"}, ["seccompProfile.type: RuntimeDefault"]),
    ],
    ids=["nothing", "pod-root", "container-root", "escalation", "drops-one", "unconfined"],
)
def test_pods_missing_the_restricted_profile_are_caught(policy_pack, change, lacks):
    found = check(policy_pack, [changed(deployment(), **change)])
    assert policies(found) == {"k8s-pod-security-restricted"}
    assert messages(found, "k8s-pod-security-restricted") == [
        "Pod templates meet the restricted Pod Security profile: non-root, no privilege escalation, all "
        "capabilities dropped, RuntimeDefault seccomp.\n"
        f'Deployment "web-blue" container "web" does not meet the restricted Pod Security profile: it lacks '
        f"{', '.join(lacks)}; set them in the pod or container securityContext (or set allowRoot for an image that "
        "must run as root)."
    ]


def test_init_containers_meet_the_security_rules_too(policy_pack):
    bare = {"name": "migrate", "image": "repo/migrate:1.0"}
    found = check(policy_pack, [changed(deployment(), **{POD + "initContainers": [bare]})])
    assert policies(found) == {"k8s-pod-security-restricted", "k8s-resources-set"}
    assert all('init container "migrate"' in m for m in messages(found, "k8s-resources-set"))


def test_allow_root_waives_non_root_and_capabilities_only(policy_pack):
    baseline = changed(
        deployment(),
        **{POD + "securityContext__runAsNonRoot": None, CONTAINER + "securityContext__capabilities": None},
    )
    config = {"all": "mandatory", "k8s-pod-security-restricted": {"allowRoot": True}}
    assert check(policy_pack, [baseline], config) == []
    escalating = changed(baseline, **{CONTAINER + "securityContext__allowPrivilegeEscalation": True})
    found = check(policy_pack, [escalating], config)
    assert [m.split(": it lacks ")[1].split(";")[0] for m in messages(found, "k8s-pod-security-restricted")] == [
        "allowPrivilegeEscalation: false"
    ]


@pytest.mark.parametrize(
    ("resources", "missing"),
    [
        (None, "requests.cpu, requests.memory, limits.memory"),
        ({"requests": {"cpu": "100m", "memory": "128Mi"}}, "limits.memory"),
        ({"limits": {"memory": "256Mi", "cpu": "1"}}, "requests.cpu, requests.memory"),
    ],
    ids=["none", "no-limit", "no-requests"],
)
def test_containers_without_requests_or_a_memory_limit_are_caught(policy_pack, resources, missing):
    found = check(policy_pack, [changed(deployment(), **{CONTAINER + "resources": resources})])
    assert policies(found) == {"k8s-resources-set"}
    [message] = messages(found, "k8s-resources-set")
    assert f'Deployment "web-blue" container "web" has no {missing} (resources ' in message


def test_the_baseline_container_passes_the_resource_rule_with_cpu_limits_optional(policy_pack):
    assert "limits" in container()["resources"] and "cpu" not in container()["resources"]["limits"]
    assert check(policy_pack, [deployment()]) == []


# -- AWS ------------------------------------------------------------------------------------------

INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"


def ingress(port: int, **cidr: str) -> object:
    return resource(
        INGRESS,
        f"web-alb-in-{port}",
        {"securityGroupId": "sg-1", "ipProtocol": "tcp", "fromPort": port, "toPort": port, **cidr},
    )


def test_production_ports_may_be_public_and_the_test_port_private(policy_pack):
    rules = [
        ingress(443, cidrIpv4="0.0.0.0/0"),
        ingress(443, cidrIpv6="::/0"),
        ingress(9443, cidrIpv4="10.0.0.0/8"),
        ingress(9443, cidrIpv6="2001:db8::/32"),
    ]
    assert check(policy_pack, rules) == []


@pytest.mark.parametrize(
    "opened",
    [
        ingress(9443, cidrIpv4="0.0.0.0/0"),
        ingress(9443, cidrIpv6="::/0"),
        ingress(9443, cidrIpv6="0::/0"),
        changed(ingress(9443, cidrIpv4="0.0.0.0/0"), ipProtocol="-1", fromPort=None, toPort=None),
        changed(ingress(9443, cidrIpv4="0.0.0.0/0"), fromPort=9000, toPort=9999),
        resource(
            "aws:ec2/securityGroupRule:SecurityGroupRule",
            "legacy",
            {"type": "ingress", "protocol": "tcp", "fromPort": 9443, "toPort": 9443, "cidrBlocks": ["0.0.0.0/0"]},
        ),
        resource(
            "aws:ec2/securityGroup:SecurityGroup",
            "inline",
            {"ingress": [{"protocol": "tcp", "fromPort": 9443, "toPort": 9443, "ipv6CidrBlocks": ["::/0"]}]},
        ),
    ],
    ids=["ipv4", "ipv6", "ipv6-spelled-long", "all-protocols", "port-range", "ec2-rule", "inline-ingress"],
)
def test_a_test_port_open_to_the_internet_is_caught(policy_pack, opened):
    found = check(policy_pack, [opened])
    assert policies(found) == {"aws-test-listener-not-public"}
    [message] = messages(found, "aws-test-listener-not-public")
    assert "opens the test listener port 9443" in message
    assert " to the internet: with the stack's other rules on that port it lets in 100% of the routable IPv" in message
    assert "(bluegreen:aws.testIngressCidrs), or none." in message


def test_test_listener_ports_are_a_knob(policy_pack):
    config = {"all": "mandatory", "aws-test-listener-not-public": {"testListenerPorts": [8443]}}
    assert check(policy_pack, [ingress(9443, cidrIpv4="0.0.0.0/0")], config) == []
    assert policies(check(policy_pack, [ingress(8443, cidrIpv4="0.0.0.0/0")], config)) == {
        "aws-test-listener-not-public"
    }


@pytest.mark.parametrize(("stack", "level"), [("local", "advisory"), ("dev", "advisory"), ("prod", "mandatory")])
def test_secure_defaults_are_advisory_in_local_and_dev_and_mandatory_in_prod(policy_pack, stack, level):
    policy_pack.configure(load_stack_config(stack))
    found = policy_pack.check([ingress(9080, cidrIpv4="0.0.0.0/0")])
    assert [(v.policy_name, v.enforcement_level) for v in found] == [("aws-test-listener-not-public", level)]
