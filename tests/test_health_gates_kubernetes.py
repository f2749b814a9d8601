"""The Kubernetes gate asks kubectl for the color's Deployment and judges its rollout status."""

import json
import subprocess

from rollout_support import FakeClock, Recorder, kubernetes_config, update_weights

from bluegreen.health_gates import DeploymentGate, judge_deployment
from bluegreen.rollout import Rollout, Timing
from bluegreen.rollout_plan import Override, plan_release
from bluegreen.stack_files import spec_of
from testkit.mock_driver import MockProgramDriver

SPEC = spec_of(kubernetes_config())  # namespace "apps", service "web"


def deployment(replicas=2, ready=2, updated=2, available=2, generation=3, observed=3) -> dict:
    return {
        "metadata": {"name": "web-green", "generation": generation},
        "spec": {"replicas": replicas},
        "status": {
            "observedGeneration": observed,
            "replicas": replicas,
            "readyReplicas": ready,
            "updatedReplicas": updated,
            "availableReplicas": available,
        },
    }


def test_kubectl_is_asked_for_the_colors_deployment_in_the_stacks_namespace():
    calls = []

    def kubectl(args):
        calls.append(args)
        return json.dumps(deployment())

    result = DeploymentGate(runner=kubectl).check("green", SPEC, {})

    assert calls == [["get", "deployment", "web-green", "-n", "apps", "-o", "json"]]
    assert result.healthy
    assert result.detail == "2/2 ready, 2 updated, 2 available"


def test_the_stacks_kubernetes_context_picks_the_cluster_not_kubectls_current_context():
    from bluegreen.cli_env import default_gates

    calls = []
    (gate,) = default_gates(SPEC, {"kubernetes:context": "kind-bluegreen"}, None)
    assert isinstance(gate, DeploymentGate)
    gate._runner = lambda args: calls.append(args) or json.dumps(deployment())

    gate.check("green", SPEC, {})

    assert calls == [["--context", "kind-bluegreen", "get", "deployment", "web-green", "-n", "apps", "-o", "json"]]


def test_a_deployment_name_output_wins_over_the_naming_convention():
    calls = []
    gate = DeploymentGate(runner=lambda args: calls.append(args) or json.dumps(deployment()))

    gate.check("blue", SPEC, {"deploymentNames": {"blue": "web-blue-7f9c"}})

    assert calls[0][2] == "web-blue-7f9c"


def test_replicas_not_yet_ready_fail():
    result = judge_deployment("green", deployment(ready=1, available=1))

    assert not result.healthy
    assert result.detail == "1/2 ready, 2 updated, 1 available"


def test_old_replicas_still_serving_fail():
    assert not judge_deployment("green", deployment(updated=1)).healthy


def test_a_spec_the_controller_has_not_seen_fails_even_if_counts_look_ready():
    result = judge_deployment("green", deployment(generation=4, observed=3))

    assert not result.healthy
    assert "has not seen the latest spec" in result.detail


def test_a_missing_deployment_is_unhealthy_with_kubectls_message():
    def kubectl(args):
        stderr = 'Error: deployments "web-green" not found\n'
        raise subprocess.CalledProcessError(1, ["kubectl", *args], stderr=stderr)

    result = DeploymentGate(runner=kubectl).check("green", SPEC, {})

    assert not result.healthy
    assert result.detail == 'kubectl: Error: deployments "web-green" not found'


def test_no_kubectl_on_path_is_unhealthy_not_an_exception():
    def kubectl(args):
        raise FileNotFoundError(2, "No such file or directory", "kubectl")

    result = DeploymentGate(runner=kubectl).check("green", SPEC, {})

    assert not result.healthy
    assert "No such file or directory" in result.detail


def test_a_kubernetes_release_waits_for_the_new_deployment_and_flips_the_selector():
    driver = MockProgramDriver.deployed("dev", kubernetes_config())
    looks = []

    def kubectl(args):
        # green's pods need two looks to become ready, as a real rollout would.
        looks.append(args[2])
        ready = 2 if looks.count("web-green") >= 2 else 0
        return json.dumps(deployment(ready=ready, available=ready))

    clock = FakeClock()
    plan = plan_release(driver.config(), "repo/web:1.5.0", Override(steps=(100,), bake=0))
    timing = Timing(wait_timeout=60, poll_interval=5)

    result = Rollout(plan, driver, [DeploymentGate(kubectl)], Recorder(), timing, clock, clock.sleep).run()

    assert result.outcome == "done"
    assert update_weights(driver) == [(100, 0), (0, 100), (0, 100)]  # the last update records green as live
    assert looks[:2] == ["web-green", "web-green"]
    assert clock.sleeps == [5]
