"""Fuzz of the values a reviewer reads in `bluegreen:rollout`: hooks (command, env, url), the Prometheus
address, durations and numbers.

For any input the config reader either refuses it with problems that each name a key under
`bluegreen:rollout` and a rule (never a traceback, never a planted secret echoed), or accepts a
model that reads back the same when written out again as config.
"""

import math
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.spec import ConfigError, parse_spec
from components.spec.durations import show_duration

TOKEN = "s3cr3tTOKENzz"
"""Planted in every place a secret may sit (URL credentials and queries; anything when rollout is secret)."""

BASE = {"platform": "docker", "blue": {"image": "repo/web:1.4.2"}, "green": {"image": "repo/web:1.5.0"}}

_digits = st.sampled_from(["0", "1", "5", "30", "90", "1.5", "0.25", "٣", "５", "1" * 400, "1e3", "-1", "nan", "inf"])
_units = st.sampled_from(["ms", "s", "m", "h", "", "d", " s"])
_odd_durations = st.one_of(
    st.lists(st.tuples(_digits, _units), min_size=1, max_size=3).map(lambda parts: "".join(n + u for n, u in parts)),
    st.text(max_size=8),
    st.integers(-10, 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
)
_good_durations = st.one_of(
    st.sampled_from(["30s", "5m", "1m30s", "500ms", "0s", "1h", "10s", "1.5s", "59m59s"]),
    st.builds(lambda n, u: f"{n}{u}", st.integers(0, 3600), st.sampled_from(["ms", "s"])),
)


def mostly(good: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Three draws in four from `good`: enough whole configs validate for the read-back half to run."""
    return st.one_of(good, good, good, odd)


durations = mostly(_good_durations, _odd_durations)
_odd_numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**30), 10**30),
    st.sampled_from(["0.01", "nan", "inf", "-inf", "٣", "1_0", "1e400", "0x10", " 0.5 ", "500ms"]),
    st.booleans(),
)
ratios = mostly(st.floats(0, 1), _odd_numbers)
_hosts = st.one_of(
    st.sampled_from([
        "prometheus.monitoring", "127.0.0.1", "[::1]", "169.254.169.254", "2852039166", "[fe80::1]", "0.0.0.0",
        "[::]", "metadata.google.internal", "]]]", "{{testUrl}}", "exa mple.com", "例え.jp",
    ]),
    st.ip_addresses().map(lambda a: f"[{a}]" if a.version == 6 else str(a)),
    st.text(max_size=12),
)
_ports = st.sampled_from(["", ":0", ":9090", ":65535", ":99999", ":-1", ":[[[", ":٣"])
_schemes = st.sampled_from(["http://", "https://", "file://", "ftp://", "data:", "HTTP://", ""])
_tails = st.sampled_from(["", "/", "/api", "/q?token=" + TOKEN, "#frag", "/a b", "/\x1b[2J"])
_userinfo = st.sampled_from(["", f"ci:{TOKEN}@", f"{TOKEN}@"])
_odd_urls = st.builds(lambda s, u, h, p, t: s + u + h + p + t, _schemes, _userinfo, _hosts, _ports, _tails)
urls = mostly(
    st.sampled_from(["http://prometheus.monitoring:9090", "https://prom.example.com/api", "{{testUrl}}/smoke",
                     "http://127.0.0.1:9090/"]),
    _odd_urls,
)
env_names = mostly(
    st.lists(st.from_regex(r"[A-Z_][A-Z0-9_]{0,10}", fullmatch=True), max_size=3, unique=True),
    st.lists(st.text(max_size=6), max_size=4),
)
commands = mostly(
    st.lists(st.from_regex(r"[a-z./-]{1,10}", fullmatch=True), min_size=1, max_size=3),
    st.lists(st.one_of(st.text(max_size=10), st.just(f"--token={TOKEN}")), max_size=3),
)


@st.composite
def rollouts(draw: st.DrawFn) -> dict[str, Any]:
    hook: dict[str, Any] = {}
    kind = draw(st.sampled_from(["url", "command", "url", "command", "both", "neither"]))
    if kind in ("url", "both"):
        hook["url"] = draw(urls)
    if kind in ("command", "both"):
        hook["command"] = draw(commands)
        if draw(st.booleans()):
            hook["env"] = draw(env_names)
    if draw(st.booleans()):
        hook["timeout"] = draw(durations)
    template = draw(st.sampled_from(["errorRate", "latencyP99"]))
    metric: dict[str, Any] = {"name": "errors", "template": template}
    metric["max"] = draw(ratios if template == "errorRate" else durations)
    if template == "errorRate" and draw(st.booleans()):
        metric.update(relativeTo="live", confidence=draw(mostly(st.floats(0.5, 0.999), _odd_numbers)))
    if template == "latencyP99" and draw(st.booleans()):
        metric["min"] = draw(mostly(st.just("1ms"), _odd_numbers))
    rollout: dict[str, Any] = {
        "hooks": {"preTraffic": hook},
        "analysis": {"interval": draw(durations), "initialDelay": draw(durations), "metrics": [metric]},
        "steps": [{"setWeight": 10}, {"pause": draw(durations)}, {"setWeight": 100}],
    }
    if draw(st.booleans()):
        rollout["prometheus"] = {"address": draw(urls), "timeout": draw(durations)}
    return rollout


_SHOWN_URL = re.compile(
    r"\.(url|address) = '(?:(?i:https?|wss?|ftp):|[A-Za-z][A-Za-z0-9+.-]*://|[A-Za-z][A-Za-z0-9+.-]*:[^'@/]*:[^'@/]*@)"
)
"""A problem line showing what `redact` hides credentials in: an http(s), ws(s) or ftp URL with any slashes
(clients read `http:u:p@host` as `http://u:p@host`), any `scheme://`, or `scheme:user:password@`."""


def _written(seconds: float | None) -> str | None:
    return None if seconds is None else show_duration(seconds)


def as_config(rollout: Any) -> dict[str, Any]:
    """The accepted rollout written back as stack config: durations with their units, the rest as read."""
    raw = rollout.model_dump(by_alias=True, exclude_none=True, exclude_defaults=True)
    analysis, hook = rollout.analysis, rollout.hooks.pre_traffic
    if analysis is not None:
        raw["analysis"].update(interval=_written(analysis.interval), initialDelay=_written(analysis.initial_delay))
    if hook is not None:
        raw["hooks"]["preTraffic"]["timeout"] = _written(hook.timeout)
    if rollout.prometheus is not None:
        raw["prometheus"]["timeout"] = _written(rollout.prometheus.timeout)
        raw["prometheus"].pop("scrapeInterval", None)
    raw["steps"] = [
        {"setWeight": step.set_weight} if step.set_weight is not None else {"pause": _written(step.pause_seconds)}
        for step in rollout.steps
    ]
    return raw


def same(one: Any, other: Any) -> bool:
    """Equal, floats within a rounding of show_duration."""
    if isinstance(one, dict) and isinstance(other, dict):
        return one.keys() == other.keys() and all(same(one[k], other[k]) for k in one)
    if isinstance(one, list) and isinstance(other, list):
        return len(one) == len(other) and all(map(same, one, other))
    if isinstance(one, float) and isinstance(other, float):
        return math.isclose(one, other, rel_tol=1e-9, abs_tol=1e-12)
    return one == other


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rollout=rollouts(), secret=st.booleans())
def test_fuzz_rollout_values_are_refused_cleanly_or_read_back_the_same(rollout: dict[str, Any], secret: bool):
    raw = {**BASE, "rollout": rollout}
    try:
        spec = parse_spec(raw, secret_keys=("rollout",) if secret else ())
    except ConfigError as error:
        message = str(error)
        assert error.problems, message
        for problem in error.problems:
            assert problem.key.startswith("bluegreen:rollout"), message
            assert problem.rule.strip(), message
        # A planted token never comes back: URL credentials and queries are redacted, a secret key's
        # values are hidden whole.
        if secret:
            assert TOKEN not in message, message
        else:
            shown = [line.split(" is invalid: ")[0] for line in message.splitlines()]
            urls_shown = [value for value in shown if _SHOWN_URL.search(value)]
            assert all(TOKEN not in value for value in urls_shown), message
        return
    again = parse_spec({**BASE, "rollout": as_config(spec.rollout)}, secret_keys=("rollout",) if secret else ())
    assert same(again.rollout.model_dump(), spec.rollout.model_dump())
