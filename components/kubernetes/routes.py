"""The router as data: stable/preview Service selectors, or Gateway API HTTPRoute specs, and the URLs.

Two modes, chosen by `bluegreen:kubernetes.gateway`:

- selector mode: Service `{app}` selects the live color and `{app}-preview` the
  candidate. A flip rewrites those two selectors; kube-proxy moves new connections.
- Gateway mode: HTTPRoute `{app}` sends each color its weight through the color
  Services; HTTPRoute `{app}-preview` sends everything to the candidate, on its own
  host name (`previewHostname`), or for requests carrying header `X-Bluegreen-Preview`
  with the secret `bluegreen:previewToken` as its value, or both. With neither there
  is no preview route: the Gateway is public, and a guessable match would hand the
  unverified candidate to anyone (components/spec/preview_access.py).
"""

from typing import Any, Literal

import pulumi

from ..spec import COLORS, BlueGreenSpec, Color
from ..spec.kubernetes import GatewayRef
from ..spec.preview_access import PREVIEW_HEADER, has_preview_router
from ..traffic import candidate_color, live_color
from .workload import object_name, service_annotations, service_spec

RouterKind = Literal["Service", "HTTPRoute"]

GATEWAY_API_VERSION = "gateway.networking.k8s.io/v1"
ROUTES_TO = "bluegreen/routes-to"


def router_kind(spec: BlueGreenSpec) -> RouterKind:
    return "Service" if spec.kubernetes.gateway is None else "HTTPRoute"


def router_names(app: str, preview: bool = True) -> dict[str, str]:
    """Kubernetes names of the production and preview router objects (Services or HTTPRoutes).

    `preview` False: the stack has no preview router (Gateway mode with nothing to guard it).
    """
    return {"production": app, "preview": f"{app}-preview"} if preview else {"production": app}


def cluster_url(service: str, namespace: str, port: int) -> str:
    """In-cluster DNS URL of a Service (resolvable from pods, or through `kubectl port-forward`)."""
    return f"http://{service}.{namespace}.svc.cluster.local:{port}"


# --- selector mode ---------------------------------------------------------------


def selector_service(spec: BlueGreenSpec, role: Literal["production", "preview"]) -> dict[str, Any]:
    """metadata annotations and spec of the stable (`production`) or preview Service."""
    color = live_color(spec.traffic) if role == "production" else candidate_color(spec.traffic)
    return {
        "annotations": {ROUTES_TO: color, **service_annotations(spec.replicas(color))},
        "spec": service_spec(spec.service.name, color, spec.service.port),
    }


# --- Gateway mode ----------------------------------------------------------------


def parent_ref(gateway: GatewayRef) -> dict[str, Any]:
    ref: dict[str, Any] = {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": gateway.name}
    if gateway.namespace is not None:
        ref["namespace"] = gateway.namespace
    if gateway.section_name is not None:
        ref["sectionName"] = gateway.section_name
    return ref


def backend_ref(app: str, color: Color, port: int, weight: int) -> dict[str, Any]:
    return {"kind": "Service", "name": object_name(app, color), "port": port, "weight": weight}


def _all_paths() -> dict[str, Any]:
    return {"path": {"type": "PathPrefix", "value": "/"}}


def production_route_spec(spec: BlueGreenSpec) -> dict[str, Any]:
    """Both colors always listed, weight 0 included, so a canary step edits numbers and nothing else."""
    gateway = _gateway(spec)
    app, port = spec.service.name, spec.service.port
    return {
        "parentRefs": [parent_ref(gateway)],
        **_hostnames(gateway.hostname),
        "rules": [
            {
                "matches": [_all_paths()],
                "backendRefs": [backend_ref(app, color, port, spec.traffic.of(color)) for color in COLORS],
            }
        ],
    }


def preview_route_spec(spec: BlueGreenSpec, preview_token: pulumi.Input[str] | None = None) -> dict[str, Any] | None:
    """100% to the candidate, or None when nothing a stranger cannot guess guards the route.

    With `previewHostname` the route serves that host. With `preview_token` it matches
    header `X-Bluegreen-Preview: <token>` (on the preview host, or else the production
    host: Gateway API ranks a match with more header matches above the production
    route's path-only match, so only requests with the header come here). The token is
    passed as the secret Output it is, so the route's spec is a secret in state.
    """
    gateway = _gateway(spec)
    if not has_preview_router(spec, preview_token):
        return None
    app, port = spec.service.name, spec.service.port
    match = _all_paths()
    hostname = gateway.hostname if gateway.preview_hostname is None else gateway.preview_hostname
    if preview_token is not None:
        match["headers"] = [{"type": "Exact", "name": PREVIEW_HEADER, "value": preview_token}]
    return {
        "parentRefs": [parent_ref(gateway)],
        **_hostnames(hostname),
        "rules": [
            {"matches": [match], "backendRefs": [backend_ref(app, candidate_color(spec.traffic), port, 1)]}
        ],
    }


def _hostnames(hostname: str | None) -> dict[str, Any]:
    """No `hostnames` at all when the Gateway listener (sectionName) sets the host: the route inherits it."""
    return {} if hostname is None else {"hostnames": [hostname]}


def route_annotations(spec: BlueGreenSpec, role: Literal["production", "preview"]) -> dict[str, str]:
    if role == "preview":
        return {ROUTES_TO: candidate_color(spec.traffic)}
    return {ROUTES_TO: ",".join(f"{color}={spec.traffic.of(color)}" for color in COLORS)}


# --- URLs ------------------------------------------------------------------------


def urls(spec: BlueGreenSpec) -> tuple[str | None, str]:
    """(url, test_url): where production traffic and the candidate are reached.

    Selector mode: the stable and preview Services' in-cluster DNS names. Gateway mode:
    http://<hostname> (None when the Gateway listener sets the host: only it knows the
    name), and http://<previewHostname> or, without one, the candidate's own Service
    (the preview header cannot travel in a URL; with a token, requests to http://<previewHostname>
    need it too).
    """
    app, port, namespace = spec.service.name, spec.service.port, spec.kubernetes.namespace
    names = router_names(app)
    gateway = spec.kubernetes.gateway
    if gateway is None:
        return (
            cluster_url(names["production"], namespace, port),
            cluster_url(names["preview"], namespace, port),
        )
    candidate_service = object_name(app, candidate_color(spec.traffic))
    test_url = (
        cluster_url(candidate_service, namespace, port)
        if gateway.preview_hostname is None
        else f"http://{gateway.preview_hostname}"
    )
    return (None if gateway.hostname is None else f"http://{gateway.hostname}"), test_url


def _gateway(spec: BlueGreenSpec) -> GatewayRef:
    gateway = spec.kubernetes.gateway
    if gateway is None:
        raise ValueError("the HTTPRoutes exist only in Gateway mode (bluegreen:kubernetes.gateway)")
    return gateway
