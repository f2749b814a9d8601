"""`bluegreen:aws`: where the ALB and the Fargate services go on AWS, and the limits AWS imposes.

Everything here fails at `pulumi preview` instead of halfway through `pulumi up`:
malformed ids, a certificate that is not an ARN, CPU/memory sizes Fargate does not
offer, a test listener port that collides with the production listeners.
"""

import ipaddress
import re
from itertools import pairwise
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from .aws_shared import ClusterArn, PlatformStack, SharedListener
from .base import ConfigModel, Port, WholeNumber, between, field_error, matches
from .problems import ConfigProblem

if TYPE_CHECKING:
    from .root import BlueGreenSpec

# The production listener (443 with a certificate, else 80) and the HTTP->HTTPS redirect use these.
RESERVED_LISTENER_PORTS = (80, 443)

# Fargate task sizes: CPU units -> allowed memory (MiB).
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
FARGATE_MEMORY: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4097, 1024)),
    1024: tuple(range(2048, 8193, 1024)),
    2048: tuple(range(4096, 16385, 1024)),
    4096: tuple(range(8192, 30721, 1024)),
    8192: tuple(range(16384, 61441, 4096)),
    16384: tuple(range(32768, 122881, 8192)),
}

# Values CloudWatch Logs accepts for a retention policy.
# fmt: off
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
                      2192, 2557, 2922, 3288, 3653)
# fmt: on

# ECS container health checks allow at most 60 s per check (the ALB allows 120).
ECS_MAX_CHECK_TIMEOUT = 60

# Target groups are auto-named `<service>-green-tg-<7 random>` and AWS caps the name at 32.
TARGET_GROUP_NAME_LIMIT = 32
AUTONAME_SUFFIX = 8
LONGEST_TG_ROLE = "-green-tg"
MAX_AWS_SERVICE_NAME = TARGET_GROUP_NAME_LIMIT - AUTONAME_SUFFIX - len(LONGEST_TG_ROLE)


def _cidr_text(value: object) -> object:
    # ipaddress would read the integer 0 as the address 0.0.0.0; a CIDR in config is text.
    if not isinstance(value, str):
        raise PydanticCustomError("cidr", "must be a CIDR string such as 10.0.0.0/16")
    return value


def _cidr(value: str) -> str:
    # Normalised so one network has one spelling: `FE80::/10` and `fe80::/10`, or `::/0` and
    # `0::/0`, become the same rule (and the same resource name), and a bare host address
    # `10.0.0.1` becomes `10.0.0.1/32`, the only network it can mean (AWS refuses it bare).
    try:
        return ipaddress.ip_network(value, strict=True).compressed
    except ValueError:
        raise PydanticCustomError(
            "cidr", "must be a network in CIDR notation with no host bits set, e.g. 0.0.0.0/0 or 10.0.0.0/16"
        ) from None


def _distinct(cidrs: list[str]) -> list[str]:
    """The normalised networks once each, in the order given."""
    return list(dict.fromkeys(cidrs))


VpcId = Annotated[str, matches(r"vpc-[0-9a-f]{8,17}", "vpc-0123456789abcdef0")]
SubnetId = Annotated[str, matches(r"subnet-[0-9a-f]{8,17}", "subnet-0123456789abcdef0")]
CertificateArn = Annotated[
    str,
    matches(
        r"arn:aws[a-z-]*:(acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]+|iam::\d{12}:server-certificate/.+)",
        "arn:aws:acm:<region>:<account>:certificate/<id> (an ACM certificate in the ALB's region)",
    ),
]
Cidr = Annotated[str, BeforeValidator(_cidr_text), AfterValidator(_cidr)]
CidrList = Annotated[list[Cidr], AfterValidator(_distinct)]


def _bucket_name(name: str) -> str:
    # https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", name) or ".." in name or re.fullmatch(
        r"\d+\.\d+\.\d+\.\d+", name
    ):
        raise PydanticCustomError(
            "bucket", "must be an S3 bucket name: 3-63 lowercase letters, digits, '.' or '-', starting and ending "
            "with a letter or digit"
        )
    return name


def _log_prefix(prefix: str) -> str:
    # ELB refuses a prefix that starts or ends with '/' or contains "AWSLogs" (it adds that itself).
    if prefix.startswith("/") or prefix.endswith("/") or "AWSLogs" in prefix or not prefix.isprintable():
        raise PydanticCustomError(
            "log_prefix", "must not start or end with '/' or contain 'AWSLogs' (ELB adds AWSLogs/<account>/...)"
        )
    return prefix


class AccessLogs(ConfigModel):
    """ALB access logs in S3; the bucket policy must let the region's ELB account write to it."""

    bucket: Annotated[str, AfterValidator(_bucket_name)]
    """Existing S3 bucket in the ALB's region."""
    prefix: Annotated[str, AfterValidator(_log_prefix)] | None = None
    """Key prefix inside the bucket (no leading or trailing '/'); logs go to the bucket root when unset."""


class AwsConfig(ConfigModel):
    """Network, TLS and protection settings for platform `aws`."""

    vpc_id: VpcId
    """VPC that holds the ALB, target groups and tasks."""
    subnet_ids: list[SubnetId] = Field(min_length=2)
    """Subnets in at least two availability zones (an ALB requires two); ALB and tasks share them."""
    certificate_arn: CertificateArn | None = None
    """ACM certificate; when set the production listener is HTTPS and port 80 redirects."""
    ingress_cidrs: CidrList = Field(default_factory=lambda: ["0.0.0.0/0"], min_length=1)
    """Who may reach the production listener (and the port 80 redirect); bare addresses mean /32 or /128."""
    test_ingress_cidrs: CidrList = Field(default_factory=list)
    """Who may reach the test listener, which serves the unreleased candidate; nobody by default."""
    task_subnet_ids: list[SubnetId] | None = Field(default=None, min_length=1)
    """Subnets for the tasks (usually private, with a NAT gateway or VPC endpoints); defaults to subnetIds."""
    deletion_protection: bool = False
    """Protect the ALB from deletion (on in prod)."""
    idle_timeout_seconds: Annotated[int, between(1, 4000)] = 60
    """ALB idle timeout; keep it below the app's keep-alive timeout."""
    test_listener_port: Port = 9443
    """Port of the test listener that sends 100% to the candidate color."""
    cpu: WholeNumber = 256
    """Fargate task CPU units."""
    memory: WholeNumber = Field(default=512, validate_default=True)
    """Fargate task memory (MiB)."""
    assign_public_ip: bool = False
    """Give tasks public IPs (only for subnets without a NAT gateway)."""
    log_retention_days: WholeNumber = 30
    """How long CloudWatch keeps each color's container logs."""
    access_logs: AccessLogs | None = None
    """Write ALB access logs to S3 (off by default)."""
    cluster_arn: ClusterArn | None = None
    """An existing ECS cluster to run in instead of creating one (with sharedListener: default the
    platform stack's `clusterArn` output)."""
    shared_listener: SharedListener | None = None
    """Put the service behind a rule on a shared ALB's listeners instead of creating an ALB."""
    platform_stack: PlatformStack | None = None
    """Stack (org/project/stack) whose outputs supply the shared listener, ALB security group and cluster."""

    @property
    def task_subnets(self) -> list[str]:
        return self.subnet_ids if self.task_subnet_ids is None else self.task_subnet_ids

    # Field validators, not one model validator: each runs even when another field is bad,
    # so a config with four mistakes reports four.
    @field_validator("subnet_ids")
    @classmethod
    def _distinct_subnets(cls, subnets: list[str]) -> list[str]:
        if len(set(subnets)) != len(subnets):
            raise PydanticCustomError("distinct", "must list distinct subnets (an ALB needs two availability zones)")
        return subnets

    @field_validator("test_listener_port")
    @classmethod
    def _test_port_free(cls, port: int) -> int:
        if port in RESERVED_LISTENER_PORTS:
            raise PydanticCustomError(
                "reserved_port", "must differ from 80 and 443, which the production and redirect listeners use"
            )
        return port

    @field_validator("cpu")
    @classmethod
    def _fargate_cpu(cls, cpu: int) -> int:
        if cpu not in FARGATE_MEMORY:
            raise PydanticCustomError("fargate_cpu", "must be a Fargate CPU size: {sizes}",
                                      {"sizes": ", ".join(map(str, FARGATE_MEMORY))})
        return cpu

    @field_validator("memory")
    @classmethod
    def _fargate_memory(cls, memory: int, info: ValidationInfo) -> int:
        cpu = info.data.get("cpu")
        if cpu in FARGATE_MEMORY and memory not in FARGATE_MEMORY[cpu]:
            raise PydanticCustomError("fargate_memory", "with cpu {cpu}, Fargate takes memory {sizes} (MiB)",
                                      {"cpu": cpu, "sizes": _describe_sizes(FARGATE_MEMORY[cpu])})
        return memory

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, days: int) -> int:
        if days not in LOG_RETENTION_DAYS:
            raise PydanticCustomError("retention", "must be a CloudWatch retention: {days}",
                                      {"days": ", ".join(map(str, LOG_RETENTION_DAYS))})
        return days

    @model_validator(mode="after")
    def _shared_listener_fits(self) -> "AwsConfig":
        rule = _shared_listener_rule(self)
        if rule is not None:
            raise field_error(*rule)
        return self


# Settings of an ALB the service owns; with a shared listener the platform stack owns the ALB.
OWNED_ALB_ONLY = (
    "certificateArn", "deletionProtection", "idleTimeoutSeconds", "ingressCidrs", "testIngressCidrs", "accessLogs"
)
SHARED_IDS = ("listenerArn", "testListenerArn", "albSecurityGroupId")


def _shared_listener_rule(config: AwsConfig) -> tuple[str, object, str] | None:
    shared = config.shared_listener
    if shared is None:
        if config.platform_stack is not None:
            return ("platformStack", config.platform_stack, "is only read with sharedListener; set "
                    "sharedListener (priority and hostHeaders or pathPatterns) or remove platformStack")
        return None
    given = {field.alias or name for name, field in AwsConfig.model_fields.items() if name in config.model_fields_set}
    for key in OWNED_ALB_ONLY:
        if key in given:
            return (key, getattr(config, _snake(key)), "configures an ALB this stack owns; with sharedListener "
                    "the platform stack owns the ALB, so set it there and remove it here")
    if config.platform_stack is None:
        for key in SHARED_IDS:
            if getattr(shared, _snake(key)) is None:
                return (f"sharedListener.{key}", None, "is required without platformStack (or set platformStack "
                        "to take it from the platform stack's outputs)")
        if config.cluster_arn is None:
            return ("clusterArn", None, "is required with sharedListener and no platformStack: the service "
                    "runs in the platform's cluster")
    return None


def _snake(camel: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", camel).lower()


def _describe_sizes(sizes: tuple[int, ...]) -> str:
    steps = {b - a for a, b in pairwise(sizes)}
    if len(steps) == 1 and len(sizes) > 3:
        return f"{sizes[0]}..{sizes[-1]} in steps of {steps.pop()}"
    return ", ".join(map(str, sizes))


def aws_problems(spec: "BlueGreenSpec") -> list[ConfigProblem]:
    """Rules that tie `bluegreen:aws` to the platform-neutral keys."""
    found = []
    name = spec.service.name
    if len(name) > MAX_AWS_SERVICE_NAME:
        found.append(
            ConfigProblem(
                "bluegreen:service.name",
                name,
                f"platform aws names target groups '{name}{LONGEST_TG_ROLE}-<7 random>', which AWS caps "
                f"at {TARGET_GROUP_NAME_LIMIT} characters: use at most {MAX_AWS_SERVICE_NAME} characters",
            )
        )
    timeout = spec.service.health_check.timeout_seconds
    if timeout > ECS_MAX_CHECK_TIMEOUT:
        found.append(
            ConfigProblem(
                "bluegreen:service.healthCheck.timeoutSeconds",
                timeout,
                f"ECS container health checks allow at most {ECS_MAX_CHECK_TIMEOUT} seconds on platform aws",
            )
        )
    return found
