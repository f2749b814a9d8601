"""The project's own components pass every rule of the pack, under each stack's enforcement config.

Each case runs the real `__main__.py` under mocks with a stack file, sends every
registered resource through the pack over gRPC (Analyze per resource, then
AnalyzeStack), and expects no diagnostics at all, advisory ones included.
"""

import pytest
from kubernetes_configs import ON_KUBERNETES

from bluegreen.policy_client import load_stack_config

pytestmark = pytest.mark.policy

KUBERNETES = ON_KUBERNETES
GATEWAY = {
    **KUBERNETES,
    "bluegreen:kubernetes.gateway.name": "public",
    "bluegreen:kubernetes.gateway.hostname": "web.example.com",
}

CASES = [
    pytest.param("local", {}, {"docker:index/container:Container"}, id="local-docker"),
    pytest.param("dev", {}, {"aws:lb/listener:Listener", "aws:ecs/service:Service"}, id="dev-aws"),
    pytest.param("staging", {}, {"aws:lb/listener:Listener", "aws:ecs/service:Service"}, id="staging-aws"),
    pytest.param("prod", {}, {"aws:lb/listener:Listener", "aws:ecs/service:Service"}, id="prod-aws"),
    pytest.param("dev", KUBERNETES, {"kubernetes:apps/v1:Deployment"}, id="dev-kubernetes"),
    pytest.param("prod", KUBERNETES, {"kubernetes:apps/v1:Deployment"}, id="prod-kubernetes"),
    pytest.param("prod", GATEWAY, {"kubernetes:gateway.networking.k8s.io/v1:HTTPRoute"}, id="prod-gateway"),
]


@pytest.mark.parametrize(("stack", "overrides", "expected_types"), CASES)
def test_component_resources_pass_every_rule(policy_pack, run_stack, stack, overrides, expected_types):
    run = run_stack(stack, overrides)
    resources = list(run.resources.values())
    # Guard against a vacuous pass: the platform's judged resources really were sent.
    assert expected_types <= {r.type for r in resources}

    policy_pack.configure(load_stack_config(stack))
    found = policy_pack.check(resources)

    assert [(v.urn.rsplit("::", 1)[-1], v.policy_name, v.message) for v in found] == []


def _without_types(resources, type_token):
    return [r for r in resources if r.type != type_token]


def _with_inputs(resource, **inputs):
    return resource.__class__(**{**resource.__dict__, "inputs": {**resource.inputs, **inputs}})


def test_stack_rules_follow_the_components_links(policy_pack, run_stack):
    """Breaking one link in the components' own output is caught, so the passes above are not vacuous."""
    policy_pack.configure(load_stack_config("prod"))

    aws = list(run_stack("prod").resources.values())
    green_service = next(r for r in aws if r.type == "aws:ecs/service:Service" and "green" in r.name)
    green_tg = next(r for r in aws if r.type == "aws:lb/targetGroup:TargetGroup" and "green" in r.name)
    broken = [
        _with_inputs(green_service, desiredCount=0)
        if r is green_service
        else _with_inputs(green_tg, healthCheck={**green_tg.inputs["healthCheck"], "path": "/"})
        if r is green_tg
        else r
        for r in aws
    ]
    found = {(v.urn.rsplit("::", 1)[-1], v.policy_name) for v in policy_pack.analyze_stack(broken)}
    # The test listener sends 100% to green, and both listeners share the two target groups.
    assert found == {
        ("web-test-listener", "aws-weighted-target-groups-have-tasks"),
        (green_tg.name, "aws-listener-target-groups-identical-health-checks"),
    }

    kubernetes = list(run_stack("prod", GATEWAY).resources.values())
    no_budgets = _without_types(kubernetes, "kubernetes:policy/v1:PodDisruptionBudget")
    found = {(v.urn.rsplit("::", 1)[-1], v.policy_name) for v in policy_pack.analyze_stack(no_budgets)}
    assert found == {
        (r.name, "k8s-pod-disruption-budget") for r in kubernetes if r.type == "kubernetes:apps/v1:Deployment"
    }


@pytest.mark.parametrize("overrides", [KUBERNETES, GATEWAY], ids=["service-flip", "gateway"])
def test_router_rule_sees_both_colors_of_the_components(policy_pack, run_stack, overrides):
    policy_pack.configure(load_stack_config("prod"))
    resources = list(run_stack("prod", overrides).resources.values())
    green = next(r for r in resources if r.type == "kubernetes:apps/v1:Deployment" and "green" in r.name)
    template = green.inputs["spec"]["template"]
    [container] = template["spec"]["containers"]
    drifted_container = {**container, "readinessProbe": {**container["readinessProbe"], "timeoutSeconds": 2}}
    drifted = _with_inputs(
        green,
        spec={
            **green.inputs["spec"],
            "template": {**template, "spec": {**template["spec"], "containers": [drifted_container]}},
        },
    )
    found = policy_pack.analyze_stack([drifted if r is green else r for r in resources])
    blue = next(r for r in resources if r.type == "kubernetes:apps/v1:Deployment" and "blue" in r.name)
    assert {(v.urn, v.policy_name) for v in found} == {
        (green.urn, "k8s-router-backends-identical-probes"),
        (blue.urn, "k8s-router-backends-identical-probes"),
    }
    assert len(found) == 2
