"""The components as a library: examples/fleet/ declares three services on the platform's shared ALB.

The program is run under mocks exactly like `__main__.py`; it reads no `bluegreen:*`
config, builds every service with typed arguments and passes its own priorities.
"""

from collections import Counter
from typing import Any

import pulumi
import pytest

from bluegreen.program_run import ProgramRun, run_config
from bluegreen.run_diff import diff_runs
from bluegreen.stack_files import PROJECT_DIR, read_stack_config, set_path
from components.aws import AwsServiceArgs, BlueGreenService
from components.service_args import spec_from_args
from components.spec import AwsConfig, ColorSpec, HealthCheck, Service, SharedListener, Traffic
from components.spec.arguments import ArgumentError

EXAMPLES = PROJECT_DIR / "examples"
PLATFORM_STACK = "acme/bluegreen-platform/prod"
NAMES = ("api", "web", "admin")


@pytest.fixture(scope="module")
def platform_outputs() -> dict[str, Any]:
    platform_dir = EXAMPLES / "platform"
    return run_config(read_stack_config("prod", project_dir=platform_dir), stack="prod",
                      project_dir=platform_dir).outputs


def fleet(platform_outputs: dict[str, Any], **overrides: Any) -> ProgramRun:
    config = read_stack_config("prod", project_dir=EXAMPLES / "fleet")
    for path, value in overrides.items():
        config = set_path(config, path, value)
    return run_config(config, stack="prod", project_dir=EXAMPLES / "fleet",
                      stack_outputs={PLATFORM_STACK: platform_outputs})


@pytest.fixture(scope="module")
def three(platform_outputs) -> ProgramRun:
    return fleet(platform_outputs)


def test_every_service_has_all_its_resources(three):
    per_service = Counter(r.name.split("-")[0] for r in three.resources.values())
    assert set(per_service) == set(NAMES)
    # The same set of resources for each: component, router, 2 colors, 2 rules, 2 target groups, tasks' group
    # and its 3 rules, and per color a log group, role, policy attachment, task definition and service.
    assert set(per_service.values()) == {22}
    for name in NAMES:
        assert three.named(name).type == "bluegreen:index:AwsBlueGreenService"
        services = {three.named(f"{name}-{color}-service").type for color in ("blue", "green")}
        assert services == {"aws:ecs/service:Service"}
    assert not three.of_type("aws:lb/loadBalancer:LoadBalancer")
    assert not three.of_type("aws:lb/listener:Listener")


def test_names_are_unique_in_the_stack_and_in_aws(three):
    names = [(r.type, r.name) for r in three.resources.values()]
    assert len(names) == len(set(names))
    families = [r.inputs["family"] for r in three.of_type("aws:ecs/taskDefinition:TaskDefinition")]
    assert len(families) == len(set(families)) == 6


def test_three_rules_with_distinct_priorities_on_the_shared_listener(three, platform_outputs):
    rules = {r.name: r.inputs for r in three.of_type("aws:lb/listenerRule:ListenerRule")}
    production = {name: rules[f"{name}-rule"] for name in NAMES}
    assert {name: rule["priority"] for name, rule in production.items()} == {"api": 10, "web": 20, "admin": 30}
    assert {rule["listenerArn"] for rule in production.values()} == {platform_outputs["listenerArn"]}
    assert {rules[f"{name}-test-rule"]["listenerArn"] for name in NAMES} == {platform_outputs["testListenerArn"]}
    assert three.outputs["webUrl"] == "https://shop.example.com"


def test_a_flip_of_one_service_changes_one_resource(three, platform_outputs):
    step = fleet(platform_outputs, **{"fleet:services.web.traffic": {"blue": 90, "green": 10}})
    changes = diff_runs(three, step)
    assert [(c.name, c.kind, c.changed) for c in changes] == [("web-rule", "update", ("actions",))]


def test_a_duplicate_priority_is_rejected_before_any_resource(platform_outputs):
    run = ProgramRun()
    with pytest.raises(pulumi.RunError) as caught:
        run_config({**read_stack_config("prod", project_dir=EXAMPLES / "fleet"),
                    "fleet:services": {
                        "api": {"priority": 10, "host": "api.example.com", "blue": "a:1", "green": "a:2"},
                        "web": {"priority": 10, "host": "web.example.com", "blue": "w:1", "green": "w:2"}}},
                   stack="prod", project_dir=EXAMPLES / "fleet", into=run, stack_outputs={PLATFORM_STACK: {}})
    assert str(caught.value) == (
        "BlueGreenService 'web': aws[\"shared_listener\"][\"priority\"] = 10 is invalid: service 'api' already "
        "has priority 10 on the same "
        "listener (platform stack acme/bluegreen-platform/prod); each service needs its own (ALB evaluates rules "
        "by priority, one rule per number)"
    )
    assert run.resources == {}


# The typed arguments ---------------------------------------------------------------------------

SHARED = AwsConfig(
    vpc_id="vpc-0c1d2e3f4a5b60718",
    subnet_ids=["subnet-0c1d2e3f4a5b60101", "subnet-0c1d2e3f4a5b60102"],
    platform_stack=PLATFORM_STACK,
    shared_listener=SharedListener(priority=40, path_patterns=["/reports/*"]),
)


def args(**changes: Any) -> AwsServiceArgs:
    base: AwsServiceArgs = {
        "service": Service(name="reports", drain_seconds=10, health_check=HealthCheck(path="/ready")),
        "blue": ColorSpec(image="reports:1"),
        "green": ColorSpec(image="reports:2", replicas=0),
        "aws": SHARED,
    }
    return {**base, **changes}  # pyright: ignore[reportReturnType]


def test_python_callers_use_field_names_that_stack_files_may_not():
    spec = spec_from_args("aws", "reports", args())
    assert (spec.service.drain_seconds, spec.service.health_check.path) == (10, "/ready")
    assert spec.traffic == Traffic(blue=100, green=0), "all traffic on blue when traffic is left out"


def test_cross_field_rules_name_the_service_and_the_arguments_not_config_keys():
    with pytest.raises(pulumi.RunError) as caught:
        spec_from_args("aws", "reports", args(traffic=Traffic(blue=90, green=10)))
    assert str(caught.value) == (
        "invalid arguments of BlueGreenService 'reports' (1 problem(s)):\n"
        'traffic["green"] = 10 is invalid: green has 0 replicas, so it cannot take traffic; '
        'set green["replicas"] above 0 or send its weight elsewhere'
    )
    assert "bluegreen:" not in str(caught.value)


def test_a_bad_argument_is_named_as_the_caller_wrote_it():
    with pytest.raises(pulumi.RunError) as caught:
        spec_from_args("aws", "reports", args(green={"image": "reports:2", "replicas": -1}))
    assert 'green["replicas"] = -1 is invalid: must be an integer from 0 to 100' in str(caught.value)


def test_a_model_built_directly_names_the_argument_not_pydantic():
    # It raised pydantic's ValidationError ("1 validation error for ColorSpec ... [type=range, ...]").
    with pytest.raises(ArgumentError) as caught:
        ColorSpec(image="reports:2", replicas=-1)
    assert str(caught.value) == (
        "invalid arguments of ColorSpec (1 problem(s)):\nreplicas = -1 is invalid: must be an integer from 0 to 100"
    )
    assert isinstance(caught.value, ValueError), "code that caught pydantic's ValueError keeps working"


def test_a_nested_argument_of_a_model_is_named_by_its_path():
    with pytest.raises(ArgumentError) as caught:
        Service(name="reports", health_check={"interval_seconds": 1})  # pyright: ignore[reportArgumentType]
    assert caught.value.problems == [
        'health_check["interval_seconds"] = 1 is invalid: must be an integer from 5 to 300'
    ]
    with pytest.raises(ArgumentError, match=r'shared_listener\["priority"\] = 0 is invalid: must be an integer'):
        AwsConfig(vpc_id="vpc-1", shared_listener={"priority": 0, "path_patterns": ["/r/*"]})  # pyright: ignore


def test_a_rule_on_a_whole_model_typos_and_missing_arguments_are_named():
    with pytest.raises(ArgumentError) as caught:
        Traffic(blue=50, green=40)
    assert caught.value.problems == [
        "Traffic = {blue: 50, green: 40} is invalid: weights must sum to 100 (blue 50 + green 40 = 90)"
    ]
    with pytest.raises(ArgumentError) as caught:
        Service(drainSecond=3)  # pyright: ignore[reportCallIssue]
    assert caught.value.problems == [
        "drain_second = 3 is invalid: unknown argument; did you mean drain_seconds? "
        "(known: drain_seconds, health_check, name, port, replicas)"
    ]
    with pytest.raises(ArgumentError) as caught:
        ColorSpec()  # pyright: ignore[reportCallIssue]
    assert caught.value.problems == ["image is missing: this argument is required"]


def test_a_credential_passed_directly_is_never_shown_in_the_error():
    from components.spec.notifications import NotificationTarget
    from components.spec.rollout import RolloutSpec

    token = "T000/B000/XOXB-SECRET"
    with pytest.raises(ArgumentError) as slack:
        NotificationTarget(name="ops", kind="slack", url=f"ftp://hooks.slack.com/services/{token}")
    with pytest.raises(ArgumentError) as signed:
        NotificationTarget(name="ops", kind="slack", url="https://hooks.example/x", secret="hmac-key-42")
    with pytest.raises(ArgumentError) as hook:
        RolloutSpec(hooks={"preTraffic": {"url": f"gopher://checks.example/{token}"}})  # pyright: ignore

    assert slack.value.problems == ["url = [secret] is invalid: must be an http(s) URL"]
    assert signed.value.problems[0].startswith("secret = [secret] is invalid: only a webhook target signs")
    assert hook.value.problems[0].startswith('hooks["pre_traffic"]["url"] = [secret] is invalid:')
    assert not any(text in str(e.value) for e in (slack, signed, hook) for text in (token, "hmac-key-42"))


def test_a_nested_mistake_in_a_stack_file_is_reported_once_at_its_config_key():
    from bluegreen.stack_files import spec_of
    from components.spec import ConfigError

    config = {
        "bluegreen:platform": "docker",
        "bluegreen:service": {"healthCheck": {"intervalSeconds": 1}},
        "bluegreen:blue": {"image": "repo/web:1"},
        "bluegreen:green": {"image": "repo/web:2", "replicas": -1},
    }
    with pytest.raises(ConfigError) as caught:
        spec_of(config)
    assert [str(p) for p in caught.value.problems] == [
        "bluegreen:service.healthCheck.intervalSeconds = 1 is invalid: must be an integer from 5 to 300",
        "bluegreen:green.replicas = -1 is invalid: must be an integer from 0 to 100",
    ]


def test_the_same_mistake_in_a_stack_file_names_the_config_key():
    from bluegreen.stack_files import spec_of
    from components.spec import ConfigError

    config = {
        "bluegreen:platform": "docker",
        "bluegreen:blue": {"image": "repo/web:1"},
        "bluegreen:green": {"image": "repo/web:2", "replicas": 0},
        "bluegreen:traffic": {"blue": 90, "green": 10},
    }
    with pytest.raises(ConfigError) as caught:
        spec_of(config)
    assert "set bluegreen:green.replicas above 0" in str(caught.value)


def test_a_missing_platform_setting_is_reported_not_a_traceback():
    incomplete = args()
    del incomplete["aws"]  # pyright: ignore[reportGeneralTypeIssues]
    missing = r"'reports' \(1 problem\(s\)\):\naws is missing: platform aws needs at least vpcId"
    with pytest.raises(pulumi.RunError, match=missing):
        BlueGreenService("reports", incomplete)
