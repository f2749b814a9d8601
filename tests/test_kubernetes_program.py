"""The real program on platform `kubernetes` under mocks: what it registers, its inputs and its outputs."""

import math
from typing import Any

import pytest

from bluegreen import program_run
from bluegreen.program_run import ProgramRun, RegisteredResource
from bluegreen.run_diff import REPLACE_ON_CHANGE
from tests.conftest import run_config
from tests.kubernetes_configs import GATEWAY, GUARDED_GATEWAY, SELECTOR, kubernetes, revealed, traffic, with_

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
SERVICE = "kubernetes:core/v1:Service"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
NAMESPACE = "kubernetes:core/v1:Namespace"
HTTP_ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute"
ROUTER_SERVICES = ("web-stable-service", "web-preview-service")
ROUTES = ("web-route", "web-preview-route")
PARTS = ("deployment", "service")

HEALTH = {
    "path": "/ready",
    "intervalSeconds": 7,
    "timeoutSeconds": 3,
    "healthyThreshold": 3,
    "unhealthyThreshold": 4,
    "startPeriodSeconds": 45,
}
TUNED = with_(SELECTOR, service={"name": "web", "port": 9000, "drainSeconds": 20, "healthCheck": HEALTH})


def container(run: ProgramRun, color: str) -> dict[str, Any]:
    [only] = run.named(f"web-{color}-deployment").inputs["spec"]["template"]["spec"]["containers"]
    return only


def pod_spec(run: ProgramRun, color: str) -> dict[str, Any]:
    return run.named(f"web-{color}-deployment").inputs["spec"]["template"]["spec"]


def names(resources: list[RegisteredResource]) -> list[str]:
    return sorted(r.name for r in resources)


def test_selector_mode_registers_two_colors_and_two_router_services() -> None:
    run = run_config(SELECTOR)
    assert names(run.of_type(DEPLOYMENT)) == ["web-blue-deployment", "web-green-deployment"]
    assert names(run.of_type(SERVICE)) == [
        "web-blue-service", "web-green-service", "web-preview-service", "web-stable-service"
    ]
    assert names(run.of_type(PDB)) == ["web-blue-pdb", "web-green-pdb"]
    assert run.of_type(HTTP_ROUTE) == [] and run.of_type(NAMESPACE) == []
    assert run.named("web").type == "bluegreen:index:KubernetesBlueGreenService"
    assert run.named("web-blue").type == "bluegreen:index:KubernetesColor"
    assert run.named("web-blue-deployment").parent == run.named("web-blue").urn


def test_deployment_metadata_selector_and_labels() -> None:
    deployment = run_config(SELECTOR).named("web-green-deployment").inputs
    assert deployment["metadata"]["name"] == "web-green"
    assert deployment["metadata"]["namespace"] == "shop"
    assert deployment["spec"]["selector"] == {"matchLabels": {"app": "web", "color": "green"}}
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    for labels in (deployment["metadata"]["labels"], pod_labels):
        assert labels["app"] == "web" and labels["color"] == "green"
        assert labels["bluegreen/color"] == "green"
        assert labels["app.kubernetes.io/name"] == "web"
        assert labels["app.kubernetes.io/part-of"] == "bluegreen"


def test_every_probe_field_comes_from_the_health_spec() -> None:
    run = run_config(TUNED)
    for color in ("blue", "green"):
        probes = container(run, color)
        for key in ("readinessProbe", "livenessProbe", "startupProbe"):
            probe = probes[key]
            assert probe["httpGet"] == {"path": "/ready", "port": 9000}
            assert probe["periodSeconds"] == HEALTH["intervalSeconds"]
            assert probe["timeoutSeconds"] == HEALTH["timeoutSeconds"]
        readiness, liveness = probes["readinessProbe"], probes["livenessProbe"]
        startup = probes["startupProbe"]
        assert readiness["successThreshold"] == HEALTH["healthyThreshold"] == 3
        assert readiness["failureThreshold"] == HEALTH["unhealthyThreshold"] == 4
        # Liveness tolerates twice readiness' failures before a restart; Kubernetes requires success 1.
        assert liveness["failureThreshold"] == 2 * HEALTH["unhealthyThreshold"] == 8
        assert liveness["successThreshold"] == 1
        # Startup covers startPeriodSeconds, then the usual failure window: ceil(45 / 7) + 4 = 11 checks.
        assert startup["failureThreshold"] == math.ceil(45 / 7) + 4 == 11
        assert startup["failureThreshold"] * startup["periodSeconds"] >= 45 + 4 * 7
        assert startup["successThreshold"] == 1


def test_container_port_image_and_color() -> None:
    run = run_config(TUNED)
    blue = container(run, "blue")
    assert blue["image"] == "ghcr.io/acme/web:1.4.2"
    assert blue["ports"] == [{"name": "http", "containerPort": 9000, "protocol": "TCP"}]
    assert blue["env"] == [{"name": "BLUEGREEN_COLOR", "value": "blue"}]
    assert container(run, "green")["image"] == "ghcr.io/acme/web:1.5.0"


def test_shutdown_arithmetic_in_the_pod_template() -> None:
    # preStop = readiness period 7 + propagation 5 = 12; grace = 12 + drain 20 + exit margin 5 = 37.
    run = run_config(TUNED)
    assert container(run, "blue")["lifecycle"] == {"preStop": {"exec": {"command": ["sleep", "12"]}}}
    assert pod_spec(run, "blue")["terminationGracePeriodSeconds"] == 37
    # Defaults: 10 + 5 = 15 and 15 + 30 + 5 = 50.
    default = run_config(SELECTOR)
    assert container(default, "green")["lifecycle"]["preStop"]["exec"]["command"] == ["sleep", "15"]
    assert pod_spec(default, "green")["terminationGracePeriodSeconds"] == 50


def test_sleep_action_for_images_without_a_shell() -> None:
    run = run_config(kubernetes(SELECTOR, preStop="sleep"))
    assert container(run, "blue")["lifecycle"] == {"preStop": {"sleep": {"seconds": 15}}}


def test_rolling_update_numbers() -> None:
    default = run_config(SELECTOR).named("web-blue-deployment").inputs["spec"]
    assert default["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0},
    }
    assert (default["minReadySeconds"], default["progressDeadlineSeconds"]) == (0, 600)
    tuned_config = kubernetes(
        SELECTOR,
        rollout={
            "maxSurge": 2,
            "maxUnavailable": "10%",
            "minReadySeconds": 10,
            "progressDeadlineSeconds": 300,
        },
    )
    tuned = run_config(tuned_config).named("web-green-deployment").inputs["spec"]
    assert tuned["strategy"]["rollingUpdate"] == {"maxSurge": 2, "maxUnavailable": "10%"}
    assert (tuned["minReadySeconds"], tuned["progressDeadlineSeconds"]) == (10, 300)


def test_disruption_budget_only_for_colors_with_more_than_one_replica() -> None:
    config = with_(
        SELECTOR,
        blue={"image": "ghcr.io/acme/web:1.4.2", "replicas": 1},
        green={"image": "ghcr.io/acme/web:1.5.0", "replicas": 3},
    )
    run = run_config(config)
    assert names(run.of_type(PDB)) == ["web-green-pdb"]
    budget = run.named("web-green-pdb").inputs
    assert budget["metadata"]["name"] == "web-green"
    assert budget["spec"]["maxUnavailable"] == 1
    assert budget["spec"]["selector"] == {"matchLabels": {"app": "web", "color": "green"}}
    both = run_config(with_(config, blue={"image": "ghcr.io/acme/web:1.4.2", "replicas": 2}))
    assert names(both.of_type(PDB)) == ["web-blue-pdb", "web-green-pdb"]
    scaled_down = run_config(with_(config, green={"image": "ghcr.io/acme/web:1.5.0", "replicas": 0}))
    assert scaled_down.of_type(PDB) == []


def test_color_services_select_their_own_color() -> None:
    run = run_config(SELECTOR)
    for color in ("blue", "green"):
        service = run.named(f"web-{color}-service").inputs
        assert service["metadata"]["name"] == f"web-{color}"
        assert service["spec"]["selector"] == {"app": "web", "color": color}
        [port] = service["spec"]["ports"]
        assert port == {"name": "http", "port": 8080, "targetPort": "http", "protocol": "TCP"}


def test_stable_and_preview_services() -> None:
    run = run_config(traffic(SELECTOR, 0, 100))
    stable, preview = run.named("web-stable-service").inputs, run.named("web-preview-service").inputs
    assert stable["metadata"]["name"] == "web" and preview["metadata"]["name"] == "web-preview"
    assert stable["spec"]["selector"] == {"app": "web", "color": "green"}
    assert preview["spec"]["selector"] == {"app": "web", "color": "blue"}
    assert stable["metadata"]["labels"]["bluegreen/role"] == "stable"


def test_namespace_created_only_when_asked_and_used_everywhere() -> None:
    run = run_config(kubernetes(SELECTOR, namespace="shop-prod", createNamespace=True))
    [namespace] = run.of_type(NAMESPACE)
    assert namespace.inputs["metadata"]["name"] == "shop-prod"
    namespaced = [r for r in run.resources.values() if r.custom and r.type != NAMESPACE]
    assert {r.inputs["metadata"]["namespace"] for r in namespaced} == {"shop-prod"}


def test_selector_mode_outputs() -> None:
    outputs = run_config(traffic(SELECTOR, 0, 100)).outputs
    assert outputs["namespace"] == "shop"
    assert outputs["deploymentNames"] == {"blue": "web-blue", "green": "web-green"}
    assert outputs["serviceNames"] == {"blue": "web-blue", "green": "web-green"}
    assert outputs["routerKind"] == "Service"
    assert outputs["routerNames"] == {"production": "web", "preview": "web-preview"}
    assert outputs["url"] == "http://web.shop.svc.cluster.local:8080"
    assert outputs["testUrl"] == "http://web-preview.shop.svc.cluster.local:8080"
    assert outputs["liveColor"] == "green"


def test_gateway_mode_registers_two_http_routes_instead_of_router_services() -> None:
    run = run_config(traffic(GUARDED_GATEWAY, 90, 10))
    assert names(run.of_type(SERVICE)) == ["web-blue-service", "web-green-service"]
    assert names(run.of_type(HTTP_ROUTE)) == ["web-preview-route", "web-route"]
    # run_diff judges replacement by this exact token.
    assert HTTP_ROUTE in REPLACE_ON_CHANGE
    route = run.named("web-route").inputs
    assert (route["apiVersion"], route["kind"]) == ("gateway.networking.k8s.io/v1", "HTTPRoute")
    assert route["metadata"]["name"] == "web" and route["metadata"]["namespace"] == "shop"
    assert route["spec"]["parentRefs"] == [
        {
            "group": "gateway.networking.k8s.io",
            "kind": "Gateway",
            "name": "public",
            "namespace": "gateway-system",
        }
    ]
    assert route["spec"]["rules"][0]["backendRefs"] == [
        {"kind": "Service", "name": "web-blue", "port": 8080, "weight": 90},
        {"kind": "Service", "name": "web-green", "port": 8080, "weight": 10},
    ]
    preview = revealed(run.named("web-preview-route").inputs)
    assert preview["metadata"]["name"] == "web-preview"
    assert [ref["name"] for ref in preview["spec"]["rules"][0]["backendRefs"]] == ["web-green"]


def test_gateway_mode_outputs() -> None:
    outputs = run_config(traffic(GATEWAY, 90, 10)).outputs
    assert outputs["routerKind"] == "HTTPRoute"
    # No previewHostname and no previewToken: no preview route, so no name for one.
    assert outputs["routerNames"] == {"production": "web"}
    assert run_config(GUARDED_GATEWAY).outputs["routerNames"] == {"production": "web", "preview": "web-preview"}
    assert outputs["url"] == "http://web.example.com"
    assert outputs["testUrl"] == "http://web-green.shop.svc.cluster.local:8080"
    assert outputs["weights"] == {"blue": 90, "green": 10}


def test_router_waits_for_both_colors_workloads(monkeypatch: pytest.MonkeyPatch) -> None:
    # A `pulumi up` that both rolls a color and sends it traffic must finish the rollout first.
    dependencies: dict[str, set[str]] = {}
    register = program_run._RecordingMonitor.RegisterResource

    def recording(self: Any, request: Any) -> Any:
        dependencies[request.name] = set(request.dependencies)
        return register(self, request)

    monkeypatch.setattr(program_run._RecordingMonitor, "RegisterResource", recording)
    for config, routers in ((SELECTOR, ROUTER_SERVICES), (GUARDED_GATEWAY, ROUTES)):
        run = run_config(config)
        workloads = {run.named(f"web-{color}-{part}").urn for color in ("blue", "green") for part in PARTS}
        for router in routers:
            assert workloads <= dependencies[router]
