"""`SharedAlb`: the platform team's ALB that many bluegreen services put their listener rules on.

Listeners answer 404 by default, so a request no service's rule matches never
reaches a service by accident; each service stack adds its own weighted rules
(components/aws/router.py) and its own egress rule from this ALB's security group.
"""

from typing import TypedDict

import pulumi
import pulumi_aws as aws
from pulumi_aws.lb import ListenerDefaultActionArgsDict

from ..spec.platform import SharedAlbConfig
from .listeners import HTTP_PORT, HTTPS_PORT, TEST_LISTENER_TAGS, TLS_POLICY
from .public_alb import PublicAlbSettings, http_redirect_listener, public_alb

NO_SERVICE_RESPONSE: ListenerDefaultActionArgsDict = {
    "type": "fixed-response",
    "fixed_response": {"content_type": "text/plain", "message_body": "no service here\n", "status_code": "404"},
}


class SharedAlbArgs(TypedDict):
    """Inputs of the shared ALB."""

    alb: SharedAlbConfig
    """Network, TLS, ingress and protection settings."""


class SharedAlb(pulumi.ComponentResource):
    """ALB, HTTPS and test listeners with a fixed 404 default, port 80 redirect, security group and ECS cluster."""

    listener_arn: pulumi.Output[str]
    test_listener_arn: pulumi.Output[str]
    alb_security_group_id: pulumi.Output[str]
    cluster_arn: pulumi.Output[str]
    load_balancer_dns_name: pulumi.Output[str]

    def __init__(self, name: str, args: SharedAlbArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("bluegreen:index:SharedAlb", name, None, opts)
        config = args["alb"]
        child = pulumi.ResourceOptions(parent=self)
        alb = public_alb(
            name,
            PublicAlbSettings(
                vpc_id=config.vpc_id,
                subnet_ids=config.subnet_ids,
                cidrs_by_port={
                    HTTP_PORT: config.ingress_cidrs,
                    HTTPS_PORT: config.ingress_cidrs,
                    config.test_listener_port: config.test_ingress_cidrs,
                },
                deletion_protection=config.deletion_protection,
                idle_timeout_seconds=config.idle_timeout_seconds,
                description="bluegreen shared ALB: listener ports from the allowed CIDRs",
            ),
            child,
        )
        self.security_group, self.load_balancer = alb.security_group, alb.load_balancer
        self.listener = aws.lb.Listener(
            f"{name}-listener",
            load_balancer_arn=self.load_balancer.arn,
            port=HTTPS_PORT,
            default_actions=[NO_SERVICE_RESPONSE],
            protocol="HTTPS",
            certificate_arn=config.certificate_arn,
            ssl_policy=TLS_POLICY,
            opts=child,
        )
        self.test_listener = aws.lb.Listener(
            f"{name}-test-listener",
            load_balancer_arn=self.load_balancer.arn,
            port=config.test_listener_port,
            default_actions=[NO_SERVICE_RESPONSE],
            tags=TEST_LISTENER_TAGS,
            protocol="HTTPS",
            certificate_arn=config.certificate_arn,
            ssl_policy=TLS_POLICY,
            opts=child,
        )
        http_redirect_listener(name, self.load_balancer, child)
        self.cluster = aws.ecs.Cluster(f"{name}-cluster", opts=child)

        self.listener_arn = self.listener.arn
        self.test_listener_arn = self.test_listener.arn
        self.alb_security_group_id = self.security_group.id
        self.cluster_arn = self.cluster.arn
        self.load_balancer_dns_name = self.load_balancer.dns_name
        self.register_outputs(self.exports())

    def exports(self) -> dict[str, pulumi.Output[str]]:
        """What service stacks read through `bluegreen:aws.platformStack` (components/aws/shared_routing.py)."""
        return {
            "listenerArn": self.listener_arn,
            "testListenerArn": self.test_listener_arn,
            "albSecurityGroupId": self.alb_security_group_id,
            "clusterArn": self.cluster_arn,
            "loadBalancerDnsName": self.load_balancer_dns_name,
        }
