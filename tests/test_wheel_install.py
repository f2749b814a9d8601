"""The wheel `uv build` makes installs into a fresh virtualenv and its `bluegreen` works outside the checkout.

Builds the wheel, installs it with the locked versions (from uv's cache, else PyPI) into a new
venv, and runs the console script from an empty directory, first without the `check` extra
(the check says what to install), then with it (the check of two stacks passes). Then a newcomer's
path: a fresh copy of examples/, programs that use the components as a library with no policies/ of
their own, checked by the pack the wheel ships; `status --json` with no Pulumi CLI answers with the
JSON error object; outside any project every command says so (exit 2). One venv for all of it: the
install is most of the time.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.wheel


def uv() -> str:
    # The Makefile's choice: uv on PATH, else the one it bootstrapped into .tools/.
    found = shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
    assert Path(found).exists(), "uv is needed to build the wheel (make setup installs it)"
    return found


def run(*command: str | Path, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    return result


def ok(*command: str | Path, cwd: Path) -> str:
    result = run(*command, cwd=cwd)
    assert result.returncode == 0, f"{command}: {result.stdout}{result.stderr}"
    return result.stdout


def reuse_bytecode(venv: Path) -> None:
    """Link into the new venv the `.pyc` files the checkout's venv holds for the same installed files.

    uv installs both venvs' packages from its cache as links to the same files, so each source file has the
    same size and modification time in both, which is what a `.pyc` records: Python accepts these as its
    own (and compiles any that do not match, as always). Without them the fresh venv's first `check`
    compiles Pulumi, its SDKs and pydantic from source, about 1.5 s of CPU that tests nothing here.
    Only third-party packages are linked; the wheel's own modules compile in the venv.
    """
    ours = Path(sysconfig.get_paths()["purelib"])  # this test's own venv: the checkout's, from the same lock
    [theirs] = (venv / "lib").glob("python3*/site-packages")
    for cached in ours.rglob("__pycache__/*.pyc"):
        relative = cached.parent.parent.relative_to(ours)
        source = theirs / relative / (cached.name.split(".")[0] + ".py")
        target = theirs / relative / "__pycache__" / cached.name
        wheels_own = relative.parts[:1] in (("bluegreen",), ("components",), ("policies",))
        if wheels_own or not source.exists() or target.exists():
            continue
        target.parent.mkdir(exist_ok=True)
        try:
            os.link(cached, target)
        except OSError:  # another file system
            shutil.copy2(cached, target)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    ok(uv(), "build", "--wheel", "--quiet", "--out-dir", dist, cwd=ROOT)
    [built] = dist.glob("bluegreen-*.whl")
    return built


def test_the_wheel_carries_the_licence_and_the_check_extra(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        [metadata_name] = [n for n in names if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(archive.read(metadata_name).decode())
    assert metadata["License-Expression"] == "Apache-2.0"
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert metadata.get_all("Provides-Extra") == ["check"]
    [policy] = [r for r in map(Requirement, metadata.get_all("Requires-Dist")) if r.name == "pulumi-policy"]
    assert str(policy.marker) == 'extra == "check"' and policy.specifier.contains("1.20")
    # The program's library and the CLI ship; the tests and the test tooling do not.
    assert "bluegreen/cli.py" in names and "components/spec/__init__.py" in names
    shipped_tooling = [
        n
        for n in names
        if n.startswith(("tests/", "testkit/", "bench/", "bluegreen/lab/"))
        or n == "bluegreen/mock_driver.py"
    ]
    assert shipped_tooling == []


def test_the_console_script_works_from_an_empty_directory(wheel: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    venv = tmp_path / "venv"
    python, script = venv / "bin" / "python", venv / "bin" / "bluegreen"
    # The locked versions, so the fresh venv holds what `make test` tested (and uv finds them in its cache).
    constraints = tmp_path / "constraints.txt"
    ok(uv(), "export", "--frozen", "--no-dev", "--no-emit-project", "--no-hashes", "--extra", "check",
       "--quiet", "-o", constraints, cwd=ROOT)
    ok(uv(), "venv", "--quiet", "--python", sys.executable, venv, cwd=tmp_path)
    ok(uv(), "pip", "install", "--quiet", "--python", python, "-c", constraints, wheel, cwd=tmp_path)
    reuse_bytecode(venv)

    where = ok(python, "-c", "import bluegreen.cli, components.spec; print(bluegreen.cli.__file__)", cwd=elsewhere)
    assert Path(where.strip()).is_relative_to(venv)

    help_text = ok(script, "--help", cwd=elsewhere)
    assert "Usage: bluegreen" in help_text and "check" in help_text

    check = ("check", "--project-dir", ROOT, "--stack", "local", "--stack", "dev")
    without_extra = run(script, *check, cwd=elsewhere)
    assert without_extra.returncode == 2
    assert "install it with: pip install 'bluegreen[check]'" in without_extra.stderr

    ok(uv(), "pip", "install", "--quiet", "--python", python, "-c", constraints, f"{wheel}[check]", cwd=tmp_path)
    reuse_bytecode(venv)  # pulumi-policy's
    with_extra = run(script, *check, cwd=elsewhere)
    assert with_extra.returncode == 0, with_extra.stdout + with_extra.stderr
    assert "stack local: PASSED" in with_extra.stdout
    assert "Policy check of stack dev (policies/config/dev.json)" in with_extra.stdout
    assert "stack dev: PASSED" in with_extra.stdout

    # A newcomer's own projects: a fresh copy of examples/, nothing of the checkout on the path.
    examples = tmp_path / "examples"
    shutil.copytree(ROOT / "examples", examples)
    for program, resources in (("platform", 10), ("fleet", 66)):
        assert not (examples / program / "policies").exists()
        checked = run(script, "check", cwd=examples / program)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "Policy check of stack prod (shipped config/prod.json)" in checked.stdout
        assert f"stack prod: PASSED: {resources} resources" in checked.stdout
        assert str(ROOT) not in checked.stdout + checked.stderr

    no_pulumi = {**os.environ, "PATH": str(venv / "bin")}
    status = subprocess.run(
        [script, "status", "--json"], cwd=examples / "platform", env=no_pulumi,
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert status.returncode == 2, status.stdout + status.stderr
    error = json.loads(status.stdout)["error"]
    assert error["code"] == 2 and "the Pulumi CLI is not installed" in error["message"] and error["hint"]

    outside = run(script, "check", cwd=elsewhere)
    assert outside.returncode == 2 and "no Pulumi project here" in outside.stderr
    assert "site-packages" not in outside.stderr
