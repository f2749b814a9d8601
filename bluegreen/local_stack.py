"""`make up` / `make down`: deploy or destroy the local Docker stack with no Pulumi account.

Standard library only (it runs before anything Pulumi-related is imported). Without a
running Docker engine it says exactly what to install or start, and stops before
deploying anything. Without a Pulumi CLI on PATH it installs the pinned one into
`.tools/` (bluegreen/pulumi_install.py: Pulumi's release archive, verified against
the published SHA-256 checksums) and uses it; if that fails, it says how to install
the CLI by hand.

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

from .pulumi_binary import UntrustedPulumiError, find_pulumi, pinned
from .pulumi_install import InstallError, install

PROJECT_DIR = Path(__file__).resolve().parent.parent
STACK = "local"
# Another place for the tools `make` installs (the tests use it, to leave the checkout's .tools alone).
TOOLS_DIR_ENV = "BLUEGREEN_TOOLS_DIR"

DOCKER_MISSING = """\
Docker is not installed (no `docker` on PATH). Install it, then run `make up` again:
  Linux:         curl -fsSL https://get.docker.com | sh   (or https://docs.docker.com/engine/install/)
  macOS/Windows: Docker Desktop, https://docs.docker.com/get-started/get-docker/"""

DOCKER_NOT_RUNNING = """\
The docker CLI is installed but cannot reach a Docker engine (`docker info` failed{detail}).
  Linux:         sudo systemctl start docker   (and add yourself to the `docker` group)
  macOS/Windows: start Docker Desktop
Then run `make up` again."""


def docker_problems(environ: Mapping[str, str]) -> list[str]:
    """What stops a local deploy on the Docker side, as messages telling the user what to install or start."""
    docker = shutil.which("docker", path=environ.get("PATH", ""))
    if docker is None:
        return [DOCKER_MISSING]
    result = subprocess.run(
        [docker, "info", "--format", "{{.ServerVersion}}"],
        capture_output=True, text=True, check=False, timeout=30,
    )
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or [""])[-1]
        return [DOCKER_NOT_RUNNING.format(detail=f": {last}" if last else "")]
    return []


def tools_dir(environ: Mapping[str, str], project_dir: Path = PROJECT_DIR) -> Path:
    """Where `make` keeps the tools it installs (uv, the Pulumi CLI): `.tools/` unless overridden."""
    return Path(environ.get(TOOLS_DIR_ENV) or project_dir / ".tools")


def path_with_pulumi(environ: Mapping[str, str], project_dir: Path = PROJECT_DIR) -> str:
    """PATH for the pulumi commands: its absolute entries, with the verified pinned CLI from `.tools/` first
    when PATH has no `pulumi` (bluegreen/pulumi_binary.py).

    Installs that CLI first if it is not there yet; raises InstallError if it cannot, and
    UntrustedPulumiError if an install is there but no longer matches its recorded checksums.
    """
    tools = tools_dir(environ, project_dir)
    found = find_pulumi(environ, tools)
    if found is None:
        print("The Pulumi CLI is not installed (no `pulumi` on PATH).", flush=True)
        install(tools, say=lambda line: print(line, flush=True))
        found = pinned(tools, environ)
    if found is None:
        raise InstallError(f"the Pulumi CLI installed into {tools} cannot be found there")
    return found.path


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
    # Docker first: no Pulumi download on a machine that cannot run the stack anyway.
    problems = docker_problems(os.environ)
    if problems:
        print("\n\n".join(problems), file=sys.stderr)
        return 2
    try:
        path = path_with_pulumi(os.environ)
    except InstallError as error:
        print(f"The Pulumi CLI is not installed (no `pulumi` on PATH), and installing it failed:\n{error}",
              file=sys.stderr)
        return 2
    except UntrustedPulumiError as error:
        print(error, file=sys.stderr)
        return 2
    if action == "check":
        return 0
    env = {**backend_env(os.environ), "PATH": path}
    # By full path: on Windows a child's own PATH is not where its program is looked up.
    pulumi = shutil.which("pulumi", path=path) or "pulumi"
    for command in pulumi_commands(action, extra):
        print("+ " + " ".join(command), flush=True)
        code = subprocess.run([pulumi, *command[1:]], cwd=PROJECT_DIR, env=env, check=False).returncode
        if code != 0:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
