"""The AWS gate reads `describe_target_health` on the color's target group (moto stands in for AWS).

moto reports registered IP targets as `healthy` and stopped EC2 instances as
`unused`; it never reports `unhealthy`, so that verdict is checked on the pure
judge with the response shape AWS documents.
"""

import pytest
from rollout_support import Recorder, aws_config

from bluegreen.health_gates import TargetHealthGate, judge_targets
from bluegreen.rollout import Rollout, Timing
from bluegreen.rollout_plan import Override, plan_release
from bluegreen.stack_files import spec_of
from testkit.mock_driver import MockProgramDriver

SPEC = spec_of(aws_config())  # 2 replicas per color


@pytest.fixture
def aws(fake_aws_credentials, monkeypatch):
    # Imported here: only the worker that runs this module pays for boto3 and moto (about 0.3 s of CPU).
    import boto3
    from moto import mock_aws

    # moto loads its ~13,000 public AMIs into every new EC2 backend (each test's); the one test that
    # runs instances registers an image of its own.
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    with mock_aws():
        ec2 = boto3.client("ec2", region_name="us-east-1")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        elbv2 = boto3.client("elbv2", region_name="us-east-1")

        def target_group(name: str, target_type: str = "ip") -> str:
            return elbv2.create_target_group(
                Name=name, Protocol="HTTP", Port=8080, VpcId=vpc, TargetType=target_type
            )["TargetGroups"][0]["TargetGroupArn"]

        yield elbv2, ec2, target_group


def test_enough_healthy_targets_pass(aws):
    elbv2, _, target_group = aws
    arn = target_group("web-green-tg")
    elbv2.register_targets(TargetGroupArn=arn, Targets=[{"Id": "10.0.1.10"}, {"Id": "10.0.2.10"}])

    result = TargetHealthGate(region="us-east-1").check("green", SPEC, {"targetGroupArns": {"green": arn}})

    assert result.healthy
    assert result.detail == "2/2 healthy; 2 healthy"


def test_fewer_healthy_targets_than_replicas_fail(aws):
    elbv2, _, target_group = aws
    arn = target_group("web-green-tg")
    elbv2.register_targets(TargetGroupArn=arn, Targets=[{"Id": "10.0.1.10"}])

    result = TargetHealthGate(region="us-east-1").check("green", SPEC, {"targetGroupArns": {"green": arn}})

    assert not result.healthy
    assert result.detail.startswith("1/2 healthy")


def test_stopped_instances_count_as_not_healthy(aws):
    elbv2, ec2, target_group = aws
    arn = target_group("web-blue-tg", target_type="instance")
    image = ec2.register_image(Name="web", RootDeviceName="/dev/xvda")["ImageId"]
    ids = [i["InstanceId"] for i in ec2.run_instances(ImageId=image, MinCount=2, MaxCount=2)["Instances"]]
    elbv2.register_targets(TargetGroupArn=arn, Targets=[{"Id": i} for i in ids])
    ec2.stop_instances(InstanceIds=ids[:1])

    result = TargetHealthGate(region="us-east-1").check("blue", SPEC, {"targetGroupArns": {"blue": arn}})

    assert not result.healthy
    assert result.detail == "1/2 healthy; 1 healthy, 1 unused"


def test_an_unknown_target_group_is_unhealthy_not_an_exception(aws):
    missing = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/gone/0123456789abcdef"

    result = TargetHealthGate(region="us-east-1").check("blue", SPEC, {"targetGroupArns": {"blue": missing}})

    assert not result.healthy
    assert "describe_target_health failed" in result.detail
    assert "TargetGroupNotFound" in result.detail


def test_a_stack_without_target_group_outputs_is_unhealthy():
    result = TargetHealthGate(client_factory=lambda: pytest.fail("no client needed")).check("blue", SPEC, {})

    assert not result.healthy
    assert "no targetGroupArns output" in result.detail


def test_any_unhealthy_target_fails_the_gate_and_its_reason_is_shown():
    descriptions = [
        {"Target": {"Id": "10.0.1.10"}, "TargetHealth": {"State": "healthy"}},
        {"Target": {"Id": "10.0.2.10"}, "TargetHealth": {"State": "healthy"}},
        {
            "Target": {"Id": "10.0.3.10"},
            "TargetHealth": {"State": "unhealthy", "Reason": "Target.ResponseCodeMismatch"},
        },
    ]

    result = judge_targets("green", 2, descriptions)

    assert not result.healthy
    assert result.detail == "2/2 healthy; 2 healthy, 1 unhealthy (Target.ResponseCodeMismatch)"


def test_draining_old_targets_do_not_block_a_healthy_color():
    descriptions = [
        {"TargetHealth": {"State": "healthy"}},
        {"TargetHealth": {"State": "healthy"}},
        {"TargetHealth": {"State": "draining", "Reason": "Target.DeregistrationInProgress"}},
    ]

    assert judge_targets("green", 2, descriptions).healthy


class _MotoArnsDriver(MockProgramDriver):
    """The program's mocked ARNs replaced by moto's, and a hook that runs after each update."""

    def __init__(self, *args, arns: dict[str, str], after_up, **kwargs):
        super().__init__(*args, **kwargs)
        self.arns = arns
        self.after_up = after_up

    def up(self, on_output, message=None):
        super().up(on_output, message)
        self.after_up(self.config())
        return self.outputs()

    def outputs(self):
        return {**super().outputs(), "targetGroupArns": self.arns}


def test_a_release_on_aws_rolls_back_when_the_new_target_group_loses_its_targets(aws):
    elbv2, _, target_group = aws
    arns = {"blue": target_group("web-blue-tg"), "green": target_group("web-green-tg")}
    for arn in arns.values():
        elbv2.register_targets(TargetGroupArn=arn, Targets=[{"Id": "10.0.1.10"}, {"Id": "10.0.2.10"}])

    def break_green_at_half(config):
        # Stands in for green's tasks failing under real load once it takes half the traffic.
        if config["bluegreen:traffic"]["green"] == 50:
            elbv2.deregister_targets(TargetGroupArn=arns["green"], Targets=[{"Id": "10.0.1.10"}])

    driver = _MotoArnsDriver("dev", aws_config(), arns=arns, after_up=break_green_at_half)
    plan = plan_release(driver.config(), "repo/web:1.5.0", Override(steps=(10, 50, 100), bake=0))
    gate = TargetHealthGate(region="us-east-1")
    timing = Timing(wait_timeout=0, poll_interval=0.001)

    result = Rollout(plan, driver, [gate], Recorder(), timing).run()

    assert (result.outcome, result.exit_code) == ("rolled_back", 1)
    assert driver.config()["bluegreen:traffic"] == {"blue": 100, "green": 0}
    assert "1/2 healthy" in result.message
