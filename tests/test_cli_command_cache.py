"""The suite's CliRunner builds each app's click command once (tests/cli_command_cache.py), and again on a change."""

import typer
import typer.main
from click.testing import CliRunner as ClickRunner
from typer.testing import CliRunner

from bluegreen.cli import app
from tests.cli_command_cache import CommandCache, install


def test_the_cli_answers_the_same_from_the_command_built_once():
    cache = install()
    runner = CliRunner()
    first = runner.invoke(app, ["release", "--help"])
    builds = cache.builds
    again = runner.invoke(app, ["release", "--help"])
    fresh = ClickRunner().invoke(typer.main.get_command(app), ["release", "--help"])
    assert cache.builds == builds
    assert (first.exit_code, again.exit_code) == (0, 0)
    assert first.output == again.output == fresh.output
    assert "--on-interrupt" in again.output


def test_a_command_registered_later_gets_a_new_build():
    cache = CommandCache(typer.main.get_command)
    small = typer.Typer()

    @small.command()
    def hello() -> None:
        print("hello")

    @small.command()
    def other() -> None:
        print("other")

    assert cache(small) is cache(small)
    assert cache.builds == 1

    @small.command()
    def goodbye() -> None:
        print("goodbye")

    command = cache(small)
    assert cache.builds == 2
    assert ClickRunner().invoke(command, ["goodbye"]).output == "goodbye\n"


def test_a_command_added_to_a_nested_app_gets_a_new_build():
    cache = CommandCache(typer.main.get_command)
    outer, inner = typer.Typer(), typer.Typer()
    outer.add_typer(inner, name="inner")

    @outer.command()
    def top() -> None: ...

    @inner.command()
    def first() -> None: ...

    cache(outer)

    @inner.command()
    def second() -> None:
        print("second")

    assert ClickRunner().invoke(cache(outer), ["inner", "second"]).output == "second\n"
    assert cache.builds == 2
