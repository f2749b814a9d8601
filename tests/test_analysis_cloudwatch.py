"""The aws templates against moto: CloudWatch datapoints per target group, read back with get_metric_data.

Each color's target group is its own dimension pair (TargetGroup + LoadBalancer), so the
candidate and the live color are measured separately on the same load balancer. moto 5
computes Sum but not percentile statistics (it answers p99 with no value), so latencyP99
is checked for its request and for the no-data verdict it must give then; its arithmetic
against real CloudWatch needs an AWS account (docs/analysis.md).
"""

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws
from rollout_support import aws_config

from bluegreen.analysis import build_analysis
from bluegreen.analysis.cloudwatch import CloudWatchSource, load_balancer_dimension, target_group_dimension
from bluegreen.stack_files import spec_of

LISTENER = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2"
TARGET_GROUPS = {
    "blue": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-blue/73e2d6bc24d8a067",
    "green": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-green/943f017f100becff",
}
OUTPUTS = {"listenerArn": LISTENER, "targetGroupArns": TARGET_GROUPS, "liveColor": "blue"}


def rollout(*metrics: dict) -> dict:
    return {
        "steps": [{"setWeight": 10}, {"pause": "5m"}, {"setWeight": 100}],
        "analysis": {"interval": "1m", "metrics": list(metrics)},
    }


def analysis_for(*metrics: dict):
    spec = spec_of({**aws_config(), "bluegreen:rollout": rollout(*metrics)})
    analysis = build_analysis(spec, OUTPUTS, "prod")
    assert analysis is not None
    return analysis


@pytest.fixture
def cloudwatch(fake_aws_credentials):
    with mock_aws():
        yield boto3.client("cloudwatch", region_name="us-east-1")


def put(client, color: str, metric: str, value: float) -> None:
    client.put_metric_data(
        Namespace="AWS/ApplicationELB",
        MetricData=[{
            "MetricName": metric,
            "Dimensions": [
                {"Name": "TargetGroup", "Value": target_group_dimension(TARGET_GROUPS[color])},
                {"Name": "LoadBalancer", "Value": load_balancer_dimension(LISTENER)},
            ],
            # A little in the past, as the ALB publishes; the API has whole-second timestamps, so a datapoint
            # from the current second would sit at the window's excluded end.
            "Timestamp": datetime.now(UTC) - timedelta(seconds=5),
            "Value": value,
            "Unit": "Count",
        }],
    )


ERROR_RATE = {"name": "error-rate", "template": "errorRate", "max": 0.01}


def test_dimensions_come_from_the_stack_outputs():
    assert target_group_dimension(TARGET_GROUPS["green"]) == "targetgroup/web-green/943f017f100becff"
    assert load_balancer_dimension(LISTENER) == "app/web/50dc6c495c0c9188"


def test_error_rate_is_the_candidates_5xx_over_its_requests_and_the_live_color_does_not_count(cloudwatch):
    put(cloudwatch, "green", "RequestCount", 400)
    put(cloudwatch, "green", "HTTPCode_Target_5XX_Count", 20)
    put(cloudwatch, "blue", "RequestCount", 9000)  # blue's clean traffic must not dilute green's errors
    [measurement] = analysis_for(ERROR_RATE).measure("green", "blue")
    assert (measurement.value, measurement.threshold, measurement.verdict) == (0.05, "<= 0.01", "fail")
    assert measurement.line() == "error-rate green 0.05 vs <= 0.01: FAIL"


def test_no_5xx_datapoint_with_requests_is_a_zero_error_rate(cloudwatch):
    put(cloudwatch, "green", "RequestCount", 400)
    [measurement] = analysis_for(ERROR_RATE).measure("green", "blue")
    assert (measurement.value, measurement.verdict) == (0.0, "pass")


def test_no_requests_is_inconclusive_never_a_pass(cloudwatch):
    put(cloudwatch, "blue", "RequestCount", 9000)
    [measurement] = analysis_for(ERROR_RATE).measure("green", "blue")
    assert measurement.verdict == "inconclusive" and measurement.value is None
    assert "no requests reached green's target group" in measurement.detail


def test_relative_to_live_compares_the_two_target_groups(cloudwatch):
    relative = {"name": "error-rate", "template": "errorRate", "max": 0.01, "relativeTo": "live"}
    put(cloudwatch, "blue", "RequestCount", 1000)
    put(cloudwatch, "blue", "HTTPCode_Target_5XX_Count", 20)  # live already at 2%
    put(cloudwatch, "green", "RequestCount", 100)
    put(cloudwatch, "green", "HTTPCode_Target_5XX_Count", 2.5)  # candidate 2.5%: within live + 1%
    [measurement] = analysis_for(relative).measure("green", "blue")
    assert (measurement.verdict, measurement.threshold) == ("pass", "<= live (0.02) + 0.01")
    put(cloudwatch, "green", "HTTPCode_Target_5XX_Count", 2)  # now 4.5%: beyond live + 1%
    [measurement] = analysis_for(relative).measure("green", "blue")
    assert (measurement.verdict, measurement.value) == ("fail", 0.045)


def test_relative_to_live_without_live_data_is_inconclusive(cloudwatch):
    relative = {"name": "error-rate", "template": "errorRate", "max": 0.01, "relativeTo": "live"}
    put(cloudwatch, "green", "RequestCount", 100)
    [measurement] = analysis_for(relative).measure("green", "blue")
    assert measurement.verdict == "inconclusive" and measurement.detail.startswith("live color: no requests")


class RecordingClient:
    """The moto client, keeping every query it was asked."""

    def __init__(self, client):
        self.client = client
        self.asked: list[dict] = []

    def get_metric_data(self, **kwargs):
        self.asked += [q["MetricStat"] for q in kwargs["MetricDataQueries"]]
        return self.client.get_metric_data(**kwargs)


def test_latency_asks_for_target_response_time_p99_and_no_value_is_inconclusive(cloudwatch):
    put(cloudwatch, "green", "RequestCount", 100)
    client = RecordingClient(cloudwatch)
    source = CloudWatchSource(client, OUTPUTS, window_seconds=30)
    reading = source.read("latencyP99", "green")
    stats = {s["Metric"]["MetricName"]: (s["Stat"], s["Period"]) for s in client.asked}
    assert stats == {"RequestCount": ("Sum", 60), "TargetResponseTime": ("p99", 60)}
    assert reading.value is None and "no TargetResponseTime p99 for green" in reading.detail
    # With datapoints, moto cannot compute p99 and fails the call: still no data, never a pass.
    put(cloudwatch, "green", "TargetResponseTime", 0.2)
    assert source.read("latencyP99", "green").value is None
