"""Inputs nested 600 to 1,000 levels deep are judged, not fatal: a documented depth limit, reported as a violation.

Before, the parse recursed once per level and Analyze/AnalyzeStack failed with a
RecursionError outside the rules' safety net, so no verdict reached the engine. Now the pack
reads inputs to `MAX_DEPTH` levels (policies/rules/nesting.py), judges the rest with every
rule, and `inputs-nesting-limit` names the resource.
"""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from policy_cases import changed, check, deployment, messages, policies

from bluegreen.policy_client import PACK_DIR

if str(PACK_DIR) not in sys.path:
    sys.path.insert(0, str(PACK_DIR))

from rules.nesting import MAX_DEPTH

pytestmark = pytest.mark.policy
RULE = "inputs-nesting-limit"


def nested(depth: int, leaf: Any = "x") -> Any:
    value = leaf
    for level in range(depth):
        value = {"a": value} if level % 2 else [value]
    return value


@contextmanager
def deep_client_recursion() -> Iterator[None]:
    """The client's own Struct encoding recurses too; only the pack is under test."""
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(20_000)
    try:
        yield
    finally:
        sys.setrecursionlimit(before)


@pytest.mark.parametrize("depth", [600, 1000])
def test_deeply_nested_inputs_are_a_violation_not_a_crash(policy_pack, depth):
    # A Deployment without probes, with a deep annotation-like input: the probe rules still judge it.
    broken = changed(deployment(), spec__template__spec__containers__0__readinessProbe=None)
    deep = changed(broken, metadata__labels={"deep": nested(depth)})
    with deep_client_recursion():
        found = check(policy_pack, [deep])
    assert RULE in policies(found)
    assert "k8s-readiness-probe-required" in policies(found)
    [message] = messages(found, RULE)
    assert f'Deployment "web-blue" has inputs nested more than {MAX_DEPTH} levels deep (at metadata.labels.deep.' in (
        message
    )


def test_a_chain_of_secrets_wrapping_secrets_is_bounded_too(policy_pack):
    value: Any = "x"
    for _ in range(800):
        value = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": value}
    with deep_client_recursion():
        found = check(policy_pack, [changed(deployment(), metadata__annotations={"chain": value})])
    assert policies(found) == {RULE}


def test_inputs_at_the_limit_are_read_whole(policy_pack):
    # metadata (level 1), labels (2) and MAX_DEPTH - 2 levels below them: exactly MAX_DEPTH levels.
    assert check(policy_pack, [changed(deployment(), metadata__labels={"deep": nested(MAX_DEPTH - 2)})]) == []
    assert policies(check(policy_pack, [changed(deployment(), metadata__labels={"deep": nested(MAX_DEPTH - 1)})])) == {
        RULE
    }
