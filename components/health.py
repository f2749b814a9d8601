"""The one health spec rendered for every platform.

Each function is pure: HealthCheck in, the platform's own shape out. Because every
platform reads the same numbers, a target group and its container (or a probe and
its HAProxy check) cannot disagree about what "healthy" means.

Success means HTTP 200-399 everywhere: that is what Kubernetes httpGet probes and
HAProxy's `option httpchk` accept by default, so the ALB matcher is set to match.
"""

import math
import shlex
from typing import TYPE_CHECKING, Any

from .spec import HealthCheck

if TYPE_CHECKING:
    # Types only: Docker and Kubernetes programs render health checks without loading the AWS SDK.
    from pulumi_aws.lb import TargetGroupHealthCheckArgsDict

SUCCESS_CODES = "200-399"


def probe_command(port: int, path: str) -> str:
    """Shell check run inside the container; tries curl, then busybox wget, as images carry one or the other.

    The URL is shell-quoted: a path's query may hold `&` or `;` (RFC 3986 allows both),
    which unquoted would end the curl command and let the probe pass whatever the app answers.
    """
    url = shlex.quote(f"http://127.0.0.1:{port}{path}")
    return f"curl -fsS -o /dev/null {url} || wget -q -O /dev/null {url} || exit 1"


def alb_target_group_check(hc: HealthCheck) -> "TargetGroupHealthCheckArgsDict":
    """Arguments of `aws.lb.TargetGroupHealthCheckArgs`."""
    return {
        "enabled": True,
        "protocol": "HTTP",
        "port": "traffic-port",
        "path": hc.path,
        "matcher": SUCCESS_CODES,
        "interval": hc.interval_seconds,
        "timeout": hc.timeout_seconds,
        "healthy_threshold": hc.healthy_threshold,
        "unhealthy_threshold": hc.unhealthy_threshold,
    }


def ecs_container_check(hc: HealthCheck, port: int) -> dict[str, Any]:
    """The `healthCheck` of an ECS container definition (JSON, camelCase).

    ECS has no healthy threshold: one pass marks the container healthy, and the
    target group's own threshold gates traffic.
    """
    return {
        "command": ["CMD-SHELL", probe_command(port, hc.path)],
        "interval": hc.interval_seconds,
        "timeout": hc.timeout_seconds,
        "retries": hc.unhealthy_threshold,
        "startPeriod": hc.start_period_seconds,
    }


def docker_healthcheck(hc: HealthCheck, port: int) -> dict[str, Any]:
    """Arguments of `docker.ContainerHealthcheckArgs` (durations as Go strings)."""
    return {
        "tests": ["CMD-SHELL", probe_command(port, hc.path)],
        "interval": f"{hc.interval_seconds}s",
        "timeout": f"{hc.timeout_seconds}s",
        "retries": hc.unhealthy_threshold,
        "start_period": f"{hc.start_period_seconds}s",
    }


# Liveness restarts a container, which is far costlier than leaving rotation, so it
# waits this many times longer than readiness before acting.
LIVENESS_TOLERANCE = 2


def kubernetes_probes(hc: HealthCheck, port: int) -> dict[str, dict[str, Any]]:
    """readinessProbe, livenessProbe and startupProbe of a container (camelCase, as the API takes them).

    The startup probe gives the container `startPeriodSeconds` plus the usual
    failure window before liveness takes over, the same budget ECS and Docker give.
    """
    http_get = {"path": hc.path, "port": port}
    return {
        "readinessProbe": {
            "httpGet": http_get,
            "periodSeconds": hc.interval_seconds,
            "timeoutSeconds": hc.timeout_seconds,
            "successThreshold": hc.healthy_threshold,
            "failureThreshold": hc.unhealthy_threshold,
        },
        "livenessProbe": {
            "httpGet": http_get,
            "periodSeconds": hc.interval_seconds,
            "timeoutSeconds": hc.timeout_seconds,
            "successThreshold": 1,
            "failureThreshold": hc.unhealthy_threshold * LIVENESS_TOLERANCE,
        },
        "startupProbe": {
            "httpGet": http_get,
            "periodSeconds": hc.interval_seconds,
            "timeoutSeconds": hc.timeout_seconds,
            "successThreshold": 1,
            "failureThreshold": math.ceil(hc.start_period_seconds / hc.interval_seconds)
            + hc.unhealthy_threshold,
        },
    }


def haproxy_backend_check(hc: HealthCheck) -> list[str]:
    """Backend lines that make HAProxy probe the health path."""
    # HAProxy's config tokenizer reads single quotes as the shell does (no escapes or `$VAR` inside),
    # so the shell's quoting keeps a `'` or `$` in the path one literal argument.
    return [f"option httpchk GET {shlex.quote(hc.path)}", f"timeout check {hc.timeout_seconds}s"]


def haproxy_server_check(hc: HealthCheck) -> str:
    """Per-server check options: probe every interval, out after `fall` failures, in after `rise` passes."""
    return f"check inter {hc.interval_seconds}s fall {hc.unhealthy_threshold} rise {hc.healthy_threshold}"
