"""`bluegreen plan`: the whole release worked out offline from each stack file, the real program under mocks.

Every weight step of every stack changes exactly the router (design §4) on docker, aws and a
Kubernetes Gateway; prod's exposure figures match a hand computation from Pulumi.prod.yaml.
"""

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bluegreen.cli import app
from bluegreen.cli_env import CliEnv
from bluegreen.release_preview import PolicyVerdict, preview
from bluegreen.stack_files import PROJECT_DIR, read_stack_config, set_path
from testkit.stack_overrides import on_kubernetes

runner = CliRunner()
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.5.1"


def weight_steps(result):
    return [s for s in result.steps if s.kind == "weight"]


@pytest.mark.parametrize(
    ("stack", "router"),
    [
        ("local", {("pulumi-python:dynamic/haproxy:HaproxyConfig", "web-haproxy-config")}),
        ("dev", {("aws:lb/listener:Listener", "web-listener")}),
        ("staging", {("aws:lb/listener:Listener", "web-listener")}),
        ("prod", {("aws:lb/listener:Listener", "web-listener")}),
    ],
)
def test_every_weight_step_of_each_stack_changes_the_router_and_nothing_else(stack, router):
    result = preview(read_stack_config(stack, PROJECT_DIR), stack, "repo/web:9.9.9", PROJECT_DIR)

    for step in weight_steps(result)[:-1]:
        assert {(c.type, c.name) for c in step.changes} == router, step.label
        assert {c.kind for c in step.changes} == {"update"}
    # At 100% the candidate becomes live, so the test route turns to the other color too.
    last = weight_steps(result)[-1]
    assert router <= {(c.type, c.name) for c in last.changes} and last.router_only
    # The deploy step is the one that touches the color (its image), never the router's weights.
    deploy = result.steps[0]
    assert deploy.kind == "deploy" and not deploy.router_only


def test_a_kubernetes_gateway_weight_step_changes_only_the_httproute():
    config = read_stack_config("prod", PROJECT_DIR)
    gateway = {"name": "public", "hostname": "web.example.com"}
    overrides = on_kubernetes(**{"bluegreen:kubernetes": {"namespace": "web", "gateway": gateway}})
    for path, value in overrides.items():
        config = set_path(config, path, value)

    result = preview(config, "prod", "repo/web:9.9.9", PROJECT_DIR)

    for step in weight_steps(result):
        assert {c.type for c in step.changes} == {"kubernetes:gateway.networking.k8s.io/v1:HTTPRoute"}, step.label
        assert step.router_only


def test_prods_exposure_is_weight_times_time_held():
    result = preview(read_stack_config("prod", PROJECT_DIR), "prod", IMAGE, PROJECT_DIR, job_timeout=(180, "x"))

    # Pulumi.prod.yaml: 5% for 10m, 25% for 10m, 50% for 10m, measured every minute, hook timeout 30s (default).
    pauses = [(s.weights.green, s.pause_seconds, s.exposure_minutes) for s in result.steps if s.kind == "pause"]
    assert pauses == [(5, 600, 0.05 * 10), (25, 600, 0.25 * 10), (50, 600, 0.50 * 10)]
    assert result.total_exposure_minutes == pytest.approx(0.5 + 2.5 + 5.0)
    # Before the first verdict: 5% of traffic for one analysis interval (1m).
    assert result.first_verdict_exposure_minutes == pytest.approx(0.05 * 1)
    assert result.first_verdict == "5% for 1m (the first measurement, at step 4)"
    assert result.pause_seconds == 30 * 60
    assert result.worst_case_seconds == 30 * 60 + 600 + 30  # + --wait-timeout's default + the hook's timeout
    assert result.fits_job is True
    assert [s.cumulative_seconds for s in result.steps][-1] == 1800
    assert result.steps[3].metrics == (("error-rate", "<= 0.01"), ("latency-p99", "<= live + 250ms"))


def test_a_strategy_without_analysis_has_no_verdict_before_100_percent():
    result = preview(read_stack_config("local", PROJECT_DIR), "local", "repo/web:9.9.9", PROJECT_DIR)

    assert result.first_verdict.startswith("never: no analysis")
    # The default strategy: 10% for 1m and 50% for 1m, none of it judged by a metric.
    assert result.first_verdict_exposure_minutes == pytest.approx(0.1 + 0.5)


def test_each_step_carries_the_policy_verdict_of_its_resources():
    calls = []

    def judge(run):
        calls.append(len(run.resources))
        return PolicyVerdict(mandatory=("aws-x: bad",) if len(calls) == 3 else ())

    result = preview(read_stack_config("prod", PROJECT_DIR), "prod", IMAGE, PROJECT_DIR, judge)

    assert len(calls) == len(result.steps)
    assert [s.policy.passed for s in result.steps if s.policy] == [True, True, False] + [True] * (len(result.steps) - 3)


def test_plan_on_the_command_line_prints_json_only_on_stdout_with_the_pack_verdict(cli_shares_the_policy_pack):
    result = runner.invoke(app, ["plan", "--stack", "prod", "--image", IMAGE, "--json", "-"], obj=CliEnv())

    assert result.exit_code == 0, result.output
    plans = json.loads(result.stdout)
    prod = plans[0]
    assert prod["stack"] == "prod" and prod["image"] == IMAGE
    assert [s["label"] for s in prod["steps"]][:3] == [
        f"deploy {IMAGE} to green (0% traffic)",
        "preTraffic hook on the test route: GET {{testUrl}}/health (expects HTTP 200)",
        "shift green to 5% (blue 95%)",
    ]
    assert all(s["policy"]["passed"] for s in prod["steps"])  # the real pack, over gRPC, on every step
    assert prod["firstVerdictExposureMinutes"] == 0.05
    assert prod["jobTimeoutMinutes"] == 180.0 and prod["fitsJobTimeout"] is True
    assert prod["routerViolations"] == []
    assert "worst-case exposure before the first verdict: 0.05 full-traffic minute(s)" in result.stderr
    assert "CI job timeout: 180m (.github/workflows/release.yml): the worst case fits" in result.stderr


def test_plan_markdown_escapes_and_tabulates_every_step(tmp_path: Path):
    out = tmp_path / "plan.md"

    result = runner.invoke(
        app, ["plan", "-s", "staging", "-i", "repo/web:2.0.0", "--markdown", str(out), "--no-policy"], obj=CliEnv()
    )

    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert text.startswith("### Release plan: `staging`")
    assert "| 2 | shift green to 25% (blue 75%) | blue 75 / green 25 | Listener web-listener (update) |" in text
    held = "| 3 | hold green at 25% for 3m | blue 75 / green 25 | nothing | 3m | error-rate \\<= 0.02 | 0\\.75 | 3m |"
    assert held in text
    assert "policy: not run" in text


def test_a_job_timeout_too_short_for_the_worst_case_is_said(tmp_path: Path):
    result = runner.invoke(
        app, ["plan", "-s", "prod", "-i", IMAGE, "--no-policy", "--timeout-minutes", "30"], obj=CliEnv()
    )

    assert result.exit_code == 0
    assert "CI job timeout: 30m (--timeout-minutes): the worst case does NOT fit" in result.output


def test_plan_refuses_a_mutable_image_and_an_unknown_stack_before_running_anything():
    latest = runner.invoke(app, ["plan", "-s", "prod", "-i", "repo/web:latest"], obj=CliEnv())
    unknown = runner.invoke(app, ["plan", "-s", "qa"], obj=CliEnv())

    assert latest.exit_code == 2 and "--image = 'repo/web:latest' is invalid" in latest.output
    assert unknown.exit_code == 2 and "--stack = 'qa' is invalid" in unknown.output


def test_the_job_timeout_comes_from_the_release_workflow():
    from bluegreen.commands.plan import workflow_timeout

    workflow = yaml.safe_load((PROJECT_DIR / ".github/workflows/release.yml").read_text())
    minutes = workflow["jobs"]["release"]["timeout-minutes"]
    assert workflow_timeout(PROJECT_DIR) == (minutes, ".github/workflows/release.yml")
    assert workflow_timeout(Path("/nonexistent")) is None


def test_an_initial_delay_postpones_the_first_verdict_and_adds_to_the_exposure_before_it():
    config = set_path(read_stack_config("prod", PROJECT_DIR), "bluegreen:rollout.analysis.initialDelay", "2m")

    result = preview(config, "prod", IMAGE, PROJECT_DIR)

    # 5% for initialDelay (2m) + interval (1m) before the first window ends.
    assert result.first_verdict_exposure_minutes == pytest.approx(0.05 * 3)
    assert result.first_verdict == "5% for 3m (the first measurement, at step 4)"
