"""ECS rules: container health checks and the deployment settings that keep a rollout from dropping requests.

`containerDefinitions` reaches the engine as a JSON string, so it is parsed here.
"""

import json
from collections.abc import Mapping
from typing import Any

from .aws_types import ECS_SERVICE, TASK_DEFINITION
from .spec import Knob, Rule, Subject
from .values import UNKNOWN, has_unknown, is_secret, items, mapping, number, secret, show


def container_definitions(props: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The parsed containers, or None when the JSON is unknown or unreadable (AWS rejects the latter)."""
    raw = props.get("containerDefinitions")
    if isinstance(raw, str):
        try:
            parsed = json.loads(raw)
        except ValueError:
            return None
        # A secret JSON string (an env value from a secret makes the whole string one) stays secret inside.
        raw = secret(parsed, set()) if is_secret(raw) else parsed
    if not isinstance(raw, list):
        return None
    return [c for c in raw if isinstance(c, dict)]


def container_health_check(subject: Subject, config: Mapping[str, Any]) -> list[str]:
    messages = []
    for index, container in enumerate(container_definitions(subject.props) or []):
        name = show(container.get("name", f"#{index + 1}"))
        command = items(mapping(container.get("healthCheck")).get("command"))
        if not command:
            messages.append(
                f"{subject.label} container {name} has no healthCheck, so ECS counts it healthy as soon as it "
                'starts; add healthCheck.command (e.g. ["CMD-SHELL", "curl -fsS http://127.0.0.1:8080/health '
                '|| exit 1"]).'
            )
        elif str(command[0]).upper() == "NONE":
            messages.append(f"{subject.label} container {name} disables its healthCheck; give it a command.")
    return messages


def _behind_load_balancer(subject: Subject) -> bool:
    balancers = subject.props.get("loadBalancers")
    return balancers is UNKNOWN or bool(items(balancers))


def circuit_breaker(subject: Subject, config: Mapping[str, Any]) -> list[str]:
    if not _behind_load_balancer(subject):
        return []
    controller = mapping(subject.props.get("deploymentController")).get("type", "ECS")
    if controller != "ECS":
        return []  # CODE_DEPLOY and EXTERNAL controllers roll back on their own terms
    breaker = subject.props.get("deploymentCircuitBreaker")
    if has_unknown(breaker):
        return []
    breaker = mapping(breaker)
    if breaker.get("enable") is True and breaker.get("rollback") is True:
        return []
    return [
        f"{subject.label} deploymentCircuitBreaker is {show(breaker or None)}; a task set that never becomes "
        "healthy keeps replacing tasks forever. Set deploymentCircuitBreaker {enable: true, rollback: true}."
    ]


def minimum_healthy_percent(subject: Subject, config: Mapping[str, Any]) -> list[str]:
    if not _behind_load_balancer(subject):
        return []
    minimum = config["minHealthyPercent"]
    raw = subject.props.get("deploymentMinimumHealthyPercent")
    value = 100.0 if raw is None else number(raw)  # ECS's default for replica services
    if value is None or value >= minimum:
        return []
    return [
        f"{subject.label} deploymentMinimumHealthyPercent is {show(raw)}, below {show(minimum)}; a deployment "
        f"may stop serving tasks before their replacements pass health checks. Set it to {show(minimum)} "
        "(with deploymentMaximumPercent 200)."
    ]


def grace_period(subject: Subject, config: Mapping[str, Any]) -> list[str]:
    if not _behind_load_balancer(subject):
        return []
    minimum = config["minSeconds"]
    raw = subject.props.get("healthCheckGracePeriodSeconds")
    if raw is UNKNOWN:
        return []
    value = number(raw)
    if value is not None and value >= minimum:
        return []
    return [
        f"{subject.label} healthCheckGracePeriodSeconds is {show(raw)}; without a grace period the target "
        "group's failing checks during start-up kill new tasks. Set it to the container's start period "
        f"(at least {show(minimum)})."
    ]


RULES = [
    Rule(
        name="aws-ecs-container-health-check",
        description="Every container in an ECS task definition has a healthCheck.",
        types=frozenset({TASK_DEFINITION}),
        check=container_health_check,
        level="mandatory",
        severity="high",
    ),
    Rule(
        name="aws-ecs-circuit-breaker-rollback",
        description="ECS services behind a load balancer have the deployment circuit breaker with rollback.",
        types=frozenset({ECS_SERVICE}),
        check=circuit_breaker,
        level="mandatory",
        severity="high",
    ),
    Rule(
        name="aws-ecs-minimum-healthy-percent",
        description="ECS services behind a load balancer keep full capacity during deployments.",
        types=frozenset({ECS_SERVICE}),
        check=minimum_healthy_percent,
        level="mandatory",
        severity="high",
        knobs={
            "minHealthyPercent": Knob(
                {"type": "integer", "minimum": 0, "maximum": 100},
                100,
                "Lowest deploymentMinimumHealthyPercent allowed.",
            )
        },
    ),
    Rule(
        name="aws-ecs-health-check-grace-period",
        description="ECS services behind a load balancer set a health check grace period.",
        types=frozenset({ECS_SERVICE}),
        check=grace_period,
        level="mandatory",
        severity="medium",
        knobs={
            "minSeconds": Knob({"type": "integer", "minimum": 0}, 1, "Shortest healthCheckGracePeriodSeconds allowed.")
        },
    ),
]
