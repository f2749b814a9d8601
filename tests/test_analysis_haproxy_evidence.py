"""The docker templates on real HAProxy 2.6 and Prometheus: what a Reading rests on, and that it is right.

Each lab is the router config the component renders (exporter included), replicas on loopback
under load, and the session's one Prometheus (`lab_prometheus`, scraping every 250 ms). The readings come
from the same query `build_analysis` sends; the verdicts from `build_analysis` itself.
"""

import contextlib
import time
from math import comb

import pytest

from bluegreen.analysis import build_analysis
from bluegreen.analysis.docker_queries import MIN_RESPONSES, TEMPLATES, failures_query
from bluegreen.analysis.prometheus import PrometheusClient
from bluegreen.analysis.promql import substitute
from bluegreen.analysis.reading import Reading
from testkit.lab.canary_lab import canary_lab
from testkit.lab.color_server import Faults
from testkit.lab.router import wait_until

pytestmark = pytest.mark.analysis

WINDOW = 2.0
# The windows are scaled down to seconds, so is the sample a verdict needs: at least 50 requests.
ERROR_RATE = {"name": "error-rate", "template": "errorRate", "max": 0.01, "minRequests": 50}


def strategy(*metrics: dict) -> dict:
    return {
        "steps": [{"setWeight": 25}, {"pause": "30s"}, {"setWeight": 100}],
        "analysis": {"interval": f"{WINDOW:g}s", "metrics": list(metrics or [ERROR_RATE])},
    }


def read(lab, template: str, color: str) -> Reading:
    query = TEMPLATES[template]("{{color}}", WINDOW)
    filled = query.substituted(lambda part: substitute(part, {"color": color}))
    return PrometheusClient(lab.prometheus.address).evidence(filled)


def measure(lab):
    analysis = build_analysis(lab.spec, lab.driver.outputs(), "lab", lab.driver.config())
    assert analysis is not None
    return {m.metric: m for m in analysis.measure("green", "blue")}


def plausible_draw(failures: int, requests: int, probability: float) -> bool:
    """Could `failures` in `requests` come from drawing each with `probability`? Wrong 1 run in 5,000 at most."""
    def chance(count: int) -> float:
        return comb(requests, count) * probability**count * (1 - probability) ** (requests - count)

    at_most = sum(chance(count) for count in range(failures + 1))
    at_least = sum(chance(count) for count in range(failures, requests + 1))
    return min(at_most, at_least) > 1e-4


def bad_gateways(lab, since: float) -> list:
    """What users got from HAProxy as 502 Bad Gateway since `since`."""
    return [o for o in lab.load.since(since) if o.error and o.error.startswith("HTTP 502")]


def test_a_candidate_sending_malformed_responses_fails_on_the_502s_haproxy_answered_for_it(lab_prometheus):
    malformed = Faults(delay_ms=5, malformed_probability=0.1)
    with canary_lab(strategy(), green_faults=malformed, rate=200, shared=lab_prometheus) as lab:
        # Counted from before the change: HAProxy sends green its share as soon as the weight is set, and a
        # loaded machine can take long enough to return from `set_weight` for Prometheus to have its window
        # by then, so counting from its return saw (once, with 4 workers on 2 cores) no 502 at all.
        changed = time.monotonic()
        lab.set_weight(25)
        wait_until(lambda: (read(lab, "errorRate", "green").requests or 0) > 60, 10, "a window of green's requests")
        reading = read(lab, "errorRate", "green")
        measured = measure(lab)["error-rate"]
        # 1 in 10 of green's answers is malformed: at most a few seconds more for the first 502 to reach a user
        # (the client records a request once it ends; Prometheus may count a few it has not yet).
        with contextlib.suppress(TimeoutError):
            wait_until(lambda: bool(bad_gateways(lab, changed)), 5, "a 502 answered to a user")
        seen_by_users = bad_gateways(lab, changed)
        # The server itself never answered a 5xx: the template that read only those saw 0 here.
        client = PrometheusClient(lab.prometheus.address)
        server_5xx = client.query(failures_query("green", WINDOW).split(" + ")[0])
        blue = read(lab, "errorRate", "blue")
    assert server_5xx.value == 0.0
    assert seen_by_users, "HAProxy answered no 502: the candidate's malformed answers did not reach users"
    assert reading.failures is not None and reading.failures > 0
    # 1 in 10 drawn per request. A fixed range flaked: 1 failure in 61 requests (1.6%), which a 10% draw gives
    # 1.3% of the time. The count is judged against the draw instead; the denominator is green's alone (below).
    assert reading.requests is not None and plausible_draw(round(reading.failures), round(reading.requests), 0.1)
    assert (measured.verdict, measured.value) == ("fail", pytest.approx(reading.value, abs=0.08))
    assert blue.failures == 0.0 and blue.value == 0.0 and (blue.requests or 0) > reading.requests  # type: ignore[operator]


def client_mean(lab, color: str, since: float) -> float:
    latencies = [o.latency for o in lab.load.since(since) if o.color == color]
    return sum(latencies) / len(latencies)


def test_two_identical_40ms_colors_measure_the_same_latency_and_pass(lab_prometheus):
    same = Faults(delay_ms=40)
    # The margin with which the old correction rolled identical colors back 3 times in 3 (+30 ms).
    latency = {"name": "latency", "template": "latencyP99", "max": "25ms", "relativeTo": "live", "minRequests": 50}
    with canary_lab(strategy(latency), green_faults=same, blue_faults=same, rate=200, threads=16,
                    shared=lab_prometheus) as lab:
        lab.set_weight(25)
        changed = time.monotonic()
        # Green's servers take a quarter of the traffic from their first request: its first readings come
        # from the linear start of HAProxy's average, blue's from its sliding phase (where the old
        # correction erred most).
        wait_until(lambda: read(lab, "latencyP99", "green").value is not None, 15, "green's latency")
        green, blue = read(lab, "latencyP99", "green"), read(lab, "latencyP99", "blue")
        seen = {color: client_mean(lab, color, changed) for color in ("green", "blue")}
        measured = measure(lab)["latency"]
    assert measured.verdict == "pass", measured.line()
    for color, reading in (("green", green), ("blue", blue)):
        assert reading.value is not None and reading.requests is not None and reading.requests > 0
        # What the server took, as HAProxy timed it, is what the clients saw less the router's and their
        # own share: never more (beyond the rounding, 256/k ms at k >= 100), and not much less.
        assert seen[color] - 0.006 < reading.value < seen[color] + 0.003, (color, reading.value, seen[color])


def test_a_color_without_traffic_is_no_data_never_a_provider_error(lab_prometheus):
    with canary_lab(strategy(), shared=lab_prometheus) as lab:
        # Green is deployed at weight 0: defined and health-checked, sent nothing.
        wait_until(lambda: read(lab, "errorRate", "green").requests == 0.0, 10, "a window with green idle")
        errors, latency = read(lab, "errorRate", "green"), read(lab, "latencyP99", "green")
    assert (errors.value, errors.provider_error) == (None, False)
    assert "no requests in the window" in errors.detail
    assert (latency.value, latency.provider_error) == (None, False)
    assert f"fewer than {MIN_RESPONSES} requests since HAProxy's worker started" in latency.detail


def test_the_draw_check_takes_the_flaky_count_and_refuses_counts_a_10_percent_draw_never_gives():
    assert plausible_draw(1, 61, 0.1)  # the count a fixed 3% floor refused
    assert plausible_draw(6, 61, 0.1)
    assert not plausible_draw(20, 61, 0.1)  # 33%
    assert not plausible_draw(0, 200, 0.1)  # a template blind to HAProxy's own 502s
    assert not plausible_draw(5, 200, 0.1)  # 2.5%: green's failures over every color's requests
