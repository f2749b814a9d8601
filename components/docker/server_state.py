"""The server state a reload carries from the running HAProxy worker to the new one.

A new worker starts every server UP unless it loads a state file, so a reload first
saves the running worker's `show servers state` (see reload.py). Two checks stand
between that dump and the file the new worker reads:
- the dump must be whole and in the format HAProxy 2.x reads (version 1), so a
  truncated or foreign answer is never installed;
- only servers whose address the new config keeps are carried over: HAProxy 2.6
  takes a server's port from the state file over the config's, so a stale line
  would keep sending traffic to the old port after `service.port` changes.
"""

SHOW_SERVERS_STATE = "show servers state"
FORMAT_VERSION = "1"
"""The dump format HAProxy 2.x writes and reads (first line of the dump)."""
HEADER = "# be_id be_name srv_id srv_name srv_addr"
"""How the column header of a version 1 dump starts."""
# Columns of a version 1 data line that name and place a server.
_BACKEND, _SERVER, _ADDR, _FQDN, _PORT = 1, 3, 4, 17, 18


class ServerStateError(Exception):
    """The running HAProxy's server state could not be read, so reloading would forget it."""


def checked(dump: str) -> str:
    """`dump` if it is a whole version 1 `show servers state` answer, else ServerStateError."""
    lines = dump.splitlines()
    if len(lines) < 2 or lines[0].strip() != FORMAT_VERSION or not lines[1].startswith(HEADER):
        raise ServerStateError(f"not a version {FORMAT_VERSION} server-state dump: {dump[:120]!r}")
    if not dump.endswith("\n"):
        raise ServerStateError(f"server-state dump cut short: {dump[-120:]!r}")
    return dump


def carried_over(dump: str, config: str) -> str:
    """The lines of `dump` for servers that `config` keeps at the same host and port."""
    servers = configured_servers(config)
    kept = []
    for line in dump.splitlines():
        fields = line.split()
        if not fields or line.startswith("#") or len(fields) <= _PORT:
            kept.append(line)  # version, header, blank
            continue
        address = servers.get((fields[_BACKEND], fields[_SERVER]))
        if address is None:
            continue
        host, _, port = address.rpartition(":")
        if port == fields[_PORT] and host in (fields[_ADDR], fields[_FQDN]):
            kept.append(line)
    return "\n".join(kept) + "\n"


def configured_servers(config: str) -> dict[tuple[str, str], str]:
    """`(backend, server)` -> `host:port` for every `server` line of a haproxy.cfg."""
    servers: dict[tuple[str, str], str] = {}
    backend: str | None = None
    for line in config.splitlines():
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if not line[0].isspace():
            backend = words[1] if words[0] == "backend" and len(words) > 1 else None
        elif backend is not None and words[0] == "server" and len(words) > 2:
            servers[(backend, words[1])] = words[2]
    return servers
