"""`AwsColor`: what one color runs on AWS (task definition, Fargate service, logs, execution role).

It takes only its own values: nothing here sees the traffic weights, so a flip never
changes a color. The target group it registers into belongs to the router, which
is what lets the whole color be built in one constructor, after the router.
"""

import json
from typing import TypedDict

import pulumi
import pulumi_aws as aws

from ..spec import Color, Service
from .container import CONTAINER_NAME, container_definitions, grace_period, task_family

ASSUME_ROLE_BY_ECS_TASKS = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


class AwsColorArgs(TypedDict):
    """Inputs of one color."""

    color: Color
    """Which color this is (tags, the BLUEGREEN_COLOR variable, the log stream prefix)."""
    image: str
    """Container image of this color."""
    replicas: int
    """Desired task count."""
    service: Service
    """Port, health spec and drain time (platform-neutral)."""
    target_group_arn: pulumi.Input[str]
    """The router's target group for this color; the ECS service registers its tasks there."""
    cluster_arn: pulumi.Input[str]
    """ECS cluster the service runs in."""
    task_security_group_id: pulumi.Input[str]
    """Security group of the tasks (reachable from the ALB only)."""
    subnet_ids: list[str]
    """Subnets of the tasks."""
    assign_public_ip: bool
    """Public IPs for the tasks (subnets without a NAT gateway)."""
    cpu: int
    """Fargate CPU units."""
    memory: int
    """Fargate memory (MiB)."""
    log_retention_days: int
    """CloudWatch retention of the container logs."""
    router: pulumi.Resource
    """The router whose listeners attach `target_group_arn`; the ECS service is created after it."""


class AwsColor(pulumi.ComponentResource):
    """One color: a Fargate service registering health-checked tasks into the router's target group.

    The ECS service depends on `router`: ECS refuses to create a service whose target
    group is not attached to a load balancer yet, and the router's listeners attach it.
    """

    service_name: pulumi.Output[str]
    service_arn: pulumi.Output[str]
    task_definition_arn: pulumi.Output[str]

    def __init__(self, name: str, args: AwsColorArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("bluegreen:index:AwsColor", name, None, opts)
        color, service = args["color"], args["service"]
        child = pulumi.ResourceOptions(parent=self)
        tags = {"bluegreen:service": service.name, "bluegreen:color": color}

        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs", retention_in_days=args["log_retention_days"], tags=tags, opts=child
        )
        self.execution_role = aws.iam.Role(
            f"{name}-exec-role",
            assume_role_policy=ASSUME_ROLE_BY_ECS_TASKS,
            description=f"Lets ECS pull the image and write logs for {name}",
            tags=tags,
            opts=child,
        )
        self.execution_policy = aws.iam.RolePolicyAttachment(
            f"{name}-exec-policy",
            role=self.execution_role.name,
            policy_arn=aws.iam.ManagedPolicy.AMAZON_ECS_TASK_EXECUTION_ROLE_POLICY,
            opts=child,
        )
        self.task_definition = aws.ecs.TaskDefinition(
            f"{name}-task",
            family=task_family(pulumi.get_project(), pulumi.get_stack(), name),
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu=str(args["cpu"]),
            memory=str(args["memory"]),
            execution_role_arn=self.execution_role.arn,
            container_definitions=container_definitions(
                color=color,
                image=args["image"],
                port=service.port,
                hc=service.health_check,
                drain_seconds=service.drain_seconds,
                log_group=self.log_group.name,
                region=self.log_group.region,
            ),
            tags=tags,
            # The role must be able to pull before the first task starts.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.execution_policy]),
        )
        self.ecs_service = aws.ecs.Service(
            f"{name}-service",
            cluster=args["cluster_arn"],
            task_definition=self.task_definition.arn,
            launch_type="FARGATE",
            desired_count=args["replicas"],
            # Never below the desired count during a release: new tasks must pass health
            # checks before old ones stop; a release that cannot get healthy rolls back.
            deployment_minimum_healthy_percent=100,
            deployment_maximum_percent=200,
            deployment_circuit_breaker={"enable": True, "rollback": True},
            health_check_grace_period_seconds=grace_period(service.health_check),
            load_balancers=[
                {
                    "target_group_arn": args["target_group_arn"],
                    "container_name": CONTAINER_NAME,
                    "container_port": service.port,
                }
            ],
            network_configuration={
                "subnets": args["subnet_ids"],
                "security_groups": [args["task_security_group_id"]],
                "assign_public_ip": args["assign_public_ip"],
            },
            # `pulumi up` returns only once the release is healthy (or rolled back, as an error).
            wait_for_steady_state=True,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[args["router"]]),
        )
        self.service_name = self.ecs_service.name
        self.service_arn = self.ecs_service.arn
        self.task_definition_arn = self.task_definition.arn
        self.register_outputs(
            {
                "serviceName": self.service_name,
                "serviceArn": self.service_arn,
                "taskDefinitionArn": self.task_definition_arn,
            }
        )

