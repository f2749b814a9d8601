"""A run under mocks that raises leaves nothing behind for the next run in the same process.

The offline check runs every stack in one process, and the suite runs thousands of programs in its
workers: when a program raises, the registrations it had started must not resume during the next run.
"""

import asyncio
from typing import Any

import pulumi
import pytest
from pulumi.runtime.sync_await import _ensure_event_loop

from bluegreen import program_run
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
