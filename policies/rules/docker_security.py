"""Docker secure defaults: published ports stay on this machine, and a container that publishes them is confined.

The test port serves the unreleased candidate, so publishing it on every interface shows
it to the whole network. A container that takes host traffic (the router) is the one an
attacker reaches first: it gets no new privileges, no capabilities and a memory limit.
"""

import ipaddress
from collections.abc import Mapping
from typing import Any

from .docker import CONTAINER
from .spec import Knob, Rule, Subject
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


def _no_new_privileges(options: Any) -> bool:
    return any(isinstance(o, str) and o.strip().lower() in _NO_NEW_PRIVILEGES for o in items(options))


def container_confined(subject: Subject, config: Mapping[str, Any]) -> list[str]:
    """Every container, published or not: no privilege gain, every capability dropped, only allowed ones back."""
    props = subject.props
    problems = []
    options = props.get("securityOpts")
    if not config["allowNewPrivileges"] and not has_unknown(options) and not _no_new_privileges(options):
        problems.append(f'securityOpts {show(options)} lacks "no-new-privileges:true"')
    capabilities = mapping(props.get("capabilities"))
    drops, adds = capabilities.get("drops"), capabilities.get("adds")
    if not has_unknown(drops) and not any(isinstance(d, str) and d.upper() == "ALL" for d in items(drops)):
        problems.append(f'capabilities.drops is {show(drops)}, not ["ALL"]')
    allowed = {str(c).upper().removeprefix("CAP_") for c in config["allowedCapabilities"]}
    extra = [a for a in items(adds) if not (isinstance(a, str) and a.upper().removeprefix("CAP_") in allowed)]
    if not has_unknown(adds) and extra:
        problems.append(f"capabilities.adds gives back {show(extra)}, which allowedCapabilities does not list")
    if props.get("privileged") is True:
        problems.append("privileged is true")
    if not problems:
        return []
    return [
        f"{subject.label} is not confined: {'; '.join(problems)}. Keep the program's defaults "
        "(bluegreen:docker.appNoNewPrivileges true, appCapabilities empty); an app that needs a capability "
        "gets it through appCapabilities and this rule's allowedCapabilities."
    ]


def published_container_confined(subject: Subject, config: Mapping[str, Any]) -> list[str]:
    if not _publishes(subject):
        return []
    props = subject.props
    problems = []
    options = props.get("securityOpts")
    if not has_unknown(options) and not _no_new_privileges(options):
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
    Rule(
        name="docker-app-container-confined",
        description="Docker containers run with no-new-privileges and all capabilities dropped, adding back only "
        "allowed ones.",
        types=frozenset({CONTAINER}),
        check=container_confined,
        level="mandatory",
        severity="medium",
        knobs={
            "allowedCapabilities": Knob(
                {"type": "array", "items": {"type": "string"}},
                [],
                "Capabilities a container may add back after dropping ALL (bluegreen:docker.appCapabilities).",
            ),
            "allowNewPrivileges": Knob(
                {"type": "boolean"},
                False,
                "Accept containers without no-new-privileges (bluegreen:docker.appNoNewPrivileges: false).",
            ),
        },
    ),
]
