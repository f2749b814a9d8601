"""AWS type tokens the rules judge; `aws:alb/...` are the older aliases of `aws:lb/...`."""


def _both(kind: str) -> frozenset[str]:
    return frozenset({f"aws:lb/{kind}", f"aws:alb/{kind}"})


TARGET_GROUPS = _both("targetGroup:TargetGroup")
LISTENERS = _both("listener:Listener")
LISTENER_RULES = _both("listenerRule:ListenerRule")
LOAD_BALANCERS = _both("loadBalancer:LoadBalancer")
TARGET_GROUP_ATTACHMENTS = _both("targetGroupAttachment:TargetGroupAttachment")
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ECS_SERVICE = "aws:ecs/service:Service"
