"""A stand-in `docker` CLI that runs the router container's commands against a real HAProxy on this machine.

`DockerReloader` only ever runs `docker inspect`, `docker exec` and `docker kill`. This
script answers them as the engine would for a running router whose config dir is
bind-mounted from `config_dir`: paths under the container's config dir map to the host
directory, the image's busybox `nc` is busybox's `nc` here, and `kill --signal USR2`
signals the local master. So the exact reload the dynamic provider runs is exercised
against real HAProxy, without a Docker engine.
"""

import sys
from pathlib import Path

from components.docker.reload import CONTAINER_CONFIG_DIR


def install_docker_standin(bin_dir: Path, config_dir: Path, master_pid: int) -> None:
    """Write `bin_dir/docker`; put bin_dir first on PATH to use it."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / "docker"
    script.write_text(
        f"""#!{sys.executable}
import os, signal, subprocess, sys
args = sys.argv[1:]
if args[0] == "inspect":
    print("true")
elif args[0] == "kill" and args[1:3] == ["--signal", "USR2"]:
    os.kill({master_pid}, signal.SIGUSR2)
elif args[0] == "exec":
    command = args[3:] if args[1] == "-i" else args[2:]
    command = [a.replace({CONTAINER_CONFIG_DIR!r}, {str(config_dir)!r}) for a in command]
    if command[0] == "nc":
        command = ["busybox", *command]
    sys.exit(subprocess.run(command).returncode)
else:
    sys.exit(f"docker stand-in: unexpected {{args}}")
"""
    )
    script.chmod(0o755)
