"""Fleet scale: N services on one shared ALB, against one ALB per service (the single-service layout).

Runs examples/fleet/__main__.py (services on the platform stack's listeners, built
with the library API) under Pulumi mocks for N = 1, 10, 50 and 100, and the real
`__main__.py` with the prod stack file (one ALB per service) as the baseline, in
the same process. Prints per N:

- program time per service (fastest of 3 runs, / N, in CPU seconds of this process, so
  other load on a shared machine does not count; the baseline is one prod-stack run,
  i.e. one service);
- resources per service (everything the service stack registers: components included);
- resources changed by a canary step (90/10) of one service, from the double-run diff (must be 1);
- ALBs and listeners, and the monthly load-balancer-hour cost, shared vs one ALB per service.

Then how time per service grows with N (the ratio N=100 / N=10; 1.0 is linear) for the
program as shipped (cyclic GC paused during registration, components/registration_gc.py; the
SDK's check for unknowns without its per-call cycle, components/acyclic_unknowns.py; the run's
resources emptied when it ends, components/resource_release.py) against variants measured in
the same run: the resources not emptied; that and the SDK's own check (the pause alone); the
collector left on; and only `gc.freeze()` after the imports.

The cost counts load-balancer hours only: LCU charges depend on traffic, and on a shared
ALB each request is also evaluated against more rules (the first 10 per request are free).

Run: `.venv/bin/python bench/fleet.py` (or `make bench`).
"""

import gc
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import rpc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import components.acyclic_unknowns as acyclic_unknowns
import components.registration_gc as registration_gc
from bluegreen.program_run import ProgramRun, run_config
from bluegreen.run_diff import diff_runs
from bluegreen.stack_files import PROJECT_DIR, read_stack_config, stack_config

# AWS's published on-demand price of an Application Load Balancer in US East (N. Virginia):
# https://aws.amazon.com/elasticloadbalancing/pricing/ ($0.0225 per ALB-hour), as read on 2026-09-20.
ALB_HOURLY_USD = 0.0225
ALB_PRICE_DATE = "2026-09-20"
HOURS_PER_MONTH = 730  # AWS pricing pages' convention
SIZES = (1, 10, 50, 100)
GROWTH = (10, 100)
"""The ratio of time per service at these two N says whether the program is linear (1.0)."""
FLEET_DIR = PROJECT_DIR / "examples" / "fleet"
PLATFORM_DIR = PROJECT_DIR / "examples" / "platform"
PLATFORM_STACK = "acme/bluegreen-platform/prod"
ALB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"


def fleet_config(size: int, canary: int | None = None) -> dict[str, Any]:
    """The example fleet stack with `size` services; service `canary` (if any) at 90/10."""
    config = read_stack_config("prod", project_dir=FLEET_DIR)
    config["fleet:services"] = {
        f"svc{i}": {
            "priority": 10 + i,
            "host": f"svc{i}.shop.example.com",
            "blue": f"123456789012.dkr.ecr.us-east-1.amazonaws.com/svc{i}:1.0.0",
            "green": f"123456789012.dkr.ecr.us-east-1.amazonaws.com/svc{i}:1.1.0",
            "traffic": {"blue": 90, "green": 10} if i == canary else {"blue": 100, "green": 0},
        }
        for i in range(size)
    }
    return config


REPEATS = 3


class CollectionClock:
    """CPU seconds Python's cyclic collector spent, and objects it freed, while it is installed (`gc.callbacks`)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.objects = 0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.process_time()
        else:
            self.seconds += time.process_time() - self._started
            self.objects += info["collected"]


def timed(run: Any) -> tuple[ProgramRun, float, CollectionClock]:
    """The run's result, its fastest CPU time of REPEATS (the least disturbed by other load on the machine),
    and what the collector did in that fastest run."""
    best, result, collected = float("inf"), None, CollectionClock()
    for _ in range(REPEATS):
        clock = CollectionClock()
        gc.callbacks.append(clock)
        start = time.process_time()
        try:
            result = run()
        finally:
            gc.callbacks.remove(clock)
        elapsed = time.process_time() - start
        if elapsed < best:
            best, collected = elapsed, clock
    assert result is not None
    return result, best, collected


def count(run: ProgramRun, type_token: str) -> int:
    return len(run.of_type(type_token))


def monthly(albs: int) -> float:
    return albs * ALB_HOURLY_USD * HOURS_PER_MONTH


def _freeze_only() -> None:
    gc.freeze()


@contextmanager
def as_variant(pause: Callable[[], None], sdk_check: bool = True, release: bool = False) -> Iterator[None]:
    """Run the programs with `pause` in place of what they call once their imports are done; with the SDK's own
    `contains_unknowns` (the one that leaves a cycle per call) in place of components/acyclic_unknowns.py's
    unless `sdk_check` is false; and with their resources left as they are when the run ends unless `release`."""
    shipped, install, ours = registration_gc.pause_cyclic_gc, acyclic_unknowns.install, rpc.contains_unknowns
    record = registration_gc.record_resources
    assert acyclic_unknowns.replaced is not None, "the shipped runs install ours first"
    registration_gc.pause_cyclic_gc = pause
    if sdk_check:
        rpc.contains_unknowns = acyclic_unknowns.replaced
        acyclic_unknowns.install = lambda: False
    if not release:
        registration_gc.record_resources = lambda: []
    try:
        yield
    finally:
        registration_gc.pause_cyclic_gc, acyclic_unknowns.install, rpc.contains_unknowns = shipped, install, ours
        registration_gc.record_resources = record


VARIANTS: dict[str, Callable[[], AbstractContextManager[None]]] = {
    "resources not emptied when the run ends": lambda: as_variant(registration_gc.pause_cyclic_gc, sdk_check=False),
    "that and the SDK's own check (the pause alone)": lambda: as_variant(registration_gc.pause_cyclic_gc),
    "cyclic GC on, the SDK's own check": lambda: as_variant(lambda: None),
    "gc.freeze() after imports only, the SDK's own check": lambda: as_variant(_freeze_only),
}


def main() -> None:
    platform = run_config(read_stack_config("prod", project_dir=PLATFORM_DIR), stack="prod", project_dir=PLATFORM_DIR)
    outputs = {PLATFORM_STACK: platform.outputs}

    def fleet(size: int, canary: int | None = None) -> ProgramRun:
        return run_config(fleet_config(size, canary), stack="prod", project_dir=FLEET_DIR, stack_outputs=outputs)

    # Warm up imports and the SDK, so the first measured row does not pay them.
    fleet(1)
    baseline, baseline_seconds, _ = timed(lambda: run_config(stack_config("prod"), stack="prod"))
    base_albs, base_listeners = count(baseline, ALB), count(baseline, LISTENER)
    canary = stack_config("prod", {"bluegreen:traffic": {"blue": 90, "green": 10}})
    base_step = len(diff_runs(baseline, run_config(canary, stack="prod")))

    print(f"Fleet on one shared ALB under mocks; baseline: one ALB per service (prod stack file), ALB "
          f"${ALB_HOURLY_USD}/hour us-east-1 as published {ALB_PRICE_DATE}, {HOURS_PER_MONTH} h/month.")
    print(f"platform stack (once for the whole fleet): {len(platform.resources)} resources, "
          f"{count(platform, ALB)} ALB, {count(platform, LISTENER)} listeners")
    print(f"baseline per service: {baseline_seconds * 1000:.0f} ms program time, {len(baseline.resources)} "
          f"resources, {base_albs} ALB, {base_listeners} listeners, canary step changes {base_step}")
    header = ("N", "ms/service", "vs base", "res/service", "canary changes", "ALBs", "listeners",
              "ALBs base", "listeners base", "$/month", "$/month base", "cost ratio")
    print(" | ".join(header))
    growth: dict[int, float] = {}
    collected: dict[int, float] = {}
    freed: dict[int, float] = {}
    for size in SIZES:
        run, seconds, collecting = timed(lambda size=size: fleet(size))
        collected[size], freed[size] = collecting.seconds / size, collecting.objects / size
        step = diff_runs(run, fleet(size, canary=size // 2))
        per_service = seconds / size
        albs = count(platform, ALB) + count(run, ALB)
        listeners = count(platform, LISTENER) + count(run, LISTENER)
        shared_cost, base_cost = monthly(albs), monthly(base_albs * size)
        row = (size, f"{per_service * 1000:.0f}", f"{per_service / baseline_seconds:.2f}x",
               f"{len(run.resources) / size:.0f}", len(step), albs, listeners, base_albs * size,
               base_listeners * size, f"{shared_cost:.2f}", f"{base_cost:.2f}", f"{shared_cost / base_cost:.3f}")
        print(" | ".join(str(cell) for cell in row))
        if len(step) != 1:
            raise SystemExit(f"a canary step of one service changed {len(step)} resources: {step}")
        if size in GROWTH:
            growth[size] = per_service

    small, large = GROWTH
    print(f"\ntime per service, N={large} / N={small} (1.00 = linear):")
    print(f"  shipped (cyclic GC paused, acyclic unknowns check, resources emptied at the end): "
          f"{growth[small] * 1000:.0f} -> {growth[large] * 1000:.0f} ms, ratio {growth[large] / growth[small]:.2f}")
    # The pause holds the run's dead cycles until it ends. Emptying its resources then lets reference counting
    # free most of them; one collection frees the rest (in-process runs at the end of the run, the engine's
    # program process when it exits). Once they no longer fit the CPU's cache each costs it more, so that
    # collection grows faster than N: the fewer cycles a run leaves, the better (the first variant below).
    registering = {size: growth[size] - collected[size] for size in GROWTH}
    print(f"    of which the collection of the run's dead objects once it ends: {collected[small] * 1000:.1f} -> "
          f"{collected[large] * 1000:.1f} ms ({freed[small]:,.0f} -> {freed[large]:,.0f} objects per service); "
          f"without it {registering[small] * 1000:.0f} -> "
          f"{registering[large] * 1000:.0f} ms, ratio {registering[large] / registering[small]:.2f}")
    for label, variant in VARIANTS.items():
        with variant():
            at = {size: timed(lambda size=size: fleet(size))[1] / size for size in GROWTH}
        print(f"  {label}: {at[small] * 1000:.0f} -> {at[large] * 1000:.0f} ms, ratio {at[large] / at[small]:.2f}")
    print(f"fleet: ms per service N={small} {growth[small] * 1000:.0f}, N={large} {growth[large] * 1000:.0f}, "
          f"ratio N={large}/N={small} {growth[large] / growth[small]:.2f}")


if __name__ == "__main__":
    pulumi.log.info = lambda *args, **kwargs: None  # type: ignore[method-assign]
    main()
