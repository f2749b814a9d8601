"""`--path` overrides that move a stack file to another platform, for tests and benchmarks alike."""

from typing import Any

KUBERNETES_ERROR_RATE = {
    "name": "error-rate",
    "provider": "prometheus",
    # `or on() vector(0)`: an app that never failed has no 5xx series (docs/analysis.md).
    "query": '(sum(rate(http_requests_total{color="{{color}}",code=~"5.."}[1m])) or on() vector(0)) '
    '/ sum(rate(http_requests_total{color="{{color}}"}[1m]))',
    # The requests each value rests on: below minRequests (100) a measurement is no verdict.
    "requestsQuery": 'sum(increase(http_requests_total{color="{{color}}"}[1m]))',
    "max": 0.01,
}


def on_kubernetes(**extra: Any) -> dict[str, Any]:
    """Move a stack file (e.g. prod's) to platform kubernetes, strategy included.

    A stack file's built-in metric templates do not exist on Kubernetes (the metric names depend on the
    Gateway or the app), so its analysis becomes one Prometheus query there.
    """
    return {
        "bluegreen:platform": "kubernetes",
        "bluegreen:rollout.analysis.metrics": [KUBERNETES_ERROR_RATE],
        "bluegreen:rollout.prometheus": {"address": "http://prometheus.monitoring:9090"},
        **extra,
    }
