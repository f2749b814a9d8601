"""One exit-code table, kept: every command refuses a request it cannot run with exit 2 and a line naming
what the user wrote, and with `--json` the refusal is a JSON error object (code, message, hint) on stdout.

Walks each command through the refusals every command shares (a stack with no stack file, a malformed
stack name, no project at all), then the ones only the JSON commands have.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rollout_support import docker_config
from typer.testing import CliRunner

from bluegreen.cli import app
from bluegreen.cli_env import CliEnv
from bluegreen.stack_driver import PULUMI_MISSING, PulumiMissingError, StackNotFoundError
from bluegreen.stack_files import PROJECT_DIR
from testkit.mock_driver import MockProgramDriver

runner = CliRunner()

# Each command with the arguments that make a runnable request, `{stack}` where the stack name goes.
COMMANDS = {
    "release": ["release", "--stack", "{stack}", "--image", "repo/web:1.5.0"],
    "shift": ["shift", "--stack", "{stack}"],
    "resume": ["resume", "--stack", "{stack}"],
    "pause": ["pause", "--stack", "{stack}"],
    "rollback": ["rollback", "--stack", "{stack}"],
    "abort": ["abort", "--stack", "{stack}"],
    "promote": ["promote", "--from", "{stack}", "--to", "dev"],
    "status": ["status", "--stack", "{stack}"],
    "status --json": ["status", "--json", "--stack", "{stack}"],
    "check": ["check", "--stack", "{stack}"],
    "check --json -": ["check", "--json", "-", "--stack", "{stack}"],
}
JSON_COMMANDS = ("status --json", "check --json -")


@pytest.fixture(autouse=True)
def wide(monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")


def args_of(command: str, stack: str) -> list[str]:
    return [part.replace("{stack}", stack) for part in COMMANDS[command]]


def never_contacted(name: str) -> MockProgramDriver:
    raise AssertionError(f"stack {name} was contacted for a request that should be refused first")


def env_in(project: Path | None) -> CliEnv:
    return CliEnv(driver_for=never_contacted, project_dir=project)


def assert_refused(result, command: str, *quoted: str) -> None:
    assert result.exit_code == 2, (command, result.output)
    assert "Traceback" not in result.output
    flat = " ".join(result.output.split())
    for text in quoted:
        assert text in flat, (command, result.output)
    if command in JSON_COMMANDS:
        # stdout carries exactly one JSON document: the error object (the human line went to stderr).
        [error] = json.loads(result.stdout).values()
        assert error["code"] == 2 and error["status"] == "refused"
        assert all(text in error["message"] for text in quoted)
        assert error["hint"]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_stack_without_a_stack_file_is_refused_naming_it(command):
    result = runner.invoke(app, args_of(command, "acme/qa-eu"), obj=env_in(PROJECT_DIR))

    option = "--from" if command == "promote" else "--stack"
    assert_refused(result, command, f"{option} = 'acme/qa-eu' is invalid: there is no Pulumi.qa-eu.yaml")


@pytest.mark.parametrize("command", COMMANDS)
def test_a_malformed_stack_name_is_refused_quoting_it(command):
    result = runner.invoke(app, args_of(command, "acme/web/prod/eu"), obj=env_in(PROJECT_DIR))

    rule = "'acme/web/prod/eu' is invalid: a stack is `name`, `org/name` or `org/project/name`"
    assert_refused(result, command, rule)


@pytest.mark.parametrize("command", COMMANDS)
def test_outside_any_project_every_command_is_refused_and_the_package_is_never_the_project(command, tmp_path):
    result = runner.invoke(app, args_of(command, "dev"), obj=env_in(None))

    assert_refused(result, command, "no Pulumi project here", "hold no Pulumi.yaml")


def test_status_without_the_pulumi_cli_is_refused_with_a_json_error_and_the_install_hint(tmp_path):
    def missing(name: str) -> MockProgramDriver:
        raise PulumiMissingError(PULUMI_MISSING)

    result = runner.invoke(app, ["status", "--json"], obj=CliEnv(driver_for=missing, project_dir=PROJECT_DIR))

    assert_refused(result, "status --json", "the Pulumi CLI is not installed")
    assert "curl -fsSL https://get.pulumi.com | sh" in json.loads(result.stdout)["error"]["message"]


def test_check_without_a_policy_pack_anywhere_is_refused_with_json(tmp_path, monkeypatch):
    from bluegreen import policy_client

    (tmp_path / "Pulumi.yaml").write_text("name: mine\nruntime: python\n")
    shutil.copy(PROJECT_DIR / "Pulumi.local.yaml", tmp_path / "Pulumi.local.yaml")
    monkeypatch.setattr(policy_client, "shipped_pack", lambda: tmp_path / "nowhere")

    result = runner.invoke(app, ["check", "--json", "-", "--project-dir", str(tmp_path)], obj=env_in(None))

    assert_refused(result, "check --json -", "the policy pack did not start")


def test_a_bad_option_value_with_json_is_a_json_error_too(tmp_path):
    # Usage errors are click's: the console script (`python -m bluegreen`) turns them into the same object.
    result = subprocess.run(
        [sys.executable, "-m", "bluegreen", "status", "--json", "--watch", "0s"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    error = json.loads(result.stdout)["error"]
    assert error["code"] == 2 and "'0s' is too short: must be at least 1s" in error["message"]
    assert "Invalid value for '--watch'" in result.stderr


@pytest.mark.parametrize("stack", ["qa-eu", "acme/qa-eu", "acme/proj/qa-eu"])
def test_stack_names_map_to_the_stack_file_as_pulumi_maps_them(stack, tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: mine\nruntime: python\n")
    (tmp_path / "Pulumi.qa-eu.yaml").write_text("config: {}\n")
    seen = []

    def driver_for(name: str) -> MockProgramDriver:
        seen.append(name)
        return MockProgramDriver.deployed(name, docker_config())

    env = CliEnv(driver_for=driver_for, gates=lambda spec, config, http: [], project_dir=tmp_path)
    result = runner.invoke(app, ["status", "--json", "--stack", stack], obj=env)

    assert result.exit_code == 0, result.output
    assert seen == [stack]
    assert [s["stack"] for s in json.loads(result.stdout)] == [stack]


def test_without_stack_status_covers_the_stack_files_the_project_has(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: mine\nruntime: python\n")
    for name in ("qa-eu", "prod-us"):
        (tmp_path / f"Pulumi.{name}.yaml").write_text("config: {}\n")
    seen = []

    def driver_for(name: str) -> MockProgramDriver:
        seen.append(name)
        raise StackNotFoundError(f"stack {name!r} does not exist in the current backend")

    result = runner.invoke(app, ["status", "--json"], obj=CliEnv(driver_for=driver_for, project_dir=tmp_path))

    assert seen == ["prod-us", "qa-eu"]
    assert result.exit_code == 1
    assert [s["stack"] for s in json.loads(result.stdout)] == ["prod-us", "qa-eu"]
