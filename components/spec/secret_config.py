"""Secret config keys: which may be secret, how their values stay hidden, and how a check judges them unread.

Pulumi marks a whole top-level key secret when any value inside it is (`pulumi config set
--path --secret bluegreen:rollout.hooks.preTraffic.url ...` makes `bluegreen:rollout` a
secret key). Only `bluegreen:rollout`, `bluegreen:notifications` and `bluegreen:previewToken` may
be one: the hook URLs and commands and the Prometheus address are what can carry a token, and the
program registers them as secret Outputs (components/rollout_strategy.py); notification URLs and
HMAC keys are credentials the program never registers at all (only the CLI reads them); the preview
token is registered only as a secret Output, inside the preview HTTPRoute (components/spec/preview_access.py).
Any other key's values become plain resource inputs (names, ports, addresses), so a secret there
would sit in state in plain text: it is refused with a message naming the key.

The offline check has no secrets provider, so each `secure:` value reaches the config
model as `SECRET_PLACEHOLDER`. A field that may hold a secret (`opaque_secret`) accepts it
unread when its key is secret; every other field reports it as a value that may not be secret.
"""

from collections.abc import Collection, Mapping
from typing import Any

from pydantic import ValidationInfo

from .problems import NAMESPACE, ConfigProblem

SECRET_CAPABLE = frozenset({"rollout", "notifications", "previewToken"})
"""Top-level keys (without `bluegreen:`) that may be secret."""
SECRET_PLACEHOLDER = "[secret]"
"""What a `secure:` value is when nothing can decrypt it (the offline check)."""
CONTEXT_KEY = "secretPlaceholder"


def validation_context(secret_keys: Collection[str]) -> dict[str, str]:
    """The pydantic context that lets secret-capable fields of a secret key accept the placeholder."""
    return {CONTEXT_KEY: SECRET_PLACEHOLDER} if set(secret_keys) & SECRET_CAPABLE else {}


def opaque_secret(value: object, info: ValidationInfo) -> bool:
    """True when `value` is an undecrypted secret the check must take as valid, unread."""
    return isinstance(info.context, Mapping) and value == info.context.get(CONTEXT_KEY)


def secret_key_problems(secret_keys: Collection[str]) -> list[ConfigProblem]:
    return [
        ConfigProblem(
            f"{NAMESPACE}:{key}",
            SECRET_PLACEHOLDER,
            "may not be a secret: its values become plain resource inputs and would sit in state unencrypted; "
            "keep it plain (only bluegreen:rollout, bluegreen:notifications and bluegreen:previewToken may hold "
            "secrets: hook URLs and commands, the Prometheus address, notification URLs and keys, the preview "
            "token)",
        )
        for key in sorted(set(secret_keys) - SECRET_CAPABLE)
    ]


def secret_values(key: str, value: Any) -> list[str]:
    """The strings of secret key `key` (`rollout`, or `bluegreen:rollout`) that may hold a secret, to scrub.

    Pulumi says only that the whole key is secret; its steps, metric names and thresholds are
    not, and scrubbing them would hide `prometheus` or `0.01` from every line printed.
    """
    if key.removeprefix(f"{NAMESPACE}:") == "notifications":
        return notification_secrets(value)
    if key.removeprefix(f"{NAMESPACE}:") not in SECRET_CAPABLE or not isinstance(value, Mapping):
        return secret_strings(value)
    found: list[Any] = []
    hooks = value.get("hooks")
    for hook in hooks.values() if isinstance(hooks, Mapping) else ():
        if isinstance(hook, Mapping):
            found += [hook.get("url"), hook.get("command")]
    prometheus = value.get("prometheus")
    if isinstance(prometheus, Mapping):
        found.append(prometheus.get("address"))
    return secret_strings(found)


def notification_secrets(value: Any) -> list[str]:
    """The URLs and HMAC keys of `bluegreen:notifications`: credentials, never printed."""
    targets = value if isinstance(value, list) else []
    return secret_strings([[t.get("url"), t.get("secret")] for t in targets if isinstance(t, Mapping)])


def secret_strings(value: Any) -> list[str]:
    """Every string inside a secret value, to scrub from messages (short ones would scrub ordinary words)."""
    if isinstance(value, str):
        return [value] if len(value) >= 4 else []
    if isinstance(value, Mapping):
        return [text for item in value.values() for text in secret_strings(item)]
    if isinstance(value, list | tuple):
        return [text for item in value for text in secret_strings(item)]
    return []


PLACEHOLDER_RULE = (
    "is a secret (secure:) where the check cannot judge a value it cannot read; only hook URLs and "
    "commands, the Prometheus address, notification URLs and keys and the preview token may be secret"
)
