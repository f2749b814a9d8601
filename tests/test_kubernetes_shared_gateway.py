"""A fleet on one shared Gateway: each service attaches to its own listener (sectionName),
whose hostname the route inherits, so `hostname` may be left out."""

from bluegreen.run_diff import diff_runs
from tests.conftest import config_error, run_config
from tests.kubernetes_configs import GATEWAY, PREVIEW_TOKEN_SECURE, kubernetes, revealed, traffic

ON_LISTENER = kubernetes(GATEWAY, gateway={"name": "shared", "namespace": "gateway-system", "sectionName": "web"})


def test_routes_without_hostname_inherit_the_listeners_host() -> None:
    run = run_config({**ON_LISTENER, "bluegreen:previewToken": PREVIEW_TOKEN_SECURE})
    for route in ("web-route", "web-preview-route"):
        spec = revealed(run.named(route).inputs)["spec"]
        assert "hostnames" not in spec
        assert spec["parentRefs"] == [
            {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "shared",
             "namespace": "gateway-system", "sectionName": "web"}
        ]
    # The preview route then matches the preview header, with the secret token, on the listener's host.
    [match] = revealed(run.named("web-preview-route").inputs)["spec"]["rules"][0]["matches"]
    assert match["headers"] == [{"type": "Exact", "name": "X-Bluegreen-Preview", "value": "[secret]"}]
    # Only the Gateway knows the listener's host name, so the program does not invent a url.
    assert run.outputs.get("url") is None
    assert run.outputs["testUrl"] == "http://web-green.shop.svc.cluster.local:8080"


def test_a_canary_step_on_a_shared_gateway_changes_only_the_production_route() -> None:
    changes = diff_runs(run_config(traffic(ON_LISTENER, 100, 0)), run_config(traffic(ON_LISTENER, 90, 10)))
    assert {(c.name, c.kind) for c in changes} == {("web-route", "update")}


def test_without_hostname_or_section_name_the_route_would_take_every_host() -> None:
    message = config_error(kubernetes(GATEWAY, gateway={"name": "shared"}))
    assert "bluegreen:kubernetes.gateway.hostname is missing" in message
    assert "or sectionName naming a Gateway listener whose hostname is this service's" in message
