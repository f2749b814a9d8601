"""The aws templates: each color's target group measured by CloudWatch (`AWS/ApplicationELB`).

Every color has its own target group on the same load balancer, so the dimensions
`TargetGroup` + `LoadBalancer` select one color's traffic. Both come from stack
outputs: the target group ARNs, and the listener ARN (whose path names the load
balancer).

ALB metrics have one-minute resolution, so every window is whole minutes on minute
boundaries (CloudWatch would round a start time down and widen the window), and the
windows of one metric and color tile: each starts where the previous one ended, so no
minute is judged twice.

errorRate counts every failed request the load balancer attributes to the target group:
the targets' own 5xx, connections to a target that failed (the ALB answers those 502 or
503 itself) and TLS handshakes with a target that failed. The ALB's other own errors
(`HTTPCode_ELB_5XX_Count`) exist only per load balancer, not per target group, so no color
can be charged with them (docs/analysis.md).
"""

import math
import re
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from components.spec import Color

from .reading import Reading

NAMESPACE = "AWS/ApplicationELB"
MIN_WINDOW_SECONDS = 60
FAILURE_METRICS = ("HTTPCode_Target_5XX_Count", "TargetConnectionErrorCount", "TargetTLSNegotiationErrorCount")
"""Per-target-group counts of failed requests, summed into the error rate's numerator."""
MAX_PAGES = 5
"""`NextToken` pages followed before an answer still marked PartialData is given up on."""


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


def utc_now() -> datetime:
    return datetime.now(UTC)


class IncompleteAnswerError(Exception):
    """CloudWatch answered, but not with all the data asked for (PartialData, InternalError, Forbidden)."""


class CloudWatchSource:
    """errorRate and latencyP99 of one color, from `get_metric_data` over whole, non-overlapping minutes."""

    def __init__(
        self, client: Any, outputs: Mapping[str, Any], window_seconds: float,
        clock: Callable[[], datetime] | None = None,
    ):
        self.client = client
        self.target_groups: Mapping[str, str] = outputs.get("targetGroupArns") or {}
        self.listener_arn: str = outputs.get("listenerArn") or ""
        # The window in whole minutes: an interval of 90 s reads two minutes, never a minute and a half.
        self.period = max(MIN_WINDOW_SECONDS, math.ceil(window_seconds / 60) * 60)
        self.clock = clock
        self._last_end: dict[tuple[str, Color], datetime] = {}
        self._lock = threading.Lock()

    def window(self, template: str, color: Color) -> tuple[datetime, datetime] | None:
        """The next window of this metric on this color: whole minutes, after the last one read; None if none yet."""
        end = (self.clock or utc_now)().astimezone(UTC).replace(second=0, microsecond=0)
        start = end - timedelta(seconds=self.period)
        with self._lock:
            last = self._last_end.get((template, color))
        if last is not None:
            if end <= last:
                return None
            start = max(start, last)
        return start, end

    def _done(self, template: str, color: Color, end: datetime) -> None:
        # Only a window CloudWatch answered is used up; after a failed call the next one reads it again.
        with self._lock:
            self._last_end[(template, color)] = end

    def read(self, template: str, color: Color) -> Reading:
        try:
            dimensions = [
                {"Name": "TargetGroup", "Value": target_group_dimension(str(self.target_groups.get(color, "")))},
                {"Name": "LoadBalancer", "Value": load_balancer_dimension(self.listener_arn)},
            ]
        except ValueError as error:
            return Reading.missing(f"stack outputs: {error}", provider_error=True)
        window = self.window(template, color)
        if window is None:
            return Reading.missing("no complete minute since the last measurement (ALB metrics are per minute)")
        start, end = window
        stats: dict[str, tuple[str, str]] = {"requests": ("RequestCount", "Sum")}
        if template == "errorRate":
            stats.update({f"failures{i}": (name, "Sum") for i, name in enumerate(FAILURE_METRICS)})
        else:
            stats["p99"] = ("TargetResponseTime", "p99")
        try:
            values = self._fetch(stats, dimensions, start, end)
        except IncompleteAnswerError as error:
            return Reading.missing(f"cloudwatch: {error}", provider_error=True)
        except Exception as error:  # botocore's errors are many; every one is "no data", never a pass
            return Reading.missing(f"cloudwatch: {type(error).__name__}: {str(error)[:200]}", provider_error=True)
        self._done(template, color, end)
        shown = f"{start:%H:%M}-{end:%H:%M} UTC"
        requests = sum(values["requests"])
        if requests <= 0:
            return Reading.missing(f"no requests reached {color}'s target group in {shown}")
        if template == "errorRate":
            # The ALB publishes no datapoint for a minute without such errors: absent is zero.
            failures = min(sum(sum(values[f"failures{i}"]) for i in range(len(FAILURE_METRICS))), requests)
            return Reading(failures / requests, requests=requests, failures=failures)
        if not values["p99"]:
            return Reading(None, f"no TargetResponseTime p99 for {color} in {shown}", requests=requests)
        return Reading(max(values["p99"]), requests=requests)

    def _fetch(
        self, stats: Mapping[str, tuple[str, str]], dimensions: list[dict[str, str]], start: datetime, end: datetime
    ) -> dict[str, list[float]]:
        queries = [
            {
                "Id": query_id,
                "MetricStat": {
                    "Metric": {"Namespace": NAMESPACE, "MetricName": name, "Dimensions": dimensions},
                    # One period over the whole window: one datapoint per query.
                    "Period": int((end - start).total_seconds()),
                    "Stat": stat,
                },
            }
            for query_id, (name, stat) in stats.items()
        ]
        found: dict[str, list[float]] = {query_id: [] for query_id in stats}
        status: dict[str, str] = {}
        token: str | None = None
        for _ in range(MAX_PAGES):
            extra = {"NextToken": token} if token else {}
            answer = self.client.get_metric_data(MetricDataQueries=queries, StartTime=start, EndTime=end, **extra)
            for result in answer.get("MetricDataResults", []):
                found[result["Id"]] += [float(v) for v in result.get("Values", []) if v is not None]
                status[result["Id"]] = result.get("StatusCode", "Complete")
            token = answer.get("NextToken")
            # PartialData with a token: the rest is on the next page. Without one, it is all there is.
            if not token:
                break
        incomplete = {stats[i][0]: code for i, code in status.items() if code != "Complete"}
        if incomplete or token:
            named = ", ".join(f"{name} {code}" for name, code in sorted(incomplete.items())) or "more pages"
            raise IncompleteAnswerError(f"incomplete answer ({named}) for {start:%H:%M}-{end:%H:%M} UTC")
        return found


def cloudwatch_client(listener_arn: str, timeout: float, fallback_region: str | None = None) -> Any:
    """A CloudWatch client in the load balancer's region, with the measurement's deadline on every call."""
    import boto3
    from botocore.config import Config

    parts = listener_arn.split(":")
    region = parts[3] if len(parts) > 3 and parts[3] else fallback_region
    config = Config(connect_timeout=timeout, read_timeout=timeout, retries={"max_attempts": 2, "mode": "standard"})
    return boto3.client("cloudwatch", region_name=region, config=config)
