"""Platform `aws`: blue and green ECS Fargate services behind one ALB whose listener weights flip."""

from ..service_args import AwsServiceArgs
from .color import AwsColor, AwsColorArgs
from .priorities import fleet_priority_problems
from .router import AlbRouter, AlbRouterArgs
from .service import AwsBlueGreenService

BlueGreenService = AwsBlueGreenService
"""The platform's service component under its library name: `components.aws.BlueGreenService`."""

__all__ = [
    "AlbRouter",
    "AlbRouterArgs",
    "AwsBlueGreenService",
    "AwsColor",
    "AwsColorArgs",
    "AwsServiceArgs",
    "BlueGreenService",
    "fleet_priority_problems",
]
