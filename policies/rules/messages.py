"""The last step of every violation message: no secrets, a bounded length, and a link to the rule's docs.

`show` already redacts secret values and shortens long ones where a rule quotes them;
this is the backstop for text a rule builds some other way (a name, a joined list).
"""

from .values import REDACTED, clip

# Longest message a violation carries; the engine prints every one of them.
MAX_MESSAGE = 2_000
# Secrets shorter than this are not searched for in free text: replacing every "80" or
# "true" would garble messages; `show` still redacts them wherever a rule quotes a value.
MIN_SCRUBBED_SECRET = 4


def finish(message: str, secrets: frozenset[str], url: str) -> str:
    for value in sorted(secrets, key=len, reverse=True):
        if len(value) >= MIN_SCRUBBED_SECRET:
            message = message.replace(value, REDACTED)
    if len(message) > MAX_MESSAGE:
        message = f"{message[:MAX_MESSAGE]}… (message cut at {MAX_MESSAGE:,} of {len(message):,} characters)"
    return f"{message}\nSee {url}"


def malformed(where: str, error: Exception) -> str:
    """The violation a rule reports when a resource's inputs are too malformed for it to judge."""
    return (
        f"{where} could not be judged: its inputs have an unexpected shape ({type(error).__name__}: "
        f"{clip(str(error))}); the provider will reject it too. Check the resource's inputs against the "
        "provider's schema."
    )
