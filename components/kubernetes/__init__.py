"""Platform `kubernetes`: blue and green Deployments behind a Service selector or Gateway API HTTPRoutes."""

from .service import KubernetesBlueGreenService

__all__ = ["KubernetesBlueGreenService"]
