"""Blast radius of a flip: how many resources each traffic change touches, per platform.

Runs the real `__main__.py` under Pulumi mocks before and after each change (only
`bluegreen:traffic` differs) and diffs every resource's inputs with
`bluegreen.run_diff.diff_runs`, the same check the flip-contract tests make. A
control row (a release: new green image) shows the diff does see non-router changes.

Run: `.venv/bin/python bench/flip_blast_radius.py` (or `make bench`).
"""

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bluegreen.program_run import ProgramRun, run_config
from bluegreen.run_diff import ResourceChange, diff_runs
from bluegreen.stack_files import stack_config


@dataclass(frozen=True)
class Target:
    """One platform as a stack file plus `--path` overrides."""

    label: str
    stack: str
    overrides: dict[str, Any] = field(default_factory=dict)
    dropped: tuple[str, ...] = ()
    """Keys of the stack file the target leaves out (another platform's block, which would only warn)."""


# One line per platform: add a platform by adding its row.
TARGETS = [
    Target("aws (dev, HTTP)", "dev"),
    Target("aws (prod, HTTPS)", "prod"),
    Target("docker (local)", "local"),
    Target("kubernetes (selector)", "local", {"bluegreen:platform": "kubernetes"}, ("bluegreen:docker",)),
    Target(
        "kubernetes (gateway)",
        "local",
        {
            "bluegreen:platform": "kubernetes",
            "bluegreen:kubernetes.gateway": {"name": "public", "hostname": "web.example.com"},
        },
        ("bluegreen:docker",),
    ),
]


@dataclass(frozen=True)
class Scenario:
    label: str
    before: dict[str, Any]
    after: dict[str, Any]


def traffic(blue: int, green: int) -> dict[str, Any]:
    return {"bluegreen:traffic": {"blue": blue, "green": green}}


RELEASE_IMAGE = "registry.example.com/web:9.9.9"
SCENARIOS = [
    Scenario("canary step 100/0 -> 90/10", traffic(100, 0), traffic(90, 10)),
    Scenario("full flip 100/0 -> 0/100", traffic(100, 0), traffic(0, 100)),
    Scenario("rollback 0/100 -> 100/0", traffic(0, 100), traffic(100, 0)),
    Scenario("canary rollback 90/10 -> 100/0", traffic(90, 10), traffic(100, 0)),
    Scenario(
        "control: release new green image",
        traffic(100, 0),
        {**traffic(100, 0), "bluegreen:green.image": RELEASE_IMAGE},
    ),
]


def run(target: Target, overrides: dict[str, Any]) -> ProgramRun:
    config = stack_config(target.stack, {**target.overrides, **overrides})
    kept = {key: value for key, value in config.items() if key not in target.dropped}
    return run_config(kept, stack=target.stack)


def describe(changes: list[ResourceChange]) -> str:
    return ", ".join(f"{c.name} ({c.kind})" for c in changes) or "-"


def main() -> int:
    header = f"{'platform':<24}{'scenario':<36}{'total':>6}{'changed':>8}{'replaced':>9}  resources"
    print(header)
    print("-" * len(header))
    violations = []
    started = time.perf_counter()
    runs = 0
    for target in TARGETS:
        for scenario in SCENARIOS:
            try:
                before, after = run(target, scenario.before), run(target, scenario.after)
            except pulumi.RunError as error:
                reason = str(error).splitlines()[-1]
                print(f"{target.label:<24}{scenario.label:<36}{'n/a':>6}{'':>8}{'':>9}  {reason[:90]}")
                continue
            except Exception as error:
                # A platform still being built must not hide the others' figures.
                failure = f"{type(error).__name__}: {error}"
                print(f"{target.label:<24}{scenario.label:<36}{'error':>6}{'':>8}{'':>9}  {failure[:90]}")
                continue
            runs += 2
            changes = diff_runs(before, after)
            replaced = sum(c.kind in ("replace", "create", "delete") for c in changes)
            print(
                f"{target.label:<24}{scenario.label:<36}{len(after.resources):>6}"
                f"{len(changes):>8}{replaced:>9}  {describe(changes)}"
            )
            if not scenario.label.startswith("control") and replaced:
                violations.append(f"{target.label}: {scenario.label}")
    elapsed = time.perf_counter() - started
    print()
    per_run = elapsed / max(runs, 1) * 1000
    print(f"{runs} program runs under mocks in {elapsed:.1f}s ({per_run:.0f} ms per run)")
    print("total = every registered resource, components included; replaced = replace/create/delete.")
    print("On AWS a replaced task definition gets a new revision ARN, so the color's ECS service")
    print("updates too (mock ARNs are name-based, so the diff above cannot show that second step).")
    if violations:
        print("FLIP CONTRACT BROKEN (replacement on a traffic change):", "; ".join(violations))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
