"""The offline policy check: resources through the real pack over gRPC, grouped by resource, three formats."""

import importlib.util
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bluegreen.check_report import github_link, grouped, json_text, markdown, text_lines, to_json
from bluegreen.cli import app
from bluegreen.offline_check import SCOPE_NOTE, StackCheck, check_resources, run_stack
from bluegreen.policy_client import Violation
from bluegreen.program_run import RegisteredResource
from bluegreen.stack_files import PROJECT_DIR, stack_names

STACKS = stack_names(PROJECT_DIR)

pytestmark = pytest.mark.policy

CONTAINER = "docker:index/container:Container"
HEALTHCHECK = {
    "tests": ["CMD-SHELL", "curl -fsS http://127.0.0.1:8080/health || exit 1"],
    "interval": "10s",
    "timeout": "5s",
    "retries": 3,
}


def container(name: str, image: str, healthcheck: dict | None) -> RegisteredResource:
    # Confined as the program's containers are (docker-app-container-confined): the cases differ in image and health.
    confined = {"securityOpts": ["no-new-privileges:true"], "capabilities": {"drops": ["ALL"]}}
    inputs: dict[str, Any] = {"name": name, "image": image, **confined}
    if healthcheck is not None:
        inputs["healthcheck"] = healthcheck
    urn = f"urn:pulumi:test::bluegreen::{CONTAINER}::{name}"
    return RegisteredResource(urn=urn, type=CONTAINER, name=name, inputs=inputs, parent="", custom=True)


BAD = container("web-bad", "repo/web:latest", None)
GOOD = container("web-good", "repo/web:1.4.2", HEALTHCHECK)


def test_violations_are_grouped_under_the_resource_that_has_them(policy_pack):
    result = check_resources("prod", [GOOD, BAD], policy_pack, {"all": "mandatory"}, "strict.json")

    [group] = grouped(result)
    assert (group.type, group.name) == (CONTAINER, "web-bad")
    assert {v.policy_name for v in group.violations} == {
        "docker-container-healthcheck",
        "docker-image-tag-pinned",
    }
    assert not result.passed
    lines = text_lines(result)
    assert lines[0] == "Policy check of stack prod (strict.json)"
    assert lines[1] == f"    {CONTAINER}: web-bad"
    assert "        - [mandatory]  [severity: high]  docker-image-tag-pinned" in lines
    assert any('Container "web-bad" has no healthcheck' in line for line in lines)
    assert "          see docs/policies.md#docker-image-tag-pinned" in lines
    # The pack's own link at the end of the message is not printed a second time.
    assert [line for line in lines if "docs/policies.md#docker-image-tag-pinned" in line] == [
        "          see docs/policies.md#docker-image-tag-pinned"
    ]
    assert lines[-1] == "stack prod: FAILED: 2 resources, 2 mandatory, 0 advisory violation(s)"


def test_advisory_violations_are_reported_but_pass(policy_pack):
    result = check_resources("dev", [BAD], policy_pack, {"all": "advisory"})

    assert result.passed
    assert len(result.advisory) == 2 and result.mandatory == []
    assert text_lines(result)[-1] == "stack dev: PASSED: 1 resources, 0 mandatory, 2 advisory violation(s)"


def test_json_lists_every_violation_with_its_resource_and_level(policy_pack):
    strict = check_resources("prod", [BAD, GOOD], policy_pack, {"all": "mandatory"})
    lenient = check_resources("dev", [BAD], policy_pack, {"all": "advisory"})

    document = json.loads(json_text([strict, lenient]))

    assert document["scope"] == SCOPE_NOTE
    assert document["passed"] is False
    prod, dev = document["stacks"]
    assert (prod["stack"], prod["result"], prod["resourcesChecked"]) == ("prod", "failed", 2)
    assert (dev["result"], {v["enforcementLevel"] for v in dev["violations"]}) == ("passed", {"advisory"})
    pinned = next(v for v in prod["violations"] if v["policy"] == "docker-image-tag-pinned")
    assert (pinned["type"], pinned["name"], pinned["urn"]) == (CONTAINER, "web-bad", BAD.urn)
    assert "latest" in pinned["message"]
    assert pinned["url"] == "docs/policies.md#docker-image-tag-pinned"


def test_markdown_has_a_summary_table_and_the_violations_per_resource(policy_pack):
    strict = check_resources("prod", [BAD], policy_pack, {"all": "mandatory"})
    clean = check_resources("dev", [GOOD], policy_pack, {"all": "mandatory"})

    text = markdown([strict, clean])

    assert "| `prod` | ❌ failed | 1 | 2 | 0 |" in text
    assert "| `dev` | ✅ passed | 1 | 0 | 0 |" in text
    assert f"#### `{CONTAINER}` **web-bad**" in text
    linked = "[`docker-container-healthcheck`](docs/policies.md#docker-container-healthcheck)"
    assert f"- ❌ {linked} (mandatory, severity high):" in text
    assert "### `dev`" not in text  # nothing to show for a clean stack
    assert "\\|\\| exit 1" in text  # table-breaking pipes are escaped


def test_in_github_actions_markdown_links_each_rule_at_the_checked_commit(policy_pack):
    strict = check_resources("prod", [BAD], policy_pack, {"all": "mandatory"})
    env = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/web", "GITHUB_SHA": "0123abc"}

    text = markdown([strict], github_link(env))

    at_commit = "https://github.com/acme/web/blob/0123abc/docs/policies.md"
    assert f"[`docker-image-tag-pinned`]({at_commit}#docker-image-tag-pinned)" in text
    assert github_link({})("docs/policies.md#k8s-probe-timing") == "docs/policies.md#k8s-probe-timing"


def test_stack_level_violations_without_a_known_resource_come_last():
    result = StackCheck(
        stack="prod",
        resources={GOOD.urn: GOOD},
        violations=[Violation("some-stack-rule", "Stack rule.\nsomething is off", "", "mandatory", None)],
    )

    [group] = grouped(result)
    assert group.urn == "" and group.type == "(stack)"
    assert "    (stack)" in text_lines(result)


def test_an_invalid_stack_config_is_reported_one_line_per_problem(policy_pack, tmp_path):
    (tmp_path / "Pulumi.broken.yaml").write_text(
        "config:\n"
        "  bluegreen:platform: docker\n"
        "  bluegreen:blue: {image: repo/web:1.4.2}\n"
        "  bluegreen:green: {image: repo/web:1.4.2}\n"
        "  bluegreen:trafic: {blue: 100, green: 0}\n"
        "  bluegreen:service: {healthCheck: {intervalSeconds: 2}}\n"
    )

    result = run_stack("broken", policy_pack, project_dir=tmp_path)

    assert not result.passed and result.resources == {}
    assert len(result.config_problems) == 2
    typo = next(line for line in result.config_problems if line.startswith("bluegreen:trafic = "))
    assert "unknown key; did you mean traffic?" in typo
    assert (
        "bluegreen:service.healthCheck.intervalSeconds = 2 is invalid: must be an integer from 5 to 300"
    ) in result.config_problems
    assert to_json([result])["stacks"][0]["result"] == "invalid config"


def test_a_missing_stack_file_is_an_error_not_a_crash(policy_pack, tmp_path):
    result = run_stack("qa", policy_pack, project_dir=tmp_path)

    assert not result.passed
    assert result.error is not None and "no stack file Pulumi.qa.yaml" in result.error


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_file_passes_its_own_policy_config(policy_pack, stack):
    result = run_stack(stack, policy_pack)

    assert result.config_problems == [] and result.error is None
    assert len(result.resources) > 5
    assert result.mandatory == [], text_lines(result)


def test_the_cli_checks_a_stack_and_writes_json_and_markdown(tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")
    json_path, markdown_path = tmp_path / "check.json", tmp_path / "check.md"

    result = CliRunner().invoke(
        app, ["check", "--stack", "local", "--json", str(json_path), "--markdown", str(markdown_path)]
    )

    document = json.loads(json_path.read_text())
    assert result.exit_code == (0 if document["passed"] else 1)
    assert [s["stack"] for s in document["stacks"]] == ["local"]
    assert document["stacks"][0]["resourcesChecked"] > 5
    assert "judges declared resource inputs only, not provider-computed values" in result.output
    assert "Policy check of stack local (policies/config/local.json)" in result.output
    assert markdown_path.read_text().startswith("## bluegreen offline policy check")


def project_copy(into: Path, *stack_files: str) -> Path:
    """A project of its own: Pulumi.yaml, the program, the pack and its config, and the named stack files."""
    for name in ("Pulumi.yaml", "__main__.py", *stack_files):
        shutil.copy(PROJECT_DIR / name, into / name)
    shutil.copytree(PROJECT_DIR / "policies", into / "policies", ignore=shutil.ignore_patterns("venv", "__pycache__"))
    return into


def test_the_cli_shows_config_errors_and_exits_1_without_a_traceback(tmp_path, monkeypatch, cli_shares_the_policy_pack):
    monkeypatch.setenv("COLUMNS", "300")
    project_copy(tmp_path)
    (tmp_path / "Pulumi.local.yaml").write_text(
        "config:\n  bluegreen:blue: {image: repo/web:1}\n  bluegreen:green: {image: repo/web:1}\n"
        "  bluegreen:traffic: {blue: 100, green: 10}\n"
    )

    result = CliRunner().invoke(app, ["check", "--stack", "local", "--project-dir", str(tmp_path)])

    assert result.exit_code == 1
    assert "bluegreen:traffic = {blue: 100, green: 10} is invalid: weights must sum to 100" in result.output
    assert "stack local: invalid stack config (1 problem(s))" in result.output
    assert "Traceback" not in result.output


def test_project_dir_moves_the_stack_files_and_the_pack_config_too(tmp_path, monkeypatch, cli_shares_the_policy_pack):
    monkeypatch.setenv("COLUMNS", "300")
    project_copy(tmp_path, "Pulumi.local.yaml")
    (tmp_path / "policies" / "config" / "local.json").unlink()

    result = CliRunner().invoke(app, ["check", "--stack", "local", "--project-dir", str(tmp_path)])

    # The copy has no config file for `local`, so the pack's defaults apply there, not the checkout's file.
    assert "Policy check of stack local ((none: the pack's default levels))" in result.output, result.output
    assert "stack local: PASSED" in result.output


def test_a_project_without_policies_is_checked_by_the_shipped_pack(tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")
    project_copy(tmp_path, "Pulumi.local.yaml")
    shutil.rmtree(tmp_path / "policies")

    result = CliRunner().invoke(app, ["check", "--project-dir", str(tmp_path)])

    assert result.exit_code == 0, result.output
    assert "Policy check of stack local (" in result.output and "stack local: PASSED" in result.output


def test_a_projects_own_policies_override_the_shipped_pack(tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")
    project_copy(tmp_path, "Pulumi.local.yaml")
    (tmp_path / "policies" / "__main__.py").write_text("raise SystemExit('the project pack ran')\n")

    result = CliRunner().invoke(app, ["check", "--stack", "local", "--project-dir", str(tmp_path)])

    assert result.exit_code == 2
    assert "the policy pack did not start" in result.output and "the project pack ran" in result.output


def test_a_project_dir_without_pulumi_yaml_is_refused_by_name(tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")

    result = CliRunner().invoke(app, ["check", "--project-dir", str(tmp_path)])

    assert result.exit_code == 2
    assert f"--project-dir {tmp_path} holds no Pulumi.yaml" in result.output


def test_without_the_check_extra_it_says_what_to_install(monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pulumi_policy" else real_find_spec(name, *a)
    )

    result = CliRunner().invoke(app, ["check", "--stack", "local"])

    assert result.exit_code == 2
    assert "needs pulumi-policy\n  install it with: pip install 'bluegreen[check]'" in result.output


def test_json_dash_writes_only_json_to_stdout(monkeypatch, cli_shares_the_policy_pack):
    monkeypatch.setenv("COLUMNS", "300")

    result = CliRunner().invoke(app, ["check", "--stack", "local", "--json", "-"])

    document = json.loads(result.stdout)  # the human report went to stderr
    assert [s["stack"] for s in document["stacks"]] == ["local"]
    assert result.exit_code == (0 if document["passed"] else 1)
    assert "Policy check of stack local" in result.stderr
