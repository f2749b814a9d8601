"""Platform aws, each color: target group, container, task definition and Fargate service, by value.

The stack runs with a distinctive health spec so every number can be traced to the
config key it came from.
"""

import json
from typing import Any

import pytest

from bluegreen import program_run
from bluegreen.program_run import ProgramRun, RegisteredResource
from components.aws.container import grace_period, stop_timeout, task_family
from components.spec import HealthCheck
from tests.conftest import run_config, stack_config

HEALTH = {
    "path": "/ready",
    "intervalSeconds": 15,
    "timeoutSeconds": 4,
    "healthyThreshold": 3,
    "unhealthyThreshold": 4,
    "startPeriodSeconds": 45,
}
SERVICE = {"name": "web", "port": 8080, "replicas": 3, "drainSeconds": 75, "healthCheck": HEALTH}
MOCK = "arn:aws:mock:us-east-1:123456789012"
PROBE = (
    "curl -fsS -o /dev/null http://127.0.0.1:8080/ready || "
    "wget -q -O /dev/null http://127.0.0.1:8080/ready || exit 1"
)


@pytest.fixture(scope="module")
def prod() -> ProgramRun:
    return run_config(stack_config("prod", {"bluegreen:service": SERVICE}), stack="prod")


def container(run: ProgramRun, color: str) -> dict[str, Any]:
    (only,) = json.loads(run.named(f"web-{color}-task").inputs["containerDefinitions"])
    return only


def child_names(run: ProgramRun, component: RegisteredResource) -> set[str]:
    return {r.name for r in run.resources.values() if r.parent == component.urn}


# Pure timing rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("drain", "expected"), [(0, 2), (1, 2), (30, 30), (120, 120), (121, 120), (3600, 120)]
)
def test_stop_timeout_is_the_drain_budget_within_fargates_2_to_120(drain, expected):
    assert stop_timeout(drain) == expected


def test_grace_period_covers_start_period_plus_becoming_healthy():
    hc = HealthCheck.model_validate(HEALTH)
    assert grace_period(hc) == 45 + 15 * 3
    assert grace_period(hc) >= hc.start_period_seconds


def test_task_family_is_per_stack_and_ecs_safe():
    assert task_family("bluegreen", "prod", "web-blue") == "bluegreen-prod-web-blue"
    assert task_family("bluegreen", "eu.prod", "web-blue") == "bluegreen-eu-prod-web-blue"


# Components and names --------------------------------------------------------------------------


@pytest.mark.parametrize("color", ["blue", "green"])
def test_each_color_is_an_aws_color_component_owning_its_resources(prod: ProgramRun, color: str):
    # Its target group belongs to the router (tests/test_component_structure.py).
    component = prod.named(f"web-{color}")
    assert component.type == "bluegreen:index:AwsColor"
    assert component.parent == prod.named("web").urn
    assert child_names(prod, component) == {
        f"web-{color}-logs",
        f"web-{color}-exec-role",
        f"web-{color}-exec-policy",
        f"web-{color}-task",
        f"web-{color}-service",
    }


# Target group ----------------------------------------------------------------------------------


@pytest.mark.parametrize("color", ["blue", "green"])
def test_target_group_is_ip_http_on_the_app_port_with_drain_as_deregistration_delay(prod, color):
    tg = prod.named(f"web-{color}-tg").inputs
    assert tg["targetType"] == "ip"
    assert tg["protocol"] == "HTTP"
    assert tg["port"] == 8080
    assert tg["vpcId"] == "vpc-0c1d2e3f4a5b60718"
    assert tg["deregistrationDelay"] == 75
    assert "name" not in tg, "auto-named, so a replacement can be created before the old group is deleted"


@pytest.mark.parametrize("color", ["blue", "green"])
def test_target_group_health_check_is_the_one_health_spec(prod, color):
    assert prod.named(f"web-{color}-tg").inputs["healthCheck"] == {
        "enabled": True,
        "protocol": "HTTP",
        "port": "traffic-port",
        "path": "/ready",
        "matcher": "200-399",
        "interval": 15,
        "timeout": 4,
        "healthyThreshold": 3,
        "unhealthyThreshold": 4,
    }


# Container and task definition -----------------------------------------------------------------


@pytest.mark.parametrize("color", ["blue", "green"])
def test_container_health_check_is_the_same_spec_with_start_period(prod, color):
    assert container(prod, color)["healthCheck"] == {
        "command": ["CMD-SHELL", PROBE],
        "interval": 15,
        "timeout": 4,
        "retries": 4,
        "startPeriod": 45,
    }


@pytest.mark.parametrize(
    ("color", "image"),
    [
        ("blue", "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2"),
        ("green", "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.5.0"),
    ],
)
def test_container_runs_its_colors_image_on_the_app_port_and_logs_to_its_group(prod, color, image):
    c = container(prod, color)
    assert c["name"] == "app"
    assert c["image"] == image
    assert c["essential"] is True
    assert c["portMappings"] == [{"containerPort": 8080, "hostPort": 8080, "protocol": "tcp"}]
    assert c["stopTimeout"] == 75
    assert c["environment"] == [{"name": "BLUEGREEN_COLOR", "value": color}]
    assert c["logConfiguration"] == {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": f"web-{color}-logs",
            "awslogs-region": "us-east-1",
            "awslogs-stream-prefix": color,
        },
    }


def test_stop_timeout_is_capped_at_fargates_120_seconds():
    long_drain = {**SERVICE, "drainSeconds": 600}
    run = run_config(stack_config("prod", {"bluegreen:service": long_drain}), stack="prod")
    assert container(run, "blue")["stopTimeout"] == 120
    assert run.named("web-blue-tg").inputs["deregistrationDelay"] == 600


@pytest.mark.parametrize("color", ["blue", "green"])
def test_task_definition_is_fargate_awsvpc_with_configured_size_and_execution_role(prod, color):
    task = prod.named(f"web-{color}-task").inputs
    assert task["requiresCompatibilities"] == ["FARGATE"]
    assert task["networkMode"] == "awsvpc"
    assert (task["cpu"], task["memory"]) == ("1024", "2048")
    assert task["family"] == f"bluegreen-prod-web-{color}"
    assert task["executionRoleArn"] == f"{MOCK}:role/web-{color}-exec-role"


@pytest.mark.parametrize("color", ["blue", "green"])
def test_execution_role_is_assumable_by_ecs_tasks_with_the_managed_policy(prod, color):
    role = prod.named(f"web-{color}-exec-role").inputs
    (statement,) = json.loads(role["assumeRolePolicy"])["Statement"]
    assert statement == {
        "Effect": "Allow",
        "Principal": {"Service": "ecs-tasks.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
    attachment = prod.named(f"web-{color}-exec-policy").inputs
    assert attachment["role"] == f"web-{color}-exec-role"
    assert attachment["policyArn"] == "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"


@pytest.mark.parametrize(("stack", "days"), [("dev", 7), ("prod", 90)])
def test_log_groups_keep_logs_for_the_configured_days(stack, days):
    run = run_config(stack_config(stack), stack=stack)
    assert {run.named(f"web-{c}-logs").inputs["retentionInDays"] for c in ("blue", "green")} == {days}


# Fargate service -------------------------------------------------------------------------------


@pytest.mark.parametrize("color", ["blue", "green"])
def test_service_rolls_out_without_dropping_capacity_and_rolls_back_on_failure(prod, color):
    svc = prod.named(f"web-{color}-service").inputs
    assert svc["launchType"] == "FARGATE"
    assert svc["cluster"] == f"{MOCK}:cluster/web-cluster"
    assert svc["taskDefinition"] == f"{MOCK}:taskdefinition/web-{color}-task"
    assert svc["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert svc["deploymentMinimumHealthyPercent"] == 100
    assert svc["deploymentMaximumPercent"] == 200
    assert svc["waitForSteadyState"] is True


@pytest.mark.parametrize("color", ["blue", "green"])
def test_service_grace_period_is_at_least_the_start_period(prod, color):
    grace = prod.named(f"web-{color}-service").inputs["healthCheckGracePeriodSeconds"]
    assert grace == 45 + 15 * 3
    assert grace >= HEALTH["startPeriodSeconds"]


@pytest.mark.parametrize("color", ["blue", "green"])
def test_service_registers_its_container_in_its_own_target_group(prod, color):
    assert prod.named(f"web-{color}-service").inputs["loadBalancers"] == [
        {
            "targetGroupArn": f"{MOCK}:targetgroup/web-{color}-tg",
            "containerName": "app",
            "containerPort": 8080,
        }
    ]


def test_prod_tasks_run_in_the_task_subnets_behind_the_task_security_group(prod: ProgramRun):
    assert prod.named("web-green-service").inputs["networkConfiguration"] == {
        "subnets": ["subnet-0c1d2e3f4a5b60101", "subnet-0c1d2e3f4a5b60102", "subnet-0c1d2e3f4a5b60103"],
        "securityGroups": ["web-tasks-sg-id"],
        "assignPublicIp": False,
    }


def test_dev_tasks_default_to_the_alb_subnets_with_public_ips_to_pull_images():
    run = run_config(stack_config("dev"), stack="dev")
    network = run.named("web-blue-service").inputs["networkConfiguration"]
    assert network["subnets"] == ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
    # Public subnets without a public IP have no route to ECR: the task could not start.
    assert network["assignPublicIp"] is True


@pytest.mark.parametrize(("stack", "replicas"), [("dev", 2), ("staging", 2), ("prod", 3)])
def test_desired_count_is_service_replicas_per_color(stack, replicas):
    run = run_config(stack_config(stack), stack=stack)
    assert [run.named(f"web-{c}-service").inputs["desiredCount"] for c in ("blue", "green")] == [replicas] * 2


def test_a_color_override_sets_only_that_colors_count():
    run = run_config(
        stack_config("prod", {"bluegreen:green.replicas": 0, "bluegreen:blue.replicas": 5}), "prod"
    )
    assert run.named("web-blue-service").inputs["desiredCount"] == 5
    assert run.named("web-green-service").inputs["desiredCount"] == 0


def test_service_depends_on_the_listeners_that_attach_its_target_group(monkeypatch):
    # ECS rejects a service whose target group no load balancer uses yet; the mock
    # monitor receives the engine's dependency list, so capture it from the request.
    dependencies: dict[str, set[str]] = {}
    original = program_run._RecordingMonitor.RegisterResource

    def recording(self, request):
        response = original(self, request)
        dependencies[request.name] = {urn.split("::")[-1] for urn in request.dependencies}
        return response

    monkeypatch.setattr(program_run._RecordingMonitor, "RegisterResource", recording)
    run_config(stack_config("prod"), stack="prod")
    for color in ("blue", "green"):
        assert {"web-listener", "web-test-listener"} <= dependencies[f"web-{color}-service"]


# Load balancer ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("stack", "protected"), [("dev", False), ("staging", False), ("prod", True)])
def test_alb_is_internet_facing_drops_invalid_headers_and_protection_follows_config(stack, protected):
    run = run_config(stack_config(stack), stack=stack)
    alb = run.named("web-alb").inputs
    assert alb["internal"] is False
    assert alb["loadBalancerType"] == "application"
    assert alb["dropInvalidHeaderFields"] is True
    assert alb["enableDeletionProtection"] is protected
    assert alb["idleTimeout"] == 60
    assert alb["securityGroups"] == ["web-alb-sg-id"]


def test_alb_idle_timeout_comes_from_config():
    run = run_config(stack_config("dev", {"bluegreen:aws.idleTimeoutSeconds": 30}), stack="dev")
    assert run.named("web-alb").inputs["idleTimeout"] == 30
