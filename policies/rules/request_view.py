"""One plain, read-only view of an analyzer request, parsed once and shared by every policy.

pulumi_policy parses a request's properties once per policy (28 times for one resource
here). `analyzer.py` parses it once with `resource_view`/`stack_view` and publishes the
result in `CURRENT` for the duration of the call; the policy wrappers in `policies.py`
read it from there. Rules must treat the view as read-only: it is shared by all of them
(tests/test_policy_robustness.py checks that no rule changes it).
"""

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from google.protobuf import struct_pb2

from .nesting import MAX_DEPTH, TOO_DEEP
from .spec import StackResource
from .values import SECRET_SIG, SIG_KEY, UNKNOWN, UNKNOWN_SENTINELS, secret


class ResourceView:
    """The inputs of the resource one `Analyze` call judges, parsed when a policy first reads them.

    Most types in a stack (IAM roles, log groups) match no rule, so their properties are never parsed.
    """

    def __init__(self, request: Any) -> None:
        self._request = request
        self._parsed: tuple[dict[str, Any], frozenset[str]] | None = None

    def _parse(self) -> tuple[dict[str, Any], frozenset[str]]:
        # One request is served on one thread, so two policies never parse it at once.
        if self._parsed is None:
            props, secrets = properties(self._request.properties)
            self._parsed = props, frozenset(secrets)
        return self._parsed

    @property
    def props(self) -> dict[str, Any]:
        return self._parse()[0]

    @property
    def secrets(self) -> frozenset[str]:
        """Every secret string in the inputs: messages are scrubbed of them before they leave the pack."""
        return self._parse()[1]


@dataclass(frozen=True)
class StackView:
    """Every resource of one `AnalyzeStack` call."""

    resources: list[StackResource]
    secrets: frozenset[str]


# Set by analyzer.py around the SDK's own handling of one request; None outside one (then
# the wrappers parse the SDK's arguments themselves).
CURRENT: ContextVar[ResourceView | StackView | None] = ContextVar("bluegreen_request_view", default=None)


def _value(value: struct_pb2.Value, secrets: set[str], depth: int) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        text = value.string_value
        return UNKNOWN if text in UNKNOWN_SENTINELS else text
    if kind == "number_value":
        return value.number_value
    if kind == "bool_value":
        return value.bool_value
    if kind in ("list_value", "struct_value") and depth > MAX_DEPTH:
        return TOO_DEEP  # see nesting.py: the rest is not read, and the resource is reported
    if kind == "list_value":
        return [_value(item, secrets, depth + 1) for item in value.list_value.values]
    if kind == "struct_value":
        return _object(value.struct_value, secrets, depth + 1)
    return None


def _object(struct: struct_pb2.Struct, secrets: set[str], depth: int) -> Any:
    fields = struct.fields
    if SIG_KEY in fields and fields[SIG_KEY].string_value == SECRET_SIG:
        # The wrapper counts as a level, so a chain of secrets wrapping secrets is bounded too.
        return secret(_value(fields["value"], secrets, depth), secrets) if "value" in fields else None
    # Assets and archives keep their signature object: no rule looks inside them.
    return {key: _value(item, secrets, depth) for key, item in fields.items()}


def properties(struct: struct_pb2.Struct) -> tuple[dict[str, Any], set[str]]:
    """Plain inputs out of a request's properties, and the secret strings found in them.

    Never deeper than `MAX_DEPTH` levels: a deeper object or list becomes `TOO_DEEP` (nesting.py),
    so a 1,000-level input cannot exhaust the recursion limit here or in a rule.
    """
    secrets: set[str] = set()
    return {key: _value(item, secrets, 1) for key, item in struct.fields.items()}, secrets


def resource_view(request: Any) -> ResourceView:
    """The view of an `AnalyzeRequest` (the caller keeps the request unchanged while the view is in use)."""
    return ResourceView(request)


def stack_view(request: Any) -> StackView:
    """The view of an `AnalyzeStackRequest`: each resource as the stack rules see it."""
    resources, secrets = [], set()
    for resource in request.resources:
        props, found = properties(resource.properties)
        secrets |= found
        resources.append(
            StackResource(
                type=resource.type,
                urn=resource.urn,
                name=resource.name,
                props=props,
                parent=resource.parent or resource.options.parent or None,
                property_dependencies={key: list(deps.urns) for key, deps in resource.propertyDependencies.items()},
            )
        )
    return StackView(resources, frozenset(secrets))
