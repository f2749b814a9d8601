"""Turn raw stack config (what `pulumi config` holds) into a validated BlueGreenSpec."""

import copy
import json
from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import Any

from pydantic import ValidationError

from .preview_access import TOKEN_KEY, plain_token_problems
from .problems import NAMESPACE, ConfigError, ConfigProblem, config_key, problems_from, redacted
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
    problems = secret_key_problems(secret_keys) + plain_token_problems(raw, secret_keys)
    spec = None
    try:
        # Stack config spells keys in camelCase only (Python callers may use field names).
        spec = BlueGreenSpec.model_validate(
            dict(raw), by_alias=True, by_name=False, context=validation_context(secret_keys)
        )
    except ValidationError as error:
        found = problems_from(error, BlueGreenSpec)
        problems += found + _problems_despite(raw, error, found, validation_context(secret_keys))
    else:
        problems += cross_problems(spec)
    if problems or spec is None:
        raise ConfigError(_hide_secrets(problems, raw, secret_keys))
    return spec


def _hide_secrets(problems: list[ConfigProblem], raw: Mapping[str, Any], secret_keys: Collection[str]) -> list:
    """Problems under a secret key show `[secret]` for the value and for any secret text in the rule.

    The preview token is hidden even when it is (wrongly) plain: it is a credential either way.
    """
    secret_keys = set(secret_keys)
    hidden = secret_keys | {TOKEN_KEY}
    # A rule may quote any part of the value it judges: every string of the key is scrubbed from it.
    secrets = [text for key in hidden for text in secret_strings(raw.get(key))]
    shown = []
    for problem in problems:
        top = problem.key.removeprefix(f"{NAMESPACE}:").split(".")[0].split("[")[0]
        if problem.value == SECRET_PLACEHOLDER and top in secret_keys & SECRET_CAPABLE:
            problem = replace(problem, rule=PLACEHOLDER_RULE)
        shown.append(redacted(problem, secrets) if top in hidden else problem)
    return shown


def other_platform_keys(spec: BlueGreenSpec, raw: Mapping[str, Any]) -> list[str]:
    """Platform blocks the stack sets but its platform ignores (`bluegreen:aws` on a docker stack)."""
    return [f"{NAMESPACE}:{key}" for key in PLATFORM_KEYS if key in raw and key != spec.platform]


_ROUNDS = 8
"""Validations of one config at most: each round can only reach validators one model further out."""


def _problems_despite(
    raw: Mapping[str, Any], error: ValidationError, found: list[ConfigProblem], context: dict[str, Any]
) -> list:
    """Problems the first validation could not see, judged with the bad values left out (defaults apply).

    pydantic runs a model's own rules (`timeoutSeconds` below `intervalSeconds`, a metric's `max`, the
    order of `steps`) only once every field of it is valid, and the rules spanning several keys run on
    a whole spec. So one bad value hid every rule of the models around it: a bad `confidence` hid the
    metric's `max`, which hid the order of `steps`. Each round leaves out what was reported and
    validates again; when a round finds nothing new, it leaves out the enclosing object of what still
    fails (a list item takes its list). The cross-key rules run on the first spec that validates.
    A rule that names a sibling left out is not reported: it would be judging a default, not what
    the user wrote.
    """
    reported = [problem.key for problem in found]
    extra: list[ConfigProblem] = []
    dropped: list[tuple[str | int, ...]] = []
    repaired = copy.deepcopy(dict(raw))
    locs = [_drop_loc(item) for item in error.errors()]
    for _ in range(_ROUNDS):
        for loc in locs:
            _drop(repaired, loc)
        dropped += locs
        try:
            spec = BlueGreenSpec.model_validate(repaired, by_alias=True, by_name=False, context=context)
        except ValidationError as again:
            new = [p for p in problems_from(again, BlueGreenSpec) if _unseen(p, reported, dropped)]
            extra += new
            reported += [problem.key for problem in new]
            locs = [_drop_loc(item) for item in again.errors()]
            if not new:
                locs = [loc[:-1] for loc in locs if len(loc) > 1]
                if not locs:
                    return extra
            continue
        return extra + [p for p in cross_problems(spec) if _unseen(p, reported, dropped)]
    return extra


def _unseen(problem: ConfigProblem, reported: list[str], dropped: list[tuple[str | int, ...]]) -> bool:
    """Not about a key already reported, and not judged against a left-out sibling's default."""
    if any(_related(problem.key, key) for key in reported):
        return False
    parent = problem.key.rsplit(".", 1)[0]
    for loc in dropped:
        key = config_key(loc) if loc else ""
        if key.rsplit(".", 1)[0] == parent and isinstance(loc[-1], str) and loc[-1] in problem.rule:
            return False
    return True


def _drop_loc(item: Any) -> tuple[str | int, ...]:
    """Where the bad value sits: a model rule about one field (`field_rule`) points at that field."""
    loc = tuple(item["loc"])
    if item["type"] == "field_rule":
        return (*loc, item["ctx"]["field"])
    return loc


def _related(one: str, other: str) -> bool:
    """Same key, or one inside the other (`bluegreen:aws` and `bluegreen:aws.vpcId`)."""
    return one == other or other.startswith((one + ".", one + "[")) or one.startswith((other + ".", other + "["))


def _drop(raw: dict[str, Any], loc: tuple[str | int, ...]) -> None:
    """Remove the value at `loc`; a bad list item takes its whole list out (defaults then apply).

    A field inside a list item (`metrics[0].confidence`) is removed from that item alone, so the
    item's other rules still run and keep their index.
    """
    node: Any = raw
    for position, part in enumerate(loc):
        last = position == len(loc) - 1
        if isinstance(node, dict) and isinstance(part, str):
            if last or part not in node:
                node.pop(part, None)
                return
            child = node[part]
            if isinstance(part_next := loc[position + 1], int) and (
                not isinstance(child, list) or not 0 <= part_next < len(child) or position + 1 == len(loc) - 1
                or not isinstance(child[part_next], dict)
            ):
                node.pop(part, None)  # the item itself is bad: without it the indices would shift
                return
            node = child
        elif isinstance(node, list) and isinstance(part, int):
            node = node[part]
        else:
            return  # a union member's name (`function-before[...]`): the value is not reached this way


def raw_from_engine_config(config: Mapping[str, str]) -> dict[str, Any]:
    """Pick the `bluegreen:*` keys from engine config (values are strings; objects arrive as JSON)."""
    prefix = f"{NAMESPACE}:"
    raw: dict[str, Any] = {}
    for key, value in config.items():
        if key.startswith(prefix):
            name = key[len(prefix) :]
            # A token is text even when it reads as JSON (`true`, `1234...`): the header carries it as typed.
            raw[name] = value if name == TOKEN_KEY else _decode(value)
    return raw


def _decode(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value
