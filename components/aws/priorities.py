"""One listener rule per priority: two services of one program on the same shared listener must differ.

ALB refuses a second rule with a taken priority only when `pulumi up` creates it,
after the first service's resources exist. `fleet_priority_problems` finds the clash
from the arguments alone, before anything registers; each `AwsBlueGreenService`
also claims its priority as it is built, so a program that skips that check still
stops before the second rule is registered.
"""

import weakref
from collections.abc import Mapping

import pulumi
from pulumi.runtime.settings import get_root_resource

from ..spec import AwsConfig
from ..spec.problems import ConfigProblem

PRIORITY_KEY = 'aws["shared_listener"]["priority"]'
"""The argument a library caller set (`AwsConfig(shared_listener=SharedListener(priority=...))`)."""

# Per program run (the root stack resource), the owner of each (listener, priority).
_claims: "weakref.WeakKeyDictionary[pulumi.Resource, dict[tuple[str, int], str]]" = weakref.WeakKeyDictionary()


def listener_identity(aws: AwsConfig) -> tuple[str, int] | None:
    """(which shared listener, priority), or None without a shared listener.

    The listener is its ARN when config gives one, else the platform stack it comes from.
    """
    shared = aws.shared_listener
    if shared is None:
        return None
    listener = shared.listener_arn or f"platform stack {aws.platform_stack}"
    return listener, shared.priority


def fleet_priority_problems(services: Mapping[str, AwsConfig]) -> list[ConfigProblem]:
    """Every service whose (listener, priority) an earlier one in `services` already takes."""
    owners: dict[tuple[str, int], str] = {}
    found = []
    for name, aws in services.items():
        identity = listener_identity(aws)
        if identity is None:
            continue
        if identity in owners:
            found.append(_clash(name, identity, owners[identity]))
        else:
            owners[identity] = name
    return found


def claim_priority(name: str, aws: AwsConfig) -> None:
    """Record this service's rule priority for the current program run; RunError if another service has it."""
    identity = listener_identity(aws)
    root = get_root_resource()
    if identity is None or root is None:
        return
    owners = _claims.setdefault(root, {})
    if identity in owners and owners[identity] != name:
        raise pulumi.RunError(str(_clash(name, identity, owners[identity])))
    owners[identity] = name


def _clash(name: str, identity: tuple[str, int], owner: str) -> ConfigProblem:
    listener, priority = identity
    return ConfigProblem(
        f"BlueGreenService {name!r}: {PRIORITY_KEY}",
        priority,
        f"service {owner!r} already has priority {priority} on the same listener ({listener}); "
        "each service needs its own (ALB evaluates rules by priority, one rule per number)",
    )
