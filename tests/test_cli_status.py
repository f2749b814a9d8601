"""`bluegreen status`: config vs. deployed weights, colors, images, replicas, outputs and health per stack."""

import pytest
from rollout_support import LoopbackDriver, ScriptedGate, docker_config, health_server
from typer.testing import CliRunner

from bluegreen.cli import app
from bluegreen.cli_env import CliEnv
from bluegreen.stack_driver import StackNotFoundError
from testkit.mock_driver import MockProgramDriver

runner = CliRunner()


@pytest.fixture
def wide(monkeypatch):
    # Rich sizes tables to the terminal; a wide one keeps each row on one line for the asserts.
    monkeypatch.setenv("COLUMNS", "250")


def env_for(gates=None, **drivers) -> CliEnv:
    def driver_for(name):
        if name not in drivers:
            raise StackNotFoundError(f"stack {name!r} does not exist in the current backend")
        return drivers[name]

    env = CliEnv(driver_for=driver_for)
    if gates is not None:
        env.gates = gates
    return env


def test_status_shows_weights_images_replicas_outputs_and_real_http_health(wide):
    with health_server(lambda: True) as (prod, _), health_server(lambda: False) as (test, _):
        config = docker_config(prod, test, green="repo/web:1.5.0", green_replicas=1)
        driver = LoopbackDriver.deployed("local", config)
        driver.set_config("bluegreen:traffic.green", 10)  # configured, not yet deployed
        driver.set_config("bluegreen:traffic.blue", 90)
        result = runner.invoke(app, ["status", "--stack", "local"], obj=env_for(local=driver))

    # The color serving traffic (blue) is healthy, but config differs from what is deployed: not ok.
    assert result.exit_code == 1, result.output
    assert "config differs from what is deployed: weights: intended blue 90 green 10, deployed blue 100 green 0" in (
        result.output
    )
    # Piped (CliRunner is no terminal): the plain layout, one fact per line, nothing cut.
    out = result.output
    assert "local (docker): live blue, candidate green" in out
    blue = out[out.index("  blue: ") : out.index("  green: ")]
    green = out[out.index("  green: ") : out.index("  outputs:")]
    assert "  blue: weight 90% (deployed 100%), 2 replicas\n    image: repo/web:1.4.2\n" in blue
    assert "    health: ✓ http blue: healthy" in blue
    assert "  green: weight 10% (deployed 0%), 1 replica\n    image: repo/web:1.5.0\n" in green
    assert "✗ http green: UNHEALTHY" in green
    assert f"http://127.0.0.1:{test}" in result.output  # testUrl among the outputs
    assert "routerContainer" in result.output


def test_an_unhealthy_live_color_makes_status_exit_1(wide):
    driver = MockProgramDriver.deployed("dev", docker_config())
    gates = lambda spec, config, http: [ScriptedGate(lambda color, spec: color != "blue")]  # noqa: E731

    result = runner.invoke(app, ["status", "-s", "dev"], obj=env_for(gates, dev=driver))

    assert result.exit_code == 1
    assert "scripted blue: UNHEALTHY (scripted failure)" in result.output


def test_all_stacks_by_default_and_a_missing_one_is_reported_not_fatal(wide):
    driver = MockProgramDriver.deployed("dev", docker_config(green_replicas=0))
    gates = lambda spec, config, http: [ScriptedGate(lambda color, spec: True)]  # noqa: E731

    result = runner.invoke(app, ["status"], obj=env_for(gates, dev=driver))

    assert result.exit_code == 1
    for missing in ("local", "staging", "prod"):
        assert f"{missing}: stack '{missing}' does not exist in the current backend" in result.output
    assert "dev (docker): live blue, candidate green" in result.output
    assert "scaled to 0" in result.output


def test_a_stack_with_invalid_config_shows_each_problem(wide):
    config = docker_config()
    config["bluegreen:traffic"] = {"blue": 60, "green": 60}

    result = runner.invoke(app, ["status", "-s", "dev"], obj=env_for(dev=MockProgramDriver("dev", config)))

    assert result.exit_code == 1
    assert "bluegreen:traffic = {blue: 60, green: 60} is invalid: weights must sum to 100" in result.output
    assert "Traceback" not in result.output
