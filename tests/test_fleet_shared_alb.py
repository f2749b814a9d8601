"""Shared routers on AWS: the platform program (examples/platform/) and service stacks on its listeners.

A service with `bluegreen:aws.sharedListener` creates no ALB, listener or cluster:
only its two listener rules, target groups, colors and security group rules. Its
ids come from config or from the platform stack's outputs (`platformStack`).
"""

from typing import Any

import pytest

from bluegreen.program_run import ProgramRun, run_config
from bluegreen.run_diff import diff_runs
from bluegreen.stack_files import PROJECT_DIR, read_stack_config, set_path
from tests.conftest import config_error

PLATFORM_DIR = PROJECT_DIR / "examples" / "platform"
PLATFORM_STACK = "acme/bluegreen-platform/prod"
RULE = "aws:lb/listenerRule:ListenerRule"
LISTENER_ARN = (
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shared/0123456789abcdef/0123456789abcdef"
)
TEST_LISTENER_ARN = LISTENER_ARN.replace("0123456789abcdef/0123456789abcdef", "0123456789abcdef/fedcba9876543210")
CLUSTER_ARN = "arn:aws:ecs:us-east-1:123456789012:cluster/platform"


def platform(**overrides: Any) -> ProgramRun:
    config = read_stack_config("prod", project_dir=PLATFORM_DIR)
    for path, value in overrides.items():
        config = set_path(config, path, value)
    return run_config(config, stack="prod", project_dir=PLATFORM_DIR)


@pytest.fixture(scope="module")
def platform_run() -> ProgramRun:
    return platform()


def service(stack: str, platform_outputs: dict[str, Any], **overrides: Any) -> ProgramRun:
    config = read_stack_config(stack, project_dir=PROJECT_DIR / "examples")
    for path, value in overrides.items():
        config = set_path(config, path, value)
    return run_config(config, stack=stack, stack_outputs={PLATFORM_STACK: platform_outputs})


def weights(run: ProgramRun, rule: str) -> list[tuple[str, float]]:
    (action,) = run.named(rule).inputs["actions"]
    return [(group["arn"].rsplit("/", 1)[-1], group["weight"]) for group in action["forward"]["targetGroups"]]


# The platform program -------------------------------------------------------------------------


def test_platform_creates_one_alb_https_and_test_listeners_answering_404_and_a_cluster(platform_run):
    types = sorted(r.type for r in platform_run.resources.values() if r.custom)
    assert types.count("aws:lb/loadBalancer:LoadBalancer") == 1
    assert types.count("aws:ecs/cluster:Cluster") == 1
    listeners = {r.name: r.inputs for r in platform_run.of_type("aws:lb/listener:Listener")}
    assert {(name, i["port"], i["protocol"]) for name, i in listeners.items()} == {
        ("shared-listener", 443, "HTTPS"), ("shared-test-listener", 9443, "HTTPS"), ("shared-redirect", 80, "HTTP")
    }
    for name in ("shared-listener", "shared-test-listener"):
        (action,) = listeners[name]["defaultActions"]
        assert (action["type"], action["fixedResponse"]["statusCode"]) == ("fixed-response", "404")
    assert not platform_run.of_type(RULE), "services own every rule"


def test_platform_test_listener_is_open_only_to_the_test_cidrs(platform_run):
    ingress = {(r.inputs["fromPort"], r.inputs["cidrIpv4"])
               for r in platform_run.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")}
    assert ingress == {(80, "0.0.0.0/0"), (443, "0.0.0.0/0"), (9443, "203.0.113.0/24")}


def test_platform_exports_what_service_stacks_reference(platform_run):
    assert platform_run.outputs["listenerArn"].endswith("listener/shared-listener")
    assert platform_run.outputs["testListenerArn"].endswith("listener/shared-test-listener")
    assert platform_run.outputs["clusterArn"].endswith("cluster/shared-cluster")
    assert platform_run.outputs["albSecurityGroupId"] == "shared-alb-sg-id"
    assert platform_run.outputs["loadBalancerDnsName"] == "shared-alb.elb.mock.amazonaws.com"


def test_platform_rejects_bad_config_naming_the_key():
    expected = r"platform:alb\.testListenerPort = 443 is invalid: must differ from 80 and 443"
    with pytest.raises(Exception, match=expected):
        platform(**{"platform:alb.testListenerPort": 443})


# A service on the shared listeners --------------------------------------------------------------


@pytest.fixture(scope="module")
def api(platform_run) -> ProgramRun:
    return service("shop-api", platform_run.outputs)


def test_service_creates_no_alb_listener_or_cluster(api):
    types = {r.type for r in api.resources.values()}
    assert not types & {"aws:lb/loadBalancer:LoadBalancer", "aws:lb/listener:Listener", "aws:ecs/cluster:Cluster"}
    assert {r.name for r in api.of_type("aws:ec2/securityGroup:SecurityGroup")} == {"api-tasks-sg"}
    assert not api.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") or {
        r.name for r in api.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    } == {"api-tasks-in-8080"}


def test_service_rules_sit_on_the_platform_listeners_with_its_priority_and_host(api, platform_run):
    rule, test_rule = api.named("api-rule").inputs, api.named("api-test-rule").inputs
    assert rule["listenerArn"] == platform_run.outputs["listenerArn"]
    assert test_rule["listenerArn"] == platform_run.outputs["testListenerArn"]
    assert rule["priority"] == test_rule["priority"] == 10
    assert rule["conditions"] == test_rule["conditions"] == [{"hostHeader": {"values": ["api.shop.example.com"]}}]
    assert weights(api, "api-rule") == [("api-blue-tg", 100), ("api-green-tg", 0)]
    assert weights(api, "api-test-rule") == [("api-blue-tg", 0), ("api-green-tg", 100)]


def test_service_runs_in_the_platform_cluster_and_opens_its_tasks_to_the_platform_alb(api, platform_run):
    outputs = platform_run.outputs
    assert api.named("api-blue-service").inputs["cluster"] == outputs["clusterArn"]
    assert api.named("api-tasks-in-8080").inputs["referencedSecurityGroupId"] == outputs["albSecurityGroupId"]
    egress = api.named("api-alb-out-8080").inputs
    assert (egress["securityGroupId"], egress["referencedSecurityGroupId"]) == (outputs["albSecurityGroupId"],
                                                                                "api-tasks-sg-id")
    assert api.outputs["url"] == "https://api.shop.example.com"
    assert api.outputs["testUrl"] == "https://api.shop.example.com:9443"
    assert api.outputs["clusterName"] == "shared-cluster"


def test_ids_can_come_from_config_instead_of_a_platform_stack():
    run = service(
        "shop-api", {},
        **{"bluegreen:aws.platformStack": None, "bluegreen:aws.clusterArn": CLUSTER_ARN,
           "bluegreen:aws.sharedListener.listenerArn": LISTENER_ARN,
           "bluegreen:aws.sharedListener.testListenerArn": TEST_LISTENER_ARN,
           "bluegreen:aws.sharedListener.albSecurityGroupId": "sg-0123456789abcdef0",
           "bluegreen:aws.sharedListener.dnsName": "shared.example.com",
           "bluegreen:aws.sharedListener.hostHeaders": None,
           "bluegreen:aws.sharedListener.pathPatterns": ["/api/*"]},
    )
    assert run.named("api-rule").inputs["listenerArn"] == LISTENER_ARN
    assert run.named("api-test-rule").inputs["listenerArn"] == TEST_LISTENER_ARN
    assert run.named("api-rule").inputs["conditions"] == [{"pathPattern": {"values": ["/api/*"]}}]
    assert run.named("api-green-service").inputs["cluster"] == CLUSTER_ARN
    assert run.outputs["url"] == "https://shared.example.com/api/"


# The flip contract on a shared listener -------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [((100, 0), (90, 10), {"api-rule"}), ((90, 10), (50, 50), {"api-rule"}),
     ((50, 50), (0, 100), {"api-rule", "api-test-rule"})],
)
def test_a_canary_step_changes_exactly_the_services_rule(platform_run, before, after, expected):
    def at(blue: int, green: int) -> ProgramRun:
        return service("shop-api", platform_run.outputs, **{"bluegreen:traffic": {"blue": blue, "green": green}})

    changes = diff_runs(at(*before), at(*after))
    assert {(c.name, c.kind, c.changed) for c in changes} == {(name, "update", ("actions",)) for name in expected}


def test_a_service_flip_leaves_the_platform_program_untouched(platform_run):
    flipped = service("shop-api", platform_run.outputs, **{"bluegreen:traffic": {"blue": 0, "green": 100}})
    # Nothing the platform declares is declared again by the service stack: a service update cannot change it.
    assert not {r.name for r in flipped.resources.values()} & {r.name for r in platform_run.resources.values()}
    # Only the rules reference the shared listeners, and the platform program's own graph does not move.
    referencing = {r.name for r in flipped.resources.values() if platform_run.outputs["listenerArn"] in str(r.inputs)
                   or platform_run.outputs["testListenerArn"] in str(r.inputs)}
    assert referencing == {"api-rule", "api-test-rule"}
    assert diff_runs(platform_run, platform()) == []


# Validation ------------------------------------------------------------------------------------

SHARED = {"priority": 10, "ownedHosts": ["api.example.com"], "hostHeaders": ["api.example.com"]}


def shared_config(**aws: Any) -> dict[str, Any]:
    config = read_stack_config("shop-api", project_dir=PROJECT_DIR / "examples")
    return {**config, "bluegreen:aws": {**config["bluegreen:aws"], **aws}}


@pytest.mark.parametrize(
    ("aws", "message"),
    [
        ({"sharedListener": {"priority": 10}}, "bluegreen:aws.sharedListener = {priority: 10} is invalid: give "
         "hostHeaders or pathPatterns"),
        ({"sharedListener": {**SHARED, "priority": 0}}, "bluegreen:aws.sharedListener.priority = 0 is invalid: must "
         "be an integer from 1 to 50000"),
        ({"sharedListener": {**SHARED, "pathPatterns": ["api/*"]}}, "bluegreen:aws.sharedListener.pathPatterns[0] "
         "= 'api/*' is invalid: must start with '/'"),
        ({"certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/7d2e4f6a"},
         "bluegreen:aws.certificateArn = 'arn:aws:acm:us-east-1:123456789012:certificate/7d2e4f6a' is invalid: "
         "configures an ALB this stack owns"),
        ({"platformStack": None}, "bluegreen:aws.sharedListener.listenerArn = None is invalid: is required without "
         "platformStack"),
        ({"platformStack": None, "sharedListener": {**SHARED, "listenerArn": LISTENER_ARN,
          "testListenerArn": TEST_LISTENER_ARN, "albSecurityGroupId": "sg-0123456789abcdef0"}},
         "bluegreen:aws.clusterArn = None is invalid: is required with sharedListener and no platformStack"),
        ({"sharedListener": None}, "bluegreen:aws.platformStack = 'acme/bluegreen-platform/prod' is invalid: is "
         "only read with sharedListener"),
        ({"clusterArn": "cluster/platform"}, "bluegreen:aws.clusterArn = 'cluster/platform' is invalid: must look "
         "like arn:aws:ecs:<region>:<account>:cluster/<name>"),
    ],
)
def test_bad_shared_listener_config_is_rejected_before_any_resource(aws, message):
    assert message in config_error(shared_config(**aws))


def test_a_wildcard_host_is_not_a_url(platform_run):
    # `*.shop.example.com` matches requests, but nobody can open it: url falls back to the ALB's name.
    run = service("shop-api", platform_run.outputs,
                  **{"bluegreen:aws.sharedListener.ownedHosts": ["*.api.shop.example.com"],
                     "bluegreen:aws.sharedListener.hostHeaders": ["*.api.shop.example.com"]})
    assert run.named("api-rule").inputs["conditions"] == [{"hostHeader": {"values": ["*.api.shop.example.com"]}}]
    assert run.outputs["url"] == "https://shared-alb.elb.mock.amazonaws.com"


def test_the_offline_check_runs_a_service_stack_without_its_platform_stack(policy_pack):
    # Without the Pulumi CLI the platform stack cannot be read: stand-in outputs let program and pack run.
    from bluegreen.offline_check import check_resources

    run = run_config(read_stack_config("shop-api", project_dir=PROJECT_DIR / "examples"), stack="shop-api")
    assert run.named("api-rule").inputs["listenerArn"].endswith(":listener/acme/bluegreen-platform/prod/listener")
    result = check_resources("shop-api", run.resources.values(), policy_pack, {})
    assert [(v.policy_name, v.message) for v in result.violations] == []
