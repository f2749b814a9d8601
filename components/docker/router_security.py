"""What the router container may do on the host: where its ports listen, its privileges and its memory.

Pure functions of the validated spec, so the defaults test without mocks and the
policy pack can check the same fields on hand-written containers.
"""

import ipaddress
from typing import TypedDict

from ..spec import BlueGreenSpec
from .naming import PRODUCTION_PORT, TEST_PORT

NO_NEW_PRIVILEGES = "no-new-privileges:true"
"""A setuid binary inside the router can never gain privileges it did not start with."""

# The official image runs HAProxy as the unprivileged `haproxy` user on ports above 1024
# (8080/8081 inside), with no chroot and no user switch in the config: it needs no
# capability at all, so none is added back after dropping them all.
DROPPED_CAPABILITIES = ("ALL",)


class PublishedPort(TypedDict):
    """Arguments of one `docker.ContainerPortArgs`."""

    internal: int
    external: int
    ip: str


class RouterLimits(TypedDict):
    """Keyword arguments of `docker.Container` that confine the router."""

    security_opts: list[str]
    memory: int
    memory_swap: int


def published_ports(spec: BlueGreenSpec) -> list[PublishedPort]:
    """Production and test frontends, published on `docker.publishAddress` (loopback unless opened)."""
    address = spec.docker.publish_address
    return [
        {"internal": PRODUCTION_PORT, "external": spec.docker.http_port, "ip": address},
        {"internal": TEST_PORT, "external": spec.docker.test_port, "ip": address},
    ]


def url_host(address: str) -> str:
    """Host of the `url`/`testUrl` outputs: localhost when the ports listen on loopback or everywhere."""
    ip = ipaddress.ip_address(address)
    if ip.is_loopback or ip.is_unspecified:
        return "localhost"
    return f"[{ip}]" if ip.version == 6 else str(ip)


def router_limits(spec: BlueGreenSpec) -> RouterLimits:
    # memory_swap equal to memory: the limit is a limit, not an invitation to swap.
    megabytes = spec.docker.router_memory_mb
    return {"security_opts": [NO_NEW_PRIVILEGES], "memory": megabytes, "memory_swap": megabytes}
