"""The CLI's consoles: Rich writing to stdout or stderr through the scrubber.

Kept apart from console_output (the rendering of plans, checks and status, which loads the config model,
the engine and the pack client): a refusal such as "no Pulumi project here" prints through one of these
consoles and so loads none of that.
"""

import sys
from typing import IO, Any, TextIO, cast

from rich.console import Console

from components import safe_text


class ScrubbedStream:
    """stdout or stderr (whichever is current when written to) with every write passed through `scrub`.

    The last line of defence: whatever a command prints, a secret value it read from the stack,
    URL credentials or a URL query never reach the terminal, a log or `--json` output.
    """

    def __init__(self, stderr: bool) -> None:
        self._stderr = stderr

    @property
    def stream(self) -> TextIO:
        # Looked up on every write: tests (and Click's runner) swap sys.stdout while the console lives.
        return sys.stderr if self._stderr else sys.stdout

    def write(self, text: str) -> int:
        return self.stream.write(safe_text.scrub(text))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def make_console(stderr: bool = False) -> Console:
    # soft_wrap keeps long messages on one line in logs and CI, where the width is unknown. emoji=False: a
    # `:name:` in a string from outside (a lock holder, a provider's message) prints as written, never as a
    # glyph nobody typed; nor does a CLI process load Rich's emoji table (~20 ms of its start-up).
    return Console(file=cast(IO[str], ScrubbedStream(stderr)), soft_wrap=True, highlight=False, emoji=False)
