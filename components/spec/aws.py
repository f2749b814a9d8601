"""`bluegreen:aws`: where the ALB and the Fargate services go on AWS."""

from pydantic import Field

from .base import ConfigModel, NonEmptyStr, Port, int_between


class AwsConfig(ConfigModel):
    """Network, TLS and protection settings for platform `aws`."""

    vpc_id: NonEmptyStr
    """VPC that holds the ALB, target groups and tasks."""
    subnet_ids: list[NonEmptyStr] = Field(min_length=2)
    """Subnets in at least two availability zones (an ALB requires two)."""
    certificate_arn: str | None = None
    """ACM certificate; when set the production listener is HTTPS and port 80 redirects."""
    ingress_cidrs: list[NonEmptyStr] = Field(default_factory=lambda: ["0.0.0.0/0"])
    """Who may reach the ALB listeners."""
    deletion_protection: bool = False
    """Protect the ALB from deletion (on in prod)."""
    idle_timeout_seconds: int_between(1, 4000) = 60  # type: ignore[valid-type]
    """ALB idle timeout; keep it below the app's keep-alive timeout."""
    test_listener_port: Port = 9443  # type: ignore[valid-type]
    """Port of the test listener that sends 100% to the candidate color."""
    cpu: int = 256
    """Fargate task CPU units."""
    memory: int = 512
    """Fargate task memory (MiB)."""
    assign_public_ip: bool = False
    """Give tasks public IPs (only for subnets without a NAT gateway)."""
