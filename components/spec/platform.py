"""`platform:alb`: the shared ALB of a platform stack (examples/platform/), validated like `bluegreen:aws`."""

from typing import Annotated

from pydantic import Field, model_validator

from .aws import RESERVED_LISTENER_PORTS, CertificateArn, Cidr, SubnetId, VpcId
from .base import ConfigModel, Port, between, field_error


class SharedAlbConfig(ConfigModel):
    """One internet-facing ALB for many services: HTTPS, a test listener, and the cluster they run in."""

    vpc_id: VpcId
    """VPC of the ALB, and of every service's target groups and tasks."""
    subnet_ids: list[SubnetId] = Field(min_length=2)
    """Public subnets in at least two availability zones."""
    certificate_arn: CertificateArn
    """ACM certificate of the HTTPS listeners (covering every service's host name)."""
    ingress_cidrs: list[Cidr] = Field(default_factory=lambda: ["0.0.0.0/0"], min_length=1)
    """Who may reach the production listener (and the port 80 redirect)."""
    test_ingress_cidrs: list[Cidr] = Field(min_length=1)
    """Who may reach the test listener, where every service's candidate color answers (keep it private)."""
    test_listener_port: Port = 9443
    """Port of the shared test listener."""
    deletion_protection: bool = True
    """Protect the ALB from deletion: every service depends on it."""
    idle_timeout_seconds: Annotated[int, between(1, 4000)] = 60
    """ALB idle timeout; keep it below the services' keep-alive timeouts."""

    @model_validator(mode="after")
    def _test_port_free(self) -> "SharedAlbConfig":
        if self.test_listener_port in RESERVED_LISTENER_PORTS:
            raise field_error("testListenerPort", self.test_listener_port,
                              "must differ from 80 and 443, which the production and redirect listeners use")
        return self
