"""Wrap declared rules into pulumi_policy objects: the only module that knows the CrossGuard API."""

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

from .guidance import GUIDANCE, policy_url
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


def _schema(knobs: dict[str, Knob]) -> PolicyConfigSchema | None:
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
        "config_schema": _schema(rule.knobs),
        "remediation_steps": guidance.fix if guidance else None,
        "url": policy_url(rule.name),
    }


def resource_policy(rule: Rule) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if args.resource_type not in rule.types:
            return
        subject = Subject(type=args.resource_type, name=args.name, props=plain(args.props))
        config = with_defaults(rule.knobs, args.get_config())
        for message in rule.check(subject, config):
            report(message, None)

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
        resources = [_stack_resource(resource) for resource in args.resources]
        config = with_defaults(rule.knobs, args.get_config())
        for urn, message in rule.check(resources, config):
            report(message, urn)

    return StackValidationPolicy(validate=validate, **_metadata(rule))


def build(rules: Iterable[Rule | StackRule]) -> list[Policy]:
    # list[Policy], not the union of the two kinds: PolicyPack takes an (invariant) List[Policy].
    return [resource_policy(r) if isinstance(r, Rule) else stack_policy(r) for r in rules]
