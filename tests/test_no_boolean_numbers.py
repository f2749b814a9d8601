"""Issue 9: a YAML boolean is never a number. Every numeric field of the config model, found by walking
the model (so a field added later is covered too), refuses `true` with a problem naming its key."""

import types
import typing
from typing import Any

import pytest
from pydantic import BaseModel

from components.spec import BlueGreenSpec, ConfigError, parse_spec

BASES: dict[str, dict[str, Any]] = {
    "aws": {"platform": "aws", "aws": {"vpcId": "vpc-0a1b2c3d4e5f67890",
                                       "subnetIds": ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]}},
    "kubernetes": {"platform": "kubernetes"},
}
COLORS = {"blue": {"image": "ghcr.io/acme/web:1.4.2"}, "green": {"image": "ghcr.io/acme/web:1.5.0"}}


def _numeric(annotation: Any) -> bool:
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is typing.Annotated:
        return _numeric(args[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_numeric(a) for a in args if a is not type(None))
    return annotation in (int, float)


def _model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, typing.Annotated):
        for arg in typing.get_args(annotation):
            found = _model(arg)
            if found is not None:
                return found
    return None


def numeric_paths(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Alias paths of every int/float field reachable through nested models (lists left out)."""
    found = []
    for name, field in model.model_fields.items():
        path = (*prefix, field.alias or name)
        if _numeric(field.annotation):
            found.append(path)
        elif (inner := _model(field.annotation)) is not None:
            found += numeric_paths(inner, path)
    return found


# Blocks that need other keys before their numbers are read at all.
NEEDS = {
    ("rollout", "analysis"): {"metrics": [{"name": "errors", "template": "errorRate", "max": 0.01}]},
    ("rollout", "hooks", "preTraffic"): {"url": "{{testUrl}}/health"},
    ("rollout", "prometheus"): {"address": "http://127.0.0.1:9090"},
}
PATHS = [p for p in numeric_paths(BlueGreenSpec)]


def config_with(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {**COLORS, **BASES.get(path[0], {})}
    raw = {k: (dict(v) if isinstance(v, dict) else v) for k, v in raw.items()}
    node = raw
    for depth, key in enumerate(path[:-1]):
        node = node.setdefault(key, dict(NEEDS.get(path[: depth + 1], {})))
    node[path[-1]] = value
    return raw


def test_the_walk_finds_the_numbers_of_every_block() -> None:
    assert {p[0] for p in PATHS} >= {"service", "blue", "traffic", "aws", "kubernetes", "docker", "rollout"}
    assert ("aws", "cpu") in PATHS and ("aws", "logRetentionDays") in PATHS


@pytest.mark.parametrize("path", PATHS, ids=[".".join(p) for p in PATHS])
def test_true_is_refused_naming_the_key(path: tuple[str, ...]) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_spec(config_with(path, True))
    assert f"bluegreen:{path[0]}" + "".join(f".{p}" for p in path[1:]) in {p.key for p in caught.value.problems}
