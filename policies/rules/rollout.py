"""Release-strategy rules: a production release moves a little traffic first, waits, and is judged.

They read the `bluegreen:index:RolloutStrategy` component the program registers with
`bluegreen:rollout` as its inputs (explicit steps, even when a preset or the default
wrote them). Per-stack enforcement makes them mandatory in prod and staging only.
"""

import fnmatch
from collections.abc import Mapping
from typing import Any

from .spec import Knob, Rule, Subject
from .values import UNKNOWN, items, mapping, number

ROLLOUT_STRATEGY = "bluegreen:index:RolloutStrategy"
KEY = "bluegreen:rollout"


def _steps(subject: Subject) -> list[dict[str, Any]]:
    return [mapping(step) for step in items(subject.props.get("steps"))]


def _steps_key(subject: Subject, index: int | None = None) -> str:
    """The config key a user edits: the explicit step, or the preset (or default) that wrote the steps."""
    source = subject.props.get("stepsFrom")
    if source == "preset":
        return f"{KEY}.preset ({subject.props.get('preset')})"
    if source == "default":
        return f"{KEY}.steps (not set: the default 10%, 50%, 100%)"
    return f"{KEY}.steps" if index is None else f"{KEY}.steps[{index}]"


def analysis_required(subject: Subject, config: Mapping[str, Any]) -> list[str]:
    analysis = subject.props.get("analysis")
    metrics = mapping(analysis).get("metrics")
    if analysis is UNKNOWN or metrics is UNKNOWN or any(m is UNKNOWN for m in items(metrics)):
        return []
    if not items(metrics):
        return [
            f"{subject.label}: {KEY}.analysis is not set, so only health gates the release: a candidate whose "
            "health path answers 200 while its real routes fail or crawl is promoted. Set "
            f"{KEY}.analysis.metrics (e.g. errorRate with max 0.01 and latencyP99 with max 500ms)."
        ]
    return []


def first_step_small(subject: Subject, config: Mapping[str, Any]) -> list[str]:
    limit = number(config.get("maxFirstWeight")) or 25.0
    for index, step in enumerate(_steps(subject)):
        weight = number(step.get("setWeight"))
        if weight is None:
            continue
        if weight > limit:
            return [
                f"{subject.label}: {_steps_key(subject, index)}.setWeight is {weight:g}: the first production "
                f"step sends {weight:g}% of users to an unproven release; start at {limit:g}% or less "
                "(e.g. setWeight 5, then a pause)."
            ]
        return []
    return []


def pause_after_weight(subject: Subject, config: Mapping[str, Any]) -> list[str]:
    steps = _steps(subject)
    analysis = mapping(subject.props.get("analysis"))
    interval = number(analysis.get("intervalSeconds"))
    delay = number(analysis.get("initialDelaySeconds")) or 0.0
    intervals = number(config.get("minIntervals")) or 3.0
    problems = []
    for index, step in enumerate(steps):
        weight = number(step.get("setWeight"))
        if weight is None or weight >= 100:
            continue
        following = steps[index + 1] if index + 1 < len(steps) else {}
        if following.get("pause") is None:  # an unknown step (at preview) answers UNKNOWN, not None
            problems.append(
                f"{subject.label}: {_steps_key(subject, index)}.setWeight {weight:g} is not followed by a pause, so "
                "the next weight comes before any measurement; add a pause step after it (e.g. pause: 5m)."
            )
    if interval is None:
        return problems
    shortest = delay + intervals * interval
    for index, step in enumerate(steps):
        pause, seconds = step.get("pause"), number(step.get("pauseSeconds"))
        if pause is None or pause == "manual" or seconds is None or seconds >= shortest:
            continue
        delayed = f" after {KEY}.analysis.initialDelay ({delay:g}s)" if delay else ""
        problems.append(
            f"{subject.label}: {_steps_key(subject, index)}.pause is {pause}, shorter than {intervals:g} analysis "
            f"intervals ({KEY}.analysis.interval is {interval:g}s){delayed}: a step judged on fewer measurements is "
            "decided by one window's noise or one missed scrape, and has no room for a window without data; "
            f"pause for at least {shortest:g}s."
        )
    return problems


def _cap(config: Mapping[str, Any], knob: str) -> float:
    value = number(config.get(knob))
    return 2.0 if value is None else value


def analysis_limits(subject: Subject, config: Mapping[str, Any]) -> list[str]:
    analysis = subject.props.get("analysis")
    if analysis is UNKNOWN:
        return []
    found = mapping(analysis)
    problems = []
    failures, cap = number(found.get("failureLimit")), _cap(config, "maxFailureLimit")
    if failures is not None and failures > cap:
        problems.append(
            f"{subject.label}: {KEY}.analysis.failureLimit is {failures:g}: every failed measurement tolerated keeps "
            f"a failing candidate on users for one more interval before the rollback; use {cap:g} or less."
        )
    inconclusive, cap = number(found.get("inconclusiveLimit")), _cap(config, "maxInconclusiveLimit")
    if inconclusive is not None and inconclusive > cap:
        problems.append(
            f"{subject.label}: {KEY}.analysis.inconclusiveLimit is {inconclusive:g}: every measurement without data "
            "tolerated is a window in which nothing was judged, so a pause could pass on one conclusive measurement "
            f"among many blind ones; use {cap:g} or less (initialDelay covers a known warm-up or metric delay)."
        )
    return problems


RELEASE_CREDENTIALS = [
    "PULUMI_*", "AWS_*", "AMAZON_*", "GOOGLE_*", "GCLOUD_*", "CLOUDSDK_*", "GCP_*", "AZURE_*", "ARM_*",
    "ALIBABA_CLOUD_*", "ALICLOUD_*", "OCI_*", "DIGITALOCEAN_*", "HCLOUD_*", "VAULT_*", "ACTIONS_*",
    "GITHUB_TOKEN", "GH_TOKEN", "GITLAB_TOKEN", "CI_JOB_TOKEN", "KUBECONFIG", "DOCKER_CONFIG", "DOCKER_AUTH_CONFIG",
    "SSH_AUTH_SOCK",
]
"""The release machine's deploy, cloud and CI credentials (and where they are read from), as shell patterns."""


def _hooks(subject: Subject) -> list[tuple[str, dict[str, Any]]]:
    return [(str(name), mapping(hook)) for name, hook in mapping(subject.props.get("hooks")).items()]


def hook_least_privilege(subject: Subject, config: Mapping[str, Any]) -> list[str]:
    patterns = [str(p) for p in items(config.get("credentialNames"))] or RELEASE_CREDENTIALS
    problems = []
    for name, hook in _hooks(subject):
        key = f"{KEY}.hooks.{name}"
        names = [str(n) for n in items(hook.get("env")) if n is not UNKNOWN]
        credentials = [n for n in names if any(fnmatch.fnmatchcase(n.upper(), p) for p in patterns)]
        if credentials:
            problems.append(
                f"{subject.label}: {key}.env passes {', '.join(credentials)} to the hook: the release machine's "
                "own credentials, so whoever can edit this stack file runs code holding what deploys it. Give the "
                "hook a credential of its own, scoped to what it checks (e.g. SMOKE_TOKEN), and remove "
                f"{', '.join(credentials)} from {key}.env."
            )
        if hook.get("allowLinkLocal") is True:
            problems.append(
                f"{subject.label}: {key}.allowLinkLocal is true, so the hook may call the cloud metadata service "
                "(169.254.169.254), which hands out the release machine's credentials. Remove allowLinkLocal and "
                "point the hook at the service under test ({{testUrl}})."
            )
    return problems


RULES = [
    Rule(
        name="rollout-analysis-required",
        description="A release is judged by error rate and latency, not by health checks alone.",
        types=frozenset({ROLLOUT_STRATEGY}),
        check=analysis_required,
        level="advisory",
        severity="high",
    ),
    Rule(
        name="rollout-first-step-small",
        description="The first production step sends a small share of traffic to the candidate.",
        types=frozenset({ROLLOUT_STRATEGY}),
        check=first_step_small,
        level="advisory",
        severity="high",
        knobs={
            "maxFirstWeight": Knob(
                {"type": "number", "minimum": 1, "maximum": 100}, 25, "Highest weight allowed at the first step."
            )
        },
    ),
    Rule(
        name="rollout-pause-after-weight",
        description="Every weight below 100 is held for a pause, and every timed pause spans initialDelay plus at "
        "least three analysis intervals.",
        types=frozenset({ROLLOUT_STRATEGY}),
        check=pause_after_weight,
        level="advisory",
        severity="high",
        knobs={
            "minIntervals": Knob(
                {"type": "number", "minimum": 1, "maximum": 100}, 3,
                "Analysis intervals every timed pause must span, after initialDelay.",
            )
        },
    ),
    Rule(
        name="rollout-analysis-limits",
        description="failureLimit and inconclusiveLimit stay small: a failing candidate is rolled back within a few "
        "intervals, and a pause is not passed on mostly blind windows.",
        types=frozenset({ROLLOUT_STRATEGY}),
        check=analysis_limits,
        level="advisory",
        severity="high",
        knobs={
            "maxFailureLimit": Knob(
                {"type": "integer", "minimum": 0, "maximum": 100}, 2, "Highest failureLimit allowed."
            ),
            "maxInconclusiveLimit": Knob(
                {"type": "integer", "minimum": 0, "maximum": 100}, 2, "Highest inconclusiveLimit allowed."
            ),
        },
    ),
    Rule(
        name="rollout-hook-least-privilege",
        description="Hooks get none of the release's credentials and cannot call the cloud metadata service.",
        types=frozenset({ROLLOUT_STRATEGY}),
        check=hook_least_privilege,
        level="advisory",
        severity="critical",
        knobs={
            "credentialNames": Knob(
                {"type": "array", "items": {"type": "string"}},
                RELEASE_CREDENTIALS,
                "Environment variables (shell patterns) a hook may not be given.",
            )
        },
    ),
]
