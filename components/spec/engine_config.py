"""The one place that reads Pulumi stack config."""

from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config

from .loader import other_platform_keys, parse_spec, raw_from_engine_config
from .problems import ConfigError
from .root import BlueGreenSpec


def all_engine_config() -> dict[str, Any]:
    """Every config key the engine passed in.

    `pulumi.Config` can only fetch keys by name, but catching typos such as
    `bluegreen:trafic` needs the full list, so read the runtime's own map (filled by
    the language host, or by `set_all_config` under mocks) plus the env fallback.
    """
    merged = dict(runtime_config.get_config_env())
    merged.update(runtime_config.CONFIG.get())
    return merged


def load_spec() -> BlueGreenSpec:
    """Validate the stack's `bluegreen:*` config, or stop the update before any resource exists."""
    raw = raw_from_engine_config(all_engine_config())
    try:
        spec = parse_spec(raw)
    except ConfigError as error:
        raise pulumi.RunError(f"invalid stack config ({len(error.problems)} problem(s)):\n{error}") from None
    for key in other_platform_keys(spec, raw):
        # A warning, not an error: a stack may keep another platform's block while it moves between them.
        pulumi.log.warn(f"{key} is set but bluegreen:platform is {spec.platform}: it has no effect on this stack")
    return spec
