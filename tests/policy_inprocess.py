"""The pack's rules called in-process, on exactly the values the gRPC path hands them.

Thousands of generated resources are too many for the gRPC round trip; here each
resource's inputs go through the same Struct encoding (`to_struct`) and the same parse
(`rules.request_view.properties`) as in the running pack, then through every rule with
its default config, via the same wrappers (`resource_messages`, `stack_messages`,
`finish`) the policies use.
"""

import functools
import sys
from typing import Any

from bluegreen.policy_client import PACK_DIR, to_struct
from bluegreen.program_run import RegisteredResource

if str(PACK_DIR) not in sys.path:
    sys.path.insert(0, str(PACK_DIR))

from rules.catalog import RULES
from rules.messages import finish
from rules.policies import resource_messages, stack_messages
from rules.request_view import properties
from rules.spec import Rule, StackResource, StackRule, Subject, with_defaults

STACK_RULES = tuple(rule for rule in RULES if isinstance(rule, StackRule))


@functools.cache
def rules_for(type_token: str) -> tuple[Rule, ...]:
    """The resource rules that judge this type, in the catalog's order, as the pack runs them."""
    return tuple(rule for rule in RULES if isinstance(rule, Rule) and type_token in rule.types)


def parsed(resource: RegisteredResource) -> tuple[dict[str, Any], frozenset[str]]:
    props, secrets = properties(to_struct(resource.inputs))
    return props, frozenset(secrets)


def stack_resource(resource: RegisteredResource, props: dict[str, Any]) -> StackResource:
    return StackResource(type=resource.type, urn=resource.urn, name=resource.name, props=props, parent=resource.parent)


def judge_parsed(
    resources: list[RegisteredResource], views: list[tuple[dict[str, Any], frozenset[str]]]
) -> list[tuple[str, str]]:
    """(rule name, finished message) for every violation, resource rules first, as the engine runs them."""
    found = []
    for resource, (props, secrets) in zip(resources, views, strict=True):
        subject = Subject(type=resource.type, name=resource.name, props=props)
        for rule in rules_for(resource.type):
            config = with_defaults(rule.knobs, {})
            found += [(rule.name, finish(m, secrets, rule.url)) for m in resource_messages(rule, subject, config)]
    stack = [stack_resource(r, props) for r, (props, _) in zip(resources, views, strict=True)]
    secrets = frozenset().union(*(s for _, s in views))
    for rule in STACK_RULES:
        config = with_defaults(rule.knobs, {})
        found += [(rule.name, finish(m, secrets, rule.url)) for _, m in stack_messages(rule, stack, config)]
    return found


def judge(resources: list[RegisteredResource]) -> list[tuple[str, str]]:
    return judge_parsed(resources, [parsed(r) for r in resources])
