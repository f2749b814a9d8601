"""The Kubernetes queries in docs/analysis.md, run by a real Prometheus against an app that exposes
client-library-style metrics: a healthy app gives a number, an idle one gives no data.

Client libraries (prometheus_client, client_golang, Micrometer) create a labelled series at its first
increment, so an app that never answered a 5xx exposes no `code="500"` series at all. The stand-in
app here does the same: green has served thousands of requests and never failed, blue has series but
no traffic, and a third service has no series at all. The queries are read from the page itself.
"""

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from loopback_http import QuietHandler

from bluegreen.analysis.prometheus import PrometheusClient
from bluegreen.analysis.promql import substitute
from bluegreen.analysis.reading import Reading
from testkit.lab.canary_lab import SharedPrometheus
from testkit.lab.router import wait_until

pytestmark = pytest.mark.analysis

PAGE = Path(__file__).resolve().parents[1] / "docs" / "analysis.md"
NAMESPACE = "shop"
BUCKETS = ("0.05", "0.1", "0.5", "+Inf")


def documented_request_counts() -> list[str]:
    """The `requestsQuery` of every metric in the page's Kubernetes YAML example."""
    text = PAGE.read_text()
    section = text[text.index("## Kubernetes: query templates") :]
    [body] = re.findall(r"```yaml\n(.*?)```", section[: section.index("\n## ", 1)], re.S)
    return [m["requestsQuery"] for m in yaml.safe_load(body)["metrics"] if "requestsQuery" in m]


def documented_queries() -> list[str]:
    """Every PromQL query of the page's Kubernetes section: the YAML example's and each promql block's."""
    text = PAGE.read_text()
    section = text[text.index("## Kubernetes: query templates") :]
    section = section[: section.index("\n## ", 1)]
    queries: list[str] = []
    for kind, body in re.findall(r"```(yaml|promql)\n(.*?)```", section, re.S):
        if kind == "yaml":
            queries += [m["query"] for m in yaml.safe_load(body)["metrics"]]
        else:
            lines = [line for line in body.splitlines() if not line.startswith("#")]
            queries += [q.strip() for q in "\n".join(lines).split("\n\n") if q.strip()]
    return queries


class App:
    """Series of one app's pods, as its client library would expose them (created at first increment)."""

    def __init__(self) -> None:
        self.series: dict[str, float] = {}
        self.lock = threading.Lock()

    def count(self, color: str, code: int, seconds: float, service: str = "web") -> None:
        """One request answered `code` in `seconds`, counted the way each family of the page counts it."""
        pod = f'namespace="{NAMESPACE}",app="{service}",color="{color}"'
        istio = (f'reporter="destination",destination_workload_namespace="{NAMESPACE}",'
                 f'destination_workload="{service}-{color}"')
        envoy = f'envoy_cluster_name="httproute/{NAMESPACE}/{service}/rule/0/backend/{service}-{color}"'
        with self.lock:
            self._add(f'http_requests_total{{{pod},code="{code}"}}')
            self._add(f'istio_requests_total{{{istio},response_code="{code}"}}')
            self._add(f'envoy_cluster_upstream_rq_xx{{{envoy},envoy_response_code_class="{code // 100}"}}')
            self._add(f"http_request_duration_seconds_count{{{pod}}}")
            self._add(f"http_request_duration_seconds_sum{{{pod}}}", seconds)
            for le in BUCKETS:
                if le == "+Inf" or seconds <= float(le):
                    self._add(f'http_request_duration_seconds_bucket{{{pod},le="{le}"}}')
                    self._add(f'istio_request_duration_milliseconds_bucket{{{istio},le="{_millis(le)}"}}')
                else:  # a histogram's buckets all exist from its first observation
                    self._add(f'http_request_duration_seconds_bucket{{{pod},le="{le}"}}', 0)
                    self._add(f'istio_request_duration_milliseconds_bucket{{{istio},le="{_millis(le)}"}}', 0)

    def _add(self, series: str, by: float = 1) -> None:
        self.series[series] = self.series.get(series, 0) + by

    def exposition(self) -> bytes:
        with self.lock:
            return "".join(f"{name} {value:g}\n" for name, value in sorted(self.series.items())).encode()


def _millis(le: str) -> str:
    return le if le == "+Inf" else f"{float(le) * 1000:g}"


@pytest.fixture(scope="module")
def app(lab_prometheus: SharedPrometheus) -> Iterator[tuple[App, PrometheusClient]]:
    app = App()
    app.count("blue", 200, 0.02)  # blue's series exist, but no request arrives in any window

    class Metrics(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server calls it by this name
            self.reply(200, app.exposition())

    stop = threading.Event()

    def traffic() -> None:  # green: about 160 healthy requests a second, never a 5xx
        while not stop.wait(0.1):
            for _ in range(16):
                app.count("green", 200, 0.03)

    shared = lab_prometheus  # the session's, scraping the port the app serves on for this module
    with serving_on(shared.metrics_port, Metrics):
        sender = threading.Thread(target=traffic, daemon=True)
        sender.start()
        client = PrometheusClient(shared.prometheus.address, timeout=2)
        shared.prometheus.wait_for_scrape()
        # rate() needs two samples of green's series in its window.
        wait_until(lambda: client.query('sum(rate(http_requests_total{color="green"}[1m])) > 0').value, 15,
                   "a rate of green's requests")
        try:
            yield app, client
        finally:
            stop.set()
            sender.join(5)


@contextmanager
def serving_on(port: int, handler: type[QuietHandler]) -> Iterator[None]:
    """An HTTP server on the given loopback port: the one the session's lab Prometheus scrapes."""
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


def run(client: PrometheusClient, query: str, color: str, service: str = "web") -> Reading:
    return client.query(substitute(query, {"namespace": NAMESPACE, "service": service, "color": color}))


ERROR_RATES = [q for q in documented_queries() if "5.." in q or 'code_class="5"' in q]
LATENCIES = [q for q in documented_queries() if q.startswith("histogram_quantile")]


def test_the_page_documents_three_error_rates_and_two_latencies():
    assert (len(ERROR_RATES), len(LATENCIES)) == (3, 2)


@pytest.mark.parametrize("query", ERROR_RATES, ids=["app", "istio", "envoy"])
def test_an_error_rate_is_zero_for_an_app_that_never_failed_and_no_data_without_traffic(app, query):
    _, client = app
    assert run(client, query, "green") == Reading(0.0)
    idle = run(client, query, "blue")  # series, but no request in the window: 0/0
    assert (idle.value, idle.provider_error) == (None, False) and "0/0" in idle.detail
    absent = run(client, query, "green", service="checkout")  # no series at all
    assert (absent.value, absent.provider_error) == (None, False) and "no series" in absent.detail


@pytest.mark.parametrize("query", LATENCIES, ids=["app", "istio"])
def test_a_latency_is_a_number_for_a_healthy_app_and_no_data_without_traffic(app, query):
    _, client = app
    green = run(client, query, "green")
    assert green.value is not None and green.value > 0
    assert run(client, query, "blue").value is None


def test_the_app_query_measures_the_failures_once_they_exist(app):
    application, client = app
    [query] = [q for q in ERROR_RATES if "http_requests_total" in q]
    application.count("green", 503, 0.01)
    time.sleep(0.6)  # two scrapes: the 503 series exists now, at 1 (rate() cannot see that first one)
    for _ in range(20):
        application.count("green", 503, 0.01)
    time.sleep(0.6)
    reading = run(client, query, "green")
    # rate() of a series a second old is its increase over that second, against green's steady ~160/s.
    assert reading.value is not None and 0 < reading.value < 0.5


@pytest.mark.parametrize("query", documented_request_counts(), ids=["error-rate", "latency"])
def test_each_request_count_is_a_number_for_a_healthy_app_and_zero_without_traffic(app, query):
    _, client = app
    green = run(client, query, "green")
    assert green.value is not None and green.value > 100  # about 160 a second, counted over a minute
    assert run(client, query, "blue") == Reading(0.0)  # a count, so the judge says "under minRequests"
