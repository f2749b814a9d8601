"""Every shell block in README, CONTRIBUTING and docs/ runs on a fresh copy of the repository, or says why not.

A block that needs what this machine lacks (the Pulumi CLI, Docker, kubectl, AWS, a deployed
stack) carries `<!-- doc-test: skip (reason) -->` right above it; a `text` block that shows a
command's output carries `<!-- doc-test: output-of "command" -->`, and the real output of that
command must contain each line shown.
"""

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from docs_pages import ROOT, Block, blocks, pages, tracked_files

from docs.gen import samples

SHELL = {"bash", "sh", "shell"}
# Commands that reach a cloud, a cluster, an engine or the Pulumi CLI: a block using one must be skipped.
NEEDS_TOOLS = re.compile(r"(^|[\s;|&(`$])(pulumi|docker|kubectl|aws|helm|kind|minikube|curl)\b|\bmake (up|down|test)\b")

ALL_BLOCKS = [block for page in pages() for block in blocks(page)]
RUNNABLE = [b for b in ALL_BLOCKS if b.language in SHELL and b.directive != "skip"]
OUTPUTS = [b for b in ALL_BLOCKS if b.directive == "output-of"]


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Iterator[Path]:
    """The repository's files as a fresh clone of this working tree holds them: no .venv, no caches.

    Removed after the module (each block's output is in its report): with its venv it is ~560 MB and 56,000
    files. Left to pytest, the last three sessions' are kept and the oldest is deleted as a session ends, by
    one process after the last test: about 1.5 s added to the end of every `make test` on a machine that has
    run it before."""
    target = tmp_path_factory.mktemp("checkout")
    for path in tracked_files():
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, target / path)
    yield target
    shutil.rmtree(target, ignore_errors=True)


_RESULTS: dict[str, subprocess.CompletedProcess[str]] = {}


def _run(checkout: Path, script: str) -> subprocess.CompletedProcess[str]:
    """Run a block (once per distinct text) in the checkout, as a user would paste it into bash."""
    if script not in _RESULTS:
        _RESULTS[script] = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=checkout, env=_a_users_shell(), capture_output=True, text=True, timeout=300,
        )
    return _RESULTS[script]


def _a_users_shell() -> dict[str, str]:
    """The environment without the suite's venv, which `uv run` activates: VIRTUAL_ENV, and its bin first on PATH.

    Its `python3` has no pip, so with it first the checkout's `make setup` took the Makefile's slower fallback
    (ensurepip, ~3 s of CPU more) that a user with the machine's python3 never takes."""
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1"}
    env.pop("VIRTUAL_ENV", None)
    if sys.prefix != sys.base_prefix:
        venv_bin = str(Path(sys.prefix) / "bin")
        env["PATH"] = os.pathsep.join(entry for entry in env["PATH"].split(os.pathsep) if entry != venv_bin)
    return env


def test_every_shell_block_either_runs_here_or_says_why_not():
    unmarked = [b.where for b in RUNNABLE if NEEDS_TOOLS.search(b.text)]
    assert unmarked == [], "mark these with <!-- doc-test: skip (reason) --> above the block"
    reasonless = [b.where for b in ALL_BLOCKS if b.directive == "skip" and not re.fullmatch(r"\(.+\)", b.argument)]
    assert reasonless == []
    assert [b.where for b in OUTPUTS if b.language != "text"] == []


@pytest.mark.parametrize("block", RUNNABLE, ids=[b.where for b in RUNNABLE])
def test_shell_block_runs_on_a_fresh_checkout(block: Block, checkout: Path):
    result = _run(checkout, block.text)

    report = f"{block.where} failed:\n{block.text}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    assert result.returncode == 0, report


@pytest.mark.parametrize("block", OUTPUTS, ids=[b.where for b in OUTPUTS])
def test_sample_output_is_what_the_command_prints(block: Block, checkout: Path):
    sample = samples.parse(block.argument)
    _run(checkout, "make setup")
    result = _run(checkout, sample.command)

    shown = samples.shown_lines(sample, result.stdout + result.stderr)
    assert block.text.splitlines() == shown, f"{block.where}: run `make docs` to refresh it from `{sample.command}`"


def test_make_docs_rewrites_a_stale_sample_from_a_real_run():
    page = 'intro\n<!-- doc-test: output-of "seq 3" matching "[13]" -->\n```text\nstale\n```\n'

    fresh = samples.refresh(page, lambda command: samples.run(command, ROOT))

    assert fresh.split("```text\n")[1] == "1\n3\n```\n"
