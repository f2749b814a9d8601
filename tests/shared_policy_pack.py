"""`bluegreen check` and `bluegreen plan` in a test judge with the worker's running pack, when it is the same code.

Each `check` or `plan` starts the project's pack as a plugin process (bluegreen/policy_client.py:
`launch_pack`): about 0.3 CPU-s, nearly all of it the pack's `import pulumi`. A test whose claim is the
verdict, the report or what is printed, not the pack's start, gets the session's pack instead, reached
over the same gRPC client, when the pack the CLI chose holds byte for byte the same files as the one
running (a `project_copy` of the checkout's `policies/`, or the shipped pack). A pack with other code (a
project's own `__main__.py`) or none at all starts for real, so the choice of pack is still tested.

The pack keeps no state between calls but its `Configure`, which every check and plan sends before it
analyzes, as every other user of the session's pack does.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bluegreen.policy_client import PolicyPackProcess, pack_dir


def pack_files(directory: Path) -> dict[str, bytes]:
    """The pack's code by relative path: its config files (read by the client, not the pack) left out."""
    if not (directory / "PulumiPolicy.yaml").is_file():
        return {}
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts and path.relative_to(directory).parts[0] != "config"
    }


class RunningPack:
    """The session's pack as a command sees one it launched: ready at once, and left running by `close`."""

    def __init__(self, pack: PolicyPackProcess) -> None:
        self._pack = pack

    def launch(self) -> None:
        pass

    def wait_ready(self) -> None:
        pass

    def close(self) -> None:
        pass  # the session's pack ends with the session

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pack, name)


def sharing_launcher(
    running: Callable[[], PolicyPackProcess], launch: Callable[[Path], PolicyPackProcess]
) -> Callable[[Path], Any]:
    """A `launch_pack` that answers with the running pack (asked for only when needed) when the code matches."""

    def launch_pack(project_dir: Path) -> Any:
        files = pack_files(pack_dir(project_dir))
        if files:
            pack = running()
            if files == pack_files(pack.pack_dir):
                return RunningPack(pack)
        return launch(project_dir)

    return launch_pack
