"""`bluegreen:rollout`: the release strategy (steps, pauses, analysis, hooks) as reviewed stack config.

The operator CLI runs it; the program only validates it (and renders what the
policy pack must see). Steps are either explicit or a CodeDeploy-style preset;
`steps()` always returns the explicit list, so every reader sees one shape.
"""

import itertools
import math
import re
import shlex
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, WrapValidator, model_validator
from pydantic_core import PydanticCustomError

from ..safe_text import redact
from .base import ConfigModel, NonEmptyStr, between, field_error
from .durations import Duration, parse_duration, to_seconds
from .hook_urls import check_hook_url
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

    duration: Duration | None = None
    """Seconds to hold the weight; absent means wait for `bluegreen resume` (a manual gate)."""


def _pause(value: object) -> object:
    # One error for one bad value: a plain union would report it once per member type.
    if value is None or isinstance(value, ManualPause):
        return value
    if isinstance(value, dict):
        if not value.keys() <= {"duration"}:
            raise PydanticCustomError("pause", "must be a duration (5m), or {} to wait for `bluegreen resume`")
        return ManualPause(duration=to_seconds(value["duration"]) if "duration" in value else None)
    return to_seconds(value)


class RolloutStep(ConfigModel):
    """One step: exactly one of `setWeight` or `pause`."""

    set_weight: Annotated[int, between(1, 100)] | None = None
    """Percent of production traffic to send to the candidate color."""
    pause: Annotated[float | ManualPause | None, BeforeValidator(_pause)] = None
    """Hold the current weight for a duration (analysis runs throughout), or `{}` for a manual gate."""

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
    if not re.fullmatch(r"https?://[A-Za-z0-9.\-\[\]:]+(:\d{1,5})?(/[A-Za-z0-9._~/\-]*)?", address):
        raise PydanticCustomError("url", "must be an http(s) URL such as http://prometheus.monitoring:9090")
    host = re.sub(r"^https?://", "", address).split("/")[0].rsplit(":", 1)[0]
    if host in ("0.0.0.0", "[::]", "::"):
        # A listen address, not one to connect to: every measurement would be "unreachable".
        raise PydanticCustomError("url", "names a listen-all address; give the host Prometheus answers on")
    return address.rstrip("/")


def _unless_secret(value: object, validate: Any, info: ValidationInfo) -> object:
    # A secret the check cannot read is taken as valid; the program validates it once decrypted.
    return value if opaque_secret(value, info) else validate(value)


class PrometheusSpec(ConfigModel):
    """`bluegreen:rollout.prometheus`: where Prometheus queries go."""

    address: Annotated[str, AfterValidator(_url), WrapValidator(_unless_secret)]
    """Base URL of the Prometheus HTTP API, e.g. http://prometheus.monitoring:9090."""
    timeout: Duration = 5.0
    """Hard deadline of one query; a slower answer is an inconclusive measurement."""


def _not_boolean(value: object) -> object:
    if isinstance(value, bool):
        raise PydanticCustomError("number", "must be a number, not a boolean")
    return value


class MetricSpec(ConfigModel):
    """One analysis metric: a built-in `template`, or a `provider` with its own `query`."""

    name: Annotated[NonEmptyStr, AfterValidator(lambda v: v.strip())]
    """Shown in every measurement line and in the rollback message."""
    template: Template | None = None
    """Built-in per-color metric: errorRate (5xx / requests) or latencyP99 (seconds)."""
    provider: Provider | None = None
    """Where a custom `query` runs (prometheus)."""
    query: str | None = None
    """PromQL with {{color}} (and optionally {{service}}, {{namespace}}, {{stack}}) substituted."""
    max: Annotated[float | str, BeforeValidator(_not_boolean)]
    """Highest passing value: a ratio 0..1 for errorRate, a duration (500ms) for latencyP99, a number otherwise."""
    relative_to: Literal["live"] | None = None
    """With `live`, the candidate may exceed the live color's value by at most `max`."""

    @model_validator(mode="after")
    def _source(self) -> "MetricSpec":
        if self.template is None and self.provider is None:
            raise field_error("provider", None, "give a built-in template (errorRate, latencyP99) or a provider")
        if self.template is not None and (self.provider is not None or self.query is not None):
            raise field_error("template", self.template, "a template takes no provider or query; use one or the other")
        if self.provider is not None and not (self.query or "").strip():
            raise field_error("query", self.query, f"provider {self.provider} needs a query")
        if self.query is not None and "{{color}}" not in self.query:
            raise field_error("query", self.query, "must contain {{color}}, so each color is measured on its own")
        self.threshold  # noqa: B018 - raises a field error for a bad `max`
        return self

    @property
    def threshold(self) -> float:
        """`max` as a number: seconds for latencyP99, the ratio or number otherwise."""
        value = self.max
        if self.template == "latencyP99":
            seconds = parse_duration(str(value))
            if seconds is None or seconds < 0:
                raise field_error("max", value, "must be a duration such as 500ms or 1.5s")
            return seconds
        if isinstance(value, str):
            # `pulumi config set --path ...max 0.01` stores a string.
            try:
                value = float(value)
            except ValueError:
                raise field_error("max", value, "must be a number") from None
        if not math.isfinite(value):
            raise field_error("max", value, "must be a finite number")
        if value < 0:
            raise field_error("max", value, "must not be negative")
        if self.template == "errorRate" and value > 1:
            shown = int(value) if float(value).is_integer() else value  # as written: 5, not 5.0
            raise field_error("max", shown, "is a ratio of requests: must be from 0 to 1 (0.01 is 1%)")
        return float(value)


class AnalysisSpec(ConfigModel):
    """`bluegreen:rollout.analysis`: what is measured during every pause, and how much is tolerated."""

    interval: Duration = 30.0
    """Time between measurements of every metric."""
    failure_limit: Annotated[int, between(0, 100)] = 0
    """Failed measurements tolerated; one more rolls the release back."""
    inconclusive_limit: Annotated[int, between(0, 100)] = 2
    """Measurements without data tolerated; one more pauses the release (never promotes it)."""
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
        return self


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
    timeout: Duration = 30.0
    """Hard deadline of the hook."""

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
            return f"GET {redact(self.url)} (expects HTTP {self.expect}{allowed})"
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


def rollout_problems(platform: str, rollout: RolloutSpec) -> list[ConfigProblem]:
    """Rules that depend on the platform: where each metric can be measured."""
    found = []
    metrics = rollout.analysis.metrics if rollout.analysis else []
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
    return found
