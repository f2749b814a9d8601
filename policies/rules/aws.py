"""AWS load balancer rules: target group health checks, forward weights, TLS and header hygiene.

A target group with no (or a wrong) health check sends requests to tasks that
cannot serve; a long deregistration delay makes every flip slow; a forward action
with no positive weight routes to nothing.
"""

import re
from collections.abc import Mapping
from typing import Any

from .aws_types import LISTENER_RULES, LISTENERS, LOAD_BALANCERS, TARGET_GROUPS
from .listener_actions import forward_actions, forwards, weight_of
from .spec import Knob, Rule, Subject
from .values import UNKNOWN, mapping, number, show

HTTP_PROTOCOLS = ("HTTP", "HTTPS")
AWS_DEFAULT_DEREGISTRATION_DELAY = 300
# ELBSecurityPolicy-TLS13-1-2-..., -TLS-1-2-..., -FS-1-2-...: the digit after "1-" is the minimum minor version.
_TLS_MINIMUM = re.compile(r"(?:TLS13|TLS|FS)-1-(\d)")


def _http_target_group(subject: Subject) -> bool:
    return subject.props.get("protocol") in HTTP_PROTOCOLS


def health_check_enabled(subject: Subject, config: Mapping[str, Any]) -> list[str]:
    if not _http_target_group(subject):
        return []
    check = mapping(subject.props.get("healthCheck"))
    if check.get("enabled") is False:
        return [
            f"{subject.label} has its health check disabled, so the load balancer keeps sending requests "
            "to targets that cannot serve; set healthCheck.enabled true with the service's health path."
        ]
    if check.get("path") in (None, ""):
        return [
            f'{subject.label} health check has no path, so AWS probes "/" instead of the service\'s health '
            'endpoint; set healthCheck.path (e.g. "/health").'
        ]
    return []


def _range_problem(subject: Subject, key: str, value: Any, low: int, high: int) -> str | None:
    parsed = number(value)
    if value is None or value is UNKNOWN or parsed is None or low <= parsed <= high:
        return None
    return f"{subject.label} healthCheck.{key} is {show(value)}; AWS requires {low}..{high}."


def health_check_timing(subject: Subject, config: Mapping[str, Any]) -> list[str]:
    if not _http_target_group(subject):
        return []
    check = mapping(subject.props.get("healthCheck"))
    interval, timeout = check.get("interval"), check.get("timeout")
    problems = [
        p
        for p in (
            _range_problem(subject, "interval", interval, 5, 300),
            _range_problem(subject, "timeout", timeout, 2, 120),
        )
        if p
    ]
    low, high = number(timeout), number(interval)
    if not problems and low is not None and high is not None and low >= high:
        problems.append(
            f"{subject.label} healthCheck.timeout {show(timeout)} is not below interval {show(interval)}; "
            "set timeout below interval (e.g. interval 10, timeout 5)."
        )
    return problems


def health_check_thresholds(subject: Subject, config: Mapping[str, Any]) -> list[str]:
    if not _http_target_group(subject):
        return []
    check = mapping(subject.props.get("healthCheck"))
    return [
        p
        for key in ("healthyThreshold", "unhealthyThreshold")
        if (p := _range_problem(subject, key, check.get(key), 2, 10))
    ]


def deregistration_delay(subject: Subject, config: Mapping[str, Any]) -> list[str]:
    bound = config["maxSeconds"]
    raw = subject.props.get("deregistrationDelay")
    if raw is UNKNOWN:
        return []
    delay = AWS_DEFAULT_DEREGISTRATION_DELAY if raw is None else number(raw)
    if delay is None or delay <= bound:
        return []
    found = f"{AWS_DEFAULT_DEREGISTRATION_DELAY} (AWS's default)" if raw is None else show(raw)
    return [
        f"{subject.label} deregistrationDelay is {found} seconds, above {show(bound)}; every flip waits that "
        f"long for the old color to drain. Set deregistrationDelay to your longest request time (<= {show(bound)})."
    ]


def forward_weights(subject: Subject, config: Mapping[str, Any]) -> list[str]:
    messages = []
    for action in forward_actions(subject.type, subject.props):
        if mapping(action.get("forward")).get("targetGroups") is UNKNOWN:
            continue
        targets = forwards(action)
        if not 1 <= len(targets) <= 5:
            messages.append(
                f"{subject.label} forward action has {len(targets)} target groups; ALB allows 1..5. "
                "Forward to the blue and green target groups."
            )
            continue
        weights = [weight_of(t) for t in targets]
        bad = [
            t.weight
            for t, w in zip(targets, weights, strict=True)
            if t.weight is not UNKNOWN and (w is None or not w.is_integer() or not 0 <= w <= 999)
        ]
        if bad:
            messages.append(
                f"{subject.label} forward weights {show(bad)} are not integers in 0..999; use whole numbers "
                "(the program's traffic percentages)."
            )
        elif UNKNOWN not in [t.weight for t in targets] and not any(w and w > 0 for w in weights):
            found = show([t.weight for t in targets])
            messages.append(
                f"{subject.label} forward action gives every target group weight 0 ({found}), "
                "so the ALB has nowhere to send requests; give the live color a positive weight."
            )
    return messages


def tls_policy(subject: Subject, config: Mapping[str, Any]) -> list[str]:
    if subject.props.get("protocol") not in ("HTTPS", "TLS"):
        return []
    policy = subject.props.get("sslPolicy")
    if policy is UNKNOWN or policy in config["extraAllowedPolicies"]:
        return []
    match = _TLS_MINIMUM.search(policy) if isinstance(policy, str) else None
    if match and int(match.group(1)) >= 2:
        return []
    found = f"{show(policy)}" if policy else "not set (AWS then uses ELBSecurityPolicy-2016-08, TLS 1.0)"
    return [
        f"{subject.label} sslPolicy is {found}, which accepts TLS below 1.2; set sslPolicy to "
        '"ELBSecurityPolicy-TLS13-1-2-2021-06".'
    ]


def drop_invalid_headers(subject: Subject, config: Mapping[str, Any]) -> list[str]:
    if subject.props.get("loadBalancerType", "application") != "application":
        return []
    value = subject.props.get("dropInvalidHeaderFields")
    if value is True or value is UNKNOWN:
        return []
    return [
        f"{subject.label} dropInvalidHeaderFields is {show(value)}; set it to true so malformed headers "
        "are dropped at the ALB instead of reaching (and desyncing) the targets."
    ]


RULES = [
    Rule(
        name="aws-target-group-health-check",
        description="HTTP/HTTPS target groups have a health check enabled with a path.",
        types=TARGET_GROUPS,
        check=health_check_enabled,
        level="mandatory",
        severity="critical",
    ),
    Rule(
        name="aws-target-group-health-check-timing",
        description="Target group health checks use interval 5..300 s, timeout 2..120 s and timeout < interval.",
        types=TARGET_GROUPS,
        check=health_check_timing,
        level="mandatory",
        severity="medium",
    ),
    Rule(
        name="aws-target-group-health-check-thresholds",
        description="Target group healthy and unhealthy thresholds are 2..10.",
        types=TARGET_GROUPS,
        check=health_check_thresholds,
        level="mandatory",
        severity="medium",
    ),
    Rule(
        name="aws-target-group-deregistration-delay",
        description="Target group deregistration delay is short enough for a quick flip.",
        types=TARGET_GROUPS,
        check=deregistration_delay,
        level="mandatory",
        severity="medium",
        knobs={
            "maxSeconds": Knob(
                {"type": "integer", "minimum": 0, "maximum": 3600},
                120,
                "Longest deregistration delay allowed, in seconds.",
            )
        },
    ),
    Rule(
        name="aws-forward-action-weights",
        description="Forward actions have 1..5 target groups, integer weights 0..999 and at least one weight > 0.",
        types=LISTENERS | LISTENER_RULES,
        check=forward_weights,
        level="mandatory",
        severity="critical",
    ),
    Rule(
        name="aws-https-listener-tls-policy",
        description="HTTPS listeners use a TLS 1.2+ security policy.",
        types=LISTENERS,
        check=tls_policy,
        level="mandatory",
        severity="high",
        knobs={
            "extraAllowedPolicies": Knob(
                {"type": "array", "items": {"type": "string"}}, [], "Further sslPolicy names to accept."
            )
        },
    ),
    Rule(
        name="aws-alb-drop-invalid-headers",
        description="Application load balancers drop invalid HTTP header fields.",
        types=LOAD_BALANCERS,
        check=drop_invalid_headers,
        level="mandatory",
        severity="medium",
    ),
]
