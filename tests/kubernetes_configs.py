"""Full stack configs for platform `kubernetes`, so the Kubernetes tests depend on no stack file."""

from typing import Any

from testkit.stack_overrides import on_kubernetes

SELECTOR: dict[str, Any] = {
    "bluegreen:platform": "kubernetes",
    "bluegreen:service": {"name": "web", "port": 8080, "replicas": 2, "drainSeconds": 30},
    "bluegreen:blue": {"image": "ghcr.io/acme/web:1.4.2"},
    "bluegreen:green": {"image": "ghcr.io/acme/web:1.5.0"},
    "bluegreen:traffic": {"blue": 100, "green": 0},
    "bluegreen:kubernetes": {"namespace": "shop"},
}

GATEWAY_REF = {"name": "public", "namespace": "gateway-system", "hostname": "web.example.com"}
GATEWAY: dict[str, Any] = {**SELECTOR, "bluegreen:kubernetes": {"namespace": "shop", "gateway": GATEWAY_REF}}
# Gateway mode with a preview route on the production host, guarded by a secret token (as a stack file holds it).
PREVIEW_TOKEN_SECURE = {"secure": "v1:AAABAD3fT3sPreviewTokenCiphertext=="}
GUARDED_GATEWAY: dict[str, Any] = {**GATEWAY, "bluegreen:previewToken": PREVIEW_TOKEN_SECURE}
SIG_KEY, SECRET_SIG = "4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"


def with_(base: dict[str, Any], **keys: Any) -> dict[str, Any]:
    """`with_(SELECTOR, traffic={...})`: base config with whole `bluegreen:<key>` values replaced."""
    return {**base, **{f"bluegreen:{key}": value for key, value in keys.items()}}


def kubernetes(base: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """Base config with fields of `bluegreen:kubernetes` added or replaced."""
    return with_(base, kubernetes={**base["bluegreen:kubernetes"], **fields})


def traffic(base: dict[str, Any], blue: int, green: int) -> dict[str, Any]:
    return with_(base, traffic={"blue": blue, "green": green})


def revealed(value: Any) -> Any:
    """A registered input with every secret envelope opened: what the tests read, never what state shows."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            return revealed(value.get("value"))
        return {key: revealed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [revealed(item) for item in value]
    return value


ON_KUBERNETES = on_kubernetes()

