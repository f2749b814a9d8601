"""The whole validated config of one stack, and the rules that span several keys."""

from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from .aws import AwsConfig, aws_problems
from .base import ConfigModel
from .docker import DockerConfig
from .kubernetes import KubernetesConfig, kubernetes_problems
from .notifications import NotificationTarget
from .preview_access import check_token, token_use_problems
from .problems import ConfigProblem, missing
from .promotion import PromotionSpec
from .release_record import ReleaseRecord
from .rollout import RolloutSpec, rollout_problems
from .service import COLORS, Color, ColorSpec, Service, Traffic

Platform = Literal["aws", "kubernetes", "docker"]


class BlueGreenSpec(ConfigModel):
    """Every `bluegreen:*` key; unknown keys (`bluegreen:trafic`) are rejected."""

    platform: Platform = "docker"
    """Where both colors and the router run; `docker` needs no cloud account."""
    service: Service = Field(default_factory=Service)
    """The service both colors run: name, port, replicas, drain time and the one health check."""
    blue: ColorSpec
    """What the blue color runs."""
    green: ColorSpec
    """What the green color runs."""
    traffic: Traffic = Field(default_factory=Traffic)
    """Production traffic split between the colors; changing only this is a flip or a canary step."""
    aws: AwsConfig | None = None
    """Settings of platform `aws`; required there."""
    kubernetes: KubernetesConfig = Field(default_factory=KubernetesConfig)
    """Settings of platform `kubernetes`."""
    docker: DockerConfig = Field(default_factory=DockerConfig)
    """Settings of platform `docker`."""
    rollout: RolloutSpec = Field(default_factory=RolloutSpec)
    """The release strategy the `bluegreen` CLI runs: steps, pauses, analysis and hooks."""
    promotion: PromotionSpec = Field(default_factory=PromotionSpec)
    """Where `bluegreen promote` may bring releases from, and whether traffic commands ask first."""
    release: ReleaseRecord | None = None
    """Written by the `bluegreen` CLI: the live (last verified) color and the release in progress."""
    notifications: list[NotificationTarget] = Field(default_factory=list)
    """Where the CLI sends word of each release: Slack, Teams or a signed webhook; URLs are secrets."""
    preview_token: Annotated[str | None, AfterValidator(check_token)] = Field(default=None, repr=False)
    """Kubernetes Gateway mode: the secret value of header `X-Bluegreen-Preview` that the preview HTTPRoute
    requires (at least 16 characters; set it with `pulumi config set --secret`). Without it and without
    `gateway.previewHostname` there is no preview route: the candidate is reachable only inside the cluster."""

    def color(self, color: Color) -> ColorSpec:
        return self.blue if color == "blue" else self.green

    def replicas(self, color: Color) -> int:
        """Replicas of one color: its own override, else `service.replicas`."""
        own = self.color(color).replicas
        return self.service.replicas if own is None else own

    @property
    def aws_config(self) -> AwsConfig:
        """`bluegreen:aws`, known to be present once cross_problems() found nothing."""
        if self.aws is None:
            raise ValueError("bluegreen:aws is not set")
        return self.aws


def cross_problems(spec: BlueGreenSpec) -> list[ConfigProblem]:
    """Rules that no single key can check on its own."""
    found = []
    for color in COLORS:
        weight = spec.traffic.of(color)
        if weight > 0 and spec.replicas(color) == 0:
            found.append(
                ConfigProblem(
                    f"bluegreen:traffic.{color}",
                    weight,
                    f"{color} has 0 replicas, so it cannot take traffic; "
                    f"set bluegreen:{color}.replicas above 0 or send its weight elsewhere",
                )
            )
    found += _PLATFORM_RULES[spec.platform](spec)
    found += rollout_problems(spec.platform, spec.rollout)
    found += token_use_problems(spec)
    names = [target.name for target in spec.notifications]
    for index, target in enumerate(spec.notifications):
        if names.count(target.name) > 1 and names.index(target.name) < index:
            found.append(ConfigProblem(f"bluegreen:notifications[{index}].name", target.name, "names must be unique"))
    return found


def _aws_problems(spec: BlueGreenSpec) -> list[ConfigProblem]:
    # The rules on the service run without bluegreen:aws too, so one pass reports both.
    found = aws_problems(spec)
    if spec.aws is None:
        found.insert(0, missing("bluegreen:aws", "platform aws needs at least vpcId and subnetIds"))
    return found


_PLATFORM_RULES: dict[str, Callable[[BlueGreenSpec], list[ConfigProblem]]] = {
    "aws": _aws_problems,
    "kubernetes": kubernetes_problems,
    "docker": lambda spec: [],
}
