"""The server state a reload carries from the running HAProxy worker to the new one.

A new worker starts every server UP unless it loads a state file, so a reload first
saves the running worker's `show servers state` (see reload.py). Two checks stand
between that dump and the file the new worker reads:
- the dump must be whole and in the format HAProxy 2.x reads (version 1), so a
  truncated or foreign answer is never installed;
- only servers whose address the new config keeps are carried over: HAProxy 2.6
  takes a server's port from the state file over the config's, so a stale line
  would keep sending traffic to the old port after `service.port` changes;
- each carried server's weight is the new config's: HAProxy 2.6 restores the file's
  current weight whenever the file's initial weight equals the config's, so a weight
  set through the runtime API (runtime_weights.py) or by hand would otherwise outlive
  a reload or a restart that asks for another.
"""

from collections.abc import Iterator

SHOW_SERVERS_STATE = "show servers state"
FORMAT_VERSION = "1"
"""The dump format HAProxy 2.x writes and reads (first line of the dump)."""
HEADER = "# be_id be_name srv_id srv_name srv_addr"
"""How the column header of a version 1 dump starts."""
# Columns of a version 1 data line that name, weigh and place a server.
_BACKEND, _SERVER, _ADDR, _UWEIGHT, _IWEIGHT, _FQDN, _PORT = 1, 3, 4, 7, 8, 17, 18

ServerKey = tuple[str, str]
"""`(backend, server)`, as the runtime API names a server (`backend/server`)."""


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
    """The lines of `dump` for servers that `config` keeps at the same host and port, at `config`'s weights."""
    servers = configured_servers(config)
    weights = configured_weights(config)
    kept = []
    for line in dump.splitlines():
        fields = line.split()
        if not fields or line.startswith("#") or len(fields) <= _PORT:
            kept.append(line)  # version, header, blank
            continue
        key = (fields[_BACKEND], fields[_SERVER])
        address = servers.get(key)
        if address is None:
            continue
        host, _, port = address.rpartition(":")
        if port == fields[_PORT] and host in (fields[_ADDR], fields[_FQDN]):
            if key in weights:
                fields[_UWEIGHT] = fields[_IWEIGHT] = str(weights[key])
                line = " ".join(fields)
            kept.append(line)
    return "\n".join(kept) + "\n"


def served_weights(dump: str) -> dict[ServerKey, int]:
    """`(backend, server)` -> the weight the running worker gives it now (`srv_uweight`), from a checked dump."""
    weights: dict[ServerKey, int] = {}
    for line in checked(dump).splitlines()[2:]:
        fields = line.split()
        if len(fields) > _PORT and not line.startswith("#"):
            weights[(fields[_BACKEND], fields[_SERVER])] = int(fields[_UWEIGHT])
    return weights


def server_lines(config: str) -> Iterator[tuple[int, str, list[str]]]:
    """`(line number, backend, words)` for every `server` line of a haproxy.cfg that has a name and an address."""
    backend: str | None = None
    for number, line in enumerate(config.splitlines()):
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if not line[0].isspace():
            backend = words[1] if words[0] == "backend" and len(words) > 1 else None
        elif backend is not None and words[0] == "server" and len(words) > 2:
            yield number, backend, words


def configured_servers(config: str) -> dict[ServerKey, str]:
    """`(backend, server)` -> `host:port` for every `server` line of a haproxy.cfg."""
    return {(backend, words[1]): words[2] for _, backend, words in server_lines(config)}


def configured_weights(config: str) -> dict[ServerKey, int]:
    """`(backend, server)` -> its `weight`, for every `server` line of a haproxy.cfg that states one."""
    weights: dict[ServerKey, int] = {}
    for _, backend, words in server_lines(config):
        at = weight_position(words)
        if at is not None:
            weights[(backend, words[1])] = int(words[at])
    return weights


def weight_position(words: list[str]) -> int | None:
    """Index of the number after `weight` in a `server` line's words (None when it states no numeric weight)."""
    for index in range(3, len(words) - 1):
        if words[index] == "weight" and words[index + 1].isdigit():
            return index + 1
    return None
