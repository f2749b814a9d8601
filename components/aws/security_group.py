"""`SecurityGroup` registered by its type token, so a program never loads `pulumi_aws.ec2`.

The SDK's `aws.ec2.SecurityGroup` lives in a package whose `__init__` imports all of
EC2's resources and types: about 0.75 s of every `pulumi up` (measured with
`python -X importtime`), for the only EC2 resource this project creates. The engine
and the AWS provider see exactly what the SDK class would send (same type token,
same inputs; tests/test_aws_security.py compares the two under mocks), and the
version pin of the installed pulumi-aws is applied the same way.
"""

import pulumi
from pulumi_aws import _utilities

TYPE_TOKEN = "aws:ec2/securityGroup:SecurityGroup"


class SecurityGroup(pulumi.CustomResource):
    """An EC2 security group with no inline rules (rules are separate `aws.vpc` resources)."""

    arn: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        vpc_id: pulumi.Input[str],
        description: str,
        tags: pulumi.Input[dict[str, str]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "description": description,
            "vpcId": vpc_id,
            "tags": tags,
            # Provider-computed outputs, declared so the SDK resolves them (as the generated class does).
            "arn": None,
            "ownerId": None,
            "tagsAll": None,
        }
        opts = pulumi.ResourceOptions.merge(_utilities.get_resource_opts_defaults(), opts)
        super().__init__(TYPE_TOKEN, resource_name, props, opts)
