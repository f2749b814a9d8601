"""Every rule of the pack, in the order `pulumi preview` lists them."""

from . import aws, aws_stack, docker, ecs, kubernetes, kubernetes_stack
from .spec import Rule, StackRule

RULES: list[Rule | StackRule] = [
    *kubernetes.RULES,
    *kubernetes_stack.RULES,
    *aws.RULES,
    *ecs.RULES,
    *aws_stack.RULES,
    *docker.RULES,
]
