"""A stand-in `docker` CLI that runs the router container's commands against a real HAProxy on this machine.

`DockerReloader` only ever runs `docker inspect`, `docker exec` and `docker kill`. This
script answers them as the engine would for a running router whose config dir is
bind-mounted from `config_dir`: paths under the container's config dir map to the host
directory, the image's busybox `nc` is busybox's `nc` here, and `kill --signal USR2`
signals the local master. So the exact reload the dynamic provider runs is exercised
against real HAProxy, without a Docker engine.

Debian's busybox `nc` has no Unix sockets, so `nc local:<admin socket>` (how the
provider reaches the admin-level runtime API inside the alpine image) is played by a
few lines of Python on the router's admin socket, or, with `unix_nc=False`, fails as
an `nc` without Unix socket support does.
"""

import sys
from pathlib import Path

from components.docker.reload import CONTAINER_ADMIN_SOCKET, CONTAINER_CONFIG_DIR, CONTAINER_STATE_ADDRESS

NO_UNIX_NC = "nc: bad port"
"""What an `nc` built without Unix socket support says to `nc local:<path>` (Debian's busybox does)."""


def install_docker_standin(
    bin_dir: Path,
    config_dir: Path,
    master_pid: int,
    admin_socket: Path | None = None,
    unix_nc: bool = True,
    state_address: str = CONTAINER_STATE_ADDRESS,
) -> None:
    """Write `bin_dir/docker`; put bin_dir first on PATH to use it.

    `admin_socket` and `state_address`: the router's sockets on this host, answering for the
    container's (`local:/var/lib/haproxy/admin.sock` and `127.0.0.1:9999`).
    """
    container_state = CONTAINER_STATE_ADDRESS.split(":")
    local_state = state_address.split(":")
    bin_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / "docker"
    script.write_text(
        f"""#!{sys.executable}
import os, signal, socket, subprocess, sys
args = sys.argv[1:]
if args[0] == "inspect":
    print("true")
elif args[0] == "kill" and args[1:3] == ["--signal", "USR2"]:
    os.kill({master_pid}, signal.SIGUSR2)
elif args[0] == "exec":
    command = args[3:] if args[1] == "-i" else args[2:]
    command = [a.replace({CONTAINER_CONFIG_DIR!r}, {str(config_dir)!r}) for a in command]
    if command[:2] == ["nc", "local:{CONTAINER_ADMIN_SOCKET}"]:
        if not {unix_nc!r} or {str(admin_socket or "")!r} == "":
            sys.exit({NO_UNIX_NC!r} + " '{CONTAINER_ADMIN_SOCKET}'")
        with socket.socket(socket.AF_UNIX) as conn:
            conn.connect({str(admin_socket or "")!r})
            conn.sendall(sys.stdin.buffer.read())
            while chunk := conn.recv(65536):
                sys.stdout.buffer.write(chunk)
        sys.exit(0)
    if command == ["nc", *{container_state!r}]:
        command = ["nc", *{local_state!r}]
    if command[0] == "nc":
        command = ["busybox", *command]
    sys.exit(subprocess.run(command).returncode)
else:
    sys.exit(f"docker stand-in: unexpected {{args}}")
"""
    )
    script.chmod(0o755)
