"""The Pulumi SDK's check for unknown values, without the reference cycle it leaves on every call.

The SDK resolves every Output through `pulumi.runtime.rpc.contains_unknowns`, which defines a
nested function that calls itself. Such a function holds itself through its own closure cell,
so each call leaves a function, a cell and a tuple that only Python's cyclic collector can free.
In a fleet program that is 7 of every 10 objects the collector finds once the run ends (about
67,000 of 93,000 at 10 services), and collecting a heap that no longer fits the CPU's cache costs
more per object as it grows, so time per service grew with N (bench/fleet.py).

`install()` puts an equivalent in its place that recurses through a module-level function, so
reference counting frees everything a call makes. It replaces only the SDK function it was written
against: one whose code is, instruction for instruction, pulumi 3.272's (`SDK_SOURCE`, compiled by
the running Python). A later SDK that changes the check, even keeping its nested shape (walking
tuples, say), keeps its own, as does any other function put there; tests/test_acyclic_unknowns.py
then fails so this module is updated or dropped.
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


SDK_SOURCE = """
from typing import Any

from . import known_types  # imported, as in rpc.py: Python compiles a call on an imported name differently


def contains_unknowns(val: Any) -> bool:
    def impl(val: Any, seen_ids: set[int]) -> bool:
        if known_types.is_unknown(val):
            return True

        val_id = id(val)
        if val_id in seen_ids:
            return False

        seen_ids.add(val_id)
        if isinstance(val, dict):
            return any(impl(val[k], seen_ids) for k in val)
        if isinstance(val, list):
            return any(impl(x, seen_ids) for x in val)

        return False

    return impl(val, set())
"""
"""pulumi.runtime.rpc.contains_unknowns as pulumi 3.272 defines it: the check `contains_unknowns` answers as."""


def _instructions(code: types.CodeType) -> tuple[Any, ...]:
    """What `code` does, without where it is (line numbers, file): its bytecode, names and constants, nested too."""
    constants = tuple(_instructions(c) if isinstance(c, types.CodeType) else c for c in code.co_consts)
    return code.co_code, code.co_names, code.co_varnames, code.co_freevars, code.co_cellvars, constants


_SDK_CODE = next(c for c in compile(SDK_SOURCE, "<sdk>", "exec").co_consts if isinstance(c, types.CodeType))
_SDK_INSTRUCTIONS = _instructions(_SDK_CODE)


def is_the_sdk_check(function: Callable[..., Any]) -> bool:
    """Whether `function` is the SDK check this module was written against (`SDK_SOURCE`), not merely shaped like it."""
    code = getattr(function, "__code__", None)
    return isinstance(code, types.CodeType) and _instructions(code) == _SDK_INSTRUCTIONS


replaced: Callable[[Any], bool] | None = None
"""The SDK's own check, once `install()` has put this module's in its place."""


def install() -> bool:
    """Use `contains_unknowns` in the SDK if its own is the one this module answers as; True when it is (now) ours."""
    global replaced
    if rpc.contains_unknowns is contains_unknowns:
        return True
    if not is_the_sdk_check(rpc.contains_unknowns):
        return False
    replaced, rpc.contains_unknowns = rpc.contains_unknowns, contains_unknowns
    return True
