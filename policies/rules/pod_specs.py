"""Pull pod specs and their containers out of Kubernetes workloads.

Deployments, StatefulSets, DaemonSets and ReplicaSets carry the pod spec at
`spec.template.spec`; a bare Pod at `spec`. Jobs and CronJobs are not listed on
purpose: they run to completion and serve no traffic, so probes do not apply.
"""

from typing import Any

from .values import dig, items, mapping, show

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
WORKLOADS = frozenset(
    {
        DEPLOYMENT,
        "kubernetes:apps/v1:StatefulSet",
        "kubernetes:apps/v1:DaemonSet",
        "kubernetes:apps/v1:ReplicaSet",
    }
)
POD = "kubernetes:core/v1:Pod"
POD_CARRIERS = WORKLOADS | {POD}
PROBES = ("readinessProbe", "livenessProbe", "startupProbe")


def pod_spec(type_token: str, props: dict[str, Any]) -> dict[str, Any]:
    if type_token == POD:
        return mapping(props.get("spec"))
    return mapping(dig(props, "spec", "template", "spec"))


def pod_labels(props: dict[str, Any]) -> dict[str, Any]:
    return mapping(dig(props, "spec", "template", "metadata", "labels"))


def containers(type_token: str, props: dict[str, Any]) -> list[dict[str, Any]]:
    """The serving containers; init containers are exempt (they finish before the pod is ready)."""
    return [c for c in items(pod_spec(type_token, props).get("containers")) if isinstance(c, dict)]


def container_name(container: dict[str, Any], index: int) -> str:
    name = container.get("name")
    return f"container {show(name)}" if isinstance(name, str) else f"container #{index + 1}"


def namespace(props: dict[str, Any]) -> str | None:
    value = dig(props, "metadata", "namespace")
    return value if isinstance(value, str) else None
