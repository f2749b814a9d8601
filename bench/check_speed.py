"""How long the offline check of one stack takes, and what starting the policy pack alongside the program saves.

Each measurement is a fresh Python process, as `bluegreen check` is for a user, so the
imports the program and the pack pay on every run are counted. Per stack it times:

- program: running `__main__.py` under mocks (mostly the provider SDKs' imports);
- pack start: from launching the pack to its first answer (GetAnalyzerInfo, Configure);
  when the pack runs alongside, only the part still left once the program has finished;
- analysis: one `Analyze` per resource and one `AnalyzeStack`;
- imports: bluegreen's own modules before any of that (pulumi among them), paid either way.

"before" starts the pack, waits for it, then runs the program (one after the other, as
the check used to); "after" launches the pack and runs the program while it boots, as
`bluegreen.offline_check.run_checks` does now. Both run in this one invocation, on the same
machine, interleaved. `python -c pass` is the floor: the cost of any Python process at all.

Each run's CPU time (user + sys of the process and of the pack it waited for) is printed beside its wall
time: on a shared, loaded machine wall time mostly measures the queue for a core, CPU time much less so.
A first, unmeasured run of each stack writes the `.pyc` files an installed package has (process_timing).
Figures are medians of --reps runs. Prints the figures; asserts nothing.

Run: .venv/bin/python bench/check_speed.py [--reps 3] [--stack dev ...]
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from process_timing import Timing, run_timed

ROOT = Path(__file__).resolve().parent.parent
STACKS = ("local", "dev", "staging", "prod")
MODES = ("before", "after")


def child(mode: str, stack: str) -> dict[str, float]:
    """One check of one stack in this (fresh) process, timed piece by piece."""
    started = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    from bluegreen.offline_check import check_resources
    from bluegreen.policy_client import PolicyPackProcess, load_stack_config, pack_dir
    from bluegreen.program_run import run_config
    from bluegreen.stack_files import read_stack_config

    imported = time.perf_counter()
    pack = PolicyPackProcess(pack_dir(ROOT))
    try:
        if mode == "before":
            pack.start()
            ready = time.perf_counter()
            run = run_config(read_stack_config(stack, ROOT), stack=stack, project_dir=ROOT)
            ran = time.perf_counter()
            pack_start, program = ready - imported, ran - ready
        else:
            pack.launch()
            run = run_config(read_stack_config(stack, ROOT), stack=stack, project_dir=ROOT)
            ran = time.perf_counter()
            pack.wait_ready()
            ready = time.perf_counter()
            program, pack_start = ran - imported, ready - ran
        analysis_started = time.perf_counter()
        result = check_resources(stack, run.resources.values(), pack, load_stack_config(stack, ROOT))
        finished = time.perf_counter()
    finally:
        pack.close()
    closed = time.perf_counter()
    return {
        "imports": imported - started,
        "close": closed - finished,
        "program": program,
        "pack_start": pack_start,
        "analysis": finished - analysis_started,
        "resources": float(len(result.resources)),
    }


def timed(command: list[str]) -> Timing:
    return run_timed(command, ROOT, check=True)


def measure(stacks: list[str], reps: int) -> None:
    floors = [timed([sys.executable, "-c", "pass"]) for _ in range(max(reps, 5))]
    floor = statistics.median(t.wall for t in floors)
    floor_cpu = statistics.median(t.cpu for t in floors)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min) on {os.cpu_count()} cores")
    print(f"floor: python -c pass = {floor:.3f} s wall, {floor_cpu:.3f} s CPU (median of {len(floors)})")
    print(f"medians of {reps} fresh processes per figure; seconds, then multiples of the floor in brackets\n")
    header = (
        f"{'stack':8} {'res':>4} {'imports':>8} {'program':>8} {'pack start':>11} {'(after)':>8} {'analysis':>9}"
        f" {'before':>15} {'after':>15} {'after CPU':>15} {'after/before':>13}"
    )
    print(header)
    print("-" * len(header))
    for stack in stacks:
        walls: dict[str, list[float]] = {mode: [] for mode in MODES}
        cpus: dict[str, list[float]] = {mode: [] for mode in MODES}
        parts: dict[str, list[dict[str, float]]] = {mode: [] for mode in MODES}
        timed([sys.executable, __file__, "--child", "after", stack])  # writes the .pyc files, not measured
        for _ in range(reps):
            for mode in MODES:  # interleaved, so machine load hits both alike
                run = timed([sys.executable, __file__, "--child", mode, stack])
                walls[mode].append(run.wall)
                cpus[mode].append(run.cpu)
                parts[mode].append(json.loads(run.stdout))

        def median(mode: str, key: str, parts: dict[str, list[dict[str, float]]] = parts) -> float:
            return statistics.median(p[key] for p in parts[mode])

        before, after = statistics.median(walls["before"]), statistics.median(walls["after"])
        after_cpu = statistics.median(cpus["after"])
        print(
            f"{stack:8} {median('before', 'resources'):>4.0f} {median('before', 'imports'):>7.2f}s"
            f" {median('before', 'program'):>7.2f}s"
            f" {median('before', 'pack_start'):>10.2f}s {median('after', 'pack_start'):>7.2f}s"
            f" {median('before', 'analysis'):>8.2f}s"
            f" {before:>6.2f}s ({before / floor:>5.1f}x) {after:>6.2f}s ({after / floor:>5.1f}x)"
            f" {after_cpu:>6.2f}s ({after_cpu / max(floor_cpu, 1e-6):>5.1f}x)"
            f" {after / before:>12.2f}"
        )
    print(
        "\nimports (bluegreen's own modules, pulumi among them), program and analysis are from the 'before' runs;"
        " pack start (after) is what is left to wait for once the program has run."
        "\nbefore/after: whole process, interpreter start to exit (the pack's own exit included)."
        "\nafter CPU: user + sys of the 'after' check and of its pack, against the floor's CPU time."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--stack", action="append", choices=STACKS)
    parser.add_argument("--child", nargs=2, metavar=("MODE", "STACK"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return
    measure(args.stack or list(STACKS), args.reps)


if __name__ == "__main__":
    main()
