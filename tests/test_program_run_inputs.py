"""A run under mocks records each resource's inputs as the SDK's mock monitor deserialised them, once."""

import sys
import threading
from typing import Any

import pulumi
import pytest
from pulumi.runtime import rpc

from bluegreen import program_run
from bluegreen.program_run import ProgramRun, run_config
from bluegreen.stack_files import stack_config


def real_run(stack: str) -> ProgramRun:
    """A run of the program itself: `into` keeps the suite's cache of runs out."""
    return run_config(stack_config(stack), stack=stack, into=ProgramRun())


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

    assert run.resources == expected.resources
    assert calls.count("RegisterResource") == len(run.resources)  # deserialised here instead


def test_two_threads_registering_one_type_and_name_each_record_their_own_inputs() -> None:
    # The SDK's thread pool (kept where the inline calls cannot be used) registers in parallel, and two
    # resources may share a type and a name under different parents: each keeps the inputs of its own call.
    echo = program_run._EchoMocks()
    both_registered = threading.Barrier(2)
    seen: dict[int, Any] = {}

    def register(value: int) -> None:
        echo.new_resource(pulumi.runtime.MockResourceArgs("aws:lb/targetGroup:TargetGroup", "web-tg", {"port": value}))
        both_registered.wait(timeout=10)
        seen[value] = echo.last_inputs.value

    threads = [threading.Thread(target=register, args=(port,)) for port in (8080, 9090)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert seen == {8080: {"port": 8080}, 9090: {"port": 9090}}


def test_two_runs_of_a_program_record_each_resources_dependencies_alike():
    # The SDK gathers them in a set of resources, so their order came out different from run to run.
    first, second = real_run("prod"), real_run("prod")
    service = first.named("web-blue-service")
    assert len(service.dependencies) > 5 and list(service.dependencies) == sorted(service.dependencies)
    assert first.resources == second.resources
