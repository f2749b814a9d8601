"""The platform-neutral part of the config: the service, its health check, colors, traffic."""

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from .base import ConfigModel, Port, between
from .health_path import path_rule_broken
from .images import ImageRef

Color = Literal["blue", "green"]
COLORS: tuple[Color, Color] = ("blue", "green")


def _health_path(path: str) -> str:
    rule = path_rule_broken(path)
    if rule is not None:
        raise PydanticCustomError("path", "{rule}", {"rule": rule})
    return path


def _service_name(name: str) -> str:
    # The name becomes ALB, target group, Kubernetes and container names: keep it DNS-safe.
    if not re.fullmatch(r"[a-z]([a-z0-9-]{0,18}[a-z0-9])?", name):
        raise PydanticCustomError(
            "service_name",
            "must be 1-20 lowercase letters, digits or '-', starting with a letter "
            "(it prefixes ALB and target group names, which AWS caps at 32 characters)",
        )
    return name


class HealthCheck(ConfigModel):
    """One health spec; every platform renders it (see components/health.py)."""

    path: Annotated[str, AfterValidator(_health_path)] = "/health"
    """HTTP path (and optional query) that answers 2xx/3xx when the instance can take traffic; RFC 3986
    characters only."""
    interval_seconds: Annotated[int, between(5, 300)] = 10
    """Seconds between checks. 5..300, the range an ALB target group accepts."""
    timeout_seconds: Annotated[int, between(2, 120)] = 5
    """Seconds before one check counts as failed; must be below the interval."""
    healthy_threshold: Annotated[int, between(2, 10)] = 2
    """Consecutive passes before an instance takes traffic."""
    unhealthy_threshold: Annotated[int, between(2, 10)] = 3
    """Consecutive failures before an instance leaves rotation."""
    start_period_seconds: Annotated[int, between(0, 300)] = 30
    """Grace after start during which failures do not count (ECS allows at most 300)."""
    same_origin_redirects: Annotated[int, between(0, 5)] = 0
    """Redirects the release's HTTP health gate follows, each to the same origin (scheme, host, port) as the
    color's route; 0 judges any 3xx unhealthy. A redirect to another origin, or a loop, is unhealthy whatever
    this says. The platforms' own probes are not affected (they accept 200-399)."""

    @field_validator("timeout_seconds")
    @classmethod
    def _timeout_below_interval(cls, timeout: int, info: ValidationInfo) -> int:
        # A field validator (not a model one) so this is reported alongside other field errors.
        interval = info.data.get("interval_seconds")
        if interval is not None and timeout >= interval:
            raise PydanticCustomError(
                "below_interval",
                "must be less than intervalSeconds ({interval}), or a slow check overlaps the next one",
                {"interval": interval},
            )
        return timeout

    @property
    def detection_seconds(self) -> int:
        """Worst-case time for a dead instance to leave rotation: interval x unhealthy threshold."""
        return self.interval_seconds * self.unhealthy_threshold


class Service(ConfigModel):
    """`bluegreen:service`: what runs, on which port, and how it is checked."""

    name: Annotated[str, AfterValidator(_service_name)] = "web"
    """Base name of every resource (`web-blue-tg`, `web-listener`)."""
    port: Port = 8080
    """Port the container listens on."""
    replicas: Annotated[int, between(0, 100)] = 2
    """Instances per color unless the color overrides it."""
    drain_seconds: Annotated[int, between(0, 3600)] = 30
    """Time in-flight requests get after an instance leaves rotation."""
    health_check: HealthCheck = Field(default_factory=HealthCheck)
    """The one health spec."""



class ColorSpec(ConfigModel):
    """`bluegreen:blue` / `bluegreen:green`: what one color runs."""

    image: ImageRef
    """Container image, pinned by a tag other than `latest` or by a digest."""
    replicas: Annotated[int, between(0, 100)] | None = None
    """Overrides `service.replicas` for this color (0 scales it down)."""


class Traffic(ConfigModel):
    """`bluegreen:traffic`: the production split in percent."""

    blue: Annotated[int, between(0, 100)] = 100
    """Percent of production traffic to blue; blue + green = 100."""
    green: Annotated[int, between(0, 100)] = 0
    """Percent of production traffic to green; blue + green = 100."""

    @model_validator(mode="after")
    def _sums_to_100(self) -> "Traffic":
        if self.blue + self.green != 100:
            raise PydanticCustomError(
                "weights_sum",
                "weights must sum to 100 (blue {blue} + green {green} = {total})",
                {"blue": self.blue, "green": self.green, "total": self.blue + self.green},
            )
        return self

    def of(self, color: Color) -> int:
        return self.blue if color == "blue" else self.green
