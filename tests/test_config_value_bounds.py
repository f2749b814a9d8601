"""Values are read as written, bounded, and refused with the key before anything is registered.

Holes closed here: a 400-digit duration (read as infinity, then an OverflowError in the
program), `interval: 99999999h` (valid, then every release rolled back), Unicode digits
(`٣s`, a metric's `max: "٣"`, a Kubernetes `cpu: "٣"`), and a Prometheus address that was a pattern
match (the metadata address, `http://]]]:[[[`, port 99999 all passed). The CLI's options are covered by
test_release_failures.py::test_bad_options_are_refused_before_pulumi_is_contacted.
"""

import pytest

from components.spec.durations import parse_duration
from tests.conftest import config_error, stack_config
from tests.kubernetes_configs import SELECTOR, kubernetes

LONG = "1" * 400 + "s"


def rollout(**changes) -> dict:
    overrides = {}
    for key, value in changes.items():
        if key == "steps[1].pause":
            overrides["bluegreen:rollout.steps"] = [{"setWeight": 10}, {"pause": value}, {"setWeight": 100}]
        else:
            overrides[f"bluegreen:rollout.{key}"] = value
    return stack_config("local", overrides)


@pytest.mark.parametrize(
    ("key", "value", "rule"),
    [
        ("steps[1].pause", LONG, "must be a duration with a unit"),
        ("steps[1].pause", "25h", "must be at most 24h"),
        ("steps[1].pause", "٣s", "must be a duration with a unit"),
        ("analysis.interval", "99999999h", "must be at most 1h"),
        ("analysis.interval", LONG, "must be a duration with a unit"),
        ("analysis.initialDelay", "2h", "must be at most 1h"),
    ],
    ids=["400-digit-pause", "pause-25h", "arabic-digit", "interval-99999999h", "400-digit-interval", "delay-2h"],
)
def test_a_duration_out_of_bounds_is_one_clear_error_naming_the_key(key, value, rule):
    message = config_error(rollout(**{key: value}), stack="local")
    assert f"bluegreen:rollout.{key}" in message
    assert rule in message
    assert "OverflowError" not in message


def test_durations_take_ascii_digits_and_stay_finite():
    assert parse_duration("1m30s") == 90
    assert parse_duration("٣s") is None
    assert parse_duration("３s") is None  # fullwidth
    assert parse_duration(LONG) is None
    assert parse_duration("٣", bare_seconds=True) is None
    assert parse_duration("1" * 400, bare_seconds=True) is None


@pytest.mark.parametrize(
    ("address", "rule"),
    [
        ("http://169.254.169.254", "169.254.169.254 is a cloud metadata address"),
        ("http://2852039166:9090", "169.254.169.254 is a cloud metadata address"),
        ("http://[fe80::1]:9090", "is link-local"),
        ("http://]]]:[[[", "must be an http(s) URL"),
        ("http://prometheus:99999", "Port out of range"),
        ("http://prometheus:0", "has port 0"),
        ("file:///etc/passwd", "must be an http(s) URL"),
        ("http://0.0.0.0:9090", "names a listen-all address"),
    ],
)
def test_the_prometheus_address_is_parsed_and_its_host_judged(address, rule):
    config = stack_config(
        "local",
        {"bluegreen:rollout.prometheus": {"address": address}},
    )
    message = config_error(config, stack="local")
    assert "bluegreen:rollout.prometheus.address" in message
    assert rule in message


def test_a_good_prometheus_address_passes():
    from components.spec.rollout import PrometheusSpec

    assert PrometheusSpec(address="https://prometheus.monitoring.svc:9090/api/").address == (
        "https://prometheus.monitoring.svc:9090/api"
    )


def test_a_metric_bound_is_read_in_ascii_digits_and_finite():
    """`max: "٣"` (pulumi config set stores text) was read as 3 by float()."""
    metric = {"name": "checkout", "provider": "prometheus", "query": 'x{color="{{color}}"}', "minRequests": 0}
    for value, rule in (("٣", "must be a number"), ("nan", "must be a finite number"), (float("inf"), "finite")):
        config = stack_config("local", {"bluegreen:rollout.analysis": {"metrics": [{**metric, "max": value}]}})
        message = config_error(config, stack="local")
        assert "bluegreen:rollout.analysis.metrics[0].max" in message and rule in message


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"rollout": {"maxSurge": "٥%"}}, "bluegreen:kubernetes.rollout.maxSurge = '٥%' is invalid"),
        ({"resources": {"requests": {"cpu": "٣"}}}, "bluegreen:kubernetes.resources.requests.cpu = '٣' is invalid"),
    ],
    ids=["surge-arabic-percent", "cpu-arabic-digit"],
)
def test_kubernetes_quantities_take_ascii_digits(fields, key):
    assert key in config_error(kubernetes(SELECTOR, **fields), stack="kind")
