"""An internet-facing ALB with its security group: the same for a service's own ALB and the shared one."""

from collections import Counter
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from .listeners import HTTP_PORT, redirect_action
from .security import alb_ingress_rules
from .security_group import SecurityGroup


@dataclass(frozen=True)
class PublicAlbSettings:
    """What differs between the two callers; everything else (header hygiene, type) is fixed."""

    vpc_id: str
    subnet_ids: list[str]
    cidrs_by_port: dict[int, list[str]]
    """Listener port -> CIDRs allowed in; one ingress rule per (port, network)."""
    deletion_protection: bool
    idle_timeout_seconds: int
    description: str
    """Fixed text: changing a security group's description replaces the group."""
    access_logs: Any = None
    """`aws.lb.LoadBalancerAccessLogsArgs`-shaped dict, or None for no access logs."""


@dataclass(frozen=True)
class PublicAlb:
    security_group: SecurityGroup
    ingress_rules: list[aws.vpc.SecurityGroupIngressRule]
    load_balancer: aws.lb.LoadBalancer


def public_alb(prefix: str, settings: PublicAlbSettings, opts: pulumi.ResourceOptions) -> PublicAlb:
    """`<prefix>-alb-sg`, `<prefix>-alb-in-<port>-<network>` rules and `<prefix>-alb`, all with `opts`."""
    security_group = SecurityGroup(
        f"{prefix}-alb-sg", vpc_id=settings.vpc_id, description=settings.description, opts=opts
    )
    rules = alb_ingress_rules(settings.cidrs_by_port)
    legacy = Counter(rule.legacy_slug for rule in rules)
    ingress_rules = [
        aws.vpc.SecurityGroupIngressRule(
            f"{prefix}-alb-in-{rule.slug}",
            security_group_id=security_group.id,
            ip_protocol="tcp",
            from_port=rule.port,
            to_port=rule.port,
            **rule.cidr_args(),
            opts=_formerly(opts, f"{prefix}-alb-in-{rule.legacy_slug}")
            if rule.legacy_slug != rule.slug and legacy[rule.legacy_slug] == 1
            else opts,
        )
        for rule in rules
    ]
    load_balancer = aws.lb.LoadBalancer(
        f"{prefix}-alb",
        internal=False,
        load_balancer_type="application",
        security_groups=[security_group.id],
        subnets=settings.subnet_ids,
        drop_invalid_header_fields=True,
        enable_deletion_protection=settings.deletion_protection,
        idle_timeout=settings.idle_timeout_seconds,
        access_logs=settings.access_logs,
        opts=opts,
    )
    return PublicAlb(security_group, ingress_rules, load_balancer)


def _formerly(opts: pulumi.ResourceOptions, name: str) -> pulumi.ResourceOptions:
    """`opts` plus aliases from the rule's former name: an IPv6 rule named before names were unambiguous
    updates in place (a replacement would first create a duplicate rule, which AWS refuses). Two rules that
    shared a former name never existed together (their URNs collided), so only a unique former name is used."""
    aliases = list(opts.aliases or [])
    renamed = [pulumi.Alias(name=name)] + [
        pulumi.Alias(name=name, parent=alias.parent) for alias in aliases if isinstance(alias, pulumi.Alias)
    ]
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(aliases=renamed))


def http_redirect_listener(
    prefix: str, load_balancer: aws.lb.LoadBalancer, opts: pulumi.ResourceOptions
) -> aws.lb.Listener:
    """`<prefix>-redirect`: port 80 answers 301 to HTTPS, for an ALB whose production listener is HTTPS."""
    return aws.lb.Listener(
        f"{prefix}-redirect",
        load_balancer_arn=load_balancer.arn,
        port=HTTP_PORT,
        protocol="HTTP",
        default_actions=[redirect_action()],
        opts=opts,
    )
