"""`DockerBlueGreenService`: blue and green containers behind a hot-reloaded HAProxy on one network."""

from pathlib import Path

import pulumi
import pulumi_docker as docker

from ..health import docker_healthcheck
from ..spec import COLORS, BlueGreenSpec
from .color import DockerColor, DockerColorArgs
from .config_resource import HaproxyConfig
from .haproxy_config import ROUTER_HEALTH_PATH, render_haproxy_config
from .naming import (
    PRODUCTION_PORT,
    TEST_PORT,
    container_layout,
    container_names,
    host_config_dir,
    network_name,
    router_name,
)
from .reload import CONFIG_NAME, CONTAINER_CONFIG_DIR


class DockerBlueGreenService(pulumi.ComponentResource):
    """The local platform: a network, each color's replicas, and the HAProxy router in front.

    A traffic change alters only the `-haproxy-config` resource (new haproxy.cfg, then
    a hitless reload); the router and app containers keep identical inputs.
    """

    url: pulumi.Output[str]
    test_url: pulumi.Output[str]
    network_name: pulumi.Output[str]
    router_name: pulumi.Output[str]

    def __init__(self, name: str, spec: BlueGreenSpec, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("bluegreen:index:DockerBlueGreenService", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        network = docker.Network(f"{name}-net", name=network_name(spec.service.name), opts=child)
        for color in COLORS:
            DockerColor(f"{name}-{color}", DockerColorArgs(spec, color, network.name), opts=child)

        router = router_name(spec.service.name)
        config_dir = host_config_dir(spec, pulumi.get_stack(), Path.cwd())
        config = HaproxyConfig(
            f"{name}-haproxy-config",
            config_path=str(config_dir / CONFIG_NAME),
            config=render_haproxy_config(spec, container_layout(spec)),
            container=router,
            opts=child,
        )
        haproxy_image = docker.RemoteImage(
            f"{name}-haproxy-image", name=spec.docker.haproxy_image, keep_locally=True, opts=child
        )
        # No input of this container depends on bluegreen:traffic: the config reaches it
        # through the bind-mounted directory, so a flip never replaces the router.
        docker.Container(
            f"{name}-haproxy",
            name=router,
            # The image ID, as for the app containers (see color.py): a tag would replace the router on every update.
            image=haproxy_image.image_id,
            command=["haproxy", "-W", "-db", "-f", f"{CONTAINER_CONFIG_DIR}/{CONFIG_NAME}"],
            networks_advanced=[docker.ContainerNetworksAdvancedArgs(name=network.name)],
            ports=[
                docker.ContainerPortArgs(internal=PRODUCTION_PORT, external=spec.docker.http_port),
                docker.ContainerPortArgs(internal=TEST_PORT, external=spec.docker.test_port),
            ],
            volumes=[
                docker.ContainerVolumeArgs(
                    host_path=str(config_dir), container_path=CONTAINER_CONFIG_DIR, read_only=True
                )
            ],
            # The router's own liveness, on the spec's timings: HAProxy answers the monitor URI itself.
            healthcheck=docker.ContainerHealthcheckArgs(
                **docker_healthcheck(
                    spec.service.health_check.model_copy(update={"path": ROUTER_HEALTH_PATH}), PRODUCTION_PORT
                )
            ),
            restart="unless-stopped",
            # SIGUSR1 is HAProxy's soft stop: finish in-flight requests, then exit.
            stop_signal="SIGUSR1",
            stop_timeout=spec.service.drain_seconds,
            # Its name and host ports are taken until the old one is gone (see color.py).
            opts=pulumi.ResourceOptions(parent=self, depends_on=[config], delete_before_replace=True),
        )

        self.url = pulumi.Output.from_input(f"http://localhost:{spec.docker.http_port}")
        self.test_url = pulumi.Output.from_input(f"http://localhost:{spec.docker.test_port}")
        self.network_name = network.name
        self.router_name = pulumi.Output.from_input(router)
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
