"""A run under mocks records each resource's inputs as the SDK's mock monitor deserialised them, once."""

import sys
from dataclasses import replace
from typing import Any

import pulumi
import pytest
from pulumi.runtime import rpc

from bluegreen import program_run
from bluegreen.program_run import ProgramRun, RegisteredResource, run_config
from bluegreen.stack_files import stack_config


def real_run(stack: str) -> ProgramRun:
    """A run of the program itself: `into` keeps the suite's cache of runs out."""
    return run_config(stack_config(stack), stack=stack, into=ProgramRun())


def registered(run: ProgramRun) -> dict[str, RegisteredResource]:
    """What the run registered; the SDK lists a resource's dependencies in no fixed order."""
    return {urn: replace(r, dependencies=tuple(sorted(r.dependencies))) for urn, r in run.resources.items()}


def deserialised_here(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What bluegreen.program_run itself deserialises (the SDK's own calls are not counted)."""
    calls: list[str] = []
    deserialize = rpc.deserialize_properties

    def counting(*args: Any, **kwargs: Any) -> Any:
        if sys._getframe(1).f_globals.get("__name__") == program_run.__name__:
            calls.append(sys._getframe(1).f_code.co_name)
        return deserialize(*args, **kwargs)

    monkeypatch.setattr(rpc, "deserialize_properties", counting)
    return calls


def test_the_recording_monitor_deserialises_only_the_stack_outputs_itself(monkeypatch):
    calls = deserialised_here(monkeypatch)

    run = real_run("prod")

    # Every registration's inputs come from the SDK's monitor, which deserialised them for the mocks.
    assert len(run.resources) > 20
    assert "RegisterResource" not in calls and "RegisterResourceOutputs" in calls
    assert run.named("web-listener").inputs["port"] == 443
    assert run.outputs["url"].startswith("https://")


def test_a_mock_that_keeps_no_inputs_still_leaves_every_input_recorded(monkeypatch):
    expected = real_run("prod")
    calls = deserialised_here(monkeypatch)

    def new_resource_keeping_nothing(self: Any, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        if args.typ == program_run.STACK_REFERENCE_TYPE:
            return args.inputs["name"], {"name": args.inputs["name"], "outputs": {}, "secretOutputNames": []}
        return f"{args.name}-id", program_run.fake_outputs(args.typ, args.name, args.inputs)

    monkeypatch.setattr(program_run._EchoMocks, "new_resource", new_resource_keeping_nothing)
    run = real_run("prod")

    assert registered(run) == registered(expected)
    assert calls.count("RegisterResource") == len(run.resources)  # deserialised here instead
