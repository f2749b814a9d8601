"""Instant queries over Prometheus's HTTP API (`GET /api/v1/query`), each with a hard deadline.

Every way a query can fail to give one number is a `Reading` with no value, never an
exception and never a pass: unreachable, timed out, an HTTP or PromQL error, an empty
result (no series: no traffic yet, or a wrong label), or NaN (0/0: no requests).
"""

import json
import math
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from .reading import Reading

_MAX_ANSWER = 4_000_000
"""Bytes read of one answer: an instant query for one color is a few series, never megabytes."""


@dataclass(frozen=True)
class PrometheusClient:
    """One Prometheus server; `timeout` bounds each query (the caller also bounds it in wall time)."""

    address: str
    timeout: float = 5.0

    def query(self, promql: str) -> Reading:
        url = f"{self.address.rstrip('/')}/api/v1/query?" + urllib.parse.urlencode(
            # Prometheus stops evaluating at its own timeout too, so a heavy query does not run on.
            {"query": promql, "timeout": f"{self.timeout:g}s"}
        )
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:
                text = response.read(_MAX_ANSWER + 1)
        except urllib.error.HTTPError as error:
            return Reading.missing(f"prometheus: HTTP {error.code} {_error_text(error)}")
        except TimeoutError:
            return Reading.missing(f"prometheus: timed out after {self.timeout:g}s")
        except (OSError, ValueError) as error:
            return Reading.missing(f"prometheus unreachable at {self.address}: {_reason(error)}")
        if len(text) > _MAX_ANSWER:
            return Reading.missing(f"prometheus: answer over {_MAX_ANSWER // 1_000_000} MB; narrow the query")
        try:
            body = json.loads(text)
        except ValueError:
            # A proxy's login page or another service on that port.
            return Reading.missing(f"{self.address} did not answer as Prometheus (not JSON: {text[:60]!r})")
        return reading_of(body)


def reading_of(body: object) -> Reading:
    """One number out of a query answer; several series count as their worst (highest) value."""
    if not isinstance(body, dict) or body.get("status") != "success":
        error = body.get("error", "no status") if isinstance(body, dict) else "not JSON"
        return Reading.missing(f"prometheus: query failed: {error}")
    data = body.get("data") or {}
    kind, result = data.get("resultType"), data.get("result")
    if kind == "scalar" and isinstance(result, list):
        values = [result[1]]
    elif kind == "vector" and isinstance(result, list):
        values = [series.get("value", [None, None])[1] for series in result]
    else:
        return Reading.missing(f"prometheus: expected an instant vector, got {kind}")
    if not values:
        return Reading.missing("no series: no traffic in the window, or no metric matches the query")
    numbers = [float(v) for v in values if v is not None]
    finite = [n for n in numbers if not math.isnan(n)]
    if not finite:
        return Reading.missing("no requests in the window (the ratio is 0/0)")
    return Reading(max(finite))


def _error_text(error: urllib.error.HTTPError) -> str:
    try:
        return str(json.loads(error.read(10_000)).get("error", ""))[:200]
    except (OSError, ValueError):
        return ""


def _reason(error: Exception) -> str:
    reason = getattr(error, "reason", None) or error
    if isinstance(reason, TimeoutError):
        return "timed out"
    return str(reason)[:200]
