"""One color on Docker: its image pulled once and `replicas` health-checked app containers."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_docker as docker

from ..health import docker_healthcheck
from ..spec import Color, Service
from .router_security import DROPPED_CAPABILITIES, NO_NEW_PRIVILEGES


@dataclass(frozen=True)
class AppConfinement:
    """The app containers' privileges: the secure default, or the opt-outs bluegreen:docker names."""

    no_new_privileges: bool = True
    """`no-new-privileges:true`: setuid binaries in the image cannot raise privileges."""
    added_capabilities: tuple[str, ...] = ()
    """Given back after dropping ALL (bluegreen:docker.appCapabilities)."""

    def container_args(self) -> dict[str, Any]:
        """`security_opts` and `capabilities` of `docker.Container`."""
        return {
            "security_opts": [NO_NEW_PRIVILEGES] if self.no_new_privileges else [],
            "capabilities": docker.ContainerCapabilitiesArgs(
                drops=list(DROPPED_CAPABILITIES), adds=list(self.added_capabilities) or None
            ),
        }


class DockerColorArgs(TypedDict):
    """One color's own values: never the traffic weights."""

    color: Color
    """Which color this is."""
    image: str
    """Image reference of this color."""
    replicas: Sequence[str]
    """Container name of each replica (also its DNS name on the network, which the router uses)."""
    service: Service
    """Name, port, health spec and drain time (platform-neutral)."""
    network: pulumi.Input[str]
    """Name of the stack's Docker network (the router resolves replicas there by name)."""
    confinement: NotRequired[AppConfinement]
    """What the app may do on the host; all capabilities dropped and no new privileges when absent."""


class DockerColor(pulumi.ComponentResource):
    """The app containers of one color, on the stack's network, each with the shared Docker healthcheck."""

    container_names: pulumi.Output[list[str]]

    def __init__(self, name: str, args: DockerColorArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("bluegreen:index:DockerColor", name, None, opts)
        color, service = args["color"], args["service"]
        image_ref = args["image"]
        # keep_locally: `make down` should not delete an image the user may still use.
        image = docker.RemoteImage(
            f"{name}-image", name=image_ref, keep_locally=True, opts=pulumi.ResourceOptions(parent=self)
        )
        names = list(args["replicas"])
        confinement = args.get("confinement") or AppConfinement()
        for index, replica in enumerate(names):
            docker.Container(
                f"{name}-{index}",
                name=replica,
                # The image ID, not the tag: pulumi-docker stores the ID in state, so a tag
                # here would differ from state on every update and replace every replica,
                # flips included. The ID only changes when the color's image does.
                image=image.image_id,
                networks_advanced=[docker.ContainerNetworksAdvancedArgs(name=args["network"])],
                healthcheck=docker.ContainerHealthcheckArgs(
                    **docker_healthcheck(service.health_check, service.port)
                ),
                labels=[
                    docker.ContainerLabelArgs(label="bluegreen.service", value=service.name),
                    docker.ContainerLabelArgs(label="bluegreen.color", value=color),
                ],
                restart="unless-stopped",
                **confinement.container_args(),
                # A replica being removed gets the drain time to finish in-flight requests.
                stop_timeout=service.drain_seconds,
                destroy_grace_seconds=service.drain_seconds,
                # A container name is unique per engine, so a replacement must remove the old
                # one first (pulumi-docker would otherwise create first and hit a name conflict).
                opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True),
            )
        self.container_names = pulumi.Output.from_input(names)
        self.register_outputs({"containerNames": self.container_names})
