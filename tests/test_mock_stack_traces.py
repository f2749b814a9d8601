"""A run under mocks skips the SDK's per-resource stack walk, registers the same resources, and puts the SDK back."""


import pulumi
import pytest
from pulumi.runtime import resource as sdk_resource

from bluegreen import mock_stack_traces
from bluegreen.mock_stack_traces import SDK_FUNCTION
from bluegreen.program_run import run_config
from bluegreen.stack_files import stack_config


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the SDK's stack walks: the SDK's own function, wrapped."""
    original = getattr(sdk_resource, SDK_FUNCTION)
    counted: list[int] = []

    def counting():
        counted.append(1)
        return original()

    monkeypatch.setattr(sdk_resource, SDK_FUNCTION, counting)
    return counted


def sdk_walks_as_usual(monkeypatch: pytest.MonkeyPatch) -> None:
    """What an SDK without the function gets: nothing is skipped."""
    monkeypatch.setattr(mock_stack_traces, "SDK_FUNCTION", "_renamed_in_a_newer_sdk")


def test_the_sdk_walks_the_stack_for_each_resource_through_the_function_that_is_skipped(walks, monkeypatch):
    # Renamed in a new SDK, this fails and says so (the run would stay correct, only slower).
    sdk_walks_as_usual(monkeypatch)

    run = run_config(stack_config("prod"), stack="prod")

    assert len(walks) >= len(run.resources) > 20


def test_a_run_under_mocks_walks_no_stack_and_registers_the_same_resources(walks, monkeypatch):
    skipped = run_config(stack_config("prod"), stack="prod")
    assert walks == []
    assert getattr(sdk_resource, SDK_FUNCTION).__name__ == "counting"  # the SDK's function is back

    sdk_walks_as_usual(monkeypatch)
    walked = run_config(stack_config("prod"), stack="prod")

    assert walks != []
    assert skipped.resources == walked.resources and skipped.outputs == walked.outputs


def test_a_run_that_fails_puts_the_sdk_back(walks):
    wrapped = getattr(sdk_resource, SDK_FUNCTION)

    with pytest.raises(pulumi.RunError):
        run_config(stack_config("prod", {"bluegreen:traffic": {"blue": 90, "green": 20}}), stack="prod")

    assert getattr(sdk_resource, SDK_FUNCTION) is wrapped and walks == []
