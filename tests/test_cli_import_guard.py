"""`--help`, `--version` and TAB completion never import Pulumi, the provider SDKs, pydantic, boto3 or the
config model: what a fresh process has loaded after each is read from `sys.modules`.

A command module imports those inside its function (CONTRIBUTING: a fast CLI); one that imports them at
the top fails here, whatever command it adds. The times themselves are bench/cli_speed.py's.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

from bluegreen.stack_files import PROJECT_DIR

HEAVY = (
    "pulumi",
    "pulumi_aws",
    "pulumi_docker",
    "pulumi_kubernetes",
    "pulumi_policy",
    "pydantic",
    "boto3",
    "botocore",
    "grpc",
    "yaml",
    "httpx",
    "rich",
    "components.spec",
    "bluegreen.stack_files",
    "bluegreen.rollout",
    "bluegreen.console_output",
    "components.safe_text",  # its patterns compile at import: loaded when a refusal is printed
)

# Runs the console script's entry point in-process, then reports every module loaded. The packages named
# in the second argument are made absent (as `importlib.util.find_spec` sees a `None` in sys.modules).
PROBE = """
import json, sys
sys.argv, absent = ["bluegreen", *json.loads(sys.argv[1])], json.loads(sys.argv[2])
sys.modules.update(dict.fromkeys(absent))
from bluegreen.cli import main
try:
    main()
except SystemExit:
    pass
print("\\n" + json.dumps(sorted(sys.modules)))
"""


class Probed(NamedTuple):
    modules: set[str]
    stdout: str
    stderr: str


def probe(args: list[str], cwd: Path = PROJECT_DIR, absent: tuple[str, ...] = (), **env: str) -> Probed:
    """The modules loaded after the command, and what it printed."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args), json.dumps(absent)],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    printed, modules, _ = result.stdout.rsplit("\n", 2)
    return Probed(set(json.loads(modules)), printed, result.stderr)


def loaded_after(args: list[str], **env: str) -> set[str]:
    return probe(args, **env).modules


def completion(words: str) -> dict[str, str]:
    """What bash sets for TAB after `words`, as the script from `--install-completion` does."""
    return {"_BLUEGREEN_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split(" ")) - 1)}


def heavy_in(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


@pytest.mark.parametrize(
    "args", [["--help"], ["--version"], ["release", "--help"], ["status", "--help"], ["check", "--help"]]
)
def test_help_and_version_import_nothing_heavy(args):
    modules = loaded_after(args)

    assert "bluegreen.cli" in modules
    assert heavy_in(modules) == []


@pytest.mark.parametrize("words", ["bluegreen re", "bluegreen status --stack ", "bluegreen promote --from d"])
def test_completion_imports_nothing_heavy(words):
    modules = loaded_after([], **completion(words))

    assert "bluegreen.cli" in modules
    assert heavy_in(modules) == []


def shell_completion(shell: str, words: str) -> dict[str, str]:
    """What typer's zsh, fish and PowerShell scripts set for TAB after `words`."""
    return {
        "_BLUEGREEN_COMPLETE": f"complete_{shell}",
        "_TYPER_COMPLETE_ARGS": words,
        "_TYPER_COMPLETE_FISH_ACTION": "get-args",
        "_TYPER_COMPLETE_WORD_TO_COMPLETE": words.rsplit(" ", 1)[-1],
    }


@pytest.mark.parametrize("shell", ["zsh", "fish", "powershell"])
def test_completion_with_help_beside_each_name_loads_no_rich(shell):
    # These shells show each command's help; typer renders it with rich whenever rich is installed.
    modules, shown, _ = probe([], **shell_completion(shell, "bluegreen re"))

    assert heavy_in(modules) == []
    assert "release" in shown and "Deploy --image to the idle color" in shown


def test_completion_offers_the_stacks_of_the_project_here(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: mine\nruntime: python\n")
    for name in ("qa-eu", "qa-us", "prod"):
        (tmp_path / f"Pulumi.{name}.yaml").write_text("config: {}\n")
    result = subprocess.run(
        [sys.executable, "-m", "bluegreen"],
        cwd=tmp_path,
        env={**os.environ, **completion("bluegreen status -s qa")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.stdout.split() == ["qa-eu", "qa-us"]


def test_the_probe_sees_heavy_modules_when_a_command_runs():
    # The guard must be able to fail: a command that does its work loads the config model.
    modules = loaded_after(["status", "--stack", "no such stack"])

    assert "components.spec" in modules or "bluegreen.rollout_plan" in modules


# What a refusal may load to print itself (rich, the scrubber) is allowed; the work it refuses is not.
WORK = tuple(h for h in HEAVY if h not in ("rich", "components.safe_text"))


def work_in(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in WORK))


def test_check_outside_a_project_is_refused_before_loading_the_program(tmp_path):
    modules, _, stderr = probe(["check"], cwd=tmp_path)

    assert "no Pulumi project here" in stderr
    assert work_in(modules) == []


def test_check_without_pulumi_policy_is_refused_before_loading_the_program():
    modules, _, stderr = probe(["check", "--stack", "local"], absent=("pulumi_policy",))

    assert "install it with: pip install 'bluegreen[check]'" in stderr
    assert work_in(modules - {"pulumi_policy"}) == []  # the name the probe made absent


def test_a_bad_stack_name_is_refused_before_loading_the_config_model():
    modules, _, stderr = probe(["check", "--stack", "no such stack"])

    assert "--stack = 'no such stack' is invalid" in stderr
    assert work_in(modules) == []


def test_the_release_analysis_loads_no_docker_sdk():
    # It reads the docker router's backend name on every platform; an AWS or Kubernetes release (its CLI
    # process) need not load pulumi_docker for that. The component itself still loads on first use.
    probe = (
        "import sys, bluegreen.analysis; print('pulumi_docker' in sys.modules)\n"
        "from components.docker import BlueGreenService, DockerBlueGreenService, DockerServiceArgs\n"
        "print(BlueGreenService is DockerBlueGreenService, DockerServiceArgs.__name__, 'pulumi_docker' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=60)

    assert result.stdout.split() == ["False", "True", "DockerServiceArgs", "True"], result.stderr


def test_the_pull_request_scripts_stack_diff_loads_no_config_model():
    # .ci/release-plans runs it on every pull request before it plans anything: it compares YAML only.
    probe = (
        "import sys, bluegreen.stack_changes\n"
        "print(sorted(m for m in sys.modules if m.startswith(('pydantic', 'components.spec', 'pulumi'))))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=60)

    assert result.stdout.strip() == "[]", result.stderr
