"""KubernetesBlueGreenService: platform `kubernetes`, two colors behind a Service selector or HTTPRoutes."""

import pulumi
import pulumi_kubernetes as k8s

from ..service_args import KubernetesServiceArgs, spec_from_args
from ..spec import COLORS, BlueGreenSpec, Color
from .color import KubernetesColor
from .labels import app_labels
from .router import KubernetesRouter, KubernetesRouterArgs
from .routes import router_kind, urls
from .workload import ColorWorkload


class KubernetesBlueGreenService(pulumi.ComponentResource):
    """Both colors' workloads, the router that splits traffic between them, and the namespace if asked."""

    url: pulumi.Output[str | None]
    """http://<hostname>; None when the Gateway listener named by sectionName sets the host."""
    test_url: pulumi.Output[str]
    colors: dict[Color, KubernetesColor]

    def __init__(self, name: str, args: KubernetesServiceArgs, opts: pulumi.ResourceOptions | None = None):
        spec = spec_from_args("kubernetes", name, args)
        if args.get("preview_token") is not None and spec.kubernetes.gateway is None:
            raise pulumi.RunError(
                f"invalid arguments of BlueGreenService {name!r}: preview_token guards the Gateway mode preview "
                "HTTPRoute; without kubernetes[\"gateway\"] the preview Service is private to the cluster already"
            )
        super().__init__("bluegreen:index:KubernetesBlueGreenService", name, None, opts)
        self._spec = spec
        config = spec.kubernetes
        prerequisites: tuple[pulumi.Resource, ...] = ()
        if config.create_namespace:
            namespace = k8s.core.v1.Namespace(
                f"{name}-namespace",
                metadata={"name": config.namespace, "labels": app_labels(spec.service.name)},
                opts=pulumi.ResourceOptions(parent=self),
            )
            prerequisites = (namespace,)

        self.colors = {
            color: KubernetesColor(
                f"{name}-{color}",
                {"workload": ColorWorkload.of(spec, color), "depends_on": prerequisites},
                opts=pulumi.ResourceOptions(parent=self),
            )
            for color in COLORS
        }
        workloads = [part for c in self.colors.values() for part in (c.deployment, c.service)]
        self.router = KubernetesRouter(
            f"{name}-router",
            _router_args(name, spec, (*prerequisites, *workloads), args.get("preview_token")),
            opts=pulumi.ResourceOptions(parent=self),
        )

        url, test_url = urls(spec)
        self.url = pulumi.Output.from_input(url)
        self.test_url = pulumi.Output.from_input(test_url)
        self.register_outputs({"url": self.url, "testUrl": self.test_url, **self.platform_outputs()})

    def platform_outputs(self) -> dict[str, pulumi.Input[object]]:
        """Where kubectl finds everything: namespace, per-color objects, router kind and names."""
        return {
            "namespace": self._spec.kubernetes.namespace,
            "deploymentNames": {color: part.deployment_name for color, part in self.colors.items()},
            "serviceNames": {color: part.service_name for color, part in self.colors.items()},
            "routerKind": router_kind(self._spec),
            "routerNames": self.router.names,
        }


def _router_args(
    name: str, spec: BlueGreenSpec, after: tuple[pulumi.Resource, ...], token: pulumi.Input[str] | None
) -> KubernetesRouterArgs:
    args: KubernetesRouterArgs = {"prefix": name, "spec": spec, "after": after}
    if token is not None:
        args["preview_token"] = token
    return args
