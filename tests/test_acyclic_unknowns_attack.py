"""Attacks on components/acyclic_unknowns.py: odd values, whole programs, and what `install()` replaces.

tests/test_acyclic_unknowns.py pins the check on nested dicts and lists. Here it meets what a program
can hand it (the providers' dict subclasses, tuples and sets the SDK does not walk, Outputs, protobuf
values, containers that lie about their keys, nesting deep enough to exhaust the stack), every stack
file runs with ours and with the SDK's (also as a preview, with unknowns), and `install()` is shown
functions it must leave alone.
"""

import functools
import importlib.util
import subprocess
import sys
import types
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import pulumi
import pytest
from google.protobuf import struct_pb2
from hypothesis import given, settings
from hypothesis import strategies as st
from pulumi.output import UNKNOWN, Unknown
from pulumi.runtime import rpc
from pulumi_aws.lb.outputs import ListenerRuleConditionHostHeader

import components.registration_gc as registration_gc
from bluegreen import program_run
from bluegreen.program_run import ProgramRun, run_config
from bluegreen.stack_files import PROJECT_DIR, read_stack_config, stack_names
from components import acyclic_unknowns
from components.acyclic_unknowns import contains_unknowns

Check = Callable[[Any], bool]


def outcome(check: Check, value: Any) -> tuple[Any, ...]:
    """The answer, or the exception's type and message: what a caller of the check sees."""
    try:
        return ("answer", check(value))
    except Exception as error:
        return ("raised", type(error), str(error))


class LaterUnknown(Unknown):
    """An Unknown subclass: the SDK's `is_unknown` is an isinstance check."""


class ShadowedViews(dict):
    """As pulumi_aws's output types: properties named like dict's views (`values`, `keys`, `items`)."""

    @property
    def values(self) -> Any:  # type: ignore[override]
        return [UNKNOWN]

    @property
    def keys(self) -> Any:  # type: ignore[override]
        return ["phantom"]

    @property
    def items(self) -> Any:  # type: ignore[override]
        return [("phantom", UNKNOWN)]


class IteratesSomeKeys(dict):
    """Iterates only its first key: the unknown under the second is never reached."""

    def __iter__(self) -> Iterator[Any]:
        return iter(list(dict.keys(self))[:1])


class IteratesMissingKey(dict):
    def __iter__(self) -> Iterator[Any]:
        return iter(["missing"])


class EveryKeyUnknown(dict):
    def __getitem__(self, key: Any) -> Any:
        return UNKNOWN


class FreshValues(dict):
    """Each lookup makes a new list: freed after its walk, its id can come back for the next key's list."""

    def __getitem__(self, key: Any) -> Any:
        return [dict.__getitem__(self, key)]


class GrowsWhileWalked(dict):
    def __getitem__(self, key: Any) -> Any:
        self[f"{key}+"] = 1
        return dict.__getitem__(self, key)


class IteratesBackwards(list):
    def __iter__(self) -> Iterator[Any]:
        return iter(list(list.__iter__(self))[::-1])


class Hostile:
    """Compares and hashes by raising: the check must not compare or hash what it walks."""

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("compared")

    def __hash__(self) -> int:
        raise RuntimeError("hashed")


class PosesAsDict:
    """`isinstance(x, dict)` is true (through `__class__`), but it cannot be iterated."""

    @property
    def __class__(self) -> type:  # type: ignore[override]
        return dict


def struct_with_unknown() -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update({"arn": rpc.UNKNOWN, "ports": [rpc.UNKNOWN]})
    return struct


def self_containing_dict_subclass() -> dict:
    looped = ShadowedViews(first=1)
    looped["self"] = looped
    looped["later"] = [UNKNOWN]
    return looped


RAISES, ALIKE = "raises", "alike"
ODD_VALUES: dict[str, tuple[Callable[[], Any], bool | str]] = {
    # name: (a fresh value, the answer expected of both checks, RAISES, or ALIKE: what the allocator reuses decides)
    "an Unknown subclass, nested": (lambda: {"a": [LaterUnknown()]}, True),
    "a dict subclass whose views are shadowed, unknown only in the views": (lambda: ShadowedViews(a=1), False),
    "a dict subclass whose views are shadowed, unknown under a key": (lambda: ShadowedViews(a=[UNKNOWN]), True),
    "pulumi_aws's output type with an unknown in its `values`": (
        lambda: {"hostHeader": ListenerRuleConditionHostHeader(values=["shop.example.com", UNKNOWN])},  # type: ignore[list-item]
        True,
    ),
    "a dict that iterates only some of its keys": (lambda: IteratesSomeKeys(a=1, b=UNKNOWN), False),
    "a dict that iterates a key it does not hold": (lambda: IteratesMissingKey(a=1), RAISES),
    "a dict whose every lookup is unknown": (lambda: EveryKeyUnknown(a=1), True),
    "a dict whose lookups make new lists (ids reused)": (lambda: FreshValues(a=1, b=UNKNOWN), ALIKE),
    "a dict that grows while walked": (lambda: GrowsWhileWalked(a=1), RAISES),
    "a list subclass that iterates backwards": (lambda: IteratesBackwards([UNKNOWN, 1]), True),
    "a tuple with an unknown (not walked)": (lambda: (UNKNOWN,), False),
    "a set and a frozenset with an unknown (not walked)": (lambda: [{UNKNOWN}, frozenset([UNKNOWN])], False),
    "an Output of an unknown (not walked)": (lambda: [pulumi.Output.from_input(UNKNOWN)], False),
    "a secret Output (not walked)": (lambda: {"password": pulumi.Output.secret("hunter2")}, False),
    "a protobuf Struct and ListValue holding the unknown sentinel": (
        lambda: [struct_with_unknown(), struct_with_unknown()["ports"]],
        False,
    ),
    "the unknown sentinel string itself": (lambda: {"arn": rpc.UNKNOWN}, False),
    "values that raise when compared or hashed": (lambda: [Hostile(), {"h": Hostile()}, UNKNOWN], True),
    "an object posing as a dict": (lambda: [PosesAsDict()], RAISES),
    "a dict subclass that contains itself": (self_containing_dict_subclass, True),
}


@pytest.mark.parametrize("name", ODD_VALUES)
def test_ours_answers_or_raises_as_the_sdk_does_on_odd_values(sdk_check: Check, name: str) -> None:
    make, expected = ODD_VALUES[name]
    ours, theirs = outcome(contains_unknowns, make()), outcome(sdk_check, make())
    assert ours == theirs
    if expected == RAISES:
        assert ours[0] == "raised"
    elif expected != ALIKE:
        assert ours == ("answer", expected)


def outcome_at_depth(check: Check, depth: int) -> str:
    value: Any = UNKNOWN
    for _ in range(depth):
        value = [value]
    try:
        return str(check(value))
    except RecursionError:
        return "RecursionError"


def test_nesting_too_deep_for_the_stack_fails_alike_at_the_same_depth(sdk_check: Check) -> None:
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(400)  # a small stack: the edge is found in a few hundred calls
    try:
        low, high = 1, 400  # the SDK's check answers at `low` and fails at `high`
        assert outcome_at_depth(sdk_check, low) == "True" and outcome_at_depth(sdk_check, high) == "RecursionError"
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if outcome_at_depth(sdk_check, middle) == "True" else (low, middle)
        assert outcome_at_depth(contains_unknowns, low) == "True"
        assert outcome_at_depth(contains_unknowns, high) == "RecursionError"
    finally:
        sys.setrecursionlimit(limit)


leaves = st.one_of(
    st.none(),
    st.integers(),
    st.text(max_size=2),
    st.just(UNKNOWN),
    st.builds(LaterUnknown),
    st.just(rpc.UNKNOWN),
    st.tuples(st.just(UNKNOWN)),
    st.frozensets(st.just(UNKNOWN), max_size=1),
)


def containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    keyed = st.dictionaries(st.text(max_size=2), children, max_size=3)
    return st.one_of(
        st.lists(children, max_size=3),
        keyed,
        keyed.map(ShadowedViews),
        keyed.map(IteratesSomeKeys),
        st.lists(children, max_size=3).map(IteratesBackwards),
    )


odd_values = st.recursive(leaves, containers, max_leaves=20)


@settings(max_examples=120, deadline=None)
@given(odd_values, odd_values)
def test_ours_answers_as_the_sdk_does_on_dict_subclasses_tuples_and_shared_containers(
    sdk_check: Check, first: Any, second: Any
) -> None:
    looped = ShadowedViews(first=first)
    looped["self"] = looped
    looped["later"] = second
    for value in (first, [first, first, second], looped, [looped, first, looped]):
        assert outcome(contains_unknowns, value) == outcome(sdk_check, value)


# Whole programs: every stack file, as a deployment and as a preview whose providers leave values unknown.

COMPUTED = {"arn", "dnsName", "zoneId", "imageId"}
"""Outputs a provider computes: unknown in a preview of a resource not yet created."""


def unknown_inside(value: Any) -> Any:
    """`value` with its last leaf unknown, however deep: a nested output the provider has not filled in yet."""
    if isinstance(value, dict) and value:
        last = list(value)[-1]
        return {**value, last: unknown_inside(value[last])}
    if isinstance(value, list) and value:
        return [*value[:-1], unknown_inside(value[-1])]
    return UNKNOWN if isinstance(value, str) else value


def as_in_a_preview(outputs: dict[str, Any]) -> dict[str, Any]:
    return {
        key: UNKNOWN if key in COMPUTED else unknown_inside(value) if isinstance(value, dict | list) else value
        for key, value in outputs.items()
    }


def shown(value: Any) -> Any:
    """A registered value comparable across runs: Unknown has no equality of its own."""
    if isinstance(value, Unknown):
        return "<unknown>"
    if isinstance(value, dict):
        return {key: shown(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [shown(item) for item in value]
    return value


def every_stack(preview: bool) -> dict[tuple[str, str], Any]:
    """What each stack file registers (inputs, parents, dependencies, aliases) and exports, run for real."""
    found: dict[tuple[str, str], Any] = {}
    set_mocks, fake_outputs = pulumi.runtime.set_mocks, program_run.fake_outputs
    with pytest.MonkeyPatch.context() as patch:
        if preview:

            def previewing(*args: Any, **kwargs: Any) -> None:
                set_mocks(*args, **kwargs | {"preview": True})

            patch.setattr(pulumi.runtime, "set_mocks", previewing)
            patch.setattr(program_run, "fake_outputs", lambda *args: as_in_a_preview(fake_outputs(*args)))
        platform: dict[str, Any] = {}
        examples = PROJECT_DIR / "examples"
        for project in (PROJECT_DIR, examples / "library", examples / "platform", examples / "fleet"):
            for stack in stack_names(project):
                run = run_config(
                    read_stack_config(stack, project_dir=project), stack=stack, project_dir=project, into=ProgramRun(),
                    stack_outputs={"acme/bluegreen-platform/prod": platform} if project.name == "fleet" else None,
                )
                if project.name == "platform":
                    platform = run.outputs
                resources = sorted(
                    (urn, r.type, r.parent, r.custom, repr(shown(r.inputs)), r.dependencies, r.aliases)
                    for urn, r in run.resources.items()
                )
                found[project.name, stack] = resources, repr(shown(run.outputs))
    return found


@pytest.fixture(scope="module")
def answers_compared(sdk_check: Check) -> Iterator[dict[str, int]]:
    """Both checks asked every value the programs ask about: how many, and how many held an unknown inside."""
    counts = {"asked": 0, "unknown inside a container": 0}

    def both(value: Any) -> bool:
        ours, theirs = outcome(contains_unknowns, value), outcome(sdk_check, value)
        assert ours == theirs, f"ours {ours}, the SDK's {theirs} on {value!r}"
        counts["asked"] += 1
        counts["unknown inside a container"] += ours == ("answer", True) and not isinstance(value, Unknown)
        return sdk_check(value)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rpc, "contains_unknowns", both)  # not the SDK's function: install() leaves it in place
        every_stack(preview=False)
        every_stack(preview=True)
        assert rpc.contains_unknowns is both
    yield counts


def test_every_value_the_programs_ask_about_gets_the_sdks_answer(answers_compared: dict[str, int]) -> None:
    assert answers_compared["asked"] > 10_000
    # The previews' nested unknowns (the providers' output types included) reached the check.
    assert answers_compared["unknown inside a container"] > 100


@pytest.mark.parametrize("preview", [False, True], ids=["deployment", "preview with unknowns"])
def test_every_stack_registers_and_exports_the_same_with_ours_as_with_the_sdks(sdk_check: Check, preview: bool) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rpc, "contains_unknowns", sdk_check)
        ours = every_stack(preview)
        assert rpc.contains_unknowns is contains_unknowns  # the programs' pause installed ours
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(acyclic_unknowns, "install", lambda: False)
        patch.setattr(rpc, "contains_unknowns", sdk_check)
        theirs = every_stack(preview)
        assert rpc.contains_unknowns is sdk_check
    assert len(ours) == 7 and sum(len(resources) for resources, _ in ours.values()) > 150
    assert ("<unknown>" in repr(ours)) is preview
    assert ours == theirs


# What install() replaces.


def walks_tuples_too(val: Any) -> bool:
    """Shaped as the SDK's (a nested function calling itself) but answering otherwise: a later SDK, or a user's."""

    def impl(val: Any, seen_ids: set[int]) -> bool:
        if isinstance(val, Unknown):
            return True
        if id(val) in seen_ids:
            return False
        seen_ids.add(id(val))
        if isinstance(val, dict):
            return any(impl(val[k], seen_ids) for k in val)
        if isinstance(val, list | tuple):
            return any(impl(x, seen_ids) for x in val)
        return False

    return impl(val, set())


def others(sdk: Check) -> dict[str, Callable[..., Any]]:
    def wrapper(value: Any) -> bool:
        return sdk(value)

    return {
        "a wrapper": wrapper,
        "functools.wraps": functools.wraps(sdk)(wrapper),
        "a partial": functools.partial(sdk),
        "a Mock": mock.Mock(wraps=sdk),
        "an autospec": mock.create_autospec(sdk),
        "a lookalike that also walks tuples": walks_tuples_too,
    }


@pytest.mark.parametrize("kind", ["a wrapper", "functools.wraps", "a partial", "a Mock", "an autospec",
                                  "a lookalike that also walks tuples"])
def test_install_leaves_any_function_but_the_sdks_in_place(sdk_check: Check, kind: str) -> None:
    other = others(sdk_check)[kind]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rpc, "contains_unknowns", other)
        assert acyclic_unknowns.install() is False
        with registration_gc.cyclic_gc_restored():
            registration_gc.pause_cyclic_gc()  # what a program calls
        assert rpc.contains_unknowns is other
        assert acyclic_unknowns.replaced is sdk_check


def test_the_lookalike_answers_otherwise_so_replacing_it_would_change_answers(sdk_check: Check) -> None:
    assert walks_tuples_too({"ports": (UNKNOWN,)}) is True
    assert contains_unknowns({"ports": (UNKNOWN,)}) is False


def test_install_is_idempotent_and_keeps_the_sdks_own(sdk_check: Check) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rpc, "contains_unknowns", sdk_check)
        assert acyclic_unknowns.install() and acyclic_unknowns.install()
        assert rpc.contains_unknowns is contains_unknowns
        assert acyclic_unknowns.replaced is sdk_check


def test_a_fresh_copy_of_the_sdk_function_is_replaced_too(sdk_check: Check) -> None:
    # What reloading pulumi.runtime.rpc leaves there: the same code in a new function object.
    fresh = types.FunctionType(sdk_check.__code__, sdk_check.__globals__, "contains_unknowns")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rpc, "contains_unknowns", fresh)
        patch.setattr(acyclic_unknowns, "replaced", sdk_check)
        assert acyclic_unknowns.install() is True
        assert rpc.contains_unknowns is contains_unknowns and acyclic_unknowns.replaced is fresh


RELOADED = """
import importlib
import pulumi.runtime.rpc as rpc
from components import acyclic_unknowns, registration_gc
assert acyclic_unknowns.install() and rpc.contains_unknowns is acyclic_unknowns.contains_unknowns
first = acyclic_unknowns.replaced
importlib.reload(rpc)
print("after reload:", rpc.contains_unknowns is acyclic_unknowns.contains_unknowns)
with registration_gc.cyclic_gc_restored():
    registration_gc.pause_cyclic_gc()  # the next program's pause
print("after the pause:", rpc.contains_unknowns is acyclic_unknowns.contains_unknowns)
fresh = acyclic_unknowns.replaced
print("replaced the fresh one:", fresh is not first and fresh.__module__ == "pulumi.runtime.rpc")
"""


def test_after_a_reload_of_the_sdk_module_the_next_pause_installs_ours_again() -> None:
    # In a process of its own: a reload remakes every class in rpc.py, which this worker's later tests would meet.
    result = subprocess.run(
        [sys.executable, "-c", RELOADED], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.splitlines() == [
        "after reload: False",
        "after the pause: True",
        "replaced the fresh one: True",
    ], result.stderr


def load_bench_fleet() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("bench_fleet_under_test", PROJECT_DIR / "bench" / "fleet.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_bench_runs_its_variants_with_the_sdks_check_and_puts_everything_back_when_a_run_raises(
    sdk_check: Check,
) -> None:
    bench = load_bench_fleet()
    assert acyclic_unknowns.install()
    shipped_pause, shipped_install = registration_gc.pause_cyclic_gc, acyclic_unknowns.install
    shipped_record = registration_gc.record_resources
    during: list[Any] = []

    def pause_then_fail() -> None:
        shipped_pause()  # the shipped pause: with the SDK's check in place, it must not install ours
        during.append(rpc.contains_unknowns)
        raise RuntimeError("the program failed")

    with pytest.raises(RuntimeError, match="the program failed"), bench.as_variant(pause_then_fail):
        run_config(read_stack_config("local"), stack="local", into=ProgramRun())
    assert during == [sdk_check]
    assert rpc.contains_unknowns is contains_unknowns
    assert registration_gc.pause_cyclic_gc is shipped_pause and acyclic_unknowns.install is shipped_install
    assert registration_gc.record_resources is shipped_record
