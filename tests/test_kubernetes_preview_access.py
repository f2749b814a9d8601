"""Closed by default on Kubernetes (issue 17, hole 4): the Gateway mode preview route exists only when a host of
its own (`previewHostname`) or a secret token (`bluegreen:previewToken`) guards it.

Before, a stack without `previewHostname` got a preview HTTPRoute on the production host matching
`X-Bluegreen-Preview: true`, a header anyone can send, and prod with it passed the check. Each hole is
tested through the real `__main__.py` under mocks, `bluegreen check`, and the pack over gRPC.
"""

import json
import logging
import string

import pulumi
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bluegreen.cli import app
from bluegreen.program_run import run_config
from components.kubernetes.routes import preview_route_spec
from components.spec import ConfigError, parse_spec
from components.spec.preview_access import GUESSABLE_TOKENS, MIN_TOKEN_LENGTH, PREVIEW_HEADER
from tests.conftest import config_error
from tests.kubernetes_configs import GATEWAY, GUARDED_GATEWAY, SELECTOR, kubernetes, revealed
from tests.policy_cases import HTTP_ROUTE, messages, policies, resource
from tests.test_offline_check import project_copy
from tests.test_secret_config import SECRET_SIG, SIG_KEY, state_text

TOKEN = "pv-PLANTED-3b9e1f0c7d2a"
SECRET_KEYS = ["bluegreen:previewToken"]
NOTE = "no preview HTTPRoute for web: the candidate is reachable only inside the cluster"
RULE = "k8s-route-header-secret"


def with_token(config: dict, token: str = TOKEN) -> dict:
    return {**config, "bluegreen:previewToken": token}


def header_matches(run) -> list[dict]:
    """Every header match of every HTTPRoute the program registered, secrets opened."""
    found = []
    for route in run.of_type(HTTP_ROUTE):
        for rule in revealed(route.inputs)["spec"]["rules"]:
            for match in rule["matches"]:
                found += match.get("headers", [])
    return found


# --- the program under mocks -------------------------------------------------------------------


def test_no_preview_route_without_a_preview_host_or_token_and_the_program_says_so_once(caplog):
    with caplog.at_level(logging.INFO):
        run = run_config(GATEWAY)
    assert [route.name for route in run.of_type(HTTP_ROUTE)] == ["web-route"]
    assert header_matches(run) == []  # before: X-Bluegreen-Preview: true on the production host
    notes = [record for record in caplog.records if NOTE in record.getMessage()]
    assert [record.levelno for record in notes] == [logging.INFO]
    # The candidate stays reachable inside the cluster, through its own Service.
    assert run.outputs["testUrl"] == "http://web-green.shop.svc.cluster.local:8080"
    assert run.outputs["routerNames"] == {"production": "web"}


def test_a_preview_hostname_alone_opens_a_route_on_that_host_without_any_header(caplog):
    config = kubernetes(GATEWAY, gateway={"name": "public", "hostname": "web.example.com",
                                          "previewHostname": "preview.example.com"})
    with caplog.at_level(logging.INFO):
        run = run_config(config)
    preview = revealed(run.named("web-preview-route").inputs)["spec"]
    assert preview["hostnames"] == ["preview.example.com"]
    assert header_matches(run) == []
    assert not [record for record in caplog.records if NOTE in record.getMessage()]


def test_the_secret_token_guards_the_route_and_is_never_in_state_or_outputs_in_plain_text():
    run = run_config(with_token(GATEWAY), secret_keys=SECRET_KEYS)
    assert header_matches(run) == [{"type": "Exact", "name": PREVIEW_HEADER, "value": TOKEN}]
    route = run.named("web-preview-route").inputs
    assert route["spec"][SIG_KEY] == SECRET_SIG  # the engine encrypts it in state, shows [secret] in diffs
    assert TOKEN not in state_text(run)
    assert TOKEN not in json.dumps(run.outputs)


@pytest.mark.parametrize("token", [TOKEN, "true"])
def test_a_plain_token_is_refused_naming_the_key_and_never_showing_the_value(token):
    message = config_error(with_token(GATEWAY, token))
    assert "bluegreen:previewToken = [secret] is invalid: must be a secret" in message
    assert "pulumi config set --secret bluegreen:previewToken" in message
    assert f"'{token}'" not in message and TOKEN not in message


@pytest.mark.parametrize("token", ["true", "True", "1", "preview", "0123456789abcde", "aaaaaaaaaaaaaaaaaaaa",
                                   "with space inside the token"])
def test_a_short_guessable_or_malformed_secret_token_is_refused_unshown(token):
    with pytest.raises(pulumi.RunError) as raised:
        run_config(with_token(GATEWAY, token), secret_keys=SECRET_KEYS)
    message = str(raised.value)
    assert "bluegreen:previewToken = [secret] is invalid: must be " in message
    assert f"'{token}'" not in message


def test_a_token_outside_gateway_mode_is_refused_as_guarding_nothing():
    with pytest.raises(pulumi.RunError) as raised:
        run_config(with_token(SELECTOR), secret_keys=SECRET_KEYS)
    run_error = str(raised.value)
    assert "bluegreen:previewToken = [secret] is invalid: is used only by platform kubernetes in Gateway mode" in (
        run_error
    )
    assert TOKEN not in run_error


def test_selector_mode_keeps_its_private_preview_service():
    run = run_config(SELECTOR)
    preview = run.named("web-preview-service").inputs
    assert preview["spec"].get("type", "ClusterIP") == "ClusterIP"


# --- fuzz: any token, any combination of host and token ----------------------------------------

_PRINTABLE = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)


TOKEN_RULES = {
    "must be a string",
    "must be a header value of visible ASCII characters without spaces",
    f"must be at least {MIN_TOKEN_LENGTH} characters nobody could guess, e.g. the output of `openssl rand -hex 16`",
}


def _accepted(token: str) -> bool:
    visible = all("!" <= char <= "~" for char in token)
    return visible and len(token) >= MIN_TOKEN_LENGTH and token.lower() not in GUESSABLE_TOKENS and len(set(token)) >= 4


def _raw(token: str | None, preview_hostname: str | None) -> dict:
    gateway = {"name": "public", "hostname": "web.example.com"}
    if preview_hostname is not None:
        gateway["previewHostname"] = preview_hostname
    raw = {
        "platform": "kubernetes",
        "blue": {"image": "ghcr.io/acme/web:1.4.2"},
        "green": {"image": "ghcr.io/acme/web:1.5.0"},
        "kubernetes": {"namespace": "shop", "gateway": gateway},
    }
    return raw if token is None else {**raw, "previewToken": token}


@settings(max_examples=200, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(token=st.one_of(_PRINTABLE, st.sampled_from(sorted(GUESSABLE_TOKENS)), st.text(string.hexdigits, min_size=16)))
def test_fuzz_a_secret_token_is_accepted_exactly_when_strong_and_never_shown(token):
    try:
        spec = parse_spec(_raw(token, None), secret_keys={"previewToken"})
    except ConfigError as error:
        assert not _accepted(token)
        [problem] = error.problems
        # The value is never shown, and the rule is fixed text: nothing of the token can leak through it.
        assert str(problem).startswith("bluegreen:previewToken = [secret] is invalid: must be ")
        assert problem.rule in TOKEN_RULES
        return
    assert _accepted(token)
    route = preview_route_spec(spec, spec.preview_token)
    assert route is not None
    assert route["rules"][0]["matches"][0]["headers"] == [{"type": "Exact", "name": PREVIEW_HEADER, "value": token}]


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(token=st.one_of(st.none(), st.just(TOKEN)), host=st.sampled_from([None, "preview.example.com"]),
       secret=st.booleans())
def test_fuzz_a_preview_route_exists_only_when_a_host_or_secret_token_guards_it(token, host, secret):
    try:
        spec = parse_spec(_raw(token, host), secret_keys={"previewToken"} if secret else set())
    except ConfigError as error:
        assert token is not None and not secret  # only a plain token is refused
        assert "must be a secret" in str(error) and TOKEN not in str(error)
        return
    route = preview_route_spec(spec, spec.preview_token)
    assert (route is not None) == (host is not None or token is not None)
    if route is not None:
        headers = route["rules"][0]["matches"][0].get("headers", [])
        # Every header a preview route matches carries the secret token, never a fixed value.
        assert [header["value"] for header in headers] == ([token] if token else [])


# --- bluegreen check ---------------------------------------------------------------------------


# A strategy prod accepts on kubernetes: judged on the app's own Prometheus series.
_ERRORS = 'http_requests_total{app="{{service}}",color="{{color}}"'
PROD_ROLLOUT = {
    "steps": [{"setWeight": 10}, {"pause": "5m"}, {"setWeight": 100}],
    "prometheus": {"address": "http://prometheus.monitoring:9090"},
    "analysis": {
        "interval": "1m",
        "metrics": [
            {
                "name": "error-rate",
                "provider": "prometheus",
                "query": f'sum(rate({_ERRORS},code=~"5.."}}[1m])) / sum(rate({_ERRORS}}}[1m]))',
                "requestsQuery": f"sum(increase({_ERRORS}}}[1m]))",
                "max": 0.01,
            }
        ],
    },
}


def _gateway_stack(tmp_path, name: str, extra: dict | None = None):
    project_copy(tmp_path)
    config = {**GATEWAY, "bluegreen:service": {"name": "web", "port": 8080, "replicas": 3, "drainSeconds": 30}}
    config["bluegreen:rollout"] = PROD_ROLLOUT
    config.update(extra or {})
    (tmp_path / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump({"config": config}))


@pytest.mark.policy
def test_the_check_says_once_that_a_gateway_stack_has_no_preview_route(
    tmp_path, monkeypatch, cli_shares_the_policy_pack
):
    monkeypatch.setenv("COLUMNS", "300")
    _gateway_stack(tmp_path, "dev")
    json_path, markdown_path = tmp_path / "check.json", tmp_path / "check.md"
    reports = ["--json", str(json_path), "--markdown", str(markdown_path)]
    result = CliRunner().invoke(app, ["check", "-s", "dev", "--project-dir", str(tmp_path), *reports])
    assert result.exit_code == 0, result.output
    assert result.output.count(NOTE) == 1
    assert "note: " + NOTE in result.output
    [stack] = json.loads(json_path.read_text())["stacks"]
    assert len(stack["notes"]) == 1 and NOTE in stack["notes"][0]
    assert "### Notes" in markdown_path.read_text()


@pytest.mark.policy
def test_prod_with_a_secure_token_passes_the_check_and_a_plain_one_is_refused_unshown(
    tmp_path, monkeypatch, cli_shares_the_policy_pack
):
    monkeypatch.setenv("COLUMNS", "300")
    _gateway_stack(tmp_path, "prod", {"bluegreen:previewToken": {"secure": "v1:AAABAHk3cmV0LWNpcGhlcnRleHQ="}})
    result = CliRunner().invoke(app, ["check", "-s", "prod", "--project-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert RULE not in result.output and NOTE not in result.output

    plain = tmp_path / "plain"
    plain.mkdir()
    _gateway_stack(plain, "prod", {"bluegreen:previewToken": TOKEN})
    result = CliRunner().invoke(app, ["check", "-s", "prod", "--project-dir", str(plain)])
    assert result.exit_code == 1
    assert "bluegreen:previewToken = [secret] is invalid: must be a secret" in result.output
    assert TOKEN not in result.output


# --- the pack over gRPC ------------------------------------------------------------------------


def _route(value, name: str = PREVIEW_HEADER) -> object:
    match = {"path": {"type": "PathPrefix", "value": "/"}, "headers": [{"type": "Exact", "name": name, "value": value}]}
    spec = {
        "parentRefs": [{"name": "public"}],
        "hostnames": ["web.example.com"],
        "rules": [{"matches": [match], "backendRefs": [{"kind": "Service", "name": "web-green", "port": 8080}]}],
    }
    return resource(HTTP_ROUTE, "web-preview", {"metadata": {"name": "web-preview"}, "spec": spec})


def _secret(value: str) -> dict:
    return {SIG_KEY: SECRET_SIG, "value": value}


@pytest.mark.policy
def test_prod_policy_refuses_a_fixed_plaintext_preview_header(policy_pack):
    from bluegreen.policy_client import load_stack_config

    policy_pack.configure(load_stack_config("prod"))
    found = [v for v in policy_pack.check([_route("true")]) if v.policy_name == RULE]
    assert [v.enforcement_level for v in found] == ["mandatory"]
    [message] = messages(found, RULE)
    assert f'matches header "{PREVIEW_HEADER}" whose value "true" is in plain text' in message
    policy_pack.configure(load_stack_config("dev"))
    assert [v.enforcement_level for v in policy_pack.check([_route("true")]) if v.policy_name == RULE] == ["advisory"]


@pytest.mark.policy
@pytest.mark.parametrize("value", ["true", "1", "Preview", "short-secret"])
def test_prod_policy_refuses_a_guessable_secret_header_without_showing_it(policy_pack, value):
    from bluegreen.policy_client import load_stack_config

    policy_pack.configure(load_stack_config("prod"))
    found = [v for v in policy_pack.check([_route(_secret(value))]) if v.policy_name == RULE]
    [message] = messages(found, RULE)
    assert "secret value is shorter than 16 characters or a well-known word" in message
    assert f'"{value}"' not in message


@pytest.mark.policy
def test_a_strong_secret_header_passes_and_a_routing_header_can_be_declared_public(policy_pack):
    from bluegreen.policy_client import load_stack_config

    policy_pack.configure(load_stack_config("prod"))
    assert RULE not in policies(policy_pack.check([_route(_secret(TOKEN))]))
    policy_pack.configure({"all": "mandatory", RULE: {"publicHeaders": ["x-client-version"]}})
    assert RULE not in policies(policy_pack.check([_route("2", name="X-Client-Version")]))
    assert RULE in policies(policy_pack.check([_route("2", name="X-Other")]))


@pytest.mark.policy
def test_the_programs_guarded_route_passes_prod_policy_and_the_old_fixed_header_fails(policy_pack):
    from bluegreen.policy_client import load_stack_config

    policy_pack.configure(load_stack_config("prod"))
    guarded = run_config(with_token(GATEWAY), secret_keys=SECRET_KEYS, stack="prod")
    assert RULE not in policies(policy_pack.check(guarded.resources.values()))
    unread = run_config(GUARDED_GATEWAY, stack="prod")  # as `bluegreen check` runs it: the token undecrypted
    assert RULE not in policies(policy_pack.check(unread.resources.values()))
    assert RULE in policies(policy_pack.check([_route("true")]))
