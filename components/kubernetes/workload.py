"""What one color runs: its Deployment, Service and PodDisruptionBudget specs, as the API takes them.

Pure functions of one color's own values (`ColorWorkload`). Nothing here can read the traffic
weights, which is what keeps a flip from rolling pods (see tests/test_kubernetes_flip.py).
"""

from dataclasses import dataclass
from typing import Any

from ..health import kubernetes_probes
from ..spec import BlueGreenSpec, Color, KubernetesConfig, Service
from ..spec.kubernetes import Rollout
from .labels import color_labels, color_selector
from .pod_security import container_security_context, pod_security_context
from .shutdown import ShutdownTiming, pre_stop_handler, shutdown_timing

PORT_NAME = "http"
COLOR_ENV = "BLUEGREEN_COLOR"
# Pulumi waits for a Service's endpoints to be ready; a Service over 0 pods never is.
SKIP_AWAIT = {"pulumi.com/skipAwait": "true"}


@dataclass(frozen=True)
class ColorWorkload:
    """What one color's Deployment is made of: its own values, and no traffic weights."""

    color: Color
    """Which color this is."""
    image: str
    """Container image of this color."""
    replicas: int
    """Pods of this color."""
    service: Service
    """Name, port, health spec and drain time (platform-neutral)."""
    kubernetes: KubernetesConfig
    """Namespace, rollout and shutdown settings."""

    @classmethod
    def of(cls, spec: BlueGreenSpec, color: Color) -> "ColorWorkload":
        return cls(color, spec.color(color).image, spec.replicas(color), spec.service, spec.kubernetes)


def object_name(app: str, color: Color) -> str:
    """Kubernetes name of a color's Deployment, Service and PodDisruptionBudget: `web-blue`."""
    return f"{app}-{color}"


def rolling_update(rollout: Rollout) -> dict[str, Any]:
    """The Deployment `strategy`: surge new pods in before old ones go, by default."""
    return {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": rollout.max_surge, "maxUnavailable": rollout.max_unavailable},
    }


def color_shutdown(service: Service, kubernetes: KubernetesConfig) -> ShutdownTiming:
    """preStop and grace period, from the readiness probe the pods actually get."""
    readiness = kubernetes_probes(service.health_check, service.port)["readinessProbe"]
    return shutdown_timing(
        readiness["periodSeconds"], kubernetes.endpoint_propagation_seconds, service.drain_seconds
    )


def container(workload: ColorWorkload) -> dict[str, Any]:
    service, kubernetes = workload.service, workload.kubernetes
    port = service.port
    return {
        "name": service.name,
        "image": workload.image,
        "ports": [{"name": PORT_NAME, "containerPort": port, "protocol": "TCP"}],
        "env": [{"name": COLOR_ENV, "value": workload.color}],
        **kubernetes_probes(service.health_check, port),
        "lifecycle": {
            "preStop": pre_stop_handler(kubernetes.pre_stop, color_shutdown(service, kubernetes).pre_stop_seconds)
        },
        "resources": kubernetes.resources.as_dict(),
        "securityContext": container_security_context(kubernetes),
    }


def deployment_spec(workload: ColorWorkload) -> dict[str, Any]:
    app, color = workload.service.name, workload.color
    rollout = workload.kubernetes.rollout
    return {
        "replicas": workload.replicas,
        "selector": {"matchLabels": color_selector(app, color)},
        "minReadySeconds": rollout.min_ready_seconds,
        "progressDeadlineSeconds": rollout.progress_deadline_seconds,
        "strategy": rolling_update(rollout),
        "template": {
            "metadata": {"labels": color_labels(app, color)},
            "spec": {
                "terminationGracePeriodSeconds": color_shutdown(workload.service, workload.kubernetes).grace_seconds,
                # No API token in the pod unless the app calls the Kubernetes API.
                "automountServiceAccountToken": workload.kubernetes.automount_service_account_token,
                "securityContext": pod_security_context(workload.kubernetes),
                "containers": [container(workload)],
            },
        },
    }


def service_spec(app: str, color: Color, port: int) -> dict[str, Any]:
    """A ClusterIP Service over one color's pods; HTTPRoutes and smoke tests reach a color through it."""
    return {
        "type": "ClusterIP",
        "selector": color_selector(app, color),
        "ports": [{"name": PORT_NAME, "port": port, "targetPort": PORT_NAME, "protocol": "TCP"}],
    }


def service_annotations(replicas: int) -> dict[str, str]:
    return dict(SKIP_AWAIT) if replicas == 0 else {}


def needs_disruption_budget(replicas: int) -> bool:
    """One pod has nothing to keep up during a drain; a budget on it would only block node drains."""
    return replicas > 1


def disruption_budget_spec(app: str, color: Color) -> dict[str, Any]:
    # maxUnavailable (not minAvailable) so a drain can always evict one pod at a time,
    # whatever the replica count: the budget slows disruption down, it never blocks it.
    return {"maxUnavailable": 1, "selector": {"matchLabels": color_selector(app, color)}}
