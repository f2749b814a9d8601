"""Secure defaults of every platform (issue 9), read from what the real program registers under mocks,
and the documented keys that open each one up."""

from typing import Any

import pytest

from bluegreen.program_run import ProgramRun
from bluegreen.stack_files import PROJECT_DIR, read_stack_config
from tests.conftest import config_error, run_config, stack_config

CONTAINER = "docker:index/container:Container"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
KUBERNETES = {
    "bluegreen:platform": "kubernetes",
    "bluegreen:blue": {"image": "ghcr.io/acme/web:1.4.2"},
    "bluegreen:green": {"image": "ghcr.io/acme/web:1.5.0"},
    "bluegreen:kubernetes": {"namespace": "shop"},
}


def router(run: ProgramRun) -> dict[str, Any]:
    return run.named("web-haproxy").inputs


# Docker -------------------------------------------------------------------------------------------


def test_docker_ports_listen_on_loopback_only_by_default() -> None:
    run = run_config(stack_config("local"), stack="local")
    # The test port serves the unreleased candidate: other machines on the network must not reach it.
    assert {(p["external"], p["ip"]) for p in router(run)["ports"]} == {(8080, "127.0.0.1"), (9080, "127.0.0.1")}
    assert run.outputs["url"] == "http://localhost:8080"


@pytest.mark.parametrize(
    ("address", "url"),
    [("0.0.0.0", "http://localhost:8080"), ("192.0.2.10", "http://192.0.2.10:8080"), ("::", "http://localhost:8080")],
)
def test_docker_publish_address_opens_the_ports(address: str, url: str) -> None:
    run = run_config(stack_config("local", {"bluegreen:docker.publishAddress": address}), stack="local")
    assert {p["ip"] for p in router(run)["ports"]} == {address}
    assert run.outputs["url"] == url


def test_docker_router_runs_without_privileges_and_with_a_memory_limit() -> None:
    inputs = router(run_config(stack_config("local"), stack="local"))
    assert inputs["securityOpts"] == ["no-new-privileges:true"]
    assert inputs["capabilities"] == {"drops": ["ALL"]}
    assert (inputs["memory"], inputs["memorySwap"]) == (256, 256)


def app_containers(run: ProgramRun) -> list[dict[str, Any]]:
    containers = run.of_type("docker:index/container:Container")
    return [r.inputs for r in containers if "-blue-" in r.name or "-green-" in r.name]


def test_docker_app_containers_get_no_new_privileges_and_no_capabilities() -> None:
    found = app_containers(run_config(stack_config("local"), stack="local"))
    assert len(found) == 4  # two replicas per color
    assert {(tuple(c["securityOpts"]), repr(c["capabilities"])) for c in found} == {
        (("no-new-privileges:true",), repr({"drops": ["ALL"]}))
    }


def test_docker_app_confinement_opt_out_is_two_config_keys() -> None:
    opt_out = {
        "bluegreen:docker.appNoNewPrivileges": False,
        "bluegreen:docker.appCapabilities": ["cap_net_bind_service"],
    }
    config = stack_config("local", opt_out)
    for inputs in app_containers(run_config(config, stack="local")):
        assert inputs["securityOpts"] == []
        assert inputs["capabilities"] == {"drops": ["ALL"], "adds": ["NET_BIND_SERVICE"]}


@pytest.mark.parametrize("bad", ["ALL", "CAP_ALL", "root", ""])
def test_docker_app_capabilities_are_linux_capability_names_and_never_all(bad) -> None:
    message = config_error(stack_config("local", {"bluegreen:docker.appCapabilities": [bad]}), stack="local")
    assert "bluegreen:docker.appCapabilities[0]" in message
    assert "must be one Linux capability such as NET_BIND_SERVICE" in message


def test_docker_router_memory_comes_from_config() -> None:
    inputs = router(run_config(stack_config("local", {"bluegreen:docker.routerMemoryMb": 512}), stack="local"))
    assert (inputs["memory"], inputs["memorySwap"]) == (512, 512)


# Kubernetes ---------------------------------------------------------------------------------------


def pod(run: ProgramRun, color: str = "blue") -> dict[str, Any]:
    return run.named(f"web-{color}-deployment").inputs["spec"]["template"]["spec"]


def test_kubernetes_pods_meet_pod_security_restricted_by_default() -> None:
    spec = pod(run_config(KUBERNETES))
    assert spec["securityContext"] == {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
    assert spec["automountServiceAccountToken"] is False
    [container] = spec["containers"]
    assert container["securityContext"] == {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
    assert container["resources"] == {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}


def test_kubernetes_baseline_opt_out_for_images_that_must_run_as_root() -> None:
    config = {**KUBERNETES, "bluegreen:kubernetes": {"namespace": "shop", "podSecurity": "baseline"}}
    spec = pod(run_config(config))
    assert spec["securityContext"] == {"seccompProfile": {"type": "RuntimeDefault"}}
    assert spec["containers"][0]["securityContext"] == {"allowPrivilegeEscalation": False}


def test_kubernetes_uid_token_and_resources_from_config() -> None:
    settings = {
        "namespace": "shop",
        "runAsUser": 10001,
        "automountServiceAccountToken": True,
        "resources": {"requests": {"cpu": 0.5, "memory": "1Gi"}, "limits": {"cpu": 2, "memory": "2Gi"}},
    }
    spec = pod(run_config({**KUBERNETES, "bluegreen:kubernetes": settings}), "green")
    assert spec["securityContext"]["runAsUser"] == 10001
    assert spec["automountServiceAccountToken"] is True
    assert spec["containers"][0]["resources"] == {
        "requests": {"cpu": "0.5", "memory": "1Gi"},
        "limits": {"cpu": "2", "memory": "2Gi"},
    }


def test_kind_examples_name_a_numeric_uid_for_podinfos_named_user() -> None:
    for stack in ("kind", "kind-gateway"):
        config = read_stack_config(stack, project_dir=PROJECT_DIR / "examples")
        spec = pod(run_config(config, stack=stack))
        assert spec["securityContext"]["runAsUser"] == 10001
        assert spec["securityContext"]["runAsNonRoot"] is True


# AWS ----------------------------------------------------------------------------------------------


def test_alb_access_logs_are_off_by_default_and_on_with_a_bucket() -> None:
    plain = run_config(stack_config("dev"), stack="dev").of_type(LOAD_BALANCER)[0].inputs
    assert "accessLogs" not in plain
    logging = {"bluegreen:aws.accessLogs": {"bucket": "acme-alb-logs", "prefix": "web/dev"}}
    inputs = run_config(stack_config("dev", logging), stack="dev").of_type(LOAD_BALANCER)[0].inputs
    assert inputs["accessLogs"] == {"bucket": "acme-alb-logs", "prefix": "web/dev", "enabled": True}
