"""Read `Pulumi.<stack>.yaml` into the flat string map the engine hands a program."""

import json
from pathlib import Path
from typing import Any

import yaml

from components.spec import BlueGreenSpec, parse_spec, raw_from_engine_config
from components.spec.problems import NAMESPACE
from components.spec.secret_config import SECRET_PLACEHOLDER

PROJECT_DIR = Path(__file__).resolve().parent.parent
"""The source checkout this package runs from: the default of library calls and tests, never of the CLI
(in an installed wheel it is site-packages, which holds no project)."""


def find_project_dir(start: Path | None = None) -> Path | None:
    """The project to act on: the nearest directory from `start` (default: here) up holding `Pulumi.yaml`.

    That is where the pulumi CLI looks for its project too. None outside any project: the caller
    says so rather than guessing (the package's own location is never a user's project).
    """
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        if (directory / "Pulumi.yaml").is_file():
            return directory
    return None


def no_project_message(option: str | None = None) -> str:
    """Said, with exit 2, by every command run outside a project."""
    where = f"run bluegreen inside your project or pass {option}" if option else "run bluegreen inside your project"
    return f"no Pulumi project here: {Path.cwd()} and the directories above it hold no Pulumi.yaml; {where}"


def short_name(stack: str) -> str:
    """`acme/qa-eu` and `acme/web/qa-eu` -> `qa-eu`: the name in `Pulumi.<name>.yaml`, as Pulumi maps it."""
    return stack.rsplit("/", 1)[-1]


def stack_names(project_dir: Path) -> list[str]:
    """The stacks that have a stack file in the project (`Pulumi.<name>.yaml`), sorted by name."""
    return sorted(
        path.name.removeprefix("Pulumi.").removesuffix(".yaml")
        for path in project_dir.glob("Pulumi.*.yaml")
        if path.is_file()
    )


def stack_file(stack: str, project_dir: Path = PROJECT_DIR) -> Path:
    return project_dir / f"Pulumi.{short_name(stack)}.yaml"


def read_stack_config(stack: str, project_dir: Path = PROJECT_DIR) -> dict[str, Any]:
    """The `config:` map of a stack file, values as YAML gives them."""
    path = stack_file(stack, project_dir)
    if not path.exists():
        known = ", ".join(stack_names(project_dir)) or "none"
        raise FileNotFoundError(f"no stack file {path.name} in {project_dir} for stack {stack!r} (stacks: {known})")
    document = yaml.safe_load(path.read_text()) or {}
    return dict(document.get("config") or {})


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
