"""`bluegreen:kubernetes`: namespace, rollout knobs and the optional Gateway API router.

Names are checked against the rules the API server applies (DNS labels, Gateway API
hostnames), so a typo fails at `pulumi preview` instead of halfway through `pulumi up`.
"""

import re
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from .base import ConfigModel, between
from .kubernetes_pods import PodResources, PodSecurityLevel
from .problems import ConfigProblem, missing

if TYPE_CHECKING:
    from .root import BlueGreenSpec

_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
_HOSTNAME = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*")
_PERCENT = re.compile(r"([0-9]{1,3})%")  # ASCII digits: `\d` also takes `٥`

# Namespaces every cluster already has: asking to create one fails with "already exists".
BUILT_IN_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


def _dns_label(value: str) -> str:
    if not _DNS_LABEL.fullmatch(value):
        raise PydanticCustomError(
            "dns_label", "must be a DNS label: 1-63 lowercase letters, digits or '-', starting and ending "
            "with a letter or digit"
        )
    return value


def _dns_subdomain(value: str) -> str:
    if len(value) > 253 or not _HOSTNAME.fullmatch(value):
        raise PydanticCustomError(
            "dns_subdomain", "must be a DNS subdomain: lowercase letters, digits, '-' and '.', starting and "
            "ending with a letter or digit"
        )
    return value


def _hostname(value: str) -> str:
    # Gateway API Hostname, minus wildcards: the url output is built from it, so it must be one host.
    if len(value) > 253 or not _HOSTNAME.fullmatch(value) or value.replace(".", "").isdigit():
        raise PydanticCustomError(
            "hostname",
            "must be a lowercase DNS host name such as web.example.com (no scheme, port or wildcard)",
        )
    return value


def _int_or_percent(value: Any) -> Any:
    # The same IntOrString the Deployment API takes: a pod count, or a percent of replicas as "25%".
    # `pulumi config set --path` may store a count as the string "1": read it as the count it means.
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and (match := _PERCENT.fullmatch(value)) and int(match.group(1)) <= 100:
        # One spelling per value ("00%" and "050%" are "0%" and "50%"), so is_zero() sees every zero.
        return f"{int(match.group(1))}%"
    raise PydanticCustomError(
        "int_or_percent", "must be a whole number of pods (0 or more) or a percentage from '0%' to '100%'"
    )


DnsLabel = Annotated[str, AfterValidator(_dns_label)]
DnsSubdomain = Annotated[str, AfterValidator(_dns_subdomain)]
Hostname = Annotated[str, AfterValidator(_hostname)]
IntOrPercent = Annotated[int | str, BeforeValidator(_int_or_percent)]


def is_zero(value: int | str) -> bool:
    """`0` and `"0%"` both mean no pods."""
    return value in (0, "0%")


class GatewayRef(ConfigModel):
    """A Gateway API Gateway that the HTTPRoutes attach to, and the host names they serve."""

    name: DnsSubdomain
    """Name of an existing Gateway (installed with your Gateway API implementation)."""
    namespace: DnsLabel | None = None
    """Namespace of the Gateway; defaults to the routes' own namespace."""
    section_name: DnsLabel | None = None
    """Listener of the Gateway to attach to; all listeners when unset."""
    hostname: Hostname | None = None
    """Host the production HTTPRoute serves; `url` is http://<hostname>. Required in Gateway mode unless
    `sectionName` names a listener whose own hostname is this service's (a fleet on a shared Gateway)."""
    preview_hostname: Hostname | None = None
    """Host of the preview HTTPRoute. Without it (and without the secret `bluegreen:previewToken`) there is
    no preview route: the candidate is reachable only inside the cluster."""

    @field_validator("preview_hostname")
    @classmethod
    def _hosts_differ(cls, preview: str | None, info: ValidationInfo) -> str | None:
        if preview is not None and preview == info.data.get("hostname"):
            raise PydanticCustomError("hosts_differ", "must differ from hostname, or both routes serve the same "
                                      "requests")
        return preview


class Rollout(ConfigModel):
    """How a color's Deployment replaces its pods when its image changes."""

    max_surge: IntOrPercent = "25%"
    """Extra pods allowed above `replicas` during a rollout (rounded up)."""
    max_unavailable: IntOrPercent = Field(default=0, validate_default=True)
    """Pods allowed below `replicas` during a rollout (rounded down); 0 keeps full capacity."""
    min_ready_seconds: Annotated[int, between(0, 3600)] = 0
    """Seconds a new pod must stay ready before it counts as available."""
    progress_deadline_seconds: Annotated[int, between(1, 3600)] = Field(default=600, validate_default=True)
    """Seconds without progress before the rollout is reported failed (and `pulumi up` stops)."""

    # Field validators (each reads the fields declared before it), so every broken rule is reported.
    @field_validator("max_unavailable")
    @classmethod
    def _can_progress(cls, max_unavailable: int | str, info: ValidationInfo) -> int | str:
        surge = info.data.get("max_surge")
        if surge is not None and is_zero(surge) and is_zero(max_unavailable):
            raise PydanticCustomError(
                "stuck_rollout", "maxSurge and maxUnavailable cannot both be 0, or the rollout can neither add "
                "nor remove a pod (keep maxUnavailable 0, set maxSurge to 1 or '25%')"
            )
        return max_unavailable

    @field_validator("progress_deadline_seconds")
    @classmethod
    def _deadline_after_ready(cls, deadline: int, info: ValidationInfo) -> int:
        min_ready = info.data.get("min_ready_seconds")
        if min_ready is not None and deadline <= min_ready:
            raise PydanticCustomError("deadline", "must be greater than minReadySeconds ({min_ready})",
                                      {"min_ready": min_ready})
        return deadline


class KubernetesConfig(ConfigModel):
    """Settings for platform `kubernetes`."""

    namespace: DnsLabel = "default"
    """Namespace that holds every resource."""
    create_namespace: bool = False
    """Create the namespace (and delete it with the stack) instead of using an existing one."""
    gateway: GatewayRef | None = None
    """When set, traffic is split by HTTPRoute weights instead of a Service selector."""
    rollout: Rollout = Field(default_factory=Rollout)
    """RollingUpdate settings of both colors' Deployments."""
    endpoint_propagation_seconds: Annotated[int, between(1, 120)] = 5
    """Allowance for an EndpointSlice change to reach kube-proxy or the gateway; part of the preStop sleep."""
    pre_stop: Literal["exec", "sleep"] = "exec"
    """How pods wait for endpoint removal before SIGTERM: `exec` runs `sleep` in the container;
    `sleep` uses the kubelet's built-in sleep action (Kubernetes 1.30+, for images without a shell)."""

    resources: PodResources = Field(default_factory=PodResources)
    """CPU and memory requests and limits of every app container."""
    pod_security: PodSecurityLevel = "restricted"
    """Pod Security Standard the pods meet: `restricted` (non-root, no privilege escalation, no
    capabilities, RuntimeDefault seccomp) or `baseline` for images that must run as root."""
    run_as_user: Annotated[int, between(1, 2147483647)] | None = None
    """UID the app runs as; needed when the image's USER is a name, which `runAsNonRoot` cannot verify."""
    automount_service_account_token: bool = False
    """Mount the service account token into the pods (only for apps that call the Kubernetes API)."""

    @field_validator("create_namespace")
    @classmethod
    def _namespace_can_be_created(cls, create: bool, info: ValidationInfo) -> bool:
        namespace = info.data.get("namespace")
        if create and namespace in BUILT_IN_NAMESPACES:
            raise PydanticCustomError("built_in_namespace", "namespace '{namespace}' always exists; set "
                                      "createNamespace to false or choose another namespace",
                                      {"namespace": namespace})
        return create


def kubernetes_problems(spec: "BlueGreenSpec") -> list[ConfigProblem]:
    """Rules that tie `bluegreen:kubernetes` to the rest of the config."""
    found = []
    weights = (spec.traffic.blue, spec.traffic.green)
    gateway = spec.kubernetes.gateway
    if gateway is None and sorted(weights) != [0, 100]:
        found.append(
            ConfigProblem(
                "bluegreen:traffic",
                spec.traffic.model_dump(),
                "a Service selector can only send 100% to one color; set "
                "bluegreen:kubernetes.gateway (a Gateway API Gateway) to split traffic by weight",
            )
        )
    if gateway is not None and gateway.hostname is None and gateway.section_name is None:
        found.append(
            missing(
                "bluegreen:kubernetes.gateway.hostname",
                "Gateway mode needs the host the production HTTPRoute serves (e.g. web.example.com), or "
                "sectionName naming a Gateway listener whose hostname is this service's; the url output is "
                "http://<hostname>",
            )
        )
    found += _deadline_problems(spec)
    return found


def _deadline_problems(spec: "BlueGreenSpec") -> list[ConfigProblem]:
    """A progress deadline shorter than a pod's own time to become ready fails every rollout."""
    # Imported here: components.health imports this package.
    from ..health import kubernetes_probes

    rollout = spec.kubernetes.rollout
    probes = kubernetes_probes(spec.service.health_check, spec.service.port)
    startup, readiness = probes["startupProbe"], probes["readinessProbe"]
    slowest_ready = (
        startup["failureThreshold"] * startup["periodSeconds"]
        + readiness["successThreshold"] * readiness["periodSeconds"]
        + rollout.min_ready_seconds
    )
    if rollout.progress_deadline_seconds <= slowest_ready:
        return [
            ConfigProblem(
                "bluegreen:kubernetes.rollout.progressDeadlineSeconds",
                rollout.progress_deadline_seconds,
                f"must be greater than {slowest_ready}s, the longest a healthy pod may take to become "
                "available (startup probe budget + readiness successes + minReadySeconds), or a slow "
                "start is reported as a failed rollout",
            )
        ]
    return []
