"""Platform `aws`: blue and green ECS Fargate services behind one ALB whose listener weights flip."""

from .color import AwsColor, AwsColorArgs
from .router import AlbRouter, AlbRouterArgs
from .service import AwsBlueGreenService

__all__ = ["AlbRouter", "AlbRouterArgs", "AwsBlueGreenService", "AwsColor", "AwsColorArgs"]
