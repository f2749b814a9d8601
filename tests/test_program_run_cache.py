"""The suite's reuse of program runs (tests/program_run_cache.py) hands out only what a real run gives."""

import pickle
from collections.abc import Iterator
from typing import Any

import pulumi
import pytest

from bluegreen.program_run import ProgramRun
from bluegreen.stack_files import engine_config, stack_config
from tests.program_run_cache import ProgramRunCache, install

REAL_RUN = install().real_run
"""The real `run_program`, behind the cache conftest.py installed."""


def local(overrides: dict[str, Any] | None = None) -> dict[str, str]:
    return engine_config(stack_config("local", overrides))[0]


def comparable(run: ProgramRun) -> dict[str, Any]:
    """A run as the tests compare it."""
    return {"resources": run.resources, "outputs": run.outputs}


@pytest.fixture
def cache() -> ProgramRunCache:
    """A cache of its own around the real `run_program`, so these tests see every run it makes."""
    return ProgramRunCache(REAL_RUN)


@pytest.fixture
def patcher() -> Iterator[pytest.MonkeyPatch]:
    """A monkeypatch of the simulated tests' own (this test's would count as their patches)."""
    patch = pytest.MonkeyPatch()
    yield patch
    patch.undo()


def test_a_later_test_gets_a_copy_equal_to_a_real_run_of_its_own(cache, patcher):
    with cache.serving("first", patcher):
        first = cache(local(), stack="local")
    with cache.serving("second", patcher):
        second = cache(local(), stack="local")
    assert (cache.runs, cache.reused) == (1, 1)
    assert second is not first
    assert len(second.resources) > 5
    assert comparable(second) == comparable(REAL_RUN(local(), stack="local"))


def test_a_test_that_edits_its_result_cannot_change_the_next_tests(cache, patcher):
    with cache.serving("first", patcher):
        first = cache(local(), stack="local")
        expected = comparable(cache(local(), stack="local"))  # a second real run: same test
    first.outputs["weights"] = {"blue": 0, "green": 100}
    next(iter(first.resources.values())).inputs["tampered"] = True
    first.resources.clear()
    with cache.serving("second", patcher):
        second = cache(local(), stack="local")
        second.outputs.clear()
    with cache.serving("third", patcher):
        third = cache(local(), stack="local")
    assert cache.reused == 2
    assert comparable(third) == expected


def test_one_test_running_a_config_twice_compares_two_real_runs(cache, patcher):
    with cache.serving("only", patcher):
        cache(local(), stack="local")
        cache(local(), stack="local")
    assert (cache.runs, cache.reused) == (2, 0)


def test_a_run_that_raises_raises_again_from_a_real_run(cache, patcher):
    bad = local({"bluegreen:traffic": {"blue": 60, "green": 60}})
    for test in ("first", "second"):
        with cache.serving(test, patcher), pytest.raises(pulumi.RunError, match="bluegreen:traffic"):
            cache(bad, stack="local")
    assert (cache.runs, cache.reused) == (2, 0)


def test_a_run_into_a_given_record_is_always_real(cache, patcher):
    with cache.serving("first", patcher):
        cache(local(), stack="local")
    with cache.serving("second", patcher):
        into = ProgramRun()
        returned = cache(local(), stack="local", into=into)
    assert returned is into
    assert len(into.resources) > 5
    assert (cache.runs, cache.reused) == (2, 0)


def test_a_test_that_patched_something_runs_the_program_for_real(cache, patcher):
    with cache.serving("first", patcher):
        cache(local(), stack="local")
    with cache.serving("second", patcher):
        patcher.setenv("BLUEGREEN_SOMETHING", "1")
        cache(local(), stack="local")
    assert (cache.runs, cache.reused) == (2, 0)


@pytest.mark.parametrize("fixture", ["caplog", "capsys", "capfd", "recwarn"])
def test_a_test_that_reads_what_the_program_logs_or_prints_runs_it_for_real(cache, patcher, fixture):
    # A copy holds the resources, not the log lines: a test asserting the program's note saw none.
    with cache.serving("first", patcher, ["request", "monkeypatch"]):
        cache(local(), stack="local")
    with cache.serving("second", patcher, ["request", fixture]):
        cache(local(), stack="local")
    assert (cache.runs, cache.reused) == (2, 0)


def test_a_patch_made_before_the_test_started_does_not_stop_reuse(cache, patcher):
    patcher.setattr(pulumi, "a_patch_of_the_suites_own", True, raising=False)
    with cache.serving("first", patcher):
        cache(local(), stack="local")
    with cache.serving("second", patcher):
        cache(local(), stack="local")
    assert (cache.runs, cache.reused) == (1, 1)


def test_any_difference_in_what_the_program_is_given_is_a_new_run(cache, patcher):
    with cache.serving("first", patcher):
        cache(local(), stack="local")
    variants: list[dict[str, Any]] = [
        {"config": local({"bluegreen:traffic": {"blue": 90, "green": 10}})},
        {"stack": "local2"},
        {"secret_keys": ["bluegreen:notifications"]},
        {"stack_outputs": {"acme/platform/prod": {"listenerArn": "arn"}}},
    ]
    for index, variant in enumerate(variants):
        arguments = {"config": local(), "stack": "local", **variant}
        with cache.serving(f"variant {index}", patcher):
            cache(**arguments)
    assert (cache.runs, cache.reused) == (1 + len(variants), 0)


def test_a_run_made_on_another_worker_is_reused_through_the_shared_directory(patcher, tmp_path):
    one, other = ProgramRunCache(REAL_RUN, shared=tmp_path), ProgramRunCache(REAL_RUN, shared=tmp_path)
    with one.serving("tests/test_a.py::first", patcher):
        made = one(local(), stack="local")
    with other.serving("tests/test_b.py::second", patcher):
        reused = other(local(), stack="local")
    assert (one.runs, other.runs, other.reused) == (1, 0, 1)
    assert reused is not made and comparable(reused) == comparable(made)
    assert [p.suffix for p in tmp_path.iterdir()] == [".pickle"]  # no partial file left behind


def test_the_shared_directory_never_gives_a_test_back_its_own_run(patcher, tmp_path):
    one, other = ProgramRunCache(REAL_RUN, shared=tmp_path), ProgramRunCache(REAL_RUN, shared=tmp_path)
    with one.serving("tests/test_a.py::only", patcher):
        one(local(), stack="local")
    with other.serving("tests/test_a.py::only", patcher):
        other(local(), stack="local")
    assert (other.runs, other.reused) == (1, 0)


UNREADABLE = {
    "cut short": lambda stored: stored[:100],  # as a crashed writer would leave it
    "another pickle protocol": lambda stored: b"\x80\x77" + stored[2:],  # pickle raises ValueError
    "not a pair": lambda stored: pickle.dumps("not a (test, run) pair"),
    "a run that is not bytes": lambda stored: pickle.dumps(("tests/test_a.py::first", "text")),
    "a run that does not unpickle": lambda stored: pickle.dumps(("tests/test_a.py::first", b"\x80\x77")),
    "bytes of something else": lambda stored: pickle.dumps(("tests/test_a.py::first", pickle.dumps({"a": 1}))),
}


@pytest.mark.parametrize("spoil", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_an_unreadable_shared_run_is_run_for_real(patcher, tmp_path, spoil):
    one = ProgramRunCache(REAL_RUN, shared=tmp_path)
    with one.serving("tests/test_a.py::first", patcher):
        one(local(), stack="local")
    [stored] = tmp_path.iterdir()
    stored.write_bytes(spoil(stored.read_bytes()))
    other = ProgramRunCache(REAL_RUN, shared=tmp_path)
    with other.serving("tests/test_b.py::second", patcher):
        run = other(local(), stack="local")
    assert (other.runs, other.reused) == (1, 0)
    assert comparable(run) == comparable(REAL_RUN(local(), stack="local"))
