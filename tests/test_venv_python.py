"""`make` builds .venv on a faster build of the same Python when python3 is an unoptimised pyenv build.

The interpreters here are stand-ins: shell scripts that answer tools/venv_python.py's probe the way a
real build would describe itself (its executable, version, configure arguments and prefix).
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tools" / "venv_python.py"

Answer = tuple[str, list[int], str, str]
"""What a build says of itself: executable, [major, minor], configure arguments, prefix."""


def build(prefix: str, version: str, configure_args: str = "'--enable-shared'") -> Answer:
    major, minor = (int(part) for part in version.split("."))
    return (f"{prefix}/bin/python{major}.{minor}", [major, minor], configure_args, prefix)


PYENV_311 = build("/home/dev/.pyenv/versions/3.11.7", "3.11")
PYENV_311_OPTIMISED = build("/home/dev/.pyenv/versions/3.11.9", "3.11", "'--enable-optimizations' '--with-lto'")
ASDF_311 = build("/home/dev/.asdf/installs/python/3.11.7", "3.11")
DEBIAN_311 = build("/usr", "3.11")
DEBIAN_312 = build("/usr", "3.12")


def interpreter(directory: Path, name: str, answer: Answer | str) -> Path:
    """A stand-in `name` in `directory` that answers as `answer` (a build, or any text) whatever it is asked."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    # A real interpreter names an executable that exists: this stand-in names itself.
    text = answer if isinstance(answer, str) else json.dumps([str(path), *answer[1:]])
    path.write_text(f"#!/bin/sh\nexec /bin/cat <<'EOF'\n{text}\nEOF\n")  # PATH may hold no cat
    path.chmod(0o755)
    return path


def without_choices(path: list[Path], **env: str) -> dict[str, str]:
    """This environment with `path` as PATH and no choice of interpreter made by the user or pyenv."""
    environment = {k: v for k, v in os.environ.items() if k not in ("UV_PYTHON", "PYENV_ROOT")}
    environment.update(PATH=os.pathsep.join(map(str, path)), **env)
    return environment


def chosen(tmp_path: Path, default: Path, path: list[Path], **env: str) -> str:
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(default)],
        cwd=project,
        env=without_choices(path, **env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return result.stdout.strip()


def test_pyenvs_unoptimised_build_gives_way_to_debians_build_of_the_same_version(tmp_path: Path) -> None:
    shims, usr_bin = tmp_path / "shims", tmp_path / "usr" / "bin"
    default = interpreter(shims, "python3", PYENV_311)
    interpreter(shims, "python3.11", PYENV_311)
    interpreter(usr_bin, "python3.12", DEBIAN_312)
    debian = interpreter(usr_bin, "python3.11", DEBIAN_311)

    assert chosen(tmp_path, default, [shims, usr_bin]) == str(debian)


def test_asdfs_unoptimised_build_gives_way_too(tmp_path: Path) -> None:
    shims, usr_bin = tmp_path / "shims", tmp_path / "usr" / "bin"
    default = interpreter(shims, "python3", ASDF_311)
    debian = interpreter(usr_bin, "python3", DEBIAN_311)

    assert chosen(tmp_path, default, [shims, usr_bin]) == str(debian)


def test_a_build_under_a_pyenv_root_elsewhere_counts_as_pyenvs(tmp_path: Path) -> None:
    shims, usr_bin = tmp_path / "shims", tmp_path / "usr" / "bin"
    default = interpreter(shims, "python3", build("/opt/pyenv/versions/3.11.7", "3.11"))
    debian = interpreter(usr_bin, "python3.11", DEBIAN_311)

    assert chosen(tmp_path, default, [shims, usr_bin], PYENV_ROOT="/opt/pyenv/") == str(debian)
    assert chosen(tmp_path, default, [shims, usr_bin]) == ""


@pytest.mark.parametrize("default_build", [PYENV_311_OPTIMISED, DEBIAN_311], ids=["pyenv-optimised", "debian"])
def test_an_optimised_default_is_left_to_uv(tmp_path: Path, default_build: Answer) -> None:
    shims, usr_bin = tmp_path / "shims", tmp_path / "usr" / "bin"
    default = interpreter(shims, "python3", default_build)
    interpreter(usr_bin, "python3.11", DEBIAN_311)

    assert chosen(tmp_path, default, [shims, usr_bin]) == ""


def test_the_version_never_changes_only_the_build(tmp_path: Path) -> None:
    shims, usr_bin = tmp_path / "shims", tmp_path / "usr" / "bin"
    default = interpreter(shims, "python3", PYENV_311)
    interpreter(usr_bin, "python3", DEBIAN_312)
    interpreter(usr_bin, "python3.12", DEBIAN_312)

    assert chosen(tmp_path, default, [shims, usr_bin]) == ""


def test_interpreters_that_fail_or_answer_nonsense_are_passed_over(tmp_path: Path) -> None:
    shims, broken, usr_bin = tmp_path / "shims", tmp_path / "broken", tmp_path / "usr" / "bin"
    default = interpreter(shims, "python3", PYENV_311)
    interpreter(broken, "python3.11", "pyenv: python3.11: command not found")
    failing = interpreter(broken, "python3", "")
    failing.write_text("#!/bin/sh\nexit 127\n")
    extra = usr_bin / "python3"  # a build of 3.11 that answers one field too many
    interpreter(usr_bin, "python3", json.dumps([str(extra), [3, 11], "", "/usr", "more"]))
    debian = interpreter(usr_bin, "python3.11", DEBIAN_311)

    assert chosen(tmp_path, default, [shims, broken, usr_bin]) == str(debian)


def test_a_default_that_is_no_python_is_left_to_uv_to_report(tmp_path: Path) -> None:
    usr_bin = tmp_path / "usr" / "bin"
    interpreter(usr_bin, "python3.11", DEBIAN_311)

    assert chosen(tmp_path, tmp_path / "missing" / "python3", [usr_bin]) == ""
    assert chosen(tmp_path, interpreter(tmp_path / "odd", "python3", "[1, 2]"), [usr_bin]) == ""


def test_the_users_own_choice_is_kept(tmp_path: Path) -> None:
    shims, usr_bin = tmp_path / "shims", tmp_path / "usr" / "bin"
    default = interpreter(shims, "python3", PYENV_311)
    interpreter(usr_bin, "python3.11", DEBIAN_311)

    assert chosen(tmp_path, default, [shims, usr_bin], UV_PYTHON="3.11.7") == ""
    (tmp_path / ".python-version").write_text("3.11.7\n")  # pyenv local, in the project's parent
    assert chosen(tmp_path, default, [shims, usr_bin]) == ""


UV = "/bin/true"  # any file: `setup` depends on it, and `make -n` only prints how it would be called


def make_dry_run(*args: str, uv: Path | str = UV, path: list[Path] | None = None) -> str:
    """The `uv sync` line `make setup` would run (the outer make's variables left out)."""
    outer = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "VENV_PYTHON", "UV_PYTHON", "PYENV_ROOT"}
    env = {k: v for k, v in os.environ.items() if k not in outer}
    if path is not None:
        env["PATH"] = os.pathsep.join(map(str, path))
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", "setup", f"UV={uv}", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout, result.stderr
    return result.stdout.splitlines()[0].rstrip()


def test_make_passes_the_choice_to_uv_sync_and_venv_python_overrides_it() -> None:
    chosen_here = make_dry_run("VENV_PYTHON=/opt/python/bin/python3.11")
    assert chosen_here == f"{UV} sync --locked --python /opt/python/bin/python3.11"
    assert make_dry_run("VENV_PYTHON=") == f"{UV} sync --locked"
    # Without it, the script judges what `uv python find` names: this stand-in uv names none.
    assert make_dry_run() == f"{UV} sync --locked"


@pytest.mark.parametrize("uv_choice", ["pyenv", "managed"])
def test_make_judges_the_interpreter_uv_would_choose_not_python3(tmp_path: Path, uv_choice: str) -> None:
    # python3 is pyenv's slow 3.11, but uv prefers its own managed builds (here a 3.12): judging python3 gave
    # `--python` PATH's 3.11, and .venv went from 3.12 to 3.11. The same for an existing .venv on 3.12.
    shims, usr_bin = tmp_path / "shims", tmp_path / "usr" / "bin"
    python3 = interpreter(shims, "python3", PYENV_311)
    # It answers the probe as pyenv's build, and runs the script as the real thing.
    runs_the_script = f'#!/bin/sh\n[ "$2" = -c ] || exec {sys.executable} "$@"\n'
    python3.write_text(python3.read_text().replace("#!/bin/sh\n", runs_the_script))
    debian = interpreter(usr_bin, "python3.11", DEBIAN_311)
    managed_build = build("/opt/uv/cpython-3.12.1", "3.12", "'--enable-optimizations'")
    managed = interpreter(tmp_path / "uv-python" / "bin", "python3.12", managed_build)
    uv = tmp_path / "uv"
    uv.write_text(f'#!/bin/sh\n[ "$1 $2" = "python find" ] && echo {python3 if uv_choice == "pyenv" else managed}\n')
    uv.chmod(0o755)
    line = make_dry_run(f"PYTHON={python3}", uv=uv, path=[shims, usr_bin, Path("/usr/bin"), Path("/bin")])
    expected = f" --python {debian}" if uv_choice == "pyenv" else ""
    assert line == f"{uv} sync --locked{expected}"


def test_an_interpreter_waiting_on_stdin_gets_none_and_still_answers(tmp_path: Path) -> None:
    # make's stdin is the terminal: a wrapper reading it would stall `make setup` for the probe's timeout.
    shims, usr_bin = tmp_path / "shims", tmp_path / "usr" / "bin"
    default = interpreter(shims, "python3", PYENV_311)
    reader = interpreter(usr_bin, "python3.11", DEBIAN_311)
    reader.write_text("#!/bin/sh\nread line\n" + reader.read_text().split("\n", 1)[1])
    project = tmp_path / "project"
    project.mkdir()
    with subprocess.Popen(
        [sys.executable, str(SCRIPT), str(default)], cwd=project, env=without_choices([shims, usr_bin]),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    ) as running:  # stdin stays open, as a terminal's would
        assert running.stdout is not None
        said = running.stdout.read()
        running.wait(timeout=60)
    assert said.strip() == str(reader)


def test_a_build_whose_path_has_a_space_is_passed_over(tmp_path: Path) -> None:
    # make splits VENV_PYTHON on whitespace, so `uv sync --python` would get half a path.
    shims, spaced, usr_bin = tmp_path / "shims", tmp_path / "my python" / "bin", tmp_path / "usr" / "bin"
    default = interpreter(shims, "python3", PYENV_311)
    interpreter(spaced, "python3.11", build("/opt/my python", "3.11"))
    debian = interpreter(usr_bin, "python3.11", DEBIAN_311)

    assert chosen(tmp_path, default, [shims, spaced, usr_bin]) == str(debian)
    assert chosen(tmp_path, default, [shims, spaced]) == ""


def test_an_interpreter_naming_an_executable_that_is_not_there_is_passed_over(tmp_path: Path) -> None:
    shims, liar, usr_bin = tmp_path / "shims", tmp_path / "liar", tmp_path / "usr" / "bin"
    default = interpreter(shims, "python3", PYENV_311)
    lying = interpreter(liar, "python3.11", DEBIAN_311)
    lying.write_text(lying.read_text().replace(str(lying), str(tmp_path / "gone" / "python3.11")))
    debian = interpreter(usr_bin, "python3.11", DEBIAN_311)

    assert chosen(tmp_path, default, [shims, liar, usr_bin]) == str(debian)


def test_a_path_entry_that_cannot_be_searched_is_passed_over(tmp_path: Path) -> None:
    # Path.is_file raised for such an entry (EACCES for a directory the user may not search, or a name too
    # long, which root meets as well): a traceback, and the build after it never reached.
    shims, usr_bin = tmp_path / "shims", tmp_path / "usr" / "bin"
    default = interpreter(shims, "python3", PYENV_311)
    debian = interpreter(usr_bin, "python3.11", DEBIAN_311)
    too_long = tmp_path / ("x" * 300)

    assert chosen(tmp_path, default, [shims, too_long, usr_bin]) == str(debian)


def older_pythons() -> list[str]:
    """Interpreters older than 3.10 on this machine (a pyenv's builds included), to run the script on."""
    found = {shutil.which(f"python3.{minor}") for minor in (7, 8, 9)}
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    found.update(str(path) for path in pyenv_root.glob("versions/3.[789].*/bin/python3"))
    return sorted(path for path in found if path and subprocess.run(
        [path, "-c", "import sys; assert (3, 7) <= sys.version_info < (3, 10)"],
        capture_output=True, timeout=60, check=False,
    ).returncode == 0)


def test_the_script_runs_on_a_python3_older_than_the_projects(tmp_path: Path) -> None:
    # Debian 11's python3 is 3.9: the script's annotations raised TypeError there, a traceback on each `make setup`.
    olders = older_pythons()
    if not olders:
        pytest.skip("no Python 3.7-3.9 here")
    shims, usr_bin = tmp_path / "shims", tmp_path / "usr" / "bin"
    default = interpreter(shims, "python3", PYENV_311)
    debian = interpreter(usr_bin, "python3.11", DEBIAN_311)
    for older in olders:
        result = subprocess.run(
            [older, str(SCRIPT), str(default)], cwd=tmp_path,
            env={**os.environ, "PATH": str(usr_bin)}, capture_output=True, text=True, timeout=60, check=False,
        )
        assert (result.returncode, result.stderr, result.stdout.strip()) == (0, "", str(debian)), older


@pytest.mark.parametrize("name", ["py;id", "py$(id)", "py`id`", "py'quoted", "py\\x"])
def test_a_build_whose_path_the_shell_would_read_is_passed_over(tmp_path: Path, name: str) -> None:
    # make pastes the path unquoted into the recipe bash runs: `;`, `$(...)` or a quote would be bash's.
    shims, odd, usr_bin = tmp_path / "shims", tmp_path / name / "bin", tmp_path / "usr" / "bin"
    default = interpreter(shims, "python3", PYENV_311)
    interpreter(odd, "python3.11", DEBIAN_311)
    debian = interpreter(usr_bin, "python3.11", DEBIAN_311)

    assert chosen(tmp_path, default, [shims, odd, usr_bin]) == str(debian)
    assert chosen(tmp_path, default, [shims, odd]) == ""
