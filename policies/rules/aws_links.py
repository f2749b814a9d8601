"""Find the resource an ARN in another resource's inputs points at.

After `pulumi up` the engine hands stack rules each resource's outputs, which carry
`arn`. During preview a new resource's ARN is unknown, so the engine's property
dependencies are the fallback. Between the two, an ARN's name segment
(`targetgroup/<name>/...`) is matched against the resource's `name` input or
Pulumi name, which also covers programs run under mocks.
"""

from typing import Any

from .spec import StackResource


def _name_segments(arn: str) -> list[str]:
    return arn.rsplit(":", 1)[-1].split("/")[1:]


def refers_to(arn: Any, target: StackResource, source: StackResource | None = None, key: str = "") -> bool:
    if isinstance(arn, str) and arn:
        if target.props.get("arn") == arn:
            return True
        names = {target.name, target.props.get("name")} - {None, ""}
        if names & set(_name_segments(arn)):
            return True
    if source is not None and key:
        return target.urn in source.property_dependencies.get(key, [])
    return False


def resolve(
    arn: Any, candidates: list[StackResource], source: StackResource | None = None, key: str = ""
) -> StackResource | None:
    """The one candidate `arn` names; by ARN or name first, then by property dependency if unambiguous."""
    direct = [c for c in candidates if refers_to(arn, c)]
    if len(direct) == 1:
        return direct[0]
    if source is not None and key:
        by_dependency = [c for c in candidates if refers_to(None, c, source, key)]
        if len(by_dependency) == 1:
            return by_dependency[0]
    return None
