"""How long the `bluegreen` CLI takes to answer, as a ratio to starting Python at all.

Each figure is a fresh process, as a shell runs it: `--help`, `--version`, a command's `--help`, TAB
completion of a command name (bash and zsh) and of a stack name (the completion script sets the same variables),
and `check --stack <s>` for every stack of this repository. The floor is `python -c pass` started the
same way, measured in the same run, interleaved with the commands, so a busy machine moves both.
Figures are medians of --reps runs; the targets are the issue's (help and version 0.25 s, completion
0.15 s, check 2 s), judged on the wall time over the floor. Beside it, each command's CPU time (user + sys,
the policy pack's included for `check`) over the floor's: on a loaded machine the wall time mostly grows by
waiting for a core, the CPU time much less, so that column says whether the command itself got slower.
A first, unmeasured run of each command writes the `.pyc` files an installed package has (process_timing).
Prints the figures and the load average; asserts nothing.

Run: .venv/bin/python bench/cli_speed.py [--reps 7] [--no-check]
"""

import argparse
import os
import statistics
import sys
from pathlib import Path

from process_timing import run_timed

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bluegreen.project import stack_names  # noqa: E402

SCRIPT = [sys.executable, "-m", "bluegreen"]


def completion(words: str) -> dict[str, str]:
    """The variables bash sets for TAB after `words` (the script `--install-completion` writes)."""
    return {"_BLUEGREEN_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split(" ")) - 1)}


def zsh_completion(words: str) -> dict[str, str]:
    """What the zsh script sets: zsh, fish and PowerShell also show each command's help beside its name."""
    return {"_BLUEGREEN_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": words}


def cases(with_check: bool) -> list[tuple[str, list[str], dict[str, str], float]]:
    """(label, command, extra environment, target seconds)."""
    listed = [
        ("--help", [*SCRIPT, "--help"], {}, 0.25),
        ("--version", [*SCRIPT, "--version"], {}, 0.25),
        ("release --help", [*SCRIPT, "release", "--help"], {}, 0.25),
        ("complete a command", [*SCRIPT], completion("bluegreen re"), 0.15),
        ("complete a stack", [*SCRIPT], completion("bluegreen status --stack "), 0.15),
        ("complete a command, zsh", [*SCRIPT], zsh_completion("bluegreen re"), 0.15),
    ]
    if with_check:
        listed += [
            (f"check --stack {stack}", [*SCRIPT, "check", "--stack", stack], {}, 2.0) for stack in stack_names(ROOT)
        ]
    return listed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--no-check", action="store_true", help="leave out the offline check (the slow part)")
    args = parser.parse_args()
    floor_command = [sys.executable, "-c", "pass"]
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min) on {os.cpu_count()} cores")
    print(
        f"{'command':<26} {'median':>8} {'floor':>8} {'over floor':>11} {'target':>7}  {'within':<6}"
        f" {'CPU':>7} {'CPU floor':>10} {'CPU over':>9}"
    )
    for label, command, extra, target in cases(not args.no_check):
        reps = args.reps if target < 1 else max(1, args.reps // 3)
        run_timed(command, ROOT, extra)  # warm the file cache and write the .pyc files
        runs, floors = [], []
        for _ in range(reps):
            floors.append(run_timed(floor_command, ROOT))
            runs.append(run_timed(command, ROOT, extra))
        median, floor = statistics.median(r.wall for r in runs), statistics.median(f.wall for f in floors)
        cpu, floor_cpu = statistics.median(r.cpu for r in runs), statistics.median(f.cpu for f in floors)
        over = median - floor
        print(
            f"{label:<26} {median:>7.3f}s {floor:>7.3f}s {over:>10.3f}s {target:>6.2f}s"
            f"  {'yes' if over <= target else 'NO':<6}"
            f" {cpu:>6.3f}s {floor_cpu:>9.3f}s {cpu - floor_cpu:>8.3f}s"
        )
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end")


if __name__ == "__main__":
    main()
