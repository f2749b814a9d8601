"""Turn raw stack config (what `pulumi config` holds) into a validated BlueGreenSpec."""

import copy
import itertools
import json
from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import Any

from pydantic import ValidationError

from .problems import NAMESPACE, ConfigError, ConfigProblem, problems_from, redacted
from .root import BlueGreenSpec, cross_problems
from .secret_config import (
    PLACEHOLDER_RULE,
    SECRET_CAPABLE,
    SECRET_PLACEHOLDER,
    secret_key_problems,
    secret_strings,
    validation_context,
)

PLATFORM_KEYS = ("aws", "kubernetes", "docker")


def parse_spec(raw: Mapping[str, Any], secret_keys: Collection[str] = ()) -> BlueGreenSpec:
    """Validate `{"platform": ..., "service": {...}, ...}`; raise ConfigError listing every problem.

    `secret_keys` are the top-level keys Pulumi holds as secrets (`rollout`): no message shows
    their values, and only the keys that may be secret are accepted (components/spec/secret_config.py).
    """
    problems = secret_key_problems(secret_keys)
    spec = None
    try:
        # Stack config spells keys in camelCase only (Python callers may use field names).
        spec = BlueGreenSpec.model_validate(
            dict(raw), by_alias=True, by_name=False, context=validation_context(secret_keys)
        )
    except ValidationError as error:
        found = problems_from(error, BlueGreenSpec)
        problems += found + _cross_problems_despite(raw, error, found)
    else:
        problems += cross_problems(spec)
    if problems or spec is None:
        raise ConfigError(_hide_secrets(problems, raw, secret_keys))
    return spec


def _hide_secrets(problems: list[ConfigProblem], raw: Mapping[str, Any], secret_keys: Collection[str]) -> list:
    """Problems under a secret key show `[secret]` for the value and for any secret text in the rule."""
    secret_keys = set(secret_keys)
    # A rule may quote any part of the value it judges: every string of the key is scrubbed from it.
    secrets = [text for key in secret_keys for text in secret_strings(raw.get(key))]
    shown = []
    for problem in problems:
        top = problem.key.removeprefix(f"{NAMESPACE}:").split(".")[0].split("[")[0]
        if problem.value == SECRET_PLACEHOLDER and top in secret_keys & SECRET_CAPABLE:
            problem = replace(problem, rule=PLACEHOLDER_RULE)
        shown.append(redacted(problem, secrets) if top in secret_keys else problem)
    return shown


def other_platform_keys(spec: BlueGreenSpec, raw: Mapping[str, Any]) -> list[str]:
    """Platform blocks the stack sets but its platform ignores (`bluegreen:aws` on a docker stack)."""
    return [f"{NAMESPACE}:{key}" for key in PLATFORM_KEYS if key in raw and key != spec.platform]


def _cross_problems_despite(raw: Mapping[str, Any], error: ValidationError, found: list[ConfigProblem]) -> list:
    """The rules spanning several keys, judged with the bad values left out (so their defaults apply).

    Without this, a config with a bad vpcId and a service name too long for AWS would report
    only the first; with it, one pass reports both. When leaving the bad values out is not
    enough to get a spec (a required key is bad), the cross-key rules wait for the next run.
    """
    locs = [tuple(item["loc"]) for item in error.errors()]
    # First leave out only the bad values; when that still fails (a bad required key), the
    # whole top-level blocks that hold them (`bluegreen:aws` is optional to the model).
    for depth in (None, 1):
        repaired = copy.deepcopy(dict(raw))
        for loc in locs:
            _drop(repaired, loc[:depth])
        try:
            spec = BlueGreenSpec.model_validate(repaired)
        except ValidationError:
            continue
        reported = [problem.key for problem in found]
        return [p for p in cross_problems(spec) if not any(_related(p.key, key) for key in reported)]
    return []


def _related(one: str, other: str) -> bool:
    """Same key, or one inside the other (`bluegreen:aws` and `bluegreen:aws.vpcId`)."""
    return one == other or other.startswith((one + ".", one + "[")) or one.startswith((other + ".", other + "["))


def _drop(raw: dict[str, Any], loc: tuple[str | int, ...]) -> None:
    """Remove the value at `loc`; a bad list item takes its whole list out (defaults then apply)."""
    path = [str(part) for part in itertools.takewhile(lambda part: isinstance(part, str), loc)]
    node = raw
    for key in path[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            return
        node = child
    if path:
        node.pop(path[-1], None)


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
