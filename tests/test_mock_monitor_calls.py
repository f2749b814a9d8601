"""A run under mocks calls the mock monitor on the loop's thread: one registration order, same errors, all put back."""

import asyncio
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import pulumi
import pytest
from pulumi.runtime import mocks as sdk_mocks
from pulumi.runtime.sync_await import _ensure_event_loop

from bluegreen import mock_monitor_calls, program_run
from bluegreen.mock_monitor_calls import SDK_WAIT
from bluegreen.program_run import ProgramRun, RegisteredResource, run_config
from bluegreen.stack_files import PROJECT_DIR, read_stack_config, set_path, stack_config

EXAMPLES = PROJECT_DIR / "examples"
PLATFORM_STACK = "acme/bluegreen-platform/prod"
BROKEN_CONFIG = {"bluegreen:traffic": {"blue": 90, "green": 20}}
"""Weights that do not add up to 100: the program raises before registering anything else."""


def real_run(stack: str, overrides: dict[str, Any] | None = None) -> ProgramRun:
    """A run of the program itself: `into` keeps the suite's cache of runs (tests/program_run_cache.py) out."""
    return run_config(stack_config(stack, overrides), stack=stack, into=ProgramRun())


def registered(run: ProgramRun) -> dict[str, RegisteredResource]:
    """What the run registered; the SDK lists a resource's dependencies in no fixed order."""
    return {urn: replace(r, dependencies=tuple(sorted(r.dependencies))) for urn, r in run.resources.items()}


class CountingPool(ThreadPoolExecutor):
    """A real thread pool that counts what it is given."""

    def __init__(self) -> None:
        super().__init__(max_workers=4)
        self.submitted = 0

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future:
        self.submitted += 1
        return super().submit(fn, *args, **kwargs)


@pytest.fixture
def pool() -> Iterator[CountingPool]:
    """This thread's loop with a thread pool of its own as default executor; the loop's own one back afterwards."""
    loop = _ensure_event_loop()
    before = loop._default_executor  # pyright: ignore[reportAttributeAccessIssue]
    counting = CountingPool()
    loop.set_default_executor(counting)
    try:
        yield counting
    finally:
        loop._default_executor = before  # pyright: ignore[reportAttributeAccessIssue]
        counting.shutdown()


def thread_pool_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """What an SDK without the mock monitor's wait gets: the runs keep the SDK's thread pool."""
    monkeypatch.setattr(mock_monitor_calls, "SDK_WAIT", "_renamed_in_a_newer_sdk")


def test_a_stack_registers_its_resources_in_the_same_order_every_run():
    # Through the SDK's thread pool, 20 runs of this stack gave 19 different orders.
    orders = {tuple(real_run("staging").resources) for _ in range(5)}

    assert len(orders) == 1
    assert len(next(iter(orders))) > 30


def test_a_run_uses_no_thread_and_gives_the_loop_its_executor_and_the_sdk_its_wait_back(pool):
    sdk_wait = getattr(sdk_mocks, SDK_WAIT)

    run = real_run("prod")

    assert len(run.resources) > 20
    assert pool.submitted == 0  # every monitor call ran inline
    assert _ensure_event_loop()._default_executor is pool  # pyright: ignore[reportAttributeAccessIssue]
    assert getattr(sdk_mocks, SDK_WAIT) is sdk_wait


def test_a_run_that_fails_gives_the_loop_its_executor_and_the_sdk_its_wait_back(pool):
    sdk_wait = getattr(sdk_mocks, SDK_WAIT)

    with pytest.raises(pulumi.RunError, match="traffic"):
        real_run("prod", BROKEN_CONFIG)

    assert _ensure_event_loop()._default_executor is pool  # pyright: ignore[reportAttributeAccessIssue]
    assert getattr(sdk_mocks, SDK_WAIT) is sdk_wait


def test_a_loop_that_had_no_default_executor_has_none_afterwards():
    loop = asyncio.new_event_loop()
    before = asyncio.get_event_loop_policy().get_event_loop()
    asyncio.set_event_loop(loop)  # the loop the run uses: fresh, so it never made a pool
    try:
        real_run("local")
        assert loop._default_executor is None  # pyright: ignore[reportAttributeAccessIssue]
    finally:
        asyncio.set_event_loop(before)
        loop.close()


def test_the_sdk_waits_through_the_function_the_run_redirects(pool, monkeypatch):
    # Renamed in a new SDK, this fails and says so (the runs would stay correct, on threads, only slower).
    thread_pool_kept(monkeypatch)
    original = getattr(sdk_mocks, SDK_WAIT)
    waits: list[int] = []

    def counting(awaitable: Any) -> Any:
        waits.append(1)
        return original(awaitable)

    monkeypatch.setattr(sdk_mocks, SDK_WAIT, counting)
    run = real_run("prod")

    assert len(waits) >= len(run.resources) > 20
    assert pool.submitted >= len(run.resources)  # through the thread pool, as the SDK does it


def test_without_the_sdk_wait_the_run_keeps_the_thread_pool_and_registers_the_same(pool, monkeypatch):
    inline = real_run("prod")
    thread_pool_kept(monkeypatch)

    threaded = real_run("prod")

    assert pool.submitted >= len(threaded.resources) > 20
    assert registered(threaded) == registered(inline) and threaded.outputs == inline.outputs


def monitor_nesting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """For each RegisterResource, how many RegisterResource calls are on the stack (1: it runs inside none)."""
    original = program_run._RecordingMonitor.RegisterResource
    depths: list[int] = []

    def counting(self: Any, request: Any) -> Any:
        frame, depth = sys._getframe(), 0
        while frame is not None:
            depth += frame.f_code is counting.__code__
            frame = frame.f_back
        depths.append(depth)
        return original(self, request)

    monkeypatch.setattr(program_run._RecordingMonitor, "RegisterResource", counting)
    return depths


def test_no_monitor_call_runs_inside_another_even_in_a_fleet(monkeypatch):
    # Pumping the running loop from inside a call started other registrations inside it: one level per
    # resource, which overflowed Python's stack for a 100-service fleet.
    depths = monitor_nesting(monkeypatch)
    platform_dir = EXAMPLES / "platform"
    platform = run_config(read_stack_config("prod", project_dir=platform_dir), stack="prod", project_dir=platform_dir)
    config = read_stack_config("prod", project_dir=EXAMPLES / "fleet")
    services = {f"svc{i}": {"priority": 10 + i, "host": f"svc{i}.shop.example.com",
                            "blue": f"123456789012.dkr.ecr.us-east-1.amazonaws.com/svc{i}:1.0.0",
                            "green": f"123456789012.dkr.ecr.us-east-1.amazonaws.com/svc{i}:1.1.0",
                            "traffic": {"blue": 100, "green": 0}} for i in range(6)}
    fleet = run_config(set_path(config, "fleet:services", services), stack="prod", project_dir=EXAMPLES / "fleet",
                       stack_outputs={PLATFORM_STACK: platform.outputs})

    assert len(fleet.resources) == 6 * 22
    assert set(depths) == {1} and len(depths) > len(fleet.resources)


def refusing(monkeypatch: pytest.MonkeyPatch, name: str, error: BaseException) -> None:
    """The mocks raise `error` when the program registers the resource called `name`."""
    new_resource = program_run._EchoMocks.new_resource

    def new_resource_or_raise(self: Any, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        if args.name == name:
            raise error
        return new_resource(self, args)

    monkeypatch.setattr(program_run._EchoMocks, "new_resource", new_resource_or_raise)


@pytest.mark.parametrize("threads", [False, True], ids=["inline", "thread pool"])
def test_an_error_a_mock_raises_reaches_the_caller_as_through_the_thread_pool(monkeypatch, threads):
    refused = ValueError("mock refused web-blue-tg")
    refusing(monkeypatch, "web-blue-tg", refused)
    if threads:
        thread_pool_kept(monkeypatch)

    with pytest.raises(ValueError, match="web-listener") as raised:
        real_run("prod")

    assert raised.value.__cause__ is refused  # the SDK names the input it was resolving, from the mock's own error


def test_ctrl_c_in_a_mock_stops_the_run_and_puts_everything_back(monkeypatch):
    refusing(monkeypatch, "web-blue-tg", KeyboardInterrupt())
    sdk_wait = getattr(sdk_mocks, SDK_WAIT)
    loop = asyncio.new_event_loop()  # the interrupted run's tasks stay on this loop, not on the suite's
    before = asyncio.get_event_loop_policy().get_event_loop()
    asyncio.set_event_loop(loop)
    try:
        with pytest.raises(KeyboardInterrupt):
            real_run("prod")
        assert loop._default_executor is None  # pyright: ignore[reportAttributeAccessIssue]
        assert getattr(sdk_mocks, SDK_WAIT) is sdk_wait
    finally:
        # The interrupted run's tasks end here: destroyed pending later, each logs an error into another test.
        interrupted = asyncio.all_tasks(loop)
        for task in interrupted:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*interrupted, return_exceptions=True))
        asyncio.set_event_loop(before)
        loop.close()
