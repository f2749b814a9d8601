"""`bluegreen promote`: only an image live at 100%, deployed as configured and healthy, moves on, in the order
each target's `bluegreen:promotion.from` names (read from the stack files, before Pulumi is contacted)."""

from rollout_support import FakeClock, ScriptedGate, aws_config, docker_config, update_weights
from typer.testing import CliRunner

from bluegreen.cli import app
from bluegreen.cli_env import CliEnv
from testkit.mock_driver import MockProgramDriver

runner = CliRunner()
FAST = ["--bake", "4", "--poll", "2", "--wait-timeout", "10"]


def env_for(healthy=lambda color, spec: True, **drivers: MockProgramDriver) -> CliEnv:
    clock = FakeClock()
    return CliEnv(
        driver_for=drivers.__getitem__,
        gates=lambda spec, config, http: [ScriptedGate(healthy)],
        clock=clock,
        sleep=clock.sleep,
        settle=lambda seconds: None,
    )


def promote(env: CliEnv, source: str, target: str, *extra: str):
    # prod is protected: --yes answers the confirmation, as CI does.
    return runner.invoke(app, ["promote", "--from", source, "--to", target, "--yes", *extra], obj=env)


def staging_with_green_live(image: str = "repo/web:1.5.0") -> MockProgramDriver:
    return MockProgramDriver.deployed("staging", aws_config(traffic=(0, 100), green=image))


def test_the_image_live_in_staging_is_released_to_prod():
    staging = staging_with_green_live()
    prod = MockProgramDriver.deployed("prod", aws_config())

    result = promote(env_for(staging=staging, prod=prod), "staging", "prod", *FAST)

    assert result.exit_code == 0, result.output
    assert "promoting repo/web:1.5.0 (live on green in staging) to prod" in result.output
    assert prod.config()["bluegreen:green"]["image"] == "repo/web:1.5.0"
    assert update_weights(prod) == [(100, 0), (90, 10), (50, 50), (0, 100), (0, 100)]
    assert prod.outputs()["release"] == {"live": "green", "liveImage": "repo/web:1.5.0", "step": 0}
    assert staging.updates == []


def test_an_image_not_recorded_as_verified_in_the_source_is_not_promoted():
    # staging serves 1.5.0 at 100% on green, but its record says blue (1.4.2) is the verified live color.
    config = {
        **aws_config(traffic=(0, 100), green="repo/web:1.5.0"),
        "bluegreen:release": {"live": "blue", "liveImage": "repo/web:1.4.2"},
    }
    staging = MockProgramDriver.deployed("staging", config)
    prod = MockProgramDriver.deployed("prod", aws_config())

    result = promote(env_for(staging=staging, prod=prod), "staging", "prod", *FAST)

    assert result.exit_code == 2
    assert "its recorded live image is repo/web:1.4.2 on blue (bluegreen:release)" in result.output
    assert prod.updates == []


def test_promotion_skips_a_stack():
    result = promote(env_for(), "dev", "prod")

    assert result.exit_code == 2
    assert (
        "--from = 'dev' is invalid: stack prod takes promotions from staging only "
        "(bluegreen:promotion.from = 'staging' in its stack file)"
    ) in result.output


def test_promotion_backwards_or_into_a_stack_without_a_source_is_refused():
    backwards = promote(env_for(), "prod", "staging")
    into_local = promote(env_for(), "dev", "local")
    unknown = promote(env_for(), "qa", "prod")

    assert backwards.exit_code == 2
    assert "stack staging takes promotions from dev only" in backwards.output
    assert into_local.exit_code == 2
    assert "stack local sets no bluegreen:promotion.from, so nothing is promoted into it" in into_local.output
    assert unknown.exit_code == 2
    assert "--from = 'qa' is invalid: there is no Pulumi.qa.yaml" in unknown.output


def test_the_order_comes_from_config_and_org_qualified_stack_names_work(tmp_path):
    (tmp_path / "Pulumi.staging-eu.yaml").write_text("config: {}\n")
    (tmp_path / "Pulumi.prod-eu.yaml").write_text(
        "config:\n  bluegreen:blue: {image: r/w:1}\n  bluegreen:green: {image: r/w:1}\n"
        "  bluegreen:promotion: {from: staging-eu}\n"
    )
    staging = MockProgramDriver.deployed("acme/staging-eu", aws_config(traffic=(0, 100), green="repo/web:1.5.0"))
    prod = MockProgramDriver.deployed("acme/prod-eu", aws_config())
    env = env_for(**{"acme/staging-eu": staging, "acme/prod-eu": prod})
    env.project_dir = tmp_path

    result = promote(env, "acme/staging-eu", "acme/prod-eu", *FAST)

    assert result.exit_code == 0, result.output
    assert prod.config()["bluegreen:green"]["image"] == "repo/web:1.5.0"
    assert "commit Pulumi.prod-eu.yaml" in result.output


def test_a_source_mid_rollout_is_not_promoted():
    staging = MockProgramDriver.deployed("staging", aws_config(traffic=(50, 50), green="repo/web:1.5.0"))
    prod = MockProgramDriver.deployed("prod", aws_config())

    result = promote(env_for(staging=staging, prod=prod), "staging", "prod")

    assert result.exit_code == 2
    assert "stack staging is mid-rollout (blue 50%, green 50%)" in result.output
    assert prod.updates == []


def test_a_source_with_undeployed_config_is_not_promoted():
    staging = staging_with_green_live()
    staging.set_config("bluegreen:green.image", "repo/web:9.9.9")  # set, but never `pulumi up`-ed
    prod = MockProgramDriver.deployed("prod", aws_config())

    result = promote(env_for(staging=staging, prod=prod), "staging", "prod")

    assert result.exit_code == 2
    assert "stack staging's config differs from its last update" in result.output
    assert prod.updates == []


def test_an_unhealthy_source_is_not_promoted():
    staging = staging_with_green_live()
    prod = MockProgramDriver.deployed("prod", aws_config())
    env = env_for(healthy=lambda color, spec: False, staging=staging, prod=prod)

    result = promote(env, "staging", "prod")

    assert result.exit_code == 2
    assert "stack staging's live color is not healthy, so it is not promoted" in result.output
    assert prod.updates == []


def test_a_never_deployed_source_is_not_promoted():
    staging = MockProgramDriver("staging", aws_config(traffic=(0, 100)))
    prod = MockProgramDriver.deployed("prod", aws_config())

    result = promote(env_for(staging=staging, prod=prod), "staging", "prod")

    assert result.exit_code == 2
    assert "it was never deployed" in result.output


def test_promoting_what_the_target_already_serves_does_nothing():
    dev = MockProgramDriver.deployed("dev", docker_config(traffic=(0, 100), green="repo/web:1.5.0"))
    staging = MockProgramDriver.deployed("staging", aws_config(traffic=(0, 100), green="repo/web:1.5.0"))

    result = promote(env_for(dev=dev, staging=staging), "dev", "staging")

    assert result.exit_code == 0
    assert "staging already serves repo/web:1.5.0 on green at 100%; nothing to do" in result.output
    assert staging.updates == []


def test_bad_steps_are_refused_before_any_stack_is_read():
    result = promote(env_for(), "dev", "staging", "--steps", "0,100")

    assert result.exit_code == 2
    assert "--steps = '0,100' is invalid: every step must be a percentage from 1 to 100" in result.output


def test_a_bare_promotion_source_means_the_targets_org_not_anyones(tmp_path):
    """`promotion.from: staging` accepted `--from mallory-personal/staging`: only the last part was compared."""
    (tmp_path / "Pulumi.staging.yaml").write_text("config: {}\n")
    (tmp_path / "Pulumi.prod.yaml").write_text(
        "config:\n  bluegreen:blue: {image: r/w:1}\n  bluegreen:green: {image: r/w:1}\n"
        "  bluegreen:promotion: {from: staging}\n"
    )
    mallory = MockProgramDriver.deployed("mallory-personal/staging", aws_config(traffic=(0, 100), green="evil/web:6"))
    prod = MockProgramDriver.deployed("acme/prod", aws_config())
    env = env_for(**{"mallory-personal/staging": mallory, "acme/prod": prod})
    env.project_dir = tmp_path

    result = promote(env, "mallory-personal/staging", "acme/prod", *FAST)

    assert result.exit_code == 2
    assert "--from = 'mallory-personal/staging' is invalid: stack acme/prod takes promotions from staging only" in (
        result.output
    )
    assert prod.config()["bluegreen:green"]["image"] != "evil/web:6"
