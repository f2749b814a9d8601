"""A real prod release for the docs: the CLI and engine run Pulumi.prod.yaml's strategy under mocks.

`python -m docs.gen.release_sample events` runs `bluegreen release --stack prod` with the real
program under Pulumi's mocks (testkit/mock_driver.py), the real metric judge fed scripted
CloudWatch readings, and a fake clock, then prints the event stream. The candidate's error
rate climbs at 25%, the second failed measurement (prod's failureLimit is 1) rolls it back.
Clock, wall time and release id are fixed, so the output is the same on every run and the
pages that show it (docs/events.md, docs/releases.md) are checked against it.
"""

import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from bluegreen.analysis.measurement import Analysis, Measurement
from bluegreen.analysis.metric_analysis import JudgedMetric, MetricAnalysis
from bluegreen.analysis.reading import Reading
from bluegreen.cli import app
from bluegreen.cli_env import CliEnv
from bluegreen.health_gates import GateResult
from bluegreen.stack_files import read_stack_config
from components.spec import BlueGreenSpec, Color
from components.spec.rollout import HookSpec
from testkit.mock_driver import MockProgramDriver

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.5.1"
START = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
RELEASE_ID = "20261204T093000Z-5a1e01"
ROOT = Path(__file__).resolve().parent.parent.parent


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class _TargetHealth:
    """Every target healthy, as `describe_target_health` would say for a good image."""

    name = "aws-target-health"

    def check(self, color: Color, spec: BlueGreenSpec, outputs: dict[str, Any]) -> GateResult:
        replicas = spec.replicas(color)
        return GateResult(self.name, color, True, f"{replicas}/{replicas} targets healthy")


def _readings(clock: _Clock) -> dict[str, Any]:
    """CloudWatch as it would answer: the candidate's errors climb once it takes 25%."""

    def errors(color: Color) -> Reading:
        minute = int(clock.now // 60)
        if color == "blue":
            return Reading(0.0011, requests=52_000, failures=57)
        # Minutes 0-11 are the deploy and the 5% pause; from minute 12 green takes 25%.
        rate = 0.0014 if minute < 13 else 0.0041 if minute < 14 else 0.0187 + 0.004 * (minute - 14)
        requests = 2_700 if minute < 12 else 13_000
        return Reading(rate, requests=requests, failures=round(rate * requests))

    def latency(color: Color) -> Reading:
        return Reading(0.121 if color == "blue" else 0.134 + 0.002 * (int(clock.now // 60) % 3))

    return {"error-rate": errors, "latency-p99": latency}


def run_release(events_path: Path) -> int:
    """Run the sample release, appending its events to `events_path`; returns the exit code."""
    clock = _Clock()
    driver = MockProgramDriver.deployed("prod", read_stack_config("prod", ROOT))
    readers = _readings(clock)

    def analysis(spec: BlueGreenSpec, outputs: dict[str, Any], stack: str, config: dict[str, Any]) -> Analysis:
        rules = spec.rollout.analysis
        assert rules is not None
        return MetricAnalysis([JudgedMetric(m, readers[m.name]) for m in rules.metrics], deadline_seconds=5)

    def hook(spec: HookSpec, outputs: dict[str, Any], timeout: float) -> Measurement:
        return Measurement("preTraffic", "green", 200.0, "== 200", "pass")

    env = CliEnv(
        driver_for=lambda name: driver,
        gates=lambda spec, config, http: [_TargetHealth()],
        analysis=analysis,
        hook_runner=lambda: hook,
        clock=clock,
        sleep=clock.sleep,
        now=lambda: START + timedelta(seconds=clock.now),
        release_id=lambda now: RELEASE_ID,
        project_dir=ROOT,
    )
    args = ["release", "--stack", "prod", "--image", IMAGE, "--yes", "--events", str(events_path)]
    return CliRunner().invoke(app, args, obj=env).exit_code


def sample_events() -> str:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "events.jsonl"
        run_release(path)
        return path.read_text()


def main(argv: list[str]) -> int:
    if argv == ["events"]:
        sys.stdout.write(sample_events())
        return 0
    print("usage: python -m docs.gen.release_sample events", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
