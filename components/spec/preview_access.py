"""`bluegreen:previewToken`: the secret that opens the Kubernetes preview route on a shared Gateway host.

In Gateway mode the preview HTTPRoute sends every request it matches to the candidate,
the color no release has verified yet. It exists only when something a stranger cannot
guess guards it: `gateway.previewHostname` (a host the operator resolves only where
testers are) or this token, the value of header `X-Bluegreen-Preview` that requests must
carry. A fixed header such as `X-Bluegreen-Preview: true` is no guard: anyone can send it.

The token is a Pulumi secret (`pulumi config set --secret bluegreen:previewToken ...`):
the program registers it as a secret Output, so it is encrypted in state and `[secret]`
in every diff, message and report. A plaintext token is refused, and so is a short or
well-known one; no message ever shows its value, not even a plaintext one.
"""

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import ValidationInfo
from pydantic_core import PydanticCustomError

from .problems import NAMESPACE, SECRET_VALUE, ConfigProblem
from .secret_config import opaque_secret

if TYPE_CHECKING:
    from .root import BlueGreenSpec

TOKEN_KEY = "previewToken"
"""The top-level key (without `bluegreen:`)."""
PREVIEW_HEADER = "X-Bluegreen-Preview"
"""The header the preview route matches on the production host; its value is the token."""
MIN_TOKEN_LENGTH = 16
"""Shortest token accepted: 16 random characters are out of reach of guessing over HTTP."""
GUESSABLE_TOKENS = frozenset(
    {"true", "false", "1", "0", "yes", "no", "on", "enabled", "preview", "test", "testing", "canary", "candidate",
     "green", "blue", "next", "beta", "staging", "secret", "password", "changeme", "token", "x"}
)
"""Values anyone would try first (compared in lower case); the pack keeps its own copy of this list."""


def check_token(value: Any, info: ValidationInfo) -> Any:
    """A header value (visible ASCII, no spaces) of at least 16 characters that nobody would guess.

    An undecrypted secret (the offline check) is taken as valid unread: the program judges it decrypted.
    """
    if opaque_secret(value, info):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("preview_token", "must be a string")
    # The messages below never quote the value: it is a credential even when it is wrongly plain.
    if not all("!" <= char <= "~" for char in value):
        raise PydanticCustomError(
            "preview_token", "must be a header value of visible ASCII characters without spaces"
        )
    if len(value) < MIN_TOKEN_LENGTH or value.lower() in GUESSABLE_TOKENS or len(set(value)) < 4:
        raise PydanticCustomError(
            "preview_token",
            "must be at least {length} characters nobody could guess, e.g. the output of `openssl rand -hex 16`",
            {"length": MIN_TOKEN_LENGTH},
        )
    return value


def plain_token_problems(raw: Mapping[str, Any], secret_keys: Collection[str]) -> list[ConfigProblem]:
    """A token set in plain text sits in the repository and every log: it guards nothing."""
    if raw.get(TOKEN_KEY) is None or TOKEN_KEY in secret_keys:
        return []
    return [
        ConfigProblem(
            f"{NAMESPACE}:{TOKEN_KEY}",
            SECRET_VALUE,  # never shown, even when it is wrongly plain
            "must be a secret, or anyone who reads the stack file can reach the candidate: "
            f"pulumi config set --secret {NAMESPACE}:{TOKEN_KEY} \"$(openssl rand -hex 16)\"",
        )
    ]


def token_use_problems(spec: "BlueGreenSpec") -> list[ConfigProblem]:
    """The token guards the Gateway mode preview route only; anywhere else it would protect nothing."""
    if spec.preview_token is None:
        return []
    if spec.platform == "kubernetes" and spec.kubernetes.gateway is not None:
        return []
    return [
        ConfigProblem(
            f"{NAMESPACE}:{TOKEN_KEY}",
            SECRET_VALUE,
            "is used only by platform kubernetes in Gateway mode (bluegreen:kubernetes.gateway), where it guards "
            "the preview HTTPRoute; this stack has no such route (its test route is already private), so remove it",
        )
    ]


def has_preview_router(spec: "BlueGreenSpec", preview_token: object | None) -> bool:
    """Selector mode always (a ClusterIP Service, private to the cluster); Gateway mode only when guarded."""
    gateway = spec.kubernetes.gateway
    return gateway is None or gateway.preview_hostname is not None or preview_token is not None


def closed_preview_note(spec: "BlueGreenSpec", preview_token: object | None) -> str | None:
    """The one line the program and the check print when Gateway mode has no preview route (not an error)."""
    if spec.platform != "kubernetes" or has_preview_router(spec, preview_token):
        return None
    return (
        f"no preview HTTPRoute for {spec.service.name}: the candidate is reachable only inside the cluster, at "
        "testUrl (its own Service); set bluegreen:kubernetes.gateway.previewHostname or the secret "
        f"{NAMESPACE}:{TOKEN_KEY} to reach it through the Gateway"
    )
