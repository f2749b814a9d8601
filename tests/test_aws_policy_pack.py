"""Platform aws against the policy pack: the rendered stacks pass every rule, judged independently
over the analyzer's gRPC protocol, even with every policy made mandatory."""

import pytest

from tests.conftest import run_config, stack_config

pytestmark = pytest.mark.policy


@pytest.mark.parametrize(
    "overrides",
    [{}, {"bluegreen:traffic": {"blue": 90, "green": 10}}, {"bluegreen:traffic": {"blue": 0, "green": 100}}],
    ids=["100/0", "90/10", "0/100"],
)
@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_https_stacks_pass_every_policy(policy_pack, stack, overrides):
    policy_pack.configure({"all": "mandatory"})
    run = run_config(stack_config(stack, overrides), stack=stack)
    assert policy_pack.check(list(run.resources.values())) == []


def test_dev_is_flagged_only_for_being_plain_http(policy_pack):
    # dev is deliberately HTTP-only (no certificate); every other rule passes.
    policy_pack.configure({"all": "mandatory"})
    run = run_config(stack_config("dev"), stack="dev")
    found = policy_pack.check(list(run.resources.values()))
    assert {(v.policy_name, v.urn.split("::")[-1]) for v in found} == {
        ("aws-http-listener-redirects-to-https", "web-listener"),
        ("aws-http-listener-redirects-to-https", "web-test-listener"),
    }
