"""The Pulumi SDK's check for unknown values, without the reference cycle it leaves on every call.

The SDK resolves every Output through `pulumi.runtime.rpc.contains_unknowns`, which defines a
nested function that calls itself. Such a function holds itself through its own closure cell,
so each call leaves a function, a cell and a tuple that only Python's cyclic collector can free.
In a fleet program that is 7 of every 10 objects the collector finds once the run ends (about
67,000 of 93,000 at 10 services), and collecting a heap that no longer fits the CPU's cache costs
more per object as it grows, so time per service grew with N (bench/fleet.py).

`install()` puts an equivalent in its place that recurses through a module-level function, so
reference counting frees everything a call makes. It replaces only the SDK function it was written
against (a nested function closing over itself, as in pulumi 3.272): a later SDK that defines the
check differently keeps its own, and tests/test_acyclic_unknowns.py fails so this module is dropped.
The SDK's other callers (`pulumi.output`, `pulumi.runtime.invoke`) look the function up on the
module at each call, so one assignment reaches them all.
"""

import types
from collections.abc import Callable
from typing import Any

from pulumi.runtime import known_types, rpc


def contains_unknowns(value: Any) -> bool:
    """Whether `value`, or anything in the dicts and lists inside it, is unknown (as the SDK's check)."""
    return _walk(value, set())


def _walk(value: Any, seen: set[int]) -> bool:
    if known_types.is_unknown(value):
        return True
    # Each container once: a value that contains itself ends here, as in the SDK.
    if id(value) in seen:
        return False
    seen.add(id(value))
    if isinstance(value, dict):
        # Keys, then `value[key]`, like the SDK: the providers' output types are dicts whose properties
        # can shadow `.values` (pulumi_aws's ListenerRuleConditionHostHeader has a `values` list).
        return any(_walk(value[key], seen) for key in value)
    if isinstance(value, list):
        return any(_walk(item, seen) for item in value)
    return False


def closes_over_itself(function: Callable[..., Any]) -> bool:
    """Whether `function` defines a nested function that refers to itself: a cycle made at each call."""
    code = getattr(function, "__code__", None)
    if code is None:
        return False
    return any(isinstance(const, types.CodeType) and const.co_name in const.co_freevars for const in code.co_consts)


replaced: Callable[[Any], bool] | None = None
"""The SDK's own check, once `install()` has put this module's in its place."""


def install() -> bool:
    """Use `contains_unknowns` in the SDK if its own is the cyclic one; True when it is (now) ours."""
    global replaced
    if rpc.contains_unknowns is contains_unknowns:
        return True
    if not closes_over_itself(rpc.contains_unknowns):
        return False
    replaced, rpc.contains_unknowns = rpc.contains_unknowns, contains_unknowns
    return True
