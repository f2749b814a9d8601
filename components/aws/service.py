"""`AwsBlueGreenService`: the router, the tasks' security group, the cluster and both colors.

The router (`AlbRouter`) alone reads `bluegreen:traffic`; everything created here
or in a color takes only values a flip never changes, which is the flip contract.
With `sharedListener` the ALB and cluster belong to a platform stack: the service
adds only its rules, target groups, colors and the security group rules its tasks need.
"""

import pulumi
import pulumi_aws as aws

from ..service_args import AwsServiceArgs, spec_from_args
from ..spec import COLORS, Color
from .color import AwsColor
from .priorities import claim_priority
from .router import AlbRouter
from .security import TASK_EGRESS, app_port_rule
from .security_group import SecurityGroup
from .shared_routing import SharedRouting, resolve_shared_routing


class AwsBlueGreenService(pulumi.ComponentResource):
    """Blue and green Fargate services behind one internet-facing ALB with weighted forwarding."""

    url: pulumi.Output[str]
    test_url: pulumi.Output[str]
    listener_arn: pulumi.Output[str]
    test_listener_arn: pulumi.Output[str]
    load_balancer_dns_name: pulumi.Output[str]
    cluster_name: pulumi.Output[str]

    def __init__(self, name: str, args: AwsServiceArgs, opts: pulumi.ResourceOptions | None = None):
        spec = spec_from_args("aws", name, args)
        claim_priority(name, spec.aws_config)
        super().__init__("bluegreen:index:AwsBlueGreenService", name, None, opts)
        aws_config = spec.aws_config
        app_port = spec.service.port
        child = pulumi.ResourceOptions(parent=self)

        shared: SharedRouting | None = None
        platform_cluster: pulumi.Input[str] | None = None
        if aws_config.shared_listener is not None:
            shared, platform_cluster = resolve_shared_routing(
                name, aws_config.shared_listener, aws_config.platform_stack, aws_config.test_listener_port, self
            )
        self.router = AlbRouter(
            f"{name}-router",
            {"prefix": name, "service": spec.service, "traffic": spec.traffic, "aws": aws_config, "shared": shared},
            opts=child,
        )
        alb_security_group_id = self.router.alb_security_group_id

        self.task_security_group = SecurityGroup(
            f"{name}-tasks-sg",
            vpc_id=aws_config.vpc_id,
            description="bluegreen tasks: the app port from the ALB only",
            opts=child,
        )
        self.security_rules: list[pulumi.CustomResource] = [
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-alb-out-{app_port}",
                security_group_id=alb_security_group_id,
                referenced_security_group_id=self.task_security_group.id,
                **app_port_rule(app_port),
                opts=child,
            ),
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-tasks-in-{app_port}",
                security_group_id=self.task_security_group.id,
                referenced_security_group_id=alb_security_group_id,
                **app_port_rule(app_port),
                opts=child,
            ),
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-tasks-out-all",
                security_group_id=self.task_security_group.id,
                **TASK_EGRESS,
                opts=child,
            ),
        ]
        cluster_arn = aws_config.cluster_arn or platform_cluster
        if cluster_arn is None:
            self.cluster = aws.ecs.Cluster(f"{name}-cluster", opts=child)
            cluster_arn, self.cluster_name = self.cluster.arn, self.cluster.name
        else:
            self.cluster_name = pulumi.Output.from_input(cluster_arn).apply(lambda arn: arn.rsplit("/", 1)[-1])

        self.colors: dict[Color, AwsColor] = {
            color: AwsColor(
                f"{name}-{color}",
                {
                    "color": color,
                    "image": spec.color(color).image,
                    "replicas": spec.replicas(color),
                    "service": spec.service,
                    "target_group_arn": self.router.target_group_arns[color],
                    "cluster_arn": cluster_arn,
                    "task_security_group_id": self.task_security_group.id,
                    "subnet_ids": aws_config.task_subnets,
                    "assign_public_ip": aws_config.assign_public_ip,
                    "cpu": aws_config.cpu,
                    "memory": aws_config.memory,
                    "log_retention_days": aws_config.log_retention_days,
                    "router": self.router,
                },
                opts=child,
            )
            for color in COLORS
        }

        self.load_balancer_dns_name = self.router.load_balancer_dns_name
        self.url = self.router.url
        self.test_url = self.router.test_url
        self.listener_arn = self.router.listener_arn
        self.test_listener_arn = self.router.test_listener_arn
        self.register_outputs({"url": self.url, "testUrl": self.test_url, **self.platform_outputs()})

    def platform_outputs(self) -> dict[str, pulumi.Input[object]]:
        """Router and per-color ids: what the operator CLI and humans look up."""
        return {
            "listenerArn": self.listener_arn,
            "testListenerArn": self.test_listener_arn,
            "targetGroupArns": dict(self.router.target_group_arns),
            "serviceNames": {color: c.service_name for color, c in self.colors.items()},
            "serviceArns": {color: c.service_arn for color, c in self.colors.items()},
            "clusterName": self.cluster_name,
            "loadBalancerDnsName": self.load_balancer_dns_name,
            **({"listenerRuleArns": self.router.rule_arns} if self.router.rule_arns else {}),
        }
