"""Does a stack's release strategy fit the CI job that runs it? Refused by `bluegreen check` when it does not.

A release job that hits its `timeout-minutes` is cancelled mid-release; it should
never be the plan. The longest a release can take is its timed pauses, plus a
generous allowance for each `pulumi up` (the deploy, every weight, the record of the
new live color), the wait for the new color to become healthy, and the preTraffic
hook. A manual gate ends the job (exit 4), so it costs nothing here. The job's
timeout is read from the project's release workflow, when there is one.
"""

from pathlib import Path

import yaml

from components.spec import BlueGreenSpec
from components.spec.durations import show_duration

WORKFLOW = Path(".github/workflows/release.yml")
UPDATE_SECONDS = 300.0
"""Allowance for one `pulumi up` that changes a weight or an image."""
READY_SECONDS = 600.0
"""`--wait-timeout`'s default: the longest wait for the new color to become healthy."""


def job_timeout_minutes(project_dir: Path) -> float | None:
    """`timeout-minutes` of the release job in the project's workflow, or None without one."""
    path = project_dir / WORKFLOW
    if not path.is_file():
        return None
    jobs = (yaml.safe_load(path.read_text()) or {}).get("jobs") or {}
    minutes = (jobs.get("release") or {}).get("timeout-minutes")
    return float(minutes) if isinstance(minutes, (int, float)) else None


def longest_release_seconds(spec: BlueGreenSpec) -> tuple[float, str]:
    """The longest a release can run, and how that adds up (for the message)."""
    steps = spec.rollout.expanded_steps()
    pauses = sum(step.pause_seconds or 0.0 for step in steps if not step.is_manual_gate)
    updates = 2 + sum(1 for step in steps if step.set_weight is not None)
    hook = spec.rollout.hooks.pre_traffic
    hook_seconds = hook.timeout if hook is not None else 0.0
    total = pauses + updates * UPDATE_SECONDS + READY_SECONDS + hook_seconds
    parts = (
        f"pauses {show_duration(pauses)} + {updates} updates at {show_duration(UPDATE_SECONDS)} + "
        f"{show_duration(READY_SECONDS)} for the new color to become healthy"
        + (f" + the preTraffic hook's {show_duration(hook_seconds)}" if hook_seconds else "")
    )
    return total, parts


def strategy_problem(spec: BlueGreenSpec, timeout_minutes: float | None) -> str | None:
    """The refusal when the strategy cannot finish within the job's timeout, else None."""
    if timeout_minutes is None:
        return None
    total, parts = longest_release_seconds(spec)
    if total <= timeout_minutes * 60:
        return None
    return (
        f"bluegreen:rollout takes up to {show_duration(total)} ({parts}), longer than the release job's "
        f"timeout-minutes: {timeout_minutes:g} in {WORKFLOW}: the job would be cancelled mid-release; shorten the "
        "pauses or raise timeout-minutes (and role-duration-seconds with it)"
    )
