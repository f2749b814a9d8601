"""Programs register their resources with the cyclic GC paused, and an in-process run gives it back.

The pause is what keeps a fleet program linear in its number of services (bench/fleet.py
measures it); these tests check that both programs really pause it while they register,
whether the run is the engine's or the mocks', and that a run under mocks in this
process leaves the collector as it found it.
"""

import gc
from collections.abc import Iterator
from typing import Any

import pytest
from pulumi.runtime import mocks

from bluegreen.program_run import run_config
from bluegreen.stack_files import PROJECT_DIR, read_stack_config, stack_config

EXAMPLES = PROJECT_DIR / "examples"


@pytest.fixture
def gc_at_registration(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """Whether the cyclic GC was on at each RegisterResource the mock engine received."""
    seen: list[bool] = []
    register = mocks.MockMonitor.RegisterResource

    def recording(self: mocks.MockMonitor, request: Any) -> Any:
        # The SDK registers the root Stack itself, racing the program's first line: only what the
        # program registers is the program's to pause for.
        if request.type != "pulumi:pulumi:Stack":
            seen.append(gc.isenabled())
        return register(self, request)

    monkeypatch.setattr(mocks.MockMonitor, "RegisterResource", recording)
    assert gc.isenabled()
    yield seen
    gc.enable()


def test_the_service_program_registers_with_the_cyclic_gc_paused_and_gives_it_back(
    gc_at_registration: list[bool],
) -> None:
    run = run_config(stack_config("local"), stack="local")
    assert len(run.resources) > 5
    assert set(gc_at_registration) == {False}
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_the_fleet_program_pauses_it_too(gc_at_registration: list[bool]) -> None:
    platform = EXAMPLES / "platform"
    outputs = run_config(read_stack_config("prod", project_dir=platform), stack="prod", project_dir=platform).outputs
    gc_at_registration.clear()
    run = run_config(
        read_stack_config("prod", project_dir=EXAMPLES / "fleet"),
        stack="prod",
        project_dir=EXAMPLES / "fleet",
        stack_outputs={"acme/bluegreen-platform/prod": outputs},
    )
    assert len(run.resources) > 20
    assert set(gc_at_registration) == {False}
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_program_that_fails_validation_still_gives_the_collector_back() -> None:
    with pytest.raises(Exception, match="bluegreen:traffic"):
        run_config(stack_config("local", {"bluegreen:traffic": {"blue": 60, "green": 60}}), stack="local")
    assert gc.isenabled() and gc.get_freeze_count() == 0
