"""A planted secret appears nowhere (issue 17, hole 2): not in what the CLI prints for release, status,
`status --json` or check, not in the release's event stream, not in the check's JSON and Markdown, not in
state under mocks.

The secret sits in `bluegreen:rollout`, a secret key, as a token in a hook's command and URL; the
hook fails and prints it too. A second token sits in plain config, in a URL's query and credentials,
where every message must still redact it.
"""

import json

import pytest
import yaml
from rollout_support import docker_config, run_cli
from test_secret_config import state_text
from typer.testing import CliRunner

from bluegreen.cli import app
from bluegreen.program_run import run_config
from testkit.mock_driver import MockProgramDriver
from tests.test_offline_check import project_copy

SECRET = "s3cr3t-PLANTED-7c1d0e9b"
IN_URL = "u2l-PLANTED-a91f03"


def secret_rollout() -> dict:
    leak = ["sh", "-c", 'echo "smoke failed for $1"; exit 3', "sh", SECRET]
    return {"steps": [{"setWeight": 100}], "hooks": {"preTraffic": {"command": leak, "timeout": "5s"}}}


@pytest.fixture
def driver(monkeypatch) -> MockProgramDriver:
    monkeypatch.setenv("COLUMNS", "300")
    config = {**docker_config(), "bluegreen:rollout": secret_rollout()}
    return MockProgramDriver.deployed("local", config, secret_keys=["bluegreen:rollout"])


def test_release_and_status_never_print_the_secret(driver, tmp_path):
    events = tmp_path / "events.jsonl"
    args = ["release", "-s", "local", "-i", "repo/web:1.5.0", "--poll", "1", "--events", str(events)]
    code, release = run_cli(driver, *args)
    assert code == 1, release  # the hook failed, printing the secret itself
    assert "preTraffic" in events.read_text() and SECRET not in events.read_text()
    assert "preTraffic hook failed" in release and "smoke failed for [secret]" in release

    _, status = run_cli(driver, "status", "-s", "local")
    _, status_json = run_cli(driver, "status", "-s", "local", "--json")

    for output in (release, status, status_json):
        assert SECRET not in output
    json.loads(status_json)  # still valid JSON


def test_state_under_mocks_holds_the_secret_only_encrypted():
    config = {**docker_config(), "bluegreen:rollout": secret_rollout()}
    run = run_config(config, stack="local", secret_keys=["bluegreen:rollout"])
    assert SECRET not in state_text(run)


@pytest.mark.policy
def test_the_check_its_json_and_markdown_never_show_a_secure_value_or_url_credentials(
    tmp_path, monkeypatch, cli_shares_the_policy_pack
):
    monkeypatch.setenv("COLUMNS", "300")
    project_copy(tmp_path, "Pulumi.prod.yaml")
    stack_file = tmp_path / "Pulumi.prod.yaml"
    document = yaml.safe_load(stack_file.read_text())
    rollout = document["config"]["bluegreen:rollout"]
    rollout["hooks"] = {"preTraffic": {"url": f"https://ci:{IN_URL}@checks.example.com/run?token={IN_URL}"}}
    rollout["prometheus"] = {"address": {"secure": f"v1:{SECRET}"}}
    stack_file.write_text(yaml.safe_dump(document))
    json_path, markdown_path = tmp_path / "check.json", tmp_path / "check.md"

    reports = ["--json", str(json_path), "--markdown", str(markdown_path)]
    result = CliRunner().invoke(app, ["check", "-s", "prod", "--project-dir", str(tmp_path), *reports])

    assert result.exit_code == 0, result.output
    assert "GET https://[redacted]@checks.example.com/run?[redacted]" in result.output
    for text in (result.output, json_path.read_text(), markdown_path.read_text()):
        assert SECRET not in text and IN_URL not in text

