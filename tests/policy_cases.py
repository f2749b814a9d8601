"""Resources for the policy pack tests: a baseline that passes every rule, and helpers to break one thing.

Each builder returns `RegisteredResource`s shaped exactly as the engine sends them
(type token, camelCase inputs), so the tests exercise the pack as `pulumi preview` would.
"""

import copy
import json
from typing import Any

from bluegreen.policy_client import PolicyPackProcess, Violation
from bluegreen.program_run import RegisteredResource

STRICT = {"all": "mandatory"}


def resource(type_token: str, name: str, inputs: dict[str, Any], parent: str = "") -> RegisteredResource:
    return RegisteredResource(
        urn=f"urn:pulumi:test::bluegreen::{type_token}::{name}",
        type=type_token,
        name=name,
        inputs=inputs,
        parent=parent,
        custom=True,
    )


def changed(r: RegisteredResource, name: str | None = None, /, **paths: Any) -> RegisteredResource:
    """A copy of `r` with values set by path: `changed(d, spec__replicas=1)`; None deletes the key."""
    inputs = copy.deepcopy(r.inputs)
    for path, value in paths.items():
        *parents, leaf = path.split("__")
        node: Any = inputs
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
        if isinstance(node, list):
            node[int(leaf)] = value
        elif value is None:
            node.pop(leaf, None)
        else:
            node[leaf] = value
    return resource(r.type, name or r.name, inputs, r.parent)


def check(
    pack: PolicyPackProcess, resources: list[RegisteredResource], config: dict[str, Any] | None = None
) -> list[Violation]:
    pack.configure(config if config is not None else STRICT)
    return pack.check(resources)


def docs_link(policy: str) -> str:
    """The line every violation message ends with: its rule's anchor in the generated docs."""
    return f"\nSee docs/policies.md#{policy}"


def without_link(violation: Violation) -> str:
    """The message without its docs link, after checking the link names the violation's own rule."""
    link = docs_link(violation.policy_name)
    assert violation.message.endswith(link), violation.message
    return violation.message.removesuffix(link)


def messages(violations: list[Violation], policy: str) -> list[str]:
    return [without_link(v) for v in violations if v.policy_name == policy]


def policies(violations: list[Violation]) -> set[str]:
    return {v.policy_name for v in violations}


# -- Kubernetes ---------------------------------------------------------------------------------

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
SERVICE = "kubernetes:core/v1:Service"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
HTTP_ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute"


def probe(failure: int = 3, success: int = 1) -> dict[str, Any]:
    return {
        "httpGet": {"path": "/health", "port": 8080},
        "periodSeconds": 10,
        "timeoutSeconds": 5,
        "successThreshold": success,
        "failureThreshold": failure,
    }


def container(name: str = "web", image: str = "repo/web:1.4.2") -> dict[str, Any]:
    return {
        "name": name,
        "image": image,
        "ports": [{"containerPort": 8080}],
        "readinessProbe": probe(failure=3, success=2),
        "livenessProbe": probe(failure=6),
        "startupProbe": probe(failure=6),
        "lifecycle": {"preStop": {"exec": {"command": ["sh", "-c", "sleep 10"]}}},
        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
    }


RESTRICTED_POD = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}


def deployment(color: str = "blue", replicas: int = 2, type_token: str = DEPLOYMENT) -> RegisteredResource:
    labels = {"app": "web", "color": color}
    pod = {
        "metadata": {"labels": labels},
        "spec": {
            "terminationGracePeriodSeconds": 45,
            "securityContext": RESTRICTED_POD,
            "containers": [container()],
        },
    }
    spec: dict[str, Any] = {"selector": {"matchLabels": labels}, "template": pod}
    if type_token == DEPLOYMENT:
        spec |= {
            "replicas": replicas,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
        }
    if type_token == "kubernetes:core/v1:Pod":
        return resource(type_token, f"web-{color}", {"metadata": {"labels": labels}, "spec": pod["spec"]})
    return resource(type_token, f"web-{color}", {"metadata": {"namespace": "web"}, "spec": spec})


def service(name: str, color: str) -> RegisteredResource:
    return resource(
        SERVICE,
        name,
        {
            "metadata": {"name": name, "namespace": "web"},
            "spec": {"selector": {"app": "web", "color": color}, "ports": [{"port": 80, "targetPort": 8080}]},
        },
    )


def pdb(color: str, **spec: Any) -> RegisteredResource:
    return resource(
        PDB,
        f"web-{color}-pdb",
        {
            "metadata": {"namespace": "web"},
            "spec": {
                "selector": {"matchLabels": {"app": "web", "color": color}},
                **(spec or {"maxUnavailable": 1}),
            },
        },
    )


def kubernetes_stack() -> list[RegisteredResource]:
    """Both colors, a production and a preview Service (selector flip), one PDB per color."""
    return [
        deployment("blue"),
        deployment("green"),
        service("web", "blue"),
        service("web-preview", "green"),
        pdb("blue"),
        pdb("green"),
    ]


# -- AWS ----------------------------------------------------------------------------------------

TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
LISTENER = "aws:lb/listener:Listener"
LISTENER_RULE = "aws:lb/listenerRule:ListenerRule"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ECS_SERVICE = "aws:ecs/service:Service"


def arn(kind: str, name: str) -> str:
    """The ARN shape the mock runner gives (`bluegreen.program_run.fake_outputs`)."""
    return f"arn:aws:mock:us-east-1:123456789012:{kind}/{name}"


def health_check() -> dict[str, Any]:
    return {
        "enabled": True,
        "protocol": "HTTP",
        "port": "traffic-port",
        "path": "/health",
        "matcher": "200-399",
        "interval": 10,
        "timeout": 5,
        "healthyThreshold": 2,
        "unhealthyThreshold": 3,
    }


def target_group(color: str) -> RegisteredResource:
    return resource(
        TARGET_GROUP,
        f"web-{color}-tg",
        {
            "port": 8080,
            "protocol": "HTTP",
            "targetType": "ip",
            "vpcId": "vpc-1",
            "deregistrationDelay": 30,
            "healthCheck": health_check(),
        },
    )


def load_balancer(internal: bool = False) -> RegisteredResource:
    return resource(
        LOAD_BALANCER,
        "web-alb",
        {
            "loadBalancerType": "application",
            "internal": internal,
            "dropInvalidHeaderFields": True,
            "subnets": ["subnet-1", "subnet-2"],
        },
    )


def forward(weights: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "forward",
        "forward": {
            "targetGroups": [
                {"arn": arn("targetgroup", f"web-{color}-tg"), "weight": weight} for color, weight in weights.items()
            ]
        },
    }


def https_listener(
    weights: dict[str, Any] | None = None, name: str = "web-listener", port: int = 443
) -> RegisteredResource:
    return resource(
        LISTENER,
        name,
        {
            "loadBalancerArn": arn("loadbalancer", "web-alb"),
            "port": port,
            "protocol": "HTTPS",
            "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
            "certificateArn": "arn:aws:acm:us-east-1:1:certificate/x",
            "defaultActions": [forward(weights or {"blue": 100, "green": 0})],
        },
    )


def http_redirect_listener() -> RegisteredResource:
    return resource(
        LISTENER,
        "web-http",
        {
            "loadBalancerArn": arn("loadbalancer", "web-alb"),
            "port": 80,
            "protocol": "HTTP",
            "defaultActions": [
                {
                    "type": "redirect",
                    "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"},
                }
            ],
        },
    )


def container_definitions(health: bool = True) -> str:
    web: dict[str, Any] = {
        "name": "web",
        "image": "repo/web:1.4.2",
        "essential": True,
        "portMappings": [{"containerPort": 8080}],
    }
    if health:
        web["healthCheck"] = {
            "command": ["CMD-SHELL", "curl -fsS http://127.0.0.1:8080/health || exit 1"],
            "interval": 10,
            "timeout": 5,
            "retries": 3,
            "startPeriod": 30,
        }
    return json.dumps([web])


def task_definition(color: str) -> RegisteredResource:
    return resource(
        TASK_DEFINITION,
        f"web-{color}-task",
        {
            "family": f"web-{color}",
            "networkMode": "awsvpc",
            "requiresCompatibilities": ["FARGATE"],
            "cpu": "256",
            "memory": "512",
            "containerDefinitions": container_definitions(),
        },
    )


def ecs_service(color: str, desired: int = 2) -> RegisteredResource:
    return resource(
        ECS_SERVICE,
        f"web-{color}-svc",
        {
            "cluster": "arn:aws:ecs:us-east-1:1:cluster/web",
            "launchType": "FARGATE",
            "desiredCount": desired,
            "taskDefinition": arn("taskdefinition", f"web-{color}-task"),
            "loadBalancers": [
                {
                    "targetGroupArn": arn("targetgroup", f"web-{color}-tg"),
                    "containerName": "web",
                    "containerPort": 8080,
                }
            ],
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
            "deploymentMinimumHealthyPercent": 100,
            "deploymentMaximumPercent": 200,
            "healthCheckGracePeriodSeconds": 60,
        },
    )


def aws_stack(weights: dict[str, Any] | None = None) -> list[RegisteredResource]:
    """An ALB with a weighted HTTPS listener, an HTTP redirect, and one ECS service per color."""
    return [
        load_balancer(),
        target_group("blue"),
        target_group("green"),
        https_listener(weights),
        http_redirect_listener(),
        task_definition("blue"),
        task_definition("green"),
        ecs_service("blue"),
        ecs_service("green"),
    ]


# -- Docker -------------------------------------------------------------------------------------

CONTAINER = "docker:index/container:Container"


def docker_container(color: str = "blue") -> RegisteredResource:
    return resource(
        CONTAINER,
        f"web-{color}",
        {
            "image": "repo/web:1.4.2",
            "healthcheck": {
                "tests": ["CMD-SHELL", "curl -fsS http://127.0.0.1:8080/health || exit 1"],
                "interval": "10s",
                "timeout": "5s",
                "retries": 3,
                "startPeriod": "30s",
            },
            # As the program confines its app containers (docker-app-container-confined).
            "securityOpts": ["no-new-privileges:true"],
            "capabilities": {"drops": ["ALL"]},
        },
    )
