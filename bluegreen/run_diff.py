"""Compare two program runs resource by resource: what a `pulumi up` between them would touch (`bluegreen plan`, tests).

Replacement is judged from the input paths each provider marks as replace-on-change
(its schema's `replaceOnChanges` / Terraform `ForceNew`), listed below for the types
this project creates. Any other changed input is an in-place update.
"""

from dataclasses import dataclass
from typing import Any, Literal

from bluegreen.program_run import ProgramRun

ChangeKind = Literal["create", "delete", "update", "replace"]

# Input paths whose change forces a new resource, per type token (from the providers' docs).
# "*" means every input: the provider cannot update that type in place.
REPLACE_ON_CHANGE: dict[str, tuple[str, ...]] = {
    "aws:lb/loadBalancer:LoadBalancer": ("name", "internal", "loadBalancerType"),
    "aws:lb/targetGroup:TargetGroup": ("name", "port", "protocol", "vpcId", "targetType"),
    "aws:lb/listener:Listener": ("loadBalancerArn",),
    "aws:ecs/taskDefinition:TaskDefinition": ("*",),
    "aws:ecs/service:Service": ("name", "cluster", "launchType"),
    "aws:ecs/cluster:Cluster": ("name",),
    "aws:ec2/securityGroup:SecurityGroup": ("name", "vpcId", "description"),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ("*",),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": ("*",),
    "aws:cloudwatch/logGroup:LogGroup": ("name",),
    "aws:iam/role:Role": ("name",),
    "kubernetes:apps/v1:Deployment": ("metadata.name", "metadata.namespace", "spec.selector"),
    "kubernetes:core/v1:Service": ("metadata.name", "metadata.namespace", "spec.clusterIP"),
    "kubernetes:core/v1:Namespace": ("metadata.name",),
    "kubernetes:policy/v1:PodDisruptionBudget": ("metadata.name", "metadata.namespace"),
    "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute": ("metadata.name", "metadata.namespace"),
    "docker:index/container:Container": ("*",),
    "docker:index/network:Network": ("*",),
    "docker:index/remoteImage:RemoteImage": ("name",),
    # components/docker/config_resource.py: a new path is a new file; new text reloads in place.
    "pulumi-python:dynamic/haproxy:HaproxyConfig": ("configPath",),
}


@dataclass(frozen=True)
class ResourceChange:
    """One resource that differs between two runs."""

    urn: str
    type: str
    name: str
    kind: ChangeKind
    changed: tuple[str, ...]
    """Top-level input keys whose values differ (empty for create/delete)."""


def diff_runs(before: ProgramRun, after: ProgramRun) -> list[ResourceChange]:
    changes = []
    for urn in sorted(before.resources.keys() | after.resources.keys()):
        old, new = before.resources.get(urn), after.resources.get(urn)
        if old is None:
            assert new is not None
            changes.append(ResourceChange(urn, new.type, new.name, "create", ()))
        elif new is None:
            changes.append(ResourceChange(urn, old.type, old.name, "delete", ()))
        else:
            keys = sorted(old.inputs.keys() | new.inputs.keys())
            changed = tuple(k for k in keys if old.inputs.get(k) != new.inputs.get(k))
            if changed:
                kind: ChangeKind = "replace" if _forces_replacement(old.type, old.inputs, new.inputs) else "update"
                changes.append(ResourceChange(urn, old.type, old.name, kind, changed))
    return changes


def _forces_replacement(type_token: str, old: dict[str, Any], new: dict[str, Any]) -> bool:
    paths = REPLACE_ON_CHANGE.get(type_token, ())
    if "*" in paths:
        return True
    return any(_at_path(old, path) != _at_path(new, path) for path in paths)


def _at_path(inputs: dict[str, Any], path: str) -> Any:
    value: Any = inputs
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value
