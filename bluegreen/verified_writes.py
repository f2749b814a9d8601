"""Every write the engine makes is checked: the config read back, the update's outputs compared with intent.

A colleague's `pulumi config set` between the engine's write and its `pulumi up`
would otherwise be deployed as if it were the release's. So after each write the
whole config is read back and compared with what it held plus what was written
(images, replicas, strategy: every key, not only the weights); after each update the
stack outputs (weights, images, live color, release record) are compared with the
config the engine meant to deploy. A difference is a conflict (exit 5), and these
functions say it as facts: what was written, what is there, where it differs.
"""

from collections.abc import Mapping
from typing import Any

from components.spec import COLORS, BlueGreenSpec
from components.traffic import live_color

from .stack_driver import ConfigScalar, path_value_text
from .stack_files import set_path


def with_written(config: dict[str, Any], values: dict[str, ConfigScalar]) -> dict[str, Any]:
    """`config` as it must read after writing `values` (`--path` semantics)."""
    for path, value in values.items():
        config = set_path(config, path, value)
    return config


def value_at(config: Mapping[str, Any], path: str) -> Any:
    """The value at a `--path` (`bluegreen:traffic.green`), or None when it is not set."""
    key, _, rest = path.partition(".")
    node: Any = config.get(key)
    for part in rest.split(".") if rest else []:
        node = node.get(part) if isinstance(node, Mapping) else None
    return node


def own_write_to_undo(
    values: Mapping[str, ConfigScalar], before: Mapping[str, Any], found: Mapping[str, Any]
) -> dict[str, ConfigScalar]:
    """The weights (and step number) a write changed that still read as written, with their values before it.

    When someone else wrote in the same moment, the engine deploys nothing; putting its own weights back
    keeps config equal to what is deployed, so the other writer's next `pulumi up` cannot deploy half a
    release step. When the other writer set the weights too, they are theirs: nothing is put back.
    """
    undo: dict[str, ConfigScalar] = {}
    for path, value in values.items():
        if not (path.startswith("bluegreen:traffic.") or path == "bluegreen:release.step"):
            continue
        previous, now = value_at(before, path), value_at(found, path)
        if _text(now) != _text(value):
            return {}  # someone else wrote this key as well
        if isinstance(previous, str | int) and _text(previous) != _text(value):
            undo[path] = previous
    return undo if any(path.startswith("bluegreen:traffic.") for path in undo) else {}


def config_differences(intended: dict[str, Any], found: dict[str, Any]) -> list[str]:
    """`key: expected X, found Y` for every leaf that differs (numbers and text compared as config stores them)."""
    return [
        f"{key}: expected {_show(want)}, config has {_show(have)}"
        for key, want, have in _leaves_differing(_flat(intended), _flat(found))
    ]


def output_differences(spec: BlueGreenSpec, outputs: dict[str, Any]) -> list[str]:
    """What the update deployed (its outputs) that differs from `spec`, the config the engine meant to deploy.

    Outputs the program does not export are not judged (a test double may export only weights).
    """
    found: list[str] = []
    weights = outputs.get("weights")
    if isinstance(weights, dict):
        deployed = {color: _number(weights.get(color)) for color in COLORS}
        intended = {color: spec.traffic.of(color) for color in COLORS}
        if deployed != intended:
            found.append(f"weights: intended {_pair(intended)}, deployed {_pair(deployed)}")
    images = outputs.get("images")
    if isinstance(images, dict):
        for color in COLORS:
            if images.get(color) != spec.color(color).image:
                found.append(f"images.{color}: intended {spec.color(color).image}, deployed {images.get(color)}")
    live = spec.release.live if spec.release else live_color(spec.traffic)
    if "liveColor" in outputs and outputs["liveColor"] != live:
        found.append(f"liveColor: intended {live}, deployed {outputs['liveColor']}")
    if "liveColor" in outputs:  # a program that exports the record (ours always does)
        intended_record = spec.release.model_dump(exclude_none=True) if spec.release else None
        deployed_record = outputs.get("release")
        if _flat({"r": intended_record}) != _flat({"r": deployed_record}):
            found.append(f"release: intended {_show(intended_record)}, deployed {_show(deployed_record)}")
    return found


def _flat(value: Any, prefix: str = "") -> dict[str, str]:
    if isinstance(value, dict):
        flat: dict[str, str] = {}
        for key, child in value.items():
            flat.update(_flat(child, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    return {prefix: _text(value)}


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (bool, int, str)):
        return path_value_text(value)
    return repr(value)


def _leaves_differing(want: dict[str, str], have: dict[str, str]) -> list[tuple[str, str | None, str | None]]:
    keys = sorted(want.keys() | have.keys())
    return [(key, want.get(key), have.get(key)) for key in keys if want.get(key) != have.get(key)]


def _number(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _pair(weights: Mapping[str, int | None]) -> str:
    return f"blue {weights['blue']} green {weights['green']}"


def _show(value: Any) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    return _text(value)
