"""Programs register their resources with the cyclic GC paused, and an in-process run gives it back.

The pause is what keeps a fleet program linear in its number of services (bench/fleet.py
measures it); these tests check that both programs really pause it while they register,
whether the run is the engine's or the mocks', and that a run under mocks in this
process leaves the collector as it found it: on, and what was frozen before still frozen.
"""

import gc
from collections.abc import Iterator
from typing import Any

import pytest
from pulumi.runtime import mocks

import components.registration_gc as registration_gc
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


@pytest.fixture
def frozen_before() -> int:
    """What this process has frozen (the suite freezes what its collection imported): at least something."""
    if gc.get_freeze_count() == 0:
        gc.freeze()
    return gc.get_freeze_count()


def still_frozen(before: int) -> bool:
    """What was frozen before a run is frozen after it, bar the few frozen objects that died meanwhile."""
    return before * 0.9 <= gc.get_freeze_count() <= before


def test_the_service_program_registers_with_the_cyclic_gc_paused_and_gives_it_back(
    gc_at_registration: list[bool], frozen_before: int
) -> None:
    run = run_config(stack_config("local"), stack="local")
    assert len(run.resources) > 5
    assert set(gc_at_registration) == {False}
    assert gc.isenabled()
    assert still_frozen(frozen_before)  # a thaw of everything frozen made each later full collection walk it


def test_the_fleet_program_pauses_it_too(gc_at_registration: list[bool], frozen_before: int) -> None:
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
    assert gc.isenabled() and still_frozen(frozen_before)


def test_a_program_that_fails_validation_still_gives_the_collector_back(frozen_before: int) -> None:
    with pytest.raises(Exception, match="bluegreen:traffic"):
        run_config(stack_config("local", {"bluegreen:traffic": {"blue": 60, "green": 60}}), stack="local")
    assert gc.isenabled() and still_frozen(frozen_before)


def gc_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The collector's freeze and disable, recorded instead of made."""
    calls: list[str] = []
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    monkeypatch.setattr(gc, "disable", lambda: calls.append("disable"))
    return calls


def test_in_a_process_of_its_own_the_pause_freezes_what_exists_and_disables_the_collector(monkeypatch) -> None:
    # As under the engine's language host, where nothing puts the collector back.
    calls = gc_calls(monkeypatch)
    registration_gc.pause_cyclic_gc()
    assert calls == ["freeze", "disable"]


def test_in_an_in_process_run_the_pause_only_disables_the_collector(monkeypatch) -> None:
    calls = gc_calls(monkeypatch)
    with registration_gc.cyclic_gc_restored():
        registration_gc.pause_cyclic_gc()
    assert calls == ["disable"]
    assert gc.isenabled()


def test_what_a_program_froze_itself_is_thawed_after_an_in_process_run(frozen_before: int) -> None:
    with registration_gc.cyclic_gc_restored():
        gc.freeze()  # a program's own freeze (bench/fleet.py's "gc.freeze() after imports only" variant)
    assert gc.get_freeze_count() == 0  # all or nothing: what was frozen before is thawed too
