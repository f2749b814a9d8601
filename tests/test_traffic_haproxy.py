"""The real zero-downtime test: Debian's HAProxy on loopback, real HTTP replicas, a continuous client.

The config comes from the component's own `render_haproxy_config` and every step goes
through its own `install_and_reload` (SIGUSR2 to the master-worker process, as
`docker kill -s USR2` does to the router container). Only the server addresses
(127.0.0.1 ports instead of container names) and the check timings differ.

Tolerance: each step takes REQUESTS_PER_STEP answers from each client after the reload
took effect; HAProxy's weighted round robin is deterministic, so each color's share of
both clients' answers must lie within SHARE_TOLERANCE (5 percentage points) of its weight.
"""

import time
import urllib.request
from collections.abc import Iterator

import pytest

from testkit.lab.color_server import start
from testkit.lab.load import LoadClient, get_once, shares
from testkit.lab.router import LoopbackRouter, wait_until
from testkit.lab.scenario import FAST_CHECK, REPLICAS, spec_for

pytestmark = pytest.mark.traffic

STEPS = [(100, 0), (90, 10), (50, 50), (0, 100)]
REQUESTS_PER_STEP = 400
SHARE_TOLERANCE = 0.05
RATE = 800
KEEP_ALIVE_RATE = 600
"""Requests/s of each client: a step's 400 answers in well under a second, without flooding the machine meanwhile.
The rates differ so the clients rarely fall into lockstep; the split is still judged over both together (below)."""


@pytest.fixture
def replicas() -> Iterator[dict]:
    processes, ports = {}, {"blue": [], "green": []}
    try:
        for color, count in REPLICAS.items():
            for index in range(count):
                process, port = start(color, f"{color}-{index}")
                processes[f"{color}-{index}"] = process
                ports[color].append(port)
        yield {"processes": processes, "ports": ports}
    finally:
        for process in processes.values():
            process.kill()
            process.wait()


@pytest.fixture
def router(replicas: dict) -> Iterator[LoopbackRouter]:
    lab = LoopbackRouter(replicas["ports"], FAST_CHECK)
    try:
        lab.start(spec_for(100, 0))
        yield lab
    finally:
        lab.close()


def test_stepping_weights_loses_no_request_and_splits_as_configured(router: LoopbackRouter) -> None:
    # Both kinds of client: a new connection per request, and persistent keep-alive connections.
    with (
        LoadClient(router.production_port, threads=3, rate=RATE) as client,
        LoadClient(router.production_port, threads=3, rate=KEEP_ALIVE_RATE, keep_alive=True) as kept,
    ):
        for blue, green in STEPS:
            spec = spec_for(blue, green)
            before = time.monotonic()
            router.apply(spec)
            applied = time.monotonic()
            step = client.wait_for(applied, REQUESTS_PER_STEP, timeout=60)
            kept_step = kept.wait_for(applied, REQUESTS_PER_STEP, timeout=60)
            # HAProxy's round robin is deterministic over the requests it balances, not per client: two clients
            # that fall into lockstep (a loaded machine slows both to the same pace) take alternate turns, and at
            # 50/50 one saw blue 0.552 and the other 0.435 while together they were 0.49. The weights promise
            # the split of all traffic, so that is what is judged, over both clients' requests.
            observed, kept_observed = shares(step + kept_step), shares(kept_step)
            overlapping = [o for o in client.outcomes + kept.outcomes if o.started < applied and o.ended > before]
            candidate_answers = {get_once(router.test_port).color for _ in range(20)}
            print(
                f"step {blue}/{green}: both clients blue {observed['blue']:.3f} green {observed['green']:.3f} "
                f"(keep-alive: blue {kept_observed['blue']:.3f}) over {len(step)} + {len(kept_step)} requests; "
                f"{len(overlapping)} requests in flight across the reload"
            )
            assert abs(observed["blue"] - blue / 100) <= SHARE_TOLERANCE
            assert abs(observed["green"] - green / 100) <= SHARE_TOLERANCE
            if blue in (0, 100):
                # One color alone leaves no turns to alternate, so each client is judged on its own too: the
                # keep-alive one's connections, opened before the reload, must follow it. (Not exactly 1.0: the
                # old worker answers one last request on each idle connection, idle-close-on-response.)
                for own in (shares(step), kept_observed):
                    assert abs(own["blue"] - blue / 100) <= SHARE_TOLERANCE
            # The reload happened under load, so "zero failed" below is about real in-flight requests.
            assert overlapping
            # The test frontend sends everything to the candidate (green at 50/50, by the tie rule).
            assert candidate_answers == {"blue" if green > blue else "green"}
    failed = [o for o in client.outcomes + kept.outcomes if not o.ok]
    print(f"sent {len(client.outcomes)} + {len(kept.outcomes)} keep-alive requests, {len(failed)} failed")
    assert failed == []
    assert len(client.outcomes) >= len(STEPS) * REQUESTS_PER_STEP
    assert any(o.reused for o in kept.outcomes)


def test_the_router_answers_its_own_health_uri_without_a_replica(router: LoopbackRouter) -> None:
    before = sum(int(r["stot"]) for r in router.server_stats())
    with urllib.request.urlopen(f"http://127.0.0.1:{router.production_port}/_haproxy/health", timeout=5) as answer:
        assert answer.status == 200
    assert sum(int(r["stot"]) for r in router.server_stats()) == before


def test_a_dead_replica_leaves_rotation_within_the_detection_window(
    router: LoopbackRouter, replicas: dict
) -> None:
    router.apply(spec_for(0, 100))
    # Wait for full health ("UP", not "UP 1/2"), so going DOWN takes all `fall` failed checks.
    wait_until(lambda: router.server("production", "green-0")["status"] == "UP", 30, "green-0 fully UP")
    window = FAST_CHECK.detection_seconds
    with LoadClient(router.production_port, threads=3, rate=RATE) as client:
        client.wait_for(time.monotonic(), 100, timeout=60)
        before = router.server("production", "green-0")
        killed = time.monotonic()
        replicas["processes"]["green-0"].kill()
        wait_until(
            lambda: router.server("production", "green-0")["status"] == "DOWN", 10 * window, "green-0 DOWN"
        )
        down = time.monotonic()
        at_down = router.server("production", "green-0")
        after = client.wait_for(time.monotonic(), 300, timeout=60)
        later = router.server("production", "green-0")
    in_between = client.between(killed, down)
    failed = [o for o in in_between if not o.ok]
    print(
        f"green-0 killed: DOWN after {down - killed:.2f}s (detection window {window}s = "
        f"{FAST_CHECK.interval_seconds}s x {FAST_CHECK.unhealthy_threshold}); "
        f"{len(in_between)} requests meanwhile, {len(failed)} failed: {[o.error for o in failed][:3]}"
    )
    # HAProxy took it out after exactly `fall` failed checks, each `inter` apart: the window.
    assert int(at_down["chkfail"]) - int(before["chkfail"]) == FAST_CHECK.unhealthy_threshold
    assert int(at_down["chkdown"]) - int(before["chkdown"]) == 1
    # Once DOWN, HAProxy sends it nothing: its session counter stops while load continues.
    assert later["stot"] == at_down["stot"]
    assert {o.server for o in after if o.ok} == {"green-1"}
    assert all(o.ok for o in after)
