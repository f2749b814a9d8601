"""`make up` / `make down`: deploy or destroy the local Docker stack with no Pulumi account.

Standard library only (it runs before anything Pulumi-related is imported): if the
Pulumi CLI or a running Docker engine is missing, it says exactly what to install
and stops before deploying anything.

State lives in Pulumi's local file backend (`./.pulumi-state`, unless
PULUMI_BACKEND_URL says otherwise) and secrets use the passphrase provider with
PULUMI_CONFIG_PASSPHRASE(_FILE) if set, else an empty passphrase. Nothing changes
your global `pulumi login`.
"""

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
STACK = "local"

PULUMI_MISSING = """\
The Pulumi CLI is not installed (no `pulumi` on PATH). Install it, then run `make up` again:
  Linux/macOS:  curl -fsSL https://get.pulumi.com | sh
  macOS (brew): brew install pulumi/tap/pulumi
  Windows:      winget install pulumi
  Details:      https://www.pulumi.com/docs/iac/download-install/
No Pulumi account is needed: this stack uses the local file backend."""

DOCKER_MISSING = """\
Docker is not installed (no `docker` on PATH). Install it, then run `make up` again:
  Linux:         curl -fsSL https://get.docker.com | sh   (or https://docs.docker.com/engine/install/)
  macOS/Windows: Docker Desktop, https://docs.docker.com/get-started/get-docker/"""

DOCKER_NOT_RUNNING = """\
The docker CLI is installed but cannot reach a Docker engine (`docker info` failed{detail}).
  Linux:         sudo systemctl start docker   (and add yourself to the `docker` group)
  macOS/Windows: start Docker Desktop
Then run `make up` again."""


def missing_prerequisites(environ: Mapping[str, str] | None = None) -> list[str]:
    """What stops a local deploy, as messages telling the user what to install or start."""
    path = (environ if environ is not None else os.environ).get("PATH", "")
    problems = []
    if shutil.which("pulumi", path=path) is None:
        problems.append(PULUMI_MISSING)
    docker = shutil.which("docker", path=path)
    if docker is None:
        problems.append(DOCKER_MISSING)
    else:
        result = subprocess.run(
            [docker, "info", "--format", "{{.ServerVersion}}"],
            capture_output=True, text=True, check=False, timeout=30,
        )
        if result.returncode != 0:
            last = (result.stderr.strip().splitlines() or [""])[-1]
            problems.append(DOCKER_NOT_RUNNING.format(detail=f": {last}" if last else ""))
    return problems


def local_backend_settings(environ: Mapping[str, str], project_dir: Path = PROJECT_DIR) -> dict[str, str]:
    """The variables the pulumi CLI needs for the local stack, unless the user chose their own.

    The local file backend keeps state in the project. The passphrase defaults to the
    empty string: the local stack holds no secrets, and a fixed passphrase means the
    `encryptionsalt` Pulumi writes into Pulumi.local.yaml works in every clone (a
    random one kept out of git would make a committed salt unusable elsewhere).
    The operator CLI uses the same settings to reach this stack.
    """
    settings = {"PULUMI_SKIP_UPDATE_CHECK": environ.get("PULUMI_SKIP_UPDATE_CHECK", "true")}
    if "PULUMI_BACKEND_URL" not in environ:
        state = project_dir / ".pulumi-state"
        state.mkdir(exist_ok=True)
        settings["PULUMI_BACKEND_URL"] = state.as_uri()
    if "PULUMI_CONFIG_PASSPHRASE" not in environ and "PULUMI_CONFIG_PASSPHRASE_FILE" not in environ:
        settings["PULUMI_CONFIG_PASSPHRASE"] = ""
    return settings


def backend_env(environ: Mapping[str, str], project_dir: Path = PROJECT_DIR) -> dict[str, str]:
    """The full environment for the pulumi CLI behind `make up` / `make down`."""
    return {**environ, **local_backend_settings(environ, project_dir)}


def pulumi_commands(action: str, extra: list[str]) -> list[list[str]]:
    """The pulumi invocations behind `make up` / `make down`."""
    select = ["pulumi", "stack", "select", STACK, "--create", "--secrets-provider", "passphrase"]
    if action == "up":
        outputs = ["pulumi", "stack", "output", "--stack", STACK]
        return [select, ["pulumi", "up", "--stack", STACK, "--yes", *extra], outputs]
    if action == "down":
        return [select, ["pulumi", "destroy", "--stack", STACK, "--yes", *extra]]
    raise ValueError(f"unknown action {action!r} (use up, down or check)")


def main(argv: list[str]) -> int:
    action, extra = (argv[0] if argv else "up"), argv[1:]
    problems = missing_prerequisites()
    if problems:
        print("\n\n".join(problems), file=sys.stderr)
        return 2
    if action == "check":
        return 0
    env = backend_env(os.environ)
    for command in pulumi_commands(action, extra):
        print("+ " + " ".join(command), flush=True)
        code = subprocess.run(command, cwd=PROJECT_DIR, env=env, check=False).returncode
        if code != 0:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
