"""The docker templates: PromQL over HAProxy 2.6's built-in exporter (promex), per color.

The exporter labels every server series with `proxy` (the backend) and `server`; the
router's production backend holds both colors' servers, named `<color>-<index>`, so a
color is `server=~"green-[0-9]+"` in `proxy="production"`.

errorRate counts every request the router sent to the color (`sessions_total`, retried
attempts included) and every one that failed: the server's own 5xx, and the errors
HAProxy itself answered for that server, which never appear among the server's HTTP
responses (a malformed or cut response, a 502 or 504: `response_errors_total`;
connections that failed after every retry, a 503: `connection_errors_total`; HAProxy's
internal errors, a 500: `internal_errors_total`).

latencyP99 has no histogram to read on HAProxy 2.6: it is the color's worst server's
*mean* response time, recovered exactly from the exporter's running average (see
`latency_query`).
"""

from components.docker.haproxy_config import PRODUCTION_BACKEND

from .prometheus import EvidenceQuery

ROUTER_ERRORS = ("response_errors_total", "connection_errors_total", "internal_errors_total")
"""Per-server counters of requests HAProxy answered with its own error for that server."""


def _servers(color: str) -> str:
    return f'proxy="{PRODUCTION_BACKEND}",server=~"{color}-[0-9]+"'


def _window(window_seconds: float) -> str:
    return f"{max(1, round(window_seconds))}s"


def requests_query(color: str, window_seconds: float) -> str:
    """Requests the router sent to the color's servers in the window (a count; retried attempts included)."""
    return f"sum(increase(haproxy_server_sessions_total{{{_servers(color)}}}[{_window(window_seconds)}]))"


def failures_query(color: str, window_seconds: float) -> str:
    """The color's own 5xx answers plus the errors HAProxy answered for its servers, in the window."""
    servers, window = _servers(color), _window(window_seconds)
    terms = [f'sum(increase(haproxy_server_http_responses_total{{{servers},code="5xx"}}[{window}]))']
    terms += [f"sum(increase(haproxy_server_{name}{{{servers}}}[{window}]))" for name in ROUTER_ERRORS]
    return " + ".join(terms)


def error_rate_query(color: str, window_seconds: float) -> EvidenceQuery:
    """Failures over requests; no requests in the window is no data (the provider divides, 0/0 is none)."""
    return EvidenceQuery(
        value=None, requests=requests_query(color, window_seconds), failures=failures_query(color, window_seconds)
    )


AVERAGE_SAMPLES = 512
"""HAProxy 2.6's TIME_STATS_SAMPLES: the length of its per-server response-time window."""
MIN_RESPONSES = 100
"""Responses a server must have answered since HAProxy's worker started before its average is judged:
below it the exporter's millisecond rounding alone is worth more than 2.5 ms (see `latency_query`)."""

# HAProxy 2.6 keeps each server's response time as a sum S of whole milliseconds that starts at 0
# with every worker (a reload; weight changes go through the runtime API and keep the worker). For
# the first 512 responses S is a plain sum; after that each
# response does S = S - ceil(S/512) + t, an average over about the last 512 (exponentially
# weighted). The exporter shows ceil(S/512) ms in both phases, so after k <= 512 responses of mean
# m it shows ceil(k*m/512): a line from 0 that reaches m at 512. Inverting exactly:
#   m = (shown - 0.5 ms) * 512 / min(k, 512),  within +-256/k ms (+-0.5 ms from 512 responses on),
# where the 0.5 ms centres the rounding up. k is the server's responses in this worker, which is what
# its counters hold (they restart with the worker too).
_SAMPLES = "sum by (proxy, server) (haproxy_server_http_responses_total{{{servers}}})"
_MEAN = (
    "clamp_min(haproxy_server_response_time_average_seconds{{{servers}}} - 0.0005, 0)"
    " * on(proxy, server) ({window} / clamp_max({samples} >= {minimum}, {window}))"
)


def latency_query(color: str, window_seconds: float) -> EvidenceQuery:
    """The worst server's mean response time, exact up to rounding; no data until every server has enough responses.

    The counts are the color's requests in the window: a mean with no traffic in the window is stale.
    """
    servers = _servers(color)
    samples = _SAMPLES.format(servers=servers)
    mean = _MEAN.format(servers=servers, samples=samples, minimum=MIN_RESPONSES, window=AVERAGE_SAMPLES)
    requests = requests_query(color, window_seconds)
    # `and` makes a color without traffic in the window no data; a server still below the minimum
    # drops out of `max`, so `unless` makes the whole color no data until all have enough.
    too_few = f"({samples} < {MIN_RESPONSES})"
    value = f"(max({mean}) and on() ({requests} > 0)) unless on() {too_few}"
    empty = (
        f"no traffic in the window, or a server of the color has answered fewer than {MIN_RESPONSES} requests "
        "since HAProxy's worker started (its average is still too coarse to judge)"
    )
    return EvidenceQuery(value=value, requests=requests, empty=empty)


TEMPLATES = {"errorRate": error_rate_query, "latencyP99": latency_query}
