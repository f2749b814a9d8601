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
from .server_weights import server_weights

PRODUCTION_BACKEND = "production"
TEST_BACKEND = "test"
ROUTER_HEALTH_PATH = "/_haproxy/health"
"""Answered by HAProxy itself on the production frontend (the router container's own healthcheck)."""
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


def server_name(color: Color, index: int) -> str:
    return f"{color}-{index}"


def render_haproxy_config(
    spec: BlueGreenSpec, layout: RouterLayout, health: HealthCheck | None = None
) -> str:
    """The whole haproxy.cfg. `health` replaces the spec's check only in tests that need sub-5s timings."""
    hc = health or spec.service.health_check
    sections = [
        _global(spec, layout),
        _defaults(),
        _resolvers(),
        [*_frontend("production", layout.production_bind, PRODUCTION_BACKEND), f"    monitor-uri {ROUTER_HEALTH_PATH}"],
        _frontend("test", layout.test_bind, TEST_BACKEND),
        _production_backend(spec, layout, hc),
        _test_backend(spec, layout, hc),
    ]
    return "\n".join("\n".join(lines) + "\n" for lines in sections)


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
        # Old workers get the drain time to finish in-flight requests, then stop.
        f"    hard-stop-after {max(spec.service.drain_seconds, 1)}s",
    ]


def _defaults() -> list[str]:
    return [
        "defaults",
        "    mode http",
        "    timeout connect 2s",
        "    timeout client 30s",
        "    timeout server 30s",
        "    timeout http-request 10s",
        "    timeout http-keep-alive 5s",
        "    timeout queue 10s",
        # A refused connection or a server that dies before answering is retried, each
        # time on another server, so a dying replica costs no request.
        "    retries 3",
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
    for index, address in enumerate(layout.servers.get(candidate, ())):
        # `track` reuses the production server's health instead of probing twice.
        name = server_name(candidate, index)
        lines.append(f"    server {name} {address} track {PRODUCTION_BACKEND}/{name}")
    return lines
