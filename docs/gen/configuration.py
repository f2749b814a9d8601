"""docs/configuration.md from the config model: every `bluegreen:*` key with its type, default, rule and docstring.

The pydantic models in components/spec are the only source: field docstrings (read
through `use_attribute_docstrings`), defaults, `between` ranges, `matches` shapes,
length limits and allowed values. A sample of the error output comes from a real
`parse_spec` call, so it cannot go stale.
"""

import json
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from annotated_types import MaxLen, MinLen
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from components.spec import BlueGreenSpec, ConfigError, parse_spec
from components.spec.base import Range, Shape
from components.spec.durations import PARSED, Duration, show_duration
from components.spec.problems import NAMESPACE

from .markdown import GENERATED_NOTE, cell, table

_DURATION_VALIDATORS = (*typing.get_args(Duration)[1:], PARSED)

# A config with several mistakes: the sample output shows every problem reported in one pass.
BAD_CONFIG: dict[str, Any] = {
    "trafic": {"blue": 90, "green": 10},
    "service": {"port": 70000, "healthCheck": {"intervalSeconds": 10, "timeoutSeconds": 10}},
    "blue": {"image": "repo/web:1.4.2"},
    "green": {"image": "repo/web:1.5.0"},
    "traffic": {"blue": 90, "green": 20},
}


_BASE: dict[str, Any] = {"blue": {"image": "repo/web:1.4.2"}, "green": {"image": "repo/web:1.5.0"}}
_AWS: dict[str, Any] = {
    "platform": "aws",
    "aws": {"vpcId": "vpc-0123456789abcdef0", "subnetIds": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]},
}
_KUBERNETES: dict[str, Any] = {"platform": "kubernetes"}

# Rules that tie keys together, each shown by the smallest config that breaks it: (rule, platform keys, the keys
# that break it). The page prints what validation really answers, so the wording follows the code.
CROSS_KEY_RULES: tuple[tuple[str, dict[str, Any], dict[str, Any]], ...] = (
    ("never route to nothing", {}, {"green": {"replicas": 0}, "traffic": {"blue": 90, "green": 10}}),
    ("weights sum to 100", {}, {"traffic": {"blue": 90, "green": 20}}),
    ("a check ends before the next starts", {},
     {"service": {"healthCheck": {"intervalSeconds": 10, "timeoutSeconds": 10}}}),
    ("the two docker ports differ", {}, {"docker": {"httpPort": 9080, "testPort": 9080}}),
    ("a Service selector routes to one color", _KUBERNETES, {"traffic": {"blue": 90, "green": 10}}),
    ("a rollout can make progress", _KUBERNETES, {"kubernetes": {"rollout": {"maxSurge": 0, "maxUnavailable": 0}}}),
    ("the progress deadline outlasts a healthy start", _KUBERNETES,
     {"kubernetes": {"rollout": {"progressDeadlineSeconds": 60}}}),
    ("aws names fit AWS's limits", _AWS, {"service": {"name": "checkout-service"}}),
    ("ECS checks time out within 60 s", _AWS,
     {"service": {"healthCheck": {"intervalSeconds": 120, "timeoutSeconds": 90}}}),
    ("a Fargate size pair", _AWS, {"aws": {"cpu": 256, "memory": 4096}}),
    ("release steps increase and end at 100", {}, {"rollout": {"steps": [{"setWeight": 10}, {"pause": "5m"},
                                                                         {"setWeight": 50}]}}),
    ("every metric is measured per color", {}, {"rollout": {"analysis": {"metrics": [
        {"name": "errors", "provider": "prometheus", "query": "sum(rate(http_errors_total[1m]))", "max": 0.01}]}}}),
)


@dataclass(frozen=True)
class Row:
    """One documented key."""

    key: str
    kind: str
    default: str
    rule: str
    description: str


def render() -> str:
    parts = [
        "# Configuration reference",
        "",
        GENERATED_NOTE.format(source="the config model in `components/spec/`"),
        "",
        "Every key lives in the `bluegreen` namespace of a stack file (`Pulumi.<stack>.yaml`) and is set with",
        "`pulumi config set --path bluegreen:<key> <value>`. The whole config is validated before a single",
        "resource is registered; every problem is reported in one pass, one line each naming the key, the",
        "value and the rule. Unknown keys are errors with a suggestion, so a typo is never silently ignored.",
        "Durations are written with a unit (`30s`, `5m`, `1m30s`, `500ms`).",
        "",
        "For what the keys mean together see [concepts](concepts.md); for each platform's keys in context see",
        "[aws](platforms/aws.md), [kubernetes](platforms/kubernetes.md) and [docker](platforms/docker.md).",
        "",
        "## Provider keys bluegreen reads",
        "",
        "Outside the `bluegreen` namespace, two provider keys of the same stack file are read by more than the",
        "provider:",
        "",
        "| key | read by | meaning |",
        "|---|---|---|",
        "| `aws:region` | the AWS provider; the CLI's health gates (`describe_target_health`) and CloudWatch "
        "analysis | the region of every AWS resource, and where the CLI reads their health and metrics; it wins "
        "over `AWS_REGION` in the environment. Set it on every `bluegreen:platform: aws` stack (e.g. "
        "`pulumi config set aws:region eu-west-1`) |",
        "| `kubernetes:context` | the Kubernetes provider; the CLI's health gates (`kubectl --context`) | the "
        "kubeconfig context of the cluster; unset: the current context |",
        "",
        "## Top-level keys",
        "",
    ]
    top = [(name, field) for name, field in BlueGreenSpec.model_fields.items()]
    parts += table(
        ["key", "type", "default", "description"],
        [[f"[`{_key((_alias(n, f),))}`](#{_anchor(_key((_alias(n, f),)))})", _kind(f), _default(f),
          cell(f.description or "")] for n, f in top],
    )
    for name, field in top:
        alias = _alias(name, field)
        key = _key((alias,))
        model = _model_in(field.annotation)
        # A scalar key's anchor sits on its own table row.
        parts += ["", f'<a id="{_anchor(key)}"></a>', ""] if model is not None else [""]
        parts += [f"## `{key}`", ""]
        if model is not None and model.__doc__:
            parts += [cell(model.__doc__.strip()), ""]
        elif field.description:
            parts += [field.description, ""]
        rows = list(_rows(field.annotation, (alias,))) if model is not None else [_row((alias,), field)]
        parts += table(
            ["key", "type", "default", "rule", "description"],
            [[f'<a id="{_anchor(r.key)}"></a>`{r.key}`', r.kind, r.default, r.rule, r.description] for r in rows],
        )
    parts += ["", "## Rules that span keys", "", "Each row is the smallest stack config that breaks one rule, and what",
              "validation answers (from a real run, regenerated by `make docs`). The aws rows also set",
              "`bluegreen:aws.vpcId` and `subnetIds`.", ""]
    parts += table(["rule", "config", "validation says"], [_cross_key_row(*rule) for rule in CROSS_KEY_RULES])
    output = _bad_config_output()
    parts += ["", "## What a bad config prints", "", "This stack file has several mistakes:", "", "```yaml", "config:"]
    parts += [f"  {NAMESPACE}:{key}: {json.dumps(value)}" for key, value in BAD_CONFIG.items()]
    parts += ["```", "", "and `pulumi preview` (or the offline check) stops before registering anything with:", ""]
    parts += ["```text", output, "```", ""]
    return "\n".join(parts)


def _cross_key_row(rule: str, platform: dict[str, Any], breaking: dict[str, Any]) -> list[str]:
    # The platform's required keys (aws: vpcId, subnetIds) are set but not shown, unless the example breaks them.
    keys = {"platform": platform["platform"]} if platform else {}
    shown = "; ".join(f"{NAMESPACE}:{key}: {json.dumps(value)}" for key, value in {**keys, **breaking}.items())
    try:
        parse_spec(_merge(_merge(_BASE, platform), breaking))
    except ConfigError as error:
        return [rule, f"`{cell(shown)}`", cell(str(error))]
    raise AssertionError(f"the example of {rule!r} is valid: pick one that breaks the rule")


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        old = merged.get(key)
        merged[key] = _merge(old, value) if isinstance(value, dict) and isinstance(old, dict) else value
    return merged


def _bad_config_output() -> str:
    try:
        parse_spec(BAD_CONFIG)
    except ConfigError as error:
        return f"invalid stack config ({len(error.problems)} problem(s)):\n{error}"
    raise AssertionError("BAD_CONFIG must be invalid")


def _rows(annotation: Any, path: tuple[str, ...]) -> Iterator[Row]:
    """Rows for every field of the model inside `annotation`, depth first."""
    model = _model_in(annotation)
    assert model is not None
    for name, field in model.model_fields.items():
        child = (*path, _alias(name, field))
        nested = _model_in(field.annotation)
        if nested is not None and _is_list(field.annotation):
            yield _row(child, field)
            yield from _rows(field.annotation, (*child[:-1], f"{child[-1]}[]"))
        elif nested is not None and not _is_plain_union(field.annotation):
            yield _row(child, field)
            yield from _rows(field.annotation, child)
        else:
            yield _row(child, field)


def _row(path: tuple[str, ...], field: FieldInfo) -> Row:
    return Row(
        key=_key(path),
        kind=_kind(field),
        default=_default(field),
        rule=cell("; ".join(_rules(field))),
        description=cell(field.description or ""),
    )


def _key(path: tuple[str, ...]) -> str:
    return f"{NAMESPACE}:" + ".".join(path)


def _anchor(key: str) -> str:
    return key.replace(":", "-").replace(".", "-").replace("[]", "").lower()


def _alias(name: str, field: FieldInfo) -> str:
    return field.alias or name


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """(bare type, Annotated metadata) of an annotation."""
    metadata: list[Any] = []
    while typing.get_origin(annotation) is typing.Annotated:
        annotation, *extra = typing.get_args(annotation)
        metadata += extra
    return annotation, metadata


def _members(annotation: Any) -> list[Any]:
    """Union members without None."""
    bare, _ = _unwrap(annotation)
    if typing.get_origin(bare) in (typing.Union, types.UnionType):
        return [a for a in typing.get_args(bare) if a is not type(None)]
    return [annotation]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    for member in _members(annotation):
        bare, _ = _unwrap(member)
        if typing.get_origin(bare) is list:
            return _model_in(typing.get_args(bare)[0])
        if isinstance(bare, type) and issubclass(bare, BaseModel):
            return bare
    return None


def _is_list(annotation: Any) -> bool:
    return any(typing.get_origin(_unwrap(m)[0]) is list for m in _members(annotation))


def _is_plain_union(annotation: Any) -> bool:
    """A union of a model and a scalar (a pause: `5m` or `{}`): documented as one key."""
    return len(_members(annotation)) > 1


def _is_duration(metadata: list[Any]) -> bool:
    return any(m in _DURATION_VALIDATORS for m in metadata)


def _kind(field: FieldInfo) -> str:
    if _is_duration(field.metadata):
        return "duration"
    return _kind_of_annotation(field.annotation)


def _kind_of_annotation(annotation: Any) -> str:
    names = [_kind_of_member(m) for m in _members(annotation)]
    return " or ".join(dict.fromkeys(names))


def _kind_of_member(annotation: Any) -> str:
    bare, metadata = _unwrap(annotation)
    if _is_duration(metadata):
        return "duration"
    origin = typing.get_origin(bare)
    if origin is typing.Literal:
        return " \\| ".join(f"`{v}`" for v in typing.get_args(bare))
    if origin is list:
        return f"list of {_kind_of_annotation(typing.get_args(bare)[0])}"
    if origin in (typing.Union, types.UnionType):
        return _kind_of_annotation(bare)
    if isinstance(bare, type) and issubclass(bare, BaseModel):
        return "object"
    return {int: "integer", float: "number", str: "string", bool: "boolean"}.get(bare, str(bare))


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    value = field.default_factory() if field.default_factory is not None else field.default  # type: ignore[call-arg]
    if value is None or value is PydanticUndefined:
        return "unset"
    if isinstance(value, BaseModel):
        return "see below"
    if isinstance(value, float) and _is_duration(_metadata_of(field)):
        return f"`{show_duration(value)}`"
    return f"`{json.dumps(value)}`"


def _metadata_of(field: FieldInfo) -> list[Any]:
    found = list(field.metadata)
    for member in _members(field.annotation):
        found += _unwrap(member)[1]
    return found


def _rules(field: FieldInfo) -> list[str]:
    rules = []
    for member in _members(field.annotation):
        bare, metadata = _unwrap(member)
        if typing.get_origin(bare) is list:
            rules += [f"each item {r}" for r in _metadata_rules(_unwrap(typing.get_args(bare)[0])[1])]
        rules += _metadata_rules(metadata)
    rules += _metadata_rules(field.metadata)
    return list(dict.fromkeys(rules))


def _metadata_rules(metadata: list[Any]) -> list[str]:
    rules = []
    for item in metadata:
        if isinstance(item, Range):
            rules.append(f"{item.low}..{item.high}")
        elif isinstance(item, Shape):
            rules.append(f"looks like `{item.shape}`")
        elif isinstance(item, MinLen):
            rules.append(f"at least {item.min_length} item(s)")
        elif isinstance(item, MaxLen):
            rules.append(f"at most {item.max_length} item(s)")
    return rules
