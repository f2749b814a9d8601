"""`bluegreen history`: past releases read back from recorded `pulumi stack history --json` output.

tests/data/pulumi_stack_history_prod.json is in the shape `pulumi stack history --json` writes
(newest first: kind, startTime, message, environment, config, result, endTime, version,
resourceChanges), holding a done release, a refresh, a hand-run update, a rolled-back release
and one paused at 25%, with the messages the release engine gives each `pulumi up`.
"""

import json
from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from bluegreen.cli import app
from bluegreen.cli_env import CliEnv
from bluegreen.release_history import releases_of
from bluegreen.stack_driver import StackError

runner = CliRunner()
RECORDED = json.loads((Path(__file__).parent / "data" / "pulumi_stack_history_prod.json").read_text())
ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web"


class HistoryDriver:
    name = "prod"

    def __init__(self, history):
        self._history = history

    def history(self):
        if isinstance(self._history, Exception):
            raise self._history
        return self._history


def test_each_release_gets_its_image_outcome_weights_and_duration():
    found = releases_of(RECORDED)

    assert [(r.image, r.outcome) for r in found] == [
        (f"{ECR}:1.5.1", "stopped at step 5/9"),
        (f"{ECR}:1.5.0", "rolled back"),
        ("-", "not a bluegreen release"),
        (f"{ECR}:1.4.2", "done"),
    ]
    paused, rolled_back, by_hand, done = found
    assert paused.weights == (75, 25) and [u.version for u in paused.updates] == [52, 53, 54]
    assert rolled_back.weights == (100, 0)
    assert by_hand.title == "scale green to 0"
    assert done.weights == (100, 0) and done.last_step == 9
    # 1.5.0: from its first update's start (10:00:00) to the rollback's end.
    assert rolled_back.started.isoformat() == "2026-12-03T10:00:00+00:00"
    assert rolled_back.seconds == 110 + 40 + 22 + 600 + 23 + 240 + 21


def test_a_failed_update_and_a_failed_rollback_are_told_apart():
    def entry(version, message, result="succeeded"):
        minute = f"{version:02d}"
        return {"kind": "update", "version": version, "message": message, "result": result,
                "startTime": f"2026-12-04T10:{minute}:00.000Z", "endTime": f"2026-12-04T10:{minute}:30.000Z"}

    title = "bluegreen release repo/web:2.0.0 to green"
    failed = [entry(1, f"{title}, step 1/5: blue 100 green 0"), entry(2, f"{title}, step 3/5: blue 90 green 10",
                                                                      "failed")]
    rollback_failed = [*failed[:1], entry(2, f"{title}, step 3/5: blue 90 green 10"),
                       entry(3, "bluegreen rollback: 100% to blue", "failed")]

    assert [r.outcome for r in releases_of(failed)] == ["failed"]
    assert [r.outcome for r in releases_of(rollback_failed)] == ["rollback FAILED"]
    # The brief's shorter spelling (no "to COLOR,") reads the same.
    short = [entry(1, "bluegreen release repo/web:2.0.0 step 1/2: blue 100 green 0"),
             entry(2, "bluegreen release repo/web:2.0.0 step 2/2: blue 0 green 100")]
    assert [(r.outcome, r.weights) for r in releases_of(short)] == [("done", (0, 100))]


def test_a_new_release_of_the_same_image_starts_a_new_entry():
    title = "bluegreen release repo/web:2.0.0 to green"
    twice = [
        {"kind": "update", "version": v, "message": f"{title}, step {s}/3: blue {100 - g} green {g}",
         "result": "succeeded", "startTime": f"2026-12-04T10:0{v}:00.000Z", "endTime": f"2026-12-04T10:0{v}:10.000Z"}
        for v, (s, g) in enumerate([(1, 0), (2, 50), (1, 0), (2, 50), (3, 100)], 1)
    ]

    assert [r.outcome for r in releases_of(twice)] == ["done", "stopped at step 2/3"]


def test_history_on_the_command_line_as_a_table_and_as_json():
    env = CliEnv(driver_for=lambda name: HistoryDriver(RECORDED), out=Console(width=250, soft_wrap=True))

    table = runner.invoke(app, ["history", "--stack", "prod"], obj=env)
    as_json = runner.invoke(app, ["history", "--stack", "prod", "--json", "--limit", "2"], obj=env)

    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert any(f"{ECR}:1.5.0" in line and "rolled back" in line and "100/0" in line for line in lines)
    assert any("2026-12-04 09:30:00" in line and "stopped at step 5/9" in line and "75/25" in line for line in lines)
    rows = json.loads(as_json.stdout)
    assert [(r["image"], r["outcome"], r["weights"]) for r in rows] == [
        (f"{ECR}:1.5.1", "stopped at step 5/9", {"blue": 75, "green": 25}),
        (f"{ECR}:1.5.0", "rolled back", {"blue": 100, "green": 0}),
    ]
    assert rows[1]["seconds"] == 1056 and rows[1]["started"] == "2026-12-03 10:00:00"


def test_history_that_cannot_be_read_is_one_line_not_a_traceback():
    env = CliEnv(driver_for=lambda name: HistoryDriver(StackError("cannot read the history of stack 'prod': boom")))
    broken = CliEnv(driver_for=lambda name: HistoryDriver([{"kind": "update", "message": "x"}]))

    result = runner.invoke(app, ["history", "--stack", "prod"], obj=env)
    shapeless = runner.invoke(app, ["history", "--stack", "prod"], obj=broken)

    assert result.exit_code == 1 and "cannot read the history of stack 'prod': boom" in result.output
    assert shapeless.exit_code == 1 and "not in the expected shape" in shapeless.output
    assert "Traceback" not in result.output + shapeless.output
