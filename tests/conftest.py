"""Shared fixtures: run the real program under mocks with a stack file's config plus overrides."""

from collections.abc import Callable
from typing import Any

import pytest

from bluegreen.program_run import ProgramRun, run_program
from bluegreen.stack_files import engine_config, read_stack_config, set_path

RunStack = Callable[..., ProgramRun]


def stack_config(stack: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """A stack file's config with `--path` style overrides (`{"bluegreen:traffic.green": 10}`)."""
    config = read_stack_config(stack)
    for path, value in (overrides or {}).items():
        config = set_path(config, path, value)
    return config


def run_config(config: dict[str, Any], stack: str = "test", into: ProgramRun | None = None) -> ProgramRun:
    """Run the program with a full config map (YAML-shaped values, as in a stack file)."""
    flat, secret_keys = engine_config(config)
    return run_program(flat, stack=stack, secret_keys=secret_keys, into=into)


@pytest.fixture
def run_stack() -> RunStack:
    """`run_stack("dev", {"bluegreen:traffic.green": 10})` runs __main__.py and returns what it registered."""

    def run(stack: str, overrides: dict[str, Any] | None = None) -> ProgramRun:
        return run_config(stack_config(stack, overrides), stack=stack)

    return run


@pytest.fixture(scope="session")
def policy_pack():
    """The policy pack, started once per session exactly as the engine starts it (see bluegreen/policy_client.py).

    Tests choose their enforcement config with `policy_pack.configure({...})` before analyzing.
    """
    from bluegreen.policy_client import PolicyPackProcess

    with PolicyPackProcess() as pack:
        yield pack
