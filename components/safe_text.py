"""Strings from outside made safe to show: on a terminal, in Markdown, with secrets and URL credentials hidden.

Everything the program, the CLI and the check print that did not come from this code (config
values, stack outputs and tags, provider and Pulumi messages, hook output) passes through here:

- `terminal(text)`: no escape sequences or other control characters (an ESC sequence in a lock
  tag could move the cursor and overwrite the line saying the stack is locked), no bidirectional
  overrides (they reorder what a reader sees), and a bounded length with a marker saying how much
  was cut;
- `redact(text)`: URL credentials (`user:pass@`) and query strings (`?name=…`, in a URL or not)
  replaced by `[redacted]`, since tokens travel there;
- `markdown(text)`: both of the above, then every character Markdown or HTML would act on escaped
  and @-mentions broken, so a value in a PR comment or job summary is shown, never rendered;
- `scrub(text)`: `redact`, and every secret this process has read (`remember_secrets`: the
  stack's secret config values, as the CLI's stack driver reads them) replaced by `[secret]`.
  The CLI's consoles pass everything they write through it (bluegreen/console_output.py).

`rich.markup.escape` only stops Rich's own `[style]` markup; it leaves control characters alone.
"""

import json
import re
from typing import Any

REDACTED = "[redacted]"
SECRET = "[secret]"
"""What a secret config value is shown as, wherever it is shown."""
MAX_LENGTH = 2_000
"""Longest outside string shown whole; a longer one keeps its start and says how much was cut."""

# CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), other two-character ESC sequences, then any
# lone C0 or C1 control. Whole sequences go, so no `[31m` remnant is left behind.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]|[\x9b\x9d][^\x07]*?[@-~\x07]"
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# scheme://[userinfo@]host...: the userinfo, and the query up to a fragment or the end of the URL.
# HTTP clients and browsers parse the special schemes (WHATWG URL) with any run of `/` or `\`
# after the colon, none included: `http:user:pw@host` sends `user:pw` as credentials too.
_URL = re.compile(
    r"(?P<scheme>\b(?:(?i:https?|wss?|ftp):[/\\]*|[A-Za-z][A-Za-z0-9+.\-]*://))(?P<rest>[^\s<>`\x1b]*)"
)
# A quote inside a URL (`http://":99999/q?token=…`) must not end it before its query: the URL runs to
# white space, and only the quotes and punctuation at its very end are taken as the text around it.
_AROUND_URL = "\"',;.)]}"
# Any other scheme without `//` (`data:ci:TOKEN@host`) has no authority, yet `user:password@` after it
# is what someone pasted a credential as. `=` and `/` stay out, so `key=image:tag@sha256:…` is left alone.
_OPAQUE_USERINFO = re.compile(
    r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*:)[^\s\"'<>`\x1b/\\?#=@:]+:[^\s\"'<>`\x1b/\\?#=@]+@"
)
# A query string wherever it stands, URL or not: `http:// /q?token=…` or ``file://`/q?token=…`` is no URL
# `_URL` can follow (a space or backtick ends it at the scheme), yet the token after `?` is as secret.
# `?` then `name=` starts one; it runs to white space, less the punctuation around it as for a URL.
_QUERY = re.compile(r"\?(?=[^\s?#=&]+=)(?P<query>[^\s#]*)")
# Secret strings shorter than this are not scrubbed from output: they would hide ordinary words.
MIN_SECRET_LENGTH = 4
_known_secrets: set[str] = set()
# What starts emphasis, code, links, images, HTML, entities, strikethrough or a table cell anywhere in a line.
_MARKDOWN = re.compile(r"([\\`*_\[\]<>|~&])")


def terminal(text: object, limit: int = MAX_LENGTH, newlines: bool = True) -> str:
    """`text` without control characters or escape sequences, cut to `limit` characters with a marker.

    Newlines stay when `newlines` (a multi-line message); tabs become spaces.
    """
    shown = _ESCAPES.sub("", str(text)).replace("\t", " ")
    if not newlines:
        shown = shown.replace("\r", " ").replace("\n", " ")
    shown = _CONTROLS.sub("", shown.replace("\r\n", "\n").replace("\r", "\n"))
    return cut(shown, limit)


def cut(text: str, limit: int = MAX_LENGTH) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [cut: {len(text) - limit} more characters]"


def redact(text: object) -> str:
    """`text` with URL credentials and query strings replaced by `[redacted]`."""
    urls_redacted = _URL.sub(_redact_url, _OPAQUE_USERINFO.sub(rf"\g<scheme>{REDACTED}@", str(text)))
    return _QUERY.sub(_redact_query, urls_redacted)


def _redact_query(match: re.Match[str]) -> str:
    query = match.group("query")
    return f"?{REDACTED}{query[len(query.rstrip(_AROUND_URL)) :]}"


def _redact_url(match: re.Match[str]) -> str:
    whole = match.group("rest")
    rest = whole.rstrip(_AROUND_URL)
    if rest.endswith(REDACTED[:-1]):  # redacted before: its closing bracket is part of it, not text around
        rest += "]"
    around = whole[len(rest) :]
    authority_end = next((i for i, c in enumerate(rest) if c in "/\\?#"), len(rest))
    authority, tail = rest[:authority_end], rest[authority_end:]
    if "@" in authority:
        authority = f"{REDACTED}@{authority.rsplit('@', 1)[1]}"
    path, query_mark, query = tail.partition("?")
    if query_mark:
        fragment = query.partition("#")[1:]
        tail = f"{path}?{REDACTED}" + ("".join(fragment) if fragment[0] else "")
    return f"{match.group('scheme')}{authority}{tail}{around}"


def remember_secrets(value: object) -> None:
    """Every string inside a secret value this process read: `scrub` hides them from output."""
    if isinstance(value, dict):
        for item in value.values():
            remember_secrets(item)
    elif isinstance(value, list | tuple):
        for item in value:
            remember_secrets(item)
    elif isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH:
        _known_secrets.add(value)
        _known_secrets.add(json.dumps(value)[1:-1])  # as it appears inside JSON someone else serialised


def scrub(text: object) -> str:
    """`text` with every remembered secret replaced by `[secret]`, URL credentials and queries redacted."""
    scrubbed = str(text)
    for secret in sorted(_known_secrets, key=len, reverse=True):
        scrubbed = scrubbed.replace(secret, SECRET)
    return redact(scrubbed)


def scrubbed(value: Any) -> Any:
    """A JSON-like value with `scrub` applied to every string in it (before it is serialised, so JSON
    escaping cannot hide a secret from the scrub, nor the scrub break the escaping)."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {key: scrubbed(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [scrubbed(item) for item in value]
    return value


def shown(text: object, limit: int = MAX_LENGTH) -> str:
    """For a terminal or a log: scrubbed of secrets, then cleaned of control characters and cut."""
    return terminal(scrub(text), limit)


def markdown(text: object, limit: int = MAX_LENGTH) -> str:
    """For Markdown: shown on one line with every Markdown and HTML character escaped and mentions broken."""
    flat = " ".join(terminal(scrub(text), limit, newlines=False).split())
    escaped = _MARKDOWN.sub(r"\\\1", flat)
    # A value may also start a block where it lands (a list item's text): a heading, a nested list.
    escaped = re.sub(r"^(\d+)([.)])", r"\1\\\2", escaped)
    if escaped[:1] in ("#", "-", "+"):
        escaped = "\\" + escaped
    # A zero-width space after `@` keeps the text as written but stops GitHub notifying a user or team.
    return escaped.replace("@", "@\u200b")
