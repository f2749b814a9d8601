"""How `k8s-router-backends-identical-probes` grows with the number of Deployments behind one router.

The hostile shape: two Services that select one app by color (a selector flip), and N
Deployments behind them whose probes all differ, so there is no majority and every one is an
outlier. Comparing each outlier with every other backend made the rule quadratic (800
resources took 13 s). The rule is timed in-process on the parsed resources (the fastest of 3),
at 5,000 and 10,000 Deployments, and once more at each size through the pack over gRPC
(`AnalyzeStack`, which adds the protocol and the parse). Linear growth is 2.0; the target is
at most 2.2. Prints the figures; asserts nothing.

Run: .venv/bin/python bench/probe_rule_growth.py [--sizes 5000,10000]
"""

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bluegreen.policy_client import PACK_DIR, PolicyPackProcess
from bluegreen.program_run import RegisteredResource

sys.path.insert(0, str(PACK_DIR))
from rules.kubernetes_stack import router_backends_identical_probes
from rules.spec import StackResource

REPEAT = 3
CONFIG = {"colorLabels": ["color"]}
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
SERVICE = "kubernetes:core/v1:Service"


def _resource(type_token: str, name: str, inputs: dict[str, Any]) -> RegisteredResource:
    urn = f"urn:pulumi:bench::bluegreen::{type_token}::{name}"
    return RegisteredResource(urn=urn, type=type_token, name=name, inputs=inputs, parent="", custom=True)


def hostile(deployments: int) -> list[RegisteredResource]:
    """Two Services of one app, and `deployments` blue Deployments with pairwise different probes."""
    resources = [
        _resource(SERVICE, f"web-{color}", {"metadata": {"name": f"web-{color}"},
                                            "spec": {"selector": {"app": "web", "color": color}}})
        for color in ("blue", "green")
    ]
    for n in range(deployments):
        probe = {"httpGet": {"path": f"/health/{n}", "port": 8080}, "periodSeconds": 10}
        container = {"name": "web", "image": "repo/web:1.4.2", "readinessProbe": probe}
        labels = {"app": "web", "color": "blue"}
        spec = {"replicas": 2, "selector": {"matchLabels": labels},
                "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}}}
        resources.append(_resource(DEPLOYMENT, f"web-{n}", {"spec": spec}))
    return resources


def _stack(resources: list[RegisteredResource]) -> list[StackResource]:
    return [StackResource(type=r.type, urn=r.urn, name=r.name, props=r.inputs) for r in resources]


def in_process(resources: list[RegisteredResource]) -> tuple[float, int]:
    stack = _stack(resources)
    best, found = float("inf"), 0
    for _ in range(REPEAT):
        start = time.perf_counter()
        found = len(router_backends_identical_probes(stack, CONFIG))
        best = min(best, time.perf_counter() - start)
    return best, found


def over_grpc(pack: PolicyPackProcess, resources: list[RegisteredResource]) -> float:
    start = time.perf_counter()
    pack.analyze_stack(resources)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5000,10000", help="two Deployment counts, the second twice the first")
    small, large = (int(s) for s in parser.parse_args().sizes.split(","))
    stacks = {size: hostile(size) for size in (small, large)}
    rule = {size: in_process(stacks[size]) for size in (small, large)}
    with PolicyPackProcess(PACK_DIR) as pack:
        pack.configure({"all": "mandatory"})
        grpc = {size: over_grpc(pack, stacks[size]) for size in (small, large)}
    print(f"{'deployments':>12} {'violations':>11} {'rule (s)':>10} {'AnalyzeStack (s)':>17}")
    for size in (small, large):
        print(f"{size:>12,} {rule[size][1]:>11,} {rule[size][0]:>10.3f} {grpc[size]:>17.2f}")
    print(f"growth {large:,}/{small:,}: rule {rule[large][0] / rule[small][0]:.2f}, "
          f"AnalyzeStack {grpc[large] / grpc[small]:.2f} (linear 2.0, target <= 2.2)")


if __name__ == "__main__":
    main()
