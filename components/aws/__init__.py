"""Platform `aws`: blue and green ECS Fargate services behind one ALB whose listener weights flip."""

from .color import AwsColor, AwsColorArgs
from .service import AwsBlueGreenService

__all__ = ["AwsBlueGreenService", "AwsColor", "AwsColorArgs"]
