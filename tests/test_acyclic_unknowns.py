"""The SDK's check for unknown values, replaced by one that answers the same and leaves no cycle.

components/acyclic_unknowns.py exists because the SDK's `contains_unknowns` leaves a cycle per call.
These tests pin both halves: the SDK's own still does (or the module has outlived its reason and
goes), ours answers exactly as it does on any nesting, sharing or self-reference, and a program
run through the SDK leaves none of the SDK's cycles behind.
"""

import gc
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pulumi.output import UNKNOWN, Unknown
from pulumi.runtime import rpc

from bluegreen.program_run import ProgramRun, run_config
from bluegreen.stack_files import stack_config
from components import acyclic_unknowns
from components.acyclic_unknowns import contains_unknowns


def cyclic_garbage_after(check: Callable[[Any], bool], value: Any, calls: int) -> int:
    """Objects only the cyclic collector could free after `calls` checks of `value`.

    With the collector off, everything the calls make stays in the youngest generation: collecting that one
    alone finds it, without a full pass over the worker's whole heap (0.1 s and more late in a session).
    """
    gc.collect(0)
    gc.disable()
    try:
        for _ in range(calls):
            check(value)
        return gc.collect(0)
    finally:
        gc.enable()


def test_the_sdk_check_leaves_cyclic_garbage_and_ours_leaves_none(sdk_check: Callable[[Any], bool]) -> None:
    value = {"listeners": [{"port": 443, "arn": UNKNOWN}], "tags": {"team": "shop"}}
    assert cyclic_garbage_after(sdk_check, value, 100) >= 300  # a function, a cell and a tuple per call
    assert cyclic_garbage_after(contains_unknowns, value, 100) == 0


leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=3), st.just(UNKNOWN), st.builds(Unknown))
values = st.recursive(
    leaves,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=2), children, max_size=4),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(values)
def test_ours_answers_as_the_sdk_does_on_any_nesting(sdk_check: Callable[[Any], bool], value: Any) -> None:
    assert contains_unknowns(value) == sdk_check(value)


@settings(max_examples=100, deadline=None)
@given(values, values)
def test_ours_answers_as_the_sdk_does_when_containers_are_shared_or_contain_themselves(
    sdk_check: Callable[[Any], bool], first: Any, second: Any
) -> None:
    shared = [first, second]
    looped: dict[str, Any] = {"first": first}
    looped["self"] = looped
    looped["later"] = second  # reached only after the walk met the container it is already inside
    for value in ([shared, shared], looped, [looped, shared, looped]):
        assert contains_unknowns(value) == sdk_check(value)


def test_a_container_met_again_is_not_walked_twice_as_in_the_sdk(sdk_check: Callable[[Any], bool]) -> None:
    inner: list[Any] = [1]
    inner.append(inner)
    inner.append(UNKNOWN)
    assert contains_unknowns(inner) is True and sdk_check(inner) is True
    assert contains_unknowns({"a": inner, "b": [inner]}) is True


def test_a_dict_whose_values_property_is_shadowed_is_walked_by_key() -> None:
    from pulumi_aws.lb.outputs import ListenerRuleConditionHostHeader

    condition = ListenerRuleConditionHostHeader(values=["shop.example.com"])
    assert contains_unknowns({"hostHeader": condition}) is False


def test_install_leaves_any_other_check_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    def someone_elses(value: Any) -> bool:
        return False

    monkeypatch.setattr(rpc, "contains_unknowns", someone_elses)
    assert acyclic_unknowns.install() is False
    assert rpc.contains_unknowns is someone_elses


def sdk_check_cycles_left_by_a_program_run() -> int:
    """How many of the SDK check's nested functions a prod program run leaves for the collector to find.

    Full collections, not only the young generations': what DEBUG_SAVEALL kept from an earlier call is still
    cyclic garbage after `gc.garbage.clear()`, moved to an older generation, and a full collection the run
    itself triggers would count it as this run's.
    """
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        run = ProgramRun()  # `into=`: a real run, never a copy of an earlier test's (tests/program_run_cache.py)
        run_config(stack_config("prod"), stack="prod", into=run)
        assert len(run.resources) > 20
        del run
        gc.collect()
        names = [item.__qualname__ for item in gc.garbage if isinstance(item, type(contains_unknowns))]
        return sum(name.startswith("contains_unknowns.<locals>") for name in names)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


def test_a_program_run_installs_ours_and_leaves_almost_none_of_the_sdk_check_cycles(
    sdk_check: Callable[[Any], bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as without_ours:
        without_ours.setattr(rpc, "contains_unknowns", sdk_check)
        without_ours.setattr(acyclic_unknowns, "install", lambda: False)
        left_without_it = sdk_check_cycles_left_by_a_program_run()

    monkeypatch.setattr(rpc, "contains_unknowns", sdk_check)  # as in a fresh process: the program must install it
    left = sdk_check_cycles_left_by_a_program_run()
    assert rpc.contains_unknowns is contains_unknowns  # the program's pause installed it
    assert left_without_it > 500
    # The few left are the SDK's own checks before the program's first line (its root Stack, racing it).
    assert left <= 10
