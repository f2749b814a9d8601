"""The docker templates: PromQL over HAProxy's built-in exporter (promex), per color.

HAProxy 2.6's exporter labels every server series with `proxy` (the backend) and
`server`; the router's production backend holds both colors' servers, named
`<color>-<index>`, so a color is `server=~"green-[0-9]+"` in `proxy="production"`.
It has no latency histogram: `haproxy_server_response_time_average_seconds` is each
server's average over its last 1024 responses, and the template takes the color's
worst server. That is what `latencyP99` measures on docker (see docs/analysis.md).
Until each server has answered MIN_RESPONSES since the last reload it is no data.
"""

from components.docker.haproxy_config import PRODUCTION_BACKEND


def _servers(color: str) -> str:
    return f'proxy="{PRODUCTION_BACKEND}",server=~"{color}-[0-9]+"'


def _requests(color: str, window: str) -> str:
    return f"sum(rate(haproxy_server_http_responses_total{{{_servers(color)}}}[{window}]))"


def error_rate_query(color: str, window_seconds: float) -> str:
    """5xx answers over all answers of the color's servers in the window (0/0, no traffic, is NaN: no data)."""
    window = f"{max(1, round(window_seconds))}s"
    errors = f'sum(rate(haproxy_server_http_responses_total{{{_servers(color)},code="5xx"}}[{window}]))'
    return f"{errors} / {_requests(color, window)}"


MIN_RESPONSES = 100
"""Responses a server must have answered since the router's last reload before its average is judged."""

# HAProxy 2.6 keeps each average as a sliding sum over 1024 samples that starts at zero with
# every worker (so after every reload), and reports it rounded up to whole milliseconds: after
# k responses of v ms it shows ceil(v * (1 - (1 - 1/1024)^k)). Undoing both (half a millisecond
# for the rounding) gives v, within 512/k ms; below MIN_RESPONSES that is too coarse to judge.
_SAMPLES = "sum by (proxy, server) (haproxy_server_http_responses_total{{{servers}}})"
_UNBIASED = (
    "clamp_min(haproxy_server_response_time_average_seconds{{{servers}}} - 0.0005, 0)"
    " / on(proxy, server) (1 - 0.9990234375 ^ ({samples} >= {minimum}))"
)


def latency_query(color: str, window_seconds: float) -> str:
    """The worst server's average response time, unbiased; no data until every server has enough responses."""
    window = f"{max(1, round(window_seconds))}s"
    servers = _servers(color)
    samples = _SAMPLES.format(servers=servers)
    average = f"max({_UNBIASED.format(servers=servers, samples=samples, minimum=MIN_RESPONSES)})"
    # Without traffic the average is stale; `and` makes it no data. A server still below the
    # minimum drops out of `max`, so `unless` makes the whole color no data until all have enough.
    too_few = f"({samples} < {MIN_RESPONSES})"
    return f"({average} and on() ({_requests(color, window)} > 0)) unless on() {too_few}"


TEMPLATES = {"errorRate": error_rate_query, "latencyP99": latency_query}
