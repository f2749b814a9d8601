"""ALB access logs: off unless `bluegreen:aws.accessLogs` names a bucket."""

from typing import TYPE_CHECKING

from ..spec import AwsConfig

if TYPE_CHECKING:
    # Types only: this decision stays importable without loading the AWS SDK.
    from pulumi_aws.lb import LoadBalancerAccessLogsArgsDict


def access_logs_args(aws: AwsConfig) -> "LoadBalancerAccessLogsArgsDict | None":
    """`access_logs` of the ALB: one log object per 5 minutes per node, under `<prefix>/AWSLogs/<account>/`."""
    logs = aws.access_logs
    if logs is None:
        return None
    args: LoadBalancerAccessLogsArgsDict = {"bucket": logs.bucket, "enabled": True}
    if logs.prefix is not None:
        args["prefix"] = logs.prefix
    return args
