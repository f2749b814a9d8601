"""KubernetesColor: one color's Deployment, Service and (with more than one replica) PodDisruptionBudget."""

from collections.abc import Sequence
from typing import Any, NotRequired, TypedDict, cast

import pulumi
import pulumi_kubernetes as k8s

from .labels import color_labels
from .workload import (
    ColorWorkload,
    deployment_spec,
    disruption_budget_spec,
    needs_disruption_budget,
    object_name,
    service_annotations,
    service_spec,
)


class KubernetesColorArgs(TypedDict):
    """What one color needs from its parent: its own values, never the traffic weights."""

    workload: ColorWorkload
    """Image, replicas, port, health spec and Kubernetes settings of this color."""
    depends_on: NotRequired[Sequence[pulumi.Resource]]
    """Resources that must exist first (the Namespace, when the stack creates it)."""


class KubernetesColor(pulumi.ComponentResource):
    """The workload of one color, named `{app}-{color}` in Kubernetes."""

    deployment: k8s.apps.v1.Deployment
    service: k8s.core.v1.Service
    deployment_name: str
    service_name: str

    def __init__(self, name: str, args: KubernetesColorArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("bluegreen:index:KubernetesColor", name, None, opts)
        workload = args["workload"]
        color, app, namespace = workload.color, workload.service.name, workload.kubernetes.namespace
        replicas = workload.replicas
        self.deployment_name = self.service_name = object_name(app, color)
        child = pulumi.ResourceOptions(parent=self, depends_on=list(args.get("depends_on", ())))
        labels = color_labels(app, color)

        # The specs are spelled in camelCase, as the Kubernetes API and its manifests spell them. The SDK
        # passes such dicts through unchanged, but its TypedDicts only know the snake_case spelling,
        # hence `cast(Any, ...)` where each spec goes in.
        self.deployment = k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata={"name": self.deployment_name, "namespace": namespace, "labels": labels},
            spec=cast(Any, deployment_spec(workload)),
            opts=child,
        )
        self.service = k8s.core.v1.Service(
            f"{name}-service",
            metadata={
                "name": self.service_name,
                "namespace": namespace,
                "labels": labels,
                "annotations": service_annotations(replicas),
            },
            spec=cast(Any, service_spec(app, color, workload.service.port)),
            opts=child,
        )
        outputs = {"deploymentName": self.deployment_name, "serviceName": self.service_name}
        if needs_disruption_budget(replicas):
            k8s.policy.v1.PodDisruptionBudget(
                f"{name}-pdb",
                metadata={"name": object_name(app, color), "namespace": namespace, "labels": labels},
                spec=cast(Any, disruption_budget_spec(app, color)),
                opts=child,
            )
        self.register_outputs(outputs)
