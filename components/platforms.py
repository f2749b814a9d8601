"""Pick the platform's BlueGreenService from `bluegreen:platform`.

Imports are lazy so a docker stack never loads the AWS or Kubernetes SDKs.
"""

from typing import Protocol

import pulumi

from .spec import BlueGreenSpec


class PlatformService(Protocol):
    """What every platform's component offers the stack."""

    @property
    def url(self) -> "pulumi.Output[str] | pulumi.Output[str | None]":
        """Production entry point (None when only a shared Gateway listener knows the host name)."""
        ...

    @property
    def test_url(self) -> pulumi.Output[str]: ...

    def platform_outputs(self) -> dict[str, pulumi.Input[object]]:
        """Router and per-color ids, exported as stack outputs (e.g. `listenerArn`)."""
        ...


def create_service(spec: BlueGreenSpec) -> PlatformService:
    """The stack's one service, built through the same typed API another program would use."""
    name = spec.service.name
    service, blue, green, traffic = spec.service, spec.blue, spec.green, spec.traffic
    if spec.platform == "aws":
        from .aws import AwsBlueGreenService

        return AwsBlueGreenService(
            name, {"service": service, "blue": blue, "green": green, "traffic": traffic, "aws": spec.aws_config}
        )
    if spec.platform == "kubernetes":
        from .kubernetes import KubernetesBlueGreenService, KubernetesServiceArgs

        args: KubernetesServiceArgs = {
            "service": service, "blue": blue, "green": green, "traffic": traffic, "kubernetes": spec.kubernetes
        }
        if spec.preview_token is not None:
            # Decrypted by the engine for the program: registered again as a secret, never as plain text.
            args["preview_token"] = pulumi.Output.secret(spec.preview_token)
        return KubernetesBlueGreenService(name, args)
    from .docker import DockerBlueGreenService

    return DockerBlueGreenService(
        name, {"service": service, "blue": blue, "green": green, "traffic": traffic, "docker": spec.docker}
    )
