"""Every rule of the pack, in the order `pulumi preview` lists them, and the catalogue the docs are generated from.

To add a rule: write its function in the platform's module (or a new one), declare it
there in that module's `RULES` list (`Rule` or `StackRule`, see spec.py: name,
description, level, severity, knobs), add the module's list below, write its guidance
(checks, prevents, fix) in guidance.py, and name the rule in every
`policies/config/<stack>.json`.

`catalogue()` is what a docs generator reads: one `RuleEntry` per rule with its
enforcement level in each stack's config file and its config schema.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from . import (
    aws,
    aws_security,
    aws_shared_rules,
    aws_stack,
    docker,
    docker_security,
    ecs,
    kubernetes,
    kubernetes_security,
    kubernetes_stack,
    nesting,
    rollout,
    route_access,
)
from .guidance import GUIDANCE
from .spec import Rule, StackRule

RULES: list[Rule | StackRule] = [
    *kubernetes.RULES,
    *kubernetes_security.RULES,
    *kubernetes_stack.RULES,
    *route_access.RULES,
    *aws.RULES,
    *aws_security.RULES,
    *aws_shared_rules.RULES,
    *ecs.RULES,
    *aws_stack.RULES,
    *docker.RULES,
    *rollout.RULES,
    *docker_security.RULES,
    *nesting.RULES,
]

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
# Stacks in the order a release goes through them; config files for other stacks follow by name.
STACK_ORDER = ("local", "dev", "staging", "prod")


@dataclass(frozen=True)
class RuleEntry:
    """One rule as the docs describe it."""

    name: str
    """Kebab-case; also the anchor of its section in the docs (`url`)."""
    kind: Literal["resource", "stack"]
    """`resource` rules judge one resource at a time; `stack` rules judge links between resources."""
    description: str
    types: tuple[str, ...]
    """Type tokens a resource rule judges (empty for stack rules: they see every resource)."""
    default_level: str
    """The level when a config file does not name the rule."""
    enforcement: dict[str, str]
    """Stack name -> enforcement level in `policies/config/<stack>.json`."""
    severity: str
    remediation: str
    """What to change so the rule passes (guidance.py; the pack sends it as remediation steps)."""
    url: str
    config_schema: dict[str, dict[str, Any]]
    """Knob -> JSON schema with `default` and `description`, as `--policy-pack-config` takes it."""


def stack_configs(config_dir: Path = CONFIG_DIR) -> dict[str, dict[str, Any]]:
    """Each `policies/config/<stack>.json`, in release order."""
    found = {path.stem: json.loads(path.read_text()) for path in sorted(config_dir.glob("*.json"))}
    ordered = [s for s in STACK_ORDER if s in found] + sorted(set(found) - set(STACK_ORDER))
    return {stack: found[stack] for stack in ordered}


def _level(entry: Any, default: str) -> str:
    if isinstance(entry, str):
        return entry
    if isinstance(entry, dict):
        return entry.get("enforcementLevel", default)
    return default


def catalogue(config_dir: Path = CONFIG_DIR) -> list[RuleEntry]:
    configs = stack_configs(config_dir)
    return [
        RuleEntry(
            name=rule.name,
            kind="resource" if isinstance(rule, Rule) else "stack",
            description=rule.description,
            types=tuple(sorted(rule.types)) if isinstance(rule, Rule) else (),
            default_level=rule.level,
            enforcement={
                stack: _level(config.get(rule.name), _level(config.get("all"), rule.level))
                for stack, config in configs.items()
            },
            severity=rule.severity,
            remediation=GUIDANCE[rule.name].fix if rule.name in GUIDANCE else "",
            url=rule.url,
            config_schema={key: knob.json_schema() for key, knob in rule.knobs.items()},
        )
        for rule in RULES
    ]
