"""The platform stack: one shared ALB and ECS cluster for many bluegreen services.

Service stacks point `bluegreen:aws.platformStack` at this stack and set
`bluegreen:aws.sharedListener` (priority, host or path); each then adds only its
listener rules, target groups, Fargate services and security group rules.
"""

from dataclasses import replace

import pulumi
from pydantic import ValidationError

from components.aws.shared_alb import SharedAlb
from components.spec.platform import SharedAlbConfig
from components.spec.problems import NAMESPACE, ConfigError, problems_from

try:
    config = SharedAlbConfig.model_validate(pulumi.Config("platform").require_object("alb"), by_name=False)
except ValidationError as error:
    # problems_from names keys as `bluegreen:<field>`; these fields live under `platform:alb`.
    found = problems_from(error, SharedAlbConfig)
    problems = [replace(p, key=p.key.replace(f"{NAMESPACE}:", "platform:alb.", 1)) for p in found]
    raise pulumi.RunError(f"invalid stack config ({len(problems)} problem(s)):\n{ConfigError(problems)}") from None

alb = SharedAlb("shared", {"alb": config})
for key, value in alb.exports().items():
    pulumi.export(key, value)
pulumi.export("vpcId", config.vpc_id)
