"""Helpers for the CLI and rollout tests: full stack configs, loopback health servers, recording observers.

Configs are built here rather than read from `Pulumi.<stack>.yaml` so these tests
pin exactly the values they assert on.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bluegreen.analysis.measurement import Measurement
from bluegreen.health_gates import GateResult
from bluegreen.rollout_plan import Step
from components.spec import BlueGreenSpec, Color
from testkit.mock_driver import MockProgramDriver
from tests.loopback_http import QuietHandler, loopback_server


def docker_config(
    http_port: int = 18080,
    test_port: int = 19080,
    traffic: tuple[int, int] = (100, 0),
    blue: str = "repo/web:1.4.2",
    green: str = "repo/web:1.4.2",
    green_replicas: int | None = None,
    blue_replicas: int | None = None,
) -> dict[str, Any]:
    """A complete `platform: docker` stack config, as `Pulumi.<stack>.yaml` would hold it."""
    blue_spec: dict[str, Any] = {"image": blue}
    green_spec: dict[str, Any] = {"image": green}
    if blue_replicas is not None:
        blue_spec["replicas"] = blue_replicas
    if green_replicas is not None:
        green_spec["replicas"] = green_replicas
    return {
        "bluegreen:platform": "docker",
        "bluegreen:service": {
            "name": "web",
            "port": 8080,
            "replicas": 2,
            "healthCheck": {"path": "/health", "intervalSeconds": 5, "timeoutSeconds": 2},
        },
        "bluegreen:blue": blue_spec,
        "bluegreen:green": green_spec,
        "bluegreen:traffic": {"blue": traffic[0], "green": traffic[1]},
        "bluegreen:docker": {"httpPort": http_port, "testPort": test_port},
    }


def with_record(
    config: dict[str, Any], live: str = "blue", candidate: str | None = None, step: int = 1
) -> dict[str, Any]:
    """`config` plus the release record (`bluegreen:release`): `live` verified with its current image; with
    `candidate`, a release of that color's image in progress."""
    record: dict[str, Any] = {"live": live, "liveImage": config[f"bluegreen:{live}"]["image"]}
    if candidate is not None:
        record |= {"candidate": candidate, "candidateImage": config[f"bluegreen:{candidate}"]["image"], "step": step}
    return {**config, "bluegreen:release": record}


def aws_config(traffic: tuple[int, int] = (100, 0), green: str = "repo/web:1.4.2") -> dict[str, Any]:
    return {
        "aws:region": "us-east-1",
        "bluegreen:platform": "aws",
        "bluegreen:service": {"name": "web", "port": 8080, "replicas": 2},
        "bluegreen:blue": {"image": "repo/web:1.4.2"},
        "bluegreen:green": {"image": green},
        "bluegreen:traffic": {"blue": traffic[0], "green": traffic[1]},
        "bluegreen:aws": {
            "vpcId": "vpc-0123456789abcdef0",
            "subnetIds": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
        },
    }


def kubernetes_config(traffic: tuple[int, int] = (100, 0)) -> dict[str, Any]:
    """Service-selector routing (no Gateway): only 0/100 splits are valid."""
    return {
        "bluegreen:platform": "kubernetes",
        "bluegreen:service": {"name": "web", "port": 8080, "replicas": 2},
        "bluegreen:blue": {"image": "repo/web:1.4.2"},
        "bluegreen:green": {"image": "repo/web:1.4.2"},
        "bluegreen:traffic": {"blue": traffic[0], "green": traffic[1]},
        "bluegreen:kubernetes": {"namespace": "apps"},
    }


def weights(driver: MockProgramDriver) -> tuple[int, int]:
    traffic = driver.config()["bluegreen:traffic"]
    return traffic["blue"], traffic["green"]


def update_weights(driver: MockProgramDriver) -> list[tuple[int, int]]:
    """(blue, green) of every successful update, in order."""
    return [(u["bluegreen:traffic"]["blue"], u["bluegreen:traffic"]["green"]) for u in driver.updates]


class LoopbackDriver(MockProgramDriver):
    """The docker program exports `http://localhost:<port>`; pin it to 127.0.0.1 so tests never try ::1."""

    def up(self, on_output: Callable[[str], None], message=None) -> dict[str, Any]:
        super().up(on_output, message)
        return self.outputs()

    def outputs(self) -> dict[str, Any]:
        return {
            key: value.replace("//localhost:", "//127.0.0.1:") if isinstance(value, str) else value
            for key, value in super().outputs().items()
        }


class FailingDriver(MockProgramDriver):
    """Fails the update numbered in `fail_on` (1-based, counting updates made through this driver)."""

    def __init__(self, *args: Any, fail_on: set[int], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fail_on = fail_on
        self.calls = 0

    def up(self, on_output: Callable[[str], None], message=None) -> dict[str, Any]:
        from bluegreen.stack_driver import UpdateFailedError

        self.calls += 1
        if self.calls in self.fail_on:
            raise UpdateFailedError(f"pulumi up failed on stack {self.name!r}: provider error #{self.calls}")
        return super().up(on_output, message)


class ScriptedGate:
    """A gate whose verdict a test decides from (color, the spec being checked)."""

    name = "scripted"

    def __init__(self, healthy: Callable[[Color, BlueGreenSpec], bool]):
        self.healthy = healthy
        self.seen: list[tuple[Color, int]] = []

    def check(self, color: Color, spec: BlueGreenSpec, outputs: dict[str, Any]) -> GateResult:
        self.seen.append((color, spec.traffic.of(color)))
        ok = self.healthy(color, spec)
        return GateResult(self.name, color, ok, "scripted ok" if ok else "scripted failure")


class Recorder:
    """An Observer that keeps everything it is told."""

    def __init__(self) -> None:
        self.steps: list[str] = []
        self.lines: list[str] = []
        self.results: list[GateResult] = []
        self.notes: list[str] = []
        self.measured: list[tuple[float | None, str]] = []
        self.countdown: list[float] = []
        self.verdicts: list[tuple[str, str]] = []
        self.finished_steps: list[tuple[str, str]] = []

    def measurements(self, seconds_left: float | None, found: list[Measurement]) -> None:
        self.measured.extend((seconds_left, m.line()) for m in found)

    def progress(self, step: Step, seconds_left: float) -> None:
        self.countdown.append(seconds_left)

    def step(self, index: int, total: int, step: Step) -> None:
        self.steps.append(step.label)

    def output(self, line: str) -> None:
        self.lines.append(line)

    def health(self, results: list[GateResult]) -> None:
        self.results.extend(results)

    def note(self, message: str) -> None:
        self.notes.append(message)

    def verdict(self, step: Step, decision: str, reason: str) -> None:
        self.verdicts.append((decision, reason))

    def finished(self, step: Step, record: Any, deployed: Any) -> None:
        self.finished_steps.append((record.label, record.result))

    def rolling_back(self, reason: str, step: Step) -> None:
        self.notes.append(f"rolling back: {step.label}")


class ScriptedAnalysis:
    """An Analysis that answers each `measure` with the next verdicts in `script` (then repeats the last).

    A verdict is pass, fail, inconclusive (no data), or error (the provider failed)."""

    def __init__(self, script: list[list[tuple[str, str, float | None]]]):
        self.script = script
        self.calls: list[tuple[Color, Color]] = []

    def measure(self, candidate: Color, live: Color) -> list[Measurement]:
        self.calls.append((candidate, live))
        rows = self.script[min(len(self.calls), len(self.script)) - 1]
        return [scripted(name, candidate, verdict, value) for name, verdict, value in rows]


def scripted(name: str, candidate: Color, verdict: str, value: float | None) -> Measurement:
    """A measurement with `verdict`; "error" is an inconclusive one because the provider failed."""
    if verdict == "error":
        return Measurement(name, candidate, None, "<= 0.01", "inconclusive", "prometheus: timed out after 5s",
                           provider_error=True)
    return Measurement(name, candidate, value, "<= 0.01", verdict)  # type: ignore[arg-type]


def with_analysis(config: dict[str, Any], steps: list[dict[str, Any]] | None = None, **analysis: Any) -> dict[str, Any]:
    """`config` plus a `bluegreen:rollout` with one errorRate metric (and the given steps/limits)."""
    rollout: dict[str, Any] = {
        "analysis": {"interval": "10s", "metrics": [{"name": "error-rate", "template": "errorRate", "max": 0.01}],
                     **analysis},
    }
    if steps is not None:
        rollout["steps"] = steps
    return {**config, "bluegreen:rollout": rollout}


class FakeClock:
    """Time that advances only when the code under test sleeps: no real waiting, no timing flakes."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@contextmanager
def health_server(healthy: Callable[[], bool]) -> Iterator[tuple[int, list[int]]]:
    """An HTTP server on 127.0.0.1 answering 200 while `healthy()` else 503; yields (port, statuses sent)."""
    statuses: list[int] = []

    class Handler(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server calls it by this name
            status = 200 if healthy() else 503
            statuses.append(status)
            self.reply(status, b"ok" if status == 200 else b"unhealthy")

    with loopback_server(Handler) as server:
        yield server.server_address[1], statuses


def run_cli(driver: MockProgramDriver, *args: str) -> tuple[int, str]:
    """The real CLI on one mock stack, gates always healthy, no waiting: (exit code, everything printed)."""
    from typer.testing import CliRunner

    from bluegreen.cli import app
    from bluegreen.cli_env import CliEnv

    env = CliEnv(driver_for=lambda name: driver, clock=FakeClock(), sleep=lambda seconds: None)
    env.gates = lambda spec, config, http: [ScriptedGate(lambda color, spec: True)]
    result = CliRunner().invoke(app, list(args), obj=env)
    return result.exit_code, result.output
