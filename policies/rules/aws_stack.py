"""AWS stack rules: the blue/green invariants across listener, target groups, ECS services and the ALB.

A listener may send weight to a target group only if something serves behind it,
and the groups it splits traffic between must agree on what "healthy" means, or a
flip moves traffic to a color that is judged by a laxer check.
"""

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from .aws_links import ArnIndex
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
from .values import UNKNOWN, canonical, has_unknown, items, mapping, number, show


def _of_type(resources: list[StackResource], types: frozenset[str]) -> list[StackResource]:
    return [r for r in resources if r.type in types]


# Non-ECS ways to put targets in a group, and the input that names the group.
_OTHER_REGISTRARS = {
    **{token: "targetGroupArn" for token in TARGET_GROUP_ATTACHMENTS},
    "aws:autoscaling/attachment:Attachment": "lbTargetGroupArn",
    "aws:autoscaling/group:Group": "targetGroupArns",
}


class _Registrations:
    """What puts targets in which target group: ECS services, attachments, Auto Scaling groups."""

    def __init__(self, resources: list[StackResource], groups: ArnIndex) -> None:
        self._groups = groups
        self.services_by_arn: dict[str, list[StackResource]] = defaultdict(list)
        self.services_by_group: dict[str, list[StackResource]] = defaultdict(list)
        # Services whose target is unknown until deployment (and not traceable by dependency): any group may be theirs.
        self.unknown_services: list[StackResource] = []
        self.other_arns: set[str] = set()
        self.other_groups: set[str] = set()
        for resource in resources:
            if resource.type == ECS_SERVICE:
                self._add_service(resource)
            elif resource.type in _OTHER_REGISTRARS:
                value = resource.props.get(_OTHER_REGISTRARS[resource.type])
                for named in value if isinstance(value, list) else [value]:
                    if isinstance(named, str):
                        self.other_arns.add(named)
                    self.other_groups.update(tg.urn for tg in groups.named(named))

    def _add_service(self, service: StackResource) -> None:
        balancers = service.props.get("loadBalancers")
        targets = [UNKNOWN] if balancers is UNKNOWN else [mapping(b).get("targetGroupArn") for b in items(balancers)]
        for target in targets:
            if target is UNKNOWN:
                by_dependency = self._groups.depended_on(service, "loadBalancers")
                if not by_dependency:
                    self.unknown_services.append(service)
                for tg in by_dependency:
                    self.services_by_group[tg.urn].append(service)
                continue
            if isinstance(target, str):
                self.services_by_arn[target].append(service)
            for tg in self._groups.named(target):
                self.services_by_group[tg.urn].append(service)

    def services(self, arn: str, tg: StackResource | None) -> list[StackResource]:
        found = {s.urn: s for s in self.services_by_arn.get(arn, ())}
        if tg is not None:
            found.update((s.urn, s) for s in self.services_by_group.get(tg.urn, ()))
        return list(found.values())

    def outside_ecs(self, arn: str, tg: StackResource | None) -> bool:
        """Targets attached directly, or by an Auto Scaling group: not ECS, so desiredCount does not apply."""
        return arn in self.other_arns or (tg is not None and tg.urn in self.other_groups)


def weighted_groups_have_tasks(resources: list[StackResource], config: Mapping[str, Any]) -> list[tuple[str, str]]:
    groups = ArnIndex(_of_type(resources, TARGET_GROUPS))
    registrations = _Registrations(resources, groups)
    found = []
    for router in _of_type(resources, LISTENERS | LISTENER_RULES):
        for action in forward_actions(router.type, router.props):
            for forward in forwards(action):
                weight = weight_of(forward)
                if not isinstance(forward.arn, str) or weight is None or weight <= 0:
                    continue  # unknown ARN (first preview) or no traffic: nothing to judge
                tg = groups.resolve(forward.arn)
                where = tg.label if tg else f"target group {show(forward.arn)}"
                if registrations.outside_ecs(forward.arn, tg):
                    continue
                attached = registrations.services(forward.arn, tg)
                if not attached:
                    if registrations.unknown_services:
                        continue  # a service whose target group is not known yet may be the one
                    found.append(
                        (
                            router.urn,
                            f"{router.label} sends weight {show(forward.weight)} to {where}, but no ECS service "
                            "registers tasks in it, so those requests get 503; attach the color's ECS service "
                            "(loadBalancers[].targetGroupArn) or set its weight to 0.",
                        )
                    )
                    continue
                if any(s.props.get("schedulingStrategy") in ("DAEMON", UNKNOWN) for s in attached):
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
    groups = ArnIndex(_of_type(resources, TARGET_GROUPS))
    listeners = _of_type(resources, LISTENERS)
    index = ArnIndex(listeners)
    rules_of: dict[str, list[StackResource]] = defaultdict(list)
    for rule in _of_type(resources, LISTENER_RULES):
        for listener in index.referred(rule.props.get("listenerArn"), rule, "listenerArn"):
            rules_of[listener.urn].append(rule)
    result = []
    for listener in listeners:
        members: dict[str, StackResource] = {}
        for router in [listener, *rules_of.get(listener.urn, [])]:
            key = "actions" if router.type in LISTENER_RULES else "defaultActions"
            for action in forward_actions(router.type, router.props):
                for forward in forwards(action):
                    tg = groups.resolve(forward.arn, router, key)
                    if tg is not None:
                        members.setdefault(tg.urn, tg)
        result.append((listener, list(members.values())))
    return result


def identical_health_checks(resources: list[StackResource], config: Mapping[str, Any]) -> list[tuple[str, str]]:
    found = []
    for listener, members in _listener_groups(resources):
        if len(members) < 2:
            continue
        reference = members[0]
        expected = reference.props.get("healthCheck")
        for other in members[1:]:
            actual = other.props.get("healthCheck")
            if has_unknown(expected) or has_unknown(actual) or canonical(actual) == canonical(expected):
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
    exempt = {number(p) for p in config["exemptPorts"]} - {None}
    balancers = ArnIndex(_of_type(resources, LOAD_BALANCERS))
    listeners = _of_type(resources, LISTENERS)
    with_https = {
        balancer.urn
        for other in listeners
        if other.props.get("protocol") == "HTTPS"
        for balancer in balancers.referred(other.props.get("loadBalancerArn"), other, "loadBalancerArn")
    }
    found = []
    for listener in listeners:
        if listener.props.get("protocol") != "HTTP" or number(listener.props.get("port")) in exempt:
            continue
        if has_unknown(listener.props.get("defaultActions")):
            continue  # its actions are computed at deploy time: they may be the redirect
        balancer = balancers.resolve(listener.props.get("loadBalancerArn"), listener, "loadBalancerArn")
        if balancer is None:
            continue  # an ALB outside this stack: its scheme is unknown here
        if UNKNOWN in (balancer.props.get("internal"), balancer.props.get("loadBalancerType")):
            continue
        public = balancer.props.get("internal") is not True
        application = balancer.props.get("loadBalancerType", "application") == "application"
        if not (public and application) or _redirects_to_https(listener):
            continue
        has_https = balancer.urn in with_https
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
