"""The interpreter `make` builds .venv on: uv's own choice, unless that is a slow build of Python.

pyenv and asdf compile CPython from source (with python-build) without profile-guided and link-time
optimisation unless PYTHON_CONFIGURE_OPTS asks for `--enable-optimizations`. On a 2-core machine whose
`python3` is such a build of 3.11, `make test` on a fresh clone took 102.5-104.9 s, and 91.7-94.8 s on
Debian's build of 3.11 (fresh clones in alternation, the same 1,936 tests, 12-15 % less CPU). The
program under the Pulumi CLI, the policy pack and the operator CLI run on the venv's interpreter too.

So when the interpreter uv would choose (the Makefile passes `uv python find`'s answer: the existing
.venv's, or a uv-managed build, or PATH's python3) is such a build and PATH holds another build of the same
major.minor version that is not, this prints that one, for `uv sync --python`. In every other case it prints nothing
and uv chooses as it always does: a UV_PYTHON or a `.python-version` file is the user's choice, and an
optimised build, or a version with no other build on PATH, stays. Only the build changes, never the
version. `make VENV_PYTHON=...` chooses outright (the Makefile does not call this then).

Standard library only: it runs before the venv exists, on the machine's python3.
"""

# The machine's python3 may be older than the project's (3.8 on Ubuntu 20.04, 3.9 on Debian 11, when uv
# fetches 3.11): annotations such as `Build | None` and `tuple[int, int]` are not evaluated there.
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

# What each interpreter is asked. -I: none of the caller's PYTHON* variables or user site-packages.
PROBE = (
    "import json, sys, sysconfig; print(json.dumps([sys.executable, list(sys.version_info[:2]),"
    " sysconfig.get_config_var('CONFIG_ARGS') or '', sys.base_prefix]))"
)
PROBE_TIMEOUT = 10.0
"""Seconds for one interpreter to answer (a pyenv shim is a shell script); one that does not is passed over."""

PLAIN_PATH = re.compile(r"[A-Za-z0-9_./+@:~-]+")
"""What an interpreter's path may hold to be passed on (see probe)."""

PYTHON_BUILD_HOMES = ("/.pyenv/versions/", "/.asdf/installs/python/")
"""Where pyenv and asdf install what python-build compiled (PYENV_ROOT, if set, is checked as well)."""


@dataclass(frozen=True)
class Build:
    """One interpreter, as it describes itself."""

    executable: str
    version: tuple[int, int]
    configure_args: str
    base_prefix: str

    @property
    def unoptimised_python_build(self) -> bool:
        homes: list[str] = list(PYTHON_BUILD_HOMES)
        if os.environ.get("PYENV_ROOT"):
            homes.append(os.environ["PYENV_ROOT"].rstrip("/") + "/versions/")
        compiled_by_python_build = any(home in self.base_prefix + "/" for home in homes)
        return compiled_by_python_build and "--enable-optimizations" not in self.configure_args


def probe(command: str) -> Build | None:
    """What `command` is, or None when it does not answer like a Python 3 interpreter."""
    try:
        answer = subprocess.run(
            [command, "-I", "-c", PROBE],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=PROBE_TIMEOUT, check=False,
        )
        executable, (major, minor), configure_args, base_prefix = json.loads(answer.stdout)
        build = Build(str(executable), (int(major), int(minor)), str(configure_args), str(base_prefix))
    except (OSError, subprocess.SubprocessError, ValueError, TypeError):
        return None
    # The path lands unquoted in a recipe that bash runs: make splits it on whitespace, and `;`, `$` or a quote
    # would be the shell's. Only a plain path reaches `uv sync --python`.
    if not PLAIN_PATH.fullmatch(build.executable) or not os.access(build.executable, os.X_OK):
        return None
    return build


def on_path(version: tuple[int, int]) -> Iterator[str]:
    """Every `pythonX.Y` and `pythonX` on PATH, in PATH's order."""
    major, minor = version
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        for name in (f"python{major}.{minor}", f"python{major}"):
            path = os.path.join(directory or ".", name)
            # os.path.isfile, not Path.is_file: that raises for a PATH entry the user may not search
            # (EACCES) or whose name is too long, and the script would stop before the builds after it.
            if os.path.isfile(path) and os.access(path, os.X_OK):
                yield path


def faster_build(default: Build, others: Iterable[Build]) -> Build | None:
    """The first of `others` with the default's version that is not a slow build, when the default is one."""
    if not default.unoptimised_python_build:
        return None
    for other in others:
        if other.version == default.version and not other.unoptimised_python_build:
            return other
    return None


def pinned_elsewhere(project: Path) -> bool:
    """The user chose already: UV_PYTHON, or a `.python-version` uv would read (here or in a parent)."""
    if os.environ.get("UV_PYTHON"):
        return True
    return any(os.path.isfile(directory / ".python-version") for directory in (project, *project.parents))


def main(argv: list[str]) -> int:
    default_command = argv[1] if len(argv) > 1 else "python3"
    if not default_command:
        return 0  # uv found none it would use: it fetches one, an optimised build
    if pinned_elsewhere(Path.cwd()):
        return 0
    default = probe(default_command)
    if default is None:
        return 0  # uv looks for its own and says what is wrong
    others = (build for build in map(probe, on_path(default.version)) if build is not None)
    chosen = faster_build(default, others)
    if chosen is not None:
        print(chosen.executable)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
