"""The aws templates against moto: CloudWatch datapoints per target group, read back with get_metric_data.

Each color's target group is its own dimension pair (TargetGroup + LoadBalancer), so the
candidate and the live color are measured separately on the same load balancer. moto 5
computes Sum but not percentile statistics (it answers p99 with no value), so latencyP99
is checked for its request and for the no-data verdict it must give then; its arithmetic
against real CloudWatch needs an AWS account (docs/analysis.md).
"""

from datetime import UTC, datetime, timedelta

import pytest
from rollout_support import aws_config

from bluegreen.analysis import build_analysis
from bluegreen.analysis import cloudwatch as cloudwatch_module
from bluegreen.analysis.cloudwatch import (
    MAX_PAGES,
    CloudWatchSource,
    load_balancer_dimension,
    target_group_dimension,
)
from bluegreen.analysis.reading import Reading
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


NOW = datetime.now(UTC).replace(second=30, microsecond=0)
"""The analysis's clock in these tests: half a minute into a minute, so the last whole minute is fixed."""
LAST_MINUTE = NOW - timedelta(seconds=60)


@pytest.fixture
def cloudwatch(fake_aws_credentials, monkeypatch):
    # Imported here: only the worker that runs this module pays for boto3 and moto (about 0.3 s of CPU).
    import boto3
    from moto import mock_aws

    monkeypatch.setattr(cloudwatch_module, "utc_now", lambda: NOW)
    with mock_aws():
        yield boto3.client("cloudwatch", region_name="us-east-1")


def put(client, color: str, metric: str, value: float, at: datetime = LAST_MINUTE) -> None:
    client.put_metric_data(
        Namespace="AWS/ApplicationELB",
        MetricData=[{
            "MetricName": metric,
            "Dimensions": [
                {"Name": "TargetGroup", "Value": target_group_dimension(TARGET_GROUPS[color])},
                {"Name": "LoadBalancer", "Value": load_balancer_dimension(LISTENER)},
            ],
            # Inside the last whole minute, which is what a measurement at NOW reads.
            "Timestamp": at,
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
    assert measurement.line() == "error-rate green 0.05 vs <= 0.01: FAIL [20/400 failed]"


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
    assert (measurement.verdict, measurement.threshold) == ("pass", "<= live (0.02) + 0.01 at 95% confidence")
    put(cloudwatch, "green", "HTTPCode_Target_5XX_Count", 2)  # now 4.5% of 100: a subtraction would fail it
    [measurement] = analysis_for(relative).measure("green", "blue")
    assert (measurement.verdict, measurement.value) == ("pass", 0.045)  # 4 or 5 of 100 is not evidence
    assert measurement.p_value is not None and measurement.p_value > 0.05
    put(cloudwatch, "green", "RequestCount", 900)
    put(cloudwatch, "green", "HTTPCode_Target_5XX_Count", 75.5)  # 80 of 1000: 8% is
    [measurement] = analysis_for(relative).measure("green", "blue")
    assert (measurement.verdict, measurement.value) == ("fail", 0.08)
    assert measurement.evidence().startswith("80/1000 failed (8.00%) vs live 20/1000 failed (2.00%), p=")


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


def test_connection_and_tls_errors_to_the_targets_count_as_failed_requests(cloudwatch):
    # A target that refuses connections or fails the TLS handshake never answers a 5xx itself: the ALB
    # answers 502/503 for it, and only these per-target-group counts carry that.
    put(cloudwatch, "green", "RequestCount", 200)
    put(cloudwatch, "green", "HTTPCode_Target_5XX_Count", 2)
    put(cloudwatch, "green", "TargetConnectionErrorCount", 4)
    put(cloudwatch, "green", "TargetTLSNegotiationErrorCount", 2)
    source = CloudWatchSource(cloudwatch, OUTPUTS, window_seconds=60)
    assert source.read("errorRate", "green") == Reading(0.04, requests=200.0, failures=8.0)


class ClockedClient(RecordingClient):
    """The moto client, keeping each call's whole window."""

    def __init__(self, client):
        super().__init__(client)
        self.windows: list[tuple[datetime, datetime, int]] = []

    def get_metric_data(self, **kwargs):
        period = kwargs["MetricDataQueries"][0]["MetricStat"]["Period"]
        self.windows.append((kwargs["StartTime"], kwargs["EndTime"], period))
        return super().get_metric_data(**kwargs)


def test_windows_are_whole_minutes_and_never_overlap(cloudwatch):
    clock = [datetime(2026, 12, 4, 12, 0, 21, 250_000, tzinfo=UTC)]
    client = ClockedClient(cloudwatch)
    source = CloudWatchSource(client, OUTPUTS, window_seconds=90, clock=lambda: clock[0])
    source.read("errorRate", "green")
    clock[0] += timedelta(seconds=20)  # no new whole minute yet: nothing to read, not the same minutes again
    again = source.read("errorRate", "green")
    clock[0] += timedelta(seconds=70)  # 90 s after the first: one new minute
    source.read("errorRate", "green")
    minute = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    assert client.windows == [
        (minute - timedelta(minutes=2), minute, 120),  # 90 s rounded up to whole minutes, ending on one
        (minute, minute + timedelta(minutes=1), 60),  # starts where the last one ended
    ]
    assert (again.value, again.provider_error) == (None, False)
    assert again.detail == "no complete minute since the last measurement (ALB metrics are per minute)"


def test_the_windows_of_each_color_and_metric_are_their_own(cloudwatch):
    client = ClockedClient(cloudwatch)
    source = CloudWatchSource(client, OUTPUTS, window_seconds=60, clock=lambda: NOW)
    for template, color in [("errorRate", "green"), ("errorRate", "blue"), ("latencyP99", "green")]:
        source.read(template, color)
    assert len(client.windows) == 3 and len(set(client.windows)) == 1


class FailingOnce:
    def __init__(self, client):
        self.client, self.calls = client, 0

    def get_metric_data(self, **kwargs):
        self.calls += 1
        if self.calls == 1:
            raise ConnectionError("endpoint unreachable")
        return self.client.get_metric_data(**kwargs)


def test_a_failed_call_is_a_provider_error_and_its_minutes_are_read_again(cloudwatch):
    put(cloudwatch, "green", "RequestCount", 100)
    source = CloudWatchSource(FailingOnce(cloudwatch), OUTPUTS, window_seconds=60, clock=lambda: NOW)
    failed = source.read("errorRate", "green")
    assert (failed.value, failed.provider_error) == (None, True)
    assert failed.detail == "cloudwatch: ConnectionError: endpoint unreachable"
    assert source.read("errorRate", "green") == Reading(0.0, requests=100.0, failures=0.0)


def results(status: str, requests: list[float], errors: list[float]) -> list[dict]:
    def one(query_id: str, values: list[float]) -> dict:
        return {"Id": query_id, "Label": query_id, "Timestamps": [LAST_MINUTE] * len(values),
                "Values": values, "StatusCode": status}

    return [one("requests", requests), one("failures0", errors), one("failures1", []), one("failures2", [])]


@pytest.fixture
def stubbed(fake_aws_credentials):
    import boto3
    from botocore.stub import Stubber

    client = boto3.client("cloudwatch", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield client, stubber


def test_partial_data_follows_the_next_page_and_sums_both(stubbed):
    # moto never answers PartialData; botocore's Stubber answers what CloudWatch does with many datapoints.
    from botocore.stub import ANY

    client, stubber = stubbed
    stubber.add_response("get_metric_data", {"MetricDataResults": results("PartialData", [60.0], [1.0]),
                                             "NextToken": "page-2"})
    stubber.add_response("get_metric_data", {"MetricDataResults": results("Complete", [40.0], [1.0])},
                         {"MetricDataQueries": ANY, "StartTime": ANY, "EndTime": ANY, "NextToken": "page-2"})
    reading = CloudWatchSource(client, OUTPUTS, window_seconds=60, clock=lambda: NOW).read("errorRate", "green")
    assert reading == Reading(0.02, requests=100.0, failures=2.0)
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize("status", ["PartialData", "InternalError", "Forbidden"])
def test_an_incomplete_answer_is_inconclusive_never_a_partial_count(stubbed, status):
    client, stubber = stubbed
    stubber.add_response("get_metric_data", {"MetricDataResults": results(status, [60.0], [0.0])})
    reading = CloudWatchSource(client, OUTPUTS, window_seconds=60, clock=lambda: NOW).read("errorRate", "green")
    assert (reading.value, reading.provider_error) == (None, True)
    assert f"incomplete answer (HTTPCode_Target_5XX_Count {status}" in reading.detail


def test_pages_that_never_end_are_inconclusive(stubbed):
    client, stubber = stubbed
    for page in range(MAX_PAGES):
        stubber.add_response("get_metric_data", {"MetricDataResults": results("PartialData", [1.0], [0.0]),
                                                 "NextToken": f"page-{page + 2}"})
    reading = CloudWatchSource(client, OUTPUTS, window_seconds=60, clock=lambda: NOW).read("errorRate", "green")
    assert (reading.value, reading.provider_error) == (None, True) and "incomplete answer" in reading.detail
