"""Timing one fresh process for the benchmarks: its wall time and the CPU time it (and what it waited for) used.

Wall time moves with the machine's load; CPU time (user + sys, from `getrusage(RUSAGE_CHILDREN)`) moves
much less, because time spent waiting for a core is not counted. It includes every process the child
waited for, so the policy pack that `check` starts is counted in `check`'s CPU.

Every process runs with bytecode writes allowed (PYTHONDONTWRITEBYTECODE removed): an installed package
has its `.pyc` files (pip compiles them at install), so the first, warming run writes them and the timed
runs read them, as a user's would. Without this, an environment that sets PYTHONDONTWRITEBYTECODE makes
every run compile pulumi_aws and the other SDKs from source, about 0.8 s of CPU each time.
"""

import os
import resource
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float
    """user + sys of the process and of every child it waited for, in seconds"""
    stdout: str


def environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    return {**env, **(extra or {})}


def run_timed(command: list[str], cwd: Path, extra: dict[str, str] | None = None, check: bool = False) -> Timing:
    """Run `command` to its end; the process's wall and CPU time, and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=cwd, env=environment(extra), capture_output=True, text=True, check=check, timeout=300
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timing(wall, cpu, done.stdout)
