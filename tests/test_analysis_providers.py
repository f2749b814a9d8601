"""Prometheus reads and hooks against loopback servers that misbehave on purpose: slow, failing, lying.

The real Prometheus is exercised end to end in test_analysis_end_to_end.py; here each way a
provider can fail to give one number must come back as no data (inconclusive), on time.
"""

import json
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from bluegreen.analysis import run_hook
from bluegreen.analysis.metric_analysis import JudgedMetric, MetricAnalysis, judge
from bluegreen.analysis.prometheus import EvidenceQuery, PrometheusClient
from bluegreen.analysis.promql import substitute
from bluegreen.analysis.reading import Reading
from components.spec.rollout import HookSpec, MetricSpec
from testkit.lab.router import free_port, wait_until
from tests.loopback_http import QuietHandler, loopback_server

Answer = Callable[[str], tuple]
"""path+query -> (status, body, seconds to wait before answering[, headers])."""


@contextmanager
def server(answer: Answer) -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []

    class Handler(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server calls it by this name
            seen.append(self.path)
            status, body, delay, *headers = answer(self.path)
            time.sleep(delay)
            try:
                self.send_response(status)
                for name, value in (headers[0] if headers else {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except ConnectionError:
                pass  # the client gave up first: what the slow cases want

    with loopback_server(Handler) as httpd:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", seen


def vector(*values: str) -> bytes:
    result = [{"metric": {}, "value": [1.0, v]} for v in values]
    return json.dumps({"status": "success", "data": {"resultType": "vector", "result": result}}).encode()


def query_of(path: str) -> str:
    return urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)["query"][0]


@pytest.mark.parametrize(
    ("status", "body", "detail", "provider_error"),
    [
        (200, vector(), "no series", False),
        (200, vector("NaN"), "no requests in the window", False),
        (400, b'{"status":"error","error":"parse error at char 5"}', "HTTP 400 parse error at char 5", True),
        (200, b'{"status":"error","error":"boom"}', "query failed: boom", True),
        (200, b"<html>proxy login</html>", "did not answer as Prometheus (not JSON: b'<html>proxy login", True),
        (200, json.dumps({"status": "success", "data": {"resultType": "matrix", "result": []}}).encode(),
         "expected an instant vector", True),
        (200, vector("many"), "not a number: 'many'", True),
    ],
)
def test_every_answer_without_one_number_is_no_data(status, body, detail, provider_error):
    # "No data" (the provider answered: nothing to judge) and "provider failed" are kept apart for the judge.
    with server(lambda path: (status, body, 0)) as (address, _):
        reading = PrometheusClient(address, timeout=2).query("up")
    assert reading.value is None and detail in reading.detail
    assert reading.provider_error is provider_error


def test_a_redirect_is_not_followed_and_is_a_provider_error():
    with server(lambda path: (200, vector("0"), 0)) as (elsewhere, seen_elsewhere):
        redirect = (302, b"", 0, {"Location": f"{elsewhere}/api/v1/query?query=up"})
        with server(lambda path: redirect) as (address, seen):
            reading = PrometheusClient(address, timeout=2).query("up")
    assert reading.value is None and reading.provider_error
    assert f"redirected (HTTP 302) to '{elsewhere}/api/v1/query?query=up'" in reading.detail
    assert "redirects are not followed" in reading.detail
    assert len(seen) == 1 and seen_elsewhere == []


@pytest.mark.parametrize(
    ("address", "detail"),
    [
        ("file:///etc/passwd", "is not http(s)"),
        ("ftp://prometheus:9090", "is not http(s)"),
        ("http://", "names no host"),
    ],
)
def test_an_address_that_is_not_an_http_host_is_a_provider_error(address, detail):
    reading = PrometheusClient(address, timeout=1).query("up")
    assert reading.value is None and reading.provider_error and detail in reading.detail


def labelled(**parts: str) -> bytes:
    result = [{"metric": {"bluegreen_part": name}, "value": [1.0, v]} for name, v in parts.items()]
    return json.dumps({"status": "success", "data": {"resultType": "vector", "result": result}}).encode()


def test_an_error_rate_is_its_failures_over_its_requests_from_one_query():
    query = EvidenceQuery(value=None, requests="sum(increase(r[5s]))", failures="sum(increase(f[5s]))")
    with server(lambda path: (200, labelled(requests="400", failures="6"), 0)) as (address, seen):
        reading = PrometheusClient(address).evidence(query)
    assert reading == Reading(0.015, requests=400.0, failures=6.0)
    # One query, so both counts come from the same instant and the same samples.
    [path] = seen
    assert query_of(path) == (
        'label_replace((sum(increase(r[5s]))), "bluegreen_part", "requests", "", "")'
        ' or label_replace((sum(increase(f[5s]))), "bluegreen_part", "failures", "", "")'
    )


@pytest.mark.parametrize(
    ("parts", "detail"),
    [({"requests": "0", "failures": "0"}, "no requests in the window"), ({}, "no requests in the window")],
)
def test_an_error_rate_without_requests_is_no_data_not_a_provider_error(parts, detail):
    query = EvidenceQuery(value=None, requests="r", failures="f")
    with server(lambda path: (200, labelled(**parts), 0)) as (address, _):
        reading = PrometheusClient(address).evidence(query)
    assert reading.value is None and detail in reading.detail and not reading.provider_error


def test_a_rate_never_exceeds_one_when_a_request_is_counted_twice():
    # HAProxy can count one cut response both as a 5xx and as a response error.
    query = EvidenceQuery(value=None, requests="r", failures="f")
    with server(lambda path: (200, labelled(requests="10", failures="12"), 0)) as (address, _):
        assert PrometheusClient(address).evidence(query) == Reading(1.0, requests=10.0, failures=10.0)


def test_a_value_query_carries_its_request_count_and_says_why_it_is_empty():
    query = EvidenceQuery(value="v", requests="r", empty="too few responses since the reload")
    with server(lambda path: (200, labelled(value="0.042", requests="120"), 0)) as (address, _):
        assert PrometheusClient(address).evidence(query) == Reading(0.042, requests=120.0)
    with server(lambda path: (200, labelled(requests="120"), 0)) as (address, _):
        assert PrometheusClient(address).evidence(query) == Reading(
            None, "too few responses since the reload", requests=120.0
        )


def test_several_series_count_as_their_worst_and_nan_members_are_ignored():
    with server(lambda path: (200, vector("0.01", "NaN", "0.07"), 0)) as (address, _):
        assert PrometheusClient(address).query("x") == Reading(0.07)


def test_a_slow_prometheus_is_no_data_after_its_timeout_not_a_hang():
    with server(lambda path: (200, vector("0"), 10)) as (address, _):
        started = time.monotonic()
        reading = PrometheusClient(address, timeout=0.5).query("up")
        elapsed = time.monotonic() - started
    assert reading.value is None and "timed out after 0.5s" in reading.detail and reading.provider_error
    assert elapsed < 5  # far below the server's 10 s; loose only for a loaded CI machine


def test_an_unreachable_prometheus_is_no_data():
    reading = PrometheusClient(f"http://127.0.0.1:{free_port()}", timeout=1).query("up")
    assert reading.value is None and "prometheus unreachable at" in reading.detail and reading.provider_error


def test_substituted_values_cannot_escape_their_label_string():
    query = 'sum(rate(x{color="{{color}}",stack="{{stack}}"}[1m]))'
    hostile = 'prod",color=~".*'
    assert substitute(query, {"color": "green", "stack": hostile}) == (
        'sum(rate(x{color="green",stack="prod\\",color=~\\".*"}[1m]))'
    )
    with pytest.raises(ValueError, match=r"unknown placeholder \{\{colour\}\}"):
        substitute('x{c="{{colour}}"}', {"color": "green"})


def test_the_query_prometheus_receives_has_the_color_and_the_deadline():
    with server(lambda path: (200, vector("0.002"), 0)) as (address, seen):
        PrometheusClient(address, timeout=3).query(substitute('x{color="{{color}}"}', {"color": "green"}))
    [path] = seen
    assert query_of(path) == 'x{color="green"}'
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)["timeout"] == ["3s"]


def metric(**fields) -> MetricSpec:
    """A custom query judged on its value alone (minRequests 0): these tests are about the value."""
    return MetricSpec.model_validate(
        {"name": "m", "provider": "prometheus", "query": 'x{c="{{color}}"}', "minRequests": 0, **fields}
    )


def test_relative_to_live_passes_within_the_margin_and_needs_live_data():
    spec = metric(max=0.05, relativeTo="live")
    assert judge(spec, "green", Reading(0.12), Reading(0.10)).verdict == "pass"
    failed = judge(spec, "green", Reading(0.16), Reading(0.10))
    assert (failed.verdict, failed.threshold) == ("fail", "<= live (0.1) + 0.05")
    missing = judge(spec, "green", Reading(0.0), Reading.missing("no series"))
    assert (missing.verdict, missing.detail) == ("inconclusive", "live color: no series")


def test_a_provider_that_hangs_past_every_timeout_is_inconclusive_on_time():
    never = threading.Event()

    def hang(color):
        never.wait(30)
        return Reading(0.0)

    analysis = MetricAnalysis([JudgedMetric(metric(max=1), hang)], deadline_seconds=0.5)
    started = time.monotonic()
    [measurement] = analysis.measure("green", "blue")
    assert time.monotonic() - started < 5
    assert measurement.verdict == "inconclusive" and "no answer within 0.5s" in measurement.detail
    assert measurement.provider_error  # counted against consecutiveErrorLimit, not as no data
    never.set()


def test_a_provider_that_raises_is_inconclusive_not_a_crash():
    def broken(color):
        raise KeyError("data")

    [measurement] = MetricAnalysis([JudgedMetric(metric(max=1), broken)], 1).measure("green", "blue")
    assert measurement.verdict == "inconclusive" and measurement.detail == "KeyError: 'data'"
    assert measurement.provider_error


OUTPUTS = {"liveColor": "blue"}


def test_url_hook_substitutes_the_test_url_and_judges_the_status():
    with server(lambda path: (200 if path == "/smoke" else 503, b"", 0)) as (address, seen):
        outputs = {**OUTPUTS, "testUrl": address + "/", "url": "http://unused"}
        passed = run_hook(HookSpec(url="{{testUrl}}/smoke"), outputs, 5)
        failed = run_hook(HookSpec(url="{{testUrl}}/other"), outputs, 5)
    assert seen == ["/smoke", "/other"]
    assert (passed.verdict, passed.value, passed.color, passed.threshold) == ("pass", 200.0, "green", "HTTP 200")
    assert (failed.verdict, failed.value) == ("fail", 503.0)


def test_url_hook_that_trickles_past_the_deadline_fails_on_time():
    with server(lambda path: (200, b"", 10)) as (address, _):
        started = time.monotonic()
        result = run_hook(HookSpec(url=f"{address}/smoke", timeout="30s"), OUTPUTS, 0.5)
        assert time.monotonic() - started < 5
    assert result.verdict == "fail" and "no answer within 0.5s" in result.detail


def test_command_hook_runs_without_a_shell_with_the_urls_in_its_environment():
    script = "import os,sys; sys.exit(0 if os.environ['TEST_URL'] == 'http://t:1' and sys.argv[1] == ';false' else 7)"
    outputs = {**OUTPUTS, "testUrl": "http://t:1/", "url": "http://u:2"}
    assert run_hook(HookSpec(command=[sys.executable, "-c", script, ";false"]), outputs, 10).verdict == "pass"
    failed = run_hook(HookSpec(command=[sys.executable, "-c", "print('smoke: 3 failed'); raise SystemExit(2)"]),
                      outputs, 10)
    assert (failed.verdict, failed.value) == ("fail", 2.0) and failed.detail.endswith("smoke: 3 failed")


def test_command_hook_past_its_deadline_is_killed_with_what_it_started():
    marker = free_port()
    # The hook starts a grandchild that would outlive a plain kill of the hook itself.
    script = (
        "import subprocess,sys,time; "
        f"subprocess.Popen([sys.executable,'-c','import time; time.sleep(30)  # {marker}']); time.sleep(30)"
    )
    started = time.monotonic()
    result = run_hook(HookSpec(command=[sys.executable, "-c", script]), OUTPUTS, 0.5)
    assert time.monotonic() - started < 10
    assert result.verdict == "fail" and "still running after 0.5s, killed" in result.detail

    def grandchild_gone() -> bool:
        return not subprocess.run(["pgrep", "-f", f"# {marker}"], capture_output=True, text=True).stdout.split()

    wait_until(grandchild_gone, 5, "the hook's grandchild to be killed")


def test_a_missing_program_fails_the_hook_with_its_name():
    result = run_hook(HookSpec(command=["/nonexistent/smoke-test"]), OUTPUTS, 5)
    assert result.verdict == "fail" and result.detail.startswith("/nonexistent/smoke-test: ")


def test_fractional_counts_are_whole_requests_and_the_rate_is_theirs():
    # `increase` extrapolates to the window's edges; the judge's tests count whole requests.
    query = EvidenceQuery(value=None, requests="r", failures="f")
    with server(lambda path: (200, labelled(requests="399.6", failures="5.7"), 0)) as (address, _):
        assert PrometheusClient(address).evidence(query) == Reading(6 / 400, requests=400.0, failures=6.0)
