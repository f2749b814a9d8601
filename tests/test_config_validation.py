"""Every config rule of issue 2: a bad value stops the real program with one line naming the key,
the value and the rule, and no resource is registered."""

import pytest

from bluegreen.program_run import ProgramRun
from tests.conftest import config_error, run_config

MINIMAL = {
    "bluegreen:platform": "docker",
    "bluegreen:blue": {"image": "ghcr.io/acme/web:1.4.2"},
    "bluegreen:green": {"image": "ghcr.io/acme/web:1.5.0"},
}

TWO_SUBNETS = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
AWS = {
    **MINIMAL,
    "bluegreen:platform": "aws",
    "bluegreen:aws": {"vpcId": "vpc-0a1b2c3d4e5f67890", "subnetIds": TWO_SUBNETS},
}


def with_(base: dict, **changes: object) -> dict:
    """`with_(MINIMAL, traffic={...})`: a copy of `base` with `bluegreen:traffic` replaced."""
    config = dict(base)
    for key, value in changes.items():
        config[f"bluegreen:{key}"] = value
    return config


def service(**fields: object) -> dict:
    return {"bluegreen:service": fields}


def health(**fields: object) -> dict:
    return {"bluegreen:service": {"healthCheck": fields}}


failure = config_error


BAD_VALUES = [
    # (case id, config, the line the user must see)
    ("weight above 100", with_(MINIMAL, traffic={"blue": 150, "green": 0}),
     "bluegreen:traffic.blue = 150 is invalid: must be an integer from 0 to 100"),
    ("negative weight", with_(MINIMAL, traffic={"blue": 101, "green": -1}),
     "bluegreen:traffic.green = -1 is invalid: must be an integer from 0 to 100"),
    ("fractional weight", with_(MINIMAL, traffic={"blue": 89.5, "green": 10.5}),
     "bluegreen:traffic.blue = 89.5 is invalid: must be an integer"),
    ("text weight", with_(MINIMAL, traffic={"blue": "most", "green": 0}),
     "bluegreen:traffic.blue = 'most' is invalid: must be an integer"),
    ("boolean weight", with_(MINIMAL, traffic={"blue": True, "green": 0}),
     "bluegreen:traffic.blue = True is invalid: must be an integer"),
    ("weights not summing to 100", with_(MINIMAL, traffic={"blue": 90, "green": 20}),
     "bluegreen:traffic = {blue: 90, green: 20} is invalid: "
     "weights must sum to 100 (blue 90 + green 20 = 110)"),
    ("weight on a color with 0 replicas",
     with_(MINIMAL, green={"image": "ghcr.io/acme/web:1.5.0", "replicas": 0}, traffic={"blue": 90, "green": 10}),
     "bluegreen:traffic.green = 10 is invalid: green has 0 replicas, so it cannot take traffic"),
    ("weight on a color scaled to 0 by service.replicas",
     {**MINIMAL, "bluegreen:service": {"replicas": 0}, "bluegreen:green": {"image": "b:1", "replicas": 2}},
     "bluegreen:traffic.blue = 100 is invalid: blue has 0 replicas"),
    ("timeout equal to interval", {**MINIMAL, **health(intervalSeconds=10, timeoutSeconds=10)},
     "bluegreen:service.healthCheck.timeoutSeconds = 10 is invalid: must be less than intervalSeconds (10)"),
    ("interval below 5", {**MINIMAL, **health(intervalSeconds=4, timeoutSeconds=2)},
     "bluegreen:service.healthCheck.intervalSeconds = 4 is invalid: must be an integer from 5 to 300"),
    ("interval above 300", {**MINIMAL, **health(intervalSeconds=301)},
     "bluegreen:service.healthCheck.intervalSeconds = 301 is invalid: must be an integer from 5 to 300"),
    ("timeout below 2", {**MINIMAL, **health(timeoutSeconds=1)},
     "bluegreen:service.healthCheck.timeoutSeconds = 1 is invalid: must be an integer from 2 to 120"),
    ("timeout above 120", {**MINIMAL, **health(intervalSeconds=300, timeoutSeconds=121)},
     "bluegreen:service.healthCheck.timeoutSeconds = 121 is invalid: must be an integer from 2 to 120"),
    ("healthy threshold below 2", {**MINIMAL, **health(healthyThreshold=1)},
     "bluegreen:service.healthCheck.healthyThreshold = 1 is invalid: must be an integer from 2 to 10"),
    ("unhealthy threshold above 10", {**MINIMAL, **health(unhealthyThreshold=11)},
     "bluegreen:service.healthCheck.unhealthyThreshold = 11 is invalid: must be an integer from 2 to 10"),
    ("start period above ECS's 300", {**MINIMAL, **health(startPeriodSeconds=301)},
     "bluegreen:service.healthCheck.startPeriodSeconds = 301 is invalid: must be an integer from 0 to 300"),
    ("relative health path", {**MINIMAL, **health(path="health")},
     "bluegreen:service.healthCheck.path = 'health' is invalid: must start with '/'"),
    ("port 0", {**MINIMAL, **service(port=0)},
     "bluegreen:service.port = 0 is invalid: must be an integer from 1 to 65535"),
    ("port above 65535", {**MINIMAL, **service(port=70000)},
     "bluegreen:service.port = 70000 is invalid: must be an integer from 1 to 65535"),
    ("drain above an hour", {**MINIMAL, **service(drainSeconds=3601)},
     "bluegreen:service.drainSeconds = 3601 is invalid: must be an integer from 0 to 3600"),
    ("negative drain", {**MINIMAL, **service(drainSeconds=-5)},
     "bluegreen:service.drainSeconds = -5 is invalid: must be an integer from 0 to 3600"),
    ("service name with capitals", {**MINIMAL, **service(name="Web")},
     "bluegreen:service.name = 'Web' is invalid: must be 1-20 lowercase letters"),
    ("empty image", with_(MINIMAL, green={"image": ""}),
     "bluegreen:green.image = '' is invalid: must not be empty"),
    ("blank image", with_(MINIMAL, blue={"image": "   "}),
     "bluegreen:blue.image = '   ' is invalid: must not be empty"),
    ("missing color", {"bluegreen:blue": {"image": "a:1"}},
     "bluegreen:green is missing: this key is required"),
    ("unknown platform", with_(MINIMAL, platform="gcp"),
     "bluegreen:platform = 'gcp' is invalid: must be one of 'aws', 'kubernetes' or 'docker'"),
    ("typo in a top-level key", {**MINIMAL, "bluegreen:trafic": {"blue": 100, "green": 0}},
     "bluegreen:trafic = {blue: 100, green: 0} is invalid: unknown key; did you mean traffic?"),
    ("typo in a nested key", {**MINIMAL, "bluegreen:service": {"healthcheck": {"path": "/health"}}},
     "bluegreen:service.healthcheck = {path: '/health'} is invalid: unknown key; did you mean healthCheck?"),
    ("unknown color field", with_(MINIMAL, blue={"image": "a:1", "tag": "x"}),
     "bluegreen:blue.tag = 'x' is invalid: unknown key (known keys: image, replicas)"),
    ("aws without bluegreen:aws", with_(MINIMAL, platform="aws"),
     "bluegreen:aws is missing: platform aws needs at least vpcId and subnetIds"),
    ("aws without vpcId", with_(AWS, aws={"subnetIds": TWO_SUBNETS}),
     "bluegreen:aws.vpcId is missing: this key is required"),
    ("aws with one subnet", with_(AWS, aws={"vpcId": "vpc-0a1b2c3d4e5f67890", "subnetIds": TWO_SUBNETS[:1]}),
     "bluegreen:aws.subnetIds = ['subnet-0a1b2c3d4e5f60001'] is invalid: list should have at least 2 items"),
    ("kubernetes selector mode with a canary split",
     with_(MINIMAL, platform="kubernetes", traffic={"blue": 90, "green": 10}),
     "bluegreen:traffic = {blue: 90, green: 10} is invalid: a Service selector can only send 100% to one color; "
     "set bluegreen:kubernetes.gateway"),
    ("docker ports clash", with_(MINIMAL, docker={"httpPort": 8080, "testPort": 8080}),
     "bluegreen:docker.testPort = 8080 is invalid: must differ from httpPort"),
]


@pytest.mark.parametrize(("config", "expected"), [c[1:] for c in BAD_VALUES], ids=[c[0] for c in BAD_VALUES])
def test_bad_value_stops_the_program_with_one_line_naming_key_value_and_rule(config: dict, expected: str) -> None:
    message = failure(config)
    assert expected in message
    assert "Traceback" not in message


def test_every_problem_is_reported_in_one_pass() -> None:
    message = failure({**with_(MINIMAL, traffic={"blue": 90, "green": 20}), **health(path="x", timeoutSeconds=30)})
    lines = message.splitlines()
    assert lines[0] == "invalid stack config (3 problem(s)):"
    assert sorted(line.split(" ")[0] for line in lines[1:]) == [
        "bluegreen:service.healthCheck.path",
        "bluegreen:service.healthCheck.timeoutSeconds",
        "bluegreen:traffic",
    ]


def test_string_weights_from_config_set_path_are_accepted() -> None:
    # `pulumi config set --path bluegreen:traffic.green 10` may store the number as a string.
    from components.spec import parse_spec
    from components.spec.loader import raw_from_engine_config

    raw = raw_from_engine_config(
        {"bluegreen:blue": '{"image": "a:1"}', "bluegreen:green": '{"image": "b:1"}',
         "bluegreen:traffic": '{"blue": "90", "green": "10"}'}
    )
    traffic = parse_spec(raw).traffic
    assert (traffic.blue, traffic.green) == (90, 10)


def test_the_runner_keeps_what_a_run_registered_so_the_check_above_can_fail() -> None:
    run = ProgramRun()
    run_config(MINIMAL, into=run)
    assert run.resources, "a valid config registers resources into the ProgramRun passed in"
