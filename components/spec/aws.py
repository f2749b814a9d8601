"""`bluegreen:aws`: where the ALB and the Fargate services go on AWS, and the limits AWS imposes.

Everything here fails at `pulumi preview` instead of halfway through `pulumi up`:
malformed ids, a certificate that is not an ARN, CPU/memory sizes Fargate does not
offer, a test listener port that collides with the production listeners.
"""

import ipaddress
from itertools import pairwise
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from .base import ConfigModel, Port, between, field_error, matches
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


def _cidr(value: str) -> str:
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise PydanticCustomError(
            "cidr", "must be a network in CIDR notation with no host bits set, e.g. 0.0.0.0/0 or 10.0.0.0/16"
        ) from None
    return value


VpcId = Annotated[str, matches(r"vpc-[0-9a-f]{8,17}", "vpc-0123456789abcdef0")]
SubnetId = Annotated[str, matches(r"subnet-[0-9a-f]{8,17}", "subnet-0123456789abcdef0")]
CertificateArn = Annotated[
    str,
    matches(
        r"arn:aws[a-z-]*:(acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]+|iam::\d{12}:server-certificate/.+)",
        "arn:aws:acm:<region>:<account>:certificate/<id> (an ACM certificate in the ALB's region)",
    ),
]
Cidr = Annotated[str, AfterValidator(_cidr)]


class AwsConfig(ConfigModel):
    """Network, TLS and protection settings for platform `aws`."""

    vpc_id: VpcId
    """VPC that holds the ALB, target groups and tasks."""
    subnet_ids: list[SubnetId] = Field(min_length=2)
    """Subnets in at least two availability zones (an ALB requires two); ALB and tasks share them."""
    certificate_arn: CertificateArn | None = None
    """ACM certificate; when set the production listener is HTTPS and port 80 redirects."""
    ingress_cidrs: list[Cidr] = Field(default_factory=lambda: ["0.0.0.0/0"], min_length=1)
    """Who may reach the production listener (and the port 80 redirect)."""
    test_ingress_cidrs: list[Cidr] | None = Field(default=None, min_length=1)
    """Who may reach the test listener (default: ingressCidrs); narrow it to keep candidates private."""
    task_subnet_ids: list[SubnetId] | None = Field(default=None, min_length=1)
    """Subnets for the tasks (usually private, with a NAT gateway or VPC endpoints); defaults to subnetIds."""
    deletion_protection: bool = False
    """Protect the ALB from deletion (on in prod)."""
    idle_timeout_seconds: Annotated[int, between(1, 4000)] = 60
    """ALB idle timeout; keep it below the app's keep-alive timeout."""
    test_listener_port: Port = 9443
    """Port of the test listener that sends 100% to the candidate color."""
    cpu: int = 256
    """Fargate task CPU units."""
    memory: int = 512
    """Fargate task memory (MiB)."""
    assign_public_ip: bool = False
    """Give tasks public IPs (only for subnets without a NAT gateway)."""
    log_retention_days: int = 30
    """How long CloudWatch keeps each color's container logs."""

    @property
    def test_cidrs(self) -> list[str]:
        return self.ingress_cidrs if self.test_ingress_cidrs is None else self.test_ingress_cidrs

    @property
    def task_subnets(self) -> list[str]:
        return self.subnet_ids if self.task_subnet_ids is None else self.task_subnet_ids

    @model_validator(mode="after")
    def _aws_limits(self) -> "AwsConfig":
        rule = _first_broken_rule(self)
        if rule is not None:
            raise field_error(*rule)
        return self


def _first_broken_rule(config: AwsConfig) -> tuple[str, object, str] | None:
    """(camelCase field, value, rule) of the first AWS limit the config breaks, if any."""
    if len(set(config.subnet_ids)) != len(config.subnet_ids):
        return (
            "subnetIds",
            config.subnet_ids,
            "must list distinct subnets (an ALB needs two availability zones)",
        )
    if config.test_listener_port in RESERVED_LISTENER_PORTS:
        return (
            "testListenerPort",
            config.test_listener_port,
            "must differ from 80 and 443, which the production and redirect listeners use",
        )
    if config.cpu not in FARGATE_MEMORY:
        return "cpu", config.cpu, f"must be a Fargate CPU size: {', '.join(map(str, FARGATE_MEMORY))}"
    sizes = FARGATE_MEMORY[config.cpu]
    if config.memory not in sizes:
        return (
            "memory",
            config.memory,
            f"Fargate with cpu {config.cpu} takes memory {_describe_sizes(sizes)} (MiB)",
        )
    if config.log_retention_days not in LOG_RETENTION_DAYS:
        return (
            "logRetentionDays",
            config.log_retention_days,
            f"must be a CloudWatch retention: {', '.join(map(str, LOG_RETENTION_DAYS))}",
        )
    return None


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
