"""A run under mocks that raises leaves nothing behind for the next run in the same process.

The offline check runs every stack in one process, and the suite runs thousands of programs in its
workers: when a program raises, the registrations it had started must not resume during the next run,
and the error it raised is not reported again, later, for each output it reached.
"""

import asyncio
import gc
import logging
from typing import Any

import pulumi
import pytest
from pulumi.runtime.sync_await import _ensure_event_loop

from bluegreen import program_run
from bluegreen.mock_unretrieved_errors import UNRETRIEVED, unretrieved_errors_quiet
from bluegreen.program_run import ProgramRun, run_config
from bluegreen.stack_files import stack_config


def real_run(stack: str) -> ProgramRun:
    """`into` keeps the suite's cache of runs (tests/program_run_cache.py) out: every run here is real."""
    return run_config(stack_config(stack), stack=stack, into=ProgramRun())


def refuse(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    new_resource = program_run._EchoMocks.new_resource

    def new_resource_or_raise(self: Any, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        if args.name == name:
            raise ValueError(f"mock refused {name}")
        return new_resource(self, args)

    monkeypatch.setattr(program_run._EchoMocks, "new_resource", new_resource_or_raise)


def test_a_run_that_raised_leaves_no_task_pending_and_the_next_run_registers_only_its_own() -> None:
    clean = set(real_run("prod").resources)
    with pytest.MonkeyPatch.context() as patch:
        refuse(patch, "web-blue-tg")
        with pytest.raises(ValueError, match="web-blue-tg"):
            real_run("prod")

    assert [task for task in asyncio.all_tasks(_ensure_event_loop()) if not task.done()] == []
    assert set(real_run("prod").resources) == clean


def unretrieved_reports(caplog: pytest.LogCaptureFixture) -> list[str]:
    """What asyncio says about a failed run's futures once the next run let go of them and they are collected."""
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        real_run("local")  # a stack with no resource the refusal names; it clears the SDK's state of the last run
        gc.collect()
    return [record.getMessage() for record in caplog.records if UNRETRIEVED in record.getMessage()]


def test_a_run_that_raised_says_so_once_and_not_again_for_each_output_its_error_reached(
    caplog: pytest.LogCaptureFixture,
) -> None:
    loop = _ensure_event_loop()
    handler = loop.get_exception_handler()
    with pytest.MonkeyPatch.context() as patch:
        # Control: the same failed run on a loop reporting as asyncio does by default.
        patch.setattr(program_run, "unretrieved_errors_quiet", lambda loop: None)
        loop.set_exception_handler(None)
        refuse(patch, "web-blue-tg")
        try:
            with pytest.raises(ValueError, match="web-blue-tg"):
                real_run("prod")
            assert len(unretrieved_reports(caplog)) > 10
        finally:
            loop.set_exception_handler(handler)

    with pytest.MonkeyPatch.context() as patch:
        refuse(patch, "web-blue-tg")
        with pytest.raises(ValueError, match="web-blue-tg"):
            real_run("prod")
    assert unretrieved_reports(caplog) == []


def test_any_other_error_on_the_loop_still_reaches_the_handler_it_had() -> None:
    loop = asyncio.new_event_loop()
    try:
        seen: list[str] = []
        loop.set_exception_handler(lambda loop, context: seen.append(context["message"]))
        unretrieved_errors_quiet(loop)
        unretrieved_errors_quiet(loop)  # once per loop: the second leaves the first in place
        loop.call_exception_handler({"message": UNRETRIEVED, "exception": ValueError("read by nobody")})
        loop.call_exception_handler({"message": "Task was destroyed but it is pending!"})
        assert seen == ["Task was destroyed but it is pending!"]
    finally:
        loop.close()
