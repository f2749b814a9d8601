"""AWS per-resource rules of the policy pack (ALB, target groups, ECS), driven over gRPC."""

import pytest
from policy_cases import (
    aws_stack,
    changed,
    check,
    container_definitions,
    ecs_service,
    forward,
    https_listener,
    load_balancer,
    messages,
    policies,
    resource,
    target_group,
    task_definition,
)

pytestmark = pytest.mark.policy


def test_baseline_stack_passes_every_rule(policy_pack):
    assert check(policy_pack, aws_stack()) == []


def test_alb_aliases_are_judged_like_lb_tokens(policy_pack):
    tg = target_group("blue")
    alias = resource("aws:alb/targetGroup:TargetGroup", tg.name, tg.inputs)
    found = check(policy_pack, [changed(alias, healthCheck__enabled=False)])
    assert policies(found) == {"aws-target-group-health-check"}


TG = target_group("blue")
LISTENER = https_listener()
SERVICE = ecs_service("blue")

VIOLATIONS = [
    pytest.param(
        changed(TG, healthCheck__enabled=False),
        "aws-target-group-health-check",
        ['TargetGroup "web-blue-tg" has its health check disabled'],
        id="disabled",
    ),
    pytest.param(
        changed(TG, healthCheck__path=None),
        "aws-target-group-health-check",
        ['health check has no path, so AWS probes "/"', "set healthCheck.path"],
        id="no-path",
    ),
    pytest.param(
        changed(TG, healthCheck__interval=400),
        "aws-target-group-health-check-timing",
        ["healthCheck.interval is 400; AWS requires 5..300"],
        id="interval-range",
    ),
    pytest.param(
        changed(TG, healthCheck__timeout=1),
        "aws-target-group-health-check-timing",
        ["healthCheck.timeout is 1; AWS requires 2..120"],
        id="timeout-range",
    ),
    pytest.param(
        changed(TG, healthCheck__timeout=10),
        "aws-target-group-health-check-timing",
        ["healthCheck.timeout 10 is not below interval 10"],
        id="timeout-not-below-interval",
    ),
    pytest.param(
        changed(TG, healthCheck__healthyThreshold=1),
        "aws-target-group-health-check-thresholds",
        ["healthCheck.healthyThreshold is 1; AWS requires 2..10"],
        id="healthy-threshold",
    ),
    pytest.param(
        changed(TG, healthCheck__unhealthyThreshold=11),
        "aws-target-group-health-check-thresholds",
        ["healthCheck.unhealthyThreshold is 11; AWS requires 2..10"],
        id="unhealthy-threshold",
    ),
    pytest.param(
        changed(TG, deregistrationDelay=None),
        "aws-target-group-deregistration-delay",
        ["deregistrationDelay is 300 (AWS's default) seconds, above 120"],
        id="default-delay",
    ),
    pytest.param(
        changed(TG, deregistrationDelay=180),
        "aws-target-group-deregistration-delay",
        ["deregistrationDelay is 180 seconds, above 120"],
        id="long-delay",
    ),
    pytest.param(
        https_listener({"blue": 0, "green": 0}),
        "aws-forward-action-weights",
        ["gives every target group weight 0 ([0, 0])", "positive weight"],
        id="all-zero",
    ),
    pytest.param(
        https_listener({"blue": 50.5, "green": 49.5}),
        "aws-forward-action-weights",
        ["forward weights [50.5, 49.5] are not integers in 0..999"],
        id="fractional",
    ),
    pytest.param(
        https_listener({"blue": 1000, "green": 0}),
        "aws-forward-action-weights",
        ["forward weights [1000] are not integers in 0..999"],
        id="too-heavy",
    ),
    pytest.param(
        https_listener({c: 1 for c in "abcdef"}),
        "aws-forward-action-weights",
        ["forward action has 6 target groups; ALB allows 1..5"],
        id="six-groups",
    ),
    pytest.param(
        changed(LISTENER, defaultActions=[{"type": "forward", "forward": {"targetGroups": []}}]),
        "aws-forward-action-weights",
        ["forward action has 0 target groups"],
        id="no-groups",
    ),
    pytest.param(
        resource(
            "aws:lb/listenerRule:ListenerRule",
            "web-canary",
            # AWS requires a condition on every rule; one for its own host keeps the other rules quiet.
            {"listenerArn": "arn:listener", "priority": 10, "actions": [forward({"blue": 0, "green": 0})],
             "conditions": [{"hostHeader": {"values": ["web.example.com"]}}]},
        ),
        "aws-forward-action-weights",
        ['ListenerRule "web-canary" forward action gives every target group weight 0'],
        id="listener-rule",
    ),
    pytest.param(
        changed(LISTENER, sslPolicy="ELBSecurityPolicy-2016-08"),
        "aws-https-listener-tls-policy",
        ['sslPolicy is "ELBSecurityPolicy-2016-08", which accepts TLS below 1.2'],
        id="tls10-policy",
    ),
    pytest.param(
        changed(LISTENER, sslPolicy="ELBSecurityPolicy-TLS13-1-1-2021-06"),
        "aws-https-listener-tls-policy",
        ['"ELBSecurityPolicy-TLS13-1-1-2021-06"'],
        id="tls13-1-1",
    ),
    pytest.param(
        changed(LISTENER, sslPolicy=None),
        "aws-https-listener-tls-policy",
        ["sslPolicy is not set (AWS then uses ELBSecurityPolicy-2016-08"],
        id="tls-default",
    ),
    pytest.param(
        changed(load_balancer(), dropInvalidHeaderFields=None),
        "aws-alb-drop-invalid-headers",
        ['LoadBalancer "web-alb" dropInvalidHeaderFields is not set; set it to true'],
        id="headers",
    ),
    pytest.param(
        changed(task_definition("blue"), containerDefinitions=container_definitions(health=False)),
        "aws-ecs-container-health-check",
        ['TaskDefinition "web-blue-task" container "web" has no healthCheck'],
        id="no-container-check",
    ),
    pytest.param(
        changed(SERVICE, deploymentCircuitBreaker__rollback=False),
        "aws-ecs-circuit-breaker-rollback",
        ['deploymentCircuitBreaker is {"enable": true, "rollback": false}'],
        id="no-rollback",
    ),
    pytest.param(
        changed(SERVICE, deploymentCircuitBreaker=None),
        "aws-ecs-circuit-breaker-rollback",
        ["deploymentCircuitBreaker is not set"],
        id="no-breaker",
    ),
    pytest.param(
        changed(SERVICE, deploymentMinimumHealthyPercent=50),
        "aws-ecs-minimum-healthy-percent",
        ["deploymentMinimumHealthyPercent is 50, below 100"],
        id="min-healthy",
    ),
    pytest.param(
        changed(SERVICE, healthCheckGracePeriodSeconds=None),
        "aws-ecs-health-check-grace-period",
        ["healthCheckGracePeriodSeconds is not set"],
        id="no-grace",
    ),
]


@pytest.mark.parametrize(("bad", "policy", "expected"), VIOLATIONS)
def test_rule_reports_value_and_fix(policy_pack, bad, policy, expected):
    policy_pack.configure({"all": "mandatory"})
    found = policy_pack.analyze([bad])
    assert policies(found) == {policy}
    [message] = messages(found, policy)
    for text in expected:
        assert text in message
    assert found[0].urn == bad.urn


PASSING = [
    pytest.param(changed(TG, protocol="TCP", healthCheck=None, deregistrationDelay=60), id="tcp-group"),
    pytest.param(changed(TG, healthCheck={"path": "/health"}), id="aws-default-timing"),
    pytest.param(changed(LISTENER, sslPolicy="ELBSecurityPolicy-FS-1-2-Res-2020-10"), id="fs-1-2"),
    pytest.param(
        changed(LISTENER, defaultActions=[{"type": "forward", "targetGroupArn": "arn:tg"}]),
        id="plain-forward",
    ),
    pytest.param(changed(load_balancer(), loadBalancerType="network", dropInvalidHeaderFields=None), id="nlb"),
    pytest.param(
        changed(
            SERVICE,
            loadBalancers=None,
            deploymentCircuitBreaker=None,
            healthCheckGracePeriodSeconds=None,
            deploymentMinimumHealthyPercent=0,
        ),
        id="worker-service",
    ),
    pytest.param(
        changed(SERVICE, deploymentController={"type": "CODE_DEPLOY"}, deploymentCircuitBreaker=None),
        id="codedeploy",
    ),
    pytest.param(changed(SERVICE, deploymentMinimumHealthyPercent=None), id="ecs-default-min-healthy"),
]


@pytest.mark.parametrize("good", PASSING)
def test_rule_accepts_safe_variants(policy_pack, good):
    policy_pack.configure({"all": "mandatory"})
    assert policy_pack.analyze([good]) == []


def test_thresholds_and_levels_come_from_config(policy_pack):
    slow = changed(TG, deregistrationDelay=180)
    weak = changed(LISTENER, sslPolicy="Custom-Legacy")
    config = {
        "all": "advisory",
        "aws-target-group-deregistration-delay": {"enforcementLevel": "mandatory", "maxSeconds": 200},
        "aws-https-listener-tls-policy": {"extraAllowedPolicies": ["Custom-Legacy"]},
    }
    policy_pack.configure(config)
    assert policy_pack.analyze([slow, weak]) == []
    found = policy_pack.analyze([changed(TG, deregistrationDelay=240)])
    assert [(v.policy_name, v.enforcement_level) for v in found] == [
        ("aws-target-group-deregistration-delay", "mandatory")
    ]
    assert "deregistrationDelay is 240 seconds, above 200" in found[0].message


def test_unknown_values_are_not_judged(policy_pack):
    unknown_string = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    unknown_number = "3eeb2bf0-c639-47a8-9e75-3b44932eb421"
    tg = changed(TG, deregistrationDelay=unknown_number, healthCheck__path=unknown_string)
    td = changed(task_definition("blue"), containerDefinitions=unknown_string)
    assert check(policy_pack, [tg, td]) == []
