"""The HTTP gate against real servers on 127.0.0.1: which route it asks for which color, and its verdicts."""

import socket

from rollout_support import aws_config, docker_config, health_server, kubernetes_config

from bluegreen.health_gates import HttpGate, gates_for
from bluegreen.stack_files import spec_of

SPEC = spec_of(docker_config())


def outputs(url_port: int, test_port: int, blue: int = 100, green: int = 0) -> dict:
    return {
        "url": f"http://127.0.0.1:{url_port}",
        "testUrl": f"http://127.0.0.1:{test_port}/",
        "weights": {"blue": blue, "green": green},
    }


def test_the_live_color_is_checked_on_the_production_route_and_the_candidate_on_the_test_route():
    gate = HttpGate()
    routes = outputs(1111, 2222)

    assert gate.url_for("blue", SPEC, routes) == "http://127.0.0.1:1111/health"
    assert gate.url_for("green", SPEC, routes) == "http://127.0.0.1:2222/health"


def test_the_test_route_follows_the_deployed_weights_past_the_tie():
    gate = HttpGate()

    # At 50/50 blue stays live (tie rule); at 60 green takes the production route.
    assert gate.url_for("green", SPEC, outputs(1111, 2222, 50, 50)).endswith(":2222/health")
    assert gate.url_for("green", SPEC, outputs(1111, 2222, 40, 60)).endswith(":1111/health")
    assert gate.url_for("blue", SPEC, outputs(1111, 2222, 40, 60)).endswith(":2222/health")


def test_a_2xx_answer_is_healthy():
    with health_server(lambda: True) as (port, statuses):
        result = HttpGate().check("green", SPEC, outputs(1, port))

    assert result.healthy
    assert result.detail == f"GET http://127.0.0.1:{port}/health -> 200"
    assert statuses == [200]


def test_a_5xx_answer_is_unhealthy():
    with health_server(lambda: False) as (port, _):
        result = HttpGate().check("blue", SPEC, outputs(port, 1))

    assert not result.healthy
    assert result.detail.endswith("-> 503")


def test_a_closed_port_is_unhealthy_not_an_exception():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    result = HttpGate(timeout_seconds=1).check("green", SPEC, outputs(1, closed))

    assert not result.healthy
    assert f"GET http://127.0.0.1:{closed}/health" in result.detail


def test_no_url_output_is_unhealthy():
    result = HttpGate().check("green", SPEC, {})

    assert not result.healthy
    assert result.detail == "stack has no url/testUrl output yet"


def test_http_gating_is_on_by_default_only_for_docker():
    assert [g.name for g in gates_for(SPEC)] == ["http"]
    assert [g.name for g in gates_for(spec_of(aws_config()))] == ["target-health"]
    assert [g.name for g in gates_for(spec_of(aws_config()), http=True)] == ["target-health", "http"]
    assert [g.name for g in gates_for(spec_of(kubernetes_config()))] == ["deployment"]
    assert gates_for(SPEC, http=False) == []
