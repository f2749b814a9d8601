"""The aws templates: each color's target group measured by CloudWatch (`AWS/ApplicationELB`).

Every color has its own target group on the same load balancer, so the dimensions
`TargetGroup` + `LoadBalancer` select one color's traffic. Both come from stack
outputs: the target group ARNs, and the listener ARN (whose path names the load
balancer). ALB metrics have one-minute resolution, so the window is at least 60 s.
"""

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from components.spec import Color

from .reading import Reading

NAMESPACE = "AWS/ApplicationELB"
MIN_WINDOW_SECONDS = 60


def target_group_dimension(arn: str) -> str:
    """`arn:aws:elasticloadbalancing:...:targetgroup/web-green/0123` -> `targetgroup/web-green/0123`."""
    match = re.search(r":(targetgroup/[^:]+)$", arn)
    if not match:
        raise ValueError(f"not a target group ARN: {arn!r}")
    return match.group(1)


def load_balancer_dimension(listener_arn: str) -> str:
    """`...:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2` -> `app/web/50dc6c495c0c9188`."""
    match = re.search(r":listener/((?:app|net)/[^/]+/[^/]+)/[^/]+$", listener_arn)
    if not match:
        raise ValueError(f"not a load balancer listener ARN: {listener_arn!r}")
    return match.group(1)


class CloudWatchSource:
    """errorRate and latencyP99 of one color, from `get_metric_data` over the last `window_seconds`."""

    def __init__(self, client: Any, outputs: Mapping[str, Any], window_seconds: float):
        self.client = client
        self.target_groups: Mapping[str, str] = outputs.get("targetGroupArns") or {}
        self.listener_arn: str = outputs.get("listenerArn") or ""
        # One period covering the whole window, in whole minutes: one datapoint per query.
        self.period = max(MIN_WINDOW_SECONDS, math.ceil(window_seconds / 60) * 60)

    def read(self, template: str, color: Color) -> Reading:
        try:
            dimensions = [
                {"Name": "TargetGroup", "Value": target_group_dimension(str(self.target_groups.get(color, "")))},
                {"Name": "LoadBalancer", "Value": load_balancer_dimension(self.listener_arn)},
            ]
        except ValueError as error:
            return Reading.missing(f"stack outputs: {error}")
        stats = {"requests": ("RequestCount", "Sum")}
        if template == "errorRate":
            stats["errors"] = ("HTTPCode_Target_5XX_Count", "Sum")
        else:
            stats["p99"] = ("TargetResponseTime", "p99")
        try:
            values = self._fetch(stats, dimensions)
        except Exception as error:  # botocore's errors are many; every one is "no data", never a pass
            return Reading.missing(f"cloudwatch: {type(error).__name__}: {str(error)[:200]}")
        requests = sum(values["requests"])
        if requests <= 0:
            return Reading.missing(f"no requests reached {color}'s target group in the last {self.period}s")
        if template == "errorRate":
            # The ALB publishes no 5XX datapoint for a minute without 5XX responses: absent is zero.
            return Reading(sum(values["errors"]) / requests)
        if not values["p99"]:
            return Reading.missing(f"no TargetResponseTime p99 for {color} in the last {self.period}s")
        return Reading(max(values["p99"]))

    def _fetch(self, stats: Mapping[str, tuple[str, str]], dimensions: list[dict[str, str]]) -> dict[str, list[float]]:
        end = datetime.now(UTC)
        answer = self.client.get_metric_data(
            MetricDataQueries=[
                {
                    "Id": query_id,
                    "MetricStat": {
                        "Metric": {"Namespace": NAMESPACE, "MetricName": name, "Dimensions": dimensions},
                        "Period": self.period,
                        "Stat": stat,
                    },
                }
                for query_id, (name, stat) in stats.items()
            ],
            StartTime=end - timedelta(seconds=self.period),
            EndTime=end,
        )
        found: dict[str, list[float]] = {query_id: [] for query_id in stats}
        for result in answer.get("MetricDataResults", []):
            found[result["Id"]] += [float(v) for v in result.get("Values", []) if v is not None]
        return found


def cloudwatch_client(listener_arn: str, timeout: float, fallback_region: str | None = None) -> Any:
    """A CloudWatch client in the load balancer's region, with the measurement's deadline on every call."""
    import boto3
    from botocore.config import Config

    parts = listener_arn.split(":")
    region = parts[3] if len(parts) > 3 and parts[3] else fallback_region
    config = Config(connect_timeout=timeout, read_timeout=timeout, retries={"max_attempts": 2, "mode": "standard"})
    return boto3.client("cloudwatch", region_name=region, config=config)
