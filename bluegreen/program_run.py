"""Run the real `__main__.py` in-process under Pulumi's mocks and record what it registers.

This is how the resource graph is tested without the Pulumi CLI: the program runs
exactly as the language host would run it, but every RegisterResource call goes to
a mock monitor that echoes inputs back as outputs and keeps a copy.
"""

import asyncio
import hashlib
import runpy
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks, rpc, settings
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

from components.registration_gc import cyclic_gc_restored, leave_resources_to_the_collector

from .mock_monitor_calls import monitor_calls_inline
from .mock_stack_traces import stack_traces_skipped
from .mock_unretrieved_errors import unretrieved_errors_quiet
from .stack_files import PROJECT_DIR, engine_config

STACK_TYPE = "pulumi:pulumi:Stack"
STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"


@dataclass(frozen=True)
class RegisteredResource:
    """One resource as the engine would see it: camelCase inputs, as a policy pack receives them."""

    urn: str
    type: str
    name: str
    inputs: dict[str, Any]
    parent: str
    custom: bool
    aliases: tuple[dict[str, str], ...] = ()
    """Former identities: `{"urn": ...}` or a spec `{"name", "type", "parentUrn" | "noParent"}` (empty: unchanged)."""
    dependencies: tuple[str, ...] = ()
    """URNs this resource waits for (`depends_on`, expanded to custom resources, plus input dependencies), sorted:
    the SDK gathers them in a set of resources, so their order differs from run to run and means nothing."""

    @property
    def is_component(self) -> bool:
        return not self.custom


@dataclass
class ProgramRun:
    """Everything one program run registered, plus the stack outputs it exported."""

    resources: dict[str, RegisteredResource] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)

    def of_type(self, type_token: str) -> list[RegisteredResource]:
        return [r for r in self.resources.values() if r.type == type_token]

    def named(self, name: str) -> RegisteredResource:
        matches = [r for r in self.resources.values() if r.name == name]
        if len(matches) != 1:
            names = sorted(r.name for r in self.resources.values())
            raise KeyError(f"{len(matches)} resources named {name!r}; names: {names}")
        return matches[0]


def fake_outputs(type_token: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """Provider-computed outputs the program reads back (ARNs, DNS names), made deterministic."""
    extra: dict[str, Any] = {}
    if type_token.startswith("aws:"):
        extra["arn"] = f"arn:aws:mock:us-east-1:123456789012:{type_token.split(':')[-1].lower()}/{name}"
        extra.setdefault("name", inputs.get("name", name))
        # pulumi-aws v7 computes `region` on every regional resource (the provider's region).
        extra["region"] = inputs.get("region", "us-east-1")
    if type_token == "aws:lb/loadBalancer:LoadBalancer":
        extra["dnsName"] = f"{name}.elb.mock.amazonaws.com"
        extra["zoneId"] = "ZMOCK"
    if type_token.startswith("docker:"):
        extra.setdefault("name", inputs.get("name", name))
    if type_token == "docker:index/remoteImage:RemoteImage":
        # Docker's image ID is a digest of the image; here, of its reference, so a new tag gets a new ID.
        extra["imageId"] = "sha256:" + hashlib.sha256(str(inputs.get("name")).encode()).hexdigest()
    return {**inputs, **extra}


StackOutputs = Mapping[str, Mapping[str, Any]]
"""Outputs of the stacks a program references (`pulumi.StackReference`), by stack name."""


def stand_in_platform_outputs(stack: str) -> dict[str, str]:
    """What a platform stack (examples/platform) exports, made up, for a referenced stack this run cannot read.

    The offline check runs a service stack without the Pulumi CLI, so without its
    platform stack's real outputs; well-formed stand-ins let the program and the pack run.
    """
    mock = "arn:aws:mock:us-east-1:123456789012"
    return {
        "listenerArn": f"{mock}:listener/{stack}/listener",
        "testListenerArn": f"{mock}:listener/{stack}/test-listener",
        "albSecurityGroupId": "sg-0platform0000000",
        "clusterArn": f"{mock}:cluster/{stack.replace('/', '-')}",
        "loadBalancerDnsName": "platform-alb.elb.mock.amazonaws.com",
    }


class _EchoMocks(pulumi.runtime.Mocks):
    def __init__(self, stack_outputs: StackOutputs | None = None):
        self.stack_outputs = stack_outputs or {}
        self.last_inputs = threading.local()
        """`.value`: the inputs the SDK's monitor deserialised for the registration this thread is making.

        Per thread: the SDK calls `new_resource` inside `RegisterResource` on the same thread, so the slot
        holds that registration's inputs whatever other threads register (two resources may share a
        type and a name under different parents)."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        self.last_inputs.value = args.inputs
        if args.typ == STACK_REFERENCE_TYPE:
            stack = args.inputs["name"]
            outputs = self.stack_outputs.get(stack) or stand_in_platform_outputs(stack)
            return stack, {"name": stack, "outputs": dict(outputs), "secretOutputNames": []}
        return f"{args.name}-id", fake_outputs(args.typ, args.name, args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list | None]:
        return {}, []


class _RecordingMonitor(mocks.MockMonitor):
    def __init__(self, run: ProgramRun, stack_outputs: StackOutputs | None = None):
        self.echo = _EchoMocks(stack_outputs)
        super().__init__(self.echo)
        self.run = run

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        self.echo.last_inputs.value = None
        response = super().RegisterResource(request)
        if request.type != STACK_TYPE:
            # The SDK's monitor deserialised these inputs for the mocks already (2% of a run to do it again);
            # a mock that did not record them (patched by a test) leaves them to be deserialised here.
            inputs = self.echo.last_inputs.value
            self.run.resources[response.urn] = RegisteredResource(
                urn=response.urn,
                type=request.type,
                name=request.name,
                inputs=rpc.deserialize_properties(request.object) if inputs is None else inputs,
                parent=request.parent,
                custom=request.custom,
                aliases=tuple(_alias(alias) for alias in request.aliases),
                dependencies=tuple(sorted(request.dependencies)),
            )
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        if request.urn.split("::")[2] == STACK_TYPE:
            self.run.outputs = rpc.deserialize_properties(request.outputs)
        return super().RegisterResourceOutputs(request)


def _alias(alias: Any) -> dict[str, str]:
    if alias.WhichOneof("alias") == "urn":
        return {"urn": alias.urn}
    spec = alias.spec
    found = {"name": spec.name, "type": spec.type}
    if spec.WhichOneof("parent") == "parentUrn":
        found["parentUrn"] = spec.parentUrn
    elif spec.noParent:
        found["noParent"] = "true"
    return found


@stack_traces_skipped()  # the mock monitor drops the stack trace the SDK extracts for each resource
def run_program(
    config: dict[str, str],
    stack: str = "test",
    secret_keys: list[str] | None = None,
    project_dir: Path = PROJECT_DIR,
    into: ProgramRun | None = None,
    stack_outputs: StackOutputs | None = None,
) -> ProgramRun:
    """Run `__main__.py` with engine-style config (`{"bluegreen:traffic": '{"blue": 90, ...}'}`).

    Pass `into` to keep what was registered even when the program raises, and
    `stack_outputs` to answer the program's stack references.
    """
    run = ProgramRun() if into is None else into
    settings.ROOT.set(None)
    pulumi.runtime.set_all_config(config, secret_keys or [])
    pulumi.runtime.set_mocks(
        _EchoMocks(stack_outputs),
        project="bluegreen",
        stack=stack,
        preview=False,
        monitor=_RecordingMonitor(run, stack_outputs),
    )
    # set_mocks makes a root stack of its own; run_in_stack makes the one the program exports to.
    settings.ROOT.set(None)
    # Forget RPCs and outputs left by a previous run in this process (as `pulumi.runtime.test` does).
    settings.SETTINGS.rpc_manager.clear()  # pyright: ignore[reportAttributeAccessIssue]
    settings.SETTINGS.outputs.clear()  # pyright: ignore[reportAttributeAccessIssue]
    if str(project_dir) not in sys.path:
        # The language host runs programs with their directory importable.
        sys.path.insert(0, str(project_dir))
    main = str(project_dir / "__main__.py")

    def program() -> None:
        runpy.run_path(main, run_name="__main__")

    # The program pauses the cyclic GC for its registration; this process goes on afterwards.
    # The mock monitor's calls run on the loop's thread: same order every run, less CPU (mock_monitor_calls.py).
    loop = _ensure_event_loop()  # the loop `_sync_await` runs the program on
    if not loop.is_running():  # a caller's running loop, and what it reports, stay the caller's
        unretrieved_errors_quiet(loop)  # a failed run raises its error once (mock_unretrieved_errors.py)
    before = asyncio.all_tasks(loop)
    # The run's resources are emptied as `cyclic_gc_restored` ends, so what a failed run left on the loop ends first.
    with cyclic_gc_restored():
        try:
            with monitor_calls_inline(loop):
                _sync_await(run_in_stack(program))
        finally:
            if not _end_tasks_left_on(loop, before):
                leave_resources_to_the_collector()  # its tasks go on on the caller's loop and still read them
    return run


def _end_tasks_left_on(loop: asyncio.AbstractEventLoop, before: set[asyncio.Task[Any]]) -> bool:
    """Cancel and finish what a run that raised left pending on the loop; false if the loop keeps some running.

    A program that raises stops waiting for its other registrations, but their tasks stay on the
    loop (54 after a prod run whose mock refused one target group), and the next run on it (the next
    stack of a `bluegreen check`, the next test) would resume them among its own, with that run's
    mocks and its GC pause in whatever state they happen to be.
    """
    left = [task for task in asyncio.all_tasks(loop) if task not in before]
    if not left:
        return True
    if loop.is_running():
        return False  # the caller's loop, in the middle of its own work: not this run's to stop
    for task in left:
        task.cancel()
    loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
    return True


def run_config(
    config: dict[str, Any],
    stack: str = "test",
    into: ProgramRun | None = None,
    project_dir: Path = PROJECT_DIR,
    stack_outputs: StackOutputs | None = None,
    secret_keys: list[str] | None = None,
) -> ProgramRun:
    """Run the program with a YAML-shaped config map (as a stack file holds it), flattened as the engine does.

    Keys holding `secure:` values are secret, as are `secret_keys` (values already in plain text,
    as the engine hands a program its decrypted secrets).
    """
    flat, secure = engine_config(config)
    return run_program(
        flat,
        stack=stack,
        secret_keys=sorted({*secure, *(secret_keys or [])}),
        project_dir=project_dir,
        into=into,
        stack_outputs=stack_outputs,
    )
