"""`HaproxyRouter`: the only docker-platform component that reads the traffic weights.

It owns the rendered haproxy.cfg (`HaproxyConfig`, the one resource a flip alters),
the HAProxy image and the router container that bind-mounts the config directory.
"""

from pathlib import Path
from typing import TypedDict

import pulumi
import pulumi_docker as docker

from ..health import docker_healthcheck
from ..spec import BlueGreenSpec
from .config_resource import HaproxyConfig
from .haproxy_config import ROUTER_HEALTH_PATH, render_haproxy_config
from .naming import PRODUCTION_PORT, container_layout, host_config_dir, router_name
from .reload import CONFIG_NAME, CONTAINER_CONFIG_DIR
from .router_security import DROPPED_CAPABILITIES, published_ports, router_limits


class HaproxyRouterArgs(TypedDict):
    """Inputs of the router."""

    prefix: str
    """Base of the child names (`<prefix>-haproxy`, `<prefix>-haproxy-config`): the service component's name."""
    spec: BlueGreenSpec
    """The validated config: weights, health spec, replicas (the servers), ports and image."""
    network: pulumi.Input[str]
    """Name of the stack's Docker network, where the replicas resolve by container name."""


class HaproxyRouter(pulumi.ComponentResource):
    """HAProxy in a container, publishing the production and test ports, its config hot-reloaded."""

    router_name: pulumi.Output[str]

    def __init__(self, name: str, args: HaproxyRouterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("bluegreen:index:HaproxyRouter", name, None, opts)
        spec, prefix = args["spec"], args["prefix"]
        owner = opts.parent if opts is not None else None
        # These used to be direct children of the service component: the alias lets existing
        # stacks update them in place.
        moved = [pulumi.Alias(parent=owner)]
        child = pulumi.ResourceOptions(parent=self, aliases=moved)

        router = router_name(spec.service.name)
        config_dir = host_config_dir(spec, pulumi.get_stack(), Path.cwd())
        self.config = HaproxyConfig(
            f"{prefix}-haproxy-config",
            config_path=str(config_dir / CONFIG_NAME),
            config=render_haproxy_config(spec, container_layout(spec)),
            container=router,
            opts=child,
        )
        haproxy_image = docker.RemoteImage(
            f"{prefix}-haproxy-image", name=spec.docker.haproxy_image, keep_locally=True, opts=child
        )
        # No input of this container depends on bluegreen:traffic: the config reaches it
        # through the bind-mounted directory, so a flip never replaces the router.
        self.container = docker.Container(
            f"{prefix}-haproxy",
            name=router,
            # The image ID, as for the app containers (see color.py): a tag would replace the router on every update.
            image=haproxy_image.image_id,
            command=["haproxy", "-W", "-db", "-f", f"{CONTAINER_CONFIG_DIR}/{CONFIG_NAME}"],
            networks_advanced=[docker.ContainerNetworksAdvancedArgs(name=args["network"])],
            # Loopback unless bluegreen:docker.publishAddress opens them; see router_security.py.
            ports=[docker.ContainerPortArgs(**port) for port in published_ports(spec)],
            capabilities=docker.ContainerCapabilitiesArgs(drops=list(DROPPED_CAPABILITIES)),
            **router_limits(spec),
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
            opts=pulumi.ResourceOptions(
                parent=self, aliases=moved, depends_on=[self.config], delete_before_replace=True
            ),
        )
        self.router_name = pulumi.Output.from_input(router)
        self.register_outputs({"routerContainer": self.router_name})
