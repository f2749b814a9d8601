"""Create the router resources of either mode from the specs in routes.py.

Every router resource depends on both colors' workloads: when one `pulumi up`
both rolls a color and sends it traffic, Pulumi waits for the rollout to be ready
before the selector or the weights change.
"""

from collections.abc import Sequence
from typing import Literal

import pulumi
import pulumi_kubernetes as k8s

from ..spec import BlueGreenSpec
from .labels import router_labels
from .routes import (
    GATEWAY_API_VERSION,
    preview_route_spec,
    production_route_spec,
    route_annotations,
    router_names,
    selector_service,
)

Role = Literal["production", "preview"]
_SERVICE_ROLES: dict[Role, str] = {"production": "stable", "preview": "preview"}


def create_router(
    name: str, spec: BlueGreenSpec, parent: pulumi.Resource, depends_on: Sequence[pulumi.Resource]
) -> list[pulumi.CustomResource]:
    opts = pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on))
    if spec.kubernetes.gateway is None:
        return [_selector_service(name, spec, role, opts) for role in ("production", "preview")]
    return [_http_route(name, spec, role, opts) for role in ("production", "preview")]


def _selector_service(
    name: str, spec: BlueGreenSpec, role: Role, opts: pulumi.ResourceOptions
) -> k8s.core.v1.Service:
    app = spec.service.name
    rendered = selector_service(spec, role)
    return k8s.core.v1.Service(
        f"{name}-{_SERVICE_ROLES[role]}-service",
        metadata={
            "name": router_names(app)[role],
            "namespace": spec.kubernetes.namespace,
            "labels": router_labels(app, _SERVICE_ROLES[role]),
            "annotations": rendered["annotations"],
        },
        spec=rendered["spec"],
        opts=opts,
    )


def _http_route(
    name: str, spec: BlueGreenSpec, role: Role, opts: pulumi.ResourceOptions
) -> k8s.apiextensions.CustomResource:
    app = spec.service.name
    route_spec = production_route_spec(spec) if role == "production" else preview_route_spec(spec)
    return k8s.apiextensions.CustomResource(
        f"{name}-route" if role == "production" else f"{name}-preview-route",
        api_version=GATEWAY_API_VERSION,
        kind="HTTPRoute",
        metadata={
            "name": router_names(app)[role],
            "namespace": spec.kubernetes.namespace,
            "labels": router_labels(app, role),
            "annotations": route_annotations(spec, role),
        },
        spec=route_spec,
        opts=opts,
    )
