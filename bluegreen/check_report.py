"""Render offline check results: terminal text grouped by resource (like `pulumi preview`), JSON, Markdown."""

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from components import safe_text

from .offline_check import SCOPE_NOTE, StackCheck
from .policy_client import Violation

STACK_LEVEL = "(stack)"


@dataclass(frozen=True)
class ResourceGroup:
    urn: str
    type: str
    name: str
    violations: tuple[Violation, ...]


def grouped(check: StackCheck) -> list[ResourceGroup]:
    """Violations per resource, in registration order; stack policies without a URN come last."""
    by_urn: dict[str, list[Violation]] = {}
    for violation in check.violations:
        by_urn.setdefault(violation.urn if violation.urn in check.resources else "", []).append(violation)
    groups = []
    for urn, resource in check.resources.items():
        if urn in by_urn:
            groups.append(ResourceGroup(urn, resource.type, resource.name, tuple(by_urn[urn])))
    if "" in by_urn:
        groups.append(ResourceGroup("", STACK_LEVEL, STACK_LEVEL, tuple(by_urn[""])))
    return groups


def split_message(violation: Violation) -> tuple[str, str]:
    """(policy description, the rule's own message): the engine joins them with a newline.

    The pack ends each message with its rule's link (`See docs/policies.md#...`) for `pulumi preview`;
    the reports print `url` on their own, so the link is dropped here instead of shown twice.
    """
    description, _, detail = violation.message.partition("\n")
    detail = detail.strip()
    if violation.url:
        detail = detail.removesuffix(f"See {violation.url}").strip()
    return description.strip(), detail


def verdict(check: StackCheck) -> str:
    if check.config_problems:
        return "invalid config"
    if check.error:
        return "error"
    return "passed" if check.passed else "failed"


def summary_line(check: StackCheck) -> str:
    if check.config_problems:
        return f"stack {check.stack}: invalid stack config ({len(check.config_problems)} problem(s))"
    if check.error:
        return f"stack {check.stack}: could not be checked"
    return (
        f"stack {check.stack}: {verdict(check).upper()}: {len(check.resources)} resources, "
        f"{len(check.mandatory)} mandatory, {len(check.advisory)} advisory violation(s)"
    )


def text_lines(check: StackCheck) -> list[str]:
    """Plain lines for the terminal; the CLI adds color."""
    source = f" ({check.policy_config})" if check.policy_config else ""
    lines = [f"Policy check of stack {check.stack}{source}"]
    lines += [f"    {problem}" for problem in check.config_problems]
    lines += [f"    hook {hook.when}: {hook.description}" for hook in check.hooks]
    lines += [f"    note: {note}" for note in check.notes]
    if check.error:
        lines += [f"    {line}" for line in check.error.splitlines()]
    for group in grouped(check):
        lines.append(f"    {group.type}: {group.name}" if group.urn else f"    {STACK_LEVEL}")
        for violation in group.violations:
            description, detail = split_message(violation)
            severity = f"  [severity: {violation.severity}]" if violation.severity else ""
            lines.append(f"        - [{violation.enforcement_level}]{severity}  {violation.policy_name}")
            lines += [f"          {line}" for line in (description, *detail.splitlines()) if line]
            if violation.url:
                lines.append(f"          see {violation.url}")
    lines.append(summary_line(check))
    return lines


def to_json(checks: Sequence[StackCheck]) -> dict[str, Any]:
    return {
        "scope": SCOPE_NOTE,
        "passed": all(c.passed for c in checks),
        "stacks": [
            {
                "stack": c.stack,
                "result": verdict(c),
                "policyConfig": c.policy_config,
                "resourcesChecked": len(c.resources),
                "configProblems": c.config_problems,
                "error": c.error,
                "notes": c.notes,
                "hooks": [
                    {
                        "when": h.when,
                        "kind": h.kind,
                        "runs": h.description,
                        "env": list(h.env),
                        "allowLinkLocal": h.allow_link_local,
                    }
                    for h in c.hooks
                ],
                "violations": [
                    {
                        "policy": v.policy_name,
                        "enforcementLevel": v.enforcement_level,
                        "severity": v.severity,
                        "urn": v.urn,
                        "type": g.type,
                        "name": g.name,
                        "description": split_message(v)[0],
                        "message": split_message(v)[1],
                        "url": v.url,
                    }
                    for g in grouped(c)
                    for v in g.violations
                ],
            }
            for c in checks
        ],
    }


def json_text(checks: Sequence[StackCheck]) -> str:
    return json.dumps(safe_text.scrubbed(to_json(checks)), indent=2) + "\n"


_ICONS = {"passed": "✅", "failed": "❌", "invalid config": "❌", "error": "❌"}


def markdown(checks: Sequence[StackCheck], link: Callable[[str], str] = lambda url: url) -> str:
    """A PR comment / job summary: a table of stacks, then every violation grouped by resource.

    `link` turns a policy's repository-relative doc URL into one the reader can open (see github_link).
    """
    out = ["## bluegreen offline policy check", "", f"> {SCOPE_NOTE}", ""]
    out += ["| Stack | Result | Resources | Mandatory | Advisory |", "|---|---|---:|---:|---:|"]
    for c in checks:
        result = f"{_ICONS[verdict(c)]} {verdict(c)}"
        counts = f"{len(c.resources)} | {len(c.mandatory)} | {len(c.advisory)}"
        out.append(f"| `{c.stack}` | {result} | {counts} |")
    hooks = [(c.stack, hook) for c in checks for hook in c.hooks]
    if hooks:
        out += ["", "### Hooks: code these stacks run on the release machine", ""]
        out += ["| Stack | When | Runs |", "|---|---|---|"]
        out += [f"| {_md(stack)} | {_md(hook.when)} | {_md(hook.description)} |" for stack, hook in hooks]
    notes = [(c.stack, note) for c in checks for note in c.notes]
    if notes:
        out += ["", "### Notes", ""]
        out += [f"- {_md(stack)}: {_md(note)}" for stack, note in notes]
    for c in checks:
        if c.passed and not c.violations:
            continue
        out += ["", f"### `{c.stack}`", ""]
        if c.policy_config:
            out += [f"Policy config: `{c.policy_config}`", ""]
        out += [f"- {_md(problem)}" for problem in c.config_problems]
        if c.error:
            out += ["```", c.error, "```"]
        for group in grouped(c):
            title = f"`{group.type}` **{_md(group.name)}**" if group.urn else "stack policies"
            out += [f"#### {title}", ""]
            for v in group.violations:
                description, detail = split_message(v)
                severity = f", severity {v.severity}" if v.severity else ""
                mark = "❌" if v.mandatory else "⚠️"
                text = _md(detail or description)
                name = f"[`{v.policy_name}`]({link(v.url)})" if v.url else f"`{v.policy_name}`"
                out.append(f"- {mark} {name} ({v.enforcement_level}{severity}): {text}")
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def github_link(env: Mapping[str, str]) -> Callable[[str], str]:
    """In GitHub Actions, a repository-relative URL becomes a link to that file at the checked commit.

    A PR comment resolves relative links against the pull request's page, where they would 404.
    """
    server, repo, sha = (env.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"))
    if not (server and repo and sha):
        return lambda url: url
    return lambda url: url if "://" in url else f"{server}/{repo}/blob/{sha}/{url}"


def _md(text: str) -> str:
    # Messages quote stack values: shown, never rendered (links, mentions, HTML, emphasis).
    return safe_text.markdown(text)
