"""The release engine (bluegreen/rollout.py) with real analysis: `bluegreen release` as the CLI runs it, with
HAProxy, Prometheus and the replicas on loopback instead of Docker.

Each `up` runs the real program under mocks and HAProxy then serves the weights it decided;
the analysis is `build_analysis` on the stack's own `bluegreen:rollout`. Real clock, short intervals.
"""

import threading

import pytest
from rollout_support import Recorder, update_weights

from bluegreen.analysis import build_analysis
from bluegreen.rollout import Rollout, Timing
from bluegreen.rollout_plan import plan_release
from bluegreen.stack_files import spec_of
from testkit.lab.canary_lab import canary_lab
from testkit.lab.router import LOOPBACK
from testkit.lab.tcp_gate import TcpGate

pytestmark = pytest.mark.analysis

# One-second windows hold 15 of the candidate's requests at 5% of 300 req/s: the sample a verdict needs
# is scaled down with the window (a real stack keeps the default 100, see docs/analysis.md).
ERROR_RATE = {"name": "error-rate", "template": "errorRate", "max": 0.01, "minRequests": 10}
LATENCY = {"name": "latency", "template": "latencyP99", "max": "25ms", "relativeTo": "live", "minRequests": 10}


def strategy(pause: str, inconclusive_limit: int, metrics=(ERROR_RATE,), weights=(5, 25)) -> dict:
    steps: list[dict] = []
    for weight in weights:
        steps += [{"setWeight": weight}, {"pause": pause}]
    return {
        "steps": [*steps, {"setWeight": 100}],
        "analysis": {"interval": "1s", "failureLimit": 0, "inconclusiveLimit": inconclusive_limit,
                     "metrics": [dict(m) for m in metrics]},
    }


def release(lab):
    spec = spec_of(lab.driver.config())
    plan = plan_release(lab.driver.config(), "lab/web:1.5.0")
    recorder = Recorder()
    rollout = Rollout(
        plan, lab.driver, [], recorder, Timing(wait_timeout=10, poll_interval=0.5),
        analysis=lambda outputs: build_analysis(spec, outputs, "lab", lab.driver.config()),
    )
    return rollout.run(), recorder


def served_green_weight(lab) -> int:
    return sum(int(r["weight"]) for r in lab.router.server_stats()
               if r["pxname"] == "production" and r["svname"].startswith("green"))


def test_the_engine_takes_a_good_candidate_25_50_100_on_measured_traffic(lab_prometheus):
    # Latency on docker is no data until each server has 100 responses since the reload, and every pause
    # needs a conclusive measurement of every metric: at 25% of 300 req/s that takes about 3 of the 6 s.
    good = strategy("6s", 8, metrics=(ERROR_RATE, LATENCY), weights=(25, 50))
    with canary_lab(good, shared=lab_prometheus) as lab:
        result, recorder = release(lab)
        assert (result.outcome, result.exit_code) == ("done", 0), result.message
        assert update_weights(lab.driver) == [(100, 0), (75, 25), (50, 50), (0, 100), (0, 100)]  # + the record
        assert lab.router.server("production", "blue-0")["weight"] == "0"
        lines = [line for _, line in recorder.measured]  # one printed line per metric per interval
        assert not [line for line in lines if ": FAIL" in line]
        # Not a vacuous pass: green's measured error rate really was 0, interval after interval.
        assert len([line for line in lines if line.startswith("error-rate green 0 vs <= 0.01: PASS [0/")]) >= 4


def test_the_engine_pauses_when_prometheus_stops_and_never_promotes(lab_prometheus):
    # The analysis reaches the session's Prometheus through a gate that shuts 3 s in: from then on every
    # connection is refused, as when Prometheus stops, and the shared Prometheus lives on.
    upstream = (LOOPBACK, lab_prometheus.prometheus.port)
    with TcpGate(upstream) as gate, canary_lab(strategy("30s", 2), shared=lab_prometheus,
                                               prometheus_address=gate.address) as lab:
        stopper = threading.Timer(3, gate.close)
        stopper.start()
        try:
            result, _ = release(lab)
        finally:
            stopper.cancel()
        assert result.outcome == "paused", result.message
        # A provider down is counted apart from no data: consecutiveErrorLimit (default 4), then a pause.
        assert result.message.startswith("analysis provider failing at step 'hold green at 5% for 30s': ")
        assert "prometheus unreachable" in result.message and "consecutiveErrorLimit 4" in result.message
        assert update_weights(lab.driver) == [(100, 0), (95, 5)]
        assert served_green_weight(lab) > 0
