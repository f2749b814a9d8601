"""Generated interleavings of steps, failures and interrupts: no ending leaves a stack half-moved.

Hypothesis draws a strategy (weights and pauses), which update fails, when the
candidate turns unhealthy, when the analysis fails or has no data, when a signal
arrives and in which `--on-interrupt` mode, when a colleague flips the stack back
by hand, and when someone runs `bluegreen pause`. Whatever happens, the run ends
with config summing to 100, config equal to the deployed weights, and an exit code
from the documented set. The driver here keeps config and "deployed" weights in
memory (the real program under mocks is exercised by the CLI tests), so a few
hundred runs take seconds.
"""

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rollout_support import FakeClock, Recorder, ScriptedGate, docker_config

from bluegreen.analysis.measurement import Measurement
from bluegreen.rollout import EXIT_CODES, Rollout, Timing
from bluegreen.rollout_plan import plan_release, plan_resume, plan_rollback
from bluegreen.stack_driver import UpdateFailedError
from bluegreen.stack_files import set_path
from components.spec import Traffic


class MemoryDriver:
    """Config and deployed weights in memory; update number `fail_on` raises after config was written."""

    name = "local"

    def __init__(self, config: dict[str, Any], fail_on: int | None):
        self._config = copy.deepcopy(config)
        traffic = config["bluegreen:traffic"]
        self.deployed = (traffic["blue"], traffic["green"])
        self.fail_on = fail_on
        self.ups = 0
        self._tags: dict[str, str] = {}

    def config(self) -> dict[str, Any]:
        return copy.deepcopy(self._config)

    def set_config_paths(self, values):
        config = self._config
        for path, value in values.items():
            config = set_path(config, path, value)
        self._config = config

    def up(self, on_output, message=None):
        self.ups += 1
        if self.ups == self.fail_on:
            raise UpdateFailedError(f"provider error on update {self.ups}")
        traffic = self._config["bluegreen:traffic"]
        self.deployed = (traffic["blue"], traffic["green"])
        return self.outputs()

    def outputs(self):
        return {"weights": {"blue": self.deployed[0], "green": self.deployed[1]}}

    def tags(self):
        return dict(self._tags)

    def set_tag(self, key, value):
        self._tags[key] = value

    def remove_tag(self, key):
        self._tags.pop(key, None)


class Signal:
    """Interrupts the engine once `at` seconds of fake time have passed."""

    def __init__(self, clock: FakeClock, at: float | None):
        self.clock, self.at = clock, at

    @property
    def requested(self) -> str | None:
        return "interrupted (Ctrl-C)" if self.at is not None and self.clock.now >= self.at else None


class Verdicts:
    def __init__(self, script: list[str]):
        self.script, self.calls = script, 0

    def measure(self, candidate, live):
        verdict = self.script[min(self.calls, len(self.script) - 1)]
        self.calls += 1
        return [Measurement("error-rate", candidate, 0.5, "<= 0.01", verdict)]  # type: ignore[arg-type]


weights_strategy = st.lists(st.integers(1, 99), max_size=3, unique=True).map(lambda ws: [*sorted(ws), 100])
scenario = st.fixed_dictionaries({
    "weights": weights_strategy,
    "pauses": st.lists(st.sampled_from(["5s", "20s", None, "manual"]), min_size=4, max_size=4),
    "fail_on": st.none() | st.integers(1, 6),
    "unhealthy_from": st.none() | st.integers(1, 100),
    "verdicts": st.lists(st.sampled_from(["pass", "fail", "inconclusive"]), min_size=1, max_size=4),
    "interrupt_at": st.none() | st.floats(0, 60),
    "meddle_at": st.none() | st.integers(0, 40),
    "pause_request_at": st.none() | st.integers(0, 40),
    "on_interrupt": st.sampled_from(["rollback", "pause"]),
    "then": st.sampled_from(["nothing", "resume", "rollback"]),
})


def config_for(drawn) -> dict[str, Any]:
    steps: list[dict[str, Any]] = []
    for weight, pause in zip(drawn["weights"], drawn["pauses"], strict=False):
        steps.append({"setWeight": weight})
        if pause == "manual":
            steps.append({"pause": {}})
        elif pause is not None:
            steps.append({"pause": pause})
    rollout = {
        "steps": steps,
        "analysis": {"interval": "10s", "failureLimit": 1, "inconclusiveLimit": 1,
                     "metrics": [{"name": "error-rate", "template": "errorRate", "max": 0.01}]},
    }
    return {**docker_config(), "bluegreen:rollout": rollout}


def run_once(plan, driver, drawn, interrupt_at):
    clock = FakeClock()

    meddle = {"at": drawn.get("meddle_at")}

    def sleep(seconds):
        clock.sleep(seconds)
        if meddle["at"] is not None and clock.now >= meddle["at"]:
            # A colleague flips everything back by hand, both weights, and deploys it.
            meddle["at"] = None
            driver.set_config_paths({"bluegreen:traffic.blue": 100, "bluegreen:traffic.green": 0})
            driver.fail_on, saved = None, driver.fail_on
            driver.up(lambda line: None)
            driver.fail_on = saved

    def paused_by():
        at = drawn.get("pause_request_at")
        return "bob on laptop" if at is not None and clock.now >= at else None

    gate = ScriptedGate(lambda color, spec: drawn["unhealthy_from"] is None
                        or spec.traffic.of(color) < drawn["unhealthy_from"])
    verdicts = Verdicts(drawn["verdicts"])
    rollout = Rollout(plan, driver, [gate], Recorder(), Timing(wait_timeout=4, poll_interval=2), clock=clock,
                      sleep=sleep, analysis=lambda outputs: verdicts, interrupts=Signal(clock, interrupt_at),
                      on_interrupt=drawn["on_interrupt"], pause_requested=paused_by)
    return rollout.run()


def assert_invariants(driver: MemoryDriver, exit_code: int) -> None:
    traffic = driver.config()["bluegreen:traffic"]
    assert traffic["blue"] + traffic["green"] == 100
    assert (traffic["blue"], traffic["green"]) == driver.deployed
    assert exit_code in EXIT_CODES.values()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario)
def test_every_interleaving_ends_with_config_equal_to_the_deployed_weights(drawn):
    config = config_for(drawn)
    driver = MemoryDriver(config, drawn["fail_on"])
    result = run_once(plan_release(config, "repo/web:1.5.0"), driver, drawn, drawn["interrupt_at"])

    if result.outcome == "rollback_failed":
        # The one ending that needs a human: the rollback's own update failed, and the message says how.
        assert "pulumi config set-all --path" in result.message
        return
    assert_invariants(driver, result.exit_code)
    # Nothing here raises inside the engine: every ending is one it chose, never a crash turned failure.
    assert "Error:" not in result.message or "provider error" in result.message
    if result.outcome in ("rolled_back", "failed", "done"):
        assert driver.deployed in ((100, 0), (0, 100))

    # Whatever the stop, the tool's own next command works from what the stack holds.
    driver.fail_on = None
    current = driver.config()
    deployed = Traffic(blue=driver.deployed[0], green=driver.deployed[1])
    if drawn["then"] == "resume" and driver.deployed[0] not in (0, 100):
        calm = {**drawn, "unhealthy_from": None, "meddle_at": None, "pause_request_at": None}
        follow = run_once(plan_resume(current, deployed, candidate="green"), driver, calm, None)
        assert_invariants(driver, follow.exit_code)
    elif drawn["then"] == "rollback":
        calm = {**drawn, "meddle_at": None, "pause_request_at": None}
        # A stop before the first write leaves no record: then the operator names the color.
        to = None if "bluegreen:release" in current else "blue"
        follow = run_once(plan_rollback(current, deployed=deployed, to=to), driver, calm, None)
        assert_invariants(driver, follow.exit_code)
        assert follow.outcome in ("done", "failed")
