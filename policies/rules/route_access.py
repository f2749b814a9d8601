"""Gateway API routes: a header match that guards a backend must be a secret nobody can guess.

A Gateway is usually public. An HTTPRoute rule that matches a header on a shared host
sends whoever sends that header to its backends; bluegreen's preview route sends them
the candidate, the color no release has verified. A plaintext value sits in the stack
file and state, and a value such as `true` is the first anyone tries, so either opens
the candidate to the internet. The rule judges every header match of every HTTPRoute
(hand-written ones too): the value must be a Pulumi secret (the pack sees it only as
`[secret]`), at least `minLength` characters and not a well-known word. Headers used for
routing rather than access (a locale, a client version) are listed in `publicHeaders`.
"""

from collections.abc import Iterator, Mapping
from typing import Any

from .spec import Knob, Rule, Subject
from .values import UNKNOWN, dig, has_unknown, is_secret, items, show

HTTP_ROUTES = frozenset(
    {
        "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
        "kubernetes:gateway.networking.k8s.io/v1beta1:HTTPRoute",
    }
)
# The first values anyone tries (lower case); the config model refuses the same ones for previewToken.
GUESSABLE = frozenset(
    {"true", "false", "1", "0", "yes", "no", "on", "enabled", "preview", "test", "testing", "canary", "candidate",
     "green", "blue", "next", "beta", "staging", "secret", "password", "changeme", "token", "x"}
)
# What `bluegreen check` registers for a `secure:` value it cannot decrypt: a secret it cannot judge, so it does
# not; `pulumi preview` hands the pack the decrypted value, which is judged.
UNREAD_SECRET = "[secret]"


def _header_matches(props: Mapping[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    for index, rule in enumerate(items(dig(props, "spec", "rules"))):
        for match in items(dig(rule, "matches")):
            for header in items(dig(match, "headers")):
                if isinstance(header, dict):
                    yield index, header


def _weakness(value: Any, min_length: int) -> str | None:
    """Why this header value guards nothing, or None when it is a strong secret (or not known yet)."""
    if value is UNKNOWN or has_unknown(value):
        return None
    if not is_secret(value):
        return f"value {show(value)} is in plain text, readable in the stack file and in state, so anyone can send it"
    if value == UNREAD_SECRET:
        return None
    if not isinstance(value, str) or len(value) < min_length or value.lower() in GUESSABLE:
        return f"secret value is shorter than {min_length} characters or a well-known word, so it can be guessed"
    return None


def header_match_secret(subject: Subject, config: Mapping[str, Any]) -> list[str]:
    public = {str(name).lower() for name in items(config["publicHeaders"])}
    messages = []
    for index, header in _header_matches(subject.props):
        name = header.get("name")
        if isinstance(name, str) and name.lower() in public:
            continue
        why = _weakness(header.get("value"), int(config["minLength"]))
        if why is not None:
            messages.append(
                f"{subject.label} rule {index} matches header {show(name)} whose {why}; the route's backends (for "
                "bluegreen's preview route, the unverified candidate) are open to anyone on the Gateway. Use "
                "bluegreen:kubernetes.gateway.previewHostname, or a secret of 16+ random characters "
                "(pulumi config set --secret bluegreen:previewToken ...), or list a routing-only header in "
                "publicHeaders."
            )
    return messages


RULES = [
    Rule(
        name="k8s-route-header-secret",
        description="An HTTPRoute header match is a secret of 16+ characters, not a fixed value anyone can send.",
        types=HTTP_ROUTES,
        check=header_match_secret,
        level="advisory",
        severity="high",
        knobs={
            "minLength": Knob({"type": "integer", "minimum": 1}, 16, "Shortest secret header value accepted."),
            "publicHeaders": Knob(
                {"type": "array", "items": {"type": "string"}},
                [],
                "Header names used for routing, not access (e.g. a client version): their values may be plain.",
            ),
        },
    ),
]
