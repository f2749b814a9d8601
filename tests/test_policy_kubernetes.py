"""Kubernetes rules of the policy pack, driven over gRPC: each rule fires on its violation and stays quiet otherwise."""

import pytest
from policy_cases import (
    DEPLOYMENT,
    changed,
    check,
    container,
    deployment,
    kubernetes_stack,
    messages,
    policies,
    probe,
    resource,
)

pytestmark = pytest.mark.policy

WORKLOADS = [
    DEPLOYMENT,
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:apps/v1:DaemonSet",
    "kubernetes:apps/v1:ReplicaSet",
    "kubernetes:core/v1:Pod",
]


def containers_path(type_token: str) -> str:
    return "spec__containers" if type_token == "kubernetes:core/v1:Pod" else "spec__template__spec__containers"


def test_baseline_stack_passes_every_rule(policy_pack):
    assert check(policy_pack, kubernetes_stack()) == []


@pytest.mark.parametrize("type_token", WORKLOADS)
def test_every_workload_kind_is_judged(policy_pack, type_token):
    good = deployment(type_token=type_token)
    bare = {k: v for k, v in container().items() if k not in ("readinessProbe", "livenessProbe")}
    bad = changed(good, **{containers_path(type_token): [bare]})

    assert check(policy_pack, [good]) == []
    found = check(policy_pack, [bad])
    assert policies(found) == {"k8s-readiness-probe-required", "k8s-liveness-probe-required"}
    kind = type_token.rsplit(":", 1)[1]
    assert messages(found, "k8s-readiness-probe-required") == [
        "Serving containers have a readiness probe.\n"
        f'{kind} "web-blue" container "web" has no readinessProbe; add an httpGet readinessProbe on the health '
        "path so the pod gets traffic only once it can serve."
    ]
    assert all(v.urn == bad.urn and v.enforcement_level == "mandatory" for v in found)


def test_jobs_and_init_containers_are_exempt(policy_pack):
    # No probes: exempt. Init containers still meet the security rules (see test_policy_secure_defaults.py).
    bare = {
        "name": "migrate",
        "image": "repo/migrate:1.0",
        "securityContext": container()["securityContext"],
        "resources": container()["resources"],
    }
    job = resource("kubernetes:batch/v1:Job", "migrate", {"spec": {"template": {"spec": {"containers": [bare]}}}})
    cron = resource(
        "kubernetes:batch/v1:CronJob",
        "nightly",
        {"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [bare]}}}}}},
    )
    with_init = changed(deployment(), spec__template__spec__initContainers=[bare])
    assert check(policy_pack, [job, cron, with_init]) == []


CONTAINER = "spec__template__spec__containers__0__"

VIOLATIONS = [
    pytest.param(
        {CONTAINER + "livenessProbe": probe(failure=3), CONTAINER + "readinessProbe": probe(failure=3)},
        "k8s-liveness-differs-from-readiness",
        ["identical to its readinessProbe", "failureThreshold 3", '"path": "/health"'],
        id="liveness-identical",
    ),
    pytest.param(
        {CONTAINER + "readinessProbe": probe() | {"timeoutSeconds": 10}},
        "k8s-probe-timing",
        ['container "web" readinessProbe timeoutSeconds 10 is not below periodSeconds 10'],
        id="timeout-not-below-period",
    ),
    pytest.param(
        {CONTAINER + "livenessProbe": probe() | {"successThreshold": 3}},
        "k8s-probe-timing",
        ["livenessProbe successThreshold is 3; it must be 1"],
        id="liveness-success-threshold",
    ),
    pytest.param(
        {CONTAINER + "startupProbe": probe() | {"failureThreshold": 0}},
        "k8s-probe-timing",
        ["startupProbe failureThreshold is 0; set it to 1 or more"],
        id="failure-threshold-zero",
    ),
    pytest.param(
        {
            CONTAINER + "startupProbe": None,
            CONTAINER + "livenessProbe": probe(failure=6) | {"initialDelaySeconds": 90},
        },
        "k8s-startup-probe-for-slow-start",
        ["initialDelaySeconds is 90 (above 30) and there is no startupProbe"],
        id="slow-start-without-startup-probe",
    ),
    pytest.param(
        {"spec__strategy__rollingUpdate__maxUnavailable": "25%"},
        "k8s-rolling-update-max-unavailable",
        ['has 2 replicas (below 4) and rollingUpdate.maxUnavailable "25%"', "maxUnavailable to 0"],
        id="max-unavailable-25",
    ),
    pytest.param(
        {"spec__strategy": None},
        "k8s-rolling-update-max-unavailable",
        ["maxUnavailable 25% (the default)"],
        id="max-unavailable-default",
    ),
    pytest.param(
        {"spec__strategy": {"type": "Recreate"}},
        "k8s-rolling-update-max-unavailable",
        ["strategy Recreate with 2 replicas"],
        id="recreate",
    ),
    pytest.param(
        {"spec__template__spec__terminationGracePeriodSeconds": 10},
        "k8s-termination-grace-exceeds-prestop",
        ["sleeps 10s in preStop but terminationGracePeriodSeconds is 10"],
        id="grace-equals-exec-sleep",
    ),
    pytest.param(
        {
            "spec__template__spec__terminationGracePeriodSeconds": None,
            CONTAINER + "lifecycle": {"preStop": {"sleep": {"seconds": 40}}},
        },
        "k8s-termination-grace-exceeds-prestop",
        ["sleeps 40s in preStop but terminationGracePeriodSeconds is 30 (the default)"],
        id="native-sleep-over-default-grace",
    ),
    pytest.param(
        {CONTAINER + "image": "repo/web:latest"},
        "k8s-image-tag-pinned",
        ['image "repo/web:latest" uses the moving tag "latest"'],
        id="latest",
    ),
    pytest.param(
        {CONTAINER + "image": "registry:5000/web"},
        "k8s-image-tag-pinned",
        ['image "registry:5000/web" has no tag'],
        id="no-tag-with-registry-port",
    ),
]


@pytest.mark.parametrize(("paths", "policy", "expected"), VIOLATIONS)
def test_rule_reports_value_and_fix(policy_pack, paths, policy, expected):
    bad = changed(deployment(), **paths)
    found = check(policy_pack, [bad])
    assert policies(found) == {policy}
    [message] = messages(found, policy)
    for text in expected:
        assert text in message
    # The engine shows the policy description, then the rule's message naming the resource.
    description, detail = message.split("\n", 1)
    assert description.endswith(".") and detail.startswith('Deployment "web-blue"')


PASSING = [
    pytest.param({CONTAINER + "image": "repo/web@sha256:" + "a" * 64}, id="digest"),
    pytest.param(
        {CONTAINER + "livenessProbe": probe(failure=6) | {"initialDelaySeconds": 90}},
        id="long-delay-with-startup-probe",
    ),
    pytest.param(
        {
            CONTAINER + "livenessProbe": probe(failure=6) | {"initialDelaySeconds": 30},
            CONTAINER + "startupProbe": None,
        },
        id="delay-at-bound",
    ),
    pytest.param(
        {"spec__replicas": 6, "spec__strategy__rollingUpdate__maxUnavailable": "25%"},
        id="many-replicas-may-use-25-percent",
    ),
    pytest.param({"spec__strategy__rollingUpdate__maxUnavailable": "0%"}, id="zero-percent"),
    pytest.param(
        {CONTAINER + "lifecycle": {"preStop": {"exec": {"command": ["/bin/drain", "--sleep=99"]}}}},
        id="prestop-without-sleep",
    ),
]


@pytest.mark.parametrize("paths", PASSING)
def test_rule_accepts_safe_variants(policy_pack, paths):
    assert check(policy_pack, [changed(deployment(), **paths)]) == []


def test_thresholds_come_from_config(policy_pack):
    slow = changed(
        deployment(),
        **{
            CONTAINER + "startupProbe": None,
            CONTAINER + "livenessProbe": probe(failure=6) | {"initialDelaySeconds": 60},
        },
    )
    few = changed(deployment(), spec__replicas=6, spec__strategy__rollingUpdate__maxUnavailable=1)
    strict = {"all": "mandatory", "k8s-rolling-update-max-unavailable": {"replicasBelow": 10}}
    lax = {"all": "advisory", "k8s-startup-probe-for-slow-start": {"maxLivenessInitialDelaySeconds": 60}}

    assert policies(check(policy_pack, [slow, few])) == {"k8s-startup-probe-for-slow-start"}
    found = check(policy_pack, [few], strict)
    assert [v.policy_name for v in found] == ["k8s-rolling-update-max-unavailable"]
    assert "has 6 replicas (below 10) and rollingUpdate.maxUnavailable 1" in found[0].message
    assert check(policy_pack, [slow], lax) == []
