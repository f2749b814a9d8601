"""The policy pack as the engine sees it: startup contract, analyzer info, config files, failures."""

import json
import os
import re
from pathlib import Path

import pytest
from google.protobuf import json_format
from policy_cases import changed, docker_container

from bluegreen.policy_client import (
    CONFIG_DIR,
    PolicyPackError,
    PolicyPackProcess,
    load_stack_config,
)
from bluegreen.stack_files import PROJECT_DIR, stack_names

STACKS = stack_names(PROJECT_DIR)

pytestmark = pytest.mark.policy

KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)+$")


def test_analyzer_info_describes_every_policy(policy_pack):
    info = policy_pack.info()
    assert info.name == "bluegreen" and info.supportsConfig
    names = [p.name for p in info.policies]
    assert len(names) == len(set(names)) >= 28
    for policy in info.policies:
        assert KEBAB.match(policy.name), policy.name
        assert policy.description.endswith("."), policy.name
        assert policy.severity != 0, f"{policy.name} has no severity"
        assert policy.policy_type != 0, f"{policy.name} has no policy type"
        assert policy.url == f"docs/policies.md#{policy.name}", policy.name
        assert policy.remediation_steps.endswith("."), f"{policy.name} has no remediation steps"
    by_name = {p.name: p for p in info.policies}
    schema = json_format.MessageToDict(by_name["aws-target-group-deregistration-delay"].configSchema.properties)
    assert schema["maxSeconds"]["default"] == 120
    assert by_name["aws-weighted-target-groups-have-tasks"].policy_type == 2  # POLICY_TYPE_STACK


@pytest.mark.parametrize("stack", STACKS)
def test_stack_config_file_names_every_policy(policy_pack, stack):
    config = load_stack_config(stack)
    assert sorted(config) == sorted(policy_pack.policy_names())
    levels = {entry["enforcementLevel"] for entry in config.values()}
    if stack == "prod":
        assert levels == {"mandatory"}
    if stack in ("local", "dev"):
        # The release-strategy rules judge how prod and staging release; dev and local may release at once.
        # Hooks holding release credentials are a security matter: a warning there too.
        strategy = {name for name in config if name.startswith("rollout-")} - {"rollout-hook-least-privilege"}
        assert strategy and {config[name]["enforcementLevel"] for name in strategy} == {"disabled"}
        assert {entry["enforcementLevel"] for name, entry in config.items() if name not in strategy} == {"advisory"}
    policy_pack.configure(config)  # the pack accepts it, knobs and all


def test_levels_in_a_config_file_reach_the_diagnostics(policy_pack):
    latest = changed(docker_container(), image="repo/web:latest")
    for stack, level in (("dev", "advisory"), ("prod", "mandatory")):
        policy_pack.configure(load_stack_config(stack))
        [violation] = policy_pack.analyze([latest])
        assert (violation.policy_name, violation.enforcement_level, violation.severity) == (
            "docker-image-tag-pinned",
            level,
            "high",
        )
    policy_pack.configure({"docker-image-tag-pinned": "disabled"})
    assert policy_pack.analyze([latest]) == []


def test_config_naming_unknown_policies_or_knobs_is_refused(policy_pack):
    with pytest.raises(PolicyPackError, match="unknown policies: no-such-rule"):
        policy_pack.configure({"no-such-rule": "mandatory"})
    with pytest.raises(PolicyPackError, match="'aws-target-group-deregistration-delay' has no config key"):
        policy_pack.configure({"aws-target-group-deregistration-delay": {"maxSecs": 10}})


def test_a_pack_that_crashes_reports_its_stderr(tmp_path: Path):
    (tmp_path / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (tmp_path / "__main__.py").write_text("raise RuntimeError('rule table is broken')\n")
    with pytest.raises(PolicyPackError) as error, PolicyPackProcess(pack_dir=tmp_path):
        pass
    assert "exited without printing a port" in str(error.value)
    assert "rule table is broken" in str(error.value)


def test_a_directory_without_pulumipolicy_yaml_is_refused(tmp_path: Path):
    with pytest.raises(PolicyPackError, match=r"no PulumiPolicy\.yaml"), PolicyPackProcess(pack_dir=tmp_path):
        pass


def test_the_pack_process_ends_with_the_context():
    with PolicyPackProcess() as pack:
        pid = pack.pid
        assert pid is not None
        os.kill(pid, 0)  # running
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert pack.pid is None


def test_config_files_are_json_objects():
    for path in sorted(CONFIG_DIR.glob("*.json")):
        assert isinstance(json.loads(path.read_text()), dict), path
    assert sorted(p.stem for p in CONFIG_DIR.glob("*.json")) == sorted(STACKS)


def test_every_policy_links_its_documented_anchor_and_says_how_to_fix_it(policy_pack):
    docs = (Path(__file__).resolve().parent.parent / "docs" / "policies.md").read_text()
    for policy in policy_pack.info().policies:
        assert policy.url == f"docs/policies.md#{policy.name}"
        assert f'<a id="{policy.name}"></a>' in docs, policy.name
        assert policy.remediation_steps.endswith("."), f"{policy.name} has no remediation steps"
    by_name = {p.name: p for p in policy_pack.info().policies}
    assert by_name["aws-target-group-deregistration-delay"].remediation_steps == (
        "Set `deregistrationDelay` to your longest request time, at most `maxSeconds`."
    )


def test_a_bad_config_at_start_fails_and_stops_the_pack():
    pack = PolicyPackProcess(config={"k8s-probe-timing": "sometimes"})
    with pytest.raises(PolicyPackError, match="'k8s-probe-timing': unknown enforcement level 'sometimes'"), pack:
        pass
    assert pack.pid is None
