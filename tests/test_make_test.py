"""`make test` runs pyright beside pytest, and fails when either fails, whatever the other says.

`UV` is a stand-in that records how it was called and answers as told, so the recipe itself
is exercised (the real pyright and suite run in `make test` and `make typecheck`).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def make_test(
    tmp_path: Path, pyright_status: int, pytest_status: int, *make_args: str
) -> tuple[subprocess.CompletedProcess[str], str]:
    calls = tmp_path / "calls"
    uv = tmp_path / "uv"
    uv.write_text(
        f"""#!{sys.executable}
import sys
with open({str(calls)!r}, "a") as log:
    log.write(" ".join(sys.argv[1:]) + "\\n")
if "pyright" in sys.argv:
    print("1 error, 0 warnings" if {pyright_status} else "0 errors, 0 warnings, 0 informations")
    sys.exit({pyright_status})
if "pytest" in sys.argv:
    sys.exit({pytest_status})
"""
    )
    uv.chmod(0o755)
    # Without the make that runs this suite: `make test TEST_WORKERS=5` passes its variables down through
    # MAKEFLAGS and exports them to its recipes' environment, and either would override this make's defaults.
    outer = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "TEST_WORKERS", "COLLECT"}
    env = {k: v for k, v in os.environ.items() if k not in outer}
    result = subprocess.run(
        ["make", "--no-print-directory", "test", f"UV={uv}", *make_args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )
    return result, calls.read_text()


def test_both_run_and_the_slowest_tests_are_printed(tmp_path: Path) -> None:
    result, calls = make_test(tmp_path, pyright_status=0, pytest_status=0)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "run --locked pyright\n" in calls
    # Two workers per core (nproc: the cores this process may use), at most 8: the suite waits as much as it computes.
    workers = min(2 * len(os.sched_getaffinity(0)), 8)
    assert f"run --locked pytest -n {workers} --dist loadfile --no-loadscope-reorder --durations=10\n" in calls
    assert "0 errors" in result.stdout


def test_the_worker_count_can_be_set(tmp_path: Path) -> None:
    result, calls = make_test(tmp_path, 0, 0, "TEST_WORKERS=3")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "run --locked pytest -n 3 --dist loadfile --no-loadscope-reorder --durations=10\n" in calls


@pytest.mark.parametrize(("pyright_status", "pytest_status"), [(1, 0), (0, 1), (1, 1)])
def test_a_type_error_or_a_failing_test_fails_the_target(
    tmp_path: Path, pyright_status: int, pytest_status: int
) -> None:
    result, _ = make_test(tmp_path, pyright_status, pytest_status)
    assert result.returncode != 0
    if pyright_status:
        # pyright's report is shown in full when it fails.
        assert "1 error, 0 warnings" in result.stdout


def test_the_longest_modules_named_for_scheduling_exist() -> None:
    # conftest.START_ORDER decides which modules the workers start with; a renamed module would silently
    # drop back to alphabetical order and may start last, alone.
    from conftest import START_ORDER

    missing = [name for name in START_ORDER if not (ROOT / "tests" / name).is_file()]
    assert missing == []
    assert len(set(START_ORDER)) == len(START_ORDER)
