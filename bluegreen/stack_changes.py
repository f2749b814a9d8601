"""Which stacks a change would release differently: their strategy, images or traffic differ from a git ref.

The pull-request workflow (.ci/release-plans) calls `python -m bluegreen.stack_changes BASE`
and plans a release of every stack it names, so reviewers see what merging will do. A stack
file that is new since BASE counts as changed; one that was removed is not planned.
"""

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from .project import stack_file, stack_names


def _relevant(config: dict[str, Any]) -> dict[str, Any]:
    """The keys whose change alters what a release does; of the colors, only the image counts."""
    found = {key: config.get(key) for key in ("bluegreen:rollout", "bluegreen:traffic")}
    for color in ("blue", "green"):
        value = config.get(f"bluegreen:{color}")
        found[f"bluegreen:{color}.image"] = value.get("image") if isinstance(value, dict) else None
    return found


def _config_at(ref: str, path: str, project_dir: Path) -> dict[str, Any] | None:
    shown = subprocess.run(
        ["git", "show", f"{ref}:./{path}"], cwd=project_dir, capture_output=True, text=True, check=False
    )
    if shown.returncode != 0:
        return None  # not in that commit: a new stack
    try:
        document = yaml.safe_load(shown.stdout) or {}
    except yaml.YAMLError:
        return {}  # unreadable before: treat every key as changed
    config = document.get("config") if isinstance(document, dict) else None
    return config if isinstance(config, dict) else {}


def changed_stacks(base: str, project_dir: Path) -> list[tuple[str, list[str]]]:
    """(stack, keys that changed) for each stack file whose release-relevant keys differ from `base`."""
    found = []
    for stack in stack_names(project_dir):
        path = stack_file(stack, project_dir)
        try:
            document = yaml.safe_load(path.read_text()) or {}
        except (OSError, yaml.YAMLError):
            continue  # the offline check reports an unreadable stack file
        now = _relevant(document.get("config") or {} if isinstance(document, dict) else {})
        before_config = _config_at(base, path.name, project_dir)
        before = _relevant(before_config) if before_config is not None else {}
        keys = [key for key in now if now[key] != before.get(key) and (now[key] is not None or key in before)]
        if keys:
            found.append((stack, keys))
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m bluegreen.stack_changes BASE_REF", file=sys.stderr)
        return 2
    for stack, keys in changed_stacks(argv[0], Path.cwd()):
        print(f"{stack}\t{','.join(keys)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
