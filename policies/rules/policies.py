"""Wrap declared rules into pulumi_policy objects: the only module that knows the CrossGuard policy API.

Each wrapper reads the request's shared view (see request_view.py) when the pack runs
behind analyzer.py, and parses the SDK's own arguments otherwise. Whatever a rule
returns leaves through `finish`: secrets scrubbed, length capped, the rule's docs link
appended. A rule that raises on a malformed resource reports a violation naming the
resource instead of failing the whole analysis.
"""

from collections.abc import Iterable
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from .guidance import GUIDANCE
from .messages import finish, malformed
from .request_view import CURRENT, ResourceView, StackView
from .spec import Knob, Rule, StackResource, StackRule, Subject, with_defaults
from .values import plain

_LEVELS = {
    "advisory": EnforcementLevel.ADVISORY,
    "mandatory": EnforcementLevel.MANDATORY,
    "disabled": EnforcementLevel.DISABLED,
}
_SEVERITIES = {
    "low": Severity.LOW,
    "medium": Severity.MEDIUM,
    "high": Severity.HIGH,
    "critical": Severity.CRITICAL,
}


def config_schema(knobs: dict[str, Knob]) -> PolicyConfigSchema | None:
    if not knobs:
        return None
    return PolicyConfigSchema(properties={key: knob.json_schema() for key, knob in knobs.items()})


def _metadata(rule: Rule | StackRule) -> dict[str, Any]:
    """What both policy kinds take besides the validate function."""
    guidance = GUIDANCE.get(rule.name)
    return {
        "name": rule.name,
        "description": rule.description,
        "enforcement_level": _LEVELS[rule.level],
        "severity": _SEVERITIES[rule.severity],
        "config_schema": config_schema(rule.knobs),
        "remediation_steps": guidance.fix if guidance else None,
        "url": rule.url,
    }


def resource_messages(rule: Rule, subject: Subject, config: dict[str, Any]) -> list[str]:
    """The rule's messages for one resource; a crash on malformed inputs becomes one message, not a failure."""
    try:
        return list(rule.check(subject, config))
    except Exception as error:  # any rule bug on odd inputs must not fail the whole analysis
        return [malformed(subject.label, error)]


def stack_messages(rule: StackRule, resources: list[StackResource], config: dict[str, Any]) -> list[tuple[str, str]]:
    try:
        return list(rule.check(resources, config))
    except Exception as error:  # see resource_messages
        return [("", malformed("the stack", error))]


def resource_policy(rule: Rule) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if args.resource_type not in rule.types:
            return
        view = CURRENT.get()
        if isinstance(view, ResourceView):
            props, secrets = view.props, view.secrets
        else:
            props, secrets = plain(args.props), frozenset()
        subject = Subject(type=args.resource_type, name=args.name, props=props)
        config = with_defaults(rule.knobs, args.get_config())
        for message in resource_messages(rule, subject, config):
            report(finish(message, secrets, rule.url), None)

    return ResourceValidationPolicy(validate=validate, **_metadata(rule))


def _stack_resource(resource: Any) -> StackResource:
    return StackResource(
        type=resource.resource_type,
        urn=resource.urn,
        name=resource.name,
        props=plain(resource.props),
        parent=resource.parent.urn if resource.parent is not None else resource.opts.parent,
        property_dependencies={
            key: [dependency.urn for dependency in deps] for key, deps in resource.property_dependencies.items()
        },
    )


def stack_policy(rule: StackRule) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        view = CURRENT.get()
        if isinstance(view, StackView):
            resources, secrets = view.resources, view.secrets
        else:
            resources, secrets = [_stack_resource(resource) for resource in args.resources], frozenset()
        config = with_defaults(rule.knobs, args.get_config())
        for urn, message in stack_messages(rule, resources, config):
            report(finish(message, secrets, rule.url), urn or None)

    return StackValidationPolicy(validate=validate, **_metadata(rule))


def build(rules: Iterable[Rule | StackRule]) -> list[Policy]:
    # list[Policy], not the union of the two kinds: PolicyPack takes an (invariant) List[Policy].
    return [resource_policy(r) if isinstance(r, Rule) else stack_policy(r) for r in rules]
