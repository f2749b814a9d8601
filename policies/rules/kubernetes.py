"""Kubernetes per-resource rules: probes, rollout strategy, graceful shutdown and image pinning.

Without a readiness probe a pod joins its Service before it can serve; without a
sane liveness probe a slow pod is killed mid-request; a rollout that may take pods
away before new ones are ready, or a grace period that ends inside the preStop
sleep, drops in-flight requests.
"""

import re
from collections.abc import Iterator, Mapping
from typing import Any

from .image_refs import PIN_FIX, image_problem
from .pod_specs import DEPLOYMENT, POD_CARRIERS, PROBES, container_name, containers, pod_spec
from .spec import Knob, Rule, Subject
from .values import UNKNOWN, dig, mapping, number, show

# Kubernetes fills these when a probe leaves them out.
PROBE_DEFAULTS = {
    "initialDelaySeconds": 0,
    "periodSeconds": 10,
    "timeoutSeconds": 1,
    "successThreshold": 1,
    "failureThreshold": 3,
}
HANDLERS = ("httpGet", "tcpSocket", "exec", "grpc")
DEFAULT_GRACE_SECONDS = 30
_SLEEP = re.compile(r"\bsleep\s+(\d+(?:\.\d+)?)")


def _containers(subject: Subject) -> Iterator[tuple[str, dict[str, Any]]]:
    for index, container in enumerate(containers(subject.type, subject.props)):
        yield f"{subject.label} {container_name(container, index)}", container


def _missing_probe(key: str, why: str):
    def check(subject: Subject, config: Mapping[str, Any]) -> list[str]:
        return [
            f"{where} has no {key}; {why}" for where, container in _containers(subject) if container.get(key) is None
        ]

    return check


readiness_required = _missing_probe(
    "readinessProbe",
    "add an httpGet readinessProbe on the health path so the pod gets traffic only once it can serve.",
)
liveness_required = _missing_probe(
    "livenessProbe",
    "add an httpGet livenessProbe (more tolerant than readiness) so a hung process is restarted.",
)


def _timing(probe: dict[str, Any]) -> dict[str, Any]:
    return {key: probe.get(key, default) for key, default in PROBE_DEFAULTS.items()}


def _handler(probe: dict[str, Any]) -> dict[str, Any]:
    return {key: probe[key] for key in HANDLERS if key in probe}


def liveness_differs(subject: Subject, config: Mapping[str, Any]) -> list[str]:
    messages = []
    for where, container in _containers(subject):
        readiness, liveness = container.get("readinessProbe"), container.get("livenessProbe")
        if not isinstance(readiness, dict) or not isinstance(liveness, dict):
            continue
        if _handler(readiness) == _handler(liveness) and _timing(readiness) == _timing(liveness):
            messages.append(
                f"{where} has a livenessProbe identical to its readinessProbe "
                f"({show(_handler(liveness))}, failureThreshold {show(_timing(liveness)['failureThreshold'])}), "
                "so every pod that leaves rotation under load is also restarted; give liveness a higher "
                "failureThreshold (or a cheaper endpoint) than readiness."
            )
    return messages


def probe_timing(subject: Subject, config: Mapping[str, Any]) -> list[str]:
    messages = []
    for where, container in _containers(subject):
        for key in PROBES:
            probe = container.get(key)
            if not isinstance(probe, dict):
                continue
            timing = _timing(probe)
            timeout, period = number(timing["timeoutSeconds"]), number(timing["periodSeconds"])
            if timeout is not None and period is not None and timeout >= period:
                messages.append(
                    f"{where} {key} timeoutSeconds {show(timing['timeoutSeconds'])} is not below periodSeconds "
                    f"{show(timing['periodSeconds'])}; set timeoutSeconds below periodSeconds."
                )
            success = number(timing["successThreshold"])
            if key != "readinessProbe" and success is not None and success != 1:
                messages.append(
                    f"{where} {key} successThreshold is {show(timing['successThreshold'])}; "
                    "it must be 1 for liveness and startup probes."
                )
            failure = number(timing["failureThreshold"])
            if failure is not None and failure < 1:
                messages.append(
                    f"{where} {key} failureThreshold is {show(timing['failureThreshold'])}; set it to 1 or more."
                )
    return messages


def startup_probe_for_slow_start(subject: Subject, config: Mapping[str, Any]) -> list[str]:
    bound = config["maxLivenessInitialDelaySeconds"]
    messages = []
    for where, container in _containers(subject):
        delay = number(dig(container, "livenessProbe", "initialDelaySeconds"))
        if delay is not None and delay > bound and container.get("startupProbe") is None:
            messages.append(
                f"{where} livenessProbe initialDelaySeconds is {show(delay)} (above {show(bound)}) and there is "
                "no startupProbe; add a startupProbe that covers the start-up time and drop the liveness delay, "
                "so a container that hangs later is caught quickly."
            )
    return messages


def _is_zero(value: Any) -> bool:
    return value in (0, 0.0, "0", "0%")


def rolling_update(subject: Subject, config: Mapping[str, Any]) -> list[str]:
    bound = config["replicasBelow"]
    spec = mapping(subject.props.get("spec"))
    replicas = spec.get("replicas", 1)
    if replicas is UNKNOWN or number(replicas) is None or number(replicas) >= bound:
        return []
    strategy = mapping(spec.get("strategy"))
    kind = strategy.get("type", "RollingUpdate")
    if kind == "Recreate":
        return [
            f"{subject.label} uses strategy Recreate with {show(replicas)} replicas, which stops every pod "
            "before starting new ones; use RollingUpdate with maxUnavailable 0."
        ]
    max_unavailable = dig(strategy, "rollingUpdate", "maxUnavailable")
    if max_unavailable is UNKNOWN or _is_zero(max_unavailable):
        return []
    found = "25% (the default)" if max_unavailable is None else show(max_unavailable)
    return [
        f"{subject.label} has {show(replicas)} replicas (below {show(bound)}) and rollingUpdate.maxUnavailable "
        f"{found}, so a rollout may take serving pods away before new ones are ready; set "
        "strategy.rollingUpdate.maxUnavailable to 0 (and maxSurge to 1 or more)."
    ]


def _prestop_sleep(container: dict[str, Any]) -> float | None:
    pre_stop = mapping(dig(container, "lifecycle", "preStop"))
    native = number(dig(pre_stop, "sleep", "seconds"))
    if native is not None:
        return native
    command = dig(pre_stop, "exec", "command")
    if isinstance(command, list):
        match = _SLEEP.search(" ".join(str(part) for part in command))
        if match:
            return float(match.group(1))
    return None


def grace_exceeds_prestop(subject: Subject, config: Mapping[str, Any]) -> list[str]:
    raw_grace = pod_spec(subject.type, subject.props).get("terminationGracePeriodSeconds")
    grace = number(raw_grace) if raw_grace is not None else DEFAULT_GRACE_SECONDS
    if grace is None:
        return []
    found = show(raw_grace) if raw_grace is not None else f"{DEFAULT_GRACE_SECONDS} (the default)"
    messages = []
    for where, container in _containers(subject):
        sleep = _prestop_sleep(container)
        if sleep is not None and grace <= sleep:
            messages.append(
                f"{where} sleeps {show(sleep)}s in preStop but terminationGracePeriodSeconds is {found}, so the "
                "pod is killed before it finishes draining; set terminationGracePeriodSeconds above the preStop "
                "sleep plus the longest request."
            )
    return messages


def image_pinned(subject: Subject, config: Mapping[str, Any]) -> list[str]:
    messages = []
    for where, container in _containers(subject):
        problem = image_problem(container.get("image"))
        if problem:
            messages.append(f"{where}: {problem}; {PIN_FIX}.")
    return messages


RULES = [
    Rule(
        name="k8s-readiness-probe-required",
        description="Serving containers have a readiness probe.",
        types=POD_CARRIERS,
        check=readiness_required,
        level="mandatory",
        severity="critical",
    ),
    Rule(
        name="k8s-liveness-probe-required",
        description="Serving containers have a liveness probe.",
        types=POD_CARRIERS,
        check=liveness_required,
        level="mandatory",
        severity="medium",
    ),
    Rule(
        name="k8s-liveness-differs-from-readiness",
        description="A liveness probe is not a copy of the readiness probe (same handler and thresholds).",
        types=POD_CARRIERS,
        check=liveness_differs,
        level="mandatory",
        severity="high",
    ),
    Rule(
        name="k8s-probe-timing",
        description="Probe timing is sane: timeout below period, success threshold 1 for liveness/startup, "
        "failure threshold at least 1.",
        types=POD_CARRIERS,
        check=probe_timing,
        level="mandatory",
        severity="medium",
    ),
    Rule(
        name="k8s-startup-probe-for-slow-start",
        description="Slow-starting containers use a startup probe, not a long liveness initial delay.",
        types=POD_CARRIERS,
        check=startup_probe_for_slow_start,
        level="mandatory",
        severity="medium",
        knobs={
            "maxLivenessInitialDelaySeconds": Knob(
                {"type": "integer", "minimum": 0},
                30,
                "Largest liveness initialDelaySeconds allowed without a startup probe.",
            )
        },
    ),
    Rule(
        name="k8s-rolling-update-max-unavailable",
        description="Deployments with few replicas roll out with maxUnavailable 0.",
        types=frozenset({DEPLOYMENT}),
        check=rolling_update,
        level="mandatory",
        severity="high",
        knobs={
            "replicasBelow": Knob(
                {"type": "integer", "minimum": 1},
                4,
                "Deployments with fewer replicas than this must set rollingUpdate.maxUnavailable to 0.",
            )
        },
    ),
    Rule(
        name="k8s-termination-grace-exceeds-prestop",
        description="terminationGracePeriodSeconds is longer than the preStop sleep.",
        types=POD_CARRIERS,
        check=grace_exceeds_prestop,
        level="mandatory",
        severity="high",
    ),
    Rule(
        name="k8s-image-tag-pinned",
        description="Container images name a fixed tag or a digest, never a missing or 'latest' tag.",
        types=POD_CARRIERS,
        check=image_pinned,
        level="mandatory",
        severity="high",
    ),
]
