"""Docker secure defaults: published ports stay on this machine, and a container that publishes them is confined.

The test port serves the unreleased candidate, so publishing it on every interface shows
it to the whole network. A container that takes host traffic (the router) is the one an
attacker reaches first: it gets no new privileges, no capabilities and a memory limit.
"""

import ipaddress
from collections.abc import Mapping
from typing import Any

from .docker import CONTAINER
from .spec import Rule, Subject
from .values import UNKNOWN, has_unknown, items, mapping, number, show


def _all_interfaces(address: Any) -> bool:
    """Unset, empty, 0.0.0.0 or :: publish on every interface; a named address (127.0.0.1, a LAN IP) does not."""
    if address is None or address == "":
        return True
    if not isinstance(address, str):
        return False  # unknown until deployment, or malformed (the provider rejects it)
    try:
        return ipaddress.ip_address(address.strip("[]")).is_unspecified
    except ValueError:
        return False


def ports_on_loopback(subject: Subject, config: Mapping[str, Any]) -> list[str]:
    messages = []
    for port in items(subject.props.get("ports")):
        port = mapping(port)
        if port.get("external") is None or has_unknown(port.get("ip")):
            continue  # not published on the host (Docker picks no host port without `external`)
        if _all_interfaces(port.get("ip")):
            messages.append(
                f"{subject.label} publishes port {show(port.get('internal'))} on host port "
                f"{show(port.get('external'))} on every interface (ip {show(port.get('ip'))}), so anyone on the "
                'network reaches it; set ip "127.0.0.1" (bluegreen:docker.publishAddress), or disable this rule '
                "for a stack that is deliberately open."
            )
    return messages


def _publishes(subject: Subject) -> bool:
    ports = subject.props.get("ports")
    return ports is UNKNOWN or any(mapping(p).get("external") is not None for p in items(ports))


_NO_NEW_PRIVILEGES = frozenset({"no-new-privileges", "no-new-privileges:true", "no-new-privileges=true"})


def published_container_confined(subject: Subject, config: Mapping[str, Any]) -> list[str]:
    if not _publishes(subject):
        return []
    props = subject.props
    problems = []
    options = props.get("securityOpts")
    if not has_unknown(options) and not any(
        isinstance(o, str) and o.strip().lower() in _NO_NEW_PRIVILEGES for o in items(options)
    ):
        problems.append(f'securityOpts {show(options)} lacks "no-new-privileges:true"')
    drops = mapping(props.get("capabilities")).get("drops")
    if not has_unknown(drops) and not any(isinstance(d, str) and d.upper() == "ALL" for d in items(drops)):
        problems.append(f'capabilities.drops is {show(drops)}, not ["ALL"]')
    memory = props.get("memory")
    if memory is not UNKNOWN and not (number(memory) or 0) > 0:
        problems.append(f"memory is {show(memory)}, so it may take all of the host's memory")
    if not problems:
        return []
    return [
        f"{subject.label} publishes host ports but is not confined: {'; '.join(problems)}. Set "
        'securityOpts ["no-new-privileges:true"], capabilities {drops: ["ALL"]} and a memory limit (MiB).'
    ]


RULES = [
    Rule(
        name="docker-ports-loopback-only",
        description="Docker containers publish host ports on a named address (127.0.0.1), never on every interface.",
        types=frozenset({CONTAINER}),
        check=ports_on_loopback,
        level="mandatory",
        severity="high",
    ),
    Rule(
        name="docker-published-container-confined",
        description="Docker containers that publish host ports set no-new-privileges, drop all capabilities and "
        "limit memory.",
        types=frozenset({CONTAINER}),
        check=published_container_confined,
        level="mandatory",
        severity="medium",
    ),
]
