"""Names of the docker platform's containers and network, shared by the component and the HAProxy layout.

Container names double as DNS names on the stack's network, which is how HAProxy
finds each replica; deriving both from one function keeps them in step.
"""

from pathlib import Path

from ..spec import COLORS, BlueGreenSpec, Color
from .haproxy_config import RouterLayout
from .reload import (
    CONFIG_NAME,
    CONTAINER_ADMIN_SOCKET,
    CONTAINER_CONFIG_DIR,
    CONTAINER_STATE_ADDRESS,
    SERVER_STATE_NAME,
)

PRODUCTION_PORT = 8080
"""Production frontend port inside the router container (published on httpPort)."""
TEST_PORT = 8081
"""Test frontend port inside the router container (published on testPort)."""
METRICS_PORT = 8405
"""HAProxy's Prometheus exporter inside the router, reachable on the stack's network only (never published)."""
PROMETHEUS_PORT = 9090
"""Prometheus's own port inside its container (published on 127.0.0.1:prometheusPort)."""
STATS_SOCKET = CONTAINER_ADMIN_SOCKET
"""Runtime API socket inside the router (the image's haproxy user owns /var/lib/haproxy)."""


def container_name(service: str, color: Color, index: int) -> str:
    return f"{service}-{color}-{index}"


def router_name(service: str) -> str:
    return f"{service}-haproxy"


def prometheus_name(service: str) -> str:
    return f"{service}-prometheus"


def network_name(service: str) -> str:
    return f"{service}-net"


def container_names(spec: BlueGreenSpec) -> dict[Color, list[str]]:
    service = spec.service.name
    return {c: [container_name(service, c, i) for i in range(spec.replicas(c))] for c in COLORS}


def container_layout(spec: BlueGreenSpec) -> RouterLayout:
    """The router as deployed: listen on every interface, find replicas by container name."""
    port = spec.service.port
    return RouterLayout(
        production_bind=f"*:{PRODUCTION_PORT}",
        test_bind=f"*:{TEST_PORT}",
        stats_socket=STATS_SOCKET,
        metrics_bind=f"*:{METRICS_PORT}",
        servers={c: [f"{n}:{port}" for n in names] for c, names in container_names(spec).items()},
        # Written on the host by the reload, read by the container through the config mount.
        server_state_file=f"{CONTAINER_CONFIG_DIR}/{SERVER_STATE_NAME}",
        state_address=CONTAINER_STATE_ADDRESS,
    )


def host_config_dir(spec: BlueGreenSpec, stack: str, project_dir: Path) -> Path:
    """Host directory bind-mounted at the image's config dir (one per stack and service)."""
    if spec.docker.config_dir is not None:
        return Path(spec.docker.config_dir)
    return project_dir / ".bluegreen" / f"{stack}-{spec.service.name}"


def container_config_path() -> str:
    return f"{CONTAINER_CONFIG_DIR}/{CONFIG_NAME}"
