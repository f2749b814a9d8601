"""Text from outside, ready for a Rich console: sanitised, then escaped for Rich's own markup.

`rich.markup.escape` alone only stops `[style]` markup; a lock tag, a config value, a stack
output or a provider's message can also carry escape sequences that move the cursor and
overwrite what the operator should see (the line saying the stack is locked), or be 100 KB
long. `markup(text)` runs it through `components.safe_text.shown` first: control characters
and escape sequences removed, secrets scrubbed, length bounded with a marker. Every place
the CLI prints such text uses `markup` (inside Rich markup) or `plain` (with markup=False).
"""

from rich.markup import escape

from components.safe_text import MAX_LENGTH, shown


def plain(text: object, limit: int = MAX_LENGTH) -> str:
    """For `console.print(..., markup=False)`."""
    return shown(text, limit)


def markup(text: object, limit: int = MAX_LENGTH) -> str:
    """For a string inside Rich markup (`f"[red]{markup(message)}[/red]"`)."""
    return escape(shown(text, limit))
