"""A program run under mocks calls its mock monitor on the event loop's own thread, not through a thread pool.

The Pulumi SDK sends every call to the resource monitor (RegisterResource, Invoke, ReadResource,
RegisterResourceOutputs, SupportsFeature ...) through `loop.run_in_executor(None, ...)`: against the
engine, each one is a blocking gRPC round trip the event loop must not wait on. Under mocks the monitor
is pure computation in this process (bluegreen/program_run.py), so the hand-offs to pool threads and
back are only overhead, and which pool thread gets to the monitor first decides the order resources
are registered in: that order changed from run to run.

Inside `monitor_calls_inline(loop)` the loop's default executor runs each call at once, in the
calling task, and hands back a finished future. That is safe because nothing a mock monitor does
waits for this loop: a call returns (or raises) without needing another task to make progress.
The one place it waits is `_sync_await` in the SDK's mocks module, which serialises a mock's answer
by running a coroutine to completion. In a pool thread that runs on the thread's own idle loop; on
the loop's thread it would pump the running loop re-entrantly, start other registrations inside
this one, and nest one level deeper for each (a 10-service fleet overflowed Python's stack). So
inside the block the mock monitor's `_sync_await` runs its coroutine on a loop of its own, as a pool
thread would. An exception a mock raises is set on the future, exactly where a pool thread puts it,
so it reaches the program the same way; Ctrl-C (KeyboardInterrupt) propagates from where it lands.

What it buys: a run registers resources in the same order every time, and costs less CPU.
The loop's previous default executor and the SDK's function are back when the block ends; the real
engine's runs, in a process of their own, keep the SDK's thread pool.
"""

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from pulumi.runtime import mocks as sdk_mocks

SDK_WAIT = "_sync_await"
"""The SDK mock monitor's synchronous wait; tests/test_mock_monitor_calls.py fails if a new SDK renames it."""

T = TypeVar("T")


class InlineExecutor(ThreadPoolExecutor):
    """Runs what it is given at once, on the caller's thread; starts no threads (`shutdown` has none to join)."""

    def __init__(self) -> None:
        # asyncio accepts only a ThreadPoolExecutor as a loop's default executor.
        super().__init__(max_workers=1, thread_name_prefix="bluegreen-inline")

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as error:  # where a pool thread would put it: the awaiting task raises it
            future.set_exception(error)
        return future


@contextmanager
def monitor_calls_inline(loop: asyncio.AbstractEventLoop) -> Iterator[None]:
    """While inside, `loop` runs its executor calls inline and the mock monitor waits on a loop of its own."""
    sdk_wait = getattr(sdk_mocks, SDK_WAIT, None)
    if sdk_wait is None or not isinstance(loop, asyncio.BaseEventLoop):
        yield  # an SDK or loop this does not know: keep the thread pool (slower, still correct)
        return
    own_loop = asyncio.new_event_loop()

    def wait_on_own_loop(awaitable: Awaitable[Any]) -> Any:
        if asyncio._get_running_loop() is not loop:  # another thread's loop, or none: the SDK's own way
            return sdk_wait(awaitable)
        asyncio._set_running_loop(None)  # run_until_complete refuses to start inside a running loop
        try:
            return own_loop.run_until_complete(awaitable)
        finally:
            asyncio._set_running_loop(loop)

    previous = loop._default_executor  # pyright: ignore[reportAttributeAccessIssue]
    loop.set_default_executor(InlineExecutor())
    setattr(sdk_mocks, SDK_WAIT, wait_on_own_loop)
    try:
        yield
    finally:
        setattr(sdk_mocks, SDK_WAIT, sdk_wait)
        # Restored by hand: set_default_executor refuses None, the value of a loop that never made one.
        loop._default_executor = previous  # pyright: ignore[reportAttributeAccessIssue]
        own_loop.close()
