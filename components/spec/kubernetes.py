"""`bluegreen:kubernetes`: namespace, rollout knobs and the optional Gateway API router."""

from typing import TYPE_CHECKING

from .base import ConfigModel, NonEmptyStr
from .problems import ConfigProblem

if TYPE_CHECKING:
    from .root import BlueGreenSpec


class GatewayRef(ConfigModel):
    """A Gateway API Gateway that the HTTPRoute attaches to."""

    name: NonEmptyStr
    namespace: NonEmptyStr | None = None


class KubernetesConfig(ConfigModel):
    """Settings for platform `kubernetes`."""

    namespace: NonEmptyStr = "default"
    """Namespace that holds every resource."""
    gateway: GatewayRef | None = None
    """When set, traffic is split by HTTPRoute weights instead of a Service selector."""


def kubernetes_problems(spec: "BlueGreenSpec") -> list[ConfigProblem]:
    """Rules that tie `bluegreen:kubernetes` to the rest of the config."""
    weights = (spec.traffic.blue, spec.traffic.green)
    if spec.kubernetes.gateway is None and sorted(weights) != [0, 100]:
        return [
            ConfigProblem(
                "bluegreen:traffic",
                spec.traffic.model_dump(),
                "a Service selector can only send 100% to one color; set "
                "bluegreen:kubernetes.gateway (a Gateway API Gateway) to split traffic by weight",
            )
        ]
    return []
