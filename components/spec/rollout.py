"""`bluegreen:rollout`: the release strategy (steps, pauses, analysis, hooks) as reviewed stack config.

The operator CLI runs it; the program only validates it (and renders what the
policy pack must see). Steps are either explicit or a CodeDeploy-style preset;
`steps()` always returns the explicit list, so every reader sees one shape.
"""

import itertools
import math
import re
import shlex
import urllib.parse
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, WrapValidator, model_validator
from pydantic_core import PydanticCustomError

from ..safe_text import REDACTED, redact
from .base import ConfigModel, NonEmptyStr, between, field_error
from .docker import LOCAL_SCRAPE_INTERVAL_SECONDS
from .durations import (
    DAY,
    HOUR,
    Duration,
    ParsedDuration,
    at_most,
    no_longer_than,
    parse_duration,
    show_duration,
    to_seconds,
)
from .hook_urls import address_of, check_hook_url, forbidden_reason
from .problems import ConfigProblem, missing
from .secret_config import opaque_secret

Preset = Literal[
    "Canary10Percent5Minutes",
    "Canary10Percent15Minutes",
    "Linear10PercentEvery1Minute",
    "Linear10PercentEvery3Minutes",
    "AllAtOnce",
]
Template = Literal["errorRate", "latencyP99"]
Provider = Literal["prometheus"]


class ManualPause(ConfigModel):
    """`pause: {}` waits for `bluegreen resume`; `pause: {duration: 5m}` is the same as `pause: 5m`."""

    duration: Annotated[Duration, at_most(DAY)] | None = None
    """Seconds to hold the weight, at most 24h; absent means wait for `bluegreen resume` (a manual gate)."""


_pause_bound = no_longer_than(DAY)


def _pause(value: object) -> object:
    # One error for one bad value: a plain union would report it once per member type.
    if value is None or isinstance(value, ManualPause):
        return value
    if isinstance(value, dict):
        if not value.keys() <= {"duration"}:
            raise PydanticCustomError("pause", "must be a duration (5m), or {} to wait for `bluegreen resume`")
        if "duration" not in value:
            return ManualPause()
        # Argo's form, `pause: {duration: 4s}`. Built without validating again: the seconds are already
        # parsed, and validating 4.0 as text would quote a value the user never wrote.
        return ManualPause.model_construct(duration=_pause_seconds(value["duration"]))
    return _pause_seconds(value)


def _pause_seconds(value: object) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A bare number has no unit: Argo reads `pause: 30` as seconds, a reader may not. Say so, not guess.
        raise PydanticCustomError(
            "pause_unit", "has no unit: write {number}s for seconds or {number}m for minutes", {"number": f"{value:g}"}
        )
    return _pause_bound(to_seconds(value))


class RolloutStep(ConfigModel):
    """One step: exactly one of `setWeight` or `pause`."""

    set_weight: Annotated[int, between(1, 100)] | None = None
    """Percent of production traffic to send to the candidate color."""
    pause: Annotated[ParsedDuration | ManualPause | None, BeforeValidator(_pause)] = None
    """Hold the current weight for a duration up to 24h (`5m`, or `{duration: 5m}` as Argo writes it; analysis
    runs throughout), or `{}` for a manual gate. A bare number (`30`) is refused: it has no unit."""

    @model_validator(mode="after")
    def _exactly_one(self) -> "RolloutStep":
        if (self.set_weight is None) == (self.pause is None):
            raise PydanticCustomError("one_of", "a step must have exactly one of setWeight or pause")
        return self

    @property
    def pause_seconds(self) -> float | None:
        """Seconds of a timed pause; None for a weight step or a manual gate."""
        if isinstance(self.pause, ManualPause):
            return self.pause.duration
        return self.pause

    @property
    def is_manual_gate(self) -> bool:
        return isinstance(self.pause, ManualPause) and self.pause.duration is None


def _url(address: str) -> str:
    """The Prometheus base URL, parsed (urllib.parse) and its host judged as an address (ipaddress), not a pattern."""
    example = "must be an http(s) URL such as http://prometheus.monitoring:9090"
    if not address.isascii() or re.search(r"[\s\x00-\x1f\x7f]", address):
        raise PydanticCustomError("url", example + " (ASCII, no spaces or control characters)")
    try:
        parts = urllib.parse.urlsplit(address)
        port = parts.port
    except ValueError as error:
        raise PydanticCustomError("url", example + " ({why})", {"why": str(error)}) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PydanticCustomError("url", example)
    if port == 0:
        raise PydanticCustomError("url", "has port 0: give the port Prometheus listens on (1-65535)")
    if parts.username is not None or parts.query or parts.fragment or "#" in address or "?" in address:
        raise PydanticCustomError("url", example + ", without credentials, query or fragment")
    if not re.fullmatch(r"[A-Za-z0-9._~/\-]*", parts.path):
        raise PydanticCustomError("url", example + " (path of letters, digits and . _ ~ / -)")
    host = parts.netloc.rsplit(":", 1)[0] if port else parts.netloc
    if not re.fullmatch(r"[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\]", host):
        raise PydanticCustomError("url", example + " (a host name or an IP address)")
    address_ = address_of(parts.hostname)
    if address_ is not None and address_.is_unspecified:
        # A listen address, not one to connect to: every measurement would be "unreachable".
        raise PydanticCustomError("url", "names a listen-all address; give the host Prometheus answers on")
    reason = forbidden_reason(parts.hostname)
    if reason is not None:
        raise PydanticCustomError("url", "names a host analysis may not query: {reason}", {"reason": reason})
    return address.rstrip("/")


def _unless_secret(value: object, validate: Any, info: ValidationInfo) -> object:
    # A secret the check cannot read is taken as valid; the program validates it once decrypted.
    return value if opaque_secret(value, info) else validate(value)


class PrometheusSpec(ConfigModel):
    """`bluegreen:rollout.prometheus`: where Prometheus queries go."""

    address: Annotated[str, AfterValidator(_url), WrapValidator(_unless_secret)]
    """Base URL of the Prometheus HTTP API, e.g. http://prometheus.monitoring:9090."""
    timeout: Annotated[Duration, at_most(5 * 60)] = 5.0
    """Hard deadline of one query (at most 5m); a slower answer is an inconclusive measurement."""
    scrape_interval: Annotated[Duration, at_most(HOUR)] | None = None
    """How often this Prometheus scrapes the metrics queried; when given, analysis.interval must be at
    least twice it (a shorter window can hold no sample and reads as no data)."""


def _not_boolean(value: object) -> object:
    if isinstance(value, bool):
        raise PydanticCustomError("number", "must be a number, not a boolean")
    return value


DEFAULT_MIN_REQUESTS = 100
"""Requests a measurement must rest on (the candidate's, and live's for relativeTo: live) unless
`minRequests` says otherwise: below 100, one failed request is already over an errorRate max of 0.01."""

Bound = Annotated[float | str | None, BeforeValidator(_not_boolean)]


class MetricSpec(ConfigModel):
    """One analysis metric: a built-in `template`, or a `provider` with its own `query`."""

    name: Annotated[NonEmptyStr, AfterValidator(lambda v: v.strip())]
    """Shown in every measurement line and in the rollback message."""
    template: Template | None = None
    """Built-in per-color metric: errorRate (failed requests / requests) or latencyP99 (seconds)."""
    provider: Provider | None = None
    """Where a custom `query` runs (prometheus)."""
    query: str | None = None
    """PromQL with {{color}} (and optionally {{service}}, {{namespace}}, {{stack}}) substituted."""
    requests_query: str | None = None
    """PromQL giving how many requests a custom `query`'s value rests on in the window (same placeholders),
    e.g. sum(increase(http_requests_total{color="{{color}}"}[1m])); required unless minRequests is 0."""
    max: Bound = None
    """Highest passing value: a ratio 0..1 for errorRate, a duration (500ms) for latencyP99, a number otherwise.
    With relativeTo: live, how far above the live color's value the candidate may be."""
    min: Bound = None
    """Lowest passing value (not for errorRate). With relativeTo: live, how far below live's value it may be."""
    relative_to: Literal["live"] | None = None
    """With `live`, the candidate is compared with the live color measured at the same moment."""
    min_requests: Annotated[int, between(0, 100_000_000)] | None = None
    """Fewest requests a measurement rests on, on the candidate (and live with relativeTo); fewer is
    inconclusive. Default 100; 0 judges without knowing the sample (a custom query without requestsQuery)."""
    confidence: Annotated[float, AfterValidator(lambda v: _confidence(v))] = 0.95
    """errorRate with relativeTo: live only: how sure the test against live must be that the candidate
    is worse by more than `max` before it fails (0.5 to 0.999)."""
    dry_run: bool = False
    """Measure and print this metric, never act on it (no rollback, no pause, no promotion decided by it)."""

    @model_validator(mode="after")
    def _source(self) -> "MetricSpec":
        if self.template is None and self.provider is None:
            raise field_error("provider", None, "give a built-in template (errorRate, latencyP99) or a provider")
        if self.template is not None and (self.provider is not None or self.query is not None):
            raise field_error("template", self.template, "a template takes no provider or query; use one or the other")
        if self.template is not None and self.requests_query is not None:
            raise field_error("requestsQuery", self.requests_query, "a template counts its own requests; remove it")
        if self.provider is not None and not (self.query or "").strip():
            raise field_error("query", self.query, f"provider {self.provider} needs a query")
        for key, text in (("query", self.query), ("requestsQuery", self.requests_query)):
            if text is not None and "{{color}}" not in text:
                raise field_error(key, text, "must contain {{color}}, so each color is measured on its own")
        if self.provider is not None and self.requests_query is None and self.min_requests is None:
            raise field_error(
                "requestsQuery", None,
                "a custom query needs the number of requests its value rests on: give requestsQuery, or set "
                "minRequests: 0 to judge this metric without knowing its sample (never a default)",
            )
        if self.max is None and self.min is None:
            raise field_error("max", None, "give max, min or both")
        if self.min is not None and self.template == "errorRate":
            raise field_error("min", self.min, "an error rate has no useful lower bound; use max")
        upper, lower = self.upper, self.lower  # each raises a field error for a bad value
        if upper is not None and lower is not None and self.relative_to is None and lower > upper:
            raise field_error("min", _as_written(self.min), f"must not be above max ({_as_written(self.max)})")
        if "confidence" in self.model_fields_set and not self.tests_proportions:
            raise field_error(
                "confidence", self.confidence, "applies only to template errorRate with relativeTo: live"
            )
        return self

    @property
    def upper(self) -> float | None:
        """`max` as a number: seconds for latencyP99, the ratio or number otherwise."""
        return None if self.max is None else self._number("max", self.max)

    @property
    def lower(self) -> float | None:
        """`min` as a number, like `upper`."""
        return None if self.min is None else self._number("min", self.min)

    @property
    def sample_minimum(self) -> int:
        """minRequests, or its default."""
        return DEFAULT_MIN_REQUESTS if self.min_requests is None else self.min_requests

    @property
    def tests_proportions(self) -> bool:
        """Compared with live by a test of two proportions (an error rate against live's), not by its value."""
        return self.template == "errorRate" and self.relative_to == "live"

    def _number(self, key: str, value: float | str) -> float:
        if self.template == "latencyP99":
            seconds = parse_duration(str(value))
            if seconds is None or seconds < 0:
                raise field_error(key, value, "must be a duration such as 500ms or 1.5s")
            return seconds
        if isinstance(value, str):
            # `pulumi config set --path ...max 0.01` stores a string.
            try:
                # ASCII only: float() also reads `٣` as 3.
                value = float(value if value.isascii() else "x")
            except ValueError:
                raise field_error(key, value, "must be a number") from None
        if not math.isfinite(value):
            raise field_error(key, value, "must be a finite number")
        if value < 0 and (self.template is not None or self.relative_to is not None):
            raise field_error(key, value, "must not be negative")
        if self.template == "errorRate" and value > 1:
            raise field_error(key, _as_written(value), "is a ratio of requests: must be from 0 to 1 (0.01 is 1%)")
        if self.tests_proportions and value >= 1:
            raise field_error(key, value, "is the margin over live's error rate: must be below 1")
        return float(value)


def _as_written(value: float | str | None) -> float | str | None:
    """5, not 5.0: a number as the user wrote it in YAML."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _confidence(value: float) -> float:
    if not 0.5 <= value <= 0.999:
        raise PydanticCustomError("range", "must be from 0.5 to 0.999 (0.95 is 95%)")
    return value


class AnalysisSpec(ConfigModel):
    """`bluegreen:rollout.analysis`: what is measured during every pause, and how much is tolerated."""

    interval: Annotated[Duration, at_most(HOUR)] = 30.0
    """Time between measurements of every metric (at most 1h); each measurement covers the last interval."""
    initial_delay: Annotated[Duration, at_most(HOUR)] = 0.0
    """Time after each weight change before the first measurement's window opens (warm-up, at most 1h)."""
    failure_limit: Annotated[int, between(0, 100)] = 0
    """Failed measurements of a metric tolerated during the release; one more rolls it back."""
    inconclusive_limit: Annotated[int, between(0, 100)] = 0
    """Measurements of a metric without a verdict (no data, too few requests) tolerated in one pause; one
    more pauses the release. A pause also needs a conclusive measurement of every metric to pass."""
    consecutive_error_limit: Annotated[int, between(0, 100)] = 4
    """Provider errors in a row tolerated for a metric (unreachable, timed out, query error); one more
    pauses the release. Counted apart from inconclusiveLimit."""
    metrics: list[MetricSpec] = Field(min_length=1)
    """The metrics; each is measured on the candidate (and on the live color for `relativeTo`)."""

    @model_validator(mode="after")
    def _rules(self) -> "AnalysisSpec":
        if self.interval < 1:
            raise field_error("interval", self.interval, "must be at least 1s")
        names = [m.name for m in self.metrics]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise field_error("metrics", repeated, "metric names must be unique")
        if all(m.dry_run for m in self.metrics):
            raise field_error("metrics", names, "every metric is dryRun: at least one must judge the release")
        return self

    @property
    def judged(self) -> list[MetricSpec]:
        """The metrics acted on (not dryRun)."""
        return [m for m in self.metrics if not m.dry_run]


ENV_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
HOOK_BASE_ENV = ("PATH", "HOME", "TEST_URL", "URL")
"""What every command hook gets; anything else only when the hook names it in `env`."""


def _env_names(names: list[str]) -> list[str]:
    bad = [name for name in names if not re.fullmatch(ENV_NAME, name)]
    if bad:
        raise PydanticCustomError(
            "env", "must hold environment variable names (letters, digits, _), not {bad}", {"bad": repr(bad[0])}
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise PydanticCustomError("env", "names {repeated} more than once", {"repeated": ", ".join(repeated)})
    return names


class HookSpec(ConfigModel):
    """A check run on the test route before any production weight: an HTTP GET or a command.

    A hook is code the release machine runs, so it is reviewed like code: `bluegreen check` lists
    it, it gets a minimal environment, and it cannot reach cloud metadata addresses unless allowed.
    """

    url: str | None = None
    """http(s) URL to GET; {{testUrl}} and {{url}} are substituted from stack outputs."""
    command: list[NonEmptyStr] | None = None
    """Argument vector run without a shell; exit 0 passes. Its environment: PATH, HOME, TEST_URL, URL and `env`."""
    env: Annotated[list[str], AfterValidator(_env_names)] = Field(default_factory=list)
    """Variables of the release machine's environment a command hook also gets; nothing else is passed."""
    allow_link_local: bool = False
    """Let a url hook call a link-local or cloud metadata address (169.254.0.0/16, fe80::/10, metadata.goog)."""
    expect: Annotated[int, between(100, 599)] = 200
    """HTTP status that passes (url hooks)."""
    timeout: Annotated[Duration, at_most(HOUR)] = 30.0
    """Hard deadline of the hook (at most 1h)."""

    @model_validator(mode="after")
    def _one_kind(self, info: ValidationInfo) -> "HookSpec":
        if (self.url is None) == (self.command is None):
            raise field_error("url", self.url, "give exactly one of url or command")
        if self.command is not None and not self.command:
            raise field_error("command", self.command, "must name a program to run")
        if self.url is not None and not opaque_secret(self.url, info):
            try:
                check_hook_url(self.url, self.allow_link_local)
            except PydanticCustomError as error:
                raise field_error("url", self.url, error.message()) from None
        if self.env and self.command is None:
            raise field_error("env", self.env, "only a command hook has an environment; a url hook takes no env")
        return self

    def describe(self) -> str:
        """The hook for a reviewer or an operator: what runs or is called, and what it gets (URLs redacted)."""
        if self.url is not None:
            allowed = ", link-local allowed" if self.allow_link_local else ""
            # `{{testUrl}}/smoke?token=...` has no scheme for `redact` to see: its query is hidden here.
            base, query_mark, _ = self.url.partition("?")
            shown = redact(base) + (f"?{REDACTED}" if query_mark else "")
            return f"GET {shown} (expects HTTP {self.expect}{allowed})"
        env = ", ".join([*HOOK_BASE_ENV, *self.env])
        return f"run {redact(shlex.join(self.command or []))} (environment: {env})"


class HooksSpec(ConfigModel):
    """`bluegreen:rollout.hooks`."""

    pre_traffic: HookSpec | None = None
    """Runs against the test route after the candidate is healthy and before its first production weight."""


DEFAULT_STEPS: tuple[tuple[str, float | int], ...] = (
    ("setWeight", 10),
    ("pause", 60.0),
    ("setWeight", 50),
    ("pause", 60.0),
    ("setWeight", 100),
)
"""Without `bluegreen:rollout`: the CLI's long-standing 10,50,100 with a 60 s bake each."""


class RolloutSpec(ConfigModel):
    """`bluegreen:rollout`: the strategy of every release of this stack."""

    preset: Preset | None = None
    """A CodeDeploy-style strategy; expands to explicit steps (see `bluegreen status`)."""
    steps: list[RolloutStep] | None = None
    """Explicit steps: setWeight (increasing, ending at 100) and pause."""
    analysis: AnalysisSpec | None = None
    """Metrics judged during every pause; without it, only health gates the release."""
    prometheus: PrometheusSpec | None = None
    """Prometheus for custom queries (and the templates on platforms measured through it)."""
    hooks: HooksSpec = Field(default_factory=HooksSpec)
    """Checks run at fixed points of a release."""

    @model_validator(mode="after")
    def _steps_rules(self) -> "RolloutSpec":
        if self.preset is not None and self.steps is not None:
            raise field_error("steps", "...", "give either preset or steps, not both")
        if self.steps is not None:
            weights = [s.set_weight for s in self.steps if s.set_weight is not None]
            if not weights:
                raise field_error("steps", "...", "need at least one setWeight step, the last one 100")
            if any(b <= a for a, b in itertools.pairwise(weights)):
                raise field_error("steps", weights, "setWeight values must strictly increase")
            if weights[-1] != 100:
                raise field_error("steps", weights, "the last setWeight must be 100, or the release never completes")
        promoted = list(itertools.dropwhile(lambda s: s.set_weight != 100, self.expanded_steps()))[1:]
        judged = self.analysis.judged if self.analysis else []
        if any(s.pause_seconds for s in promoted) and judged and all(m.relative_to for m in judged):
            raise field_error(
                "steps", "...",
                "a pause after setWeight 100 has no live traffic to compare with, and every metric is relativeTo: "
                "live; add a metric with an absolute max (e.g. errorRate max 0.01) to judge it",
            )
        return self

    def expanded_steps(self) -> list[RolloutStep]:
        """The explicit steps: `steps`, the preset's expansion, or the default."""
        if self.steps is not None:
            return list(self.steps)
        if self.preset is not None:
            return _steps(PRESETS[self.preset])
        return _steps(DEFAULT_STEPS)


def _linear(percent: int, seconds: float) -> tuple[tuple[str, float | int], ...]:
    steps: list[tuple[str, float | int]] = []
    for weight in range(percent, 100, percent):
        steps += [("setWeight", weight), ("pause", seconds)]
    return (*steps, ("setWeight", 100))


PRESETS: dict[str, tuple[tuple[str, float | int], ...]] = {
    "Canary10Percent5Minutes": (("setWeight", 10), ("pause", 300.0), ("setWeight", 100)),
    "Canary10Percent15Minutes": (("setWeight", 10), ("pause", 900.0), ("setWeight", 100)),
    "Linear10PercentEvery1Minute": _linear(10, 60.0),
    "Linear10PercentEvery3Minutes": _linear(10, 180.0),
    "AllAtOnce": (("setWeight", 100),),
}
"""CodeDeploy's ECS predefined configurations, under the same names without the `ECS` prefix."""


def _steps(pairs: tuple[tuple[str, float | int], ...]) -> list[RolloutStep]:
    # Config refuses unit-less pauses, so the tables' seconds go in as they would be written: "60s".
    return [RolloutStep.model_validate({key: f"{value:g}s" if key == "pause" else value}) for key, value in pairs]


MIN_AWS_INTERVAL_SECONDS = 60.0
"""ALB metrics have one-minute resolution: a shorter window holds no whole datapoint."""


def rollout_problems(platform: str, rollout: RolloutSpec) -> list[ConfigProblem]:
    """Rules that depend on the platform: where each metric can be measured, and how often."""
    found = []
    analysis = rollout.analysis
    metrics = analysis.metrics if analysis else []
    for index, metric in enumerate(metrics):
        key = f"bluegreen:rollout.analysis.metrics[{index}]"
        if metric.template is not None and platform == "kubernetes":
            found.append(ConfigProblem(
                f"{key}.template", metric.template,
                "no built-in template on kubernetes (the metric names depend on your Gateway or app); "
                "use provider: prometheus with a query from the docs' Kubernetes query templates",
            ))
        if metric.provider == "prometheus" and platform != "docker" and rollout.prometheus is None:
            found.append(missing(
                "bluegreen:rollout.prometheus",
                f"metric {metric.name!r} queries Prometheus: set bluegreen:rollout.prometheus.address",
            ))
    if analysis is None:
        return found
    interval, key = analysis.interval, "bluegreen:rollout.analysis.interval"
    shown = show_duration(interval)
    if platform == "aws" and any(m.template for m in metrics) and interval < MIN_AWS_INTERVAL_SECONDS:
        found.append(ConfigProblem(
            key, shown, "must be at least 1m on aws: CloudWatch's ALB metrics have one-minute resolution, so a "
            "shorter window holds no whole datapoint",
        ))
    scrape = rollout.prometheus.scrape_interval if rollout.prometheus else None
    where = "bluegreen:rollout.prometheus.scrapeInterval"
    if scrape is None and platform == "docker" and rollout.prometheus is None:
        scrape, where = LOCAL_SCRAPE_INTERVAL_SECONDS, "the local stack's Prometheus scrape interval"
    if scrape is not None and interval < 2 * scrape:
        found.append(ConfigProblem(
            key, shown, f"must be at least twice {where} ({show_duration(scrape)}), so each window holds two "
            f"scrapes (a rate needs two samples): use {show_duration(2 * scrape)} or more",
        ))
    return found
