"""THE HAProxy config of the local router, as a pure function of the validated spec.

`render_haproxy_config(spec, layout)` returns the complete haproxy.cfg text. The
layout says where HAProxy listens and where each color's servers are: the component
passes container DNS names on the Docker network, the traffic test passes
127.0.0.1:<port> of real HTTP servers, and everything else is the same text.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..health import haproxy_backend_check, haproxy_server_check
from ..spec import COLORS, BlueGreenSpec, Color, HealthCheck
from ..traffic import candidate_color
from .router_timeouts import (
    CLIENT_SECONDS,
    CONNECT_SECONDS,
    HTTP_KEEP_ALIVE_SECONDS,
    HTTP_REQUEST_SECONDS,
    QUEUE_SECONDS,
    RETRIES,
    SERVER_SECONDS,
    hard_stop_after,
)
from .server_weights import server_weights

PRODUCTION_BACKEND = "production"
TEST_BACKEND = "test"
ROUTER_HEALTH_PATH = "/_haproxy/health"
"""Answered by HAProxy itself on the production frontend (the router container's own healthcheck)."""
METRICS_PATH = "/metrics"
"""Where the metrics frontend serves HAProxy's Prometheus exporter."""
DOCKER_DNS = "127.0.0.11:53"
"""Docker's embedded DNS server, which resolves container names on a user-defined network."""


@dataclass(frozen=True)
class RouterLayout:
    """Where HAProxy listens and where each color's replicas answer; the only inputs besides the spec."""

    production_bind: str
    """`bind` address of the production frontend (weights from bluegreen:traffic)."""
    test_bind: str
    """`bind` address of the test frontend (100% to the candidate color)."""
    stats_socket: str
    """Path of the runtime API socket (admin level; also hands listeners to a reloaded worker)."""
    servers: Mapping[Color, Sequence[str]] = field(default_factory=dict)
    """`host:port` of every replica, per color, in replica order."""
    server_state_file: str | None = None
    """Where a reloaded worker reads the servers' state saved by the reload (None: every reload starts
    all servers UP, so a replica already found DOWN takes traffic again until its checks fail)."""
    state_address: str | None = None
    """`127.0.0.1:port` of a read-only runtime API socket, for clients that speak TCP but not Unix
    sockets (the router image's busybox `nc`); None: the Unix socket only."""
    metrics_bind: str | None = None
    """`bind` address of HAProxy's Prometheus exporter (release analysis scrapes it); None: no exporter."""


def server_name(color: Color, index: int) -> str:
    return f"{color}-{index}"


def render_haproxy_config(
    spec: BlueGreenSpec, layout: RouterLayout, health: HealthCheck | None = None
) -> str:
    """The whole haproxy.cfg. `health` replaces the spec's check only in tests that need sub-5s timings."""
    hc = health or spec.service.health_check
    sections = [
        _global(spec, layout),
        _defaults(layout),
        _resolvers(),
        [*_frontend("production", layout.production_bind, PRODUCTION_BACKEND), f"    monitor-uri {ROUTER_HEALTH_PATH}"],
        _frontend("test", layout.test_bind, TEST_BACKEND),
        _metrics_frontend(layout.metrics_bind),
        _production_backend(spec, layout, hc),
        _test_backend(spec, layout, hc),
    ]
    return "\n".join("\n".join(lines) + "\n" for lines in sections if lines)


def _global(spec: BlueGreenSpec, layout: RouterLayout) -> list[str]:
    return [
        "global",
        # Master-worker: SIGUSR2 to the master re-reads this file and starts new workers;
        # old workers finish their in-flight requests, so a reload drops nothing.
        "    master-worker",
        # expose-fd lets the new worker take over the listening sockets of the old one
        # (seamless reload), so no connection is refused while the two swap.
        f"    stats socket {layout.stats_socket} mode 600 level admin expose-fd listeners",
        "    stats timeout 30s",
        *_state_lines(layout),
        # Old workers finish what they accepted, then stop; never sooner than the longest
        # request these timeouts allow, so a reload cuts nothing that would have succeeded.
        f"    hard-stop-after {hard_stop_after(spec.service.drain_seconds)}s",
    ]


def _state_lines(layout: RouterLayout) -> list[str]:
    lines = []
    if layout.state_address is not None:
        # Level user: it can read state, never change it; loopback of the router only.
        lines.append(f"    stats socket ipv4@{layout.state_address} level user")
    if layout.server_state_file is not None:
        lines.append(f"    server-state-file {layout.server_state_file}")
    return lines


def _defaults(layout: RouterLayout) -> list[str]:
    return [
        "defaults",
        "    mode http",
        f"    timeout connect {CONNECT_SECONDS}s",
        f"    timeout client {CLIENT_SECONDS}s",
        f"    timeout server {SERVER_SECONDS}s",
        f"    timeout http-request {HTTP_REQUEST_SECONDS}s",
        f"    timeout http-keep-alive {HTTP_KEEP_ALIVE_SECONDS}s",
        f"    timeout queue {QUEUE_SECONDS}s",
        # On a reload HAProxy 2.6 closes idle kept-alive connections at once, racing any
        # request a client is sending on one (it fails with a closed connection, and most
        # clients do not retry). With this the old worker keeps them open, answers their
        # next request with `Connection: close`, and only then closes them.
        "    option idle-close-on-response",
        # A new worker takes each server's state (DOWN, MAINT) from the file the reload
        # saved, instead of starting them all UP.
        *(["    load-server-state-from-file global"] if layout.server_state_file else []),
        # A refused connection or a server that dies before answering is retried, each
        # time on another server, so a dying replica costs no request.
        f"    retries {RETRIES}",
        "    option redispatch 1",
        "    retry-on conn-failure empty-response",
        # A server's address comes from Docker's DNS; `none` lets HAProxy start before a
        # color's containers exist (the server waits in maintenance until it resolves).
        "    default-server init-addr last,libc,none resolvers docker resolve-prefer ipv4",
    ]


def _resolvers() -> list[str]:
    return [
        "resolvers docker",
        f"    nameserver docker {DOCKER_DNS}",
        "    resolve_retries 3",
        "    timeout resolve 1s",
        "    timeout retry 1s",
        # Re-resolve often: a replaced container comes back with a new address.
        "    hold valid 10s",
        "    hold nx 10s",
    ]


def _metrics_frontend(bind: str | None) -> list[str]:
    if bind is None:
        return []
    return [
        # HAProxy's built-in exporter (promex): per-server response codes and times, which
        # release analysis reads per color. Never published beyond the router's network.
        "frontend metrics",
        f"    bind {bind}",
        f"    http-request use-service prometheus-exporter if {{ path {METRICS_PATH} }}",
        "    no log",
    ]


def _frontend(name: str, bind: str, backend: str) -> list[str]:
    return [f"frontend {name}", f"    bind {bind}", f"    default_backend {backend}"]


def _backend_head(name: str, hc: HealthCheck) -> list[str]:
    return [
        f"backend {name}",
        "    balance roundrobin",
        # Only idempotent requests may be sent twice after a server died mid-response.
        "    http-request disable-l7-retry unless METH_GET or METH_HEAD or METH_OPTIONS",
        *(f"    {line}" for line in haproxy_backend_check(hc)),
    ]


def _production_backend(spec: BlueGreenSpec, layout: RouterLayout, hc: HealthCheck) -> list[str]:
    replicas: dict[Color, int] = {c: len(layout.servers.get(c, ())) for c in COLORS}
    weights = server_weights({c: spec.traffic.of(c) for c in COLORS}, replicas)
    lines = _backend_head(PRODUCTION_BACKEND, hc)
    for color in COLORS:
        for index, address in enumerate(layout.servers.get(color, ())):
            # Weight 0 keeps the server defined and health-checked but sends it nothing,
            # so the candidate's health is known before it takes traffic.
            lines.append(
                f"    server {server_name(color, index)} {address} weight {weights[color]} "
                f"{haproxy_server_check(hc)}"
            )
    return lines


def _test_backend(spec: BlueGreenSpec, layout: RouterLayout, hc: HealthCheck) -> list[str]:
    candidate = candidate_color(spec.traffic)
    lines = _backend_head(TEST_BACKEND, hc)
    for color in COLORS:
        for index, address in enumerate(layout.servers.get(color, ())):
            # Every server, the live color's at weight 0: a flip then changes weights only, which the
            # runtime API applies without a reload (router_update.py). `track` reuses the production
            # server's health instead of probing twice.
            name = server_name(color, index)
            weight = 1 if color == candidate else 0
            lines.append(f"    server {name} {address} weight {weight} track {PRODUCTION_BACKEND}/{name}")
    return lines
