"""The HTTP client of URL hooks: it refuses to talk to a forbidden address, judged by where it really connects.

The config model refuses a hook URL that names a metadata or link-local address
(components/spec/hook_urls.py), but a name can resolve there, a redirect can lead there,
and DNS can change its answer between check and use. So the check runs again on the peer
address of every connection this client opens (after the TCP connect, before a byte of
the request is sent), and on every redirect's URL, which must stay http(s).
"""

import http.client
import socket
import urllib.parse
import urllib.request
from typing import Any

from components.spec.hook_urls import forbidden_reason


class ForbiddenAddressError(OSError):
    """The hook would have talked to an address it may not call."""


def _checked_connection(allow_link_local: bool) -> Any:
    def connect(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        sock = socket.create_connection(address, *args, **kwargs)
        peer = sock.getpeername()[0]
        reason = forbidden_reason(peer)
        if reason is not None and not allow_link_local:
            sock.close()
            raise ForbiddenAddressError(f"{address[0]} connects to {reason}; hooks may not call it (allowLinkLocal)")
        return sock

    return connect


def _connection_class(base: type[http.client.HTTPConnection], allow_link_local: bool) -> Any:
    class Checked(base):  # type: ignore[valid-type,misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._create_connection = _checked_connection(allow_link_local)

    return Checked


class _Redirects(urllib.request.HTTPRedirectHandler):
    def __init__(self, allow_link_local: bool) -> None:
        self.allow_link_local = allow_link_local

    def http_error_302(self, req: Any, fp: Any, code: int, msg: str, headers: Any) -> Any:
        target = urllib.parse.urljoin(req.full_url, headers.get("location") or headers.get("uri") or "")
        parts = urllib.parse.urlsplit(target)
        if parts.scheme.lower() not in ("http", "https"):
            raise ForbiddenAddressError(f"redirected to a {parts.scheme}: URL; hooks only follow http(s)")
        reason = forbidden_reason(parts.hostname or "")
        if reason is not None and not self.allow_link_local:
            raise ForbiddenAddressError(f"redirected to {reason}; hooks may not call it (allowLinkLocal)")
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


def hook_opener(allow_link_local: bool) -> urllib.request.OpenerDirector:
    """An opener like `urlopen`'s whose every connection and redirect is checked as above."""
    plain = _connection_class(http.client.HTTPConnection, allow_link_local)
    secure = _connection_class(http.client.HTTPSConnection, allow_link_local)

    class Http(urllib.request.HTTPHandler):
        def http_open(self, req: Any) -> Any:
            return self.do_open(plain, req)

    class Https(urllib.request.HTTPSHandler):
        def https_open(self, req: Any) -> Any:
            return self.do_open(secure, req)

    # Built by hand: `build_opener` would add the file:, ftp: and data: handlers too.
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(), urllib.request.UnknownHandler(), Http(), Https(),
        urllib.request.HTTPDefaultErrorHandler(), _Redirects(allow_link_local), urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener
