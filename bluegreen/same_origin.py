"""Same origin, as a browser means it: scheme, host and port, compared after urllib parses both URLs.

The HTTP health gate follows a redirect only to its own origin (and only when config allows
it), so it can never judge another host. The comparison uses the very parser urllib's opener
connects with, so a `Location` that tricks one parser (`http://127.0.0.1:80@evil.example/`,
`//evil.example/health`) is judged by where the request would actually go.
"""

from urllib.parse import urljoin, urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}

Origin = tuple[str, str, int]


def origin(url: str) -> Origin | None:
    """(scheme, host, port) of an absolute http(s) URL; None when it has no such origin or a bad port."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    return scheme, parts.hostname.lower(), port if port is not None else DEFAULT_PORTS[scheme]


def resolve(base: str, location: str) -> str:
    """Where a redirect from `base` with this `Location` header leads (relative locations are allowed)."""
    return urljoin(base, location.strip())


def same_origin(first: str, second: str) -> bool:
    own = origin(first)
    return own is not None and own == origin(second)
