"""Turn raw stack config (what `pulumi config` holds) into a validated BlueGreenSpec."""

import json
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from .problems import NAMESPACE, ConfigError, problems_from
from .root import BlueGreenSpec, cross_problems


def parse_spec(raw: Mapping[str, Any]) -> BlueGreenSpec:
    """Validate `{"platform": ..., "service": {...}, ...}`; raise ConfigError listing every problem."""
    try:
        spec = BlueGreenSpec.model_validate(dict(raw))
    except ValidationError as error:
        raise ConfigError(problems_from(error, BlueGreenSpec)) from None
    problems = cross_problems(spec)
    if problems:
        raise ConfigError(problems)
    return spec


def raw_from_engine_config(config: Mapping[str, str]) -> dict[str, Any]:
    """Pick the `bluegreen:*` keys from engine config (values are strings; objects arrive as JSON)."""
    prefix = f"{NAMESPACE}:"
    raw: dict[str, Any] = {}
    for key, value in config.items():
        if key.startswith(prefix):
            raw[key[len(prefix) :]] = _decode(value)
    return raw


def _decode(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value
