"""How many resources per second the policy pack judges over its gRPC analyzer protocol, against its floor.

For each platform (AWS prod, Kubernetes prod with a Gateway, local Docker) the stack
the project's own program registers is copied and renamed (`web` -> `web<n>`, so the
copies are distinct apps with their own links) up to about 1,000, 5,000 and 10,000
resources, whole copies only (a cut copy would split a Deployment from its budget and
report a violation only the benchmark made). Two packs run side by side under the prod
config (every rule mandatory), each started as the engine starts it:

- the pack: policies/ as shipped;
- the floor: the same policies, served the same way, with rule bodies that return
  nothing; what is left is the protocol, the SDK and the parse.

Each size times one `Analyze` call per resource and one `AnalyzeStack` call with all
of them (the fastest of 3), for both packs in alternation; requests are built before
the clock starts. The figure is the ratio pack/floor (1.00 means
the rules cost nothing); `AnalyzeStack` growth is its time at 10,000 over 5,000 (linear
is 2.0). Wall time is what a user waits; the pack process's CPU time is printed too, as it
moves far less on a busy machine. Prints the table; asserts nothing.

Run: .venv/bin/python bench/policy_throughput.py [--sizes 1000,5000,10000]
"""

import argparse
import gc
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bluegreen.policy_client import PACK_DIR, PolicyPackProcess, analyze_request, load_stack_config, stack_request
from bluegreen.program_run import RegisteredResource, run_config
from bluegreen.stack_files import stack_config
from testkit.stack_overrides import on_kubernetes

SIZES = (1_000, 5_000, 10_000)
# AnalyzeStack runs this many times per size and pack, and the fastest counts: the growth
# figure compares two single calls, which a busy machine skews most.
REPEAT = 3
PLATFORMS: dict[str, tuple[str, dict[str, Any]]] = {
    "aws": ("prod", {}),
    "kubernetes": (
        "prod",
        on_kubernetes(
            **{
                "bluegreen:kubernetes.gateway.name": "public",
                "bluegreen:kubernetes.gateway.hostname": "web.example.com",
            }
        ),
    ),
    "docker": ("local", {}),
}

# The floor pack: the real catalogue and serving path, every rule body a no-op.
NOOP_PACK = f"""
import sys
from dataclasses import replace

sys.path.insert(0, {str(PACK_DIR)!r})

from pulumi_policy import EnforcementLevel
from rules.analyzer import serve
from rules.catalog import RULES
from rules.policies import build
from rules.spec import Rule


def no_resource_violations(subject, config):
    return []


def no_stack_violations(resources, config):
    return []


noop = [replace(r, check=no_resource_violations if isinstance(r, Rule) else no_stack_violations) for r in RULES]
serve(name="bluegreen-floor", policies=build(noop), enforcement_level=EnforcementLevel.ADVISORY)
"""


def template(platform: str) -> list[RegisteredResource]:
    """Every custom resource the real program registers for the platform's stack."""
    stack, overrides = PLATFORMS[platform]
    run = run_config(stack_config(stack, overrides), stack=stack)
    return [r for r in run.resources.values() if r.custom]


def renamed(resource: RegisteredResource, copy: int) -> RegisteredResource:
    """The same resource for app `web<copy>`: names, labels and ARNs all move together."""

    def swap(text: str) -> str:
        return text.replace("web", f"web{copy}")

    return RegisteredResource(
        urn=swap(resource.urn),
        type=resource.type,
        name=swap(resource.name),
        inputs=json.loads(swap(json.dumps(resource.inputs))),
        parent=swap(resource.parent),
        custom=True,
    )


def stack_of(size: int, base: list[RegisteredResource]) -> list[RegisteredResource]:
    """Whole renamed copies of the template, as many as come closest to `size`."""
    copies = max(1, round(size / len(base)))
    return [renamed(resource, copy) for copy in range(copies) for resource in base]


_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int | None) -> float:
    """User plus system CPU time a process has used (Linux /proc): unlike wall time, other load adds little."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float
    """CPU seconds the pack process spent (client work is not in it)."""
    found: int


def timed(pack: PolicyPackProcess, call: Callable[[], list], repeat: int = 1) -> Timing:
    """The fastest of `repeat` runs (other processes only ever add time), and how many violations it found."""
    best: Timing | None = None
    for _ in range(repeat):
        cpu, started = cpu_seconds(pack.pid), time.perf_counter()
        found = len(call())
        run = Timing(time.perf_counter() - started, cpu_seconds(pack.pid) - cpu, found)
        best = run if best is None or run.wall < best.wall else best
    assert best is not None
    return best


def analyze_all(pack: PolicyPackProcess, requests: list[tuple[Any, str]]) -> list:
    return [v for request, urn in requests for v in pack.send_analyze(request, urn)]


def noop_pack_dir(root: Path) -> Path:
    pack = root / "floor"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (pack / "__main__.py").write_text(NOOP_PACK)
    return pack


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="comma-separated stack sizes")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    config = load_stack_config("prod")
    with tempfile.TemporaryDirectory() as root:
        started = time.perf_counter()
        floor_dir = noop_pack_dir(Path(root))
        with PolicyPackProcess(config=config) as pack, PolicyPackProcess(floor_dir, config=config) as floor:
            print(
                f"two packs started in {time.perf_counter() - started:.2f} s, "
                f"{len(pack.policy_names())} policies each (prod config: all mandatory)"
            )
            print(
                f"{'':<21} | {'Analyze, wall':^22} | {'Analyze, pack CPU':^22} | {'AnalyzeStack, wall s':^20} | "
                f"{'AnalyzeStack, CPU s':^20} |"
            )
            print(
                f"{'platform':<11}{'resources':>10} | {'res/s':>7} {'floor':>7} {'ratio':>6} | {'res/s':>7} "
                f"{'floor':>7} {'ratio':>6} | {'pack':>6} {'floor':>6} {'ratio':>6} | {'pack':>6} {'floor':>6} "
                f"{'ratio':>6} | {'violations':>10}"
            )
            growth = []
            for platform in PLATFORMS:
                base = template(platform)
                stack_times: dict[int, Timing] = {}
                for size in sizes:
                    resources = stack_of(size, base)
                    # This process's own copy of the stack must not slow its requests down: the collector
                    # would walk it on every full pass (the engine that normally sends them is not Python).
                    gc.collect()
                    gc.freeze()
                    count = len(resources)
                    # Requests are built once: the engine that sends them is Go, so only the pack's side is timed.
                    requests = [(analyze_request(r), r.urn) for r in resources]
                    whole = stack_request(resources)
                    f_one = timed(floor, lambda: analyze_all(floor, requests))  # noqa: B023 (called right away)
                    p_one = timed(pack, lambda: analyze_all(pack, requests))  # noqa: B023
                    f_all = timed(floor, lambda: floor.send_analyze_stack(whole), REPEAT)  # noqa: B023
                    p_all = timed(pack, lambda: pack.send_analyze_stack(whole), REPEAT)  # noqa: B023
                    stack_times[count] = p_all
                    gc.unfreeze()
                    print(
                        f"{platform:<11}{count:>10,} | {count / p_one.wall:>7,.0f} {count / f_one.wall:>7,.0f} "
                        f"{f_one.wall / p_one.wall:>6.2f} | {count / p_one.cpu:>7,.0f} {count / f_one.cpu:>7,.0f} "
                        f"{f_one.cpu / p_one.cpu:>6.2f} | {p_all.wall:>6.2f} {f_all.wall:>6.2f} "
                        f"{f_all.wall / p_all.wall:>6.2f} | {p_all.cpu:>6.2f} {f_all.cpu:>6.2f} "
                        f"{f_all.cpu / max(p_all.cpu, 0.01):>6.2f} | {p_one.found + p_all.found:>10}"
                    )
                counts = sorted(stack_times)
                if len(counts) >= 2:
                    small, large = stack_times[counts[-2]], stack_times[counts[-1]]
                    growth.append(
                        f"{platform}: wall {large.wall / small.wall:.2f}x, CPU {large.cpu / max(small.cpu, 0.01):.2f}x "
                        f"for {counts[-1] / counts[-2]:.2f}x the resources"
                    )
            print("ratio = pack resources/s over the floor's (1.00: the rule bodies cost nothing)")
            print("AnalyzeStack time, largest size over the one before (2.00x is linear): " + "; ".join(growth))


if __name__ == "__main__":
    main()
