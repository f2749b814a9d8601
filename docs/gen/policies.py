"""docs/policies.md from the rule catalogue: every rule, its anchor, guidance, knobs and enforcement per stack.

Sources: `policies/rules/catalog.py` (names, descriptions, resource types, default
levels, severities, knobs), `policies/rules/guidance.py` (what it checks, the outage,
the fix; the same text the pack sends the engine as remediation steps) and
`policies/config/<stack>.json` (the level and knobs each stack runs with).
"""

import json
from pathlib import Path
from typing import Any

from policies.rules.catalog import RULES
from policies.rules.guidance import GUIDANCE
from policies.rules.spec import Rule, StackRule

from .markdown import GENERATED_NOTE, cell, table

ROOT = Path(__file__).resolve().parents[2]
PACK_DIR = ROOT / "policies"
STACK_ORDER = ("local", "dev", "staging", "prod")

FAMILIES: tuple[tuple[str, str, str], ...] = (
    (
        "k8s-",
        "Kubernetes",
        "These rules cover Deployments, StatefulSets, DaemonSets, ReplicaSets and bare Pods. Jobs and CronJobs "
        "are exempt, because they serve no traffic. Init containers are exempt, because they finish before the "
        "pod becomes ready.",
    ),
    (
        "aws-",
        "AWS",
        "The rules cover `aws:lb/...` and the older `aws:alb/...` tokens for TargetGroup, Listener, ListenerRule "
        "and LoadBalancer, plus `aws:ecs/taskDefinition` and `aws:ecs/service`.",
    ),
    (
        "docker-",
        "Docker",
        "These rules cover `docker:index/container:Container`; the image rule also covers "
        "`docker:index/remoteImage:RemoteImage`.",
    ),
)

INTRO = """\
`policies/` is a Python CrossGuard policy pack. It judges the resources the program declares, and any
resource you write by hand, by type token; it does not import `components/`. It catches the settings that
drop requests during a blue/green flip or a rolling update: missing or contradictory health checks,
rollouts that take serving capacity away, traffic sent to nothing, shutdowns that cut requests in flight.

## Running it

Offline, with no cloud account: `make check` runs every stack's program under Pulumi's mocks and sends
each resource to the pack over its gRPC protocol (see [the CLI reference](cli.md#bluegreen-check)).
With the Pulumi CLI and credentials, the engine runs the pack itself:

<!-- doc-test: skip (needs the Pulumi CLI and cloud credentials) -->
```bash
python3 -m venv policies/venv && policies/venv/bin/pip install -r policies/requirements.txt
pulumi preview --policy-pack policies --policy-pack-config policies/config/prod.json
```

A `mandatory` violation fails the preview or update; an `advisory` one is printed as a warning. Each
policy carries its remediation steps and the URL of its anchor on this page (`docs/policies.md#<rule>`);
the offline check prints that URL under every violation, writes it into its JSON report, and links each
rule from its Markdown report (to the checked commit when it runs in GitHub Actions).

The rules read **declared inputs**. A value computed during deployment (an ARN on a stack's first preview)
is unknown, and the rules skip it instead of guessing: on a brand-new stack the rules that link resources
by ARN (`aws-weighted-target-groups-have-tasks`) report from the first `pulumi up` onward. A whole block
that is unknown (a `healthCheck` computed from another resource) is skipped the same way.

What a violation message shows: the value the rule found as you wrote it, with secret values (`pulumi
config set --secret`, `Output.secret`) replaced by `[secret]` and long values shortened to their start and
length, so a message stays under about 2,000 characters; its last line links to the rule's section below.
A resource too malformed for a rule to read (a list where a name belongs) is reported as a violation of
that rule, never as a failure of the whole analysis.

Each request is parsed once and shared by every rule (`policies/rules/analyzer.py` explains the shim over
`pulumi_policy`), and the rules that link resources index the stack once per call, so `AnalyzeStack` grows
linearly with the stack. `bench/policy_throughput.py` measures it against a pack of the same rules with
empty bodies, at 1,000, 5,000 and 10,000 resources per platform.

## Enforcement per stack

`policies/config/<stack>.json` is the file passed to `--policy-pack-config`; it lists every policy with its
`enforcementLevel` and knobs. Edit a stack's file to change a threshold there, e.g.
`"aws-target-group-deregistration-delay": {"enforcementLevel": "mandatory", "maxSeconds": 180}`;
`"disabled"` turns a rule off. Without a config file each rule runs at its default level below."""


def render() -> str:
    configs = {stack: _stack_config(stack) for stack in STACK_ORDER}
    parts = [
        "# Policy reference",
        "",
        GENERATED_NOTE.format(source="`policies/rules/` and `policies/config/`"),
        "",
        INTRO,
        "",
    ]
    parts += table(
        ["rule", "default", *(f"`{s}`" for s in STACK_ORDER)],
        [
            [f"[`{r.name}`](#{r.name})", r.level, *(_level(configs[s], r.name) for s in STACK_ORDER)]
            for r in RULES
        ],
    )
    for prefix, title, note in FAMILIES:
        family = [r for r in RULES if r.name.startswith(prefix)]
        if family:
            parts += ["", f"## {title} rules", "", note]
            for rule in family:
                parts += _rule_section(rule, configs)
    others = [r for r in RULES if not any(r.name.startswith(p) for p, _, _ in FAMILIES)]
    if others:
        parts += ["", "## Other rules"]
        for rule in others:
            parts += _rule_section(rule, configs)
    parts.append("")
    return "\n".join(parts)


def _rule_section(rule: Rule | StackRule, configs: dict[str, dict[str, Any]]) -> list[str]:
    guidance = GUIDANCE.get(rule.name)
    kind = "stack rule (judges all resources together)" if isinstance(rule, StackRule) else "resource rule"
    lines = ["", f'<a id="{rule.name}"></a>', "", f"### `{rule.name}`", "", rule.description, ""]
    lines += [f"- **Kind:** {kind}; severity {rule.severity}; default level {rule.level}."]
    if isinstance(rule, Rule):
        lines += ["- **Resource types:** " + ", ".join(f"`{t}`" for t in sorted(rule.types))]
    if guidance is not None:
        lines += [
            f"- **Checks:** {guidance.checks}",
            f"- **Prevents:** {guidance.prevents}",
            f"- **Fix:** {guidance.fix}",
        ]
    lines += ["- **Per stack:** " + ", ".join(f"{s} {_level(configs[s], rule.name)}" for s in STACK_ORDER)]
    if rule.knobs:
        lines += ["", *table(
            ["knob", "default", "meaning", *(f"`{s}`" for s in STACK_ORDER)],
            [
                [f"`{key}`", f"`{json.dumps(knob.default)}`", cell(knob.description),
                 *(_knob(configs[s], rule.name, key, knob.default) for s in STACK_ORDER)]
                for key, knob in rule.knobs.items()
            ],
        )]
    return lines


def _stack_config(stack: str) -> dict[str, Any]:
    path = PACK_DIR / "config" / f"{stack}.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _level(config: dict[str, Any], name: str) -> str:
    entry = config.get(name, config.get("all"))
    if isinstance(entry, str):
        return entry
    if isinstance(entry, dict) and "enforcementLevel" in entry:
        return str(entry["enforcementLevel"])
    return "default"


def _knob(config: dict[str, Any], name: str, key: str, default: Any) -> str:
    entry = config.get(name)
    value = entry.get(key, default) if isinstance(entry, dict) else default
    return f"`{json.dumps(value)}`"
