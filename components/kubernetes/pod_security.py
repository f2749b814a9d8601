"""The pods' security settings: Pod Security "restricted" by default, "baseline" for images that need root.

Pure functions of `bluegreen:kubernetes`, so a namespace labelled
`pod-security.kubernetes.io/enforce: restricted` admits the pods as rendered.
"""

from typing import Any

from ..spec import KubernetesConfig

RUNTIME_DEFAULT_SECCOMP = {"type": "RuntimeDefault"}


def pod_security_context(config: KubernetesConfig) -> dict[str, Any]:
    """The pod `securityContext`: seccomp always; non-root (and a fixed UID when given) when restricted."""
    context: dict[str, Any] = {"seccompProfile": dict(RUNTIME_DEFAULT_SECCOMP)}
    if config.pod_security == "restricted":
        context["runAsNonRoot"] = True
    if config.run_as_user is not None:
        context["runAsUser"] = config.run_as_user
    return context


def container_security_context(config: KubernetesConfig) -> dict[str, Any]:
    """The app container's `securityContext`.

    `allowPrivilegeEscalation: false` holds at both levels (a root image that drops to a user
    with setuid() still works; only setuid binaries stop gaining privileges). "restricted"
    also drops every capability: an unprivileged app on a port above 1024 needs none.
    """
    context: dict[str, Any] = {"allowPrivilegeEscalation": False}
    if config.pod_security == "restricted":
        context["capabilities"] = {"drop": ["ALL"]}
    return context
