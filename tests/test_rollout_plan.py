"""Planning is pure: a request becomes ordered config changes, or is refused before anything runs."""

import re

import pytest
from rollout_support import aws_config, docker_config, kubernetes_config, with_record

from bluegreen.rollout_plan import (
    Override,
    PlanError,
    describe,
    parse_steps,
    plan_release,
    plan_resume,
    plan_rollback,
    plan_shift,
    strategy,
)
from bluegreen.stack_files import spec_of
from components.spec import ConfigError, Traffic


def changes(step) -> dict[str, object]:
    """The step's config changes, without the release record it also writes (see `record`)."""
    return {c.path: c.value for c in step.changes if not c.path.startswith("bluegreen:release.")}


def record(step) -> dict[str, object]:
    """The release record fields the step writes."""
    return {c.path.split(".", 1)[1]: c.value for c in step.changes if c.path.startswith("bluegreen:release.")}


def shape(plan) -> list[str]:
    """Each step as kind and the candidate's weight after it: `weight 10`, `pause 10 60s`."""
    found = []
    for step in plan.steps:
        weight = step.spec.traffic.of(plan.candidate)
        found.append(f"{step.kind} {weight}" + (f" {step.seconds:g}s" if step.seconds is not None else ""))
    return found


def steps(values: list[int]) -> Override:
    return Override(steps=tuple(values))


def test_release_goes_to_the_idle_color_then_shifts_in_the_given_steps():
    plan = plan_release(docker_config(), "repo/web:1.5.0", steps([10, 50, 100]))

    assert (plan.live, plan.candidate) == ("blue", "green")
    first, *rest = plan.steps
    shifts = [s for s in rest if s.kind == "weight"]
    assert changes(first) == {"bluegreen:green.image": "repo/web:1.5.0"}
    assert first.gate == "ready" and first.color == "green"
    assert [changes(s) for s in shifts] == [
        {"bluegreen:traffic.green": 10, "bluegreen:traffic.blue": 90},
        {"bluegreen:traffic.green": 50, "bluegreen:traffic.blue": 50},
        {"bluegreen:traffic.green": 100, "bluegreen:traffic.blue": 0},
    ]
    assert shape(plan)[1:] == [
        "weight 10",
        "pause 10 60s",
        "weight 50",
        "pause 50 60s",
        "weight 100",
        "pause 100 60s",
        "record 100",
    ]
    assert shifts[-1].spec.traffic.green == 100
    assert changes(plan.rollback) == {"bluegreen:traffic.blue": 100, "bluegreen:traffic.green": 0}
    # The deploy records the release in progress; each weight its step; the last step the new live color.
    assert record(first) == {
        "live": "blue",
        "liveImage": "repo/web:1.4.2",
        "candidate": "green",
        "candidateImage": "repo/web:1.5.0",
        "strategy": first.spec.release.strategy,
        "step": 1,
    }
    assert [record(s) for s in shifts] == [{"step": 2}, {"step": 4}, {"step": 6}]
    assert record(plan.steps[-1]) == {
        "live": "green",
        "liveImage": "repo/web:1.5.0",
        "candidate": "",
        "candidateImage": "",
        "strategy": "",
        "step": 0,
    }
    assert record(plan.rollback)["live"] == "blue" and record(plan.rollback)["candidate"] == ""


def test_release_when_green_is_live_targets_blue():
    plan = plan_release(docker_config(traffic=(0, 100)), "repo/web:2.0.0", steps([100]))

    assert (plan.live, plan.candidate) == ("green", "blue")
    assert changes(plan.steps[0]) == {"bluegreen:blue.image": "repo/web:2.0.0"}
    assert record(plan.steps[0])["live"] == "green"
    assert changes(plan.rollback) == {"bluegreen:traffic.green": 100, "bluegreen:traffic.blue": 0}


def test_release_scales_a_scaled_down_idle_color_back_to_the_live_size():
    plan = plan_release(docker_config(green_replicas=0, blue_replicas=3), "repo/web:1.5.0", steps([100]))

    assert changes(plan.steps[0]) == {
        "bluegreen:green.image": "repo/web:1.5.0",
        "bluegreen:green.replicas": 3,
    }
    assert plan.steps[0].spec.replicas("green") == 3


def test_release_mid_rollout_is_refused_naming_the_split():
    with pytest.raises(PlanError, match=r"bluegreen:traffic = \{blue: 90, green: 10\} is mid-rollout"):
        plan_release(docker_config(traffic=(90, 10)), "repo/web:1.5.0", steps([100]))


def test_a_split_on_a_selector_routed_kubernetes_stack_is_refused_before_any_update():
    with pytest.raises(PlanError) as error:
        plan_release(kubernetes_config(), "repo/web:1.5.0", steps([10, 100]))

    message = str(error.value)
    assert "shift green to 10%" in message
    assert "bluegreen:traffic = {blue: 90, green: 10} is invalid" in message
    assert "bluegreen:kubernetes.gateway" in message


def test_a_single_flip_on_a_selector_routed_kubernetes_stack_is_planned():
    plan = plan_release(kubernetes_config(), "repo/web:1.5.0", steps([100]))

    assert plan.steps[-1].spec.traffic.green == 100


def test_an_invalid_current_config_raises_the_config_models_error():
    config = docker_config()
    config["bluegreen:traffic"] = {"blue": 100, "green": 10}

    with pytest.raises(ConfigError, match=r"bluegreen:traffic = .* weights must sum to 100"):
        plan_release(config, "repo/web:1.5.0", steps([100]))


@pytest.mark.parametrize(
    ("image", "rule"),
    [("nginx", "must be pinned by a tag other than latest"), ("repo/web:latest", "must be pinned by a tag"),
     ("repo/web:1.5.0\n", "must be an image reference without spaces")],
)
def test_a_floating_or_malformed_image_is_refused_before_any_config_is_written(image, rule):
    with pytest.raises(PlanError, match=f"--image = {re.escape(repr(image))} is invalid: {rule}"):
        plan_release(docker_config(), image)


def test_an_empty_image_is_refused():
    with pytest.raises(PlanError, match="--image = '  ' is invalid: must not be empty"):
        plan_release(docker_config(), "  ", [100])


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("10,5", "steps must strictly increase"),
        ("0,50", "from 1 to 100"),
        ("50,101", "from 1 to 100"),
        ("ten", "comma-separated integers"),
        ("", "at least one percentage"),
    ],
)
def test_bad_steps_name_the_option_the_value_and_the_rule(text, rule):
    with pytest.raises(PlanError) as error:
        parse_steps(text)
    assert str(error.value).startswith(f"--steps = {text!r} is invalid")
    assert rule in str(error.value)


def test_steps_parse_in_order():
    assert parse_steps("5, 25,100") == [5, 25, 100]


def test_shift_checks_the_candidate_first_then_moves_from_its_current_weight():
    plan = plan_shift(with_record(docker_config(traffic=(90, 10)), candidate="green"), steps([50, 100]))

    assert plan.steps[0].changes == () and plan.steps[0].gate == "ready" and plan.steps[0].color == "green"
    assert [s.spec.traffic.green for s in plan.steps[1:] if s.kind == "weight"] == [50, 100]
    assert changes(plan.rollback) == {"bluegreen:traffic.blue": 100, "bluegreen:traffic.green": 0}


def test_shift_below_the_current_weight_is_refused():
    with pytest.raises(PlanError, match="green already has 10%"):
        plan_shift(with_record(docker_config(traffic=(90, 10)), candidate="green"), steps([10, 100]))


def test_shift_to_a_color_with_no_replicas_is_refused_naming_the_key():
    with pytest.raises(PlanError, match=r"bluegreen:traffic.green = 50 is invalid: green has 0 replicas"):
        plan_shift(docker_config(green_replicas=0), steps([50]))


def test_rollback_of_a_split_returns_everything_to_the_recorded_live_color():
    plan = plan_rollback(with_record(docker_config(traffic=(90, 10)), candidate="green"))

    assert plan.rollback is None
    assert plan.steps[0].gate == "ready" and plan.steps[0].color == "blue"
    assert changes(plan.steps[-1]) == {"bluegreen:traffic.blue": 100, "bluegreen:traffic.green": 0}
    assert plan.title == "roll back: 100% to blue (repo/web:1.4.2, the recorded live color)"


@pytest.mark.parametrize("traffic", [(50, 50), (10, 90), (0, 100)])
def test_rollback_returns_to_the_recorded_live_color_whatever_the_weights(traffic):
    plan = plan_rollback(with_record(aws_config(traffic=traffic), live="green", candidate="blue"), check=False)

    assert len(plan.steps) == 1
    assert changes(plan.steps[0]) == {"bluegreen:traffic.green": 100, "bluegreen:traffic.blue": 0}


def test_rollback_without_a_record_is_refused_and_asks_for_to():
    with pytest.raises(
        PlanError, match="the weights alone never decide it: say which color gets 100% of traffic with --to COLOR"
    ):
        plan_rollback(aws_config(traffic=(0, 100)))

    plan = plan_rollback(aws_config(traffic=(0, 100)), to="blue", check=False)

    assert plan.steps[0].kind == "check"  # a color that is not the recorded live one is always checked first
    assert changes(plan.steps[-1]) == {"bluegreen:traffic.blue": 100, "bluegreen:traffic.green": 0}
    assert record(plan.steps[-1])["live"] == "blue"


def test_rollback_restores_the_verified_image_someone_changed_on_the_live_color():
    config = with_record(docker_config(traffic=(90, 10)), candidate="green")
    config["bluegreen:blue"] = {"image": "repo/web:6.6.6"}

    plan = plan_rollback(config, check=False)

    assert changes(plan.steps[-1]) == {
        "bluegreen:traffic.blue": 100,
        "bluegreen:traffic.green": 0,
        "bluegreen:blue.image": "repo/web:1.4.2",
    }


def test_rollback_with_nothing_to_do_has_no_steps():
    plan = plan_rollback(with_record(docker_config()), deployed=Traffic(blue=100, green=0))

    assert plan.steps == ()
    assert plan.notes[0].startswith("nothing to roll back: blue (repo/web:1.4.2, the recorded live color)")


def test_rollback_to_a_scaled_down_color_is_refused():
    with pytest.raises(PlanError, match=r"bluegreen:traffic.green = 100 is invalid: green has 0 replicas"):
        plan_rollback(docker_config(green_replicas=0), to="green")


STRATEGY = [{"setWeight": 5}, {"pause": "5m"}, {"setWeight": 25}, {"pause": "10m"}, {"pause": {}}, {"setWeight": 100}]


def with_steps(config, rollout_steps=STRATEGY):
    return {**config, "bluegreen:rollout": {"steps": rollout_steps}}


def test_release_follows_the_strategy_in_config_with_its_pauses_and_manual_gate():
    plan = plan_release(with_steps(docker_config()), "repo/web:1.5.0")

    assert shape(plan) == [
        "deploy 0",
        "weight 5",
        "pause 5 300s",
        "weight 25",
        "pause 25 600s",
        "manual 25",
        "weight 100",
        "record 100",
    ]
    assert plan.steps[-2].settle  # no pause after 100: one health look after the update


def test_bake_overrides_every_timed_pause_but_keeps_the_manual_gate():
    plan = plan_release(with_steps(docker_config()), "repo/web:1.5.0", Override(bake=5))

    assert shape(plan)[1:] == [
        "weight 5",
        "pause 5 5s",
        "weight 25",
        "pause 25 5s",
        "manual 25",
        "weight 100",
        "record 100",
    ]


def test_a_preset_expands_to_codedeploy_steps():
    config = {**docker_config(), "bluegreen:rollout": {"preset": "Canary10Percent5Minutes"}}

    assert describe(strategy(spec_of(config))) == ["setWeight 10", "pause 5m", "setWeight 100"]


def test_a_pre_traffic_hook_runs_after_the_candidate_is_ready_and_before_any_weight():
    config = {**docker_config(), "bluegreen:rollout": {
        "steps": [{"setWeight": 100}], "hooks": {"preTraffic": {"url": "{{testUrl}}/smoke"}}}}

    plan = plan_release(config, "repo/web:1.5.0")

    assert [s.kind for s in plan.steps] == ["deploy", "hook", "weight", "record"]


def test_resume_after_a_manual_gate_continues_past_it():
    config = with_steps(with_record(docker_config(traffic=(75, 25)), candidate="green"))

    plan = plan_resume(config, Traffic(blue=75, green=25))

    assert shape(plan) == ["check 25", "pause 25 600s", "weight 100", "record 100"]


def test_resume_mid_pause_runs_the_pause_again_then_the_rest():
    config = with_steps(with_record(docker_config(traffic=(95, 5)), candidate="green"))

    plan = plan_resume(config, Traffic(blue=95, green=5))

    assert shape(plan) == [
        "check 5",
        "pause 5 300s",
        "weight 25",
        "pause 25 600s",
        "manual 25",
        "weight 100",
        "record 100",
    ]


def test_resume_continues_the_recorded_candidate_past_half():
    config = with_record(docker_config(traffic=(25, 75)), candidate="green")
    config = with_steps(config, [{"setWeight": 75}, {"pause": {}}, {"setWeight": 100}])

    plan = plan_resume(config, Traffic(blue=25, green=75))

    assert plan.candidate == "green"
    assert plan.steps[-1].spec.traffic.green == 100


def test_resume_at_a_50_50_tie_continues_the_recorded_candidate_even_if_it_is_blue():
    config = with_record(docker_config(traffic=(50, 50)), live="green", candidate="blue")
    config = with_steps(config, [{"setWeight": 50}, {"pause": {}}, {"setWeight": 100}])

    plan = plan_resume(config, Traffic(blue=50, green=50))

    assert (plan.live, plan.candidate) == ("green", "blue")
    assert plan.steps[-2].spec.traffic.blue == 100
    assert record(plan.steps[-1])["live"] == "blue"


def test_resume_without_a_record_asks_for_the_candidate():
    config = with_steps(docker_config(traffic=(50, 50)), [{"setWeight": 50}, {"pause": {}}, {"setWeight": 100}])

    with pytest.raises(PlanError, match="name the release's candidate color with --to COLOR"):
        plan_resume(config, Traffic(blue=50, green=50))
    assert plan_resume(config, Traffic(blue=50, green=50), candidate="blue").candidate == "blue"


def test_resume_refuses_when_config_differs_from_what_is_deployed():
    with pytest.raises(PlanError, match="config and deployment differ"):
        plan_resume(with_steps(docker_config(traffic=(75, 25))), Traffic(blue=95, green=5))


def test_resume_with_nothing_in_progress_is_refused():
    with pytest.raises(PlanError, match="nothing to resume"):
        plan_resume(with_record(docker_config()), Traffic(blue=100, green=0))


def test_rollback_repairs_a_traffic_block_that_does_not_sum_to_100():
    config = with_record(docker_config(), candidate="green")
    config["bluegreen:traffic"] = {"blue": 100, "green": 10}

    plan = plan_rollback(config, deployed=Traffic(blue=90, green=10))

    assert changes(plan.steps[-1]) == {"bluegreen:traffic.blue": 100, "bluegreen:traffic.green": 0}
    assert "sums to 110, not 100; repairing it" in plan.notes[0]


def test_rollback_starts_from_the_deployed_weights_when_config_lost_the_last_writes():
    # A CI runner moved prod to 50/50 and was lost before committing the stack file.
    plan = plan_rollback(with_record(docker_config(traffic=(100, 0))), deployed=Traffic(blue=50, green=50))

    assert (plan.live, plan.candidate) == ("green", "blue")
    assert changes(plan.steps[-1]) == {"bluegreen:traffic.blue": 100, "bluegreen:traffic.green": 0}
    assert "rolling back from what is deployed" in plan.notes[0]
