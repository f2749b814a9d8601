"""Kubernetes stack rules: what a Deployment needs once a Service sends it traffic.

A Service "fronts" a Deployment when its selector matches the pod template's labels
(in the same namespace; an unset namespace matches any, since the provider fills it).
"""

from collections import Counter
from collections.abc import Mapping
from typing import Any

from .label_index import LabelsIndex, SelectorsIndex
from .pod_specs import DEPLOYMENT, PROBES, containers, namespace, pod_labels, pod_spec
from .spec import Knob, StackResource, StackRule
from .values import UNKNOWN, canonical, dig, has_unknown, items, mapping, number, show

SERVICE = "kubernetes:core/v1:Service"
PDB_TYPES = frozenset({"kubernetes:policy/v1:PodDisruptionBudget", "kubernetes:policy/v1beta1:PodDisruptionBudget"})


def is_http_route(type_token: str) -> bool:
    return type_token.startswith("kubernetes:gateway.networking.k8s.io/") and type_token.endswith(":HTTPRoute")


def _same_namespace(a: StackResource, b: StackResource) -> bool:
    ns_a, ns_b = namespace(a.props), namespace(b.props)
    return ns_a is None or ns_b is None or ns_a == ns_b


def service_selector(service: StackResource) -> dict[str, Any]:
    return mapping(dig(service.props, "spec", "selector"))


def _budget_selector(budget: StackResource) -> dict[str, Any]:
    return mapping(dig(budget.props, "spec", "selector", "matchLabels"))


def _pods_labels(deployment: StackResource) -> dict[str, Any]:
    return pod_labels(deployment.props)


def _of_type(resources: list[StackResource], *types: str) -> list[StackResource]:
    return [r for r in resources if r.type in types]


def fronted(resources: list[StackResource]) -> list[tuple[StackResource, list[StackResource]]]:
    """Each Deployment with the Services that select its pods (only those with at least one)."""
    services = SelectorsIndex(_of_type(resources, SERVICE), service_selector)
    result = []
    for deployment in _of_type(resources, DEPLOYMENT):
        selecting = [s for s in services.selecting(_pods_labels(deployment)) if _same_namespace(s, deployment)]
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
    all_budgets = _of_type(resources, *PDB_TYPES)
    budgets = SelectorsIndex(all_budgets, _budget_selector)
    # A budget whose selector is computed at deploy time may be the one that covers a Deployment.
    unknown_budgets = [b for b in all_budgets if has_unknown(dig(b.props, "spec", "selector", "matchLabels"))]
    found = []
    for deployment, services in fronted(resources):
        replicas = _replicas(deployment)
        if replicas is None or replicas == 0:
            continue
        covering = [b for b in budgets.selecting(_pods_labels(deployment)) if _same_namespace(b, deployment)]
        if not covering:
            if any(_same_namespace(b, deployment) for b in unknown_budgets):
                continue
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
    by_name = {_object_name(s): s for s in services}
    groups = []
    for route in (r for r in resources if is_http_route(r.type)):
        for rule in items(dig(route.props, "spec", "rules")):
            names = [mapping(ref).get("name") for ref in items(mapping(rule).get("backendRefs"))]
            # A name that is not a string (malformed) names no Service.
            group = [by_name[name] for name in names if isinstance(name, str) and name in by_name]
            if len(group) > 1:
                groups.append(group)
    apps: dict[str, list[StackResource]] = {}
    for service in services:
        selector = service_selector(service)
        app = {k: v for k, v in selector.items() if k not in color_labels}
        if app and len(app) < len(selector):
            apps.setdefault(canonical(app) + (namespace(service.props) or ""), []).append(service)
    groups.extend(group for group in apps.values() if len(group) > 1)
    return groups


def _object_name(resource: StackResource) -> str:
    """`metadata.name` when it is a string, else the Pulumi name (the provider's auto-name starts with it)."""
    name = dig(resource.props, "metadata", "name")
    return name if isinstance(name, str) and name else resource.name


def _probes(deployment: StackResource) -> list[dict[str, Any]]:
    return [{key: c.get(key) for key in PROBES} for c in containers(deployment.type, deployment.props)]


def _probes_unknown(deployment: StackResource) -> bool:
    """Whether any probe, or the list of containers holding them, is computed at deploy time."""
    listed = pod_spec(deployment.type, deployment.props).get("containers")
    if listed is UNKNOWN or (isinstance(listed, list) and UNKNOWN in listed):
        return True
    return has_unknown(_probes(deployment))


def _probe_key(deployment: StackResource) -> str:
    # Compared as text: 1 == True == 1.0 in Python, but a probe field of another type is a difference.
    return canonical(_probes(deployment))


def _outliers(backends: list[StackResource], keys: Mapping[str, str]) -> list[StackResource]:
    """Backends whose probes differ from the majority; every backend when there is no majority (blue vs green)."""
    counts = Counter(keys[b.urn] for b in backends)
    if len(counts) < 2:
        return []
    top = max(counts.values())
    majority = [key for key, count in counts.items() if count == top]
    usual = majority[0] if len(majority) == 1 else None
    return [b for b in backends if keys[b.urn] != usual]


# Backends a message names before it says "and N more": naming all of a thousand would make every
# message a thousand names long, and the messages together quadratic.
NAMED_OTHERS = 3


def _others(by_key: Mapping[str, list[StackResource]], own: str) -> list[StackResource]:
    """The first few backends whose probes differ from `own`: at most NAMED_OTHERS + 1 groups are visited."""
    shown: list[StackResource] = []
    for key, group in by_key.items():
        if len(shown) >= NAMED_OTHERS:
            break
        if key != own:
            shown.extend(group[: NAMED_OTHERS - len(shown)])
    return shown


def _named_others(others: list[StackResource], total: int) -> str:
    more = total - len(others)
    return _names(others) + (f" and {more} more" if more else "")


def router_backends_identical_probes(
    resources: list[StackResource], config: Mapping[str, Any]
) -> list[tuple[str, str]]:
    services = _of_type(resources, SERVICE)
    deployments = LabelsIndex(_of_type(resources, DEPLOYMENT), _pods_labels)
    # Linear in the stack: each Deployment's probes become text once, each distinct selector is looked up
    # once (a thousand Services with one selector), and messages name a bounded number of other backends.
    keys: dict[str, str] = {}
    selected: dict[str, list[StackResource]] = {}
    found, reported = [], set()
    for group in _route_groups(resources, services, {c for c in config["colorLabels"] if isinstance(c, str)}):
        by_urn: dict[str, StackResource] = {}
        for service in group:
            selector = service_selector(service)
            lookup = canonical(selector)
            if lookup not in selected:
                selected[lookup] = deployments.selected_by(selector)
            for d in selected[lookup]:
                if _same_namespace(service, d):
                    by_urn.setdefault(d.urn, d)
        backends = list(by_urn.values())
        if any(_probes_unknown(b) for b in backends):
            continue
        for backend in backends:
            if backend.urn not in keys:
                keys[backend.urn] = _probe_key(backend)
        by_key: dict[str, list[StackResource]] = {}
        for backend in backends:
            by_key.setdefault(keys[backend.urn], []).append(backend)
        for backend in _outliers(backends, keys):
            if backend.urn in reported:
                continue  # one router may appear twice (HTTPRoute and selector flip)
            reported.add(backend.urn)
            own = keys[backend.urn]
            others, total = _others(by_key, own), len(backends) - len(by_key[own])
            found.append(
                (
                    backend.urn,
                    f"{backend.label} takes traffic from the same router as {_named_others(others, total)} "
                    f"(Services {_names(group[:NAMED_OTHERS])}{'…' if len(group) > NAMED_OTHERS else ''}) but "
                    f"its probes differ: {show(_probes(backend))} vs {show(_probes(others[0]))}, so one color may "
                    "be marked ready before it can serve; render every color's probes from the same health check.",
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
