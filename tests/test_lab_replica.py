"""The lab's replica process (testkit/lab/http_replica.py) and client (testkit/lab/load.py) on loopback.

The traffic and analysis tests rest on what a replica answers and on what the client records, so
each behaviour they use is checked here directly: keep-alive, HTTP/1.0 and `Connection: close`,
the counted errors, malformed answers, the signal that starts the faults, a broken replica.
"""

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict

import pytest

from testkit.lab.color_server import Faults, launch, port_of
from testkit.lab.http_replica import FAULT_DEFAULTS, FAULTS_START_PATH, parse_faults
from testkit.lab.load import Connection, get_on, get_once
from testkit.lab.load_process import LoadProcess, Senders


@contextmanager
def replica(status: int = 200, faults: Faults | None = None) -> Iterator[int]:
    process = launch("green", "green-1", status, faults or Faults())
    try:
        yield port_of(process, "green-1")
    finally:
        process.kill()
        process.wait()


def raw(port: int, request: bytes, silence: float = 5) -> bytes:
    """Everything the replica sends back until it closes the connection (or `silence` seconds of nothing)."""
    with socket.create_connection(("127.0.0.1", port), timeout=silence) as sock:
        sock.sendall(request)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except TimeoutError:
            return received + b"<still open>"
    return received


def test_the_replica_knows_every_fault_the_lab_can_ask_for_with_the_same_defaults() -> None:
    assert {key: float(value) for key, value in asdict(Faults()).items()} == FAULT_DEFAULTS
    sent = Faults(delay_ms=12.345678, error_every=20, on_signal=True)
    assert parse_faults(sent.arguments()) == {**FAULT_DEFAULTS, "delay_ms": 12.345678, "error_every": 20,
                                              "on_signal": 1.0}
    with pytest.raises(SystemExit, match="unknown fault 'delay'"):
        parse_faults(["delay=5"])


def test_a_replica_keeps_a_connection_alive_and_closes_it_when_asked() -> None:
    with replica(faults=Faults(error_every=3)) as port:
        conn = Connection(port)
        outcomes = [get_on(conn) for _ in range(6)]
        # One connection for all six; exactly the 3rd and 6th answered 500, counted not drawn.
        assert [o.reused for o in outcomes] == [False] + [True] * 5
        assert [o.server for o in outcomes] == ["green-1", "green-1", None] * 2
        assert outcomes[2].error == "HTTP 500 error"
        conn.close()
        assert get_once(port, "/health").error == "HTTP 200 ok"  # one word: not a color's answer
        # HTTP/1.0 (HAProxy's health checks) and `Connection: close` end the connection after the answer.
        for request in (b"GET /health HTTP/1.0\r\n\r\n", b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n"):
            answer = raw(port, request)
            assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and b"\r\nConnection: close\r\n" in answer
            assert not answer.endswith(b"<still open>")
        assert raw(port, b"GET / HTTP/1.1\r\n\r\n", silence=0.5).endswith(b"green green-1\n<still open>")
        assert raw(port, b"nonsense\r\n\r\n").startswith(b"HTTP/1.1 400 Bad Request\r\n")
        assert get_once(port, "/sleep/x").error == "HTTP 400 not a number of seconds"


def test_malformed_answers_wait_for_the_signal_then_break_the_connection() -> None:
    with replica(faults=Faults(malformed_probability=1.0, on_signal=True)) as port:
        conn = Connection(port)
        assert get_on(conn).server == "green-1"
        assert get_once(port, FAULTS_START_PATH).error == "HTTP 204 "
        broken = get_on(conn)
        assert broken.reused and broken.error is not None and broken.error.startswith("BadStatusLine: HTTP/1.1 2x0")
        assert conn.sock is None  # a pool drops a broken connection; the next request opens another
        # Health never breaks, and keeps its connection.
        assert raw(port, b"GET /health HTTP/1.1\r\n\r\n", silence=0.5).endswith(b"ok\n<still open>")


def test_a_broken_replica_answers_its_status_everywhere_health_included() -> None:
    with replica(status=503) as port:
        assert get_once(port).error == "HTTP 503 green green-1"
        assert get_once(port, "/health").error == "HTTP 503 ok"


def test_clients_in_their_own_process_time_requests_on_the_callers_clock() -> None:
    """The benchmark sorts the child's requests into its own monotonic windows: both must read one clock."""
    with replica() as port:
        with LoadProcess(port, {"fresh": Senders(2, 40), "kept": Senders(2, 40, keep_alive=True)}) as clients:
            began = time.monotonic()
            time.sleep(0.5)
            ended = time.monotonic()
            outcomes = clients.stop()
        stopped = time.monotonic()
    assert set(outcomes) == {"fresh", "kept"}
    for name, answered in outcomes.items():
        assert [o.error for o in answered if not o.ok] == [], name
        assert {o.server for o in answered} == {"green-1"}
        # Sent at 20/s each from before `began` until stop: some start inside the caller's window, none after stop.
        assert len([o for o in answered if began <= o.started < ended]) >= 5, name
        assert all(o.started <= o.ended <= stopped for o in answered), name
    assert any(o.reused for o in outcomes["kept"]) and not any(o.reused for o in outcomes["fresh"])
