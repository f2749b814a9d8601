"""Zero-downtime traffic shifts through real HAProxy on loopback: hitless reload vs a naive restart.

The scenario of tests/test_traffic_haproxy.py, longer and at a fixed offered rate:
1 blue and 2 green replicas (real HTTP servers), HAProxy configured by the
component's `render_haproxy_config`, traffic stepped 100/0 -> 90/10 -> 50/50 -> 0/100
with STEADY_SECONDS of steady load around each shift, then one green replica killed.

It runs twice in the same process: once with the component's mechanism (new config +
SIGUSR2 to the master-worker, `install_and_reload`), once with the naive baseline
(stop HAProxy, start it with the new config). It prints requests sent and failed,
the per-color share per step, p50/p99 latency in steady state vs during each shift,
and the baseline/reload ratios. Latencies are of answered requests only (a refused
connection fails fast and would flatter the baseline); failures are counted apart.
Loopback only; about 35 seconds.

Run: `.venv/bin/python bench/zero_downtime.py` (or `make bench`). Needs `haproxy` on PATH.
"""

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bluegreen.lab.color_server import start
from bluegreen.lab.load import LoadClient, Outcome, percentile, shares
from bluegreen.lab.router import LoopbackRouter, wait_until
from bluegreen.lab.scenario import FAST_CHECK, REPLICAS, spec_for
from components.spec import Color

RATE = 400
"""Offered load, requests per second (open loop: a slow answer does not slow the sender)."""
SENDERS = 8
STEADY_SECONDS = 3.0
SHIFT_TAIL = 0.5
"""Seconds after a shift completes that still count as "during the shift"."""
STEPS = [(90, 10), (50, 50), (0, 100)]


@dataclass
class Shift:
    label: str
    begin: float
    end: float
    steady: tuple[float, float] = (0.0, 0.0)


@dataclass
class Run:
    mode: str
    shifts: list[Shift] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    steady_before: tuple[float, float] = (0.0, 0.0)

    def in_shifts(self) -> list[Outcome]:
        return [o for s in self.shifts for o in self.outcomes if s.begin <= o.started < s.end]

    def steady(self) -> list[Outcome]:
        windows = [self.steady_before, *(s.steady for s in self.shifts)]
        return [o for a, b in windows for o in self.outcomes if a <= o.started < b]


def scenario(mode: str) -> Run:
    """One full pass; `mode` is "reload" (the component's mechanism) or "restart" (the baseline)."""
    processes = []
    ports: dict[Color, list[int]] = {"blue": [], "green": []}
    for color, count in REPLICAS.items():
        for index in range(count):
            process, port = start(color, f"{color}-{index}")
            processes.append(process)
            ports[color].append(port)
    router = LoopbackRouter(ports, FAST_CHECK)
    run = Run(mode)
    try:
        router.start(spec_for(100, 0))
        with LoadClient(router.production_port, threads=SENDERS, rate=RATE) as client:
            began = time.monotonic()
            time.sleep(STEADY_SECONDS)
            run.steady_before = (began, time.monotonic())
            for blue, green in STEPS:
                shift_begin = time.monotonic()
                if mode == "reload":
                    router.apply(spec_for(blue, green))
                else:
                    router.restart(spec_for(blue, green))
                shift_end = time.monotonic() + SHIFT_TAIL
                time.sleep(SHIFT_TAIL + STEADY_SECONDS)
                run.shifts.append(Shift(f"{blue}/{green}", shift_begin, shift_end, (shift_end, time.monotonic())))
            client.stop()
            run.outcomes = list(client.outcomes)
    finally:
        router.close()
        for process in processes:
            process.kill()
            process.wait()
    return run


def kill_phase() -> tuple[float, int, int]:
    """At 0/100, kill green-0 under load: seconds until HAProxy marks it DOWN, requests meanwhile, failed."""
    processes = {}
    ports: dict[Color, list[int]] = {"blue": [], "green": []}
    for color, count in REPLICAS.items():
        for index in range(count):
            process, port = start(color, f"{color}-{index}")
            processes[f"{color}-{index}"] = process
            ports[color].append(port)
    router = LoopbackRouter(ports, FAST_CHECK)
    try:
        router.start(spec_for(0, 100))
        wait_until(lambda: router.server("production", "green-0")["status"] == "UP", 30, "green-0 UP")
        with LoadClient(router.production_port, threads=SENDERS, rate=RATE) as client:
            time.sleep(1)
            killed = time.monotonic()
            processes["green-0"].kill()
            wait_until(lambda: router.server("production", "green-0")["status"] == "DOWN", 20, "green-0 DOWN")
            down = time.monotonic()
            time.sleep(1)
            client.stop()
            between = client.between(killed, down)
        return down - killed, len(between), sum(not o.ok for o in between)
    finally:
        router.close()
        for process in processes.values():
            process.kill()
            process.wait()


def ms(values: list[float], q: float) -> str:
    return f"{percentile(values, q) * 1000:7.2f}"


def report(run: Run) -> None:
    failed = [o for o in run.outcomes if not o.ok]
    print(f"\n== {run.mode}: {len(run.outcomes)} requests sent, {len(failed)} failed")
    steady = [o.latency for o in run.steady() if o.ok]
    print(f"   steady state        p50 {ms(steady, 0.5)} ms  p99 {ms(steady, 0.99)} ms")
    for shift in run.shifts:
        during = [o for o in run.outcomes if shift.begin <= o.started < shift.end]
        after = [o for o in run.outcomes if shift.steady[0] <= o.started < shift.steady[1]]
        share = shares(after)
        lat = [o.latency for o in during if o.ok]
        print(
            f"   shift to {shift.label:>6}:   p50 {ms(lat, 0.5)} ms  p99 {ms(lat, 0.99)} ms  "
            f"took {(shift.end - SHIFT_TAIL - shift.begin) * 1000:6.1f} ms  "
            f"failed {sum(not o.ok for o in during):4d}/{len(during):4d}  "
            f"then blue {share['blue']:.3f} green {share['green']:.3f}"
        )
    if failed:
        kinds = sorted({o.error.split(":")[0] for o in failed if o.error})
        print(f"   failure kinds: {', '.join(kinds)}")


def main() -> None:
    print(f"offered load {RATE} req/s from {SENDERS} senders, new connection per request, loopback only")
    print(f"replicas: blue {REPLICAS['blue']}, green {REPLICAS['green']}; steps 100/0 -> "
          + " -> ".join(f"{b}/{g}" for b, g in STEPS))
    reload_run, restart_run = scenario("reload"), scenario("restart")
    for run in (reload_run, restart_run):
        report(run)
    failed_reload = sum(not o.ok for o in reload_run.outcomes)
    failed_restart = sum(not o.ok for o in restart_run.outcomes)
    p99_reload = percentile([o.latency for o in reload_run.in_shifts() if o.ok], 0.99)
    p99_restart = percentile([o.latency for o in restart_run.in_shifts() if o.ok], 0.99)
    print("\n== baseline (restart) / hitless reload")
    print(f"   failed requests: {failed_restart} / {failed_reload}"
          + (f" = {failed_restart / failed_reload:.1f}x" if failed_reload else " (reload lost none)"))
    print(f"   p99 during shifts: {p99_restart * 1000:.2f} ms / {p99_reload * 1000:.2f} ms "
          f"= {p99_restart / p99_reload:.1f}x")
    seconds, meanwhile, failed = kill_phase()
    window = f"{FAST_CHECK.detection_seconds} s = {FAST_CHECK.interval_seconds} s x {FAST_CHECK.unhealthy_threshold}"
    print(f"\n== green-0 killed under load: DOWN after {seconds:.2f} s (window {window}); "
          f"{meanwhile} requests meanwhile, {failed} failed")


if __name__ == "__main__":
    main()
