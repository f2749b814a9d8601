"""Platform `docker`: the local blue/green stack behind a hot-reloaded HAProxy."""

from .service import DockerBlueGreenService

__all__ = ["DockerBlueGreenService"]
