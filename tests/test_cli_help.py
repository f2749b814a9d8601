"""Every command explains itself with --help, and `python -m bluegreen` is the same app."""

import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from bluegreen.cli import app, main
from bluegreen.stack_files import PROJECT_DIR

runner = CliRunner()


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("release", ["--stack", "--image", "--steps", "--bake", "--poll", "--wait-timeout", "--replicas",
                     "--on-interrupt", "--yes", "--force"]),
        ("shift", ["--stack", "--steps", "--bake", "--failures-allowed", "--on-interrupt"]),
        ("resume", ["--stack", "--to", "--bake", "--on-interrupt", "--yes", "--force"]),
        ("abort", ["--stack", "--yes", "--force"]),
        ("pause", ["--stack"]),
        ("rollback", ["--stack", "--force", "--no-check", "--yes"]),
        ("promote", ["--from", "--to", "--steps", "--yes"]),
        ("status", ["--stack", "--http", "--json", "--watch"]),
        ("check", ["--stack", "--json", "--markdown"]),
    ],
)
def test_each_command_has_help_naming_its_options(command, options, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    result = runner.invoke(app, [command, "--help"])

    assert result.exit_code == 0
    for option in options:
        assert option in result.output


def test_no_arguments_lists_the_commands():
    result = runner.invoke(app, [])

    for command in ("check", "status", "release", "shift", "resume", "pause", "abort", "rollback", "promote"):
        assert command in result.output


def test_the_default_on_interrupt_is_stated_in_help(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    result = runner.invoke(app, ["release", "--help"])

    assert "Ctrl-C rolls back (exit 130)" in " ".join(result.output.split())


def test_an_argument_shows_its_help_once(monkeypatch):
    # click 8.5 reset a typer argument's help to None, and would list a documented argument a second time.
    monkeypatch.setenv("COLUMNS", "200")
    result = runner.invoke(app, ["report", "--help"])

    assert result.exit_code == 0
    assert result.output.count("EVENTS_FILE  A stream written by --events.") == 1
    assert "Positional arguments" not in result.output


@pytest.mark.parametrize("command", [c.name for c in app.registered_commands])
def test_help_shows_no_bool_metavar_and_durations_as_users_write_them(command, monkeypatch):
    # Unpinned typer 0.29 with click 8.5 printed `<bool>` after every flag and defaults such as `5.0`.
    monkeypatch.setenv("COLUMNS", "120")
    shown = " ".join(runner.invoke(app, [command, "--help"]).output.split())

    assert "<bool>" not in shown and "BOOLEAN" not in shown
    assert re.search(r"\[default: \d+\.\d+\]", shown) is None, shown
    if command in ("release", "shift", "resume"):
        assert "--poll DURATION Time between health observations. [default: 5s]" in shown
        assert "[default: 10m]" in shown


def test_version_and_shell_completion():
    from importlib.metadata import version

    assert runner.invoke(app, ["--version"]).output.strip() == f"bluegreen {version('bluegreen')}"
    assert "--install-completion" in runner.invoke(app, ["--help"]).output


def test_python_dash_m_bluegreen_runs_the_cli():
    result = subprocess.run(
        [sys.executable, "-m", "bluegreen", "--help"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert "Usage: bluegreen" in result.stdout


def test_bluegreen_is_installed_as_a_console_script():
    from importlib.metadata import entry_points

    [script] = entry_points(group="console_scripts", name="bluegreen")

    assert script.value == "bluegreen.cli:main"
    assert script.load() is main
