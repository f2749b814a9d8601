"""Pure rendering of one color's Fargate container definition and its timing knobs.

Timing on the way out of a task, in order (what makes a scale-down or release lossless):

1. ECS deregisters the task from its target group; the ALB stops sending it new
   requests and lets in-flight ones finish for `deregistration_delay` = drainSeconds.
2. Only then ECS sends SIGTERM; the app should finish what it holds and exit.
3. After `stopTimeout` seconds ECS sends SIGKILL. Fargate caps stopTimeout at 120.
"""

import re
from typing import Any

import pulumi

from ..health import ecs_container_check
from ..spec import Color, HealthCheck

CONTAINER_NAME = "app"
FARGATE_MAX_STOP_TIMEOUT = 120
MIN_STOP_TIMEOUT = 2


def task_family(project: str, stack: str, name: str) -> str:
    """`bluegreen-prod-web-blue`: unique per stack, and only the characters ECS allows in a family.

    Stack names may contain `.`, which a task definition family may not.
    """
    return re.sub(r"[^A-Za-z0-9_-]", "-", f"{project}-{stack}-{name}")[:255]


def stop_timeout(drain_seconds: int) -> int:
    """Seconds between SIGTERM and SIGKILL: the drain budget again, within Fargate's 2..120.

    By SIGTERM the ALB has already drained the task, so this is the app's time to
    close keep-alive connections and flush; giving it the same budget as the drain
    covers an app that finishes slow requests on its own after SIGTERM.
    """
    return max(MIN_STOP_TIMEOUT, min(drain_seconds, FARGATE_MAX_STOP_TIMEOUT))


def grace_period(hc: HealthCheck) -> int:
    """ECS ignores failing ALB health checks this long after a task starts.

    The start period plus the time a fresh task needs to pass `healthyThreshold`
    ALB checks, so a slow starter is not killed before the ALB could ever see it healthy.
    """
    return hc.start_period_seconds + hc.interval_seconds * hc.healthy_threshold


def container_definitions(
    *,
    color: Color,
    image: str,
    port: int,
    hc: HealthCheck,
    drain_seconds: int,
    log_group: pulumi.Input[str],
    region: pulumi.Input[str],
) -> pulumi.Output[str]:
    """The task definition's `containerDefinitions` JSON (one essential container)."""
    container: dict[str, Any] = {
        "name": CONTAINER_NAME,
        "image": image,
        "essential": True,
        "portMappings": [{"containerPort": port, "hostPort": port, "protocol": "tcp"}],
        "healthCheck": ecs_container_check(hc, port),
        "stopTimeout": stop_timeout(drain_seconds),
        "environment": [{"name": "BLUEGREEN_COLOR", "value": color}],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group,
                "awslogs-region": region,
                "awslogs-stream-prefix": color,
            },
        },
    }
    return pulumi.Output.json_dumps([container])
