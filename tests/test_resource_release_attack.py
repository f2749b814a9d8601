"""Attacks on emptying a program's resources when its run ends (components/resource_release.py).

The release is safe only if nothing reads a resource after it: not the engine (the requests it
receives are the same with or without it), not what a failed run left on a loop, not what Python
runs at exit. Each test here pins one of those down against the real program.
"""

import asyncio
import base64
import gc
import pickletools
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest
from google.protobuf.json_format import MessageToDict
from pulumi.runtime import mocks

import components.registration_gc as registration_gc
from bluegreen.program_run import ProgramRun, run_config
from bluegreen.stack_files import PROJECT_DIR, stack_config
from tests.test_program_run_leftovers import refuse


def real_run(stack: str) -> ProgramRun:
    return run_config(stack_config(stack), stack=stack, into=ProgramRun())  # `into`: not the suite's cached run


def test_a_failed_run_inside_a_callers_running_loop_leaves_its_resources_to_the_tasks_it_left_there() -> None:
    # The run cannot end what it left on a loop that is not its own, and the caller's loop goes on running those
    # tasks. With the resources emptied under them, 52 of 89 ended in "'TaskDefinition' object has no attribute
    # '_name'", each reported later as a never-retrieved error of a run that had already raised its own.
    reported: list[str] = []

    async def caller() -> list[str]:
        # The failed run's futures become the collector's once the next run lets go of them, and report to their
        # loop's handler as they are collected: to this one, not to whatever later test collects them.
        asyncio.get_running_loop().set_exception_handler(
            lambda loop, context: reported.append(f"{context['message']}: {context.get('exception')!r}")
        )
        with pytest.MonkeyPatch.context() as patch:
            refuse(patch, "web-blue-tg")
            with pytest.raises(ValueError, match="web-blue-tg"):
                real_run("prod")
        left = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        return [repr(outcome) for outcome in await asyncio.gather(*left, return_exceptions=True)]

    outcomes = asyncio.run(caller())
    asyncio.set_event_loop(asyncio.new_event_loop())  # asyncio.run left this thread without one
    assert len(outcomes) > 10  # the caller's loop did go on with the failed run's registrations
    assert real_run("prod").outputs["liveColor"] == "blue"
    gc.collect()
    assert [outcome for outcome in outcomes + reported if "has no attribute" in outcome] == []
    assert reported and all("web-blue-tg" in report for report in reported)  # only the run's own error


@pytest.fixture
def requests_to_the_engine(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """Every RegisterResource request the mock engine receives, each field as the engine reads it."""
    seen: list[dict[str, Any]] = []
    register = mocks.MockMonitor.RegisterResource

    def recording(self: mocks.MockMonitor, request: Any) -> Any:
        seen.append(MessageToDict(request, preserving_proto_field_name=True))
        return register(self, request)

    monkeypatch.setattr(mocks.MockMonitor, "RegisterResource", recording)
    yield seen


def as_a_set(requests: list[dict[str, Any]]) -> list[str]:
    """The requests in a fixed order, dependencies sorted: the SDK gathers them in sets of resources."""
    for request in requests:
        request["dependencies"] = sorted(request.get("dependencies", []))
        for field in request.get("propertyDependencies", {}).values():
            field["urns"] = sorted(field.get("urns", []))
    return sorted(repr(request) for request in requests)


def pickled_names(provider: dict[str, str]) -> list[str]:
    """The strings a dynamic provider's pickle holds: the names of everything it would load."""
    ops = pickletools.genops(base64.b64decode(provider["value"]))  # a secret: {sig: ..., "value": ...}
    return [argument for _, argument, _ in ops if isinstance(argument, str)]


def test_the_engine_receives_the_same_requests_and_the_same_dynamic_provider_with_the_release(
    requests_to_the_engine: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The local stack's router is a dynamic provider, pickled by dill into the `__provider` input: the stack
    # transformation that records the resources (a closure over their list) must not end up in it.
    real_run("local")
    released = list(requests_to_the_engine)
    requests_to_the_engine.clear()
    monkeypatch.setattr(registration_gc, "record_resources", lambda: [])
    real_run("local")

    assert as_a_set(released) == as_a_set(requests_to_the_engine) and len(released) > 10
    (provider,) = [request["object"]["__provider"] for request in released if "__provider" in request["object"]]
    assert pickled_names(provider) == ["components.docker.config_resource", "_HaproxyConfigProvider"]


ENGINE_PROCESS = """
import atexit, contextlib, gc, sys
from bluegreen import program_run
from bluegreen.stack_files import stack_config
from tests.test_program_run_leftovers import refuse
import pulumi, pytest


def resources_not_emptied():
    left = [item for item in gc.get_objects() if isinstance(item, pulumi.Resource) and vars(item)]
    print(f"at exit, after the release: {len(left)} resources not emptied")


atexit.register(resources_not_emptied)  # registered before the program's pause: runs after its release
# As the language host runs a program: nothing around it, and a failed run's tasks left on the loop, which it closes.
program_run.cyclic_gc_restored = contextlib.nullcontext
program_run._end_tasks_left_on = lambda loop, before: True
if sys.argv[1] == "refused":
    refuse(pytest.MonkeyPatch(), "web-blue-tg")
try:
    program_run.run_config(stack_config("prod"), stack="prod")
    print("the run registered its resources")
except ValueError as error:
    print(f"the run raised: {str(error).splitlines()[-1]}")
program_run._ensure_event_loop().close()
"""


@pytest.mark.parametrize(("run", "outcome"), [
    ("registered", "the run registered its resources"),
    ("refused", "the run raised: ValueError has risen: mock refused web-blue-tg"),
])
def test_in_the_engines_own_process_the_release_at_exit_empties_every_resource_and_prints_nothing(
    run: str, outcome: str
) -> None:
    # No mock of atexit: Python's own exit runs the release, then what was registered before the program's pause,
    # then its exit collection. A failed run leaves its tasks pending on the closed loop, destroyed at exit; asyncio
    # may report one as destroyed while pending (for 3 of 8 hash seeds with the release, and 3 of 8 without: which
    # task the loop had reached when the run stopped varies with the seed). Nothing else may reach stderr: an error
    # from a task reading an emptied resource would.
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(ENGINE_PROCESS), run],
        capture_output=True, text=True, timeout=120, cwd=PROJECT_DIR,
    )
    left_tasks_destroyed = ("Task was destroyed but it is pending!", "task: <Task pending ")
    reported = [line for line in result.stderr.splitlines() if not line.startswith(left_tasks_destroyed)]
    assert (result.returncode, reported) == (0, [])
    assert run == "refused" or result.stderr == ""
    assert result.stdout == f"{outcome}\nat exit, after the release: 0 resources not emptied\n"
