"""What one color runs: its Deployment, Service and PodDisruptionBudget specs, as the API takes them.

Pure functions of the validated spec and a color. Nothing here reads the traffic
weights, which is what keeps a flip from rolling pods (see tests/test_kubernetes_flip.py).
"""

from typing import Any

from ..health import kubernetes_probes
from ..spec import BlueGreenSpec, Color
from ..spec.kubernetes import Rollout
from .labels import color_labels, color_selector
from .shutdown import ShutdownTiming, pre_stop_handler, shutdown_timing

PORT_NAME = "http"
COLOR_ENV = "BLUEGREEN_COLOR"
# Pulumi waits for a Service's endpoints to be ready; a Service over 0 pods never is.
SKIP_AWAIT = {"pulumi.com/skipAwait": "true"}


def object_name(app: str, color: Color) -> str:
    """Kubernetes name of a color's Deployment, Service and PodDisruptionBudget: `web-blue`."""
    return f"{app}-{color}"


def rolling_update(rollout: Rollout) -> dict[str, Any]:
    """The Deployment `strategy`: surge new pods in before old ones go, by default."""
    return {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": rollout.max_surge, "maxUnavailable": rollout.max_unavailable},
    }


def color_shutdown(spec: BlueGreenSpec) -> ShutdownTiming:
    """preStop and grace period, from the readiness probe the pods actually get."""
    readiness = kubernetes_probes(spec.service.health_check, spec.service.port)["readinessProbe"]
    return shutdown_timing(
        readiness["periodSeconds"], spec.kubernetes.endpoint_propagation_seconds, spec.service.drain_seconds
    )


def container(spec: BlueGreenSpec, color: Color) -> dict[str, Any]:
    port = spec.service.port
    return {
        "name": spec.service.name,
        "image": spec.color(color).image,
        "ports": [{"name": PORT_NAME, "containerPort": port, "protocol": "TCP"}],
        "env": [{"name": COLOR_ENV, "value": color}],
        **kubernetes_probes(spec.service.health_check, port),
        "lifecycle": {
            "preStop": pre_stop_handler(spec.kubernetes.pre_stop, color_shutdown(spec).pre_stop_seconds)
        },
    }


def deployment_spec(spec: BlueGreenSpec, color: Color) -> dict[str, Any]:
    app = spec.service.name
    rollout = spec.kubernetes.rollout
    return {
        "replicas": spec.replicas(color),
        "selector": {"matchLabels": color_selector(app, color)},
        "minReadySeconds": rollout.min_ready_seconds,
        "progressDeadlineSeconds": rollout.progress_deadline_seconds,
        "strategy": rolling_update(rollout),
        "template": {
            "metadata": {"labels": color_labels(app, color)},
            "spec": {
                "terminationGracePeriodSeconds": color_shutdown(spec).grace_seconds,
                "containers": [container(spec, color)],
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
