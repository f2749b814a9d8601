"""`KubernetesRouter`: the only Kubernetes component that reads the traffic weights.

It creates the router resources of either mode from the specs in routes.py. Every
one depends on both colors' workloads: when one `pulumi up` both rolls a color and
sends it traffic, Pulumi waits for the rollout to be ready before the selector or
the weights change.
"""

from collections.abc import Sequence
from typing import Literal, NotRequired, TypedDict

import pulumi
import pulumi_kubernetes as k8s

from ..spec import BlueGreenSpec
from ..spec.preview_access import closed_preview_note, has_preview_router
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


class KubernetesRouterArgs(TypedDict):
    """Inputs of the router."""

    prefix: str
    """Base of the child names (`<prefix>-route`, `<prefix>-stable-service`): the service component's name."""
    spec: BlueGreenSpec
    """The validated config: weights, mode (selector or Gateway), names and port."""
    after: NotRequired[Sequence[pulumi.Resource]]
    """Resources to wait for: both colors' workloads (and the Namespace when the stack creates it)."""
    preview_token: NotRequired[pulumi.Input[str]]
    """Secret value of header `X-Bluegreen-Preview` the preview HTTPRoute requires (Gateway mode)."""


class KubernetesRouter(pulumi.ComponentResource):
    """Stable and preview Services (selector mode), or production and preview HTTPRoutes (Gateway mode)."""

    resources: list[pulumi.CustomResource]
    names: dict[str, str]
    """Names of the router objects that exist: `production`, and `preview` unless there is no preview route."""

    def __init__(self, name: str, args: KubernetesRouterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("bluegreen:index:KubernetesRouter", name, None, opts)
        owner = opts.parent if opts is not None else None
        # The router resources used to be direct children of the service component: the alias
        # lets existing stacks update them in place.
        child = pulumi.ResourceOptions(
            parent=self, depends_on=list(args.get("after", ())), aliases=[pulumi.Alias(parent=owner)]
        )
        spec, prefix, token = args["spec"], args["prefix"], args.get("preview_token")
        self.names = router_names(spec.service.name, preview=has_preview_router(spec, token))
        if spec.kubernetes.gateway is None:
            self.resources = [_selector_service(prefix, spec, role, child) for role in ("production", "preview")]
        else:
            self.resources = [_http_route(prefix, spec, "production", child, production_route_spec(spec))]
            preview = preview_route_spec(spec, token)
            if preview is not None:
                self.resources.append(_http_route(prefix, spec, "preview", child, preview))
        note = closed_preview_note(spec, token)
        if note is not None:
            # Said once, as information: a closed preview is the safe default, not a mistake.
            pulumi.log.info(note, resource=self)
        self.register_outputs({"routerNames": self.names})


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
    name: str, spec: BlueGreenSpec, role: Role, opts: pulumi.ResourceOptions, route_spec: dict
) -> k8s.apiextensions.CustomResource:
    app = spec.service.name
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
