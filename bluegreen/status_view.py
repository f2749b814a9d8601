"""`bluegreen status` output: tables for people, `--json` for scripts, and Pulumi missing said once."""

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from components.safe_text import scrubbed

from .stack_status import StackStatus, gather_status
from .status_layout import render_status

if TYPE_CHECKING:
    from .cli_env import CliEnv


def show_status(stacks: list[str], env: "CliEnv", http: bool | None, as_json: bool) -> bool:
    """Print every stack's status; True when all are readable and healthy. Raises PulumiMissingError."""
    found: list[StackStatus] = []
    for name in stacks:
        if as_json:
            found.append(gather_status(name, env.driver_for, lambda spec, config: env.gates(spec, config, http)))
            continue
        with env.out.status(f"reading stack {name}..."):
            status = gather_status(name, env.driver_for, lambda spec, config: env.gates(spec, config, http))
        render_status(env.out, status)
        found.append(status)
    if as_json:
        env.out.print_json(json.dumps(scrubbed([status_json(s) for s in found])))
    return all(s.ok for s in found)


def status_json(status: StackStatus) -> dict[str, Any]:
    """The same facts as the table, with stable keys."""
    return {
        "stack": status.stack,
        "ok": status.ok,
        "error": status.error,
        "platform": status.platform or None,
        "live": status.live,
        "candidate": status.candidate,
        "colors": [
            {
                "color": c.color,
                "weight": c.weight,
                "deployedWeight": c.deployed_weight,
                "image": c.image,
                "replicas": c.replicas,
                "healthy": c.healthy if c.health else None,
                "health": [asdict(r) for r in c.health],
            }
            for c in status.colors
        ],
        "strategy": status.strategy,
        "position": status.position,
        "lock": asdict(status.lock) if status.lock else None,
        "lockHolder": status.lock_holder or None,
        "lockAgeSeconds": status.lock.age_seconds() if status.lock else None,
        "release": status.record,
        "drift": status.drift,
        "outputs": status.outputs,
    }
