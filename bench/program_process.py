"""The fleet program in a process of its own, as the engine's language host runs it: whole-process CPU.

`pulumi up` runs a Python program in a process that imports it, registers everything and exits, and
Python's exit then collects every cycle the process still holds. bench/fleet.py times the program
inside its own process (under mocks, as `bluegreen check` does); this one starts a fresh process per
run of examples/fleet/ (N services, under mocks) with nothing around the program, and prints the
process's CPU time (user + system) and peak memory (maximum resident set), as the operating system
counts them, fastest of 3:

- as shipped (cyclic GC paused, components/acyclic_unknowns.py's check for unknowns, the run's resources
  emptied at exit before Python's own collection, components/resource_release.py);
- with the resources left as they are, as before the release, and that again with the SDK's own check
  for unknowns (which leaves a cycle per call);
- each of those again with the exit's collection skipped (`gc.freeze()` at exit), to show what it costs;
- with the collector left on and the SDK's own check, as before any of these changes.

Run: `.venv/bin/python bench/program_process.py` (or `make bench`).
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZE = 100
REPEATS = 3
SHIPPED, KEPT = "shipped", "resources not emptied"
SDK_CHECK = KEPT + ", the SDK's own check"
SKIPPED = ", exit collection skipped"
VARIANTS = {
    SHIPPED: [],
    SHIPPED + SKIPPED: ["freeze-at-exit"],
    KEPT: ["keep-resources"],
    KEPT + SKIPPED: ["keep-resources", "freeze-at-exit"],
    SDK_CHECK: ["keep-resources", "sdk-check"],
    SDK_CHECK + SKIPPED: ["keep-resources", "sdk-check", "freeze-at-exit"],
    "collector on, the SDK's own check": ["sdk-check", "gc-on"],
}


def child(size: int, options: list[str]) -> None:
    """Run the fleet program once, as the last thing this process does."""
    import atexit
    import contextlib
    import gc

    import pulumi

    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    import fleet

    import bluegreen.program_run as program_run
    import components.acyclic_unknowns as acyclic_unknowns
    import components.registration_gc as registration_gc
    from bluegreen.stack_files import read_stack_config

    pulumi.log.info = lambda *args, **kwargs: None  # type: ignore[method-assign]
    platform = program_run.run_config(
        read_stack_config("prod", project_dir=fleet.PLATFORM_DIR), stack="prod", project_dir=fleet.PLATFORM_DIR
    )
    # Nothing around the program: its pause freezes and disables for good, as under the language host.
    program_run.cyclic_gc_restored = contextlib.nullcontext  # type: ignore[assignment]
    if "sdk-check" in options:
        acyclic_unknowns.install = lambda: False  # type: ignore[assignment]
    if "keep-resources" in options:
        registration_gc.record_resources = lambda: []
    if "gc-on" in options:
        registration_gc.pause_cyclic_gc = lambda: None
    if "freeze-at-exit" in options:
        atexit.register(gc.freeze)  # frozen objects are out of the exit collection's reach
    program_run.run_config(
        fleet.fleet_config(size), stack="prod", project_dir=fleet.FLEET_DIR,
        stack_outputs={fleet.PLATFORM_STACK: platform.outputs},
    )


def process_usage(size: int, options: list[str]) -> tuple[float, float]:
    """CPU seconds and peak resident MB of one child process, start to exit, as the operating system counts them."""
    process = subprocess.Popen([sys.executable, __file__, "--child", str(size), *options], cwd=ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"the program process failed ({status}) with {options}")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024  # ru_maxrss: KiB on Linux


def main() -> None:
    print(f"The fleet program (N={SIZE}) in a process of its own, under mocks: process CPU, fastest of {REPEATS}.")
    seconds: dict[str, float] = {}
    for label, options in VARIANTS.items():
        seconds[label], peak = min(process_usage(SIZE, options) for _ in range(REPEATS))
        print(f"  {label}: {seconds[label]:.2f} s, peak {peak:.0f} MB", flush=True)
    for label in (SHIPPED, KEPT, SDK_CHECK):
        print(f"  {label}: the exit's collection {seconds[label] - seconds[label + SKIPPED]:.2f} s")
    print(f"program process: {SHIPPED} {seconds[SHIPPED]:.2f} s, {KEPT} {seconds[KEPT]:.2f} s (ratio "
          f"{seconds[SHIPPED] / seconds[KEPT]:.2f}), {SDK_CHECK} {seconds[SDK_CHECK]:.2f} s (ratio "
          f"{seconds[SHIPPED] / seconds[SDK_CHECK]:.2f})")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(int(sys.argv[2]), sys.argv[3:])
    else:
        main()
