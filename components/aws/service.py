"""`AwsBlueGreenService`: the ALB, its listeners, the security groups, the cluster and both colors.

The production listener carries the weights from `bluegreen:traffic`; the test
listener sends everything to the candidate color. Those two listeners are the only
resources whose inputs depend on the weights, which is the flip contract.
"""

import pulumi
import pulumi_aws as aws

from ..spec import COLORS, BlueGreenSpec, Color
from .color import AwsColor
from .listeners import HTTP_PORT, candidate_action, listener_layout, production_action, redirect_action
from .security import TASK_EGRESS, alb_ingress_rules, app_port_rule


class AwsBlueGreenService(pulumi.ComponentResource):
    """Blue and green Fargate services behind one internet-facing ALB with weighted forwarding."""

    url: pulumi.Output[str]
    test_url: pulumi.Output[str]
    listener_arn: pulumi.Output[str]
    test_listener_arn: pulumi.Output[str]
    load_balancer_dns_name: pulumi.Output[str]
    cluster_name: pulumi.Output[str]

    def __init__(self, name: str, spec: BlueGreenSpec, opts: pulumi.ResourceOptions | None = None):
        super().__init__("bluegreen:index:AwsBlueGreenService", name, None, opts)
        aws_config = spec.aws_config
        layout = listener_layout(aws_config)
        app_port = spec.service.port
        child = pulumi.ResourceOptions(parent=self)

        # Descriptions are fixed text: changing one replaces the group.
        self.alb_security_group = aws.ec2.SecurityGroup(
            f"{name}-alb-sg",
            vpc_id=aws_config.vpc_id,
            description="bluegreen ALB: listener ports from the allowed CIDRs",
            opts=child,
        )
        self.task_security_group = aws.ec2.SecurityGroup(
            f"{name}-tasks-sg",
            vpc_id=aws_config.vpc_id,
            description="bluegreen tasks: the app port from the ALB only",
            opts=child,
        )
        self.security_rules: list[pulumi.CustomResource] = [
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-alb-in-{rule.slug}",
                security_group_id=self.alb_security_group.id,
                ip_protocol="tcp",
                from_port=rule.port,
                to_port=rule.port,
                **rule.cidr_args(),
                opts=child,
            )
            for rule in alb_ingress_rules(layout.cidrs_by_port(aws_config))
        ]
        self.security_rules += [
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-alb-out-{app_port}",
                security_group_id=self.alb_security_group.id,
                referenced_security_group_id=self.task_security_group.id,
                **app_port_rule(app_port),
                opts=child,
            ),
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-tasks-in-{app_port}",
                security_group_id=self.task_security_group.id,
                referenced_security_group_id=self.alb_security_group.id,
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

        self.load_balancer = aws.lb.LoadBalancer(
            f"{name}-alb",
            internal=False,
            load_balancer_type="application",
            security_groups=[self.alb_security_group.id],
            subnets=aws_config.subnet_ids,
            drop_invalid_header_fields=True,
            enable_deletion_protection=aws_config.deletion_protection,
            idle_timeout=aws_config.idle_timeout_seconds,
            opts=child,
        )
        self.cluster = aws.ecs.Cluster(f"{name}-cluster", opts=child)

        self.colors: dict[Color, AwsColor] = {
            color: AwsColor(
                f"{name}-{color}",
                {
                    "color": color,
                    "spec": spec,
                    "cluster_arn": self.cluster.arn,
                    "task_security_group_id": self.task_security_group.id,
                },
                opts=child,
            )
            for color in COLORS
        }
        arns: dict[Color, pulumi.Output[str]] = {color: self.colors[color].target_group_arn for color in COLORS}

        self.listener = aws.lb.Listener(
            f"{name}-listener",
            load_balancer_arn=self.load_balancer.arn,
            port=layout.production_port,
            default_actions=[production_action(spec.traffic, arns)],
            **layout.listener_args(),
            opts=child,
        )
        self.test_listener = aws.lb.Listener(
            f"{name}-test-listener",
            load_balancer_arn=self.load_balancer.arn,
            port=layout.test_port,
            default_actions=[candidate_action(spec.traffic, arns)],
            **layout.listener_args(),
            opts=child,
        )
        self.redirect_listener = (
            aws.lb.Listener(
                f"{name}-redirect",
                load_balancer_arn=self.load_balancer.arn,
                port=HTTP_PORT,
                protocol="HTTP",
                default_actions=[redirect_action()],
                opts=child,
            )
            if layout.redirect_http
            else None
        )
        for color in COLORS:
            self.colors[color].run_behind([self.listener, self.test_listener])

        dns = self.load_balancer.dns_name
        self.load_balancer_dns_name = dns
        self.url = pulumi.Output.concat(layout.scheme, "://", dns)
        self.test_url = pulumi.Output.concat(layout.scheme, "://", dns, f":{layout.test_port}")
        self.listener_arn = self.listener.arn
        self.test_listener_arn = self.test_listener.arn
        self.cluster_name = self.cluster.name
        self.register_outputs({"url": self.url, "testUrl": self.test_url, **self.platform_outputs()})

    def platform_outputs(self) -> dict[str, pulumi.Input[object]]:
        """Router and per-color ids: what the operator CLI and humans look up."""
        return {
            "listenerArn": self.listener_arn,
            "testListenerArn": self.test_listener_arn,
            "targetGroupArns": {color: c.target_group_arn for color, c in self.colors.items()},
            "serviceNames": {color: c.service_name for color, c in self.colors.items()},
            "serviceArns": {color: c.service_arn for color, c in self.colors.items()},
            "clusterName": self.cluster_name,
            "loadBalancerDnsName": self.load_balancer_dns_name,
        }
