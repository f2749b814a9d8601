"""Verdict benchmark: does release analysis promote good releases and roll back bad ones?

Every run is a real release through the release engine (`bluegreen/rollout.py`, the plan
`plan_release` makes, `build_analysis` on the stack's own strategy) in the loopback lab: Debian's
HAProxy configured and reloaded as the docker component does, Debian's Prometheus scraping its
exporter, one blue and two green replicas, an open-loop load, and the real program under mocks
deciding every weight. Each scenario runs 3 times; the strategy is the same for all of them (one a
team would write), except that the post-promotion scenario adds its pause after 100%.

Printed: a confusion matrix (promoted / rolled back / paused per scenario), the time from the
candidate's first bad request to the verdict against the bound initialDelay + interval x
(failureLimit + 1) + one update, and the requests that failed for users against the count the
candidate's weight and error rate predict. The last line reads
`verdicts: bad promoted B/N, good rolled back G/M, paused P`.

Run: `.venv/bin/python bench/analysis_verdicts.py` (about 45 minutes) or `--quick` (one 50% step,
scaled-down intervals and pauses, under 5 minutes). Needs `haproxy` and `prometheus` on PATH; loopback only.
"""

import argparse
import itertools
import math
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bluegreen.rollout_plan import Step
from testkit.lab.canary_lab import BASE_DELAY_MS, SharedPrometheus, canary_lab
from testkit.lab.color_server import Faults
from testkit.lab.release import after_promotion, release
from testkit.lab.router import free_port

REPEATS = 3


@dataclass(frozen=True)
class Mode:
    """Timings of one run of the benchmark: the full strategy, or scaled down for --quick."""

    weights: tuple[int, ...]
    pause: float
    interval: float
    initial_delay: float
    post_pause: float
    fault_after: float
    """How far into the post-promotion pause that scenario's candidate starts failing."""


# A window must hold a few hundred of the candidate's requests for the test against live to see a 5% error
# rate (225 at 5% of 300 req/s in 15 s; 300 at 50% in 2 s), and every pause holds three windows, as the
# prod policy asks, so that failureLimit 1 still has a window to spare. Quick mode trades the 5% first
# step for 50% to fit 24 releases in 5 minutes.
FULL = Mode(weights=(5, 25), pause=50, interval=15, initial_delay=5, post_pause=50, fault_after=10)
QUICK = Mode(weights=(50,), pause=7, interval=2, initial_delay=1, post_pause=7, fault_after=1)
FAILURE_LIMIT = 1
RATE = 300.0


HEALTHY = Faults(delay_ms=BASE_DELAY_MS)


@dataclass(frozen=True)
class Scenario:
    name: str
    bad: bool
    green: Faults = HEALTHY
    blue: Faults = HEALTHY
    rate: float = RATE
    post_promotion: bool = False
    prometheus_down: bool = False


def scenarios(mode: Mode) -> list[Scenario]:
    base = BASE_DELAY_MS
    return [
        Scenario("bad: 5% random errors", True, green=Faults(delay_ms=base, error_probability=0.05)),
        Scenario("bad: 20% errors at 2 req/s", True, green=Faults(delay_ms=base, error_probability=0.2), rate=2),
        Scenario("bad: router-generated 502s", True, green=Faults(delay_ms=base, malformed_probability=0.05)),
        Scenario("bad: +400ms tail on 2%", True, green=Faults(delay_ms=base, slow_probability=0.02, slow_ms=400)),
        Scenario("bad: errors after promotion", True, post_promotion=True,
                 green=Faults(delay_ms=base, error_probability=0.05, on_signal=True, after_seconds=mode.fault_after)),
        Scenario("good: live and candidate err 3%", False, green=Faults(delay_ms=base, error_probability=0.03),
                 blue=Faults(delay_ms=base, error_probability=0.03)),
        Scenario("good: identical 40ms colors", False, green=Faults(delay_ms=40), blue=Faults(delay_ms=40)),
        Scenario("bad: prometheus down", True, green=Faults(delay_ms=base, error_probability=0.05),
                 prometheus_down=True),
    ]


def strategy(mode: Mode, scenario: Scenario) -> dict:
    steps: list[dict] = []
    for weight in mode.weights:
        steps += [{"setWeight": weight}, {"pause": f"{mode.pause:g}s"}]
    steps.append({"setWeight": 100})
    metrics: list[dict] = [
        # Against live: a one-sided test of two proportions, failing only when the candidate is worse by
        # more than 1 point at 95% confidence.
        {"name": "error-rate", "template": "errorRate", "max": 0.01, "relativeTo": "live"},
        # On docker, the mean response time of the color's worst server (docs/analysis.md).
        {"name": "latency", "template": "latencyP99", "max": "5ms", "relativeTo": "live"},
    ]
    if scenario.post_promotion:
        # After 100% there is no live traffic to compare with: an absolute bound judges that pause.
        steps.append({"pause": f"{mode.post_pause:g}s"})
        metrics.append({"name": "error-rate-absolute", "template": "errorRate", "max": 0.01})
    return {
        "steps": steps,
        "analysis": {
            "interval": f"{mode.interval:g}s",
            "initialDelay": f"{mode.initial_delay:g}s",
            "failureLimit": FAILURE_LIMIT,
            "metrics": metrics,
        },
    }


@dataclass
class Run:
    outcome: str
    message: str
    verdict_seconds: float | None
    bound_seconds: float
    failed: int
    expected_failed: float
    measured: list[str] = field(default_factory=list)


def failure_probability(faults: Faults) -> float:
    every = 1 / faults.error_every if faults.error_every else 0.0
    return min(1.0, every + faults.error_probability + faults.malformed_probability)


def run_once(mode: Mode, scenario: Scenario, shared: SharedPrometheus) -> Run:
    lab_started = time.monotonic()
    dead = f"http://127.0.0.1:{free_port()}" if scenario.prometheus_down else None
    with canary_lab(strategy(mode, scenario), green_faults=scenario.green, blue_faults=scenario.blue,
                    rate=scenario.rate, threads=16 if scenario.rate > 10 else 2, shared=shared, keep_alive=False,
                    prometheus_address=dead) as lab:
        signalled: list[float] = []

        def on_step(step: Step) -> None:
            if scenario.green.on_signal and after_promotion(step):
                lab.start_faults("green")
                signalled.append(time.monotonic())

        result, timeline = release(lab, on_step=on_step)
        ended = time.monotonic()
        updates = lab.driver.timed_updates
        outcomes = lab.load.since(lab_started)
    moved = [(served, weight) for _, served, weight in updates if weight > 0]
    first_traffic = moved[0][0] if moved else ended
    faults_from = (signalled[0] if signalled else math.inf) if scenario.green.on_signal else lab_started
    onset = max(first_traffic, faults_from + scenario.green.after_seconds)
    update_seconds = statistics.mean(served - started for started, served, _ in updates) if updates else 0.0
    bound = mode.initial_delay + mode.interval * (FAILURE_LIMIT + 1) + update_seconds
    verdict = None
    if result.outcome == "rolled_back":
        verdict = updates[-1][1] - onset  # the rollback's update, served
    elif result.outcome == "paused":
        verdict = ended - onset
    # What users should have seen fail: each stretch between updates, at its weights and error rates.
    expected = 0.0
    marks = [(served, weight) for _, served, weight in updates] + [(ended, 0)]
    for (start, weight), (stop, _) in itertools.pairwise(marks):
        for faults, share, since in ((scenario.green, weight / 100, faults_from), (scenario.blue, 1 - weight / 100,
                                                                               lab_started)):
            active_from = max(start, since + faults.after_seconds)
            count = sum(1 for o in outcomes if active_from <= o.started < stop)
            expected += count * share * failure_probability(faults)
    failed = sum(1 for o in outcomes if not o.ok and o.started >= first_traffic)
    lines = [line for _, line in timeline.measured]
    return Run(result.outcome, result.message, verdict, bound, failed, expected, lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="scaled-down intervals and pauses, under 5 minutes")
    parser.add_argument("--verbose", action="store_true", help="print every run's measurements")
    args = parser.parse_args()
    mode = QUICK if args.quick else FULL
    print(f"mode: {'quick' if args.quick else 'full'}; steps {', '.join(f'{w}%' for w in mode.weights)} then 100%, "
          f"pause {mode.pause:g}s each; interval {mode.interval:g}s, initialDelay {mode.initial_delay:g}s, "
          f"failureLimit {FAILURE_LIMIT}; load {RATE:g} req/s unless the scenario says; {REPEATS} runs each")
    started = time.monotonic()
    rows = []
    with SharedPrometheus() as shared:
        for scenario in scenarios(mode):
            runs = [run_once(mode, scenario, shared) for _ in range(REPEATS)]
            rows.append((scenario, runs))
            if args.verbose:
                for run in runs:
                    print(f"  {scenario.name}: {run.outcome}: {run.message}")
                    for line in run.measured:
                        print(f"    {line}")
    print()
    print("verdict after: from the candidate's first faulty request to the update that rolled back (or the pause); "
          "bound: initialDelay + interval x (failureLimit + 1) + one update; medians over the runs with a verdict")
    header = (f"{'scenario':36} {'promoted':>8} {'rolled back':>11} {'paused':>6}  "
              f"{'verdict after (bound, ratio)':>29}  failed requests (expected)")
    print(header)
    print("-" * len(header))
    for scenario, runs in rows:
        counts = {o: sum(1 for r in runs if r.outcome == o) for o in ("done", "rolled_back", "paused")}
        times = [r.verdict_seconds for r in runs if r.verdict_seconds is not None]
        median, bound = (statistics.median(times), runs[0].bound_seconds) if times else (0.0, 1.0)
        shown = f"{median:.1f}s ({bound:.1f}s, {median / bound:.2f})" if times else "-"
        failed = "/".join(str(r.failed) for r in runs)
        expected = "/".join(f"{r.expected_failed:.0f}" for r in runs)
        print(f"{scenario.name:36} {counts['done']:>8} {counts['rolled_back']:>11} {counts['paused']:>6}  "
              f"{shown:>29}  {failed} ({expected})")
        other = [r for r in runs if r.outcome not in counts]
        for run in other:
            print(f"  {scenario.name}: {run.outcome}: {run.message}")
    bad = [r for s, runs in rows if s.bad for r in runs]
    good = [r for s, runs in rows if not s.bad for r in runs]
    bad_promoted = sum(1 for r in bad if r.outcome == "done")
    good_rolled_back = sum(1 for r in good if r.outcome == "rolled_back")
    paused = sum(1 for _, runs in rows for r in runs if r.outcome == "paused")
    detected = sum(1 for r in bad if r.outcome == "rolled_back")
    print()
    print(f"bad releases rolled back {detected}/{len(bad)} ({detected / len(bad):.0%}), "
          f"paused {sum(1 for r in bad if r.outcome == 'paused')}/{len(bad)}; "
          f"good releases promoted {sum(1 for r in good if r.outcome == 'done')}/{len(good)}; "
          f"took {time.monotonic() - started:.0f}s")
    print(f"verdicts: bad promoted {bad_promoted}/{len(bad)}, good rolled back {good_rolled_back}/{len(good)}, "
          f"paused {paused}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
