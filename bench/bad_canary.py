"""A bad canary through real HAProxy and real Prometheus: analysis rolls it back; health gates alone never do.

The candidate (green) answers /health 200 but one request in 20 on / with a 500 (5%).
The strategy sends it 5%, then pauses; analysis measures its error rate every INTERVAL
through the router's exporter and Prometheus (the docker templates, built by
`build_analysis`), and rolls back after FAILURE_LIMIT + 1 failed measurements. The
weights come from the real program under mocks; HAProxy reloads as the component does.

Printed, from one run:
- time from the weight change to the finished rollback, against the bound
  interval x (failureLimit + 1) + one update (the update time measured in the same run);
- requests that failed for users during the canary, against
  weight x error rate x detection time x request rate (the measured rate);
- the same candidate under today's health-only gates (same pause, then promoted, since
  /health stays 200): failed requests in the same window and per minute afterwards,
  as the baseline, and the ratio.

Run: `.venv/bin/python bench/bad_canary.py` (or `make bench`). Needs `haproxy` and `prometheus` on
PATH; loopback only; about 50 seconds.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from testkit.lab.canary import run_canary
from testkit.lab.canary_lab import SharedPrometheus, canary_lab

RATE = 300.0
"""Offered load, requests per second (open loop)."""
ERROR_EVERY = 20
"""The candidate fails one request in this many on `/`: 5%."""
WEIGHT = 5
INTERVAL_SECONDS = 3.0
"""Long enough that one window holds about 40 of green's requests at 5% of RATE, so its 5% errors show
(about 2 per window); with 1 s windows many hold none and the bound below is missed."""
FAILURE_LIMIT = 1
PAUSE_SECONDS = 20.0
"""The first pause; analysis ends it early, the baseline sits through it and then promotes."""
AFTER_PROMOTION_SECONDS = 5.0


def strategy(with_analysis: bool) -> dict:
    rollout: dict = {
        "steps": [{"setWeight": WEIGHT}, {"pause": f"{PAUSE_SECONDS:g}s"}, {"setWeight": 100}],
    }
    if with_analysis:
        rollout["analysis"] = {
            "interval": f"{INTERVAL_SECONDS:g}s",
            "failureLimit": FAILURE_LIMIT,
            # At 5% a one-second window may hold no request of green's: no data, not a verdict.
            "inconclusiveLimit": 20,
            # A 3 s window holds about 45 of green's requests at 5% of 300 req/s: the sample is scaled down
            # with the window (a real stack keeps minRequests' default of 100 with a longer interval).
            "metrics": [{"name": "error-rate", "template": "errorRate", "max": 0.01, "minRequests": 30}],
        }
    return rollout


def failed(lab, start: float, end: float) -> int:
    return sum(1 for o in lab.load.between(start, end) if not o.ok)


def rate(lab, start: float, end: float) -> float:
    return len(lab.load.between(start, end)) / (end - start)


def with_analysis(shared: SharedPrometheus) -> dict:
    with canary_lab(strategy(True), green_error_every=ERROR_EVERY, rate=RATE, shared=shared,
                    keep_alive=False) as lab:
        spec = lab.spec.rollout
        assert spec.analysis is not None
        updates: list[float] = []

        def timed_update(weight: int) -> None:
            started = time.monotonic()
            lab.set_weight(weight)
            updates.append(time.monotonic() - started)

        run = run_canary(spec.expanded_steps(), lab.analysis(), spec.analysis, timed_update, "green", "blue")
        assert run.outcome == "rolled_back", run.message
        changed, rolled_back = run.weights[0][0], run.weights[-1][0]
        assert run.rollback_started is not None
        return {
            "message": run.message,
            "update": updates[0],
            "detection": run.rollback_started - changed,
            "to_rollback": rolled_back - changed,
            "failed": failed(lab, changed - updates[0], rolled_back),
            "rate": rate(lab, changed, rolled_back),
        }


def health_only(shared: SharedPrometheus) -> dict:
    with canary_lab(strategy(False), green_error_every=ERROR_EVERY, rate=RATE, shared=shared,
                    keep_alive=False) as lab:
        started = time.monotonic()
        lab.set_weight(WEIGHT)
        changed = time.monotonic()
        time.sleep(PAUSE_SECONDS)  # a health-gated bake: /health stays 200 throughout
        lab.set_weight(100)
        promoted = time.monotonic()
        time.sleep(AFTER_PROMOTION_SECONDS)
        end = time.monotonic()
        return {
            "canary_failed": failed(lab, started, promoted),
            "canary_seconds": promoted - changed,
            "after_failed": failed(lab, promoted, end),
            "after_seconds": end - promoted,
            "rate": rate(lab, changed, end),
        }


def main() -> None:
    with SharedPrometheus() as shared:
        judged = with_analysis(shared)
        baseline = health_only(shared)
    error_rate = 1 / ERROR_EVERY
    bound = INTERVAL_SECONDS * (FAILURE_LIMIT + 1) + judged["update"]
    expected = WEIGHT / 100 * error_rate * judged["detection"] * judged["rate"]
    print(f"bad canary: {WEIGHT}% to a candidate failing {error_rate:.0%} of requests on /, /health 200")
    print(f"load: {judged['rate']:.0f} req/s offered {RATE:g}; analysis interval {INTERVAL_SECONDS:g}s, "
          f"failureLimit {FAILURE_LIMIT}")
    print(f"rollback: {judged['message']}")
    print(f"time from weight change to rollback done: {judged['to_rollback']:.2f}s "
          f"(detection {judged['detection']:.2f}s + rollback update); bound interval x (failureLimit + 1) "
          f"+ one update = {bound:.2f}s; ratio {judged['to_rollback'] / bound:.2f}")
    ratio = judged["failed"] / expected if expected else float("nan")
    print(f"failed user requests during the canary: {judged['failed']} vs weight x error rate x detection "
          f"time x request rate = {expected:.1f}; ratio {ratio:.2f}")
    per_minute = baseline["after_failed"] / baseline["after_seconds"] * 60
    print(f"baseline (health-only gates, never roll back): {baseline['canary_failed']} failed during the same "
          f"{baseline['canary_seconds']:.0f}s pause, then promoted to 100%: {baseline['after_failed']} failed in "
          f"{baseline['after_seconds']:.0f}s ({per_minute:.0f}/min from then on, at {baseline['rate']:.0f} req/s)")
    total_baseline = baseline["canary_failed"] + baseline["after_failed"]
    print(f"failed requests, baseline / analysis over the measured windows: {total_baseline} / {judged['failed']}"
          f" = {total_baseline / max(judged['failed'], 1):.1f}x")


if __name__ == "__main__":
    main()
