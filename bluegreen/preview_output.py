"""`bluegreen plan` shown three ways: a terminal table, JSON for scripts, Markdown for a PR comment."""

import json
from typing import Any

from components.safe_text import markdown as md
from components.spec.durations import show_duration

from .release_preview import PreviewStep, ReleasePreview, router_violations


def _weights(step: PreviewStep) -> str:
    return f"blue {step.weights.blue} / green {step.weights.green}"


def _changes(step: PreviewStep) -> str:
    if not step.changes:
        return "nothing"
    return ", ".join(f"{c.type.split(':')[-1]} {c.name} ({c.kind})" for c in step.changes)


def _pause(step: PreviewStep) -> str:
    if step.kind == "manual":
        return "until `bluegreen resume`"
    if step.pause_seconds is None:
        return "-"
    return show_duration(step.pause_seconds)


def _metrics(step: PreviewStep) -> str:
    return ", ".join(f"{name} {rule}" for name, rule in step.metrics) or "-"


def _policy(step: PreviewStep) -> str:
    if step.policy is None:
        return "not run"
    if step.policy.passed:
        return f"passed ({len(step.policy.advisory)} advisory)"
    return f"FAILED: {'; '.join(step.policy.mandatory)}"


def rows(result: ReleasePreview) -> list[list[str]]:
    """One row per step: #, step, weights, changes, pause, metrics, exposure, time, policy."""
    return [
        [
            str(step.number),
            step.label,
            _weights(step),
            _changes(step),
            _pause(step),
            _metrics(step),
            f"{step.exposure_minutes:.2f}" if step.exposure_minutes else "-",
            show_duration(step.cumulative_seconds) if step.cumulative_seconds else "0s",
            _policy(step),
        ]
        for step in result.steps
    ]


HEADERS = ["#", "step", "weights", "resources changed", "pause", "metrics judged", "exposure", "time", "policy"]


def summary_lines(result: ReleasePreview) -> list[str]:
    """What the table cannot say: exposure before the first verdict, total time against the job's timeout."""
    lines = [
        f"worst-case exposure before the first verdict: {result.first_verdict_exposure_minutes:.2f} full-traffic "
        f"minute(s) ({result.first_verdict})",
        f"total exposure of {result.candidate} before 100%: {result.total_exposure_minutes:.2f} full-traffic minute(s)",
        f"duration: {show_duration(result.pause_seconds)} of pauses; at worst "
        f"{show_duration(result.worst_case_seconds)} with the longest health wait and the hook's timeout "
        "(each `pulumi up` adds its own time)",
    ]
    if result.job_timeout_minutes is not None:
        verdict = "fits" if result.fits_job else "does NOT fit"
        lines.append(
            f"CI job timeout: {result.job_timeout_minutes:g}m ({result.job_timeout_source}): the worst case {verdict}"
        )
    lines += router_violations(result)
    lines += result.notes
    if not result.policy_checked:
        lines.append("policy: not run (install bluegreen[check] for the pack's verdict on every step)")
    return lines


def to_json(result: ReleasePreview) -> dict[str, Any]:
    return {
        "stack": result.stack,
        "platform": result.platform,
        "image": result.image,
        "live": result.live,
        "candidate": result.candidate,
        "steps": [
            {
                "number": s.number,
                "label": s.label,
                "kind": s.kind,
                "weights": {"blue": s.weights.blue, "green": s.weights.green},
                "changes": [
                    {"type": c.type, "name": c.name, "kind": c.kind, "inputs": list(c.changed)} for c in s.changes
                ],
                "routerOnly": s.router_only,
                "pauseSeconds": s.pause_seconds,
                "metrics": [{"name": name, "rule": rule} for name, rule in s.metrics],
                "exposureMinutes": round(s.exposure_minutes, 4),
                "cumulativeSeconds": s.cumulative_seconds,
                "policy": None
                if s.policy is None
                else {
                    "passed": s.policy.passed,
                    "mandatory": list(s.policy.mandatory),
                    "advisory": list(s.policy.advisory),
                },
            }
            for s in result.steps
        ],
        "firstVerdict": result.first_verdict,
        "firstVerdictExposureMinutes": round(result.first_verdict_exposure_minutes, 4),
        "totalExposureMinutes": round(result.total_exposure_minutes, 4),
        "pauseSeconds": result.pause_seconds,
        "worstCaseSeconds": result.worst_case_seconds,
        "jobTimeoutMinutes": result.job_timeout_minutes,
        "fitsJobTimeout": result.fits_job,
        "routerViolations": router_violations(result),
        "notes": result.notes,
    }


def json_text(results: list[ReleasePreview]) -> str:
    return json.dumps([to_json(r) for r in results], indent=2) + "\n"


def markdown(results: list[ReleasePreview]) -> str:
    out = []
    for result in results:
        out += [
            f"### Release plan: `{result.stack}`",
            "",
            f"{md(result.image)} to {result.candidate} ({result.live} live, {result.platform}); "
            "worked out offline, the program under mocks at every step",
            "",
            "| " + " | ".join(HEADERS) + " |",
            "|" + "---|" * len(HEADERS),
        ]
        out += ["| " + " | ".join(md(cell) for cell in row) + " |" for row in rows(result)]
        out += [""] + [f"- {md(line)}" for line in summary_lines(result)] + [""]
    return "\n".join(out)
