"""Graceful shutdown arithmetic: how long a terminating pod keeps serving, and how long it may take.

When a pod is deleted (rollout, scale-down, node drain) two things start at once:
the kubelet runs the preStop hook, and the control plane removes the pod from the
Service's EndpointSlices. kube-proxy and Gateway data planes learn of the removal a
few seconds later; data planes that follow readiness or health-check on their own
may need up to one readiness period. Until then they still send new requests, so
the container must keep serving: the preStop hook sleeps through that window and
SIGTERM only arrives afterwards.

    preStop sleep  = readiness periodSeconds + endpointPropagationSeconds

`endpointPropagationSeconds` (config, default 5) is the time an EndpointSlice change
takes to reach kube-proxy (iptables/IPVS) or a gateway's data plane on a healthy
cluster; raise it if load tests show errors while pods terminate.

    grace period   = preStop sleep + drainSeconds + EXIT_MARGIN_SECONDS

The kubelet counts the preStop hook inside terminationGracePeriodSeconds, so the
grace period must cover the sleep, then `drainSeconds` for in-flight requests after
SIGTERM, then a margin for the process to exit before SIGKILL.
"""

from dataclasses import dataclass
from typing import Any, Literal

# Seconds between "in-flight requests done" and the process having exited cleanly.
EXIT_MARGIN_SECONDS = 5


@dataclass(frozen=True)
class ShutdownTiming:
    """The two numbers a color's pod template carries."""

    pre_stop_seconds: int
    """preStop sleep: longer than the router takes to stop sending new requests."""
    grace_seconds: int
    """terminationGracePeriodSeconds: strictly more than preStop + drainSeconds."""


def shutdown_timing(readiness_period: int, propagation: int, drain: int) -> ShutdownTiming:
    """All in seconds: preStop covers one readiness period plus propagation; grace adds drain and exit."""
    pre_stop = readiness_period + propagation
    return ShutdownTiming(pre_stop, pre_stop + drain + EXIT_MARGIN_SECONDS)


def pre_stop_handler(action: Literal["exec", "sleep"], seconds: int) -> dict[str, Any]:
    """The container's `lifecycle.preStop`.

    `exec` needs a `sleep` binary in the image; `sleep` is the kubelet's own action
    (Kubernetes 1.30+) for distroless images. A failing exec hook is only logged as an
    event and SIGTERM follows at once, so an image without `sleep` must use `sleep`.
    """
    if action == "sleep":
        return {"sleep": {"seconds": seconds}}
    return {"exec": {"command": ["sleep", str(seconds)]}}
