"""A loopback TCP relay that can be shut: a server that becomes unreachable mid-test without being stopped.

The analysis tests share one Prometheus per session (its first scrape takes about 5 s). A test
that needs Prometheus to go away mid-release points the analysis at a `TcpGate` in front of it
and closes the gate: from then on every connection is refused, exactly what the provider sees
when Prometheus stops, and the shared Prometheus keeps running for the next test.
"""

import contextlib
import socket
import threading

from .router import LOOPBACK


class TcpGate:
    """Relays 127.0.0.1:<port> to `upstream` until `close()`; then the port refuses and open relays are cut."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self._listener = socket.create_server((LOOPBACK, 0))
        self.port = self._listener.getsockname()[1]
        self.address = f"http://{LOOPBACK}:{self.port}"
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._closed:
                    client.close()
                    server.close()
                    return
                self._open += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=_pipe, args=(source, sink), daemon=True).start()

    def close(self) -> None:
        """Refuse from now on (the listening socket is gone) and cut every relayed connection."""
        with self._lock:
            self._closed = True
            sockets, self._open = self._open, []
        with contextlib.suppress(OSError):
            # Shut before closing: a close alone leaves the socket listening while accept() holds it.
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def __enter__(self) -> "TcpGate":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)
