"""Read `Pulumi.<stack>.yaml` into the flat string map the engine hands a program."""

import copy
import functools
import json
from pathlib import Path
from typing import Any

import yaml

from components.spec import BlueGreenSpec, parse_spec, raw_from_engine_config
from components.spec.problems import NAMESPACE
from components.spec.secret_config import SECRET_PLACEHOLDER

from .project import stack_file, stack_names

PROJECT_DIR = Path(__file__).resolve().parent.parent
"""The source checkout this package runs from: the default of library calls and tests, never of the CLI
(in an installed wheel it is site-packages, which holds no project)."""


def read_stack_config(stack: str, project_dir: Path = PROJECT_DIR) -> dict[str, Any]:
    """The `config:` map of a stack file, values as YAML gives them."""
    path = stack_file(stack, project_dir)
    if not path.exists():
        known = ", ".join(stack_names(project_dir)) or "none"
        raise FileNotFoundError(f"no stack file {path.name} in {project_dir} for stack {stack!r} (stacks: {known})")
    try:
        # Each caller gets its own copy: callers edit what they are given (`set_path` shares what it does not set).
        return copy.deepcopy(_config_of(path.read_text()))
    except StackFileError as error:
        raise StackFileError(f"{path.name} in {project_dir}: {error}") from None


class StackFileError(ValueError):
    """A stack file that is not YAML, or whose document or `config:` is not a mapping; names the file."""


@functools.lru_cache(maxsize=32)
def _config_of(text: str) -> dict[str, Any]:
    """The `config:` map of one stack file's text, parsed once per distinct text.

    PyYAML's parser is pure Python (3 ms for Pulumi.prod.yaml), and a release, a check or a test
    reads the same unchanged file many times. Keyed on the text, not on the file's timestamp: an
    edit within the clock's resolution is still read.
    """
    try:
        document = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        raise StackFileError(f"not valid YAML{_where(error)}") from None
    if not isinstance(document, dict):
        raise StackFileError(f"must be a mapping with a `config:` key, not a {type(document).__name__}")
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise StackFileError(f"`config:` must be a mapping of keys to values, not a {type(config).__name__}")
    return dict(config)


def _where(error: yaml.YAMLError) -> str:
    """Where and what PyYAML found (its own message names "<unicode string>", not the file)."""
    mark = getattr(error, "problem_mark", None)
    at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    problem = getattr(error, "problem", None)
    return f"{at}: {problem}" if problem else at


def engine_config(config: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    """Flatten like the engine does: objects become JSON strings; `secure:` values become placeholders.

    Returns the map and the keys that are secret: a key is, as for the engine, when any value
    inside it is `secure:` (their real values need the stack's secrets provider, which only the
    Pulumi CLI has, so each one becomes SECRET_PLACEHOLDER: opaque, never decrypted).
    """
    flat: dict[str, str] = {}
    secret_keys = []
    for key, value in config.items():
        hidden, secret = _without_secure(value)
        if secret:
            secret_keys.append(key)
        flat[key] = hidden if isinstance(hidden, str) else json.dumps(hidden)
    return flat, secret_keys


def _without_secure(value: Any) -> tuple[Any, bool]:
    if isinstance(value, dict) and set(value) == {"secure"}:
        return SECRET_PLACEHOLDER, True
    if isinstance(value, dict):
        pairs = {key: _without_secure(item) for key, item in value.items()}
        return {key: hidden for key, (hidden, _) in pairs.items()}, any(s for _, s in pairs.values())
    if isinstance(value, list):
        items = [_without_secure(item) for item in value]
        return [hidden for hidden, _ in items], any(s for _, s in items)
    return value, False


def bluegreen_keys(keys: list[str]) -> list[str]:
    """`bluegreen:rollout` -> `rollout`; keys of other namespaces are left out."""
    return [key.removeprefix(f"{NAMESPACE}:") for key in keys if key.startswith(f"{NAMESPACE}:")]


def stack_config(
    stack: str, overrides: dict[str, Any] | None = None, project_dir: Path = PROJECT_DIR
) -> dict[str, Any]:
    """A stack file's config with `--path` style overrides (`{"bluegreen:traffic.green": 10}`)."""
    config = read_stack_config(stack, project_dir)
    for path, value in (overrides or {}).items():
        config = set_path(config, path, value)
    return config


def spec_of(config: dict[str, Any], secret_keys: list[str] | None = None) -> BlueGreenSpec:
    """Validate a stack config map (as a `Pulumi.<stack>.yaml` holds it) as the program will; raises ConfigError.

    It goes through the engine's string form on purpose, so numbers written as text by
    `pulumi config set --path` are judged exactly as `pulumi up` judges them.
    """
    flat, secure = engine_config(config)
    return parse_spec(raw_from_engine_config(flat), bluegreen_keys(secure + list(secret_keys or [])))


def set_path(config: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of `config` with one value set the way `pulumi config set --path` sets it.

    `bluegreen:traffic.green` sets key `green` inside the `bluegreen:traffic` object.
    """
    key, _, rest = path.partition(".")
    updated = dict(config)
    if not rest:
        updated[key] = value
        return updated
    node = updated[key] = dict(updated.get(key) or {})
    *parents, leaf = rest.split(".")
    for part in parents:
        node[part] = dict(node.get(part) or {})
        node = node[part]
    node[leaf] = value
    return updated
