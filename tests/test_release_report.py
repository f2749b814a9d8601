"""The release report: rendered from a recorded event stream, the same at the end of a release and from a file.

The recorded stream is the docs' prod release (docs/gen/release_sample.py): Pulumi.prod.yaml's
strategy run by the CLI on the real program under mocks, the candidate's error rate rising at 25%.
"""

import dataclasses
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from rollout_support import FakeClock, ScriptedGate, docker_config
from typer.testing import CliRunner

from bluegreen.analysis.measurement import Measurement
from bluegreen.cli import app
from bluegreen.cli_env import CliEnv
from bluegreen.mermaid_chart import LineChart, label, number
from bluegreen.release_events import measurement_fields, read_events
from bluegreen.release_report import render
from docs.gen.release_sample import sample_events
from testkit.mock_driver import MockProgramDriver
from tests.event_schema import schema_errors
from tests.mermaid_grammar import MermaidSyntaxError, mermaid_blocks, parse

runner = CliRunner()


@cache
def prod_stream() -> str:
    return sample_events()


def test_every_step_of_the_prod_release_is_a_row_with_its_measurements_and_result():
    report = render(read_events(prod_stream()))

    assert report.startswith("## Release on `prod`: ↩️ rolled back\n")
    rows = [line for line in report.splitlines() if line.startswith("| ") and not line.startswith("| #")]
    assert [row.split(" | ")[0] for row in rows] == ["| 1", "| 2", "| 3", "| 4", "| 5", "| 6", "| ↩"]
    hold_25 = rows[5]
    assert "| 09:40:00 (+10:00) | 09:45:00 (+15:00) | 75/25 |" in hold_25
    assert "error-rate (\\<= 0.01): 0.0014✅ 0.0014✅ 0.0041✅ 0.0187❌ 0.0227❌" in hold_25
    assert hold_25.endswith("(2 failed measurement(s), failureLimit 1) |")
    assert "| ↩ | 100% back to blue |" in rows[6] and rows[6].endswith("| 100/0 | - | ok |")
    assert "> exit 1 · deployed: blue 100%, green 0%" in report
    assert "- inspect: bluegreen status --stack prod" in report


def test_evidence_lines_show_the_requests_each_value_rests_on():
    report = render(read_events(prod_stream()))

    evidence = [line for line in report.splitlines() if line.startswith("- ") and " vs " in line]
    assert evidence == [
        "- error-rate green 0.0227 vs \\<= 0.01: FAIL \\[295/13000 failed\\]",
        "- latency-p99 green 0.134 vs \\<= live (121ms) + 250ms: PASS \\[13000 requests vs live 52000 requests\\]",
    ]


def test_evidence_counts_against_live_carry_rates_and_the_test():
    events = read_events(prod_stream())
    outcome = next(e for e in events if e["type"] == "release.rolled_back")["outcome"]
    outcome["evidence"]["measurements"][0].update(
        liveRequests=52000, liveFailures=26, pValue=0.0000123, threshold="not worse than live + 0 (95%)"
    )

    report = render(events)

    assert (
        "- error-rate green 0.0227 vs not worse than live + 0 (95%): FAIL "
        "\\[295/13000 failed (2.27%) vs live 26/52000 failed (0.05%), p=1.23e-05\\]"
    ) in report


def test_a_measurement_reads_back_from_its_event_whatever_evidence_fields_it_gains():
    # A field added to Measurement (exactPValue and marginPValue were) must reach the report, not be dropped.
    values: dict[str, Any] = {"metric": "error-rate", "color": "green", "value": 0.0333, "threshold": "<= 0.01"}
    values |= {"verdict": "fail", "detail": "why"}
    for index, f in enumerate(dataclasses.fields(Measurement)):
        if f.default is False:
            values[f.name] = True
        elif f.default is None:
            values[f.name] = 0.001 * (index + 1)
    measured = Measurement(**values)

    assert Measurement.from_fields(measurement_fields(measured)) == measured
    assert schema_errors_of_measurement(measurement_fields(measured)) == []


def schema_errors_of_measurement(fields: dict[str, Any]) -> list[str]:
    event = read_events(prod_stream())[0] | {"type": "measurement", "secondsLeft": 1.0, "measurement": fields}
    event["step"] = next(e for e in read_events(prod_stream()) if e["type"] == "step.started")["step"]
    return schema_errors(event)


def test_evidence_from_a_hand_edited_or_later_stream_shows_what_it_can():
    events = read_events(prod_stream())
    outcome = next(e for e in events if e["type"] == "release.rolled_back")["outcome"]
    measured = outcome["evidence"]["measurements"]
    measured[0].update(requests="13000 <b>", failures=True, futureField={"x": 1})
    for key in ("requests", "failures", "liveValue", "liveRequests", "liveFailures", "pValue", "dryRun"):
        del measured[1][key]

    report = render(events)

    assert "- error-rate green 0.0227 vs \\<= 0.01: FAIL\n" in report
    assert "- latency-p99 green 0.134 vs \\<= live (121ms) + 250ms: PASS\n" in report


def test_the_charts_parse_as_xychart_and_carry_the_weights_and_the_values():
    charts = [parse(block) for block in mermaid_blocks(render(read_events(prod_stream())))]

    weight, errors, latency = charts
    assert weight.y_range == (0, 100)
    assert weight.lines[0][0] == 5 and 25 in weight.lines[0] and weight.lines[0][-1] == 0
    assert errors.title == "error-rate of green, threshold line at 0.01"
    assert errors.lines[0][-2:] == [0.0187, 0.0227]
    assert set(errors.lines[1]) == {0.01}
    assert errors.categories[0] == "1:00" and errors.categories[-1] == "15:00"
    assert len(latency.lines) == 1  # relative to live: no fixed threshold to draw


def test_the_checker_refuses_what_mermaid_would_not_parse():
    with pytest.raises(MermaidSyntaxError, match="plain decimal"):
        parse('xychart-beta\n    x-axis ["a"]\n    line [1e-05]')
    with pytest.raises(MermaidSyntaxError, match="comment"):
        parse('xychart-beta\n    title "100%% sure"')
    with pytest.raises(MermaidSyntaxError, match="1 values for 2 categories"):
        parse('xychart-beta\n    x-axis ["a", "b"]\n    line [1]')
    with pytest.raises(MermaidSyntaxError, match="title must be"):
        parse('xychart-beta\n    title "a "b" c"')


def test_chart_values_and_labels_always_fit_the_grammar():
    assert number(0.0000123) == "0.000012"
    assert number(1e-9) == "0"
    assert number(100.0) == "100"
    assert label('say "hi"\n%% `x` <b>') == '"say hi % x b"'
    chart = LineChart('error "rate"\n%%', "t", ["0:00", "1:00"], "y", [[1e-07, 2.5e-06]])
    assert parse(chart.render()).lines == [[0.0, 0.000003]]


def test_strings_from_outside_are_shown_never_rendered():
    events = read_events(prod_stream())
    hostile = "<img src=x onerror=alert(1)> [click](https://evil.example) @acme/ops `x` *bold*\n| cell"
    for event in events:
        if event["type"] == "measurement":
            event["measurement"]["metric"] = hostile
        if event["type"].startswith("release.") and "outcome" in event:
            event["outcome"]["message"] = hostile
        if event.get("step"):
            event["step"] = {**event["step"], "label": hostile}

    report = render(events)

    assert re.search(r"(?<!\\)<img", report) is None and re.search(r"(?<!\\)\]\(", report) is None
    assert "@acme" not in report
    shown = "\\<img src=x onerror=alert(1)\\> \\[click\\](https://evil.example) @\u200bacme/ops \\`x\\` \\*bold\\*"
    assert shown in report
    assert "\n| cell" not in report  # a newline in a value never starts a new table row
    for block in mermaid_blocks(report):
        parse(block)


def test_a_stream_cut_short_still_reports_what_happened():
    lines = prod_stream().splitlines()
    cut = [line for line in lines if json.loads(line)["elapsed"] < 700]

    report = render(read_events("\n".join(cut)))

    assert "⏳ no outcome recorded (the stream ends early)" in report
    assert "| 6 | hold green at 25% for 10m | 09:40:00 (+10:00) | - | 75/25 |" in report


def test_bluegreen_report_prints_the_report_the_release_wrote_at_its_end(tmp_path: Path):
    events, written = tmp_path / "events.jsonl", tmp_path / "report.md"
    clock = FakeClock()
    env = CliEnv(driver_for=lambda name: driver, clock=clock, sleep=clock.sleep)
    env.gates = lambda spec, config, http: [ScriptedGate(lambda color, spec: True)]
    driver = MockProgramDriver.deployed("local", docker_config())
    args = ["release", "-s", "local", "-i", "repo/web:1.5.0", "--bake", "10s", "--poll", "2"]

    released = runner.invoke(app, [*args, "--events", str(events), "--report", str(written)], obj=env)
    from_file = runner.invoke(app, ["report", str(events)], obj=CliEnv())

    assert released.exit_code == 0, released.output
    assert from_file.exit_code == 0, from_file.output
    assert from_file.stdout == written.read_text()
    assert "## Release on `local`: ✅ done" in from_file.stdout
    assert f"report: {written}" in released.output


def test_report_names_the_releases_a_file_holds_when_asked_for_another(tmp_path: Path):
    path = tmp_path / "events.jsonl"
    path.write_text(prod_stream())

    result = runner.invoke(app, ["report", str(path), "--release", "nope"], obj=CliEnv())

    assert result.exit_code == 2
    assert "--release = 'nope' is not in the stream; it holds 20261204T093000Z-5a1e01" in result.output


def test_report_refuses_a_file_that_is_not_an_event_stream(tmp_path: Path):
    path = tmp_path / "events.jsonl"
    path.write_text('{"type": "release.started"}\nnot json\n')

    result = runner.invoke(app, ["report", str(path)], obj=CliEnv())

    assert result.exit_code == 2
    assert "line 2 is not JSON" in result.output
    assert "Traceback" not in result.output
