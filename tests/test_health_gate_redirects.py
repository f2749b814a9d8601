"""The HTTP gate and redirects, against real servers on 127.0.0.1: unhealthy by default; with
`service.healthCheck.sameOriginRedirects` it follows that many hops on the route's own origin, and never
one to another origin, around a loop, or past the bound."""

import itertools
from contextlib import contextmanager

import pytest
from loopback_http import QuietHandler, loopback_server
from rollout_support import docker_config

from bluegreen.health_gates import HttpGate
from bluegreen.same_origin import origin, resolve, same_origin
from bluegreen.stack_files import spec_of
from components.spec import ConfigError

KEY = "bluegreen:service.healthCheck.sameOriginRedirects"


def spec_allowing(hops: object) -> object:
    config = docker_config()
    config["bluegreen:service"]["healthCheck"]["sameOriginRedirects"] = hops
    return spec_of(config)


@contextmanager
def server(routes: dict[str, tuple[int, str | None]]):
    """Answers each path with (status, Location); records every path asked for."""
    asked: list[str] = []

    class Handler(QuietHandler):
        def do_GET(self):  # noqa: N802 - http.server calls it by this name
            asked.append(self.path)
            status, location = routes.get(self.path, (404, None))
            self.send_response(status)
            if location is not None:
                self.send_header("Location", location.format(port=self.server.server_address[1]))
            self.send_header("Content-Length", "0")
            self.end_headers()

    with loopback_server(Handler) as running:
        yield running.server_address[1], asked


def check(port: int, hops: int):
    """The live color (blue, 100%) is checked on the production route `url`."""
    outputs = {"url": f"http://127.0.0.1:{port}", "testUrl": "http://127.0.0.1:1", "weights": {"blue": 100, "green": 0}}
    return HttpGate(timeout_seconds=2).check("blue", spec_allowing(hops), outputs)


def test_a_same_origin_redirect_is_unhealthy_by_default_and_the_message_names_the_key():
    with server({"/health": (302, "/health/ready"), "/health/ready": (200, None)}) as (port, asked):
        result = check(port, 0)

    assert not result.healthy
    assert f"-> 302 redirect to http://127.0.0.1:{port}/health/ready" in result.detail
    assert "sameOriginRedirects" in result.detail
    assert asked == ["/health"]


def test_an_allowed_same_origin_redirect_is_followed_to_its_answer():
    with server({"/health": (301, "/health/ready"), "/health/ready": (200, None)}) as (port, asked):
        result = check(port, 1)

    assert result.healthy
    assert result.detail == f"GET http://127.0.0.1:{port}/health -> http://127.0.0.1:{port}/health/ready -> 200"
    assert asked == ["/health", "/health/ready"]


def test_an_allowed_redirect_to_an_unhealthy_answer_is_unhealthy():
    with server({"/health": (307, "/down"), "/down": (503, None)}) as (port, _):
        result = check(port, 2)

    assert not result.healthy
    assert result.detail.endswith("/down -> 503")


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1:{other}/health",  # same host, another port
        "http://localhost:{port}/health",  # another host name for the same address is another origin
        "https://127.0.0.1:{port}/health",  # another scheme
        "//127.0.0.1:{other}/health",  # scheme-relative
        "http://127.0.0.1:{port}@127.0.0.1:{other}/health",  # userinfo: urllib connects to the part after @
    ],
)
def test_a_redirect_to_another_origin_is_unhealthy_even_when_allowed_and_never_followed(location):
    with server({"/health": (200, None)}) as (other, elsewhere):
        routes = {"/health": (302, location.replace("{other}", str(other)))}
        with server(routes) as (port, _):
            result = check(port, 5)

    assert not result.healthy
    assert f"another origin than http://127.0.0.1:{port}/health: never followed" in result.detail
    assert elsewhere == []


def test_a_redirect_loop_is_unhealthy_even_when_allowed():
    with server({"/health": (302, "/a"), "/a": (302, "/b"), "/b": (302, "/health")}) as (port, asked):
        result = check(port, 5)

    assert not result.healthy
    assert f"redirect loop back to http://127.0.0.1:{port}/health" in result.detail
    assert asked == ["/health", "/a", "/b"]


def test_a_redirect_to_itself_is_a_loop():
    with server({"/health": (302, "/health")}) as (port, asked):
        result = check(port, 3)

    assert "redirect loop" in result.detail and not result.healthy
    assert asked == ["/health"]


def test_the_number_of_hops_is_bounded_by_the_config():
    # Every answer redirects somewhere new: without a bound the gate would walk forever.
    routes = {f"/{n}": (302, f"/{n + 1}") for n in range(50)} | {"/health": (302, "/0")}
    with server(routes) as (port, asked):
        result = check(port, 2)

    assert not result.healthy
    assert "more than 2 redirect(s)" in result.detail
    assert asked == ["/health", "/0", "/1"]


def test_a_redirect_without_location_is_unhealthy():
    with server({"/health": (302, None)}) as (port, _):
        result = check(port, 2)

    assert not result.healthy
    assert result.detail.endswith("-> 302 redirect with no Location")


@pytest.mark.parametrize(("value", "rule"), [(6, "from 0 to 5"), (-1, "from 0 to 5"), (True, "must be an integer"),
                                              ("yes", "integer")])
def test_a_bad_same_origin_redirects_value_is_refused_naming_the_key(value, rule):
    with pytest.raises(ConfigError) as caught:
        spec_allowing(value)

    assert KEY in str(caught.value)
    assert rule in str(caught.value)


def test_origins_are_compared_after_parsing():
    assert origin("HTTP://Example.COM/x") == ("http", "example.com", 80)
    assert origin("https://example.com:443/") == ("https", "example.com", 443)
    assert origin("http://example.com:99999/") is None
    assert origin("ftp://example.com/") is None
    assert same_origin("http://a.example/health", "http://A.example:80/ready")
    assert not same_origin("http://a.example/health", "https://a.example/health")
    assert resolve("http://a.example:81/health/", "ready") == "http://a.example:81/health/ready"
    assert all(not same_origin(a, b) for a, b in itertools.permutations(["http://a.example", "http://b.example"]))
