"""A program run under mocks that fails says so once: not again, later, for each output its error reached.

When a registration fails, the Pulumi SDK sets that error on the outputs of every resource waiting
for it, and nothing awaits most of them. asyncio reports each such future, with its traceback, as
"Future exception was never retrieved" whenever the future is collected: in a process that runs many
programs (the offline check, the suite's workers) mostly as it exits, long after the run raised the
error itself. Two tests whose mock refuses one target group left 334 of them, about 15,000 lines, at
the end of every `make test`. The engine's language host turns asyncio's logger off for the program's
whole process for this reason.

`unretrieved_errors_quiet(loop)` does less: on the loop programs run on, it drops only that report;
any other error the loop reports goes to the handler it had before. `bluegreen.program_run` installs it
only on a loop of its own (not running when a run starts): a caller's running loop keeps its reports.
"""

import asyncio
from typing import Any

UNRETRIEVED = "Future exception was never retrieved"
"""asyncio's message for a future collected with an error nobody read (asyncio/futures.py)."""

Handler = Any  # asyncio's own type for it is private: Callable[[AbstractEventLoop, dict[str, Any]], object]


class _QuietUnretrieved:
    """The loop's exception handler, less the unretrieved-error report."""

    def __init__(self, previous: Handler | None) -> None:
        self.previous = previous

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if context.get("message") == UNRETRIEVED:
            return
        if self.previous is None:
            loop.default_exception_handler(context)
        else:
            self.previous(loop, context)


def unretrieved_errors_quiet(loop: asyncio.AbstractEventLoop) -> None:
    """From now on, `loop` does not report futures collected with an error nobody read (once per loop)."""
    current = loop.get_exception_handler()
    if not isinstance(current, _QuietUnretrieved):
        loop.set_exception_handler(_QuietUnretrieved(current))
