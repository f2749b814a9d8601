"""AWS stack rules: the blue/green invariants across listener, target groups, ECS services and the ALB.

A listener may send weight to a target group only if something serves behind it,
and the groups it splits traffic between must agree on what "healthy" means, or a
flip moves traffic to a color that is judged by a laxer check.
"""

from collections.abc import Mapping
from typing import Any

from .aws_links import refers_to, resolve
from .aws_types import (
    ECS_SERVICE,
    LISTENER_RULES,
    LISTENERS,
    LOAD_BALANCERS,
    TARGET_GROUP_ATTACHMENTS,
    TARGET_GROUPS,
)
from .listener_actions import actions, forward_actions, forwards, weight_of
from .spec import Knob, StackResource, StackRule
from .values import UNKNOWN, items, mapping, number, show


def _routers(resources: list[StackResource]) -> list[StackResource]:
    return [r for r in resources if r.type in LISTENERS | LISTENER_RULES]


def _serves(arn: str, tg: StackResource | None, service: StackResource) -> bool:
    for balancer in items(service.props.get("loadBalancers")):
        target = mapping(balancer).get("targetGroupArn")
        if target == arn or (tg is not None and refers_to(target, tg)):
            return True
    return False


# Non-ECS ways to put targets in a group, and the input that names the group.
_OTHER_REGISTRARS = {
    **{token: "targetGroupArn" for token in TARGET_GROUP_ATTACHMENTS},
    "aws:autoscaling/attachment:Attachment": "lbTargetGroupArn",
    "aws:autoscaling/group:Group": "targetGroupArns",
}


def _registered_outside_ecs(arn: str, tg: StackResource | None, resources: list[StackResource]) -> bool:
    """Targets attached directly, or by an Auto Scaling group: not ECS, so desiredCount does not apply."""
    for resource in resources:
        key = _OTHER_REGISTRARS.get(resource.type)
        if key is None:
            continue
        value = resource.props.get(key)
        for named in value if isinstance(value, list) else [value]:
            if named == arn or (tg is not None and refers_to(named, tg)):
                return True
    return False


def weighted_groups_have_tasks(resources: list[StackResource], config: Mapping[str, Any]) -> list[tuple[str, str]]:
    groups = [r for r in resources if r.type in TARGET_GROUPS]
    services = [r for r in resources if r.type == ECS_SERVICE]
    found = []
    for router in _routers(resources):
        for action in forward_actions(router.type, router.props):
            for forward in forwards(action):
                weight = weight_of(forward)
                if not isinstance(forward.arn, str) or weight is None or weight <= 0:
                    continue  # unknown ARN (first preview) or no traffic: nothing to judge
                tg = resolve(forward.arn, groups)
                where = tg.label if tg else f"target group {forward.arn}"
                if _registered_outside_ecs(forward.arn, tg, resources):
                    continue
                attached = [s for s in services if _serves(forward.arn, tg, s)]
                if not attached:
                    found.append(
                        (
                            router.urn,
                            f"{router.label} sends weight {show(forward.weight)} to {where}, but no ECS service "
                            "registers tasks in it, so those requests get 503; attach the color's ECS service "
                            "(loadBalancers[].targetGroupArn) or set its weight to 0.",
                        )
                    )
                    continue
                if any(s.props.get("schedulingStrategy") == "DAEMON" for s in attached):
                    continue  # one task per instance: desiredCount does not apply
                # An unset desiredCount is the provider's default, 0.
                counts = [s.props.get("desiredCount") for s in attached]
                if UNKNOWN in counts or any((number(c) or 0) >= 1 for c in counts):
                    continue
                found.append(
                    (
                        router.urn,
                        f"{router.label} sends weight {show(forward.weight)} to {where}, but its ECS service "
                        f"{', '.join(s.label for s in attached)} has desiredCount {show(counts[0])}, so no task "
                        "serves those requests; scale the color up before giving it weight.",
                    )
                )
    return found


def _listener_groups(resources: list[StackResource]) -> list[tuple[StackResource, list[StackResource]]]:
    """Each listener with every target group its default actions and rules forward to."""
    groups = [r for r in resources if r.type in TARGET_GROUPS]
    listeners = [r for r in resources if r.type in LISTENERS]
    rules = [r for r in resources if r.type in LISTENER_RULES]
    result = []
    for listener in listeners:
        members: list[StackResource] = []
        routers = [listener] + [r for r in rules if _rule_of(r, listener)]
        for router in routers:
            key = "actions" if router.type in LISTENER_RULES else "defaultActions"
            for action in forward_actions(router.type, router.props):
                for forward in forwards(action):
                    tg = resolve(forward.arn, groups, router, key)
                    if tg is not None and tg.urn not in {m.urn for m in members}:
                        members.append(tg)
        result.append((listener, members))
    return result


def _rule_of(rule: StackResource, listener: StackResource) -> bool:
    return refers_to(rule.props.get("listenerArn"), listener, rule, "listenerArn")


def identical_health_checks(resources: list[StackResource], config: Mapping[str, Any]) -> list[tuple[str, str]]:
    found = []
    for listener, members in _listener_groups(resources):
        if len(members) < 2:
            continue
        reference = members[0]
        expected = reference.props.get("healthCheck")
        for other in members[1:]:
            actual = other.props.get("healthCheck")
            if UNKNOWN in (expected, actual) or actual == expected:
                continue
            found.append(
                (
                    other.urn,
                    f"{other.label} and {reference.label} share {listener.label} but their health checks differ "
                    f"({show(actual)} vs {show(expected)}), so one color can pass checks the other would fail; "
                    "render both target groups' healthCheck from the same spec.",
                )
            )
    return found


def _redirects_to_https(listener: StackResource) -> bool:
    return any(
        a.get("type") == "redirect" and mapping(a.get("redirect")).get("protocol") == "HTTPS"
        for a in actions(listener.type, listener.props)
    )


def http_redirects_to_https(resources: list[StackResource], config: Mapping[str, Any]) -> list[tuple[str, str]]:
    exempt = {float(p) for p in config["exemptPorts"]}
    balancers = [r for r in resources if r.type in LOAD_BALANCERS]
    listeners = [r for r in resources if r.type in LISTENERS]
    found = []
    for listener in listeners:
        if listener.props.get("protocol") != "HTTP" or number(listener.props.get("port")) in exempt:
            continue
        balancer = resolve(listener.props.get("loadBalancerArn"), balancers, listener, "loadBalancerArn")
        if balancer is None:
            continue  # an ALB outside this stack: its scheme is unknown here
        public = balancer.props.get("internal") is not True
        application = balancer.props.get("loadBalancerType", "application") == "application"
        if not (public and application) or _redirects_to_https(listener):
            continue
        has_https = any(
            other.props.get("protocol") == "HTTPS"
            and refers_to(other.props.get("loadBalancerArn"), balancer, other, "loadBalancerArn")
            for other in listeners
        )
        if not has_https and not config["requireHttps"]:
            continue  # a stack that is deliberately plain HTTP (no certificate), e.g. dev
        fix = (
            "make its default action a redirect to HTTPS (statusCode HTTP_301)"
            if has_https
            else "the ALB has no HTTPS listener: add one with a certificate and redirect this one to it"
        )
        found.append(
            (
                listener.urn,
                f"{listener.label} serves plain HTTP on port {show(listener.props.get('port'))} of public "
                f"{balancer.label}; {fix} (or list the port in exemptPorts if it is deliberately HTTP-only).",
            )
        )
    return found


RULES = [
    StackRule(
        name="aws-weighted-target-groups-have-tasks",
        description="Every target group a listener sends weight > 0 to has an ECS service with desiredCount >= 1.",
        check=weighted_groups_have_tasks,
        level="mandatory",
        severity="critical",
    ),
    StackRule(
        name="aws-listener-target-groups-identical-health-checks",
        description="Target groups that share a listener have identical health checks.",
        check=identical_health_checks,
        level="mandatory",
        severity="high",
    ),
    StackRule(
        name="aws-http-listener-redirects-to-https",
        description="HTTP listeners on public application load balancers redirect to HTTPS.",
        check=http_redirects_to_https,
        level="advisory",
        severity="medium",
        knobs={
            "exemptPorts": Knob(
                {"type": "array", "items": {"type": "integer"}},
                [],
                "Listener ports allowed to serve plain HTTP (e.g. a locked-down test port).",
            ),
            "requireHttps": Knob(
                {"type": "boolean"}, True, "false lets an ALB with no HTTPS listener at all serve plain HTTP."
            ),
        },
    ),
]
