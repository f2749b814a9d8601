"""Shared fixtures: run the real program under mocks with a stack file's config plus overrides."""

import bytecode_cache  # noqa: F401, I001  (first: the imports below and the workers' are compiled once)
import interrupt_default  # noqa: F401  (before the workers start: they and their children inherit it)
import gc
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest

from bluegreen.program_run import ProgramRun, run_config
from bluegreen.stack_files import stack_config
from components import acyclic_unknowns
from tests import cli_command_cache, program_run_cache

PROGRAM_RUNS = program_run_cache.install()
"""This worker's runs of the program under mocks, reused across tests (tests/program_run_cache.py)."""
cli_command_cache.install()  # CliRunner builds the CLI's click command once per worker (tests/cli_command_cache.py)

# Re-exported: tests import these from here.
__all__ = ["RunStack", "config_error", "run_config", "stack_config"]

RunStack = Callable[..., ProgramRun]

START_ORDER = (
    "test_docs_commands.py",
    "test_analysis_verdicts_end_to_end.py",
    "test_interrupt_exit.py",
    "test_analysis_haproxy_evidence.py",
    "test_wheel_install.py",
    "test_recovery_model.py",
    "test_runtime_weights.py",
    "test_pr_release_plans.py",
    "test_traffic_reloads.py",
    "test_policy_rollout.py",
    "test_notifications.py",
    "test_cli_import_guard.py",
    "test_analysis_statistics.py",
    "test_analysis_end_to_end.py",
    "test_release_plan_preview.py",
    "test_docker_reload.py",
    "test_release_failures.py",
    "test_policy_robustness.py",
    "test_docs_reference.py",
    "test_analysis_healthy_app_queries.py",
    "test_traffic_haproxy.py",
)
"""The modules that take longest (5-45 s each with 4 workers on 2 cores), in the order the workers start them.
`make test` gives each module to one worker whole (`--dist loadfile`, so a module's fixtures start once) in
this collection order (`--no-loadscope-reorder`): started late, one of these would run alone while the other
workers sat idle. Of the modules that mostly wait (on Prometheus, HAProxy, a release's pauses), the two
longest start first, beside pyright and the CPU-bound docs checkout, and the others sit between CPU-bound
modules, so about two workers wait at any time. In the old longest-first order three or four waiters often
ran at once 35-50 s in, with the cores half idle."""


PRIVATE_TMP = ".tmp"
"""Under the checkout: directories for tests that write the router's config the way the program does."""


@pytest.fixture(scope="session")
def private_root(pytestconfig: pytest.Config) -> Iterator[Path]:
    """One 0700 directory for the session, under the checkout, never below a world-writable one.

    The router's config directory is refused below any world-writable directory, /tmp included
    (components/config_dir_safety.py), and tmp_path lives there. Tests that write router configs
    through the real provider use this instead; the rest keep tmp_path, outside any project. The
    path stays short enough for the Unix sockets HAProxy opens below it (108 bytes).
    """
    parent = pytestconfig.rootpath / PRIVATE_TMP
    parent.mkdir(mode=0o700, exist_ok=True)
    root = Path(tempfile.mkdtemp(dir=parent))
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def private_tmp(private_root: Path) -> Path:
    """A fresh 0700 directory the router's config may be written to (see private_root)."""
    return Path(tempfile.mkdtemp(dir=private_root))


def pytest_configure(config: pytest.Config) -> None:
    # Every worker imports every test module to collect (the SDKs, moto, hypothesis): about 1.4 of its 3.2 s
    # of CPU were cyclic-GC passes over those long-lived objects. No GC while collecting, and what collection
    # made is frozen out of later passes (the same reasoning as components/registration_gc.py).
    gc.disable()
    # The session's process that is not an xdist worker (the controller, or the only process) makes the
    # directory its workers share program runs through; they inherit the variable when they start.
    shared = os.environ.get(program_run_cache.SHARED_DIR)
    if not hasattr(config, "workerinput") and not shared:
        shared = tempfile.mkdtemp(prefix="bluegreen-program-runs-")
        os.environ[program_run_cache.SHARED_DIR] = shared
        config.add_cleanup(lambda: _forget_shared_runs(shared))
    if shared:
        PROGRAM_RUNS.shared = Path(shared)


def _forget_shared_runs(shared: str) -> None:
    shutil.rmtree(shared, ignore_errors=True)
    os.environ.pop(program_run_cache.SHARED_DIR, None)


def pytest_collection_finish(session: pytest.Session) -> None:
    gc.freeze()
    gc.enable()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A stable sort: these modules first, in this order, and everything else in its usual order.
    rank = {name: index for index, name in enumerate(START_ORDER)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


def config_error(config: dict[str, Any], stack: str = "test") -> str:
    """Run the program expecting a config error: its message, after checking not one resource was registered."""
    run = ProgramRun()
    with pytest.raises(pulumi.RunError) as caught:
        run_config(config, stack=stack, into=run)
    assert run.resources == {}
    return str(caught.value)


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


@pytest.fixture
def cli_shares_the_policy_pack(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """`bluegreen check`/`plan` run in this test judge with the session's `policy_pack` when the pack they chose
    is the same code, instead of starting their own (tests/shared_policy_pack.py). For tests whose claim is the
    verdict or the report, not the pack's start."""
    from bluegreen import policy_client
    from tests.shared_policy_pack import sharing_launcher

    launcher = sharing_launcher(lambda: request.getfixturevalue("policy_pack"), policy_client.launch_pack)
    monkeypatch.setattr(policy_client, "launch_pack", launcher)


@pytest.fixture(scope="session")
def lab_prometheus():
    """One Prometheus for every release-analysis lab a worker runs (testkit/lab/canary_lab.py).

    Labs take turns on the one metrics port it scrapes; a fresh Prometheus hands its first target to
    the scrapers only after about 5 s, which each module would otherwise pay again.
    """
    from testkit.lab.canary_lab import SharedPrometheus

    with SharedPrometheus() as shared:
        yield shared


BOTOCORE_MODELS: dict[str | None, dict] = {}
"""botocore's parsed service models (JSON files of up to 2 MB), by data path, shared by every session a test makes."""


@pytest.fixture
def fake_aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials before any boto3 client exists, so nothing can reach a real account (moto's advice).

    moto gives each test a new default session, and each session parsed the service models again (EC2's,
    about 0.1 s of CPU a client): the sessions share what their loaders read, as one session's clients do.
    """
    from botocore import loaders
    from botocore import session as botocore_session

    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)

    def create_loader(search_path_string: str | None = None) -> loaders.Loader:
        loader = loaders.create_loader(search_path_string)
        loader._cache = BOTOCORE_MODELS.setdefault(search_path_string, {})  # pyright: ignore[reportAttributeAccessIssue]
        return loader

    monkeypatch.setattr(botocore_session, "create_loader", create_loader)


@pytest.fixture(autouse=True)
def events_follow_their_schema(monkeypatch: pytest.MonkeyPatch):
    """Every event any test's release emits is checked against bluegreen/events.schema.json (docs/events.md)."""
    from bluegreen import release_events
    from tests.event_schema import schema_errors

    original = release_events.EventLog.emit
    broken: list[str] = []

    def emit(self, kind, **fields):
        event = original(self, kind, **fields)
        broken.extend(schema_errors(event))
        return event

    monkeypatch.setattr(release_events.EventLog, "emit", emit)
    yield
    assert not broken, "events that break bluegreen/events.schema.json:\n" + "\n".join(broken)


@pytest.fixture(autouse=True)
def program_runs_reused(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, events_follow_their_schema: None
) -> Iterator[None]:
    """Which test runs, what it patches and whether it reads output, for PROGRAM_RUNS (after the patch above)."""
    with PROGRAM_RUNS.serving(request.node.nodeid, monkeypatch, request.fixturenames):
        yield


@pytest.fixture(scope="session")
def sdk_check() -> Callable[[Any], bool]:
    """The SDK's own `contains_unknowns` (components/acyclic_unknowns.py replaces it), installed or not yet."""
    assert acyclic_unknowns.install(), "the SDK's contains_unknowns changed: see components/acyclic_unknowns.py"
    assert acyclic_unknowns.replaced is not None
    return acyclic_unknowns.replaced
