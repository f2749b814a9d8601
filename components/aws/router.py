"""`AlbRouter`: the only AWS component that reads the traffic weights.

It owns what a flip may touch and what the colors hang off: the two target groups,
and either a whole ALB (security group, load balancer, listeners) or, on a shared
ALB, one weighted listener rule on each of the platform's listeners. Its children
keep the names (and, through aliases, the state) they had when the service
component created them directly.
"""

from typing import Any, NotRequired, TypedDict, cast

import pulumi
import pulumi_aws as aws

from ..health import alb_target_group_check
from ..spec import COLORS, AwsConfig, Color, Service, Traffic
from .access_logs import access_logs_args
from .listeners import TEST_LISTENER_TAGS, candidate_action, listener_layout, production_action
from .public_alb import PublicAlbSettings, http_redirect_listener, public_alb
from .shared_routing import SharedRouting, rule_conditions, shared_urls

COLOR_TYPE = "bluegreen:index:AwsColor"
"""The component that created each target group before the router did."""


class AlbRouterArgs(TypedDict):
    """Inputs of the ALB router."""

    prefix: str
    """Base of the child names (`<prefix>-listener`, `<prefix>-blue-tg`): the service component's name."""
    service: Service
    """Port, health spec and drain time of the target groups."""
    traffic: Traffic
    """The production weights; the test listener follows the candidate color."""
    aws: AwsConfig
    """VPC, subnets, TLS and ingress CIDRs of the load balancer."""
    shared: NotRequired[SharedRouting | None]
    """A shared ALB to put listener rules on, instead of creating a load balancer."""


class AlbRouter(pulumi.ComponentResource):
    """Target groups of both colors, and listeners (own ALB) or listener rules (shared ALB) forwarding by weight."""

    target_group_arns: dict[Color, pulumi.Output[str]]
    listener_arn: pulumi.Output[str]
    test_listener_arn: pulumi.Output[str]
    alb_security_group_id: pulumi.Output[str]
    load_balancer_dns_name: pulumi.Output[str]
    rule_arns: dict[str, pulumi.Output[str]]
    url: pulumi.Output[str]
    test_url: pulumi.Output[str]

    def __init__(self, name: str, args: AlbRouterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("bluegreen:index:AlbRouter", name, None, opts)
        prefix, service, aws_config = args["prefix"], args["service"], args["aws"]
        # Every child used to be a direct child of the service component (target groups: of a color),
        # which is this router's parent; the aliases let existing stacks update in place.
        owner = opts.parent if opts is not None else None
        moved = pulumi.ResourceOptions(parent=self, aliases=[pulumi.Alias(parent=owner)])

        self.target_groups: dict[Color, aws.lb.TargetGroup] = {
            color: aws.lb.TargetGroup(
                f"{prefix}-{color}-tg",
                vpc_id=aws_config.vpc_id,
                target_type="ip",
                protocol="HTTP",
                port=service.port,
                health_check=alb_target_group_check(service.health_check),
                deregistration_delay=service.drain_seconds,
                tags={"bluegreen:service": service.name, "bluegreen:color": color},
                opts=pulumi.ResourceOptions(
                    parent=self,
                    aliases=[pulumi.Alias(parent=pulumi.create_urn(f"{prefix}-{color}", COLOR_TYPE, parent=owner))],
                ),
            )
            for color in COLORS
        }
        self.target_group_arns = {color: group.arn for color, group in self.target_groups.items()}

        self.rule_arns = {}
        shared = args.get("shared")
        if shared is None:
            self._own_alb(prefix, args, moved)
        else:
            self._listener_rules(prefix, args["traffic"], shared)
        self.register_outputs(
            {
                "targetGroupArns": self.target_group_arns,
                "ruleArns": self.rule_arns,
                "listenerArn": self.listener_arn,
                "testListenerArn": self.test_listener_arn,
                "albSecurityGroupId": self.alb_security_group_id,
                "url": self.url,
                "testUrl": self.test_url,
            }
        )

    def _own_alb(self, prefix: str, args: AlbRouterArgs, moved: pulumi.ResourceOptions) -> None:
        """The stack's own internet-facing ALB: security group, load balancer, listeners."""
        aws_config = args["aws"]
        layout = listener_layout(aws_config)
        alb = public_alb(
            prefix,
            PublicAlbSettings(
                vpc_id=aws_config.vpc_id,
                subnet_ids=aws_config.subnet_ids,
                cidrs_by_port=layout.cidrs_by_port(aws_config),
                deletion_protection=aws_config.deletion_protection,
                idle_timeout_seconds=aws_config.idle_timeout_seconds,
                description="bluegreen ALB: listener ports from the allowed CIDRs",
                access_logs=access_logs_args(aws_config),
            ),
            moved,
        )
        self.alb_security_group, self.ingress_rules, self.load_balancer = (
            alb.security_group,
            alb.ingress_rules,
            alb.load_balancer,
        )
        arns = self.target_group_arns
        self.listener = aws.lb.Listener(
            f"{prefix}-listener",
            load_balancer_arn=self.load_balancer.arn,
            port=layout.production_port,
            default_actions=[production_action(args["traffic"], arns)],
            **layout.listener_args(),
            opts=moved,
        )
        self.test_listener = aws.lb.Listener(
            f"{prefix}-test-listener",
            load_balancer_arn=self.load_balancer.arn,
            port=layout.test_port,
            default_actions=[candidate_action(args["traffic"], arns)],
            **layout.listener_args(),
            tags=TEST_LISTENER_TAGS,
            opts=moved,
        )
        self.redirect_listener = (
            http_redirect_listener(prefix, self.load_balancer, moved) if layout.redirect_http else None
        )

        dns = self.load_balancer.dns_name
        self.load_balancer_dns_name = dns
        self.url = pulumi.Output.concat(layout.scheme, "://", dns)
        self.test_url = pulumi.Output.concat(layout.scheme, "://", dns, f":{layout.test_port}")
        self.listener_arn = self.listener.arn
        self.test_listener_arn = self.test_listener.arn
        self.alb_security_group_id = self.alb_security_group.id

    def _listener_rules(self, prefix: str, traffic: Traffic, shared: SharedRouting) -> None:
        """One rule per shared listener: production by weight, test 100% to the candidate."""
        arns, child = self.target_group_arns, pulumi.ResourceOptions(parent=self)
        conditions = rule_conditions(shared.listener)
        self.rule = aws.lb.ListenerRule(
            f"{prefix}-rule",
            listener_arn=shared.listener_arn,
            priority=shared.listener.priority,
            # A listener rule's forward action has the listener default action's shape.
            actions=[cast(Any, production_action(traffic, arns))],
            conditions=conditions,
            opts=child,
        )
        self.test_rule = aws.lb.ListenerRule(
            f"{prefix}-test-rule",
            listener_arn=shared.test_listener_arn,
            priority=shared.listener.priority,
            actions=[cast(Any, candidate_action(traffic, arns))],
            conditions=conditions,
            opts=child,
        )
        self.rule_arns = {"production": self.rule.arn, "test": self.test_rule.arn}
        self.url, self.test_url = shared_urls(shared)
        self.listener_arn = pulumi.Output.from_input(shared.listener_arn)
        self.test_listener_arn = pulumi.Output.from_input(shared.test_listener_arn)
        self.alb_security_group_id = pulumi.Output.from_input(shared.alb_security_group_id)
        self.load_balancer_dns_name = pulumi.Output.from_input(shared.dns_name)
