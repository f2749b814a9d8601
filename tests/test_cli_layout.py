"""The CLI's layout: one module per command group under bluegreen/commands/, named after it, and no import
circle between the app (bluegreen/cli.py) and what the commands use (status_view imported cli before)."""

import subprocess
import sys

from bluegreen.cli import app
from bluegreen.stack_files import PROJECT_DIR

GROUPS = {
    "release": ["release", "shift", "resume", "pause"],
    "recovery": ["rollback", "abort"],
    "promote": ["promote"],
    "status": ["status"],
    "history": ["history"],
    "plan": ["plan"],
    "check": ["check"],
    "report": ["report"],
}


def test_each_command_lives_in_the_module_of_its_group():
    found: dict[str, list[str]] = {}
    for command in app.registered_commands:
        assert command.callback is not None
        found.setdefault(command.callback.__module__.removeprefix("bluegreen.commands."), []).append(
            command.name or command.callback.__name__
        )

    assert found == GROUPS


def test_no_module_a_command_uses_imports_the_app():
    # A fresh process: what importing each module pulls in, the app itself must not be among it.
    modules = [f"bluegreen.commands.{group}" for group in GROUPS] + ["bluegreen.status_view", "bluegreen.cli_env"]
    probe = (
        "import importlib, sys\n"
        "for m in sys.argv[1:]:\n    importlib.import_module(m)\n"
        "print('bluegreen.cli' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, *modules], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
