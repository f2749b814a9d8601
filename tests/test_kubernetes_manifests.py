"""The pure Kubernetes renderers, without mocks: labels, rollout, shutdown, budgets, routes, URLs."""

from typing import Any

import pytest

from components.kubernetes.labels import color_labels, color_selector, router_labels
from components.kubernetes.routes import (
    backend_ref,
    parent_ref,
    preview_route_spec,
    production_route_spec,
    router_kind,
    selector_service,
    urls,
)
from components.kubernetes.shutdown import EXIT_MARGIN_SECONDS, pre_stop_handler, shutdown_timing
from components.kubernetes.workload import (
    ColorWorkload,
    color_shutdown,
    deployment_spec,
    disruption_budget_spec,
    needs_disruption_budget,
    rolling_update,
    service_annotations,
)
from components.spec import BlueGreenSpec, parse_spec

GATEWAY = {"name": "public", "namespace": "gateway-system", "hostname": "web.example.com"}


def spec_of(**raw: Any) -> BlueGreenSpec:
    base: dict[str, Any] = {
        "platform": "kubernetes",
        "blue": {"image": "ghcr.io/acme/web:1.4.2"},
        "green": {"image": "ghcr.io/acme/web:1.5.0"},
        "kubernetes": {"namespace": "shop"},
    }
    return parse_spec({**base, **raw})


def gateway_spec(blue: int, green: int, **gateway: Any) -> BlueGreenSpec:
    return spec_of(
        kubernetes={"namespace": "shop", "gateway": {**GATEWAY, **gateway}},
        traffic={"blue": blue, "green": green},
    )


# --- shutdown ---------------------------------------------------------------------


def test_allowances_are_the_documented_numbers() -> None:
    assert EXIT_MARGIN_SECONDS == 5
    assert spec_of().kubernetes.endpoint_propagation_seconds == 5


@pytest.mark.parametrize(
    ("period", "propagation", "drain", "pre_stop", "grace"),
    [(10, 5, 30, 15, 50), (5, 5, 0, 10, 15), (30, 1, 120, 31, 156), (300, 120, 3600, 420, 4025)],
)
def test_shutdown_timing(period: int, propagation: int, drain: int, pre_stop: int, grace: int) -> None:
    timing = shutdown_timing(period, propagation, drain)
    assert (timing.pre_stop_seconds, timing.grace_seconds) == (pre_stop, grace)
    # The two rules, stated as the issue states them.
    assert timing.pre_stop_seconds > period
    assert timing.grace_seconds > timing.pre_stop_seconds + drain


def test_color_shutdown_reads_the_readiness_period_propagation_and_drain_seconds() -> None:
    spec = spec_of(service={"drainSeconds": 45, "healthCheck": {"intervalSeconds": 8, "timeoutSeconds": 3}})
    timing = color_shutdown(spec.service, spec.kubernetes)
    assert (timing.pre_stop_seconds, timing.grace_seconds) == (13, 63)
    slow = spec_of(service={"drainSeconds": 45}, kubernetes={"endpointPropagationSeconds": 12})
    slow_timing = color_shutdown(slow.service, slow.kubernetes)
    assert (slow_timing.pre_stop_seconds, slow_timing.grace_seconds) == (22, 72)


def test_pre_stop_handlers() -> None:
    assert pre_stop_handler("exec", 15) == {"exec": {"command": ["sleep", "15"]}}
    assert pre_stop_handler("sleep", 15) == {"sleep": {"seconds": 15}}


# --- rollout and budgets ------------------------------------------------------------


def test_rolling_update_defaults_surge_25_percent_and_keep_every_pod() -> None:
    assert rolling_update(spec_of().kubernetes.rollout) == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0},
    }


def test_rolling_update_from_config() -> None:
    spec = spec_of(kubernetes={"rollout": {"maxSurge": 1, "maxUnavailable": "10%"}})
    expected = {"maxSurge": 1, "maxUnavailable": "10%"}
    assert rolling_update(spec.kubernetes.rollout)["rollingUpdate"] == expected


@pytest.mark.parametrize(("replicas", "expected"), [(0, False), (1, False), (2, True), (10, True)])
def test_disruption_budget_only_above_one_replica(replicas: int, expected: bool) -> None:
    assert needs_disruption_budget(replicas) is expected


def test_disruption_budget_lets_one_pod_go_at_a_time() -> None:
    assert disruption_budget_spec("web", "green") == {
        "maxUnavailable": 1,
        "selector": {"matchLabels": {"app": "web", "color": "green"}},
    }


# --- labels and the Deployment --------------------------------------------------------


def test_color_labels_carry_the_kubectl_labels_and_contain_the_selector() -> None:
    labels = color_labels("web", "blue")
    assert color_selector("web", "blue") == {"app": "web", "color": "blue"}
    assert labels.items() >= color_selector("web", "blue").items()
    assert labels["app.kubernetes.io/name"] == "web"
    assert labels["app.kubernetes.io/part-of"] == "bluegreen"
    assert labels["bluegreen/color"] == "blue"
    assert router_labels("web", "stable")["bluegreen/role"] == "stable"
    assert "color" not in router_labels("web", "stable")


def test_deployment_does_not_depend_on_traffic() -> None:
    for color in ("blue", "green"):
        before, after = ColorWorkload.of(gateway_spec(100, 0), color), ColorWorkload.of(gateway_spec(10, 90), color)
        assert deployment_spec(before) == deployment_spec(after)


def test_deployment_takes_image_and_replicas_from_its_color() -> None:
    spec = spec_of(service={"replicas": 3}, green={"image": "ghcr.io/acme/web:2.0.0", "replicas": 5})
    blue = deployment_spec(ColorWorkload.of(spec, "blue"))
    green = deployment_spec(ColorWorkload.of(spec, "green"))
    assert (blue["replicas"], green["replicas"]) == (3, 5)
    assert blue["template"]["spec"]["containers"][0]["image"] == "ghcr.io/acme/web:1.4.2"
    assert green["template"]["spec"]["containers"][0]["image"] == "ghcr.io/acme/web:2.0.0"
    assert green["selector"] == {"matchLabels": {"app": "web", "color": "green"}}


# --- selector mode ------------------------------------------------------------------


def test_stable_selects_live_and_preview_selects_candidate() -> None:
    before, after = spec_of(), spec_of(traffic={"blue": 0, "green": 100})
    assert selector_service(before, "production")["spec"]["selector"] == {"app": "web", "color": "blue"}
    assert selector_service(before, "preview")["spec"]["selector"] == {"app": "web", "color": "green"}
    assert selector_service(after, "production")["spec"]["selector"] == {"app": "web", "color": "green"}
    assert selector_service(after, "preview")["spec"]["selector"] == {"app": "web", "color": "blue"}


def test_service_over_zero_pods_skips_pulumis_endpoint_wait() -> None:
    assert service_annotations(0) == {"pulumi.com/skipAwait": "true"}
    assert service_annotations(2) == {}
    spec = spec_of(traffic={"blue": 0, "green": 100}, blue={"image": "ghcr.io/acme/web:1.4.2", "replicas": 0})
    assert selector_service(spec, "preview")["annotations"]["pulumi.com/skipAwait"] == "true"
    assert "pulumi.com/skipAwait" not in selector_service(spec, "production")["annotations"]


# --- Gateway mode -------------------------------------------------------------------


def test_router_kind_follows_the_gateway_key() -> None:
    assert (router_kind(spec_of()), router_kind(gateway_spec(100, 0))) == ("Service", "HTTPRoute")


def test_parent_ref_names_the_gateway() -> None:
    assert parent_ref(gateway_spec(100, 0).kubernetes.gateway) == {  # type: ignore[arg-type]
        "group": "gateway.networking.k8s.io",
        "kind": "Gateway",
        "name": "public",
        "namespace": "gateway-system",
    }
    same_namespace = gateway_spec(100, 0, namespace=None, sectionName="http").kubernetes.gateway
    assert parent_ref(same_namespace) == {  # type: ignore[arg-type]
        "group": "gateway.networking.k8s.io",
        "kind": "Gateway",
        "name": "public",
        "sectionName": "http",
    }


@pytest.mark.parametrize(("blue", "green"), [(100, 0), (90, 10), (50, 50), (1, 99), (0, 100)])
def test_production_route_weights_both_color_services(blue: int, green: int) -> None:
    route = production_route_spec(gateway_spec(blue, green))
    assert route["hostnames"] == ["web.example.com"]
    assert route["parentRefs"][0]["name"] == "public"
    [rule] = route["rules"]
    assert rule["matches"] == [{"path": {"type": "PathPrefix", "value": "/"}}]
    assert rule["backendRefs"] == [
        {"kind": "Service", "name": "web-blue", "port": 8080, "weight": blue},
        {"kind": "Service", "name": "web-green", "port": 8080, "weight": green},
    ]


def test_preview_route_matches_the_token_header_on_the_production_host() -> None:
    route = preview_route_spec(gateway_spec(90, 10), preview_token="f3a9c1d27be84e06a1c2")
    assert route is not None and route["hostnames"] == ["web.example.com"]
    [rule] = route["rules"]
    assert rule["matches"] == [
        {
            "path": {"type": "PathPrefix", "value": "/"},
            "headers": [{"type": "Exact", "name": "X-Bluegreen-Preview", "value": "f3a9c1d27be84e06a1c2"}],
        }
    ]
    assert rule["backendRefs"] == [backend_ref("web", "green", 8080, 1)]


def test_no_preview_route_without_a_preview_host_or_token() -> None:
    assert preview_route_spec(gateway_spec(90, 10)) is None


def test_preview_host_and_token_together_need_both() -> None:
    route = preview_route_spec(gateway_spec(90, 10, previewHostname="preview.web.example.com"), preview_token="t")
    assert route is not None and route["hostnames"] == ["preview.web.example.com"]
    [header] = route["rules"][0]["matches"][0]["headers"]
    assert header == {"type": "Exact", "name": "X-Bluegreen-Preview", "value": "t"}


def test_preview_route_on_its_own_host_follows_the_candidate() -> None:
    route = preview_route_spec(gateway_spec(40, 60, previewHostname="preview.web.example.com"))
    assert route is not None and route["hostnames"] == ["preview.web.example.com"]
    [rule] = route["rules"]
    assert rule["matches"] == [{"path": {"type": "PathPrefix", "value": "/"}}]
    assert [ref["name"] for ref in rule["backendRefs"]] == ["web-blue"]


# --- URLs ---------------------------------------------------------------------------


def test_urls_in_selector_mode_are_in_cluster_dns_names() -> None:
    assert urls(spec_of(service={"port": 9000})) == (
        "http://web.shop.svc.cluster.local:9000",
        "http://web-preview.shop.svc.cluster.local:9000",
    )


def test_urls_in_gateway_mode() -> None:
    assert urls(gateway_spec(90, 10)) == ("http://web.example.com", "http://web-green.shop.svc.cluster.local:8080")
    assert urls(gateway_spec(10, 90, previewHostname="preview.web.example.com")) == (
        "http://web.example.com",
        "http://preview.web.example.com",
    )
