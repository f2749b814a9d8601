"""What the test lab's replicas and clients cost, against the standard library's, in the same run.

The traffic and analysis tests start dozens of replica processes and send tens of thousands of
requests through real HAProxy, so the lab's own cost is a large share of the suite's CPU. This
measures, in CPU seconds (so other load on a shared machine does not count):

- start-up: launching a replica until it listens (testkit/lab/http_replica.py), against
  `python -m http.server` (HTTP/1.0, a thread per connection), what the lab's replicas were built on;
- per request through HAProxy (the component's config, loopback): the replica's and HAProxy's CPU,
  with keep-alive clients and with a new connection per request, against the same for `http.server`;
- the client: one thread sending GETs on one kept connection with the lab's `Connection`, against
  `http.client.HTTPConnection`.

Each line ends with the ratio lab / baseline (below 1 is cheaper). Loopback only; about 20 seconds.

Run: `.venv/bin/python bench/lab_replica.py` (or `make bench`). Needs `haproxy` on PATH.
"""

import http.client
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from testkit.lab.color_server import launch, port_of
from testkit.lab.load import Connection, LoadClient
from testkit.lab.router import LoopbackRouter, free_port, wait_until
from testkit.lab.scenario import FAST_CHECK, spec_for

STARTS = 10
REQUESTS = 3000
CLIENT_REQUESTS = 2000
_TICK = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of one live process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def tree_cpu(pid: int) -> float:
    """A process's CPU and that of its live and reaped children (HAProxy's master, its workers and checks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    total = sum(int(f) for f in fields[11:15]) / _TICK
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        total += tree_cpu(int(child))
    return total


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def stdlib_server(directory: Path) -> tuple[subprocess.Popen[bytes], int]:
    """`python -m http.server` answering GET / with the same body as a replica (its index.html), and /health."""
    (directory / "index.html").write_text("blue blue-0\n")
    (directory / "health").write_text("ok\n")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory", str(directory), str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    wait_until(lambda: listening(port), 30, "http.server to listen", step=0.005)
    return process, port


def replica() -> tuple[subprocess.Popen[str], int]:
    process = launch("blue", "blue-0")
    return process, port_of(process, "blue-0")


def start_up(start: Callable[[], tuple[subprocess.Popen, int]]) -> float:
    """CPU seconds from launch to listening, per start (the process stopped and reaped each time)."""
    before = children_cpu()
    for _ in range(STARTS):
        process, _ = start()
        # What it spent to listen; what killing it costs is not start-up.
        process.kill()
        process.wait()
    return (children_cpu() - before) / STARTS


def per_request(port: int, pid: int, keep_alive: bool) -> tuple[float, float]:
    """Microseconds of server and HAProxy CPU per request, clients sending through HAProxy flat out."""
    router = LoopbackRouter({"blue": [port], "green": []}, FAST_CHECK)
    try:
        router.start(spec_for(100, 0))
        assert router.process is not None
        server, haproxy = process_cpu(pid), tree_cpu(router.process.pid)
        with LoadClient(router.production_port, threads=4, keep_alive=keep_alive, max_requests=REQUESTS) as load:
            wait_until(lambda: len(load.outcomes) >= REQUESTS, 120, f"{REQUESTS} requests")
        sent = len(load.outcomes)
        failed = [o.error for o in load.outcomes if not o.ok]
        assert not failed, f"{len(failed)} of {sent} requests failed, e.g. {failed[0]}"
        return ((process_cpu(pid) - server) / sent * 1e6, (tree_cpu(router.process.pid) - haproxy) / sent * 1e6)
    finally:
        router.close()


def client_cost(port: int) -> tuple[float, float]:
    """Microseconds of this thread's CPU per GET on one kept connection: the lab's client, then http.client."""
    lab = Connection(port)
    started = time.thread_time()
    for _ in range(CLIENT_REQUESTS):
        lab.get("/")
    lab_cost = (time.thread_time() - started) / CLIENT_REQUESTS * 1e6
    lab.close()
    stdlib = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    started = time.thread_time()
    for _ in range(CLIENT_REQUESTS):
        stdlib.request("GET", "/")
        stdlib.getresponse().read()
    stdlib_cost = (time.thread_time() - started) / CLIENT_REQUESTS * 1e6
    stdlib.close()
    return lab_cost, stdlib_cost


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bluegreen-bench-") as directory:
        baseline = lambda: stdlib_server(Path(directory))  # noqa: E731 - a name for the printout's sake
        lab_start, stdlib_start = start_up(replica), start_up(baseline)
        print(f"start-up: replica {lab_start * 1000:.1f} ms CPU, http.server {stdlib_start * 1000:.1f} ms: "
              f"{lab_start / stdlib_start:.2f}")
        lab_process, lab_port = replica()
        stdlib_process, stdlib_port = baseline()
        try:
            for keep_alive in (True, False):
                kind = "keep-alive clients" if keep_alive else "a new connection per request"
                lab_server, lab_haproxy = per_request(lab_port, lab_process.pid, keep_alive)
                stdlib_server_cost, stdlib_haproxy = per_request(stdlib_port, stdlib_process.pid, keep_alive)
                lab_total, stdlib_total = lab_server + lab_haproxy, stdlib_server_cost + stdlib_haproxy
                print(f"per request through HAProxy, {kind}: replica {lab_server:.0f} + HAProxy {lab_haproxy:.0f} us; "
                      f"http.server {stdlib_server_cost:.0f} + HAProxy {stdlib_haproxy:.0f} us: "
                      f"{lab_total / stdlib_total:.2f}")
            lab_client, stdlib_client = client_cost(lab_port)
            print(f"client per request (kept connection): lab {lab_client:.0f} us, http.client {stdlib_client:.0f} us: "
                  f"{lab_client / stdlib_client:.2f}")
        finally:
            for process in (lab_process, stdlib_process):
                process.kill()
                process.wait()


if __name__ == "__main__":
    main()
