"""No binaries from the working directory (issue 17, hole 6): the CLI runs the Pulumi CLI on PATH, or its
own pinned install re-verified against the checksums recorded when it was installed; nothing else.

Each case runs the real `bluegreen` CLI (the Automation API driver, as a user runs it) in a project
directory that plays a checkout under review, with PULUMI_ACCESS_TOKEN in the environment.
"""

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bluegreen.cli import app
from bluegreen.cli_env import CliEnv
from bluegreen.local_stack import TOOLS_DIR_ENV
from bluegreen.pulumi_install import PULUMI_VERSION, install
from bluegreen.stack_files import PROJECT_DIR
from tests.pulumi_releases import release, serving

TOKEN = "pul-PLANTED-credential"


def planted_pulumi(directory: Path, evidence: Path) -> Path:
    """A `pulumi` that records that it ran, and with which token, then answers like the real one would not."""
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / "pulumi"
    script.write_text(f'#!/bin/sh\necho "ran with $PULUMI_ACCESS_TOKEN" >> {evidence}\necho v{PULUMI_VERSION}\n')
    script.chmod(0o755)
    return script


@pytest.fixture
def checkout(tmp_path, monkeypatch) -> Path:
    """A project under review as the working directory; no Pulumi CLI on PATH; a token in the environment."""
    project = tmp_path / "checkout"
    project.mkdir()
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml"):
        (project / name).write_text((PROJECT_DIR / name).read_text())
    monkeypatch.chdir(project)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setenv("PULUMI_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv(TOOLS_DIR_ENV, str(tmp_path / "own-tools"))  # this installation's tools: none yet
    monkeypatch.setenv("COLUMNS", "300")
    return project


def status() -> tuple[int, str]:
    result = CliRunner().invoke(app, ["status", "-s", "dev"], obj=CliEnv())
    return result.exit_code, result.output


def test_a_pulumi_in_the_checkouts_tools_is_never_run(checkout, tmp_path, monkeypatch):
    evidence = tmp_path / "ran"
    planted_pulumi(checkout / ".tools" / f"pulumi-v{PULUMI_VERSION}" / "bin", evidence)
    monkeypatch.delenv(TOOLS_DIR_ENV)  # the default: this installation's own .tools, not the checkout's

    code, output = status()

    assert code in (1, 2), output
    assert not evidence.exists()


@pytest.mark.parametrize("entry", ["", ".", "bin"])
def test_a_relative_path_entry_does_not_find_a_pulumi_in_the_working_directory(checkout, tmp_path, monkeypatch, entry):
    evidence = tmp_path / "ran"
    planted_pulumi(checkout / entry if entry else checkout, evidence)
    monkeypatch.setenv("PATH", os.pathsep.join([entry, "/usr/bin", "/bin"]))

    code, output = status()

    assert code == 2 and "the Pulumi CLI is not installed" in output  # refused: nothing was run
    assert not evidence.exists()


@pytest.fixture
def own_install(tmp_path) -> Path:
    """The pinned CLI installed (from a loopback stand-in of Pulumi's releases) into this installation's tools."""
    with serving(release()) as server:
        return install(tmp_path / "own-tools", base_url=server.url, system="Linux", machine="x86_64", say=print)


@pytest.mark.parametrize(
    ("tamper", "said"),
    [
        (lambda bin_dir, script: (bin_dir / "pulumi").write_text(script), "bin/pulumi changed since it was installed"),
        (lambda bin_dir, script: (bin_dir / "pulumi-resource-aws").write_text(script),
         "bin/pulumi-resource-aws was added since it was installed"),
        (lambda bin_dir, script: (bin_dir / "pulumi-language-python").unlink(),
         "bin/pulumi-language-python is missing"),
    ],
)
def test_a_pinned_install_changed_since_it_was_verified_is_refused(checkout, own_install, tmp_path, tamper, said):
    evidence = tmp_path / "ran"
    tamper(own_install, f'#!/bin/sh\necho "ran with $PULUMI_ACCESS_TOKEN" >> {evidence}\necho v{PULUMI_VERSION}\n')
    (own_install / "pulumi").chmod(0o755)

    code, output = status()

    assert code == 1
    assert f"refusing the Pulumi CLI in {own_install.parent}: {said}" in " ".join(output.split())
    assert not evidence.exists()


def test_an_install_without_a_record_is_refused(checkout, tmp_path):
    evidence = tmp_path / "ran"
    planted_pulumi(tmp_path / "own-tools" / f"pulumi-v{PULUMI_VERSION}" / "bin", evidence)

    code, output = status()

    assert code == 1 and "it has no readable record of its checksums" in output
    assert not evidence.exists()


@pytest.fixture
def lying_pulumi(checkout, tmp_path, monkeypatch) -> Path:
    """A `pulumi` on PATH that answers `version` and then anything but JSON."""
    bin_dir = tmp_path / "path-bin"
    bin_dir.mkdir()
    script = bin_dir / "pulumi"
    script.write_text(f'#!/bin/sh\ncase "$1" in version) echo v{PULUMI_VERSION};; *) echo "<html>oops";; esac\n')
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    return script


def test_status_on_a_cli_that_answers_without_json_is_an_error_not_a_traceback(lying_pulumi):
    code, output = status()

    assert code == 1
    said = "could not read the config of stack 'dev': the Pulumi CLI (pulumi) answered with something other than JSON"
    assert said in " ".join(output.split())
    assert "Traceback" not in output


def test_a_release_on_a_cli_that_answers_without_json_is_refused(lying_pulumi):
    result = CliRunner().invoke(app, ["release", "-s", "dev", "-i", "repo/web:1.5.0", "--yes"], obj=CliEnv())

    assert result.exit_code == 2, result.output
    assert "answered with something other than JSON" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_cli_that_does_not_answer_a_version_is_not_run_further(checkout, tmp_path, monkeypatch):
    bin_dir = tmp_path / "path-bin"
    bin_dir.mkdir()
    (bin_dir / "pulumi").write_text("#!/bin/sh\necho '\\033[2Jhello'\n")
    (bin_dir / "pulumi").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")

    code, output = status()

    assert code == 1
    assert "answered `pulumi version` with 'hello', not a version" in output
