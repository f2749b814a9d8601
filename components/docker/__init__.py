"""Platform `docker`: the local blue/green stack behind a hot-reloaded HAProxy."""

from ..service_args import DockerServiceArgs
from .service import DockerBlueGreenService

BlueGreenService = DockerBlueGreenService
"""The platform's service component under its library name: `components.docker.BlueGreenService`."""

__all__ = ["BlueGreenService", "DockerBlueGreenService", "DockerServiceArgs"]
