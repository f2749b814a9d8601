"""Zero-downtime traffic shifts through real HAProxy on loopback: runtime API vs hitless reload vs a naive restart.

1 blue and 2 green replicas (real HTTP servers) behind HAProxy configured by the
component's `render_haproxy_config`. Two kinds of client send at a fixed offered rate
the whole time: new-connection-per-request senders and 50 keep-alive senders (one
persistent connection each, no retries). After STEADY_SECONDS of steady load the
router goes through RELOADS traffic shifts (100/0 -> 90/10 -> 50/50 -> 0/100 and back,
over and over), SHIFT_GAP apart, then STEADY_SECONDS of steady load again.
The clients run in a process of their own (testkit/lab/load_process.py): the
benchmark's own work on each shift then cannot delay their timing.

Passes in the same run, so every figure has its baseline beside it:
- runtime API: what `pulumi up` does now (`apply_config`): every shift changes weights
  alone, so they are set through HAProxy's runtime API, with no reload;
- reload: the reload the component runs for any other change (`install_and_reload`:
  saved server state, new config, SIGUSR2 to the master-worker), forced on every shift;
- reload, 2.6 idle default: the same, with `option idle-close-on-response` taken out
  of the rendered config (what the component shipped before), to show what it buys;
- restart: the naive baseline (stop HAProxy, start it with the new config).

For each pass and client kind it prints requests sent and failed, and p50/p99 latency
in steady state against during the shifts; per pass, the p99 ratio during shifts over
steady (both client kinds together) and the reloads it caused, counted as changes of
the worker PID that answers the runtime API after each shift. Latencies are of
answered requests only (a refused connection fails fast and would flatter the
baseline); failures are counted apart. Then it kills one green replica under load and
reports how long HAProxy took to mark it DOWN. Loopback only; about two minutes.

`--quick` runs only the runtime API, reload and restart passes, with shorter steady
windows and no kill phase (the same load and 20 shifts; under a minute and a half).
The last line is always `runtime api: failed F of N, reloads R, p99 shift/steady X`.

Run: `.venv/bin/python bench/zero_downtime.py [--quick]` (or `make bench`). Needs `haproxy` on PATH.
"""

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import Popen

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from components.docker.router_update import RUNTIME_API
from components.spec import BlueGreenSpec, Color
from testkit.lab.color_server import start
from testkit.lab.load import Outcome, percentile
from testkit.lab.load_process import LoadProcess, Senders
from testkit.lab.router import LoopbackRouter, wait_until
from testkit.lab.scenario import FAST_CHECK, REPLICAS, spec_for

NEW_CONNECTION_RATE = 300
"""Offered load of the new-connection-per-request senders, requests/s (open loop)."""
NEW_CONNECTION_SENDERS = 6
KEEP_ALIVE_RATE = 500
"""Offered load of the keep-alive senders, requests/s in total (10/s each)."""
KEEP_ALIVE_SENDERS = 50
NEW_CONNECTION = Senders(NEW_CONNECTION_SENDERS, NEW_CONNECTION_RATE)
KEEP_ALIVE = Senders(KEEP_ALIVE_SENDERS, KEEP_ALIVE_RATE, keep_alive=True)
RELOADS = 20
"""Traffic shifts per pass (each one a reload in the reload passes)."""
STEADY_SECONDS = 3.0
QUICK_STEADY_SECONDS = 2.0
WARM_UP = 0.5
"""Seconds of load before the first steady window counts: 50 keep-alive clients connecting are not steady state."""
SHIFT_GAP = 0.3
"""Seconds between the end of one shift and the start of the next."""
SHIFT_TAIL = 0.25
"""Seconds after a shift completes that still count as "during the shift"."""
STEPS = [(90, 10), (50, 50), (0, 100), (50, 50), (90, 10), (100, 0)]
IDLE_CLOSE = "    option idle-close-on-response\n"


@dataclass
class Pass:
    mode: str
    shifts: list[tuple[float, float]] = field(default_factory=list)
    steady: list[tuple[float, float]] = field(default_factory=list)
    outcomes: dict[str, list[Outcome]] = field(default_factory=dict)
    seconds: float = 0.0
    reloads: int = 0
    """Shifts after which another worker answered the runtime API than before."""

    def during(self, kind: str) -> list[Outcome]:
        return [o for o in self.outcomes[kind] if any(a <= o.started < b for a, b in self.shifts)]

    def in_steady_state(self, kind: str) -> list[Outcome]:
        return [o for o in self.outcomes[kind] if any(a <= o.started < b for a, b in self.steady)]

    def all(self) -> list[Outcome]:
        return [o for outcomes in self.outcomes.values() for o in outcomes]

    def p99_ratio(self) -> float:
        """p99 during shifts over p99 in steady state, every client kind together."""
        during = [o for kind in self.outcomes for o in self.during(kind)]
        steady = [o for kind in self.outcomes for o in self.in_steady_state(kind)]
        return latency_ms(during, 0.99) / latency_ms(steady, 0.99)


class RouterWithoutIdleClose(LoopbackRouter):
    """The component's config with HAProxy 2.6's default for idle kept-alive connections on a reload."""

    def render(self, spec: BlueGreenSpec) -> str:
        return super().render(spec).replace(IDLE_CLOSE, "")


def start_replicas() -> tuple[dict[str, Popen[str]], dict[Color, list[int]]]:
    processes: dict[str, Popen[str]] = {}
    ports: dict[Color, list[int]] = {"blue": [], "green": []}
    for color, count in REPLICAS.items():
        for index in range(count):
            processes[f"{color}-{index}"], port = start(color, f"{color}-{index}")
            ports[color].append(port)
    return processes, ports


def stop_replicas(processes: dict[str, Popen[str]]) -> None:
    for process in processes.values():
        process.kill()
        process.wait()


def run(
    mode: str,
    make_router: Callable[..., LoopbackRouter],
    shift: Callable[[LoopbackRouter, BlueGreenSpec], None],
    steady_seconds: float = STEADY_SECONDS,
) -> Pass:
    processes, ports = start_replicas()
    router = make_router(ports, FAST_CHECK)
    result = Pass(mode)
    port = router.production_port
    try:
        router.start(spec_for(100, 0))
        # The clients run in their own process: the ~2 ms of CPU each shift costs here would otherwise hold
        # the GIL their threads share and delay their clock readings, latency the router never added.
        with LoadProcess(port, {"new connection": NEW_CONNECTION, "keep-alive": KEEP_ALIVE}) as clients:
            time.sleep(WARM_UP)
            began = time.monotonic()
            time.sleep(steady_seconds)
            result.steady.append((began, time.monotonic()))
            shifting = time.monotonic()
            worker = router.worker_pid()
            for index in range(RELOADS):
                begin = time.monotonic()
                shift(router, spec_for(*STEPS[index % len(STEPS)]))
                result.shifts.append((begin, time.monotonic() + SHIFT_TAIL))
                now = router.worker_pid()
                result.reloads += now != worker
                worker = now
                time.sleep(SHIFT_GAP)
            result.seconds = time.monotonic() - shifting
            time.sleep(SHIFT_TAIL)
            settled = time.monotonic()
            time.sleep(steady_seconds)
            result.steady.append((settled, time.monotonic()))
            result.outcomes = clients.stop()
    finally:
        router.close()
        stop_replicas(processes)
    return result


def kill_phase() -> tuple[float, int, int]:
    """At 0/100, kill green-0 under load: seconds until HAProxy marks it DOWN, requests meanwhile, failed."""
    processes, ports = start_replicas()
    router = LoopbackRouter(ports, FAST_CHECK)
    try:
        router.start(spec_for(0, 100))
        wait_until(lambda: router.server("production", "green-0")["status"] == "UP", 30, "green-0 UP")
        with LoadProcess(router.production_port, {"new connection": NEW_CONNECTION}) as clients:
            time.sleep(1)
            killed = time.monotonic()
            processes["green-0"].kill()
            wait_until(lambda: router.server("production", "green-0")["status"] == "DOWN", 20, "green-0 DOWN")
            down = time.monotonic()
            time.sleep(1)
            between = [o for o in clients.stop()["new connection"] if killed <= o.started < down]
        return down - killed, len(between), sum(not o.ok for o in between)
    finally:
        router.close()
        stop_replicas(processes)


def latency_ms(outcomes: list[Outcome], q: float) -> float:
    return percentile([o.latency for o in outcomes if o.ok], q) * 1000


def ms(outcomes: list[Outcome], q: float) -> str:
    return f"{latency_ms(outcomes, q):6.2f}"


def failed(outcomes: list[Outcome]) -> int:
    return sum(not o.ok for o in outcomes)


def report(result: Pass) -> None:
    print(f"\n== {result.mode}: {RELOADS} shifts in {result.seconds:.1f} s, {result.reloads} reloads, "
          f"p99 shift/steady {result.p99_ratio():.2f}")
    print(f"   {'client':<15} {'sent':>6} {'failed':>6}   steady p50/p99 ms   during shifts p50/p99 ms")
    for kind, outcomes in result.outcomes.items():
        steady, during = result.in_steady_state(kind), result.during(kind)
        print(
            f"   {kind:<15} {len(outcomes):>6} {failed(outcomes):>6}   "
            f"{ms(steady, 0.5)} / {ms(steady, 0.99)}     {ms(during, 0.5)} / {ms(during, 0.99)}"
        )
        kinds = sorted({str(o.error).split(":")[0] for o in outcomes if not o.ok})
        if kinds:
            print(f"   {'':<15} failures: {', '.join(kinds)}")


def ratio(baseline: float, measured: float) -> str:
    return f"= {baseline / measured:.1f}x" if measured else "(the reload: none)"


def summary(passes: list[Pass]) -> None:
    """One row per pass: what the issue tracker and the docs quote."""
    print(f"\n   {'pass':<52} {'failed':>14} {'p99 steady':>10} {'p99 shifts':>10} {'ratio':>6} {'reloads':>7}")
    for result in passes:
        outcomes = result.all()
        steady = [o for kind in result.outcomes for o in result.in_steady_state(kind)]
        during = [o for kind in result.outcomes for o in result.during(kind)]
        print(f"   {result.mode:<52} {failed(outcomes):>6} of {len(outcomes):>5} "
              f"{latency_ms(steady, 0.99):>10.2f} {latency_ms(during, 0.99):>10.2f} "
              f"{result.p99_ratio():>6.2f} {result.reloads:>7}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="runtime API, reload and restart passes only; no kill")
    quick = parser.parse_args().quick
    steady = QUICK_STEADY_SECONDS if quick else STEADY_SECONDS
    print(
        f"offered load: {NEW_CONNECTION_RATE} req/s from {NEW_CONNECTION_SENDERS} new-connection senders and "
        f"{KEEP_ALIVE_RATE} req/s from {KEEP_ALIVE_SENDERS} keep-alive senders; loopback only"
    )
    print(f"replicas: blue {REPLICAS['blue']}, green {REPLICAS['green']}; {RELOADS} shifts through "
          + " -> ".join(f"{b}/{g}" for b, g in STEPS) + " (repeated)")

    def runtime_api(router: LoopbackRouter, spec: BlueGreenSpec) -> None:
        applied = router.update(spec)
        if applied.how != RUNTIME_API:
            print(f"   (a shift went through: {applied.how} {applied.reason or ''})")

    def reload(router: LoopbackRouter, spec: BlueGreenSpec) -> None:
        router.apply(spec)

    def restart(router: LoopbackRouter, spec: BlueGreenSpec) -> None:
        router.restart(spec)

    runtime = run("runtime API (the component, weights alone)", LoopbackRouter, runtime_api, steady)
    hitless = run("reload (the component, any other change)", LoopbackRouter, reload, steady)
    idle_default = [] if quick else [
        run("reload, 2.6 idle default (no idle-close-on-response)", RouterWithoutIdleClose, reload, steady)
    ]
    naive = run("restart (naive baseline)", LoopbackRouter, restart, steady)
    passes = [runtime, hitless, *idle_default, naive]
    for result in passes:
        report(result)
    print("\n== baseline (restart) / hitless reload")
    for kind in hitless.outcomes:
        lost = failed(naive.outcomes[kind]), failed(hitless.outcomes[kind])
        p99 = latency_ms(naive.during(kind), 0.99), latency_ms(hitless.during(kind), 0.99)
        print(f"   {kind:<15} failed requests: {lost[0]} / {lost[1]} {ratio(*lost)}; "
              f"p99 during shifts: {p99[0]:.2f} ms / {p99[1]:.2f} ms {ratio(*p99)}")
    if not quick:
        seconds, meanwhile, lost = kill_phase()
        check = FAST_CHECK
        window = f"{check.detection_seconds} s = {check.interval_seconds} s x {check.unhealthy_threshold}"
        print(f"\n== green-0 killed under load: DOWN after {seconds:.2f} s (window {window}); "
              f"{meanwhile} requests meanwhile, {lost} failed")
    summary(passes)
    everything = runtime.all()
    print(f"runtime api: failed {failed(everything)} of {len(everything)}, reloads {runtime.reloads}, "
          f"p99 shift/steady {runtime.p99_ratio():.2f}")


if __name__ == "__main__":
    main()
