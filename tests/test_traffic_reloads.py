"""What a reload does to clients and to health, on real HAProxy under load (loopback only).

Each test drives the component's own reload (`install_and_reload`, through the local
reloader or through the container's `DockerReloader` with a stand-in `docker`) while
clients send requests, and asserts on what those clients saw. Counts are bounded:
20 reloads, 50 keep-alive clients, a few seconds each.
"""

import os
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from subprocess import Popen

import pytest

from components.docker.reload import AdminReloader, DockerReloader, install_and_reload
from components.spec import BlueGreenSpec, Color
from testkit.lab.color_server import SLEEP_PATH, start
from testkit.lab.load import LoadClient, get_once
from testkit.lab.router import LoopbackRouter, free_port, wait_until
from testkit.lab.scenario import FAST_CHECK, spec_for
from tests.docker_standin import install_docker_standin

pytestmark = pytest.mark.traffic

RELOADS = 20
KEEP_ALIVE_CLIENTS = 50
KEEP_ALIVE_RATE = 10 * KEEP_ALIVE_CLIENTS
"""Requests/s in total, 10/s per client as in bench/zero_downtime.py: a paced client's connection sits idle
between requests, which is when a closing worker cuts it (without `idle-close-on-response` nearly every
client lost a request at every reload; flat out, most were mid-request and only 13 to 18 did)."""
NEW_CONNECTION_RATE = 150


class Lab:
    """Replica processes and the routers in front of them, for one test."""

    def __init__(self) -> None:
        self.processes: dict[str, Popen[str]] = {}
        self.routers: list[LoopbackRouter] = []

    def router(
        self, spec: BlueGreenSpec, green_statuses: tuple[int, ...] = (200, 200), state_port: int | None = None
    ) -> LoopbackRouter:
        """blue-0, then green-N answering `green_statuses[N]`, behind a started router."""
        ports: dict[Color, list[int]] = {"blue": [], "green": []}
        for color, status in [("blue", 200), *(("green", s) for s in green_statuses)]:
            name = f"{color}-{len(ports[color])}"
            self.processes[name], port = start(color, name, status)
            ports[color].append(port)
        router = LoopbackRouter(ports, FAST_CHECK, state_port=state_port)
        self.routers.append(router)
        router.start(spec)
        return router

    def close(self) -> None:
        for router in self.routers:
            router.close()
        for process in self.processes.values():
            process.kill()
            process.wait()


@pytest.fixture
def lab() -> Iterator[Lab]:
    made = Lab()
    try:
        yield made
    finally:
        made.close()


def alternating(index: int) -> tuple[int, int]:
    """Weights that change on every reload, so each one starts a new worker with a new config."""
    return (40, 60) if index % 2 else (60, 40)


def test_keep_alive_and_new_connection_clients_lose_nothing_across_20_reloads(lab: Lab) -> None:
    router = lab.router(spec_for(*alternating(0)))
    reloads: list[tuple[float, float]] = []
    with (
        LoadClient(router.production_port, threads=KEEP_ALIVE_CLIENTS, rate=KEEP_ALIVE_RATE, keep_alive=True) as kept,
        LoadClient(router.production_port, threads=3, rate=NEW_CONNECTION_RATE) as fresh,
    ):
        kept.wait_for(time.monotonic(), 2 * KEEP_ALIVE_CLIENTS, timeout=30)
        for index in range(1, RELOADS + 1):
            begin = time.monotonic()
            router.apply(spec_for(*alternating(index)))
            reloads.append((begin, time.monotonic()))
            time.sleep(0.1)
        kept.wait_for(time.monotonic(), 2 * KEEP_ALIVE_CLIENTS, timeout=30)
    failed = [o for o in kept.outcomes + fresh.outcomes if not o.ok]
    reused_across = [
        o for o in kept.outcomes if o.reused and any(o.started < end and o.ended > begin for begin, end in reloads)
    ]
    reconnects = sum(not o.reused for o in kept.outcomes) - KEEP_ALIVE_CLIENTS
    print(
        f"{len(kept.outcomes)} keep-alive and {len(fresh.outcomes)} new-connection requests, "
        f"{len(reused_across)} on kept-alive connections across a reload, {reconnects} reconnects, "
        f"{len(failed)} failed: {sorted({str(o.error) for o in failed})[:3]}"
    )
    # The reloads really hit kept-alive connections: requests were in flight on them, and
    # each old worker closed its connections (after an answer), so the clients reconnected.
    assert reused_across
    assert reconnects >= RELOADS * KEEP_ALIVE_CLIENTS // 2
    assert failed == []


def docker_reloader(router: LoopbackRouter, bin_dir: Path, monkeypatch: pytest.MonkeyPatch) -> DockerReloader:
    """The container's reloader, its `docker` played by a stand-in that runs on this router."""
    assert router.process is not None and router.layout.state_address is not None
    install_docker_standin(bin_dir, router.workdir, router.process.pid)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return DockerReloader("web-haproxy", state_address=router.layout.state_address)


# The container path runs a stand-in `docker` process per step, so fewer reloads keep it quick.
@pytest.mark.parametrize(("reload_path", "reloads"), [("local", RELOADS), ("container", 5)])
def test_a_replica_found_down_stays_down_across_reloads(
    lab: Lab, reload_path: str, reloads: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # green-0 answers 503 to everything, health included.
    router = lab.router(spec_for(0, 100), green_statuses=(503, 200), state_port=free_port())
    wait_until(lambda: router.server("production", "green-0")["status"] == "DOWN", 30, "green-0 DOWN")
    reloader: AdminReloader = (
        router.reloader if reload_path == "local" else docker_reloader(router, tmp_path / "bin", monkeypatch)
    )
    statuses: list[str] = []
    with LoadClient(router.production_port, threads=4, rate=200, keep_alive=True) as client:
        for index in range(reloads):
            # 1/99, 0/100, 1/99...: each reload changes weights, so `apply` waits for the new worker.
            router.apply(spec_for(1 - index % 2, 99 + index % 2), reloader)
            statuses.append(router.server("production", "green-0")["status"])
            time.sleep(0.05)
        client.wait_for(time.monotonic(), 50, timeout=30)
    errors = [o.error for o in client.outcomes if not o.ok]
    print(f"green-0 after each reload: {statuses}; {len(client.outcomes)} requests, {len(errors)} failed")
    # Each new worker started from the saved state, so green-0 never took traffic again.
    assert statuses == ["DOWN"] * reloads
    assert int(router.server("production", "green-0")["stot"]) == 0
    assert errors == []


def test_a_replica_moved_to_another_port_gets_traffic_there_after_the_reload(lab: Lab) -> None:
    router = lab.router(spec_for(0, 100))
    wait_until(lambda: router.server("production", "green-0")["status"] == "UP", 30, "green-0 UP")
    # green-0 comes back on a new port (as after `service.port` changes); the saved state
    # still names the old one, which HAProxy 2.6 would prefer over the config's.
    lab.processes["green-0"].kill()
    lab.processes["green-0 moved"], new_port = start("green", "green-0")
    servers = dict(router.layout.servers)
    servers["green"] = [f"127.0.0.1:{new_port}", *servers["green"][1:]]
    router.layout = replace(router.layout, servers=servers)
    router.apply(spec_for(1, 99))
    state = router.runtime("show servers state")
    assert " green-0 127.0.0.1 " in state and f" {new_port} " in state
    wait_until(lambda: router.server("production", "green-0")["status"] == "UP", 30, "green-0 UP on its new port")
    answers = {get_once(router.production_port).server for _ in range(30)}
    assert "green-0" in answers


def test_a_reload_never_cuts_a_request_the_router_would_let_finish(lab: Lab) -> None:
    # drainSeconds 1, requests of 2 s: hard-stop-after must still let them finish.
    router = lab.router(spec_for(100, 0, drain_seconds=1))
    slow = f"{SLEEP_PATH}2"
    with (
        LoadClient(router.production_port, threads=4, keep_alive=True, path=slow) as kept,
        LoadClient(router.production_port, threads=4, path=slow) as fresh,
    ):
        time.sleep(0.5)
        reloads: list[float] = []
        for index in range(2):
            reloads.append(time.monotonic())
            router.apply(spec_for(*alternating(index), drain_seconds=1))
            time.sleep(0.7)
        time.sleep(1.5)
    outcomes = kept.outcomes + fresh.outcomes
    # In flight at a reload and still running a second later: a 1 s hard stop would have cut them.
    spanning = [o for o in outcomes if any(o.started < at and o.ended > at + 1 for at in reloads)]
    failed = [o.error for o in outcomes if not o.ok]
    print(f"{len(outcomes)} requests of 2 s, {len(spanning)} spanning a reload by over 1 s, failed: {failed[:3]}")
    assert len(spanning) >= 6
    assert failed == []


def test_back_to_back_flips_each_end_with_their_own_config_serving(lab: Lab) -> None:
    # A SIGUSR2 that reaches the master mid-reload can be lost (here it was, 2 to 6 times
    # in 10): the reload waits for a new worker and signals again until one serves.
    router = lab.router(spec_for(100, 0))
    for index in range(5):
        last = spec_for(30 + index % 2, 70 - index % 2)
        install_and_reload(router.config_path, router.render(spec_for(60, 40)), router.reloader)
        install_and_reload(router.config_path, router.render(last), router.reloader)
        router.wait_serving(last, timeout=3)
