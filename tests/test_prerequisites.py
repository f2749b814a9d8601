"""`make test` checks for the system tools the suite runs for real before anything else, and a missing one
stops it at once with the install command (not FileNotFoundErrors from deep inside the suite)."""

import os
import shutil
import subprocess
from pathlib import Path

from bluegreen.stack_files import PROJECT_DIR

TOOLS = ("haproxy", "prometheus", "busybox", "curl", "wget")


def make_prerequisites(path: Path) -> subprocess.CompletedProcess[str]:
    make = shutil.which("make")
    assert make is not None
    return subprocess.run(
        [make, "-s", "-C", str(PROJECT_DIR), "prerequisites"],
        env={**os.environ, "PATH": str(path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_missing_tools_stop_make_test_with_the_install_commands(tmp_path: Path) -> None:
    for tool in ("curl", "wget"):
        found = shutil.which(tool)
        assert found is not None
        (tmp_path / tool).symlink_to(found)

    result = make_prerequisites(tmp_path)

    assert result.returncode != 0
    assert "make test needs these tools on PATH, missing: haproxy prometheus busybox" in result.stdout
    assert "Debian/Ubuntu: sudo apt-get install -y haproxy prometheus busybox" in result.stdout
    assert "macOS:         brew install haproxy prometheus  (busybox has no Homebrew formula" in result.stdout


def test_with_every_tool_present_it_says_nothing(tmp_path: Path) -> None:
    for tool in TOOLS:
        found = shutil.which(tool)
        assert found is not None, f"{tool} is needed by the suite"
        (tmp_path / tool).symlink_to(found)

    result = make_prerequisites(tmp_path)

    assert result.returncode == 0 and result.stdout == ""


def test_make_test_checks_them_before_setting_up_anything() -> None:
    makefile = (PROJECT_DIR / "Makefile").read_text()

    assert "test: prerequisites $(UV)\n" in makefile
    assert f"TEST_TOOLS := {' '.join(TOOLS)}\n" in makefile
    ci = (PROJECT_DIR / ".ci" / "run").read_text()
    assert all(f"missing+=({tool})" in ci for tool in TOOLS) and ci.rstrip().endswith("make test")
