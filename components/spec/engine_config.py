"""The one place that reads Pulumi stack config, through Pulumi's config API so secrets stay secret."""

from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config

from .loader import other_platform_keys, parse_spec, raw_from_engine_config
from .problems import NAMESPACE, ConfigError, ConfigProblem
from .root import BlueGreenSpec
from .secret_config import SECRET_PLACEHOLDER


def all_engine_config() -> dict[str, Any]:
    """Every config key the engine passed in.

    `pulumi.Config` can only fetch keys by name, but catching typos such as
    `bluegreen:trafic` needs the full list, so the names come from the runtime's own map
    (filled by the language host, or by `set_all_config` under mocks) plus the env fallback;
    each `bluegreen:*` value is then read through `pulumi.Config`.
    """
    merged = dict(runtime_config.get_config_env())
    merged.update(runtime_config.CONFIG.get())
    config = pulumi.Config(NAMESPACE)
    prefix = f"{NAMESPACE}:"
    for key in merged:
        if key.startswith(prefix):
            merged[key] = config.get(key[len(prefix) :])
    return merged


def secret_config_keys() -> frozenset[str]:
    """The `bluegreen:*` keys Pulumi holds as secrets, without the namespace (`rollout`)."""
    prefix = f"{NAMESPACE}:"
    keys = {key for key in all_engine_config() if runtime_config.is_config_secret(key)}
    keys |= set(runtime_config.get_config_secret_keys_env())
    return frozenset(key[len(prefix) :] for key in keys if key.startswith(prefix))


def load_spec() -> BlueGreenSpec:
    """Validate the stack's `bluegreen:*` config, or stop the update before any resource exists."""
    raw = raw_from_engine_config(all_engine_config())
    secret_keys = secret_config_keys()
    try:
        spec = parse_spec(raw, secret_keys)
        if spec.notifications and "notifications" not in secret_keys:
            # A webhook URL is a credential: in plain config it would sit in the repository and every log.
            raise ConfigError([plain_notifications_problem()])
    except ConfigError as error:
        raise pulumi.RunError(f"invalid stack config ({len(error.problems)} problem(s)):\n{error}") from None
    for key in other_platform_keys(spec, raw):
        # A warning, not an error: a stack may keep another platform's block while it moves between them.
        pulumi.log.warn(f"{key} is set but bluegreen:platform is {spec.platform}: it has no effect on this stack")
    return spec


def plain_notifications_problem() -> ConfigProblem:
    return ConfigProblem(
        "bluegreen:notifications[0].url",
        SECRET_PLACEHOLDER,  # the value is a credential: never shown, even when it is wrongly plain
        "must be a secret, as every notification URL and key: "
        "pulumi config set --secret --path 'bluegreen:notifications[0].url' <url>",
    )
