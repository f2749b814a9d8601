"""Platform `docker`: the local blue/green stack behind a hot-reloaded HAProxy.

The component and its arguments load on first use (PEP 562): importing a submodule such as
`components.docker.haproxy_config` (the release analysis reads its backend name, on every platform)
then costs no `pulumi_docker`, about 0.1 s of CPU in each process of an AWS or Kubernetes stack.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..service_args import DockerServiceArgs
    from .service import DockerBlueGreenService

    BlueGreenService = DockerBlueGreenService

__all__ = ["BlueGreenService", "DockerBlueGreenService", "DockerServiceArgs"]


def __getattr__(name: str) -> Any:
    """`BlueGreenService` is the platform's service component under its library name."""
    if name in ("BlueGreenService", "DockerBlueGreenService"):
        from .service import DockerBlueGreenService

        return DockerBlueGreenService
    if name == "DockerServiceArgs":
        from ..service_args import DockerServiceArgs

        return DockerServiceArgs
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
