"""How long the `bluegreen` CLI takes to answer, as a ratio to starting Python at all.

Each figure is a fresh process, as a shell runs it: `--help`, `--version`, a command's `--help`, TAB
completion of a command name and of a stack name (the completion script sets the same variables),
and `check --stack <s>` for every stack of this repository. The floor is `python -c pass` started the
same way, measured in the same run, interleaved with the commands, so a busy machine moves both.
Figures are medians of --reps runs; the targets are the issue's (help and version 0.25 s, completion
0.15 s, check 2 s). Prints the figures; asserts nothing.

Run: .venv/bin/python bench/cli_speed.py [--reps 7] [--no-check]
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bluegreen.project import stack_names  # noqa: E402

SCRIPT = [sys.executable, "-m", "bluegreen"]


def completion(words: str) -> dict[str, str]:
    """The variables bash sets for TAB after `words` (the script `--install-completion` writes)."""
    return {"_BLUEGREEN_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split(" ")) - 1)}


def cases(with_check: bool) -> list[tuple[str, list[str], dict[str, str], float]]:
    """(label, command, extra environment, target seconds)."""
    listed = [
        ("--help", [*SCRIPT, "--help"], {}, 0.25),
        ("--version", [*SCRIPT, "--version"], {}, 0.25),
        ("release --help", [*SCRIPT, "release", "--help"], {}, 0.25),
        ("complete a command", [*SCRIPT], completion("bluegreen re"), 0.15),
        ("complete a stack", [*SCRIPT], completion("bluegreen status --stack "), 0.15),
    ]
    if with_check:
        listed += [
            (f"check --stack {stack}", [*SCRIPT, "check", "--stack", stack], {}, 2.0) for stack in stack_names(ROOT)
        ]
    return listed


def timed(command: list[str], extra: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env={**os.environ, **extra}, capture_output=True, check=False, timeout=120)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--no-check", action="store_true", help="leave out the offline check (the slow part)")
    args = parser.parse_args()
    floor_command = [sys.executable, "-c", "pass"]
    print(f"{'command':<26} {'median':>8} {'floor':>8} {'over floor':>11} {'target':>7}  within")
    for label, command, extra, target in cases(not args.no_check):
        reps = args.reps if target < 1 else max(1, args.reps // 3)
        timed(command, extra)  # warm the file cache and the .pyc files
        times, floors = [], []
        for _ in range(reps):
            floors.append(timed(floor_command, {}))
            times.append(timed(command, extra))
        median, floor = statistics.median(times), statistics.median(floors)
        over = median - floor
        print(
            f"{label:<26} {median:>7.3f}s {floor:>7.3f}s {over:>10.3f}s {target:>6.2f}s  "
            f"{'yes' if over <= target else 'NO'} ({median / floor:.1f}x the floor)"
        )


if __name__ == "__main__":
    main()
