"""Release analysis: measure the candidate's error rate and latency per color, judge them against config.

`build_analysis` picks a provider per metric: a user query goes to Prometheus; a
built-in template goes to CloudWatch on aws and to the local Prometheus (scraping
HAProxy's exporter) on docker. Kubernetes has no built-in template (config refuses one).
"""

from collections.abc import Mapping
from functools import partial
from typing import Any

from components.spec import BlueGreenSpec, Color
from components.spec.rollout import MetricSpec, RolloutSpec

from .cloudwatch import CloudWatchSource, cloudwatch_client
from .docker_queries import TEMPLATES
from .hooks import run_hook
from .measurement import Analysis, Measurement, Verdict
from .metric_analysis import JudgedMetric, MetricAnalysis
from .prometheus import EvidenceQuery, PrometheusClient
from .promql import substitute
from .reading import Reading

__all__ = ["Analysis", "Measurement", "Verdict", "build_analysis", "docker_prometheus_address", "run_hook"]

CLOUDWATCH_TIMEOUT_SECONDS = 10.0


def docker_prometheus_address(spec: BlueGreenSpec) -> str:
    """Where the local stack's Prometheus container answers on this machine."""
    return f"http://127.0.0.1:{spec.docker.prometheus_port}"


def build_analysis(
    spec: BlueGreenSpec, outputs: Mapping[str, Any], stack_name: str, config: Mapping[str, Any] | None = None
) -> Analysis | None:
    """The analysis of the spec's `bluegreen:rollout`, or None when it has no metrics.

    `config` is the stack's config map (as `Pulumi.<stack>.yaml` holds it); `aws:region` there is
    CloudWatch's region when the listener ARN in the outputs does not say.
    """
    rollout = spec.rollout
    if rollout.analysis is None:
        return None
    interval = rollout.analysis.interval
    prometheus = _prometheus(spec, rollout)
    deadline = prometheus.timeout if prometheus else 0.0
    placeholders = {
        "service": spec.service.name,
        "namespace": spec.kubernetes.namespace,
        "stack": stack_name,
    }
    cloudwatch: CloudWatchSource | None = None
    metrics = []
    for metric in rollout.analysis.metrics:
        if metric.template is not None and spec.platform == "aws":
            if cloudwatch is None:
                region = (config or {}).get("aws:region")
                client = cloudwatch_client(
                    str(outputs.get("listenerArn", "")),
                    CLOUDWATCH_TIMEOUT_SECONDS,
                    region if isinstance(region, str) else None,
                )
                cloudwatch = CloudWatchSource(client, outputs, interval)
            reader = partial(cloudwatch.read, metric.template)
            deadline = max(deadline, CLOUDWATCH_TIMEOUT_SECONDS * 2)
        elif prometheus is not None and metric.template is not None:
            query = TEMPLATES[metric.template]("{{color}}", interval)
            reader = partial(_prometheus_evidence, prometheus, query, placeholders)
        elif prometheus is not None:
            assert metric.query is not None  # the config model requires one with a provider
            if metric.requests_query is not None:
                # The sample size comes from the metric's own requestsQuery, evaluated with the value.
                query = EvidenceQuery(metric.query, requests=metric.requests_query)
                reader = partial(_prometheus_evidence, prometheus, query, placeholders)
            else:
                reader = partial(_prometheus_reading, prometheus, metric.query, placeholders)
        else:
            reader = partial(_unavailable, metric)
        metrics.append(JudgedMetric(metric, reader))
    # A little over the providers' own timeouts: they report their own failure first when they can.
    return MetricAnalysis(metrics, deadline_seconds=max(deadline, 1.0) + 1.0)


def _prometheus(spec: BlueGreenSpec, rollout: RolloutSpec) -> PrometheusClient | None:
    if rollout.prometheus is not None:
        return PrometheusClient(rollout.prometheus.address, rollout.prometheus.timeout)
    if spec.platform == "docker":
        return PrometheusClient(docker_prometheus_address(spec))
    return None


def _prometheus_reading(client: PrometheusClient, query: str, placeholders: Mapping[str, str], color: Color) -> Reading:
    return client.query(substitute(query, {**placeholders, "color": color}))


def _prometheus_evidence(
    client: PrometheusClient, query: EvidenceQuery, placeholders: Mapping[str, str], color: Color
) -> Reading:
    values = {**placeholders, "color": color}
    return client.evidence(query.substituted(lambda part: substitute(part, values)))


def _unavailable(metric: MetricSpec, color: Color) -> Reading:
    # Config validation refuses this combination; kept so a programmatic caller still gets no data, not a pass.
    return Reading.missing(f"no provider for metric {metric.name!r} on this platform")
