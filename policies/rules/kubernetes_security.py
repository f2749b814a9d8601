"""Kubernetes secure defaults: pods meet the Pod Security "restricted" profile and say what resources they need.

A pod that may run as root, gain privileges or keep Linux capabilities turns a bug in
the app into a foothold on the node; one without requests is scheduled blind and one
without a memory limit can starve its neighbours (both colors run side by side during a
release). `allowRoot` is the opt-out for images that must run as root
(`bluegreen:kubernetes.podSecurity: baseline`): it waives runAsNonRoot and the dropped
capabilities, not the rest.
"""

from collections.abc import Iterator, Mapping
from typing import Any

from .pod_specs import POD_CARRIERS, container_name, pod_spec
from .spec import Knob, Rule, Subject
from .values import UNKNOWN, dig, has_unknown, items, mapping, show

SECCOMP_PROFILES = ("RuntimeDefault", "Localhost")


def _all_containers(subject: Subject) -> Iterator[tuple[str, dict[str, Any]]]:
    """Init containers too: the restricted profile applies to every container of the pod."""
    spec = pod_spec(subject.type, subject.props)
    for key in ("initContainers", "containers"):
        for index, container in enumerate(items(spec.get(key))):
            if isinstance(container, dict):
                where = container_name(container, index)
                yield (f"init {where}" if key == "initContainers" else where), container


def _effective(container: dict[str, Any], pod: dict[str, Any], *path: str) -> Any:
    """A container's setting, or the pod's when the container leaves it unset (as the kubelet resolves it)."""
    own = dig(container, "securityContext", *path)
    return dig(pod, "securityContext", *path) if own is None else own


def restricted(subject: Subject, config: Mapping[str, Any]) -> list[str]:
    pod = pod_spec(subject.type, subject.props)
    if pod.get("securityContext") is UNKNOWN:
        return []
    messages = []
    for where, container in _all_containers(subject):
        if container.get("securityContext") is UNKNOWN:
            continue
        missing = []
        if not config["allowRoot"] and _effective(container, pod, "runAsNonRoot") not in (True, UNKNOWN):
            missing.append("runAsNonRoot: true")
        if dig(container, "securityContext", "allowPrivilegeEscalation") not in (False, UNKNOWN):
            missing.append("allowPrivilegeEscalation: false")
        drops = dig(container, "securityContext", "capabilities", "drop")
        if not config["allowRoot"] and not has_unknown(drops) and "ALL" not in items(drops):
            missing.append('capabilities.drop: ["ALL"]')
        seccomp = _effective(container, pod, "seccompProfile", "type")
        if seccomp is not UNKNOWN and seccomp not in SECCOMP_PROFILES:
            missing.append("seccompProfile.type: RuntimeDefault")
        if missing:
            messages.append(
                f"{subject.label} {where} does not meet the restricted Pod Security profile: it lacks "
                f"{', '.join(missing)}; set them in the pod or container securityContext (or set allowRoot for an "
                "image that must run as root)."
            )
    return messages


REQUIRED_RESOURCES = (("requests", "cpu"), ("requests", "memory"), ("limits", "memory"))


def resources_set(subject: Subject, config: Mapping[str, Any]) -> list[str]:
    messages = []
    for where, container in _all_containers(subject):
        resources = container.get("resources")
        if resources is UNKNOWN:
            continue
        missing = [
            f"{kind}.{name}" for kind, name in REQUIRED_RESOURCES if dig(mapping(resources), kind, name) in (None, "")
        ]
        if missing:
            messages.append(
                f"{subject.label} {where} has no {', '.join(missing)} (resources {show(resources)}), so it is "
                "scheduled without a reservation and may starve the other color on the node; set "
                'resources.requests {cpu, memory} and resources.limits.memory (e.g. "100m", "128Mi", "256Mi").'
            )
    return messages


RULES = [
    Rule(
        name="k8s-pod-security-restricted",
        description="Pod templates meet the restricted Pod Security profile: non-root, no privilege escalation, "
        "all capabilities dropped, RuntimeDefault seccomp.",
        types=POD_CARRIERS,
        check=restricted,
        level="mandatory",
        severity="high",
        knobs={
            "allowRoot": Knob(
                {"type": "boolean"},
                False,
                "true waives runAsNonRoot and the dropped capabilities, for images that must run as root.",
            )
        },
    ),
    Rule(
        name="k8s-resources-set",
        description="Every container requests CPU and memory and has a memory limit.",
        types=POD_CARRIERS,
        check=resources_set,
        level="mandatory",
        severity="medium",
    ),
]
