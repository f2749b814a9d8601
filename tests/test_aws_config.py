"""Platform aws, config validation: every rule of `bluegreen:aws` (and the aws-only limits on the
shared keys) stops the real program with one line naming the key, the value and the rule,
before any resource is registered; and the nearest good value passes."""

from typing import Any

import pytest

from components.spec import parse_spec
from tests.conftest import config_error, run_config, stack_config

VPC = "vpc-0a1b2c3d4e5f60718"
SUBNETS = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/2b5c7e3a-8f41-4c1e-9d6a-0f3e5a7b9c21"


def aws(**fields: Any) -> dict[str, Any]:
    """The dev stack with `bluegreen:aws` replaced by vpcId + subnetIds + fields (None drops a key)."""
    base = {"vpcId": VPC, "subnetIds": SUBNETS, **fields}
    return {"bluegreen:aws": {k: v for k, v in base.items() if v is not None}}


def health(**fields: Any) -> dict[str, Any]:
    return {"bluegreen:service.healthCheck": {"intervalSeconds": 10, "timeoutSeconds": 5, **fields}}


BAD = [
    # (case id, overrides of the dev stack, the line the user must see)
    (
        "no bluegreen:aws",
        {"bluegreen:aws": None},
        "bluegreen:aws is missing: platform aws needs at least vpcId and subnetIds",
    ),
    ("no vpcId", aws(vpcId=None), "bluegreen:aws.vpcId is missing: this key is required"),
    (
        "malformed vpcId",
        aws(vpcId="subnet-0a1b2c3d"),
        "bluegreen:aws.vpcId = 'subnet-0a1b2c3d' is invalid: must look like vpc-0123456789abcdef0",
    ),
    ("no subnetIds", aws(subnetIds=None), "bluegreen:aws.subnetIds is missing: this key is required"),
    (
        "one subnet",
        aws(subnetIds=SUBNETS[:1]),
        "bluegreen:aws.subnetIds = ['subnet-0a1b2c3d4e5f60001'] is invalid: "
        "list should have at least 2 items after validation, not 1",
    ),
    (
        "malformed subnet",
        aws(subnetIds=[SUBNETS[0], "sn-2"]),
        "bluegreen:aws.subnetIds[1] = 'sn-2' is invalid: must look like subnet-0123456789abcdef0",
    ),
    (
        "same subnet twice",
        aws(subnetIds=[SUBNETS[0], SUBNETS[0]]),
        f"bluegreen:aws.subnetIds = ['{SUBNETS[0]}', '{SUBNETS[0]}'] is invalid: "
        "must list distinct subnets (an ALB needs two availability zones)",
    ),
    (
        "empty taskSubnetIds",
        aws(taskSubnetIds=[]),
        "bluegreen:aws.taskSubnetIds = [] is invalid: "
        "list should have at least 1 item after validation, not 0",
    ),
    (
        "certificate not an ARN",
        aws(certificateArn="my-cert"),
        "bluegreen:aws.certificateArn = 'my-cert' is invalid: must look like "
        "arn:aws:acm:<region>:<account>:certificate/<id> (an ACM certificate in the ALB's region)",
    ),
    (
        "CIDR without prefix length",
        aws(ingressCidrs=["10.0.0.300/8"]),
        "bluegreen:aws.ingressCidrs[0] = '10.0.0.300/8' is invalid: must be a network in CIDR notation "
        "with no host bits set, e.g. 0.0.0.0/0 or 10.0.0.0/16",
    ),
    (
        "CIDR with host bits",
        aws(ingressCidrs=["10.0.0.1/8"]),
        "bluegreen:aws.ingressCidrs[0] = '10.0.0.1/8' is invalid: must be a network in CIDR notation "
        "with no host bits set, e.g. 0.0.0.0/0 or 10.0.0.0/16",
    ),
    (
        "no ingress CIDR",
        aws(ingressCidrs=[]),
        "bluegreen:aws.ingressCidrs = [] is invalid: "
        "list should have at least 1 item after validation, not 0",
    ),
    (
        "bad test CIDR",
        aws(testIngressCidrs=["office"]),
        "bluegreen:aws.testIngressCidrs[0] = 'office' is invalid: must be a network in CIDR notation "
        "with no host bits set, e.g. 0.0.0.0/0 or 10.0.0.0/16",
    ),
    (
        "test port on 80",
        aws(testListenerPort=80),
        "bluegreen:aws.testListenerPort = 80 is invalid: "
        "must differ from 80 and 443, which the production and redirect listeners use",
    ),
    (
        "test port on 443",
        aws(testListenerPort=443),
        "bluegreen:aws.testListenerPort = 443 is invalid: "
        "must differ from 80 and 443, which the production and redirect listeners use",
    ),
    (
        "test port out of range",
        aws(testListenerPort=70000),
        "bluegreen:aws.testListenerPort = 70000 is invalid: must be an integer from 1 to 65535",
    ),
    (
        "idle timeout out of range",
        aws(idleTimeoutSeconds=0),
        "bluegreen:aws.idleTimeoutSeconds = 0 is invalid: must be an integer from 1 to 4000",
    ),
    (
        "cpu not a Fargate size",
        aws(cpu=300),
        "bluegreen:aws.cpu = 300 is invalid: "
        "must be a Fargate CPU size: 256, 512, 1024, 2048, 4096, 8192, 16384",
    ),
    (
        "memory too small for cpu",
        aws(cpu=1024, memory=1024),
        "bluegreen:aws.memory = 1024 is invalid: "
        "with cpu 1024, Fargate takes memory 2048..8192 in steps of 1024 (MiB)",
    ),
    (
        "memory between sizes",
        aws(cpu=256, memory=1536),
        "bluegreen:aws.memory = 1536 is invalid: with cpu 256, Fargate takes memory 512, 1024, 2048 (MiB)",
    ),
    (
        "retention CloudWatch lacks",
        aws(logRetentionDays=10),
        "bluegreen:aws.logRetentionDays = 10 is invalid: "
        "must be a CloudWatch retention: 1, 3, 5, 7, 14, 30, 60, 90, "
        "120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653",
    ),
    (
        "typo in an aws key",
        aws(certificateARN=CERT),
        f"bluegreen:aws.certificateARN = '{CERT}' is invalid: "
        "unknown key; did you mean certificateArn? (known keys: "
        "accessLogs, assignPublicIp, certificateArn, clusterArn, cpu, deletionProtection, idleTimeoutSeconds, "
        "ingressCidrs, logRetentionDays, "
        "memory, platformStack, sharedListener, subnetIds, taskSubnetIds, testIngressCidrs, testListenerPort, vpcId)",
    ),
    (
        "service name too long for target groups",
        {"bluegreen:service.name": "checkout-service"},
        "bluegreen:service.name = 'checkout-service' is invalid: platform aws names target groups "
        "'checkout-service-green-tg-<7 random>', which AWS caps at 32 characters: use at most 15 characters",
    ),
    (
        "health timeout above ECS's 60",
        health(intervalSeconds=120, timeoutSeconds=61),
        "bluegreen:service.healthCheck.timeoutSeconds = 61 is invalid: "
        "ECS container health checks allow at most 60 seconds on platform aws",
    ),
]


@pytest.mark.parametrize(("overrides", "line"), [case[1:] for case in BAD], ids=[case[0] for case in BAD])
def test_bad_aws_config_stops_the_program_before_any_resource(overrides, line):
    message = config_error(_apply(overrides), stack="dev")
    assert line in message.splitlines()
    assert message.startswith("invalid stack config (1 problem(s)):")


def _apply(overrides: dict[str, Any]) -> dict[str, Any]:
    """The dev stack with `--path` overrides applied; a None value removes that top-level key."""
    config = stack_config("dev", {k: v for k, v in overrides.items() if v is not None})
    for key in [k for k, v in overrides.items() if v is None]:
        del config[key]
    return config


def test_every_problem_in_bluegreen_aws_is_reported_at_once():
    config = _apply(aws(vpcId="vpc-x", subnetIds=["subnet-0a1b2c3d"], cpu=300))
    lines = config_error(config, stack="dev").splitlines()
    assert lines[0] == "invalid stack config (3 problem(s)):"
    assert [line.split(" = ")[0] for line in lines[1:]] == [
        "bluegreen:aws.vpcId", "bluegreen:aws.subnetIds", "bluegreen:aws.cpu"
    ]


# The nearest good values pass -------------------------------------------------------------------


def spec_with(**aws_fields: Any) -> dict[str, Any]:
    return {
        "platform": "aws",
        "blue": {"image": "web:1"},
        "green": {"image": "web:2"},
        "aws": {"vpcId": VPC, "subnetIds": SUBNETS, **aws_fields},
    }


GOOD = [
    ("17-hex vpc and subnets", {"vpcId": "vpc-0123456789abcdef0"}),
    ("8-hex ids", {"vpcId": "vpc-0a1b2c3d", "subnetIds": ["subnet-0a1b2c3d", "subnet-0a1b2c3e"]}),
    ("two distinct subnets", {"subnetIds": SUBNETS}),
    ("task subnets", {"taskSubnetIds": ["subnet-0a1b2c3d"]}),
    ("ACM certificate", {"certificateArn": CERT}),
    ("IAM server certificate", {"certificateArn": "arn:aws:iam::123456789012:server-certificate/web"}),
    (
        "GovCloud ACM certificate",
        {"certificateArn": "arn:aws-us-gov:acm:us-gov-west-1:123456789012:certificate/ab-12"},
    ),
    (
        "IPv4 and IPv6 networks",
        {"ingressCidrs": ["10.0.0.0/8", "::/0"], "testIngressCidrs": ["192.0.2.7/32"]},
    ),
    ("test port 8443", {"testListenerPort": 8443}),
    ("idle timeout 4000", {"idleTimeoutSeconds": 4000}),
    ("largest memory for 256 cpu", {"cpu": 256, "memory": 2048}),
    ("16 vCPU", {"cpu": 16384, "memory": 122880}),
    ("8 vCPU step", {"cpu": 8192, "memory": 20480}),
    ("retention 3653 days", {"logRetentionDays": 3653}),
]


@pytest.mark.parametrize("fields", [case[1] for case in GOOD], ids=[case[0] for case in GOOD])
def test_good_aws_values_pass(fields):
    spec = parse_spec(spec_with(**fields))
    assert spec.aws_config.model_dump(exclude_unset=True) == spec_with(**fields)["aws"]


def test_fifteen_character_name_and_60_second_timeout_pass_on_aws():
    raw = spec_with() | {
        "service": {"name": "checkout-servic", "healthCheck": {"intervalSeconds": 120, "timeoutSeconds": 60}}
    }
    spec = parse_spec(raw)
    assert (spec.service.name, spec.service.health_check.timeout_seconds) == ("checkout-servic", 60)


def test_aws_only_limits_do_not_apply_to_other_platforms():
    raw = {
        "platform": "docker",
        "blue": {"image": "web:1"},
        "green": {"image": "web:2"},
        "service": {
            "name": "checkout-service",
            "healthCheck": {"intervalSeconds": 120, "timeoutSeconds": 61},
        },
    }
    spec = parse_spec(raw)
    assert (spec.service.name, spec.service.health_check.timeout_seconds) == ("checkout-service", 61)


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_every_aws_stack_file_is_valid_and_builds(stack):
    run = run_config(stack_config(stack), stack=stack)
    assert run.named("web").type == "bluegreen:index:AwsBlueGreenService"
    assert run.outputs["liveColor"] == "blue"
