"""A program run under mocks registers its resources without walking the Python stack for each one.

For every resource it registers, the Pulumi SDK extracts the whole Python stack (`traceback.extract_stack`,
which looks up each frame's source line through `linecache`) and sends the engine a stack trace and the
source position of the caller, which the engine shows in its diagnostics. The mock monitor of an in-process
run (`bluegreen.program_run`) throws both away. Under pytest or inside the CLI the stack is some fifty
frames deep, and the walk was 40% of a run's time (prod's 29 resources: 86 ms, 52 ms without it).

Inside `stack_traces_skipped()` the SDK gets an empty trace instead, which means "no position known" to
the engine. The real engine's runs, in a process of their own, keep the SDK's traces.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from pulumi.runtime import resource as sdk_resource
from pulumi.runtime.proto import source_pb2

SDK_FUNCTION = "_get_stack_trace"
"""The SDK's function that extracts the stack; tests/test_mock_stack_traces.py fails if a new SDK renames it."""


def _no_stack_trace() -> source_pb2.StackTrace:
    return source_pb2.StackTrace()


@contextmanager
def stack_traces_skipped() -> Iterator[None]:
    """While inside, registering a resource in this process extracts no stack (for mocks only)."""
    original = getattr(sdk_resource, SDK_FUNCTION, None)
    if original is None:  # an SDK without it: nothing to skip, and nothing to break
        yield
        return
    setattr(sdk_resource, SDK_FUNCTION, _no_stack_trace)
    try:
        yield
    finally:
        setattr(sdk_resource, SDK_FUNCTION, original)
