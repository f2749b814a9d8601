"""Which Pulumi CLI the operator CLI and `make up` run: the one on PATH, or the pinned one, verified first.

The Pulumi CLI runs with the release's credentials (PULUMI_ACCESS_TOKEN, cloud keys), so
it must not come from the directory the operator happens to stand in: a checkout under
review could hold a `pulumi` of its own. So:

- on PATH, only absolute directories count (an empty entry, `.` or `bin` would mean the
  working directory), and the Pulumi CLI gets the same PATH without them, so the language
  hosts and plugins it looks up there cannot come from the working directory either;
- otherwise the pinned CLI that `make up` installed into the tools directory of *this*
  installation of bluegreen (bluegreen/local_stack.py's `tools_dir`: `.tools/` of the
  checkout the package runs from, or BLUEGREEN_TOOLS_DIR), never the one of the project
  being acted on; and only after every file of it matches the checksums recorded when it
  was installed from Pulumi's verified archive (pulumi_install.py `verify`);
- anything else is refused with a message saying what to install.

Standard library only, like pulumi_install.py: `make up` uses it before anything is installed.
"""

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .pulumi_install import InstallError, install_dir, verify


@dataclass(frozen=True)
class PulumiBinary:
    """The CLI to run, and the PATH to run it with."""

    executable: Path
    path: str
    """PATH without relative entries, with a pinned install's directory first (its language hosts sit beside it)."""
    pinned: bool


class UntrustedPulumiError(Exception):
    """The only Pulumi CLI there is may not be run; the message says why and what to do."""


def absolute_path(path: str) -> str:
    """PATH with only absolute directories: no empty entry, `.` or relative directory (the working directory)."""
    return os.pathsep.join(entry for entry in path.split(os.pathsep) if entry and os.path.isabs(entry))


def on_path(environ: Mapping[str, str]) -> PulumiBinary | None:
    path = absolute_path(environ.get("PATH", ""))
    found = shutil.which("pulumi", path=path) if path else None
    return PulumiBinary(Path(found).absolute(), path, pinned=False) if found else None


def pinned(tools_dir: Path, environ: Mapping[str, str]) -> PulumiBinary | None:
    """The pinned CLI in `tools_dir`, re-verified against its recorded checksums; None when not installed."""
    if not install_dir(tools_dir).exists():
        return None
    try:
        bin_dir = verify(tools_dir)
    except InstallError as error:
        raise UntrustedPulumiError(str(error)) from None
    if bin_dir is None:
        return None
    path = absolute_path(environ.get("PATH", ""))
    executable = next(p for p in (bin_dir / "pulumi", bin_dir / "pulumi.exe") if p.is_file())
    return PulumiBinary(executable, os.pathsep.join([str(bin_dir), path]) if path else str(bin_dir), pinned=True)


def find_pulumi(environ: Mapping[str, str], tools_dir: Path) -> PulumiBinary | None:
    """The Pulumi CLI on PATH, else the verified pinned one, else None. Raises UntrustedPulumiError."""
    return on_path(environ) or pinned(tools_dir, environ)
