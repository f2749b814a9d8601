"""Plan titles name the live color and the candidate correctly (never "blue is live, blue takes traffic"),
and a signal that lands while the lock is being taken is acted on: the lock is released, nothing moves."""

import re
import signal

import pytest
from rollout_support import docker_config, with_record
from test_release_failures import RELEASE, env_for, invoke
from test_rollout_plan import with_steps

from bluegreen.rollout_plan import Override, plan_release, plan_resume, plan_rollback, plan_shift
from bluegreen.stack_lock import LOCK_TAG
from components.spec import Traffic
from testkit.mock_driver import MockProgramDriver

STEPS = [{"setWeight": 50}, {"pause": {}}, {"setWeight": 100}]


def live_and_target(title: str) -> tuple[str, str]:
    live = re.search(r"(blue|green) is live", title)
    target = re.search(r"to (blue|green)\b", title)
    assert live and target, title
    return live.group(1), target.group(1)


def test_a_release_title_names_the_live_color_and_the_other_as_its_target():
    for live in ("blue", "green"):
        config = with_record(docker_config(traffic=(100, 0) if live == "blue" else (0, 100)), live=live)
        plan = plan_release(config, "repo/web:1.5.0")
        candidate = "green" if live == "blue" else "blue"
        assert plan.title == f"release repo/web:1.5.0 to {candidate}; {live} is live (repo/web:1.4.2)"
        assert live_and_target(plan.title) == (live, candidate)


@pytest.mark.parametrize(("live", "candidate", "traffic"), [("blue", "green", (50, 50)), ("green", "blue", (50, 50)),
                                                            ("green", "blue", (75, 25)), ("blue", "green", (25, 75))])
def test_resume_and_shift_titles_name_the_recorded_live_color_not_the_heavier_one(live, candidate, traffic):
    config = with_steps(with_record(docker_config(traffic=traffic), live=live, candidate=candidate), STEPS)
    deployed = Traffic(blue=traffic[0], green=traffic[1])

    resume = plan_resume(config, deployed)
    shift = plan_shift(config, Override((100,), None))

    assert live_and_target(resume.title) == (live, candidate), resume.title
    assert live_and_target(shift.title) == (live, candidate), shift.title


def test_the_rollback_title_names_the_recorded_live_color():
    config = with_record(docker_config(traffic=(50, 50), green="repo/web:1.5.0"), candidate="green")

    plan = plan_rollback(config, deployed=Traffic(blue=50, green=50))

    assert plan.title == "roll back: 100% to blue (repo/web:1.4.2, the recorded live color)"


def test_a_signal_while_the_lock_is_taken_releases_it_and_moves_nothing():
    driver = MockProgramDriver.deployed("local", docker_config())
    env = env_for(driver)
    env.settle = lambda seconds: signal.raise_signal(signal.SIGTERM)  # between writing the lock and reading it

    result = invoke(env, *RELEASE)

    assert result.exit_code == 130, result.output
    assert "SIGTERM: rolling back at the next safe point" in result.output
    assert LOCK_TAG not in driver.tags()
    assert driver.updates == []
