"""The docker platform's resource graph, from the real program under mocks, and the flip contract."""

from typing import Any

import pytest
from conftest import RunStack, stack_config
from pulumi.runtime import mocks

from bluegreen import stack_files
from bluegreen.program_run import ProgramRun, fake_outputs
from bluegreen.run_diff import ResourceChange, diff_runs
from components.docker.config_resource import TYPE_TOKEN
from components.docker.haproxy_config import render_haproxy_config
from components.docker.naming import container_layout
from components.health import docker_healthcheck
from components.spec import BlueGreenSpec

CONTAINER = "docker:index/container:Container"


def spec_of(overrides: dict | None = None) -> BlueGreenSpec:
    """The validated spec the program sees for the local stack file plus overrides."""
    return stack_files.spec_of(stack_config("local", overrides))


REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage"


def image_id(run: ProgramRun, image_resource: str) -> str:
    """The ID the (mock) provider computed for a pulled image: what a container must reference."""
    image = run.named(image_resource)
    return fake_outputs(REMOTE_IMAGE, image.name, image.inputs)["imageId"]


def test_each_color_runs_its_replicas_from_its_image_with_the_shared_healthcheck(run_stack: RunStack) -> None:
    run = run_stack("local", {"bluegreen:green.replicas": 3})
    spec = spec_of({"bluegreen:green.replicas": 3})
    expected_check = docker_healthcheck(spec.service.health_check, spec.service.port)
    apps = {r.name: r for r in run.of_type(CONTAINER) if r.name not in ("web-haproxy", "web-prometheus")}
    assert sorted(apps) == ["web-blue-0", "web-blue-1", "web-green-0", "web-green-1", "web-green-2"]
    images = {r.inputs["name"]: r.name for r in run.of_type(REMOTE_IMAGE)}
    assert images["ghcr.io/stefanprodan/podinfo:6.7.1"] == "web-green-image"
    assert images["ghcr.io/stefanprodan/podinfo:6.7.0"] == "web-blue-image"
    # Containers run the pulled image's ID (what pulumi-docker keeps in state), never the tag.
    assert apps["web-green-2"].inputs["image"] == image_id(run, "web-green-image")
    assert apps["web-blue-0"].inputs["image"] == image_id(run, "web-blue-image")
    assert image_id(run, "web-green-image") != image_id(run, "web-blue-image")
    check = apps["web-blue-1"].inputs["healthcheck"]
    assert check == {
        "tests": expected_check["tests"],
        "interval": "5s",
        "timeout": "2s",
        "retries": 3,
        "startPeriod": "10s",
    }
    assert all(a.inputs["networksAdvanced"] == [{"name": "web-net"}] for a in apps.values())


def test_the_router_publishes_both_ports_and_mounts_the_config_dir(run_stack: RunStack) -> None:
    run = run_stack("local", {"bluegreen:docker.httpPort": 8000, "bluegreen:docker.testPort": 9000})
    router = run.named("web-haproxy").inputs
    assert run.named("web-haproxy-image").inputs["name"] == "haproxy:2.6.12-alpine"
    assert router["image"] == image_id(run, "web-haproxy-image")
    assert router["command"] == ["haproxy", "-W", "-db", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]
    assert {(p["internal"], p["external"]) for p in router["ports"]} == {(8080, 8000), (8081, 9000)}
    [volume] = router["volumes"]
    assert volume["containerPath"] == "/usr/local/etc/haproxy"
    assert volume["readOnly"] is True
    # The router's own liveness: HAProxy's monitor URI, probed on the spec's timings.
    assert router["healthcheck"]["tests"][1].startswith(
        "curl -fsS -o /dev/null http://127.0.0.1:8080/_haproxy/health"
    )
    assert (router["healthcheck"]["interval"], router["healthcheck"]["timeout"]) == ("5s", "2s")
    config = run.named("web-haproxy-config").inputs
    assert config["configPath"] == volume["hostPath"] + "/haproxy.cfg"
    assert config["container"] == "web-haproxy"


def test_the_config_resource_holds_the_rendered_config(run_stack: RunStack) -> None:
    overrides = {"bluegreen:traffic.green": 10, "bluegreen:traffic.blue": 90}
    config = run_stack("local", overrides).named("web-haproxy-config")
    spec = spec_of(overrides)
    assert config.type == TYPE_TOKEN
    assert config.inputs["config"] == render_haproxy_config(spec, container_layout(spec))
    assert "server green-0 web-green-0:9898 weight 1 " in config.inputs["config"]
    assert "server blue-0 web-blue-0:9898 weight 9 " in config.inputs["config"]


def test_stack_outputs_name_the_router_network_and_containers(run_stack: RunStack) -> None:
    outputs = run_stack("local").outputs
    assert outputs["url"] == "http://localhost:8080"
    assert outputs["testUrl"] == "http://localhost:9080"
    assert outputs["networkName"] == "web-net"
    assert outputs["routerContainer"] == "web-haproxy"
    assert outputs["containers"] == {
        "blue": ["web-blue-0", "web-blue-1"],
        "green": ["web-green-0", "web-green-1"],
    }


def only_change(before: ProgramRun, after: ProgramRun) -> ResourceChange:
    changes = diff_runs(before, after)
    assert len(changes) == 1, changes
    return changes[0]


@pytest.mark.parametrize(
    "traffic",
    [
        {"bluegreen:traffic.green": 10, "bluegreen:traffic.blue": 90},  # canary step, same candidate
        {"bluegreen:traffic.green": 100, "bluegreen:traffic.blue": 0},  # full flip, the test route moves
    ],
)
def test_a_traffic_change_updates_only_the_router_config_in_place(run_stack: RunStack, traffic: dict) -> None:
    change = only_change(run_stack("local"), run_stack("local", traffic))
    assert (change.name, change.type, change.kind, change.changed) == (
        "web-haproxy-config",
        TYPE_TOKEN,
        "update",
        ("config",),
    )


def test_a_new_image_replaces_that_colors_containers_and_leaves_the_router_alone(run_stack: RunStack) -> None:
    changes = diff_runs(run_stack("local"), run_stack("local", {"bluegreen:green.image": "repo/web:9"}))
    touched = {(c.name, c.kind) for c in changes}
    assert touched == {
        ("web-green-image", "replace"),
        ("web-green-0", "replace"),
        ("web-green-1", "replace"),
    }


def test_named_containers_are_removed_before_their_replacement_is_created(
    run_stack: RunStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Docker container names and host ports are unique: create-before-delete (pulumi-docker's
    # default) would fail with a name conflict, so every container asks for delete-before-replace.
    seen: dict[str, bool] = {}
    original = mocks.MockMonitor.RegisterResource

    def record(self: mocks.MockMonitor, request: Any) -> Any:
        if request.type == CONTAINER:
            seen[request.name] = request.deleteBeforeReplace
        return original(self, request)

    monkeypatch.setattr(mocks.MockMonitor, "RegisterResource", record)
    run_stack("local")
    containers = ["web-blue-0", "web-blue-1", "web-green-0", "web-green-1", "web-haproxy", "web-prometheus"]
    assert seen == dict.fromkeys(containers, True)
