"""`bluegreen release/shift/rollback` end to end: CLI → plan → config + real program under mocks → HTTP gates.

The health servers are real HTTP servers on 127.0.0.1 whose ports become the
docker stack's httpPort/testPort, so the gate reads the URLs the program exports.
The clock is fake: bakes and polls take no real time.
"""

from rollout_support import (
    FakeClock,
    LoopbackDriver,
    docker_config,
    health_server,
    update_weights,
    weights,
    with_record,
)
from typer.testing import CliRunner

from bluegreen.cli import app
from bluegreen.cli_env import CliEnv
from bluegreen.stack_driver import StackNotFoundError
from testkit.mock_driver import MockProgramDriver

runner = CliRunner()
FAST = ["--bake", "10", "--poll", "2", "--wait-timeout", "30"]


def env_for(**drivers: MockProgramDriver) -> CliEnv:
    def driver_for(name: str) -> MockProgramDriver:
        if name not in drivers:
            raise StackNotFoundError(f"stack {name!r} does not exist in the current backend")
        return drivers[name]

    clock = FakeClock()
    return CliEnv(driver_for=driver_for, clock=clock, sleep=clock.sleep, settle=lambda seconds: None)


def invoke(env: CliEnv, *args: str):
    return runner.invoke(app, list(args), obj=env)


def test_a_healthy_release_shifts_all_traffic_and_exits_0():
    with health_server(lambda: True) as (prod, prod_hits), health_server(lambda: True) as (test, test_hits):
        driver = LoopbackDriver.deployed("local", docker_config(http_port=prod, test_port=test))
        result = invoke(env_for(local=driver), "release", "-s", "local", "-i", "repo/web:1.5.0", *FAST)

    assert result.exit_code == 0, result.output
    # The last update records green as the verified live color; it moves no traffic.
    assert update_weights(driver) == [(100, 0), (90, 10), (50, 50), (0, 100), (0, 100)]
    assert driver.config()["bluegreen:green"]["image"] == "repo/web:1.5.0"
    assert driver.outputs()["release"] == {"live": "green", "liveImage": "repo/web:1.5.0", "step": 0}
    assert driver.outputs()["liveColor"] == "green"
    # green was checked on the test route until it took over the production route at 100%.
    assert test_hits and prod_hits
    # Both weights in one write, shown as the equivalent command.
    assert (
        "pulumi config set-all --path --plaintext bluegreen:traffic.green=10 --plaintext bluegreen:traffic.blue=90"
    ) in result.output
    assert "done: 7 step(s) done on stack local" in result.output
    assert "deployed weights: blue 0%, green 100% (config agrees)" in result.output
    assert "scale blue to 0 with `pulumi config set --path bluegreen:blue.replicas 0 --stack local" in result.output


def test_a_candidate_that_fails_mid_rollout_is_rolled_back_and_the_command_exits_1():
    holder: dict[str, MockProgramDriver] = {}

    def green_healthy() -> bool:
        # green breaks once it takes half of production traffic.
        return holder["driver"].config()["bluegreen:traffic"]["green"] < 50

    with health_server(lambda: True) as (prod, _), health_server(green_healthy) as (test, statuses):
        driver = holder["driver"] = LoopbackDriver.deployed("local", docker_config(prod, test))
        result = invoke(env_for(local=driver), "release", "-s", "local", "-i", "repo/web:1.5.0", *FAST)

    assert result.exit_code == 1
    assert weights(driver) == (100, 0)
    assert update_weights(driver)[-1] == (100, 0)
    assert statuses[-1] == 503
    assert "rolled back:" in result.output
    assert "green turned unhealthy at 50%" in result.output
    assert "-> 503" in result.output


def test_bad_steps_are_refused_with_exit_2_before_any_update():
    driver = MockProgramDriver.deployed("local", docker_config())

    result = invoke(env_for(local=driver), "release", "-s", "local", "-i", "repo/web:1.5.0", "--steps=50,10")

    assert result.exit_code == 2
    assert "refused: --steps = '50,10' is invalid: steps must strictly increase" in result.output
    assert driver.updates == []


def test_an_invalid_stack_config_lists_each_problem_without_a_traceback():
    config = docker_config()
    config["bluegreen:traffic"] = {"blue": 100, "green": 10}
    config["bluegreen:service"]["healthCheck"]["timeoutSeconds"] = 9
    driver = MockProgramDriver("local", config)

    result = invoke(env_for(local=driver), "release", "-s", "local", "-i", "repo/web:1.5.0")

    assert result.exit_code == 2
    assert "invalid stack config in local (2 problem(s))" in result.output
    assert "bluegreen:service.healthCheck.timeoutSeconds = 9 is invalid" in result.output
    assert "bluegreen:traffic = {blue: 100, green: 10} is invalid: weights must sum to 100" in result.output
    assert "Traceback" not in result.output
    assert driver.updates == []


def test_a_stack_without_a_stack_file_is_refused_before_pulumi_is_contacted():
    def no_pulumi(name):
        raise AssertionError("Pulumi was contacted")

    result = runner.invoke(app, ["release", "-s", "qa", "-i", "repo/web:1.5.0"], obj=CliEnv(driver_for=no_pulumi))

    assert result.exit_code == 2
    assert "--stack = 'qa' is invalid: there is no Pulumi.qa.yaml" in result.output
    assert "local, prod, staging" in result.output


def test_a_release_mid_rollout_is_refused():
    driver = MockProgramDriver.deployed("local", docker_config(traffic=(90, 10)))

    result = invoke(env_for(local=driver), "release", "-s", "local", "-i", "repo/web:1.5.0")

    assert result.exit_code == 2
    assert "is mid-rollout" in result.output
    assert "continue it with `bluegreen resume --stack local`" in result.output


def test_shift_completes_a_canary_behind_the_http_gate():
    with health_server(lambda: True) as (prod, _), health_server(lambda: True) as (test, test_hits):
        config = with_record(docker_config(prod, test, traffic=(90, 10)), candidate="green")
        driver = LoopbackDriver.deployed("local", config)
        result = invoke(env_for(local=driver), "shift", "-s", "local", "--steps", "50,100", *FAST)

    assert result.exit_code == 0, result.output
    assert update_weights(driver) == [(50, 50), (0, 100), (0, 100)]
    assert driver.outputs()["liveColor"] == "green"
    assert test_hits[0] == 200


def test_rollback_to_a_named_color_after_a_flip_checks_it_then_records_it_live():
    with health_server(lambda: True) as (prod, _), health_server(lambda: True) as (test, test_hits):
        driver = LoopbackDriver.deployed("local", docker_config(prod, test, traffic=(0, 100)))
        result = invoke(env_for(local=driver), "rollback", "-s", "local", "--to", "blue", "--poll", "1")

    assert result.exit_code == 0, result.output
    assert weights(driver) == (100, 0)
    assert test_hits == [200]  # blue, the candidate, was checked on the test route before it got traffic
    assert driver.outputs()["release"] == {"live": "blue", "liveImage": "repo/web:1.4.2", "step": 0}


def test_rollback_to_an_unhealthy_color_is_refused_and_force_does_not_skip_the_check():
    with health_server(lambda: True) as (prod, _), health_server(lambda: False) as (test, _):
        driver = LoopbackDriver.deployed("local", docker_config(prod, test, traffic=(0, 100)))
        env = env_for(local=driver)
        refused = invoke(env, "rollback", "-s", "local", "--to", "blue", "--wait-timeout", "4", "--poll", "1")
        forced = invoke(env, "rollback", "-s", "local", "--to", "blue", "--force", "--wait-timeout", "2")
        unchecked = invoke(env, "rollback", "-s", "local", "--to", "blue", "--no-check")

    assert refused.exit_code == 1
    assert "blue did not become healthy within 4s" in refused.output
    assert forced.exit_code == 1, forced.output
    assert unchecked.exit_code == 2
    assert "--no-check is invalid with --to blue" in unchecked.output
    assert weights(driver) == (0, 100)


def test_rollback_to_a_scaled_down_color_is_refused_naming_the_key():
    driver = MockProgramDriver.deployed("local", docker_config(traffic=(0, 100), blue_replicas=0))

    result = invoke(env_for(local=driver), "rollback", "-s", "local", "--to", "blue")

    assert result.exit_code == 2
    assert "bluegreen:traffic.blue = 100 is invalid: blue has 0 replicas" in result.output
    assert weights(driver) == (0, 100)


def test_a_stack_that_cannot_be_read_is_refused_without_a_traceback():
    from bluegreen.stack_driver import StackError

    class Unreadable(MockProgramDriver):
        def config(self):
            raise StackError("could not read the config of stack 'local': error: passphrase must be set")

    result = invoke(env_for(local=Unreadable("local", docker_config())), "shift", "-s", "local")

    assert result.exit_code == 2
    assert "refused: could not read the config of stack 'local': error: passphrase must be set" in result.output
    assert "Traceback" not in result.output
