"""`bluegreen:rollout` through the real program: every bad value stops it with one line naming the key,
the value and the rule, before any resource is registered."""

import pytest

from tests.conftest import config_error, run_config

DOCKER = {
    "bluegreen:platform": "docker",
    "bluegreen:blue": {"image": "ghcr.io/acme/web:1.4.2"},
    "bluegreen:green": {"image": "ghcr.io/acme/web:1.5.0"},
}
AWS = {
    **DOCKER,
    "bluegreen:platform": "aws",
    "bluegreen:aws": {
        "vpcId": "vpc-0a1b2c3d4e5f67890",
        "subnetIds": ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"],
    },
}
ERRORS = {"name": "error-rate", "template": "errorRate", "max": 0.01}
CUSTOM = {
    "name": "checkout", "provider": "prometheus", "query": 'x{color="{{color}}"}', "max": 0.02,
    "requestsQuery": 'sum(increase(y{color="{{color}}"}[1m]))',
}
RELATIVE = {"name": "latency", "template": "latencyP99", "max": "50ms", "relativeTo": "live"}


def rollout(base: dict = DOCKER, **fields) -> dict:
    return {**base, "bluegreen:rollout": fields}


def metrics(*items: dict, base: dict = DOCKER, **fields) -> dict:
    return rollout(base, analysis={"metrics": list(items)}, **fields)


CASES = [
    pytest.param(
        rollout(steps=[{"setWeight": 25}, {"setWeight": 5}, {"setWeight": 100}]),
        "bluegreen:rollout.steps = [25, 5, 100] is invalid: setWeight values must strictly increase",
        id="weights-out-of-order",
    ),
    pytest.param(
        rollout(steps=[{"setWeight": 5}, {"setWeight": 120}]),
        "bluegreen:rollout.steps[1].setWeight = 120 is invalid: must be an integer from 1 to 100",
        id="weight-above-100",
    ),
    pytest.param(
        rollout(steps=[{"setWeight": 5}, {"setWeight": 50}]),
        "bluegreen:rollout.steps = [5, 50] is invalid: the last setWeight must be 100",
        id="never-completes",
    ),
    pytest.param(
        rollout(steps=[{"setWeight": 5}, {"pause": 5}, {"setWeight": 100}]),
        "bluegreen:rollout.steps[1].pause = 5 is invalid: has no unit: write 5s for seconds or 5m for minutes",
        id="pause-without-unit",
    ),
    pytest.param(
        rollout(steps=[{"setWeight": 5}, {"pause": {"duration": "4x"}}, {"setWeight": 100}]),
        "bluegreen:rollout.steps[1].pause = {duration: '4x'} is invalid: must be a duration with a unit",
        id="argo-pause-bad-duration-quoted-as-written",
    ),
    pytest.param(
        rollout(steps=[{"setWeight": 5}, {"pause": "5"}, {"setWeight": 100}]),
        "bluegreen:rollout.steps[1].pause = '5' is invalid: must be a duration with a unit",
        id="pause-string-without-unit",
    ),
    pytest.param(
        rollout(preset="Canary5Percent"),
        "bluegreen:rollout.preset = 'Canary5Percent' is invalid: must be one of 'Canary10Percent5Minutes'",
        id="unknown-preset",
    ),
    pytest.param(
        metrics({**ERRORS, "template": "errorrate"}),
        "bluegreen:rollout.analysis.metrics[0].template = 'errorrate' is invalid: must be one of 'errorRate' or "
        "'latencyP99'",
        id="unknown-template",
    ),
    pytest.param(
        metrics({**ERRORS, "max": -0.5}),
        "bluegreen:rollout.analysis.metrics[0].max = -0.5 is invalid: must not be negative",
        id="max-negative",
    ),
    pytest.param(
        metrics({**ERRORS, "max": 5}),
        "bluegreen:rollout.analysis.metrics[0].max = 5 is invalid: is a ratio of requests: must be from 0 to 1",
        id="error-rate-above-one",
    ),
    pytest.param(
        metrics({"name": "p99", "template": "latencyP99", "max": "500"}),
        "bluegreen:rollout.analysis.metrics[0].max = '500' is invalid: must be a duration such as 500ms",
        id="latency-without-unit",
    ),
    pytest.param(
        metrics({**CUSTOM, "query": "sum(rate(x[1m]))"}),
        "bluegreen:rollout.analysis.metrics[0].query = 'sum(rate(x[1m]))' is invalid: must contain {{color}}",
        id="query-without-color",
    ),
    pytest.param(
        metrics({"name": "q", "query": 'x{c="{{color}}"}', "max": 1}),
        "bluegreen:rollout.analysis.metrics[0].provider = None is invalid: give a built-in template",
        id="metric-without-provider",
    ),
    pytest.param(
        metrics(CUSTOM, prometheus={"address": "prometheus.monitoring:9090"}),
        "bluegreen:rollout.prometheus.address = 'prometheus.monitoring:9090' is invalid: must be an http(s) URL",
        id="address-without-scheme",
    ),
    pytest.param(
        metrics(CUSTOM, prometheus={"address": "http://0.0.0.0:9090"}),
        "bluegreen:rollout.prometheus.address = 'http://0.0.0.0:9090' is invalid: names a listen-all address",
        id="address-listen-all",
    ),
    pytest.param(
        metrics(CUSTOM, base=AWS),
        "bluegreen:rollout.prometheus is missing: metric 'checkout' queries Prometheus: "
        "set bluegreen:rollout.prometheus.address",
        id="prometheus-query-without-address-on-aws",
    ),
    pytest.param(
        rollout(analysis={"metrics": [ERRORS], "interval": "500ms"}),
        "bluegreen:rollout.analysis.interval = 0.5 is invalid: must be at least 1s",
        id="interval-below-a-second",
    ),
    pytest.param(
        metrics(ERRORS, ERRORS),
        "bluegreen:rollout.analysis.metrics = ['error-rate'] is invalid: metric names must be unique",
        id="duplicate-metric-names",
    ),
    pytest.param(
        rollout(analysis={"metrics": []}),
        "bluegreen:rollout.analysis.metrics",
        id="no-metrics",
    ),
    pytest.param(
        metrics({k: v for k, v in CUSTOM.items() if k != "requestsQuery"}),
        "bluegreen:rollout.analysis.metrics[0].requestsQuery = None is invalid: a custom query needs the number of "
        "requests its value rests on: give requestsQuery, or set minRequests: 0",
        id="custom-query-without-its-sample",
    ),
    pytest.param(
        metrics({**CUSTOM, "requestsQuery": "sum(increase(y[1m]))"}),
        "bluegreen:rollout.analysis.metrics[0].requestsQuery = 'sum(increase(y[1m]))' is invalid: must contain "
        "{{color}}",
        id="requests-query-without-color",
    ),
    pytest.param(
        metrics({**ERRORS, "requestsQuery": 'y{c="{{color}}"}'}),
        "bluegreen:rollout.analysis.metrics[0].requestsQuery = 'y{c=\"{{color}}\"}' is invalid: a template counts",
        id="template-with-requests-query",
    ),
    pytest.param(
        metrics({**ERRORS, "minRequests": -1}),
        "bluegreen:rollout.analysis.metrics[0].minRequests = -1 is invalid: must be an integer from 0 to 100000000",
        id="min-requests-negative",
    ),
    pytest.param(
        metrics({**ERRORS, "min": 0.001}),
        "bluegreen:rollout.analysis.metrics[0].min = 0.001 is invalid: an error rate has no useful lower bound",
        id="min-on-an-error-rate",
    ),
    pytest.param(
        metrics({**CUSTOM, "min": 5, "max": 1}),
        "bluegreen:rollout.analysis.metrics[0].min = 5 is invalid: must not be above max (1)",
        id="min-above-max",
    ),
    pytest.param(
        metrics({k: v for k, v in CUSTOM.items() if k != "max"}),
        "bluegreen:rollout.analysis.metrics[0].max = None is invalid: give max, min or both",
        id="no-bound",
    ),
    pytest.param(
        metrics({**ERRORS, "confidence": 0.99}),
        "bluegreen:rollout.analysis.metrics[0].confidence = 0.99 is invalid: applies only to template errorRate "
        "with relativeTo: live",
        id="confidence-without-a-test",
    ),
    pytest.param(
        metrics({**ERRORS, "relativeTo": "live", "confidence": 1}),
        "bluegreen:rollout.analysis.metrics[0].confidence = 1 is invalid: must be from 0.5 to 0.999",
        id="confidence-of-one",
    ),
    pytest.param(
        metrics({**ERRORS, "dryRun": True}),
        "bluegreen:rollout.analysis.metrics = ['error-rate'] is invalid: every metric is dryRun",
        id="every-metric-dry-run",
    ),
    pytest.param(
        rollout(base=AWS, analysis={"metrics": [ERRORS], "interval": "30s"}),
        "bluegreen:rollout.analysis.interval = '30s' is invalid: must be at least 1m on aws",
        id="aws-interval-under-a-minute",
    ),
    pytest.param(
        rollout(analysis={"metrics": [ERRORS], "interval": "8s"}),
        "bluegreen:rollout.analysis.interval = '8s' is invalid: must be at least twice the local stack's Prometheus "
        "scrape interval (5s)",
        id="docker-interval-under-two-scrapes",
    ),
    pytest.param(
        rollout(base=AWS, analysis={"metrics": [CUSTOM], "interval": "1m"},
                prometheus={"address": "http://prometheus:9090", "scrapeInterval": "1m"}),
        "bluegreen:rollout.analysis.interval = '1m' is invalid: must be at least twice "
        "bluegreen:rollout.prometheus.scrapeInterval (1m)",
        id="interval-under-two-scrapes-of-your-prometheus",
    ),
    pytest.param(
        metrics(RELATIVE, steps=[{"setWeight": 5}, {"pause": "5m"}, {"setWeight": 100}, {"pause": "10m"}]),
        "bluegreen:rollout.steps = '...' is invalid: a pause after setWeight 100 has no live traffic to compare with",
        id="post-promotion-pause-with-only-relative-metrics",
    ),
]


@pytest.mark.parametrize(("config", "expected"), CASES)
def test_bad_rollout_value_stops_the_program_naming_key_value_and_rule(config: dict, expected: str) -> None:
    message = config_error(config)
    assert "invalid stack config (1 problem(s))" in message
    assert expected in message


def test_a_full_strategy_passes_and_every_problem_is_reported_in_one_pass() -> None:
    good = metrics(
        ERRORS,
        {"name": "latency", "template": "latencyP99", "max": "500ms", "relativeTo": "live"},
        steps=[{"setWeight": 5}, {"pause": "5m"}, {"pause": {}}, {"setWeight": 100}],
        hooks={"preTraffic": {"url": "{{testUrl}}/smoke", "expect": 200}},
    )
    assert run_config(good).resources
    knobs = metrics(
        {**ERRORS, "relativeTo": "live", "confidence": 0.99, "minRequests": 400, "dryRun": True},
        {**CUSTOM, "min": 1, "max": 10}, {**RELATIVE, "min": "5ms"},
        steps=[{"setWeight": 5}, {"pause": "5m"}, {"setWeight": 100}, {"pause": "10m"}],
    )
    knobs["bluegreen:rollout"]["analysis"].update(
        {"interval": "10s", "initialDelay": "1m", "consecutiveErrorLimit": 2, "inconclusiveLimit": 1}
    )
    assert run_config(knobs).resources  # a post-promotion pause judged by its absolute metric
    bad = metrics({**ERRORS, "max": -1}, steps=[{"setWeight": 5}, {"pause": 5}, {"setWeight": 100}])
    message = config_error(bad)
    assert "(2 problem(s))" in message
    assert "metrics[0].max = -1" in message and "steps[1].pause = 5" in message


def test_argos_pause_with_a_duration_is_a_timed_pause_and_never_quoted_as_a_number() -> None:
    from bluegreen.stack_files import spec_of

    spec = spec_of(rollout(steps=[{"setWeight": 5}, {"pause": {"duration": "4s"}}, {"setWeight": 100}]))

    [_, pause, _] = spec.rollout.steps
    assert pause.pause_seconds == 4.0 and not pause.is_manual_gate
