"""Hooks are reviewed code run with least privilege (issue 17, hole 1 and the hook URLs of hole 9).

A stack file is reviewed input: a hook in it must not get the release machine's Pulumi or
cloud credentials, and a URL hook must not reach the cloud metadata service. Each case runs
the real CLI release on the real program under mocks, or the real program's validation.
"""

import http.server
import json
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rollout_support import docker_config, run_cli

from bluegreen.analysis.hooks import hook_environment, run_hook
from components.spec.hook_urls import forbidden_reason
from components.spec.rollout import HookSpec
from testkit.mock_driver import MockProgramDriver
from tests.conftest import config_error

CREDENTIALS = {
    "PULUMI_ACCESS_TOKEN": "pul-0123456789abcdef",
    "PULUMI_CONFIG_PASSPHRASE": "correct horse battery staple",
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_SESSION_TOKEN": "FwoGZXIvYXdzEXAMPLE",
    "GITHUB_TOKEN": "ghs_EXAMPLE",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "eyEXAMPLE",
    "ARM_CLIENT_SECRET": "azure-EXAMPLE",
}
# The environment the process was started with (Python itself adds LC_CTYPE to os.environ in a C locale).
DUMP_ENV = (
    "import json, sys; raw = open('/proc/self/environ', 'rb').read().decode(); "
    "json.dump(dict(kv.split('=', 1) for kv in raw.split('\\0') if kv), open(sys.argv[1], 'w'))"
)
OUTPUTS = {"testUrl": "http://127.0.0.1:9", "url": "http://127.0.0.1:9", "liveColor": "blue"}


def release_with_hook(hook: dict, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """`bluegreen release` on the local stack with `hook` as its preTraffic hook, credentials in the environment."""
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SMOKE_TOKEN", "smoke-only")
    monkeypatch.setenv("COLUMNS", "300")  # the plan table and step headers on one line each
    config = {**docker_config(), "bluegreen:rollout": {"steps": [{"setWeight": 100}], "hooks": {"preTraffic": hook}}}
    driver = MockProgramDriver.deployed("local", config)
    return run_cli(driver, "release", "-s", "local", "-i", "repo/web:1.5.0", "--poll", "1")


def test_a_command_hook_gets_no_credentials_from_the_release_machine(tmp_path, monkeypatch):
    dump = tmp_path / "env.json"
    code, output = release_with_hook({"command": [sys.executable, "-c", DUMP_ENV, str(dump)]}, monkeypatch)

    assert code == 0, output
    seen = json.loads(dump.read_text())
    assert set(seen) <= {"PATH", "HOME", "TEST_URL", "URL"}
    assert seen["PATH"] == os.environ["PATH"] and seen["TEST_URL"] == "http://localhost:19080"
    assert not set(CREDENTIALS.values()) & set(seen.values())


def test_a_command_hook_gets_exactly_the_variables_its_config_names(tmp_path, monkeypatch):
    dump = tmp_path / "env.json"
    hook = {"command": [sys.executable, "-c", DUMP_ENV, str(dump)], "env": ["SMOKE_TOKEN", "NOT_SET_ANYWHERE"]}
    code, output = release_with_hook(hook, monkeypatch)

    assert code == 0, output
    seen = json.loads(dump.read_text())
    assert seen["SMOKE_TOKEN"] == "smoke-only"
    assert "NOT_SET_ANYWHERE" not in seen and "AWS_SECRET_ACCESS_KEY" not in seen


def test_the_plan_shows_the_hook_command_and_its_environment(tmp_path, monkeypatch):
    hook = {"command": ["sh", "-c", "exit 0"], "env": ["SMOKE_TOKEN"]}
    code, output = release_with_hook(hook, monkeypatch)

    assert code == 0, output
    assert "run sh -c 'exit 0' (environment: PATH, HOME, TEST_URL, URL, SMOKE_TOKEN)" in " ".join(output.split())


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("file:///etc/shadow", "must be an http:// or https:// URL with a host"),
        ("ftp://example.com/x", "must be an http:// or https:// URL with a host"),
        ("data:text/plain,hello", "must be an http:// or https:// URL with a host"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a cloud metadata address"),
        ("http://2852039166/latest/", "169.254.169.254 is a cloud metadata address"),
        ("http://0xa9.0xfe.0xa9.0xfe/", "169.254.169.254 is a cloud metadata address"),
        ("http://[::ffff:169.254.169.254]/", "169.254.169.254 is a cloud metadata address"),
        ("http://[fd00:ec2::254]/", "fd00:ec2::254 is a cloud metadata address"),
        ("http://169.254.10.1/", "169.254.10.1 is link-local"),
        ("http://[fe80::1]/", "fe80::1 is link-local"),
        ("http://metadata.google.internal/computeMetadata/v1/", "metadata.google.internal is a cloud metadata service"),
        ("http://example.com:99999/", "is not a valid URL"),
        ("{{testUrl}}/x {{url}}", "must not contain whitespace or control characters"),
        ("{{secret}}/x", "has an unknown placeholder {{secret}}"),
    ],
)
def test_a_hook_url_the_release_may_not_call_is_a_config_error_naming_the_key(url, rule):
    config = {**docker_config(), "bluegreen:rollout": {"hooks": {"preTraffic": {"url": url}}}}
    message = config_error(config)
    assert "bluegreen:rollout.hooks.preTraffic.url = " in message
    assert rule in message


def test_a_metadata_url_passes_validation_only_when_the_hook_allows_it():
    assert HookSpec(url="http://169.254.169.254/", allowLinkLocal=True).allow_link_local
    with pytest.raises(ValueError, match="allowLinkLocal: true"):
        HookSpec(url="http://169.254.169.254/")


def test_env_takes_variable_names_only_and_only_on_command_hooks():
    hook = {"command": ["true"], "env": ["A=b"]}
    bad_name = {**docker_config(), "bluegreen:rollout": {"hooks": {"preTraffic": hook}}}
    assert (
        "bluegreen:rollout.hooks.preTraffic.env = ['A=b'] is invalid: "
        "must hold environment variable names (letters, digits, _), not 'A=b'"
    ) in config_error(bad_name)
    on_url = {**docker_config(), "bluegreen:rollout": {"hooks": {"preTraffic": {"url": "{{testUrl}}/", "env": ["X"]}}}}
    assert "a url hook takes no env" in config_error(on_url)


@contextmanager
def redirecting_to(location: str) -> Iterator[str]:
    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", location)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("location", "why"),
    [
        ("http://169.254.169.254/latest/meta-data/iam/", "169.254.169.254 is a cloud metadata address"),
        ("file:///etc/passwd", "hooks only follow http(s)"),
    ],
)
def test_a_url_hook_redirected_to_metadata_or_a_file_fails_without_following(location, why):
    with redirecting_to(location) as address:
        result = run_hook(HookSpec(url=f"{address}/smoke"), OUTPUTS, 5)
    assert result.verdict == "fail"
    assert why in result.detail


def test_a_stack_output_that_names_a_metadata_address_fails_the_hook_before_any_request():
    outputs = {**OUTPUTS, "testUrl": "http://169.254.169.254"}
    result = run_hook(HookSpec(url="{{testUrl}}/latest/meta-data/"), outputs, 5)
    assert result.verdict == "fail" and "cloud metadata address" in result.detail


_names = st.from_regex(r"[A-Z_][A-Z0-9_]{0,12}", fullmatch=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    parent=st.dictionaries(_names, st.text(max_size=8), max_size=12),
    named=st.lists(_names, unique=True, max_size=4),
)
def test_fuzz_a_hook_environment_is_the_base_plus_the_named_variables_present(parent, named):
    hook = HookSpec(command=["true"], env=named)
    env = hook_environment(hook, OUTPUTS, parent)
    expected = ({"PATH", "HOME"} | set(named)) & set(parent) | {"TEST_URL", "URL"}
    assert set(env) == expected
    assert all(env[name] == parent[name] for name in expected - {"TEST_URL", "URL"})


_hosts = st.one_of(
    st.ip_addresses().map(lambda a: f"[{a}]" if a.version == 6 else str(a)),
    st.integers(0, 2**32 - 1).map(str),
    st.sampled_from(["169.254.169.254", "metadata.google.internal", "example.com", "{{testUrl}}", "localhost"]),
    st.text(max_size=20),
)


@settings(max_examples=400, deadline=None)
@given(scheme=st.sampled_from(["http", "https", "file", "ftp", "gopher", "HTTP", ""]), host=_hosts,
       rest=st.text(max_size=20))
def test_fuzz_an_accepted_hook_url_is_http_and_names_no_forbidden_host(scheme, host, rest):
    url = host if host == "{{testUrl}}" else f"{scheme}://{host}/{rest}" if scheme else f"{host}/{rest}"
    try:
        hook = HookSpec(url=url)
    except ValueError:
        return
    assert hook.url is not None
    import urllib.parse

    parts = urllib.parse.urlsplit(hook.url.replace("{{testUrl}}", "http://t.invalid").replace("{{url}}", "http://u"))
    assert parts.scheme.lower() in ("http", "https") and parts.hostname
    assert forbidden_reason(parts.hostname) is None


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("{{testUrl}}/smoke?token=abc123", "GET {{testUrl}}/smoke?[redacted] (expects HTTP 200)"),
        ("https://ci:pw123@checks.example.com/run?t=abc123", "GET https://[redacted]@checks.example.com/run?[redacted]"),
    ],
)
def test_a_hook_is_described_without_its_query_or_credentials(url, shown):
    described = HookSpec(url=url).describe()
    assert described.startswith(shown) and "abc123" not in described and "pw123" not in described
