"""Issue 9, values that passed validation and then did harm where they landed.

Every case runs the real `__main__.py` under mocks: the program must stop with a line naming
the key, the value and the rule, and register nothing (see `config_error`).
"""

from pathlib import Path
from typing import Any

import pulumi
import pytest

from bluegreen.program_run import ProgramRun
from tests.conftest import config_error, run_config

DOCKER = {
    "bluegreen:platform": "docker",
    "bluegreen:blue": {"image": "ghcr.io/acme/web:1.4.2"},
    "bluegreen:green": {"image": "ghcr.io/acme/web:1.5.0"},
}
SUBNETS = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
AWS = {**DOCKER, "bluegreen:platform": "aws", "bluegreen:aws": {"vpcId": "vpc-0a1b2c3d4e5f67890", "subnetIds": SUBNETS}}
KUBERNETES = {**DOCKER, "bluegreen:platform": "kubernetes"}


def health(path: str) -> dict[str, Any]:
    return {**DOCKER, "bluegreen:service": {"healthCheck": {"path": path}}}


def aws(**fields: Any) -> dict[str, Any]:
    return {**AWS, "bluegreen:aws": {**AWS["bluegreen:aws"], **fields}}


def docker(**fields: Any) -> dict[str, Any]:
    return {**DOCKER, "bluegreen:docker": fields}


def kubernetes(**fields: Any) -> dict[str, Any]:
    return {**KUBERNETES, "bluegreen:kubernetes": fields}


PATH = "bluegreen:service.healthCheck.path"
BAD = [
    # Health paths: what HAProxy, a shell or an HTTP request line cannot carry.
    ("space in the path", health("/my health"), f"{PATH} = '/my health' is invalid: contains ' '"),
    ("newline injecting HAProxy directives", health("/h\n    server evil 192.0.2.1:80"),
     f"{PATH} = '/h\\n    server evil 192.0.2.1:80' is invalid: contains '\\n'"),
    ("fragment", health("/health#x"), f"{PATH} = '/health#x' is invalid: contains '#'"),
    ("double quote", health('/h"x'), f"{PATH} = '/h\"x' is invalid: contains '\"'"),
    ("backslash", health("/h\\x"), f"{PATH} = '/h\\\\x' is invalid: contains '\\\\'"),
    ("backquote", health("/h`id`"), f"{PATH} = '/h`id`' is invalid: contains '`'"),
    ("non-ASCII", health("/santé"), f"{PATH} = '/santé' is invalid: contains 'é'"),
    ("broken escape", health("/h%zz"), f"{PATH} = '/h%zz' is invalid: has a '%' that is not followed by two hex"),
    ("too long", health("/" + "a" * 1024), "is invalid: must be at most 1024 characters"),
    # Images: a blue/green release compares two fixed versions.
    ("untagged image", {**DOCKER, "bluegreen:blue": {"image": "nginx"}},
     "bluegreen:blue.image = 'nginx' is invalid: must be pinned by a tag other than latest, or a digest"),
    ("latest", {**DOCKER, "bluegreen:green": {"image": "nginx:latest"}},
     "bluegreen:green.image = 'nginx:latest' is invalid: must be pinned by a tag other than latest"),
    ("registry latest", {**DOCKER, "bluegreen:green": {"image": "registry.example.com:5000/team/web:latest"}},
     "is invalid: must be pinned by a tag other than latest"),
    ("trailing space", {**DOCKER, "bluegreen:blue": {"image": "nginx:1.25 "}},
     "bluegreen:blue.image = 'nginx:1.25 ' is invalid: must be an image reference without spaces"),
    ("trailing newline", {**DOCKER, "bluegreen:blue": {"image": "nginx:1.25\n"}},
     "bluegreen:blue.image = 'nginx:1.25\\n' is invalid: must be an image reference without spaces"),
    ("uppercase repository", {**DOCKER, "bluegreen:blue": {"image": "acme/Web:1.2"}},
     "bluegreen:blue.image = 'acme/Web:1.2' is invalid: must be an image reference such as"),
    ("short digest", {**DOCKER, "bluegreen:blue": {"image": "nginx@sha256:abc"}},
     "bluegreen:blue.image = 'nginx@sha256:abc' is invalid: must be an image reference such as"),
    ("router image latest", docker(haproxyImage="haproxy:latest"),
     "bluegreen:docker.haproxyImage = 'haproxy:latest' is invalid: must be pinned"),
    # CIDRs.
    ("cidr with host bits", aws(ingressCidrs=["10.0.0.1/8"]),
     "bluegreen:aws.ingressCidrs[0] = '10.0.0.1/8' is invalid: must be a network in CIDR notation"),
    ("number as cidr", aws(testIngressCidrs=[0]),
     "bluegreen:aws.testIngressCidrs[0] = 0 is invalid: must be a CIDR string"),
    # Booleans are not numbers.
    ("boolean retention", aws(logRetentionDays=True),
     "bluegreen:aws.logRetentionDays = True is invalid: must be an integer"),
    ("boolean cpu", aws(cpu=True), "bluegreen:aws.cpu = True is invalid: must be an integer"),
    ("boolean memory", aws(memory=False), "bluegreen:aws.memory = False is invalid: must be an integer"),
    ("boolean router memory", docker(routerMemoryMb=True),
     "bluegreen:docker.routerMemoryMb = True is invalid: must be an integer"),
    ("boolean cpu request", kubernetes(resources={"requests": {"cpu": True}}),
     "bluegreen:kubernetes.resources.requests.cpu = True is invalid: must be a Kubernetes quantity"),
    # A rollout that can never progress.
    ("maxSurge 00%", kubernetes(rollout={"maxSurge": "00%", "maxUnavailable": 0}),
     "bluegreen:kubernetes.rollout.maxUnavailable = 0 is invalid: maxSurge and maxUnavailable cannot both be 0"),
    ("maxSurge 000% and maxUnavailable 0%", kubernetes(rollout={"maxSurge": "000%", "maxUnavailable": "00%"}),
     "bluegreen:kubernetes.rollout.maxUnavailable = '00%' is invalid: maxSurge and maxUnavailable cannot"),
    # Kubernetes pods.
    ("memory in millibytes", kubernetes(resources={"limits": {"memory": "256m"}}),
     "bluegreen:kubernetes.resources.limits.memory = '256m' is invalid: is below 4Mi"),
    ("limit below request", kubernetes(resources={"requests": {"cpu": "2"}, "limits": {"cpu": "500m"}}),
     "bluegreen:kubernetes.resources.limits = {cpu: '500m'} is invalid: cpu limit 500m is below its request 2"),
    ("default memory limit below a raised request", kubernetes(resources={"requests": {"memory": "1Gi"}}),
     "is invalid: memory limit 256Mi is below its request 1Gi"),
    ("privileged pods", kubernetes(podSecurity="privileged"),
     "bluegreen:kubernetes.podSecurity = 'privileged' is invalid: must be one of 'restricted' or 'baseline'"),
    ("root uid", kubernetes(runAsUser=0),
     "bluegreen:kubernetes.runAsUser = 0 is invalid: must be an integer from 1 to 2147483647"),
    # Docker host exposure and the router's bind mount.
    ("publish address as a name", docker(publishAddress="localhost"),
     "bluegreen:docker.publishAddress = 'localhost' is invalid: must be an IP address of this host"),
    ("config dir /", docker(configDir="/"), "bluegreen:docker.configDir = '/' is invalid: is a system or home"),
    ("config dir /etc", docker(configDir="/etc"), "bluegreen:docker.configDir = '/etc' is invalid: is a system"),
    ("config dir under /etc", docker(configDir="/etc/haproxy"), "is invalid: is a system or home directory"),
    ("config dir /usr/local/..", docker(configDir="/usr/local/.."), "is invalid: is a system or home directory"),
    ("config dir /var", docker(configDir="/var"), "is invalid: is a system or home directory"),
    ("config dir /root", docker(configDir="/root"), "is invalid: is a system or home directory"),
    ("config dir /proc/self", docker(configDir="/proc/self"), "is invalid: is a system or home directory"),
    ("config dir with a colon", docker(configDir="/srv/a:/etc"), "must not contain ':'"),
    ("config dir = home", docker(configDir=str(Path.home())), "is invalid: is a system or home directory"),
    # ALB access logs.
    ("bucket name", aws(accessLogs={"bucket": "My_Logs"}),
     "bluegreen:aws.accessLogs.bucket = 'My_Logs' is invalid: must be an S3 bucket name"),
    ("prefix with a slash", aws(accessLogs={"bucket": "acme-logs", "prefix": "/web"}),
     "bluegreen:aws.accessLogs.prefix = '/web' is invalid: must not start or end with '/'"),
]


@pytest.mark.parametrize(("config", "expected"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_value_stops_the_program_naming_the_key(config: dict, expected: str) -> None:
    message = config_error(config)
    assert expected in message
    assert "Traceback" not in message


def test_a_config_dir_that_is_a_symlink_to_etc_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "haproxy"
    link.symlink_to("/etc")
    assert "is a system or home directory (/etc)" in config_error(docker(configDir=str(link)))


@pytest.mark.parametrize(
    "image",
    ["nginx:1.25.3", "ghcr.io/acme/web:1.5.0", "localhost:5000/web:v2", "nginx@sha256:" + "a" * 64,
     "nginx:latest@sha256:" + "b" * 64],
)
def test_immutable_images_pass(image: str) -> None:
    run = run_config({**DOCKER, "bluegreen:blue": {"image": image}})
    assert run.named("web-blue-image").inputs["name"] == image


def test_an_aws_config_with_four_mistakes_reports_four() -> None:
    config = aws(subnetIds=[SUBNETS[0], SUBNETS[0]], testListenerPort=443, cpu=300, logRetentionDays=10)
    lines = config_error(config).splitlines()
    assert lines[0] == "invalid stack config (4 problem(s)):"
    assert sorted(line.split(" = ")[0] for line in lines[1:]) == [
        "bluegreen:aws.cpu", "bluegreen:aws.logRetentionDays", "bluegreen:aws.subnetIds",
        "bluegreen:aws.testListenerPort",
    ]


@pytest.mark.parametrize("aws_fields", [{"vpcId": "vpc-x"}, {"cpu": 300}], ids=["required key", "optional key"])
def test_cross_key_rules_are_reported_alongside_field_problems(aws_fields: dict) -> None:
    # A bad bluegreen:aws key once hid the AWS name-length and ECS timeout rules until the next run.
    service = {"name": "a-very-long-name-xy", "healthCheck": {"intervalSeconds": 90, "timeoutSeconds": 61}}
    config = {**aws(**aws_fields), "bluegreen:service": service}
    lines = config_error(config).splitlines()
    assert [line.split(" = ")[0] for line in lines[1:]] == [
        f"bluegreen:aws.{next(iter(aws_fields))}",
        "bluegreen:service.name",
        "bluegreen:service.healthCheck.timeoutSeconds",
    ]


def test_no_cross_key_rule_is_reported_about_a_key_already_reported() -> None:
    # Weights that do not sum to 100 leave traffic out of the repaired spec; no second line about it.
    config = {**DOCKER, "bluegreen:traffic": {"blue": 90, "green": 20}, "bluegreen:green": {"image": "a:1",
              "replicas": 0}}
    lines = config_error(config).splitlines()
    assert lines[1:] == [
        "bluegreen:traffic = {blue: 90, green: 20} is invalid: weights must sum to 100 (blue 90 + green 20 = 110)"
    ]


def test_every_rule_of_one_model_is_reported_together() -> None:
    bad = {
        "namespace": "default", "createNamespace": True,
        "rollout": {"maxSurge": 0, "maxUnavailable": 0, "minReadySeconds": 700, "progressDeadlineSeconds": 600},
        "gateway": {"name": "public", "hostname": "web.example.com", "previewHostname": "web.example.com"},
    }
    keys = sorted(line.split(" = ")[0] for line in config_error(kubernetes(**bad)).splitlines()[1:])
    assert keys == [
        "bluegreen:kubernetes.createNamespace",
        "bluegreen:kubernetes.gateway.previewHostname",
        "bluegreen:kubernetes.rollout.maxUnavailable",
        "bluegreen:kubernetes.rollout.progressDeadlineSeconds",
    ]


def test_docker_ports_clash_with_defaults_and_another_problem_in_one_pass() -> None:
    lines = config_error(docker(httpPort=9080, routerMemoryMb=1)).splitlines()
    assert lines[0] == "invalid stack config (2 problem(s)):"
    assert "bluegreen:docker.testPort = 9080 is invalid: must differ from httpPort" in lines


# Another platform's keys: a warning, not an error ----------------------------------------------


def test_a_docker_stack_with_an_aws_block_warns_and_still_deploys(monkeypatch: pytest.MonkeyPatch) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(pulumi.log, "warn", lambda message, *args, **kwargs: warnings.append(message))
    run = run_config({**DOCKER, "bluegreen:aws": AWS["bluegreen:aws"], "bluegreen:kubernetes": {}})
    assert warnings == [
        "bluegreen:aws is set but bluegreen:platform is docker: it has no effect on this stack",
        "bluegreen:kubernetes is set but bluegreen:platform is docker: it has no effect on this stack",
    ]
    assert run.named("web-haproxy").type == "docker:index/container:Container"


def test_no_warning_for_the_platforms_own_block(monkeypatch: pytest.MonkeyPatch) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(pulumi.log, "warn", lambda message, *args, **kwargs: warnings.append(message))
    run: ProgramRun = run_config({**DOCKER, "bluegreen:docker": {"httpPort": 8000}})
    assert warnings == []
    assert run.outputs["url"] == "http://localhost:8000"
