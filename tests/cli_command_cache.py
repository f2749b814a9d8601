"""One click command per Typer app for the suite's `CliRunner` calls, as the console script builds one per process.

`typer.testing.CliRunner.invoke` turns the app into a click command on every call: every command's signature
inspected and every option made again, about 5 ms of CPU a call. What it is built from is fixed once the app
and its command modules are imported (the registered commands and groups, their signatures and defaults), so
each worker builds it once per app, and again only when what the app (or an app it nests) registered changed.
"""

from typing import Any

import click
import typer
import typer.testing


def registrations(app: typer.Typer) -> tuple[Any, ...]:
    """What a click command is built from, by identity: the app's callback, commands and nested apps, nested."""
    groups = tuple((group, registrations(group.typer_instance)) for group in app.registered_groups)
    return app.registered_callback, tuple(app.registered_commands), groups, app.info


class CommandCache:
    """`typer.testing`'s command builder, remembering one command per app and what it was built from."""

    def __init__(self, build: Any):
        self.build = build
        self.builds = 0
        self._built: dict[int, tuple[typer.Typer, tuple[Any, ...], click.Command]] = {}

    def __call__(self, app: typer.Typer) -> click.Command:
        made_from = registrations(app)
        entry = self._built.get(id(app))
        if entry is None or entry[0] is not app or entry[1] != made_from:
            self.builds += 1
            entry = (app, made_from, self.build(app))
            self._built[id(app)] = entry
        return entry[2]


def install() -> CommandCache:
    """Put the cache in front of the builder `CliRunner.invoke` calls, for this process."""
    current = typer.testing._get_command  # pyright: ignore[reportPrivateUsage]
    if isinstance(current, CommandCache):
        return current
    cache = CommandCache(current)
    typer.testing._get_command = cache  # pyright: ignore[reportPrivateUsage]
    return cache
