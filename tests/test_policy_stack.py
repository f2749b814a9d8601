"""Stack rules of the policy pack (cross-resource blue/green invariants), driven over gRPC with AnalyzeStack."""

import pytest
from policy_cases import (
    HTTP_ROUTE,
    LISTENER,
    aws_stack,
    changed,
    deployment,
    ecs_service,
    forward,
    https_listener,
    kubernetes_stack,
    load_balancer,
    messages,
    pdb,
    policies,
    probe,
    resource,
    service,
    target_group,
)

pytestmark = pytest.mark.policy


def replace(resources, *new):
    names = {r.name for r in new}
    return [r for r in resources if r.name not in names] + list(new)


def without(resources, *names):
    return [r for r in resources if r.name not in names]


def stack_only(pack, resources, config=None):
    pack.configure(config if config is not None else {"all": "mandatory"})
    return pack.analyze_stack(resources)


# -- Kubernetes ---------------------------------------------------------------------------------


def test_single_replica_behind_a_service(policy_pack):
    found = stack_only(policy_pack, replace(kubernetes_stack(), deployment("blue", replicas=1)))
    assert policies(found) == {"k8s-replicas-behind-service"}
    assert messages(found, "k8s-replicas-behind-service") == [
        "Deployments that a Service sends traffic to run at least two replicas.\n"
        'Deployment "web-blue" has 1 replica(s) but Service "web" sends it traffic; one node drain or crash '
        "empties the Service. Set spec.replicas to 2 or more."
    ]
    assert found[0].urn == deployment("blue").urn


def test_replica_rule_spares_scaled_down_and_unrouted_deployments(policy_pack):
    scaled_down = replace(kubernetes_stack(), deployment("green", replicas=0))
    unrouted = [deployment("blue", replicas=1)]
    assert stack_only(policy_pack, scaled_down) == []
    assert stack_only(policy_pack, unrouted) == []
    found = stack_only(
        policy_pack,
        replace(kubernetes_stack(), deployment("blue", replicas=1)),
        {"k8s-replicas-behind-service": {"minReplicas": 1}},
    )
    assert found == []


def test_deployment_behind_service_needs_a_budget(policy_pack):
    found = stack_only(policy_pack, without(kubernetes_stack(), "web-green-pdb"))
    assert policies(found) == {"k8s-pod-disruption-budget"}
    [message] = messages(found, "k8s-pod-disruption-budget")
    assert (
        'Deployment "web-green" is behind Service "web-preview" but no PodDisruptionBudget selects its pods' in message
    )


@pytest.mark.parametrize(
    ("spec", "found"),
    [
        ({"maxUnavailable": 0}, "maxUnavailable 0"),
        ({"minAvailable": "100%"}, 'minAvailable "100%"'),
        ({"minAvailable": 2}, "minAvailable 2 with 2 replicas"),
    ],
)
def test_budget_must_allow_evictions(policy_pack, spec, found):
    violations = stack_only(policy_pack, replace(kubernetes_stack(), pdb("blue", **spec)))
    [message] = messages(violations, "k8s-pod-disruption-budget")
    assert f'PodDisruptionBudget "web-blue-pdb" for Deployment "web-blue" has {found}' in message
    assert policies(violations) == {"k8s-pod-disruption-budget"}


@pytest.mark.parametrize("spec", [{"minAvailable": 1}, {"maxUnavailable": "50%"}])
def test_budget_that_allows_evictions_passes(policy_pack, spec):
    assert stack_only(policy_pack, replace(kubernetes_stack(), pdb("blue", **spec))) == []


def test_colors_behind_one_service_flip_need_identical_probes(policy_pack):
    green = deployment("green")
    path = "spec__template__spec__containers__0__readinessProbe"
    drifted = changed(green, **{path: probe(failure=3, success=2) | {"httpGet": {"path": "/", "port": 8080}}})
    found = stack_only(policy_pack, replace(kubernetes_stack(), drifted))
    # Two colors, two probe sets: neither is "the right one", so both Deployments are named.
    assert {(v.policy_name, v.urn) for v in found} == {
        ("k8s-router-backends-identical-probes", green.urn),
        ("k8s-router-backends-identical-probes", deployment("blue").urn),
    }
    [message] = [v.message for v in found if v.urn == green.urn]
    assert 'Deployment "web-green" takes traffic from the same router as "web-blue"' in message
    assert '"path": "/"' in message and '"path": "/health"' in message


def test_the_odd_one_out_of_three_colors_is_named(policy_pack):
    canary = changed(deployment("canary"), spec__template__spec__containers__0__livenessProbe=probe(failure=9))
    resources = [*kubernetes_stack(), canary, service("web-canary", "canary"), pdb("canary")]
    found = stack_only(policy_pack, resources)
    assert [(v.policy_name, v.urn) for v in found] == [("k8s-router-backends-identical-probes", canary.urn)]
    assert 'as "web-blue", "web-green"' in found[0].message


def test_colors_behind_an_http_route_need_identical_probes(policy_pack):
    # Selectors differ in more than the color, so only the HTTPRoute ties the two Services together.
    blue_svc = changed(service("web-blue", "blue"), spec__selector__tier="frontend")
    blue = changed(deployment("blue"), spec__template__metadata__labels__tier="frontend")
    route = resource(
        HTTP_ROUTE,
        "web-route",
        {
            "spec": {
                "rules": [
                    {
                        "backendRefs": [
                            {"name": "web-blue", "port": 80, "weight": 90},
                            {"name": "web-green", "port": 80, "weight": 10},
                        ]
                    }
                ]
            }
        },
    )
    path = "spec__template__spec__containers__0__livenessProbe"
    green = changed(deployment("green"), **{path: probe(failure=10)})
    base = [blue, blue_svc, service("web-green", "green"), route, pdb("blue"), pdb("green")]

    assert stack_only(policy_pack, [*base, deployment("green")]) == []
    found = stack_only(policy_pack, [*base, green])
    assert {(v.policy_name, v.urn) for v in found} == {
        ("k8s-router-backends-identical-probes", green.urn),
        ("k8s-router-backends-identical-probes", blue.urn),
    }
    assert all('"failureThreshold": 10' in v.message for v in found)


def test_colors_may_differ_in_image(policy_pack):
    green = changed(deployment("green"), spec__template__spec__containers__0__image="repo/web:1.5.0")
    assert stack_only(policy_pack, replace(kubernetes_stack(), green)) == []


# -- AWS ----------------------------------------------------------------------------------------


def test_weight_to_a_group_without_service(policy_pack):
    resources = without(aws_stack({"blue": 50, "green": 50}), "web-green-svc")
    found = stack_only(policy_pack, resources)
    assert policies(found) == {"aws-weighted-target-groups-have-tasks"}
    [message] = messages(found, "aws-weighted-target-groups-have-tasks")
    assert 'Listener "web-listener" sends weight 50 to TargetGroup "web-green-tg", but no ECS service' in message
    assert found[0].urn == https_listener().urn


def test_weight_to_a_scaled_down_service(policy_pack):
    resources = replace(aws_stack({"blue": 90, "green": 10}), ecs_service("green", desired=0))
    found = stack_only(policy_pack, resources)
    [message] = messages(found, "aws-weighted-target-groups-have-tasks")
    assert (
        'sends weight 10 to TargetGroup "web-green-tg", but its ECS service Service "web-green-svc" has '
        "desiredCount 0" in message
    )


def test_zero_weight_and_attached_targets_pass(policy_pack):
    scaled_down = replace(aws_stack({"blue": 100, "green": 0}), ecs_service("green", desired=0))
    attachment = resource(
        "aws:lb/targetGroupAttachment:TargetGroupAttachment",
        "web-green-ip",
        {
            "targetGroupArn": "arn:aws:mock:us-east-1:123456789012:targetgroup/web-green-tg",
            "targetId": "10.0.0.9",
        },
    )
    attached = [*without(aws_stack({"blue": 50, "green": 50}), "web-green-svc"), attachment]
    autoscaled = [
        *without(aws_stack({"blue": 50, "green": 50}), "web-green-svc"),
        resource(
            "aws:autoscaling/group:Group",
            "web-green-asg",
            {"minSize": 2, "maxSize": 4, "targetGroupArns": [attachment.inputs["targetGroupArn"]]},
        ),
    ]
    daemon = replace(
        aws_stack({"blue": 50, "green": 50}),
        changed(ecs_service("green"), desiredCount=None, schedulingStrategy="DAEMON"),
    )
    assert stack_only(policy_pack, scaled_down) == []
    assert stack_only(policy_pack, attached) == []
    assert stack_only(policy_pack, autoscaled) == []
    assert stack_only(policy_pack, daemon) == []


def test_unset_desired_count_means_no_tasks(policy_pack):
    resources = replace(aws_stack({"blue": 50, "green": 50}), changed(ecs_service("green"), desiredCount=None))
    [message] = messages(stack_only(policy_pack, resources), "aws-weighted-target-groups-have-tasks")
    assert "has desiredCount not set, so no task serves those requests" in message


def test_groups_sharing_a_listener_need_identical_health_checks(policy_pack):
    drifted = changed(target_group("green"), healthCheck__path="/", healthCheck__interval=30)
    found = stack_only(policy_pack, replace(aws_stack(), drifted))
    assert policies(found) == {"aws-listener-target-groups-identical-health-checks"}
    [message] = messages(found, "aws-listener-target-groups-identical-health-checks")
    assert 'TargetGroup "web-green-tg" and TargetGroup "web-blue-tg" share Listener "web-listener"' in message
    assert '"interval": 30' in message and '"path": "/"' in message
    assert found[0].urn == drifted.urn


def test_groups_are_found_by_real_arns_and_listener_rules(policy_pack):
    real = "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/{}/0123456789abcdef"
    blue = changed(target_group("blue"), arn=real.format("tg-physical-blue"))
    green = changed(target_group("green"), arn=real.format("tg-physical-green"), healthCheck__timeout=2)
    listener = changed(https_listener(), defaultActions=[{"type": "forward", "targetGroupArn": blue.inputs["arn"]}])
    rule = resource(
        "aws:lb/listenerRule:ListenerRule",
        "web-canary",
        {
            "listenerArn": "arn:aws:mock:us-east-1:123456789012:listener/web-listener",
            "priority": 10,
            "actions": [{"type": "forward", "targetGroupArn": green.inputs["arn"]}],
        },
    )
    found = stack_only(
        policy_pack, [blue, green, listener, rule], {"aws-weighted-target-groups-have-tasks": "disabled"}
    )
    assert [v.policy_name for v in found] == ["aws-listener-target-groups-identical-health-checks"]
    assert '"timeout": 2' in found[0].message


def test_plain_http_on_a_public_alb(policy_pack):
    http = resource(
        LISTENER,
        "web-http",
        {
            "loadBalancerArn": "arn:aws:mock:us-east-1:123456789012:loadbalancer/web-alb",
            "port": 80,
            "protocol": "HTTP",
            "defaultActions": [forward({"blue": 100, "green": 0})],
        },
    )
    found = stack_only(policy_pack, replace(aws_stack(), http), {})
    assert [(v.policy_name, v.enforcement_level) for v in found] == [
        ("aws-http-listener-redirects-to-https", "advisory")
    ]
    assert 'Listener "web-http" serves plain HTTP on port 80 of public LoadBalancer "web-alb"' in found[0].message

    internal = replace(aws_stack(), http, load_balancer(internal=True))
    assert stack_only(policy_pack, internal) == []
    exempt = {"aws-http-listener-redirects-to-https": {"exemptPorts": [80]}}
    assert stack_only(policy_pack, replace(aws_stack(), http), exempt) == []


def test_plain_http_only_alb_is_allowed_only_when_configured(policy_pack):
    http = resource(
        LISTENER,
        "web-listener",
        {
            "loadBalancerArn": "arn:aws:mock:us-east-1:123456789012:loadbalancer/web-alb",
            "port": 80,
            "protocol": "HTTP",
            "defaultActions": [forward({"blue": 100, "green": 0})],
        },
    )
    plain_stack = without(replace(aws_stack(), http), "web-http")
    found = stack_only(policy_pack, plain_stack)
    assert [v.policy_name for v in found] == ["aws-http-listener-redirects-to-https"]
    assert "the ALB has no HTTPS listener: add one with a certificate" in found[0].message
    lax = {"all": "mandatory", "aws-http-listener-redirects-to-https": {"requireHttps": False}}
    assert stack_only(policy_pack, plain_stack, lax) == []
    # With an HTTPS listener present, requireHttps false does not excuse a plain-HTTP sibling.
    assert policies(stack_only(policy_pack, [*plain_stack, https_listener(name="web-tls")], lax)) == {
        "aws-http-listener-redirects-to-https"
    }
