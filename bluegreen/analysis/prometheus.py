"""Instant queries over Prometheus's HTTP API (`GET /api/v1/query`), each with a hard deadline.

Every way a query can fail to give one number is a `Reading` with no value, never an
exception and never a pass. Two kinds are kept apart: the provider failed (unreachable,
timed out, redirected, an HTTP or PromQL error, not JSON: `provider_error=True`), or it
answered and there is nothing to judge (no series: no traffic yet or a wrong label; NaN:
0/0, no requests).

A built-in template is an `EvidenceQuery`: the value and the request and failure counts it
rests on, sent as one query (each part labelled) so every part is evaluated at the same
instant over the same samples.
"""

import json
import math
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, replace

from .reading import Reading

_MAX_ANSWER = 4_000_000
"""Bytes read of one answer: an instant query for one color is a few series, never megabytes."""
_PART = "bluegreen_part"
_NO_SERIES = "no series: no traffic in the window, or no metric matches the query"
"""The label naming which part of an EvidenceQuery a series answers."""


@dataclass(frozen=True)
class EvidenceQuery:
    """PromQL for one metric on one color: its value and the counts it rests on.

    `value` None means the value is `failures / requests` (an error rate), so the rate and the
    counts the judge tests can never disagree. `requests` and `failures` are counts in the window
    (`increase`), not rates.
    """

    value: str | None
    requests: str | None = None
    failures: str | None = None
    empty: str = _NO_SERIES
    """What it means when the value query has no series (a template knows better than the generic words)."""

    def substituted(self, fill: Callable[[str], str]) -> "EvidenceQuery":
        """The same query with `fill` applied to every part (placeholders replaced)."""
        return replace(
            self,
            value=None if self.value is None else fill(self.value),
            requests=None if self.requests is None else fill(self.requests),
            failures=None if self.failures is None else fill(self.failures),
        )

    def parts(self) -> dict[str, str]:
        found = {"value": self.value, "requests": self.requests, "failures": self.failures}
        return {name: query for name, query in found.items() if query is not None}

    def combined(self) -> str:
        """One query answering every part, each series labelled with its part's name."""
        return " or ".join(f'label_replace(({q}), "{_PART}", "{name}", "", "")' for name, q in self.parts().items())


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect could send the query (and whatever the address carries) to another host, or turn a
    # refused query into a login page's 200: the configured address answers itself, or it is an error.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def _address_problem(address: str) -> str | None:
    parts = urllib.parse.urlsplit(address)
    if parts.scheme not in ("http", "https"):
        return f"prometheus address {address!r} is not http(s)"
    if not parts.hostname:
        return f"prometheus address {address!r} names no host"
    return None


@dataclass(frozen=True)
class PrometheusClient:
    """One Prometheus server; `timeout` bounds each query (the caller also bounds it in wall time)."""

    address: str
    timeout: float = 5.0

    def query(self, promql: str) -> Reading:
        """The query's one number (its worst series); no request or failure counts."""
        body = self._get(promql)
        if isinstance(body, Reading):
            return body
        values = _values(body)
        if isinstance(values, Reading):
            return values
        return _number(values)

    def evidence(self, query: EvidenceQuery) -> Reading:
        """The value and the counts it rests on, from one query evaluated at one instant."""
        body = self._get(query.combined())
        if isinstance(body, Reading):
            return body
        series = _series(body)
        if isinstance(series, Reading):
            return series
        by_part: dict[str, list[object]] = {}
        for item in series:
            part = (item.get("metric") or {}).get(_PART, "")
            by_part.setdefault(part, []).append((item.get("value") or [None, None])[1])
        return _reading_of_parts(query, {part: _number(values) for part, values in by_part.items()})

    def _get(self, promql: str) -> object:
        """The decoded answer, or a missing Reading saying why the provider failed."""
        problem = _address_problem(self.address)
        if problem:
            return Reading.missing(problem, provider_error=True)
        url = f"{self.address.rstrip('/')}/api/v1/query?" + urllib.parse.urlencode(
            # Prometheus stops evaluating at its own timeout too, so a heavy query does not run on.
            {"query": promql, "timeout": f"{self.timeout:g}s"}
        )
        try:
            with _OPENER.open(url, timeout=self.timeout) as response:
                text = response.read(_MAX_ANSWER + 1)
        except urllib.error.HTTPError as error:
            if 300 <= error.code < 400:
                where = error.headers.get("Location", "elsewhere") if error.headers else "elsewhere"
                return _failed(
                    f"prometheus at {self.address} redirected (HTTP {error.code}) to {str(where)[:120]!r}; "
                    "redirects are not followed: set bluegreen:rollout.prometheus.address to the server itself"
                )
            return _failed(f"prometheus: HTTP {error.code} {_error_text(error)}")
        except TimeoutError:
            return _failed(f"prometheus: timed out after {self.timeout:g}s")
        except (OSError, ValueError) as error:
            return _failed(f"prometheus unreachable at {self.address}: {_reason(error)}")
        if len(text) > _MAX_ANSWER:
            return _failed(f"prometheus: answer over {_MAX_ANSWER // 1_000_000} MB; narrow the query")
        try:
            return json.loads(text)
        except ValueError:
            # A proxy's login page or another service on that port.
            return _failed(f"{self.address} did not answer as Prometheus (not JSON: {text[:60]!r})")


def reading_of(body: object) -> Reading:
    """One number out of a query answer; several series count as their worst (highest) value."""
    values = _values(body)
    return values if isinstance(values, Reading) else _number(values)


def _failed(detail: str) -> Reading:
    return Reading.missing(detail, provider_error=True)


def _series(body: object) -> list[dict] | Reading:
    if not isinstance(body, dict) or body.get("status") != "success":
        error = body.get("error", "no status") if isinstance(body, dict) else "not JSON"
        return _failed(f"prometheus: query failed: {str(error)[:200]}")
    data = body.get("data") or {}
    kind, result = data.get("resultType"), data.get("result")
    if kind != "vector" or not isinstance(result, list):
        return _failed(f"prometheus: expected an instant vector, got {kind}")
    return [item for item in result if isinstance(item, dict)]


def _values(body: object) -> list[object] | Reading:
    if isinstance(body, dict) and (body.get("data") or {}).get("resultType") == "scalar":
        result = body["data"].get("result")
        if body.get("status") == "success" and isinstance(result, list) and len(result) == 2:
            return [result[1]]
    series = _series(body)
    if isinstance(series, Reading):
        return series
    return [(item.get("value") or [None, None])[1] for item in series]


def _number(values: list[object]) -> Reading:
    if not values:
        return Reading.missing(_NO_SERIES)
    numbers: list[float] = []
    for value in values:
        try:
            numbers.append(float(value))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return _failed(f"prometheus: not a number: {str(value)[:40]!r}")
    finite = [n for n in numbers if not math.isnan(n)]
    if not finite:
        return Reading.missing("no requests in the window (the ratio is 0/0)")
    return Reading(max(finite))


def _reading_of_parts(query: EvidenceQuery, parts: dict[str, Reading]) -> Reading:
    requests = parts.get("requests")
    failures = parts.get("failures")
    # `increase` extrapolates to the window's edges (400.9 requests); the tests the judge runs are on
    # whole requests, and the rate must be the one those counts give.
    count = _whole(requests.value) if requests is not None else None
    failed = _whole(failures.value) if failures is not None else None
    if query.value is None:
        if count is None or count <= 0:
            why = requests.detail if requests is not None and requests.detail else "no series"
            return Reading(None, f"no requests in the window ({why})", requests=count, failures=failed)
        if failed is None:
            why = failures.detail if failures is not None else "no series"
            return Reading(None, f"no failure count ({why})", requests=count)
        # A response can be counted as both a 5xx and a broken response; a rate is never above 1.
        return Reading(min(failed, count) / count, requests=count, failures=min(failed, count))
    value = parts.get("value", Reading.missing(query.empty))
    return Reading(value.value, value.detail, requests=count, failures=failed)


def _whole(value: float | None) -> float | None:
    return None if value is None else float(round(value))


def _error_text(error: urllib.error.HTTPError) -> str:
    try:
        return str(json.loads(error.read(10_000)).get("error", ""))[:200]
    except (OSError, ValueError, AttributeError):
        return ""


def _reason(error: Exception) -> str:
    reason = getattr(error, "reason", None) or error
    if isinstance(reason, TimeoutError):
        return "timed out"
    return str(reason)[:200]
