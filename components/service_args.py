"""Typed arguments of every platform's `BlueGreenService`, for programs that use the components as a library.

A program builds the same validated models a stack file would give (`Service`,
`ColorSpec`, `Traffic`, the platform's settings) with snake_case keywords, and
passes them per service; several services may share one stack. No `bluegreen:*`
config is read. The rules that span several values (a weight on a color with no
replicas, AWS name limits, Gateway hosts) run here too, before anything registers.
"""

from typing import NotRequired, TypedDict

import pulumi
from pydantic import ValidationError

from .spec import AwsConfig, BlueGreenSpec, ColorSpec, DockerConfig, KubernetesConfig, Platform, Service, Traffic
from .spec.arguments import ArgumentError, argument_lines
from .spec.problems import problems_from
from .spec.root import cross_problems


class BlueGreenServiceArgs(TypedDict):
    """What every platform needs: the service, its two colors and the production split."""

    service: Service
    """Name, port, replicas, drain time and the one health spec."""
    blue: ColorSpec
    """Image (and optional replica override) of the blue color."""
    green: ColorSpec
    """Image (and optional replica override) of the green color."""
    traffic: NotRequired[Traffic]
    """Production weights; 100% blue when left out."""


class AwsServiceArgs(BlueGreenServiceArgs):
    """Platform `aws`: the VPC and, for a fleet, `shared_listener` on a platform's ALB."""

    aws: AwsConfig
    """Network, sizes and router settings (see docs/configuration.md, `bluegreen:aws`)."""


class KubernetesServiceArgs(BlueGreenServiceArgs):
    """Platform `kubernetes`: namespace, rollout and the optional Gateway."""

    kubernetes: NotRequired[KubernetesConfig]
    """Namespace `default`, Service selector router when left out."""
    preview_token: NotRequired[pulumi.Input[str]]
    """Gateway mode: the value of header `X-Bluegreen-Preview` the preview HTTPRoute requires, registered as a
    secret (pass `pulumi.Config().require_secret(...)`). Without it and without `gateway.preview_hostname`
    there is no preview route, and the candidate is reachable only inside the cluster."""


class DockerServiceArgs(BlueGreenServiceArgs):
    """Platform `docker`: host ports and HAProxy image."""

    docker: NotRequired[DockerConfig]
    """Ports 8080/9080 when left out."""


def spec_from_args(platform: Platform, name: str, args: BlueGreenServiceArgs) -> BlueGreenSpec:
    """One service's validated spec, or `pulumi.RunError` naming every problem by the argument that holds
    it (`green["replicas"]`), also inside a rule's text."""
    # The preview token is an Input (a secret Output, as a rule), judged by the component, not the model.
    fields = {"platform": platform, "traffic": Traffic(), **{k: v for k, v in args.items() if k != "preview_token"}}
    try:
        spec = BlueGreenSpec.model_validate(fields)
    except ValidationError as error:
        spec, problems = None, problems_from(error, BlueGreenSpec)
    else:
        problems = cross_problems(spec)
    if spec is None or problems:
        # pulumi.RunError: the engine prints its message alone, without a Python traceback.
        raise pulumi.RunError(str(ArgumentError(f"BlueGreenService {name!r}", argument_lines(problems, "args"))))
    return spec
