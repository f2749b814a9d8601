"""A Pulumi program of its own that uses bluegreen's components as a library: several services, one stack.

Every service goes on the shared ALB of the platform stack (examples/platform/),
built with typed arguments; nothing reads `bluegreen:*` config. The program's own
config (`fleet:services`) lists each service's rule priority, host, images and weights.
"""

from typing import Any

import pulumi

from components.aws import BlueGreenService, fleet_priority_problems
from components.registration_gc import pause_cyclic_gc
from components.spec import AwsConfig, ColorSpec, Service, SharedListener, Traffic

# Its resources live until the program ends; the cyclic GC would rescan them all, over and over.
pause_cyclic_gc()

config = pulumi.Config("fleet")
platform_stack = config.require("platformStack")
network: dict[str, Any] = config.require_object("network")
services: dict[str, dict[str, Any]] = config.require_object("services")

aws_configs = {
    name: AwsConfig(
        vpc_id=network["vpcId"],
        subnet_ids=network["subnetIds"],
        platform_stack=platform_stack,
        # Each service owns the one host fleet:services lists for it, and its rule claims exactly that.
        shared_listener=SharedListener(
            priority=wanted["priority"], owned_hosts=[wanted["host"]], host_headers=[wanted["host"]]
        ),
    )
    for name, wanted in services.items()
}
# Every clash reported before the first service registers anything.
problems = fleet_priority_problems(aws_configs)
if problems:
    raise pulumi.RunError("\n".join(str(problem) for problem in problems))

for name, wanted in services.items():
    service = BlueGreenService(
        name,
        {
            "service": Service(name=name, port=8080, replicas=2),
            "blue": ColorSpec(image=wanted["blue"]),
            "green": ColorSpec(image=wanted["green"]),
            "traffic": Traffic(**wanted.get("traffic", {})),
            "aws": aws_configs[name],
        },
    )
    pulumi.export(f"{name}Url", service.url)
    pulumi.export(f"{name}TestUrl", service.test_url)
