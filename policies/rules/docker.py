"""Docker rules: a container without a working healthcheck gets traffic from HAProxy while it cannot serve."""

from collections.abc import Mapping
from typing import Any

from .durations import seconds
from .image_refs import PIN_FIX, image_problem
from .spec import Rule, Subject
from .values import UNKNOWN, items, mapping, show

CONTAINER = "docker:index/container:Container"
REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage"

# Docker's own defaults when a healthcheck leaves these unset (or "0s").
DEFAULT_INTERVAL = "30s"
DEFAULT_TIMEOUT = "30s"


def healthcheck_set(subject: Subject, config: Mapping[str, Any]) -> list[str]:
    healthcheck = subject.props.get("healthcheck")
    if healthcheck is None:
        return [
            f"{subject.label} has no healthcheck, so it counts as up the moment it starts; "
            'set healthcheck.tests (e.g. ["CMD-SHELL", "curl -fsS http://127.0.0.1:8080/health || exit 1"]).'
        ]
    tests = mapping(healthcheck).get("tests")
    if tests is UNKNOWN:
        return []
    tests = items(tests)
    if not tests:
        return [f"{subject.label} has a healthcheck with no tests; set healthcheck.tests to a command."]
    if str(tests[0]).upper() == "NONE":
        return [
            f"{subject.label} disables its healthcheck (tests {show(tests)}); "
            "use a CMD or CMD-SHELL test that requests the health path."
        ]
    return []


def _duration(raw: Any, default: str) -> tuple[str, float | None]:
    if not isinstance(raw, str) or not raw.strip() or seconds(raw) == 0:
        return f"{default} (Docker's default)", seconds(default)
    return raw, seconds(raw)


def healthcheck_timing(subject: Subject, config: Mapping[str, Any]) -> list[str]:
    healthcheck = mapping(subject.props.get("healthcheck"))
    if not healthcheck or UNKNOWN in (healthcheck.get("interval"), healthcheck.get("timeout")):
        return []
    if [str(t).upper() for t in items(healthcheck.get("tests"))[:1]] == ["NONE"]:
        return []  # disabled: docker-container-healthcheck reports it
    interval_text, interval = _duration(healthcheck.get("interval"), DEFAULT_INTERVAL)
    timeout_text, timeout = _duration(healthcheck.get("timeout"), DEFAULT_TIMEOUT)
    problems = [
        f'{subject.label} healthcheck.{key} is {show(value)}, not a Go duration; write it like "10s" or "1m30s".'
        for key, value, parsed in (("interval", interval_text, interval), ("timeout", timeout_text, timeout))
        if parsed is None
    ]
    if problems:
        return problems
    assert interval is not None and timeout is not None
    if timeout >= interval:
        return [
            f"{subject.label} healthcheck timeout {timeout_text} is not below its interval {interval_text}, "
            "so a hung check overlaps the next one; set timeout below interval (e.g. interval 10s, timeout 5s)."
        ]
    return []


def image_pinned(subject: Subject, config: Mapping[str, Any]) -> list[str]:
    key = "name" if subject.type == REMOTE_IMAGE else "image"
    problem = image_problem(subject.props.get(key))
    return [f"{subject.label}: {problem}; {PIN_FIX}."] if problem else []


RULES = [
    Rule(
        name="docker-container-healthcheck",
        description="Docker containers have a healthcheck that is not disabled.",
        types=frozenset({CONTAINER}),
        check=healthcheck_set,
        level="mandatory",
        severity="high",
    ),
    Rule(
        name="docker-healthcheck-timing",
        description="A Docker healthcheck's timeout is shorter than its interval.",
        types=frozenset({CONTAINER}),
        check=healthcheck_timing,
        level="mandatory",
        severity="medium",
    ),
    Rule(
        name="docker-image-tag-pinned",
        description="Docker images name a fixed tag or a digest, never a missing or 'latest' tag.",
        types=frozenset({CONTAINER, REMOTE_IMAGE}),
        check=image_pinned,
        level="mandatory",
        severity="high",
    ),
]
