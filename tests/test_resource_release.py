"""A program's resources are emptied once its run is over, so the collector finds almost nothing of it.

Without that, what a run built stays in cycles through its resources (Outputs, tasks, contexts)
until a collection finds it, at a cost per object that grows with the heap: the fleet program's
time per service grew 1.13-1.23 times from 10 to 100 services, 1.10 with the release
(bench/fleet.py). These tests check what is left for the collector, that the run records the
same graph, and when the release comes: after everything the run left on the loop has ended,
and in the engine's own process at exit.
"""

import asyncio
import contextlib
import gc
from collections.abc import Callable
from typing import Any

import pulumi
import pytest
from pulumi.runtime.sync_await import _ensure_event_loop

import components.registration_gc as registration_gc
from bluegreen import program_run
from bluegreen.program_run import ProgramRun, run_config
from bluegreen.stack_files import stack_config
from components.resource_release import record_resources, release
from tests.test_program_run_leftovers import refuse


def left_for_the_collector(run: Callable[[], ProgramRun]) -> tuple[ProgramRun, int]:
    """The run, and how many objects the collector finds once it is over and its record is dropped."""
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        result = run()
        recorded = ProgramRun(resources=dict(result.resources), outputs=dict(result.outputs))
        del result
        gc.collect()
        return recorded, len(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


def prod_run() -> ProgramRun:
    return run_config(stack_config("prod"), stack="prod", into=ProgramRun())  # `into`: a real run, not a cached one


@pytest.fixture
def sdk_state_clean() -> None:
    """A run first: the SDK keeps the last run's pending work (a failed run's, from another test) until the next."""
    run_config(stack_config("local"), stack="local", into=ProgramRun())


def test_a_run_leaves_the_collector_a_tenth_of_what_it_did_and_records_the_same_graph(
    monkeypatch: pytest.MonkeyPatch, sdk_state_clean: None
) -> None:
    released, left = left_for_the_collector(prod_run)
    with monkeypatch.context() as kept:
        kept.setattr(registration_gc, "record_resources", lambda: [])
        unreleased, left_unreleased = left_for_the_collector(prod_run)

    assert left_unreleased > 1000  # the Outputs, tasks and contexts of 31 resources
    assert left * 10 < left_unreleased
    assert released.resources == unreleased.resources and len(released.resources) > 20
    assert released.outputs == unreleased.outputs and released.outputs["liveColor"] == "blue"


def test_the_release_comes_after_what_a_failed_run_left_on_the_loop_has_ended(monkeypatch: pytest.MonkeyPatch) -> None:
    pending_at_release: list[int] = []

    def counting_release(resources: list[Any]) -> None:
        loop = _ensure_event_loop()
        pending_at_release.append(sum(not task.done() for task in asyncio.all_tasks(loop)))
        release(resources)

    monkeypatch.setattr(registration_gc, "release", counting_release)
    refuse(monkeypatch, "web-blue-tg")
    with pytest.raises(ValueError, match="web-blue-tg"):
        prod_run()
    assert pending_at_release == [0]  # tasks that outlived the failure were ended before their resources emptied
    assert gc.isenabled()


def test_in_a_process_of_its_own_the_resources_are_emptied_at_exit(
    monkeypatch: pytest.MonkeyPatch, sdk_state_clean: None
) -> None:
    # As under the engine's language host: nothing around the program; its pause registers the release at exit.
    at_exit: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []
    monkeypatch.setattr(registration_gc.atexit, "register", lambda call, *args: at_exit.append((call, args)))
    monkeypatch.setattr(program_run, "cyclic_gc_restored", contextlib.nullcontext)
    monkeypatch.setattr(gc, "freeze", lambda: None)  # the suite's process goes on: nothing of it is frozen for good

    def engine_run() -> ProgramRun:
        try:
            run = prod_run()
        finally:
            gc.enable()
        for call, args in at_exit:
            call(*args)  # what Python's exit runs before its own collection
        return run

    _, left = left_for_the_collector(engine_run)
    assert [call for call, _ in at_exit] == [release]
    assert left < 400  # 3,600 with the resources left as they were (the first test)


def test_outside_a_program_nothing_is_recorded() -> None:
    assert record_resources() == []


def test_an_sdk_without_stack_transformations_runs_the_program_with_nothing_to_release(
    monkeypatch: pytest.MonkeyPatch, sdk_state_clean: None
) -> None:
    monkeypatch.delattr(pulumi.runtime, "register_stack_transformation")
    released: list[int] = []
    monkeypatch.setattr(registration_gc, "release", lambda resources: released.append(len(resources)))
    run = prod_run()
    assert len(run.resources) > 20 and run.outputs["liveColor"] == "blue"
    assert released == [0]


def test_release_empties_each_resource_and_forgets_them() -> None:
    class Resource:
        def __init__(self) -> None:
            self.output = [self]  # a cycle, as an Output naming its resource

    resources = [Resource(), Resource()]
    first = resources[0]
    release(resources)
    assert resources == [] and vars(first) == {}
