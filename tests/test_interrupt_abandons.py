"""A signal cuts short whatever the engine waits for (a health check, a measurement, a hook): what was under
way is abandoned, never judged, and the release stops at once with config equal to what is deployed.
Notifications after an interrupt get a short deadline, so CI's 7.5 s are spent on the stack.

In process, with the real engine and the real program under mocks; tests/test_interrupt_exit.py does the
same with real processes and real signals, and measures the time to exit.
"""

import signal
import threading

from rollout_support import FakeClock, Recorder, docker_config, weights
from typer.testing import CliRunner

from bluegreen.cli import app
from bluegreen.cli_env import CliEnv
from bluegreen.deadline import Abandoned, Done, call_with_deadline
from bluegreen.health_gates import GateResult
from bluegreen.rollout import ABANDONED_CHECK, Rollout, Timing
from bluegreen.rollout_plan import Override, parse_steps, plan_release
from testkit.mock_driver import MockProgramDriver
from tests.loopback_http import QuietHandler, loopback_server

runner = CliRunner()


class Interrupts:
    requested: str | None = None
    mode = "pause"


class HangingGate:
    """Healthy until the candidate holds 50%; then the signal lands and the check never answers."""

    name = "hanging"

    def __init__(self, interrupts: Interrupts):
        self.interrupts = interrupts
        self.released = threading.Event()
        self.answered_after_signal = False

    def check(self, color, spec, outputs):
        if spec.traffic.of("green") == 50:
            self.interrupts.requested = "Ctrl-C"
            self.released.wait(30)
            self.answered_after_signal = True
        return GateResult(self.name, color, True, "ok")


def test_an_interrupt_abandons_the_health_check_under_way_and_the_release_stops_as_deployed():
    config = docker_config()
    driver = MockProgramDriver.deployed("local", config)
    plan = plan_release(config, "repo/web:1.5.0", Override(tuple(parse_steps("50,100")), 60.0))
    interrupts = Interrupts()
    gate = HangingGate(interrupts)
    clock = FakeClock()
    rollout = Rollout(plan, driver, [gate], Recorder(), Timing(wait_timeout=10, poll_interval=1),
                      clock=clock, sleep=clock.sleep, interrupts=interrupts, on_interrupt="pause")
    try:
        result = rollout.run()
        # Read before the release: once released, the abandoned check's thread answers at once, and
        # reading after it raced that thread (it failed under load).
        answered_before_the_release = gate.answered_after_signal
    finally:
        gate.released.set()

    assert result.outcome == "interrupted"
    assert result.exit_code == 130
    assert result.message.startswith(f"Ctrl-C during 'hold green at 50% for 1m': {ABANDONED_CHECK}")
    assert weights(driver) == (50, 50)
    assert driver.config()["bluegreen:traffic"] == {"blue": 50, "green": 50}
    assert not answered_before_the_release  # the release did not wait for the check's answer


def test_call_with_deadline_stops_waiting_when_asked_and_says_who_asked():
    never = threading.Event()
    asked = iter([None, None, "SIGTERM"])
    try:
        outcome = call_with_deadline(lambda: never.wait(30), 30, lambda: next(asked))
    finally:
        never.set()

    assert outcome == Abandoned("SIGTERM")
    assert call_with_deadline(lambda: 7, 5, lambda: None) == Done(7)


def test_after_an_interrupt_notifications_wait_2s_not_the_whole_deadline():
    class Hang(QuietHandler):
        def do_POST(self):  # noqa: N802 - http.server calls it by this name
            stop.wait(30)

    stop = threading.Event()
    with loopback_server(Hang) as server:
        config = docker_config()
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        config["bluegreen:notifications"] = [{"name": "ops", "kind": "webhook", "url": url,
                                              "events": ["release.interrupted"]}]
        driver = MockProgramDriver.deployed("local", config, secret_keys=["bluegreen:notifications"])
        clock = FakeClock()

        def sleep(seconds):
            clock.sleep(seconds)
            if clock.now > 5:  # in the pause at 50%
                signal.raise_signal(signal.SIGINT)

        env = CliEnv(driver_for=lambda name: driver, clock=clock, sleep=sleep, settle=lambda s: None,
                     notify_deadline=60.0)
        env.gates = lambda spec, config, http: []
        try:
            result = runner.invoke(app, ["release", "-s", "local", "-i", "repo/web:1.5.0", "--steps", "50,100",
                                         "--bake", "1m", "--poll", "1", "--on-interrupt", "pause"], obj=env)
        finally:
            stop.set()

    assert result.exit_code == 130, result.output
    assert weights(driver) == (50, 50)
    assert "notification release.interrupted to ops was not delivered: no answer within the 2s deadline" in (
        result.output
    )
