"""A colleague's write landing inside the engine's own write, and `abort` before and during a release.

The engine reads every write back; when someone else wrote in the same moment it deploys nothing, and
puts back the weights it wrote itself, so config again says what is deployed: the colleague's next
`pulumi up` cannot send traffic to a candidate that passed no step. `abort` returns to the recorded live
color, and changes nothing when no release is in progress (the CI undo step runs it after every
cancellation). Real program under mocks, through the CLI.
"""

from typing import ClassVar

from rollout_support import docker_config, with_record
from test_release_failures import RELEASE, env_for, invoke

from testkit.mock_driver import MockProgramDriver


class ColleagueDuringWrite(MockProgramDriver):
    """Someone else's `pulumi config set` lands together with the engine's write number `at`."""

    at = 2
    theirs: ClassVar[dict] = {"bluegreen:blue.replicas": 1}
    writes = 0

    def set_config_paths(self, values):
        super().set_config_paths(values)
        self.writes += 1
        if self.writes == self.at:
            super().set_config_paths(self.theirs)


def deployed_weights(driver) -> tuple[int, int]:
    weights = driver.outputs()["weights"]
    return weights["blue"], weights["green"]


def configured_weights(driver) -> tuple[int, int]:
    traffic = driver.config()["bluegreen:traffic"]
    return int(traffic["blue"]), int(traffic["green"])


def test_a_colleague_write_inside_the_engines_write_stops_with_exit_5_and_the_engine_puts_its_weights_back():
    driver = ColleagueDuringWrite.deployed("local", docker_config())

    result = invoke(env_for(driver), *RELEASE)

    assert result.exit_code == 5, result.output
    assert "bluegreen:blue.replicas: expected (unset), config has 1" in result.output
    assert "its own weights were put back (bluegreen:traffic.green=0, bluegreen:traffic.blue=100" in result.output
    assert len(driver.updates) == 1  # the deploy at 0%; nothing was deployed from the conflicting write
    assert deployed_weights(driver) == configured_weights(driver) == (100, 0)
    assert driver.config()["bluegreen:blue"]["replicas"] == 1  # the colleague's change is theirs to deploy
    assert "deployed weights: blue 100%, green 0% (config agrees)" in result.output


def test_weights_the_colleague_wrote_too_are_theirs_and_left_alone():
    class ColleagueSetsWeights(ColleagueDuringWrite):
        theirs: ClassVar[dict] = {"bluegreen:traffic.blue": 80, "bluegreen:traffic.green": 20}

    driver = ColleagueSetsWeights.deployed("local", docker_config())

    result = invoke(env_for(driver), *RELEASE)

    assert result.exit_code == 5, result.output
    assert configured_weights(driver) == (80, 20)
    assert deployed_weights(driver) == (100, 0)
    assert "put back" not in result.output
    assert "deployed weights: blue 100%, green 0%; config says blue 80%, green 20%" in result.output


def test_abort_with_no_release_in_progress_changes_nothing_and_exits_0():
    driver = MockProgramDriver.deployed("local", with_record(docker_config()))

    result = invoke(env_for(driver), "abort", "--stack", "local", "--yes")

    assert result.exit_code == 0, result.output
    assert driver.updates == []
    assert deployed_weights(driver) == configured_weights(driver) == (100, 0)


def test_abort_of_a_release_paused_at_a_50_50_tie_returns_to_the_recorded_live_color():
    config = with_record(docker_config(traffic=(50, 50), green="repo/web:1.5.0"), candidate="green", step=4)
    driver = MockProgramDriver.deployed("local", config)

    result = invoke(env_for(driver), "abort", "--stack", "local", "--yes")

    assert result.exit_code == 0, result.output
    assert deployed_weights(driver) == configured_weights(driver) == (100, 0)
    record = driver.outputs()["release"]
    assert record["live"] == "blue" and record["liveImage"] == "repo/web:1.4.2" and "candidate" not in record
