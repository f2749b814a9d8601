"""Platform `kubernetes`: blue and green Deployments behind a Service selector or Gateway API HTTPRoutes."""

from ..service_args import KubernetesServiceArgs
from .service import KubernetesBlueGreenService

BlueGreenService = KubernetesBlueGreenService
"""The platform's service component under its library name: `components.kubernetes.BlueGreenService`."""

__all__ = ["BlueGreenService", "KubernetesBlueGreenService", "KubernetesServiceArgs"]
