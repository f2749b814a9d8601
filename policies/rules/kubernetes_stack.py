"""Kubernetes stack rules: what a Deployment needs once a Service sends it traffic.

A Service "fronts" a Deployment when its selector matches the pod template's labels
(in the same namespace; an unset namespace matches any, since the provider fills it).
"""

from collections.abc import Mapping
from typing import Any

from .pod_specs import DEPLOYMENT, PROBES, containers, namespace, pod_labels
from .spec import Knob, StackResource, StackRule
from .values import UNKNOWN, dig, items, mapping, number, show

SERVICE = "kubernetes:core/v1:Service"
PDB_TYPES = frozenset({"kubernetes:policy/v1:PodDisruptionBudget", "kubernetes:policy/v1beta1:PodDisruptionBudget"})


def is_http_route(type_token: str) -> bool:
    return type_token.startswith("kubernetes:gateway.networking.k8s.io/") and type_token.endswith(":HTTPRoute")


def _same_namespace(a: StackResource, b: StackResource) -> bool:
    ns_a, ns_b = namespace(a.props), namespace(b.props)
    return ns_a is None or ns_b is None or ns_a == ns_b


def _selects(selector: Mapping[str, Any], labels: Mapping[str, Any]) -> bool:
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


def service_selector(service: StackResource) -> dict[str, Any]:
    return mapping(dig(service.props, "spec", "selector"))


def fronted(resources: list[StackResource]) -> list[tuple[StackResource, list[StackResource]]]:
    """Each Deployment with the Services that select its pods (only those with at least one)."""
    services = [r for r in resources if r.type == SERVICE]
    result = []
    for deployment in (r for r in resources if r.type == DEPLOYMENT):
        labels = pod_labels(deployment.props)
        selecting = [s for s in services if _same_namespace(s, deployment) and _selects(service_selector(s), labels)]
        if selecting:
            result.append((deployment, selecting))
    return result


def _replicas(deployment: StackResource) -> float | None:
    raw = dig(deployment.props, "spec", "replicas")
    return 1.0 if raw is None else number(raw)


def _names(resources: list[StackResource]) -> str:
    return ", ".join(f'"{r.name}"' for r in resources)


def replicas_behind_service(resources: list[StackResource], config: Mapping[str, Any]) -> list[tuple[str, str]]:
    minimum = config["minReplicas"]
    found = []
    for deployment, services in fronted(resources):
        replicas = _replicas(deployment)
        # 0 is a color deliberately scaled down; routing weight to it is refused by the program itself.
        if replicas is None or replicas == 0 or replicas >= minimum:
            continue
        found.append(
            (
                deployment.urn,
                f"{deployment.label} has {show(replicas)} replica(s) but Service {_names(services)} sends it traffic; "
                f"one node drain or crash empties the Service. Set spec.replicas to {show(minimum)} or more.",
            )
        )
    return found


def _blocks_all(budget: dict[str, Any], replicas: float) -> str | None:
    max_unavailable, min_available = budget.get("maxUnavailable"), budget.get("minAvailable")
    if max_unavailable in (0, 0.0, "0", "0%"):
        return f"maxUnavailable {show(max_unavailable)}"
    if min_available == "100%":
        return 'minAvailable "100%"'
    value = number(min_available) if not isinstance(min_available, str) else None
    if value is not None and value >= replicas:
        return f"minAvailable {show(min_available)} with {show(replicas)} replicas"
    return None


def disruption_budget(resources: list[StackResource], config: Mapping[str, Any]) -> list[tuple[str, str]]:
    budgets = [r for r in resources if r.type in PDB_TYPES]
    found = []
    for deployment, services in fronted(resources):
        replicas = _replicas(deployment)
        if replicas is None or replicas == 0:
            continue
        labels = pod_labels(deployment.props)
        covering = [
            b
            for b in budgets
            if _same_namespace(b, deployment)
            and _selects(mapping(dig(b.props, "spec", "selector", "matchLabels")), labels)
        ]
        if not covering:
            found.append(
                (
                    deployment.urn,
                    f"{deployment.label} is behind Service {_names(services)} but no PodDisruptionBudget selects its "
                    "pods, so a node drain may evict them all at once; add a PodDisruptionBudget with "
                    "maxUnavailable 1 matching its pod labels.",
                )
            )
            continue
        for budget in covering:
            blocking = _blocks_all(mapping(budget.props.get("spec")), replicas)
            if blocking:
                found.append(
                    (
                        deployment.urn,
                        f"{budget.label} for {deployment.label} has {blocking}, which blocks every voluntary "
                        "eviction and stalls node drains and upgrades; use maxUnavailable 1 (or a minAvailable "
                        "below the replica count).",
                    )
                )
    return found


def _route_groups(
    resources: list[StackResource], services: list[StackResource], color_labels: set[str]
) -> list[list[StackResource]]:
    """Services one router splits traffic between: an HTTPRoute's backendRefs, or selector flips.

    A selector flip is two or more Services whose selectors agree on everything except a
    color label (`color: blue` vs `color: green`): the same app, different colors.
    """
    by_name = {(mapping(s.props.get("metadata")).get("name") or s.name): s for s in services}
    groups = []
    for route in (r for r in resources if is_http_route(r.type)):
        for rule in items(dig(route.props, "spec", "rules")):
            refs = [
                by_name.get(ref.get("name")) for ref in items(mapping(rule).get("backendRefs")) if isinstance(ref, dict)
            ]
            group = [s for s in refs if s is not None]
            if len(group) > 1:
                groups.append(group)
    apps: dict[str, list[StackResource]] = {}
    for service in services:
        selector = service_selector(service)
        app = {k: v for k, v in selector.items() if k not in color_labels}
        if app and len(app) < len(selector):
            apps.setdefault(show(app) + (namespace(service.props) or ""), []).append(service)
    groups.extend(group for group in apps.values() if len(group) > 1)
    return groups


def _probes(deployment: StackResource) -> list[dict[str, Any]]:
    return [{key: c.get(key) for key in PROBES} for c in containers(deployment.type, deployment.props)]


def _outliers(backends: list[StackResource]) -> list[StackResource]:
    """Backends whose probes differ from the majority; every backend when there is no majority (blue vs green)."""
    counts: dict[str, int] = {}
    for backend in backends:
        key = show(_probes(backend))
        counts[key] = counts.get(key, 0) + 1
    if len(counts) < 2:
        return []
    top = max(counts.values())
    majority = [key for key, count in counts.items() if count == top]
    usual = majority[0] if len(majority) == 1 else None
    return [b for b in backends if show(_probes(b)) != usual]


def router_backends_identical_probes(
    resources: list[StackResource], config: Mapping[str, Any]
) -> list[tuple[str, str]]:
    services = [r for r in resources if r.type == SERVICE]
    deployments = [r for r in resources if r.type == DEPLOYMENT]
    found, reported = [], set()
    for group in _route_groups(resources, services, set(config["colorLabels"])):
        backends: list[StackResource] = []
        for service in group:
            for d in deployments:
                selected = _same_namespace(service, d) and _selects(service_selector(service), pod_labels(d.props))
                if selected and d.urn not in {b.urn for b in backends}:
                    backends.append(d)
        if UNKNOWN in (p for b in backends for c in _probes(b) for p in c.values()):
            continue
        for backend in _outliers(backends):
            if backend.urn in reported:
                continue  # one router may appear twice (HTTPRoute and selector flip)
            reported.add(backend.urn)
            others = [b for b in backends if b.urn != backend.urn and _probes(b) != _probes(backend)]
            found.append(
                (
                    backend.urn,
                    f"{backend.label} takes traffic from the same router as {_names(others)} (Services "
                    f"{_names(group)}) but its probes differ: {show(_probes(backend))} vs "
                    f"{show(_probes(others[0]))}, so one color may be marked ready before it can serve; "
                    "render every color's probes from the same health check.",
                )
            )
    return found


RULES = [
    StackRule(
        name="k8s-replicas-behind-service",
        description="Deployments that a Service sends traffic to run at least two replicas.",
        check=replicas_behind_service,
        level="mandatory",
        severity="high",
        knobs={
            "minReplicas": Knob(
                {"type": "integer", "minimum": 1},
                2,
                "Fewest replicas for a Deployment selected by a Service (0 is exempt).",
            )
        },
    ),
    StackRule(
        name="k8s-pod-disruption-budget",
        description="Deployments behind a Service have a PodDisruptionBudget that still allows evictions.",
        check=disruption_budget,
        level="mandatory",
        severity="medium",
    ),
    StackRule(
        name="k8s-router-backends-identical-probes",
        description="Deployments behind one router (both colors) have identical probes.",
        check=router_backends_identical_probes,
        level="mandatory",
        severity="high",
        knobs={
            "colorLabels": Knob(
                {"type": "array", "items": {"type": "string"}},
                ["color", "bluegreen/color", "colour", "slot", "track"],
                "Pod labels that tell colors apart; Services whose selectors differ only in these belong to one app.",
            )
        },
    ),
]
