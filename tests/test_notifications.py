"""`bluegreen:notifications`: releases tell Slack, Teams and a signed webhook, never at the release's expense.

The receivers are real HTTP servers on 127.0.0.1 that check the payload shape each service
documents (Slack incoming webhooks: `text` plus `blocks` of mrkdwn sections; Teams workflow
webhooks: a message with an Adaptive Card attachment; the webhook: the event, signed).
A receiver that fails, retries or hangs changes neither the outcome nor, beyond the
notification deadline, how long the command takes.
"""

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pytest
from rollout_support import FakeClock, ScriptedAnalysis, ScriptedGate, docker_config, weights, with_analysis
from typer.testing import CliRunner

from bluegreen.cli import app
from bluegreen.cli_env import CliEnv
from bluegreen.notification_payloads import slack, summary, teams
from bluegreen.notifier import SIGNATURE_HEADER
from bluegreen.program_run import run_config
from bluegreen.release_events import read_events
from docs.gen.release_sample import sample_events
from testkit.mock_driver import MockProgramDriver
from tests.event_schema import schema_errors
from tests.loopback_http import QuietHandler, loopback_server

runner = CliRunner()
FAST = ["--bake", "10s", "--poll", "2", "--wait-timeout", "30"]
KEY = "hmac-key-for-tests-0123456789"


@dataclass
class Receiver:
    url: str = ""
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.received]


@contextmanager
def receiver(answer: Callable[[int], int] = lambda n: 200, delay: float = 0.0) -> Iterator[Receiver]:
    """Records every POST; `answer(n)` is the status of the n-th (1-based); `delay` holds each answer."""
    got = Receiver()
    lock = threading.Lock()

    class Handler(QuietHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server calls it by this name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                got.received.append((dict(self.headers), body))
                number = len(got.received)
            if delay:
                time.sleep(delay)
            self.reply(answer(number), b"ok")

    with loopback_server(Handler) as server:
        got.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/T000/B000/secret-token"
        yield got


def target(name: str, kind: str, url: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "kind": kind, "url": url, **extra}


def run_release(config: dict[str, Any], analysis=None, deadline: float = 5.0):
    driver = MockProgramDriver.deployed("local", config, secret_keys=["bluegreen:notifications"])
    clock = FakeClock()
    env = CliEnv(driver_for=lambda name: driver, clock=clock, sleep=clock.sleep, notify_deadline=deadline)
    env.gates = lambda spec, config, http: [ScriptedGate(lambda color, spec: True)]
    if analysis is not None:
        env.analysis = lambda spec, outputs, stack, config: analysis
    started = time.monotonic()
    result = runner.invoke(app, ["release", "-s", "local", "-i", "repo/web:1.5.0", *FAST], obj=env)
    return result, driver, time.monotonic() - started


def test_a_rollback_reaches_slack_teams_and_the_webhook_with_reason_evidence_and_recovery_command():
    with receiver() as to_slack, receiver() as to_teams, receiver() as to_hook:
        config = with_analysis(docker_config(), failureLimit=0)
        config["bluegreen:notifications"] = [
            target("ops-slack", "slack", to_slack.url, minSeverity="critical"),
            target("ops-teams", "teams", to_teams.url, events=["release.rolled_back"]),
            target("audit", "webhook", to_hook.url, secret=KEY, events=["release.started", "release.rolled_back"]),
        ]
        bad = ScriptedAnalysis([[("error-rate", "fail", 0.0612)]])
        result, driver, _ = run_release(config, bad)

    assert result.exit_code == 1, result.output
    assert weights(driver) == (100, 0)
    # Slack: only the critical event (minSeverity), as Slack's incoming webhooks document it.
    (message,) = to_slack.bodies()
    assert set(message) == {"text", "blocks"}
    assert message["text"].startswith("↩️ release rolled back on local: repo/web:1.5.0")
    assert all(block["type"] == "section" for block in message["blocks"])
    detail = message["blocks"][1]["text"]
    assert detail["type"] == "mrkdwn"
    assert "analysis failed at step 'hold green at 10% for 10s'" in detail["text"]
    assert "evidence: error-rate green 0.0612 vs &lt;= 0.01: FAIL" in detail["text"]  # Slack's own escaping
    assert "next: inspect: bluegreen status --stack local" in detail["text"]
    # Teams: a message with one Adaptive Card attachment.
    (card_message,) = to_teams.bodies()
    assert card_message["type"] == "message"
    attachment = card_message["attachments"][0]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    assert card["body"][0]["color"] == "Attention"
    texts = [item["text"] for item in card["body"] if item["type"] == "TextBlock"]
    assert any("error-rate green 0.0612" in text for text in texts)
    # The webhook: the events themselves, each signed with HMAC-SHA256 of its exact body.
    assert [e["type"] for e in to_hook.bodies()] == ["release.started", "release.rolled_back"]
    for headers, body in to_hook.received:
        expected = "sha256=" + hmac.new(KEY.encode(), body, hashlib.sha256).hexdigest()
        assert headers[SIGNATURE_HEADER] == expected
        assert schema_errors(json.loads(body)) == []
    assert "secret-token" not in result.output and KEY not in result.output


def test_a_receiver_that_always_fails_is_retried_a_bounded_number_of_times_and_reported():
    with receiver(answer=lambda n: 500) as broken:
        config = docker_config()
        config["bluegreen:notifications"] = [target("ops", "webhook", broken.url, events=["release.done"])]
        result, driver, _ = run_release(config)

    assert result.exit_code == 0, result.output
    assert weights(driver) == (0, 100)
    assert len(broken.received) == 3
    assert "notification release.done to ops was not delivered: HTTP 500 after 3 attempt(s)" in result.output
    assert "secret-token" not in result.output


def test_a_receiver_that_fails_once_gets_the_message_on_the_retry():
    with receiver(answer=lambda n: 503 if n == 1 else 200) as flaky:
        config = docker_config()
        config["bluegreen:notifications"] = [target("ops", "slack", flaky.url, events=["release.done"])]
        result, _, _ = run_release(config)

    assert result.exit_code == 0
    assert len(flaky.received) == 2
    assert flaky.received[0][1] == flaky.received[1][1]
    assert "not delivered" not in result.output


def test_a_receiver_that_hangs_costs_at_most_the_deadline_and_changes_nothing():
    with receiver(delay=20.0) as hanging:
        config = docker_config()
        config["bluegreen:notifications"] = [target("ops", "teams", hanging.url, events=["release.done"])]
        result, driver, took = run_release(config, deadline=1.0)

    assert result.exit_code == 0
    assert weights(driver) == (0, 100)
    # The receiver holds its answer 20 s; the release ends after the 1 s deadline instead (bound, not a speed test).
    assert took < 15
    assert "notification release.done to ops was not delivered: no answer within the 1s deadline" in result.output


def test_a_refusing_receiver_is_not_retried():
    with receiver(answer=lambda n: 404) as gone:
        config = docker_config()
        config["bluegreen:notifications"] = [target("ops", "slack", gone.url, events=["release.done"])]
        result, _, _ = run_release(config)

    assert len(gone.received) == 1
    assert "HTTP 404 after 1 attempt(s)" in result.output


def test_notification_urls_must_be_secrets_and_only_webhooks_sign():
    config = docker_config()
    config["bluegreen:notifications"] = [target("ops", "slack", "https://hooks.slack.com/services/T/B/token")]
    with pytest.raises(pulumi.RunError) as plain:
        run_config(config)
    assert "bluegreen:notifications[0].url = '[secret]' is invalid: must be a secret" in str(plain.value)
    assert "token" not in str(plain.value)
    run_config(config, secret_keys=["bluegreen:notifications"])  # the same, as a secret, is accepted

    config["bluegreen:notifications"] = [target("ops", "slack", "https://x.example/h", secret=KEY)]
    with pytest.raises(pulumi.RunError) as signed:
        run_config(config, secret_keys=["bluegreen:notifications"])
    assert "bluegreen:notifications[0].secret" in str(signed.value) and "only a webhook target signs" in str(
        signed.value
    )
    assert KEY not in str(signed.value)


def test_messages_show_outside_text_never_act_on_it():
    event = {
        "type": "release.failed", "stack": "local", "image": "repo/web:1.5.0", "release": "r",
        "colors": {"live": "blue", "candidate": "green"}, "weights": {"blue": 100, "green": 0},
        "outcome": {"message": "<!channel> [x](https://evil.example) **boom**", "next": [],
                    "evidence": {"measurements": [], "health": []}},
    }
    slack_text = json.dumps(slack(event))
    teams_text = json.dumps(teams(event))

    assert "<!channel>" not in slack_text and "&lt;!channel&gt;" in slack_text
    assert "[x](https" not in teams_text and "\\\\*\\\\*boom" in teams_text


def test_rollback_evidence_in_a_message_shows_the_requests_each_value_rests_on():
    rolled_back = next(e for e in read_events(sample_events()) if e["type"] == "release.rolled_back")

    _, lines, _ = summary(rolled_back)

    assert [line for line in lines if line.startswith("evidence: ")] == [
        "evidence: error-rate green 0.0227 vs <= 0.01: FAIL [295/13000 failed]",
        "evidence: latency-p99 green 0.134 vs <= live (121ms) + 250ms: PASS [13000 requests vs live 52000 requests]",
    ]
