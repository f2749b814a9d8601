"""How long one health observation can be held by a server that trickles its headers, before and after
the hard deadline.

A real HTTP server on 127.0.0.1 answers `HTTP/1.1 200 OK` and then one header byte every 50 ms for
--trickle seconds before finishing a valid response. Every read completes well within the socket
timeout, so the timeout never fires:

- baseline: `urllib.request.urlopen(url, timeout=T)` as the HTTP gate used to call it; it waits for
  the whole trickle, then reports healthy;
- deadline: `bluegreen.health_gates.observe` on an `HttpGate(timeout_seconds=T)`, which runs the check
  under a hard deadline of T and reports "no answer within T".

Both run in this invocation against the same server. Prints wall-clock seconds and their ratio;
asserts nothing.

Run: .venv/bin/python bench/observation_deadline.py [--timeout 0.5] [--trickle 5]
"""

import argparse
import socket
import threading
import time
import urllib.request

from bluegreen.health_gates import HttpGate, observe
from bluegreen.stack_files import spec_of


def trickling_server(seconds: float) -> tuple[int, threading.Event]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    stop = threading.Event()

    def answer(conn: socket.socket) -> None:
        conn.recv(1024)
        try:
            conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
            end = time.monotonic() + seconds
            while time.monotonic() < end and not stop.is_set():
                conn.sendall(b"x")
                time.sleep(0.05)
            conn.sendall(b"\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        except OSError:
            pass
        finally:
            conn.close()

    def serve() -> None:
        while not stop.is_set():
            conn, _ = listener.accept()
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1], stop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=0.5, help="the health check's timeout, seconds")
    parser.add_argument("--trickle", type=float, default=5.0, help="how long the server trickles, seconds")
    args = parser.parse_args()
    port, stop = trickling_server(args.trickle)
    url = f"http://127.0.0.1:{port}/health"

    started = time.monotonic()
    with urllib.request.urlopen(url, timeout=args.timeout) as response:
        baseline_status = response.status
    baseline = time.monotonic() - started

    spec = spec_of({
        "bluegreen:blue": {"image": "repo/web:1.4.2"},
        "bluegreen:green": {"image": "repo/web:1.5.0"},
    })
    outputs = {"url": f"http://127.0.0.1:{port}", "testUrl": f"http://127.0.0.1:{port}"}
    started = time.monotonic()
    result = observe(HttpGate(timeout_seconds=args.timeout), "green", spec, outputs)
    bounded = time.monotonic() - started
    stop.set()

    print(f"check timeout {args.timeout:g}s, server trickles headers for {args.trickle:g}s")
    print(f"baseline (urlopen with timeout): {baseline:.2f}s, then status {baseline_status} (counted healthy)")
    print(f"with the hard deadline:          {bounded:.2f}s, then: {result}")
    print(f"ratio deadline / baseline:       {bounded / baseline:.3f}")


if __name__ == "__main__":
    main()
