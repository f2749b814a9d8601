"""`bluegreen plan`: a whole release worked out offline, step by step, without Pulumi or credentials.

The stack file's strategy is expanded into the plan `bluegreen release` would run; the real
program runs under Pulumi's mocks at the config of every step that writes config, and each
run is diffed with the one before, so every step lists the resources its `pulumi up` would
change (a weight step should change the router alone). With the policy pack available, each
step's resources are judged as the offline check judges them.

Exposure is how much production traffic the candidate takes, in full-traffic minutes: a step
holding the candidate at 5% for 10 minutes exposes 5% of users' minutes for 10 minutes,
0.5 full-traffic minutes, the same number of requests as all traffic for 30 seconds. The
worst case before the first verdict is what reaches the candidate before analysis can first
stop it: every weight held before the first measurement, for as long as it is held.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from components.spec import Color, Traffic
from components.traffic import candidate_color

from .program_run import ProgramRun, run_config
from .rollout_plan import RolloutPlan, plan_release, plan_shift, spec_of
from .run_diff import ResourceChange, diff_runs
from .stack_files import set_path

ROUTER_TYPES = frozenset(
    {
        "aws:lb/listener:Listener",
        "aws:lb/listenerRule:ListenerRule",
        "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
        "kubernetes:core/v1:Service",
        "pulumi-python:dynamic/haproxy:HaproxyConfig",
    }
)
"""What routes production and test traffic on each platform: all a weight step may change (design §4)."""


@dataclass(frozen=True)
class PolicyVerdict:
    mandatory: tuple[str, ...] = ()
    """`policy-name: message` of each mandatory violation."""
    advisory: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.mandatory


PolicyJudge = Callable[[ProgramRun], PolicyVerdict]


@dataclass(frozen=True)
class PreviewStep:
    number: int
    label: str
    kind: str
    weights: Traffic
    """The weights once the step is applied."""
    pause_seconds: float | None
    """How long a pause holds its weight (None: not a timed pause)."""
    changes: tuple[ResourceChange, ...]
    metrics: tuple[tuple[str, str], ...]
    """(metric, rule) judged during a pause."""
    exposure_minutes: float
    """Candidate's share of traffic × the time it is held, in full-traffic minutes."""
    cumulative_seconds: float
    """Time from the start once this step ends (pauses; updates not counted)."""
    policy: PolicyVerdict | None
    """The pack's verdict on the resources after this step; None when the pack was not run."""

    @property
    def router_only(self) -> bool:
        return all(c.type in ROUTER_TYPES and c.kind == "update" for c in self.changes)


@dataclass
class ReleasePreview:
    stack: str
    image: str
    live: Color
    candidate: Color
    platform: str
    steps: list[PreviewStep] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    first_verdict_exposure_minutes: float = 0.0
    first_verdict: str = ""
    """When the first verdict comes: `5% for 1m (the first measurement, analysis.interval)`."""
    pause_seconds: float = 0.0
    worst_case_seconds: float = 0.0
    """Pauses plus the longest health wait and the hook's timeout."""
    job_timeout_minutes: float | None = None
    job_timeout_source: str = ""
    policy_checked: bool = False

    @property
    def total_exposure_minutes(self) -> float:
        return sum(s.exposure_minutes for s in self.steps)

    @property
    def fits_job(self) -> bool | None:
        if self.job_timeout_minutes is None:
            return None
        return self.worst_case_seconds <= self.job_timeout_minutes * 60


def plan_of(config: dict[str, Any], image: str | None) -> RolloutPlan:
    """The plan `bluegreen release --image` would run (`shift` when the stack file is mid-release)."""
    spec = spec_of(config)
    if image is None and spec.traffic.blue not in (0, 100):
        return plan_shift(config)
    candidate = candidate_color(spec.traffic)
    return plan_release(config, image or spec.color(candidate).image)


def preview(
    config: dict[str, Any],
    stack: str,
    image: str | None,
    project_dir: Path,
    judge: PolicyJudge | None = None,
    wait_timeout: float = 600.0,
    job_timeout: tuple[float, str] | None = None,
) -> ReleasePreview:
    """Work out the release; raises PlanError/ConfigError (bad request or config) before running anything."""
    plan = plan_of(config, image)
    first = plan.steps[-1].spec if plan.steps else spec_of(config)
    result = ReleasePreview(
        stack, first.color(plan.candidate).image, plan.live, plan.candidate, first.platform, notes=list(plan.notes)
    )
    before = run_config(config, stack=stack, project_dir=project_dir)
    current, running = config, before
    elapsed = 0.0
    verdict_at: float | None = None
    exposure_before_verdict = 0.0
    for number, step in enumerate(plan.steps, 1):
        changes: tuple[ResourceChange, ...] = ()
        if step.changes:
            for change in step.changes:
                current = set_path(current, change.path, change.value)
            after = run_config(current, stack=stack, project_dir=project_dir)
            changes = tuple(diff_runs(running, after))
            running = after
        weight = step.spec.traffic.of(plan.candidate)
        held = step.seconds if step.kind == "pause" else None
        rules = step.spec.rollout.analysis if step.kind == "pause" else None
        metrics = tuple((m.name, _rule(m)) for m in rules.metrics) if rules else ()
        if held and verdict_at is None:
            if rules is not None:
                # The engine's first window ends initialDelay + interval into the pause (or at its end).
                verdict_at = min(rules.initial_delay + rules.interval, held)
                exposure_before_verdict += weight / 100 * verdict_at / 60
                result.first_verdict = f"{weight}% for {_minutes(verdict_at)} (the first measurement, at step {number})"
            else:
                exposure_before_verdict += weight / 100 * held / 60
        elapsed += held or 0.0
        exposure = weight / 100 * (held or 0.0) / 60 if weight < 100 else 0.0
        result.steps.append(
            PreviewStep(
                number,
                step.label,
                step.kind,
                step.spec.traffic,
                held,
                changes,
                metrics,
                exposure,
                elapsed,
                judge(running) if judge else None,
            )
        )
    if verdict_at is None:
        result.first_verdict = "never: no analysis in this strategy, only health gates judge the candidate"
    result.first_verdict_exposure_minutes = exposure_before_verdict
    result.policy_checked = judge is not None
    result.pause_seconds = elapsed
    hook = first.rollout.hooks.pre_traffic
    result.worst_case_seconds = elapsed + wait_timeout + (hook.timeout if hook else 0.0)
    if job_timeout is not None:
        result.job_timeout_minutes, result.job_timeout_source = job_timeout
    return result


def _rule(metric: Any) -> str:
    relative = "live + " if metric.relative_to == "live" else ""
    return f"<= {relative}{metric.max}"


def _minutes(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}m{whole % 60:02d}s" if whole % 60 else f"{whole // 60}m"


def router_violations(result: ReleasePreview) -> list[str]:
    """Weight steps that would change more than the router: a broken flip contract."""
    found = []
    for step in result.steps:
        if step.kind == "weight" and not step.router_only:
            outside = [c for c in step.changes if c.type not in ROUTER_TYPES or c.kind != "update"]
            touched = ", ".join(f"{c.type} {c.name} ({c.kind})" for c in outside)
            found.append(f"step {step.number} '{step.label}' changes more than the router: {touched}")
    return found
