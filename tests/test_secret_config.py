"""Secrets stay secrets in the program (issue 17, hole 2): read through Pulumi's config API, registered as
secret Outputs, and never shown in a validation message.

The engine hands a program its secret keys decrypted and names them as secret; `run_config(...,
secret_keys=...)` does the same under mocks, and the real `__main__.py` runs.
"""

import json
from typing import Any

import pulumi
import pytest
from rollout_support import docker_config

from bluegreen.program_run import ProgramRun, run_config
from components.rollout_strategy import TYPE_TOKEN

TOKEN = "tok-PLANTED-5f2c9a7e01"
SIG_KEY, SECRET_SIG = "4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"


def plain_parts(value: Any) -> Any:
    """`value` with every secret-wrapped part left out: what would sit in state unencrypted."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            return "[encrypted]"
        return {key: plain_parts(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain_parts(item) for item in value]
    return value


def state_text(run: ProgramRun) -> str:
    """Every registered input and stack output, secrets left out, as one searchable text."""
    inputs = {urn: plain_parts(resource.inputs) for urn, resource in run.resources.items()}
    return json.dumps({"inputs": inputs, "outputs": plain_parts(run.outputs)})


def with_hook(hook: dict) -> dict:
    return {**docker_config(), "bluegreen:rollout": {"steps": [{"setWeight": 100}], "hooks": {"preTraffic": hook}}}


@pytest.mark.parametrize(
    "hook",
    [
        {"url": f"https://checks.example.com/run?token={TOKEN}"},
        {"command": ["./smoke.sh", "--token", TOKEN]},
    ],
)
def test_a_secret_rollout_registers_its_hook_as_a_secret_and_nothing_in_plain_text(hook):
    run = run_config(with_hook(hook), stack="local", secret_keys=["bluegreen:rollout"])

    assert TOKEN not in state_text(run)
    [strategy] = run.of_type(TYPE_TOKEN)
    targets = strategy.inputs["hookTargets"]
    assert targets[SIG_KEY] == SECRET_SIG and TOKEN in json.dumps(targets["value"])
    # The rest stays readable for the pack: a hook's env and reach are judged in the open.
    assert "hooks" in strategy.inputs and "url" not in strategy.inputs["hooks"]["preTraffic"]


def test_a_plain_rollout_keeps_its_hook_in_the_open_for_reviewers():
    run = run_config(with_hook({"url": "https://checks.example.com/run"}), stack="local")
    [strategy] = run.of_type(TYPE_TOKEN)
    assert strategy.inputs["hooks"]["preTraffic"]["url"] == "https://checks.example.com/run"
    assert "hookTargets" not in strategy.inputs


def config_error_of(config: dict, secret_keys: list[str]) -> str:
    run = ProgramRun()
    with pytest.raises(pulumi.RunError) as caught:
        run_config(config, stack="local", into=run, secret_keys=secret_keys)
    assert run.resources == {}
    return str(caught.value)


@pytest.mark.parametrize(
    ("hook", "shown"),
    [
        ({"url": f"http://169.254.169.254/{TOKEN}/"}, "url = [secret] is invalid: names a host hooks may not call"),
        ({"command": ["true"], "env": [TOKEN + "=x"]}, "env = [secret] is invalid: must hold environment variable"),
    ],
)
def test_a_bad_value_in_a_secret_key_is_named_but_never_shown(hook, shown):
    message = config_error_of(with_hook(hook), ["bluegreen:rollout"])

    assert f"bluegreen:rollout.hooks.preTraffic.{shown}" in message
    assert TOKEN not in message


def test_a_secret_where_it_would_land_in_plain_resource_inputs_is_refused_naming_the_key():
    message = config_error_of(docker_config(), ["bluegreen:service"])
    assert "bluegreen:service = [secret] is invalid: may not be a secret: its values become plain resource inputs" in (
        message
    )
    assert "web" not in message.split("\n", 1)[1]  # the service's name, a value of the secret key


def test_a_plain_value_is_shown_bounded_and_with_url_credentials_hidden():
    hook = {"url": f"ftp://user:{TOKEN}@example.com/" + "x" * 100_000 + f"?q={TOKEN}"}
    message = config_error_of(with_hook(hook), [])

    assert TOKEN not in message
    assert "ftp://[redacted]@example.com/xxx" in message
    assert len(message) < 2_000 and "[cut: " in message


SECURE = {"secure": "v1:8Jk2b0Lw7yQ=:v1:PLANTEDciphertext0123456789abcdef"}


def check_with(tmp_path, monkeypatch, change) -> tuple[int, str, dict]:
    """`bluegreen check --stack prod` on a copy of the project whose prod stack file `change` edited."""
    import yaml
    from typer.testing import CliRunner

    from bluegreen.cli import app
    from tests.test_offline_check import project_copy

    monkeypatch.setenv("COLUMNS", "300")
    project_copy(tmp_path, "Pulumi.prod.yaml")
    stack_file = tmp_path / "Pulumi.prod.yaml"
    document = yaml.safe_load(stack_file.read_text())
    change(document["config"])
    stack_file.write_text(yaml.safe_dump(document))
    report = tmp_path / "check.json"
    result = CliRunner().invoke(
        app, ["check", "--stack", "prod", "--project-dir", str(tmp_path), "--json", str(report)]
    )
    return result.exit_code, result.output, json.loads(report.read_text())


@pytest.mark.policy
def test_a_secure_hook_url_and_prometheus_address_pass_the_check_unread(
    tmp_path, monkeypatch, cli_shares_the_policy_pack
):
    def change(config: dict) -> None:
        config["bluegreen:rollout"]["hooks"] = {"preTraffic": {"url": SECURE}}
        config["bluegreen:rollout"]["prometheus"] = {"address": SECURE}
        config["aws:secretKey"] = SECURE

    code, output, report = check_with(tmp_path, monkeypatch, change)

    assert code == 0, output
    assert "hook preTraffic: GET [secret] (expects HTTP 200)" in output
    assert report["stacks"][0]["hooks"][0]["runs"] == "GET [secret] (expects HTTP 200)"
    assert "PLANTED" not in output + json.dumps(report)


@pytest.mark.policy
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda c: c.update({"bluegreen:rollout": SECURE}),
         "bluegreen:rollout = [secret] is invalid: is a secret (secure:) where the check cannot judge"),
        (lambda c: c["bluegreen:service"].update({"port": SECURE}),
         "bluegreen:service = [secret] is invalid: may not be a secret"),
    ],
)
def test_a_secure_value_where_no_secret_belongs_is_a_config_problem_naming_the_key(
    tmp_path, monkeypatch, change, expected, cli_shares_the_policy_pack
):
    code, output, report = check_with(tmp_path, monkeypatch, change)

    assert code == 1, output
    assert expected in output
    assert "PLANTED" not in output + json.dumps(report)


def test_only_what_can_hold_a_secret_is_scrubbed_from_a_secret_rollout():
    from components.spec.secret_config import secret_values

    rollout = {
        "steps": [{"setWeight": 5}, {"pause": "5m"}, {"setWeight": 100}],
        "analysis": {"metrics": [{"name": "error-rate", "provider": "prometheus", "query": "q{{color}}", "max": 0.01}]},
        "prometheus": {"address": "https://user:pw@prom.example.com"},
        "hooks": {"preTraffic": {"command": ["./smoke.sh", "--token", TOKEN], "env": ["SMOKE_TOKEN"]}},
    }
    assert sorted(secret_values("bluegreen:rollout", rollout)) == sorted(
        ["https://user:pw@prom.example.com", "./smoke.sh", "--token", TOKEN]
    )
    # A key that may not be secret is refused anyway; every string of it is scrubbed meanwhile.
    assert secret_values("bluegreen:service", {"name": "web-frontend"}) == ["web-frontend"]
