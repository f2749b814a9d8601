"""How many resources per second the policy pack judges over its gRPC analyzer protocol.

Builds stacks of 100, 1,000 and 5,000 resources by replicating what the project's own
program registers (AWS prod, Kubernetes with a Gateway, local Docker; each copy renamed
so the copies are distinct apps), starts the pack once as the engine does, and times
one `Analyze` call per resource and one `AnalyzeStack` call with all of them, under the
prod config (every rule mandatory). Prints the figures; asserts nothing. Sizes that are
not whole copies of the template are topped up with Docker resources, which no stack
rule links to others, so the violations column stays 0 unless a rule really fires.

Run: .venv/bin/python bench/policy_throughput.py
"""

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bluegreen.policy_client import PolicyPackProcess, load_stack_config
from bluegreen.program_run import RegisteredResource, run_config
from bluegreen.stack_files import stack_config

SIZES = (100, 1_000, 5_000)
SOURCES = (
    ("prod", {}),
    (
        "prod",
        {
            "bluegreen:platform": "kubernetes",
            "bluegreen:kubernetes.gateway.name": "public",
            "bluegreen:kubernetes.gateway.hostname": "web.example.com",
        },
    ),
    ("local", {}),
)


def program_resources() -> list[RegisteredResource]:
    """Every custom resource the real program registers for each source stack."""
    found: list[RegisteredResource] = []
    for stack, overrides in SOURCES:
        run = run_config(stack_config(stack, overrides), stack=stack)
        found.extend(r for r in run.resources.values() if r.custom)
    return found


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
    """Whole renamed copies of the template, then standalone resources up to `size`.

    Cutting a copy short would split linked resources (a Deployment from its PDB) and
    report a violation that only the benchmark created.
    """
    copies, rest = divmod(size, len(base))
    whole = [renamed(resource, copy) for copy in range(copies) for resource in base]
    standalone = [r for r in base if r.type.startswith("docker:")]
    top_up = [renamed(standalone[i % len(standalone)], copies + i // len(standalone)) for i in range(rest)]
    return whole + top_up


def main() -> None:
    base = program_resources()
    print(f"template: {len(base)} custom resources from the program ({', '.join(s for s, _ in SOURCES)})")
    started = time.perf_counter()
    with PolicyPackProcess(config=load_stack_config("prod")) as pack:
        print(
            f"pack start + GetAnalyzerInfo + Configure: {time.perf_counter() - started:.2f} s, "
            f"{len(pack.policy_names())} policies"
        )
        print(
            f"{'resources':>10} {'Analyze s':>10} {'res/s':>9} {'AnalyzeStack s':>15} {'res/s':>9} {'violations':>11}"
        )
        for size in SIZES:
            resources = stack_of(size, base)
            t0 = time.perf_counter()
            per_resource = pack.analyze(resources)
            t1 = time.perf_counter()
            stack = pack.analyze_stack(resources)
            t2 = time.perf_counter()
            print(
                f"{size:>10,} {t1 - t0:>10.2f} {size / (t1 - t0):>9,.0f} {t2 - t1:>15.2f} "
                f"{size / (t2 - t1):>9,.0f} {len(per_resource) + len(stack):>11}"
            )


if __name__ == "__main__":
    main()
