"""`make up` / `make down`: the prerequisite check, and the pulumi commands run against the local file backend.

The real script runs in a subprocess with a PATH that holds only fake `pulumi` and
`docker` programs (or lacks them), so what a user without the CLI or engine sees is
asserted word for word, and no real Pulumi or Docker is needed.
"""

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

from bluegreen.local_stack import TOOLS_DIR_ENV, backend_env
from bluegreen.pulumi_install import PULUMI_VERSION, RELEASES_URL_ENV
from tests.pulumi_releases import closed_port_url, release, serving, tar_gz

PROJECT_DIR = Path(__file__).resolve().parent.parent
SCRIPT = PROJECT_DIR / "bluegreen" / "local_stack.py"


def fake(bin_dir: Path, name: str, log: Path, fail_on: str | None = None) -> None:
    """A program that logs its argv and the backend env it got, failing when its first arg is `fail_on`."""
    bin_dir.mkdir(exist_ok=True)
    program = bin_dir / name
    program.write_text(
        f"""#!{sys.executable}
import json, os, sys
with open({str(log)!r}, "a") as f:
    f.write(json.dumps({{"argv": [{name!r}, *sys.argv[1:]],
                         "backend": os.environ.get("PULUMI_BACKEND_URL"),
                         "passphrase": os.environ.get("PULUMI_CONFIG_PASSPHRASE")}}) + "\\n")
if sys.argv[1:2] == [{fail_on!r}]:
    print("Cannot connect to the Docker daemon at unix:///var/run/docker.sock.", file=sys.stderr)
    sys.exit(1)
"""
    )
    program.chmod(program.stat().st_mode | stat.S_IEXEC)


def run_script(bin_dir: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m bluegreen.local_stack` as `make up` runs it; `.tools/` is a scratch copy, never the checkout's."""
    bin_dir.mkdir(exist_ok=True)
    scratch = {TOOLS_DIR_ENV: str(bin_dir.parent / ".tools"), RELEASES_URL_ENV: closed_port_url()}
    return subprocess.run(
        [sys.executable, "-m", "bluegreen.local_stack", *args],
        cwd=PROJECT_DIR,
        env={"PATH": str(bin_dir), **scratch, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )


def logged(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_without_docker_it_says_what_to_install_and_downloads_nothing(tmp_path: Path) -> None:
    with serving(release()) as server:
        result = run_script(tmp_path / "bin", "up", env={RELEASES_URL_ENV: server.url})
    assert result.returncode == 2
    assert "Docker is not installed (no `docker` on PATH)" in result.stderr
    assert "https://docs.docker.com/engine/install/" in result.stderr
    # Docker is checked first: no Pulumi download for a machine that cannot run the stack.
    assert server.requests == [] and not (tmp_path / ".tools").exists()


def test_without_pulumi_or_network_it_says_how_to_install_it_and_nothing_runs(tmp_path: Path) -> None:
    log = tmp_path / "calls.jsonl"
    fake(tmp_path / "bin", "docker", log)
    result = run_script(tmp_path / "bin", "up")
    assert result.returncode == 2
    assert "The Pulumi CLI is not installed (no `pulumi` on PATH), and installing it failed:" in result.stderr
    assert "cannot download http://127.0.0.1:" in result.stderr and "Connection refused" in result.stderr
    assert "curl -fsSL https://get.pulumi.com | sh" in result.stderr
    assert "https://www.pulumi.com/docs/iac/download-install/" in result.stderr
    assert "Docker" not in result.stderr
    assert [c["argv"] for c in logged(log)] == [["docker", "info", "--format", "{{.ServerVersion}}"]]
    assert not (tmp_path / ".tools").exists()


def test_without_pulumi_make_up_installs_the_pinned_cli_and_deploys_with_it(tmp_path: Path) -> None:
    log = tmp_path / "calls.jsonl"
    fake(tmp_path / "bin", "docker", log)
    # The "release" carries the logging fake as its pulumi, so what ran is visible.
    fake(tmp_path / "release", "pulumi", log)
    cli = (tmp_path / "release" / "pulumi").read_text()
    env = {"PULUMI_BACKEND_URL": (tmp_path / "state").as_uri(), "PULUMI_CONFIG_PASSPHRASE": "x"}
    with serving(release(tar_gz({"pulumi/pulumi": cli, "pulumi/pulumi-language-python": cli}))) as server:
        first = run_script(tmp_path / "bin", "up", env={**env, RELEASES_URL_ENV: server.url})
        second = run_script(tmp_path / "bin", "up", env={**env, RELEASES_URL_ENV: server.url})

    assert first.returncode == 0, first.stderr
    assert f"Installing the Pulumi CLI v{PULUMI_VERSION} into {tmp_path / '.tools'}" in first.stdout
    assert "Verified sha256 " in first.stdout
    assert (tmp_path / ".tools" / f"pulumi-v{PULUMI_VERSION}" / "bin" / "pulumi").is_file()
    deployed = [c["argv"] for c in logged(log) if c["argv"][0] == "pulumi"]
    assert deployed[:3] == [
        ["pulumi", "stack", "select", "local", "--create", "--secrets-provider", "passphrase"],
        ["pulumi", "up", "--stack", "local", "--yes"],
        ["pulumi", "stack", "output", "--stack", "local"],
    ]
    # The second `make up` uses the installed CLI: one download in all, three more pulumi commands.
    assert second.returncode == 0 and "Installing" not in second.stdout
    assert len(server.requests) == 2 and len(deployed) == 6


def test_a_stopped_docker_engine_is_reported_with_how_to_start_it(tmp_path: Path) -> None:
    log = tmp_path / "calls.jsonl"
    fake(tmp_path / "bin", "pulumi", log)
    fake(tmp_path / "bin", "docker", log, fail_on="info")
    result = run_script(tmp_path / "bin", "up")
    assert result.returncode == 2
    assert "cannot reach a Docker engine (`docker info` failed: Cannot connect to the Docker daemon" in result.stderr
    assert "sudo systemctl start docker" in result.stderr
    assert not any(c["argv"][0] == "pulumi" for c in logged(log))


def test_up_creates_the_local_stack_with_a_passphrase_and_deploys_it(tmp_path: Path) -> None:
    log = tmp_path / "calls.jsonl"
    fake(tmp_path / "bin", "pulumi", log)
    fake(tmp_path / "bin", "docker", log)
    backend = (tmp_path / "state").as_uri()
    env = {"PULUMI_BACKEND_URL": backend, "PULUMI_CONFIG_PASSPHRASE": "local-only"}
    result = run_script(tmp_path / "bin", "up", env=env)
    assert result.returncode == 0, result.stderr
    pulumi = [c for c in logged(log) if c["argv"][0] == "pulumi"]
    assert [c["argv"] for c in pulumi] == [
        ["pulumi", "stack", "select", "local", "--create", "--secrets-provider", "passphrase"],
        ["pulumi", "up", "--stack", "local", "--yes"],
        ["pulumi", "stack", "output", "--stack", "local"],
    ]
    assert {(c["backend"], c["passphrase"]) for c in pulumi} == {(backend, "local-only")}


def test_down_destroys_the_local_stack(tmp_path: Path) -> None:
    log = tmp_path / "calls.jsonl"
    fake(tmp_path / "bin", "pulumi", log)
    fake(tmp_path / "bin", "docker", log)
    env = {"PULUMI_BACKEND_URL": (tmp_path / "state").as_uri(), "PULUMI_CONFIG_PASSPHRASE": "x"}
    result = run_script(tmp_path / "bin", "down", env=env)
    assert result.returncode == 0, result.stderr
    assert [c["argv"] for c in logged(log) if c["argv"][0] == "pulumi"][-1] == [
        "pulumi", "destroy", "--stack", "local", "--yes",
    ]


def test_by_default_state_stays_in_the_project_and_the_passphrase_is_fixed(tmp_path: Path) -> None:
    env = backend_env({"PATH": "/usr/bin"}, project_dir=tmp_path)
    assert env["PULUMI_BACKEND_URL"] == (tmp_path / ".pulumi-state").as_uri()
    # Empty, not random: the encryptionsalt Pulumi writes into Pulumi.local.yaml must work in every clone.
    assert env["PULUMI_CONFIG_PASSPHRASE"] == ""
    assert "PULUMI_CONFIG_PASSPHRASE_FILE" not in env
    assert env["PATH"] == "/usr/bin"


def test_a_users_own_backend_and_passphrase_win(tmp_path: Path) -> None:
    mine = {"PULUMI_BACKEND_URL": "s3://bucket", "PULUMI_CONFIG_PASSPHRASE_FILE": "/secret"}
    env = backend_env(mine, project_dir=tmp_path)
    assert (env["PULUMI_BACKEND_URL"], env["PULUMI_CONFIG_PASSPHRASE_FILE"]) == ("s3://bucket", "/secret")
    assert not (tmp_path / ".pulumi-state").exists()


def test_make_up_and_down_build_the_venv_then_run_the_script() -> None:
    makefile = (PROJECT_DIR / "Makefile").read_text()
    for action in ("up", "down"):
        rule = re.search(rf"^{action}: (.*)\n\t(.*)$", makefile, re.MULTILINE)
        assert rule is not None
        assert rule.group(1).split() == ["setup"]
        assert f"python -m bluegreen.local_stack {action}" in rule.group(2)
        # The Pulumi CLI runs `uv` itself (toolchain: uv): the Makefile's uv must be on its PATH.
        assert rule.group(2).startswith('PATH="$(dir $(UV)):$$PATH" ')
    assert os.access(SCRIPT, os.R_OK)
