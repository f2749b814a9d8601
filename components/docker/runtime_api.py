"""HAProxy's runtime API over its Unix stats socket: one command, one answer."""

import socket
from pathlib import Path


class RuntimeApiError(Exception):
    """The runtime API could not be reached, or refused or garbled a command."""


def query(socket_path: str | Path, command: str, timeout: float = 5) -> str:
    """Send one command to a Unix stats socket and return the whole answer (HAProxy closes after it).

    Several commands may go in one line, separated by `;`: HAProxy runs them in order and
    answers each in turn (an empty line for a `set` that succeeded).
    """
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(timeout)
        conn.connect(str(socket_path))
        conn.sendall(command.encode() + b"\n")
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode()
