"""`DockerBlueGreenService`: blue and green containers behind a hot-reloaded HAProxy on one network."""

import pulumi
import pulumi_docker as docker

from ..service_args import DockerServiceArgs, spec_from_args
from ..spec import COLORS
from .color import AppConfinement, DockerColor
from .naming import container_names, network_name
from .prometheus import analysis_prometheus
from .router import HaproxyRouter
from .router_security import url_host


class DockerBlueGreenService(pulumi.ComponentResource):
    """The local platform: a network, each color's replicas, and the HAProxy router in front.

    A traffic change alters only the router's `-haproxy-config` resource (new haproxy.cfg,
    then a hitless reload); the router and app containers keep identical inputs.
    """

    url: pulumi.Output[str]
    test_url: pulumi.Output[str]
    network_name: pulumi.Output[str]
    router_name: pulumi.Output[str]

    def __init__(self, name: str, args: DockerServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        spec = spec_from_args("docker", name, args)
        super().__init__("bluegreen:index:DockerBlueGreenService", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        network = docker.Network(f"{name}-net", name=network_name(spec.service.name), opts=child)
        for color in COLORS:
            DockerColor(
                f"{name}-{color}",
                {
                    "color": color,
                    "image": spec.color(color).image,
                    "replicas": container_names(spec)[color],
                    "service": spec.service,
                    "network": network.name,
                    "confinement": AppConfinement(
                        no_new_privileges=spec.docker.app_no_new_privileges,
                        added_capabilities=tuple(spec.docker.app_capabilities),
                    ),
                },
                opts=child,
            )

        self.router = HaproxyRouter(
            f"{name}-router", {"prefix": name, "spec": spec, "network": network.name}, opts=child
        )

        analysis_prometheus(name, spec, network.name, child)

        host = url_host(spec.docker.publish_address)
        self.url = pulumi.Output.from_input(f"http://{host}:{spec.docker.http_port}")
        self.test_url = pulumi.Output.from_input(f"http://{host}:{spec.docker.test_port}")
        self.network_name = network.name
        self.router_name = self.router.router_name
        self._containers = container_names(spec)
        self.register_outputs(
            {
                "url": self.url,
                "testUrl": self.test_url,
                "networkName": self.network_name,
                "routerContainer": self.router_name,
                "containers": self._containers,
            }
        )

    def platform_outputs(self) -> dict[str, pulumi.Input[object]]:
        return {
            "networkName": self.network_name,
            "routerContainer": self.router_name,
            "containers": {color: list(names) for color, names in self._containers.items()},
        }
