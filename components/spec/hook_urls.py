"""Which URLs a hook may call: http(s) only, and never a link-local or cloud metadata address unless allowed.

A hook runs on the release machine, which in CI holds cloud credentials; the metadata
service (169.254.169.254 and its relatives) answers anyone there with more of them. So a
hook URL naming one is refused when the config is read, and the release checks the address
it actually connects to again (bluegreen/analysis/hook_http.py), which also catches names
that resolve there and redirects that lead there.
"""

import ipaddress
import re
import socket
import urllib.parse

from pydantic_core import PydanticCustomError

PLACEHOLDERS = ("{{testUrl}}", "{{url}}")
"""Replaced by the stack's `testUrl` and `url` outputs when the hook runs."""
_STAND_IN = "http://stack-output.invalid"
METADATA_HOSTS = frozenset(
    {"metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal"}
)
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200")
)
"""AWS (IMDS, ECS task credentials, IMDS over IPv6) and Alibaba Cloud; GCP and Azure use 169.254.169.254 too."""


def address_of(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address a host names literally, in any spelling the resolver accepts (`2852039166`, `0xa9.254.0x1.1`)."""
    text = host.strip("[]")
    try:
        address = ipaddress.ip_address(text.split("%")[0])
    except ValueError:
        try:
            # inet_aton accepts the short and numeric IPv4 forms getaddrinfo would also accept.
            address = ipaddress.IPv4Address(socket.inet_aton(text)) if re.fullmatch(r"[0-9a-fA-FxX.]+", text) else None
        except OSError:
            address = None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def forbidden_reason(host: str) -> str | None:
    """Why a release may not call `host` (a name or an address), or None when it may."""
    name = host.lower().rstrip(".")
    if name in METADATA_HOSTS:
        return f"{host} is a cloud metadata service"
    address = address_of(name)
    if address is None:
        return None
    if address in METADATA_ADDRESSES:
        return f"{address} is a cloud metadata address"
    if address.is_link_local:
        return f"{address} is link-local (where cloud metadata services answer)"
    return None


def check_hook_url(template: str, allow_link_local: bool) -> str:
    """The hook URL as written, if it is an http(s) URL the release may call; else a PydanticCustomError."""
    if re.search(r"[\s\x00-\x1f\x7f-\x9f]", template):
        raise PydanticCustomError("url", "must not contain whitespace or control characters")
    unknown = set(re.findall(r"\{\{[^}]*\}\}", template)) - set(PLACEHOLDERS)
    if unknown:
        raise PydanticCustomError(
            "url", "has an unknown placeholder {found}: only {{testUrl}} and {{url}}",
            {"found": ", ".join(sorted(unknown))},
        )
    url = template
    for placeholder in PLACEHOLDERS:
        url = url.replace(placeholder, _STAND_IN)
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError as error:
        raise PydanticCustomError("url", "is not a valid URL ({why})", {"why": str(error)}) from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise PydanticCustomError(
            "url", "must be an http:// or https:// URL with a host, e.g. {{testUrl}}/smoke or https://checks.example.com/run"
        )
    reason = forbidden_reason(parts.hostname)
    if reason is not None and not allow_link_local:
        raise PydanticCustomError(
            "url", "names a host hooks may not call: {reason}; set allowLinkLocal: true on this hook if you mean it",
            {"reason": reason},
        )
    return template
