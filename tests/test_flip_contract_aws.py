"""The flip contract on AWS (docs/design.md §4): run the real program twice under mocks, changing only
`bluegreen:traffic`, and diff every resource's inputs. Only listeners may change, in place.

A control case (a release: new green image) shows the diff sees non-listener changes too.
"""

from typing import Any

import pytest

from bluegreen.program_run import ProgramRun
from bluegreen.run_diff import ResourceChange, diff_runs
from tests.conftest import run_config, stack_config

LISTENER = "aws:lb/listener:Listener"
ROUTER_TYPES = {LISTENER}
UNTOUCHABLE = {
    "aws:lb/targetGroup:TargetGroup",
    "aws:ecs/service:Service",
    "aws:ecs/taskDefinition:TaskDefinition",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    "aws:lb/loadBalancer:LoadBalancer",
}


def run(stack: str, blue: int, green: int, **overrides: Any) -> ProgramRun:
    return run_config(
        stack_config(stack, {"bluegreen:traffic": {"blue": blue, "green": green}, **overrides}), stack
    )


def summary(changes: list[ResourceChange]) -> set[tuple[str, str, str, tuple[str, ...]]]:
    return {(c.name, c.type, c.kind, c.changed) for c in changes}


PROD_LISTENER = ("web-listener", LISTENER, "update", ("defaultActions",))
TEST_LISTENER = ("web-test-listener", LISTENER, "update", ("defaultActions",))

SCENARIOS = [
    # (id, weights before, weights after, exactly these changes)
    ("canary step 100/0 -> 90/10", (100, 0), (90, 10), {PROD_LISTENER}),
    ("canary step 90/10 -> 50/50 (tie keeps green the candidate)", (90, 10), (50, 50), {PROD_LISTENER}),
    ("full flip 100/0 -> 0/100", (100, 0), (0, 100), {PROD_LISTENER, TEST_LISTENER}),
    ("passing the middle 50/50 -> 40/60", (50, 50), (40, 60), {PROD_LISTENER, TEST_LISTENER}),
    ("rollback 0/100 -> 100/0", (0, 100), (100, 0), {PROD_LISTENER, TEST_LISTENER}),
    ("canary rollback 90/10 -> 100/0", (90, 10), (100, 0), {PROD_LISTENER}),
]


@pytest.mark.parametrize("stack", ["dev", "prod"])
@pytest.mark.parametrize(
    ("before", "after", "expected"), [s[1:] for s in SCENARIOS], ids=[s[0] for s in SCENARIOS]
)
def test_changing_only_traffic_updates_only_listeners(stack, before, after, expected):
    changes = diff_runs(run(stack, *before), run(stack, *after))
    assert summary(changes) == expected
    assert not [c for c in changes if c.kind != "update"], "a flip must never create, delete or replace"
    assert not {c.type for c in changes} & UNTOUCHABLE
    assert {c.type for c in changes} <= ROUTER_TYPES


def test_the_redirect_listener_never_moves():
    # prod has a third listener (80 -> 443); flips must leave it alone.
    changes = diff_runs(run("prod", 100, 0), run("prod", 0, 100))
    assert "web-redirect" not in {c.name for c in changes}
    assert {c.name for c in changes} == {"web-listener", "web-test-listener"}


def test_a_flip_edits_only_the_weights_inside_the_listener():
    before, after = run("prod", 100, 0), run("prod", 90, 10)
    old, new = before.named("web-listener").inputs, after.named("web-listener").inputs
    assert {k: v for k, v in old.items() if k != "defaultActions"} == {
        k: v for k, v in new.items() if k != "defaultActions"
    }
    old_groups = old["defaultActions"][0]["forward"]["targetGroups"]
    new_groups = new["defaultActions"][0]["forward"]["targetGroups"]
    assert [g["arn"] for g in old_groups] == [g["arn"] for g in new_groups]
    assert [g["weight"] for g in old_groups] == [100, 0]
    assert [g["weight"] for g in new_groups] == [90, 10]


def test_same_config_twice_changes_nothing():
    assert diff_runs(run("prod", 90, 10), run("prod", 90, 10)) == []


# Control: the diff is not blind ----------------------------------------------------------------


def test_a_release_replaces_the_green_task_definition_and_not_the_router():
    new_image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.6.0"
    before = run("prod", 100, 0)
    after = run("prod", 100, 0, **{"bluegreen:green.image": new_image})
    assert summary(diff_runs(before, after)) == {
        ("web-green-task", "aws:ecs/taskDefinition:TaskDefinition", "replace", ("containerDefinitions",)),
    }
    # On AWS the new task definition gets a new revision ARN, which the green service reads,
    # so the service updates too; mock ARNs are name-based and stay equal, so check the link.
    assert (
        after.named("web-green-service").inputs["taskDefinition"].endswith(":taskdefinition/web-green-task")
    )


def test_scaling_the_old_color_down_touches_only_its_service():
    changes = diff_runs(run("prod", 0, 100), run("prod", 0, 100, **{"bluegreen:blue.replicas": 0}))
    assert summary(changes) == {("web-blue-service", "aws:ecs/service:Service", "update", ("desiredCount",))}
