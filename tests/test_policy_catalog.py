"""The rule catalogue the docs are generated from agrees with the running pack and its config files."""

import pytest
from google.protobuf import json_format
from policy_inprocess import PACK_DIR  # noqa: F401 (puts the pack on sys.path)
from rules.catalog import catalogue

from bluegreen.policy_client import load_stack_config
from bluegreen.stack_files import PROJECT_DIR, stack_names

STACKS = stack_names(PROJECT_DIR)

pytestmark = pytest.mark.policy


def test_the_catalogue_describes_what_the_pack_serves(policy_pack):
    served = {p.name: p for p in policy_pack.info().policies}
    entries = catalogue()
    assert [e.name for e in entries] == list(served)
    for entry in entries:
        policy = served[entry.name]
        assert (entry.description, entry.url, entry.remediation) == (
            policy.description,
            policy.url,
            policy.remediation_steps,
        )
        assert entry.kind == ("resource" if policy.policy_type == 1 else "stack")
        schema = json_format.MessageToDict(policy.configSchema.properties) if policy.HasField("configSchema") else {}
        assert entry.config_schema == schema


def test_the_catalogue_gives_each_stacks_enforcement_level():
    entries = {e.name: e for e in catalogue()}
    assert list(next(iter(entries.values())).enforcement) == ["local", "dev", "staging", "prod"]
    for stack in STACKS:
        config = load_stack_config(stack)
        assert {name: e.enforcement[stack] for name, e in entries.items()} == {
            name: config[name]["enforcementLevel"] for name in entries
        }
    # staging relaxes the HTTPS rules that prod enforces (its ALB may lack a certificate).
    assert entries["aws-https-listener-tls-policy"].enforcement == {
        "local": "advisory",
        "dev": "advisory",
        "staging": "advisory",
        "prod": "mandatory",
    }


def test_resource_rules_name_their_types_and_stack_rules_none():
    entries = {e.name: e for e in catalogue()}
    assert entries["docker-image-tag-pinned"].types == (
        "docker:index/container:Container",
        "docker:index/remoteImage:RemoteImage",
    )
    assert entries["aws-weighted-target-groups-have-tasks"].types == ()
    assert entries["aws-target-group-deregistration-delay"].config_schema == {
        "maxSeconds": {
            "type": "integer",
            "minimum": 0,
            "maximum": 3600,
            "default": 120,
            "description": "Longest deregistration delay allowed, in seconds.",
        }
    }
