"""`--events`: the JSON Lines stream of a release, through the CLI on the real program under mocks.

Every line is checked against bluegreen/events.schema.json (also by the autouse fixture in
conftest.py, for every release any test runs); these tests assert what the lines say.
"""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rollout_support import FakeClock, ScriptedAnalysis, ScriptedGate, docker_config, weights, with_analysis
from typer.testing import CliRunner

from bluegreen.cli import app
from bluegreen.cli_env import CliEnv
from bluegreen.release_events import read_events
from testkit.mock_driver import MockProgramDriver
from tests.event_schema import schema_errors

runner = CliRunner()
FAST = ["--bake", "10s", "--poll", "2", "--wait-timeout", "30"]
START = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


def env_for(driver, analysis=None, healthy=lambda color, spec: True) -> CliEnv:
    clock = FakeClock()
    env = CliEnv(
        driver_for=lambda name: driver,
        clock=clock,
        sleep=clock.sleep,
        now=lambda: START + timedelta(seconds=clock.now),
    )
    env.gates = lambda spec, config, http: [ScriptedGate(healthy)]
    if analysis is not None:
        env.analysis = lambda spec, outputs, stack, config: analysis
    return env


def release(env, *extra):
    return runner.invoke(app, ["release", "-s", "local", "-i", "repo/web:1.5.0", *FAST, *extra], obj=env)


def test_a_rolled_back_release_writes_every_event_with_one_release_id(tmp_path: Path):
    driver = MockProgramDriver.deployed("local", with_analysis(docker_config(), failureLimit=0))
    analysis = ScriptedAnalysis([[("error-rate", "pass", 0.001)], [("error-rate", "fail", 0.0612)]])
    path = tmp_path / "events.jsonl"

    result = release(env_for(driver, analysis), "--events", str(path))

    assert result.exit_code == 1, result.output
    lines = path.read_text().splitlines()
    events = [json.loads(line) for line in lines]
    assert all(schema_errors(event) == [] for event in events)
    assert len({event["release"] for event in events}) == 1
    assert {event["stack"] for event in events} == {"local"}
    assert {event["image"] for event in events} == {"repo/web:1.5.0"}
    assert {(e["colors"]["live"], e["colors"]["candidate"]) for e in events} == {("blue", "green")}
    types = [event["type"] for event in events]
    assert types[:3] == ["lock.taken", "release.started", "step.started"]
    assert types[-3:] == ["step.finished", "lock.released", "release.rolled_back"]
    assert "rollback.started" in types
    # The measurement carries its evidence; the verdict follows it.
    measured = [e for e in events if e["type"] == "measurement"]
    assert [m["measurement"]["verdict"] for m in measured] == ["pass", "fail"]
    assert measured[1]["measurement"]["value"] == 0.0612
    assert measured[1]["step"]["label"] == "hold green at 50% for 10s"
    verdicts = [(e["decision"], e["step"]["label"], e["reason"][:22]) for e in events if e["type"] == "verdict"]
    assert verdicts == [
        ("continue", "hold green at 10% for 10s", "within limits: error-r"),
        ("continue", "hold green at 10% for 10s", "evidence for every met"),  # the pause passed on evidence
        ("fail", "hold green at 50% for 10s", "analysis failed at ste"),
    ]
    # Weights: what was deployed at that moment, 90/10 and 50/50 while measured, 100/0 at the end.
    assert (measured[0]["weights"], measured[1]["weights"]) == ({"blue": 90, "green": 10}, {"blue": 50, "green": 50})
    last = events[-1]
    assert last["weights"] == {"blue": 100, "green": 0}
    assert last["outcome"]["result"] == "rolled_back"
    assert last["outcome"]["exitCode"] == 1
    assert last["outcome"]["deployed"] == {"blue": 100, "green": 0}
    assert last["outcome"]["evidence"]["measurements"][0]["value"] == 0.0612
    assert "inspect: bluegreen status --stack local" in last["outcome"]["next"]
    assert "analysis failed at step 'hold green at 50% for 10s'" in last["outcome"]["message"]
    # Time: wall clock and seconds since the start, from the same (fake) clock.
    assert events[0]["time"] == "2026-12-04T09:30:00.000Z"
    assert last["elapsed"] >= measured[1]["elapsed"] > measured[0]["elapsed"] > 0
    assert weights(driver) == (100, 0)


def test_a_done_release_ends_with_release_done_and_the_weights_at_each_step(tmp_path: Path):
    driver = MockProgramDriver.deployed("local", docker_config())
    path = tmp_path / "events.jsonl"

    result = release(env_for(driver), "--events", str(path))

    assert result.exit_code == 0, result.output
    events = read_events(path.read_text())
    finished = [(e["step"]["label"], e["weights"]["green"]) for e in events if e["type"] == "step.finished"]
    assert finished == [
        ("deploy repo/web:1.5.0 to green (0% traffic)", 0),
        ("shift green to 10% (blue 90%)", 10),
        ("hold green at 10% for 10s", 10),
        ("shift green to 50% (blue 50%)", 50),
        ("hold green at 50% for 10s", 50),
        ("shift green to 100% (blue 0%)", 100),
        ("record green (repo/web:1.5.0) as the verified live color", 100),
    ]
    assert events[-1]["type"] == "release.done"
    assert events[-1]["outcome"]["evidence"] == {"measurements": [], "health": []}
    assert events[1]["plan"]["rollback"] == "100% back to blue"


def test_events_to_stdout_leave_stdout_to_json_lines_only():
    driver = MockProgramDriver.deployed("local", docker_config())

    result = release(env_for(driver), "--events", "-")

    assert result.exit_code == 0
    events = read_events(result.stdout)
    assert events[-1]["type"] == "release.done"
    assert "done: 7 step(s) done on stack local" in result.stderr


def test_a_second_release_appends_with_its_own_id(tmp_path: Path):
    driver = MockProgramDriver.deployed("local", docker_config())
    path = tmp_path / "events.jsonl"
    release(env_for(driver), "--events", str(path))
    runner.invoke(app, ["rollback", "-s", "local", "--to", "blue", "--events", str(path)], obj=env_for(driver))

    events = read_events(path.read_text())
    ids = list(dict.fromkeys(e["release"] for e in events))
    assert len(ids) == 2
    rollback = [e for e in events if e["release"] == ids[1]]
    assert rollback[-1]["type"] == "release.done"
    assert rollback[-1]["command"] == "bluegreen rollback --stack local"  # --to is not part of the lock's name
    assert rollback[-1]["image"] == "repo/web:1.4.2"  # blue takes the traffic back


def test_an_events_file_that_cannot_be_opened_refuses_before_anything_moves(tmp_path: Path):
    driver = MockProgramDriver.deployed("local", docker_config())

    result = release(env_for(driver), "--events", str(tmp_path / "missing" / "events.jsonl"))

    assert result.exit_code == 2
    assert "--events = " in result.output and "cannot open it" in result.output
    assert driver.updates == []


def test_an_events_file_on_a_full_disk_stops_the_stream_not_the_release():
    """/dev/full accepts the open and fails every write, like a disk that fills up mid-release."""
    driver = MockProgramDriver.deployed("local", docker_config())

    result = release(env_for(driver), "--events", "/dev/full")

    assert result.exit_code == 0, result.output
    assert weights(driver) == (0, 100)
    assert "the event stream stopped: /dev/full: [Errno 28] No space left on device" in result.output


def test_a_measurement_with_more_evidence_keeps_it_in_camel_case():
    from bluegreen.analysis.measurement import Measurement
    from bluegreen.release_events import measurement_fields

    measured = Measurement(
        "error-rate", "green", 0.02, "<= live + 0 at 95% confidence", "fail", "", requests=1200, failures=24,
        live_value=0.001, live_requests=22800, live_failures=23, p_value=float("nan"),
    )
    fields = measurement_fields(measured)
    assert (fields["requests"], fields["failures"]) == (1200, 24)
    assert (fields["liveRequests"], fields["liveFailures"], fields["providerError"]) == (22800, 23, False)
    assert fields["pValue"] is None  # NaN is not JSON


def test_the_schema_refuses_an_event_without_its_envelope_or_with_a_wrong_weight():
    from bluegreen.release_events import EventLog, ReleaseContext
    from components.spec import Traffic

    context = ReleaseContext("20261204T093000Z-abcdef", "local", "c", "repo/web:1.5.0", "blue", "green", Traffic())
    good = EventLog(context).emit("lock.released")
    assert schema_errors(good) == []
    assert any("'release' is a required property" in e for e in schema_errors({k: v for k, v in good.items()
                                                                            if k != "release"}))
    assert any("weights/blue" in e for e in schema_errors({**good, "weights": {"blue": 101, "green": 0}}))
    assert any("outcome" in e for e in schema_errors({**good, "type": "release.done"}))
