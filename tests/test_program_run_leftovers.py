"""A run under mocks that raises leaves nothing behind for the next run in the same process.

The offline check runs every stack in one process, and the suite runs thousands of programs in its
workers: when a program raises, the registrations it had started must not resume during the next run,
and the error it raised is not reported again, later, for each output it reached.
"""

import asyncio
import gc
import logging
import os
import shutil
import subprocess
import sys
from typing import Any

import pulumi
import pytest
from pulumi.runtime.sync_await import _ensure_event_loop

from bluegreen import program_run
from bluegreen.mock_unretrieved_errors import UNRETRIEVED, unretrieved_errors_quiet
from bluegreen.program_run import ProgramRun, run_config
from bluegreen.stack_files import PROJECT_DIR, stack_config


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


def collected_reports(loop: asyncio.AbstractEventLoop) -> list[str]:
    """What `loop` reports about a real Task and a real Future, each failed, read by nobody and collected."""

    async def fails() -> None:
        raise ValueError("read by nobody")

    task = loop.create_task(fails())
    future = loop.create_future()
    future.set_exception(ValueError("read by nobody"))
    loop.run_until_complete(asyncio.sleep(0))
    assert task.done() and future.done()
    seen: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(loop, "default_exception_handler", lambda context: seen.append(context["message"]))
        del task, future
        gc.collect()
    return seen


def test_a_tasks_unretrieved_error_is_still_reported_a_futures_is_not() -> None:
    # asyncio names the class in the report (futures.py: f"{cls.__name__} exception was never retrieved"): a Task
    # nobody awaited is a coroutine whose error went unseen, not the SDK's copy of a run's error, so it stays.
    loop = asyncio.new_event_loop()
    try:
        assert sorted(collected_reports(loop)) == [UNRETRIEVED, "Task exception was never retrieved"]
        unretrieved_errors_quiet(loop)
        assert collected_reports(loop) == ["Task exception was never retrieved"]
    finally:
        loop.close()


def test_after_a_program_run_only_the_programs_loop_is_quiet() -> None:
    real_run("local")
    other = asyncio.new_event_loop()
    try:
        assert sorted(collected_reports(other)) == [UNRETRIEVED, "Task exception was never retrieved"]
    finally:
        other.close()


def test_a_run_from_inside_a_callers_running_loop_leaves_that_loops_reports_alone() -> None:
    async def caller() -> tuple[int, object]:
        run = ProgramRun()
        run_config(stack_config("local"), stack="local", into=run)
        return len(run.resources), asyncio.get_running_loop().get_exception_handler()

    resources, handler = asyncio.run(caller())
    assert resources > 5  # the program did run, on the caller's loop
    assert handler is None  # as asyncio.run left it: its futures' errors are still reported


def test_a_handler_set_before_a_program_run_is_kept_and_still_called() -> None:
    loop = _ensure_event_loop()
    before = loop.get_exception_handler()
    seen: list[str] = []
    loop.set_exception_handler(lambda loop, context: seen.append(context["message"]))
    try:
        real_run("local")
        real_run("local")  # a second run wraps nothing twice
        loop.call_exception_handler({"message": "Task was destroyed but it is pending!"})
        loop.call_exception_handler({"message": UNRETRIEVED, "exception": ValueError("read by nobody")})
        assert seen == ["Task was destroyed but it is pending!"]
    finally:
        loop.set_exception_handler(before)


REFUSING_MOCK = '''
import gc

from bluegreen import program_run

new_resource = program_run._EchoMocks.new_resource


def refusing(self, args):
    if args.name == "web-blue-tg":
        gc.collect()  # the last stack's failed futures, let go of as this run began: reported now, if at all
        raise ValueError("mock refused web-blue-tg")
    return new_resource(self, args)


program_run._EchoMocks.new_resource = refusing
'''


def test_the_check_of_programs_failing_mid_registration_prints_each_error_once_and_no_tracebacks(tmp_path) -> None:
    # local passes first. Without it, prod's failed futures were never collected in this process (so never reported,
    # filtered or not), and the test could not fail.
    for name in ("Pulumi.yaml", "Pulumi.local.yaml", "Pulumi.prod.yaml", "Pulumi.staging.yaml"):
        shutil.copy(PROJECT_DIR / name, tmp_path / name)
    program = (PROJECT_DIR / "__main__.py").read_text()
    # The refusal comes in with the program: prod's and staging's runs fail at a target group, outputs waiting on it.
    program = program.replace("import pulumi\n", "import pulumi\nimport refusing_mock\n", 1)
    (tmp_path / "__main__.py").write_text(program)
    (tmp_path / "refusing_mock.py").write_text(REFUSING_MOCK)

    result = subprocess.run(
        [sys.executable, "-m", "bluegreen", "check", "--project-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "300"},
    )

    assert result.returncode == 1
    assert "stack local: PASSED" in result.stdout
    assert "stack prod: could not be checked" in result.stdout
    assert "stack staging: could not be checked" in result.stdout
    assert result.stdout.count("mock refused web-blue-tg") == 2, result.stdout  # once per stack
    # Without the loop's filter, prod's futures are reported while staging runs: 334 tracebacks on stderr.
    assert "never retrieved" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr + result.stdout
