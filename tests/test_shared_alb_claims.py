"""On a shared ALB a rule claims only its own hosts (issue 17, hole 5).

Before, `hostHeaders: ["*"]`, `["*.*"]` and `pathPatterns: ["/*"]` at priority 1 were accepted and became
catch-all rules on the production and test listeners, and so was another team's host at a lower priority
number. Now a catch-all needs `catchAll: true`, which the pack refuses in prod, and every host must be one
of the stack's `ownedHosts`. Each hole goes through the real `__main__.py` under mocks, `bluegreen check`
and the pack over gRPC; hypothesis checks that the config model and the pack agree on any rule.
"""

import shutil

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bluegreen.cli import app
from bluegreen.policy_client import load_stack_config
from bluegreen.program_run import ProgramRun, run_config
from bluegreen.stack_files import PROJECT_DIR, read_stack_config, set_path
from components.aws.shared_routing import rule_conditions
from components.spec import SharedListener
from components.spec.arguments import ArgumentError
from tests.conftest import config_error
from tests.policy_cases import messages, policies, resource
from tests.policy_inprocess import parsed
from tests.test_offline_check import project_copy

EXAMPLES = PROJECT_DIR / "examples"
RULE_TYPE = "aws:lb/listenerRule:ListenerRule"
POLICY = "aws-shared-rule-not-catch-all"
HOSTS = "bluegreen:aws.sharedListener.hostHeaders"
PATHS = "bluegreen:aws.sharedListener.pathPatterns"


def api_stack(**overrides) -> dict:
    """examples/Pulumi.shop-api.yaml (owns api.shop.example.com, priority 10) with values set by path."""
    config = read_stack_config("shop-api", project_dir=EXAMPLES)
    for path, value in overrides.items():
        config = set_path(config, path, value)
    return config


def run_api(**overrides) -> ProgramRun:
    return run_config(api_stack(**overrides), stack="shop-api")


# --- the program under mocks -------------------------------------------------------------------


@pytest.mark.parametrize("hosts", [["*"], ["*.*"], ["?*"], ["*.*.*"], ["api.shop.example.com", "*"]])
def test_a_wildcard_only_host_is_refused_without_catch_all(hosts):
    message = config_error(api_stack(**{HOSTS: hosts}))
    assert f"{HOSTS} = {hosts!r}".replace('"', "'") in message.replace('"', "'")
    assert "matches any host, so this rule would take the requests of every service" in message
    assert "set catchAll: true (refused in prod by aws-shared-rule-not-catch-all)" in message


@pytest.mark.parametrize("paths", [["/*"], ["/*/*"], ["/?*"]])
def test_a_match_all_path_with_no_host_is_refused_without_catch_all(paths):
    message = config_error(api_stack(**{HOSTS: None, PATHS: paths}))
    assert f"{PATHS} = {paths!r}" in message
    assert "with no hostHeaders, a match-all path (/*) takes every request to every host" in message


def test_a_match_all_path_under_an_own_host_is_that_hosts_whole_site():
    run = run_api(**{PATHS: ["/*"]})
    assert run.named("api-rule").inputs["conditions"] == [
        {"hostHeader": {"values": ["api.shop.example.com"]}}, {"pathPattern": {"values": ["/*"]}}
    ]


@pytest.mark.parametrize("host", ["shop.example.com", "admin.shop.example.com", "*.shop.example.com",
                                  "*api.shop.example.com", "api.shop.example.com.evil.io"])
def test_another_services_host_is_refused_naming_the_key_the_value_and_the_rule(host):
    # shop-web owns shop.example.com; before, api at priority 10 < 20 would have taken its traffic.
    message = config_error(api_stack(**{HOSTS: [host]}))
    assert f"{HOSTS} = ['{host}'] is invalid: '{host}' is not among this stack's own hosts" in message
    assert "(ownedHosts ['api.shop.example.com']); a rule may claim only those" in message


def test_without_owned_hosts_no_host_can_be_claimed():
    message = config_error(api_stack(**{"bluegreen:aws.sharedListener.ownedHosts": None}))
    assert "'api.shop.example.com' is not among this stack's own hosts (no ownedHosts)" in message


def test_an_owned_domain_covers_the_hosts_under_it_and_nothing_beside_it():
    owned = {"bluegreen:aws.sharedListener.ownedHosts": ["*.api.shop.example.com"]}
    run = run_api(**owned, **{HOSTS: ["v2.api.shop.example.com", "*.api.shop.example.com"]})
    assert run.named("api-rule").inputs["conditions"] == [
        {"hostHeader": {"values": ["v2.api.shop.example.com", "*.api.shop.example.com"]}}
    ]
    beside = config_error(api_stack(**owned, **{HOSTS: ["api.shop.example.com"]}))
    assert "is not among this stack's own hosts" in beside


@pytest.mark.parametrize("owned", ["*.com", "*", "api.*.example.com", "*.*.example.com"])
def test_an_owned_host_cannot_itself_be_a_catch_all(owned):
    message = config_error(api_stack(**{"bluegreen:aws.sharedListener.ownedHosts": [owned]}))
    assert f"bluegreen:aws.sharedListener.ownedHosts[0] = '{owned}' is invalid: must be a host name" in message


def test_catch_all_true_lets_the_program_register_the_catch_all_rule():
    run = run_api(**{HOSTS: ["*"], "bluegreen:aws.sharedListener.catchAll": True})
    for rule in ("api-rule", "api-test-rule"):
        assert run.named(rule).inputs["conditions"] == [{"hostHeader": {"values": ["*"]}}]


def test_the_library_refuses_a_catch_all_when_the_arguments_are_built():
    with pytest.raises(ArgumentError, match=r"host_headers = \['\*'\] is invalid: '\*' matches any host"):
        SharedListener(priority=1, owned_hosts=["api.example.com"], host_headers=["*"])
    assert SharedListener(priority=1, catch_all=True, host_headers=["*"]).host_headers == ["*"]


# --- the pack over gRPC ------------------------------------------------------------------------


def listener_rule(*conditions: dict, priority: int = 1):
    return resource(RULE_TYPE, "api-rule", {"listenerArn": "arn:listener", "priority": priority,
                                            "actions": [], "conditions": list(conditions)})


@pytest.mark.policy
@pytest.mark.parametrize(
    ("conditions", "reason"),
    [
        ([{"hostHeader": {"values": ["*"]}}], 'host condition ["*"] matches any host'),
        ([{"hostHeader": {"values": ["api.example.com", "*.*"]}}], 'host condition ["*.*"] matches any host'),
        ([{"pathPattern": {"values": ["/*"]}}], 'it has no host condition and path ["/*"] matches every path'),
        ([], "it has no host or path condition, so it matches every request"),
    ],
)
def test_prod_policy_refuses_a_catch_all_listener_rule(policy_pack, conditions, reason):
    policy_pack.configure(load_stack_config("prod"))
    found = [v for v in policy_pack.check([listener_rule(*conditions)]) if v.policy_name == POLICY]
    assert [v.enforcement_level for v in found] == ["mandatory"]
    [message] = messages(found, POLICY)
    assert f'ListenerRule "api-rule" at priority 1: {reason}, so on a shared listener it takes the requests' in message


@pytest.mark.policy
def test_own_hosts_and_paths_pass_and_dev_only_warns(policy_pack):
    policy_pack.configure(load_stack_config("prod"))
    own = listener_rule({"hostHeader": {"values": ["api.example.com"]}}, {"pathPattern": {"values": ["/*"]}})
    path_only = listener_rule({"pathPattern": {"values": ["/api/*"]}})
    assert POLICY not in policies(policy_pack.check([own, path_only]))
    policy_pack.configure(load_stack_config("dev"))
    found = policy_pack.check([listener_rule({"hostHeader": {"values": ["*"]}})])
    assert [(v.policy_name, v.enforcement_level) for v in found if v.policy_name == POLICY] == [(POLICY, "advisory")]


@pytest.mark.policy
def test_catch_all_true_is_refused_by_prod_policy_on_the_programs_own_rules(policy_pack):
    run = run_api(**{HOSTS: ["*"], "bluegreen:aws.sharedListener.catchAll": True})
    policy_pack.configure(load_stack_config("prod"))
    found = [v for v in policy_pack.check(run.resources.values()) if v.policy_name == POLICY]
    assert sorted(run.resources[v.urn].name for v in found) == ["api-rule", "api-test-rule"]
    assert {v.enforcement_level for v in found} == {"mandatory"}
    assert POLICY not in policies(policy_pack.check(run_api().resources.values()))


# --- bluegreen check ---------------------------------------------------------------------------


def _project(tmp_path, stack: str, **overrides):
    project_copy(tmp_path)
    shutil.copy(EXAMPLES / "Pulumi.shop-api.yaml", tmp_path / f"Pulumi.{stack}.yaml")
    (tmp_path / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": api_stack(**overrides)}))


@pytest.mark.policy
def test_the_check_refuses_a_wildcard_host_and_prod_refuses_catch_all(
    tmp_path, monkeypatch, cli_shares_the_policy_pack
):
    monkeypatch.setenv("COLUMNS", "300")
    wild, declared, dev = tmp_path / "wild", tmp_path / "declared", tmp_path / "dev"
    for directory in (wild, declared, dev):
        directory.mkdir()
    _project(wild, "prod", **{HOSTS: ["*"]})
    result = CliRunner().invoke(app, ["check", "-s", "prod", "--project-dir", str(wild)])
    assert result.exit_code == 1
    assert f"{HOSTS} = ['*'] is invalid: '*' matches any host" in result.output

    _project(declared, "prod", **{HOSTS: ["*"], "bluegreen:aws.sharedListener.catchAll": True})
    result = CliRunner().invoke(app, ["check", "-s", "prod", "--project-dir", str(declared)])
    assert result.exit_code == 1
    assert f"[mandatory]  [severity: high]  {POLICY}" in result.output

    _project(dev, "dev", **{HOSTS: ["*"], "bluegreen:aws.sharedListener.catchAll": True})
    result = CliRunner().invoke(app, ["check", "-s", "dev", "--project-dir", str(dev)])
    assert f"[advisory]  [severity: high]  {POLICY}" in result.output
    assert POLICY in result.output and "mandatory] " not in result.output.split(POLICY)[0].rsplit("\n", 2)[-1]


@pytest.mark.policy
def test_the_check_refuses_a_foreign_host(tmp_path, monkeypatch, cli_shares_the_policy_pack):
    monkeypatch.setenv("COLUMNS", "300")
    _project(tmp_path, "prod", **{HOSTS: ["shop.example.com"]})
    result = CliRunner().invoke(app, ["check", "-s", "prod", "--project-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{HOSTS} = ['shop.example.com'] is invalid: 'shop.example.com' is not among this stack's own" in (
        result.output
    )


# --- fuzz: the config model and the pack agree on every rule -----------------------------------

_HOST = st.text(alphabet="ab.*?-", min_size=1, max_size=12)
_PATH = st.text(alphabet="/a*?", min_size=0, max_size=6).map(lambda tail: "/" + tail)
OWNED = ["example.com", "*.example.com"]


def _pack_reason(listener: SharedListener) -> list[str]:
    # The rendered conditions, camelCased as the engine sends them, through the pack's own parse and rule.
    import rules.aws_shared_rules as shared_rules

    conditions = [
        {"hostHeader" if "host_header" in c else "pathPattern": {"values": next(iter(c.values()))["values"]}}
        for c in rule_conditions(listener)
    ]
    props, _ = parsed(listener_rule(*conditions))
    reason = shared_rules.catch_all_reason(props)
    return [] if reason is None else [reason]


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(hosts=st.one_of(st.none(), st.lists(_HOST, min_size=1, max_size=3)),
       paths=st.one_of(st.none(), st.lists(_PATH, min_size=1, max_size=2)), catch_all=st.booleans())
def test_fuzz_a_rule_the_config_accepts_without_catch_all_is_never_a_catch_all_to_the_pack(hosts, paths, catch_all):
    try:
        listener = SharedListener(priority=1, catch_all=catch_all, owned_hosts=OWNED, host_headers=hosts,
                                  path_patterns=paths)
    except ArgumentError:
        return
    reasons = _pack_reason(listener)
    if not catch_all:
        assert reasons == []
        # Every host it claims is one of the owned ones.
        for host in listener.host_headers or []:
            assert host == "example.com" or host.endswith(".example.com")
    # With catchAll the pack still sees what the rule is: any wildcard-only host is reported.
    if catch_all and any("*" in host and set(host) <= set("*?.") for host in listener.host_headers or []):
        assert reasons and "matches any host" in reasons[0]
