"""`AwsColor`: everything one color runs on AWS (target group, task definition, Fargate service, logs, role).

Nothing here reads `bluegreen:traffic`, so a flip never changes a color: the
weights live on the listeners alone (see listeners.py).
"""

import json
from typing import TypedDict

import pulumi
import pulumi_aws as aws

from ..health import alb_target_group_check
from ..spec import BlueGreenSpec, Color
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
    """Which color this is."""
    spec: BlueGreenSpec
    """The validated stack config."""
    cluster_arn: pulumi.Input[str]
    """The shared ECS cluster."""
    task_security_group_id: pulumi.Input[str]
    """Security group of the tasks (reachable from the ALB only)."""


class AwsColor(pulumi.ComponentResource):
    """One color: a health-checked target group fed by a Fargate service.

    Built in two steps because of an AWS ordering rule: ECS refuses to create a
    service whose target group is not yet attached to a load balancer, while the
    listener that attaches it needs both colors' target groups. So the constructor
    makes the target group and task definition, and `run_behind(listeners)` adds
    the ECS service once the listeners exist, depending on them.
    """

    target_group_arn: pulumi.Output[str]
    service_name: pulumi.Output[str]
    service_arn: pulumi.Output[str]

    def __init__(self, name: str, args: AwsColorArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("bluegreen:index:AwsColor", name, None, opts)
        self._name = name
        self._args = args
        spec = args["spec"]
        color = args["color"]
        service = spec.service
        aws_config = spec.aws_config
        child = pulumi.ResourceOptions(parent=self)
        self._tags = {"bluegreen:service": service.name, "bluegreen:color": color}

        # Auto-named (`<name>-tg-<7 random>`, within AWS's 32 characters) so a change that
        # forces a new group can create it before deleting the old one.
        self.target_group = aws.lb.TargetGroup(
            f"{name}-tg",
            vpc_id=aws_config.vpc_id,
            target_type="ip",
            protocol="HTTP",
            port=service.port,
            health_check=alb_target_group_check(service.health_check),
            deregistration_delay=service.drain_seconds,
            tags=self._tags,
            opts=child,
        )
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs", retention_in_days=aws_config.log_retention_days, tags=self._tags, opts=child
        )
        self.execution_role = aws.iam.Role(
            f"{name}-exec-role",
            assume_role_policy=ASSUME_ROLE_BY_ECS_TASKS,
            description=f"Lets ECS pull the image and write logs for {name}",
            tags=self._tags,
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
            cpu=str(aws_config.cpu),
            memory=str(aws_config.memory),
            execution_role_arn=self.execution_role.arn,
            container_definitions=container_definitions(
                color=color,
                image=spec.color(color).image,
                port=service.port,
                hc=service.health_check,
                drain_seconds=service.drain_seconds,
                log_group=self.log_group.name,
                region=self.log_group.region,
            ),
            tags=self._tags,
            # The role must be able to pull before the first task starts.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.execution_policy]),
        )
        self.target_group_arn = self.target_group.arn

    def run_behind(self, listeners: list[pulumi.Resource]) -> aws.ecs.Service:
        """Create the Fargate service once `listeners` attach this color's target group to the ALB."""
        spec = self._args["spec"]
        color = self._args["color"]
        service = spec.service
        aws_config = spec.aws_config
        self.ecs_service = aws.ecs.Service(
            f"{self._name}-service",
            cluster=self._args["cluster_arn"],
            task_definition=self.task_definition.arn,
            launch_type="FARGATE",
            desired_count=spec.replicas(color),
            # Never below the desired count during a release: new tasks must pass health
            # checks before old ones stop; a release that cannot get healthy rolls back.
            deployment_minimum_healthy_percent=100,
            deployment_maximum_percent=200,
            deployment_circuit_breaker={"enable": True, "rollback": True},
            health_check_grace_period_seconds=grace_period(service.health_check),
            load_balancers=[
                {
                    "target_group_arn": self.target_group.arn,
                    "container_name": CONTAINER_NAME,
                    "container_port": service.port,
                }
            ],
            network_configuration={
                "subnets": aws_config.task_subnets,
                "security_groups": [self._args["task_security_group_id"]],
                "assign_public_ip": aws_config.assign_public_ip,
            },
            # `pulumi up` returns only once the release is healthy (or rolled back, as an error).
            wait_for_steady_state=True,
            tags=self._tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=listeners),
        )
        self.service_name = self.ecs_service.name
        self.service_arn = self.ecs_service.arn
        self.register_outputs(
            {
                "targetGroupArn": self.target_group_arn,
                "serviceName": self.service_name,
                "serviceArn": self.service_arn,
            }
        )
        return self.ecs_service
