"""What `service.healthCheck.path` may contain: an RFC 3986 path with an optional query, nothing else.

The path lands in a shell (Docker and ECS `CMD-SHELL` probes), in haproxy.cfg and
in an HTTP request line. Spaces, quotes other than `'`, `#`, `\\` and control
characters have no place in a URL path, and each of them breaks one of those three,
so they are refused here; what remains is still quoted where it is used.
"""

import re

# pchar = unreserved / pct-encoded / sub-delims / ":" / "@"  (RFC 3986, section 3.3)
_PCHAR = r"[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2}"
_PATH = re.compile(rf"/(?:{_PCHAR}|/)*(?:\?(?:{_PCHAR}|[/?])*)?", re.ASCII)
_ALLOWED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?%")

MAX_LENGTH = 1024
"""The longest health check path an ALB target group accepts."""

ALLOWED_CHARACTERS = "letters, digits, - . _ ~ ! $ & ' ( ) * + , ; = : @ / ? and %XX escapes"


def path_rule_broken(path: str) -> str | None:
    """Why `path` cannot be a health check path, or None when it can."""
    if not path.startswith("/"):
        return "must start with '/'"
    if len(path) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters"
    if _PATH.fullmatch(path):
        return None
    bad = next((c for c in path if c not in _ALLOWED), None)
    if bad is not None:
        return (
            f"contains {bad!r}, which a URL path or query cannot hold (RFC 3986): use only "
            f"{ALLOWED_CHARACTERS}"
        )
    return "has a '%' that is not followed by two hex digits (write a literal % as %25)"
