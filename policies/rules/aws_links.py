"""Find the resources an ARN in another resource's inputs points at, from an index built once per call.

After `pulumi up` the engine hands stack rules each resource's outputs, which carry
`arn`. During preview a new resource's ARN is unknown, so the engine's property
dependencies are the fallback. Between the two, an ARN's name segment
(`targetgroup/<name>/...`) is matched against the resource's `name` input or
Pulumi name, which also covers programs run under mocks.

Scanning every candidate for every reference is quadratic in the stack's size, so
`ArnIndex` keys the candidates by ARN, name and URN up front.
"""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from .spec import StackResource


def _name_segments(arn: str) -> list[str]:
    return arn.rsplit(":", 1)[-1].split("/")[1:]


class ArnIndex:
    """Candidates (target groups, listeners, load balancers) by what a reference to them may contain."""

    def __init__(self, candidates: Iterable[StackResource]) -> None:
        self._by_arn: dict[str, list[StackResource]] = defaultdict(list)
        self._by_name: dict[str, list[StackResource]] = defaultdict(list)
        self._by_urn: dict[str, StackResource] = {}
        for candidate in candidates:
            self._by_urn[candidate.urn] = candidate
            arn = candidate.props.get("arn")
            if isinstance(arn, str) and arn:
                self._by_arn[arn].append(candidate)
            # A `name` input that is not a string (malformed) names nothing.
            names = [candidate.name, candidate.props.get("name")]
            for name in dict.fromkeys(n for n in names if isinstance(n, str) and n):
                self._by_name[name].append(candidate)

    def named(self, arn: Any) -> list[StackResource]:
        """Every candidate whose ARN is `arn` or whose name is one of its name segments."""
        if not isinstance(arn, str) or not arn:
            return []
        found = {c.urn: c for c in self._by_arn.get(arn, ())}
        for segment in _name_segments(arn):
            found.update((c.urn, c) for c in self._by_name.get(segment, ()))
        return list(found.values())

    def depended_on(self, source: StackResource, key: str) -> list[StackResource]:
        """The candidates the engine says `source`'s input `key` was computed from."""
        urns = source.property_dependencies.get(key, [])
        return [self._by_urn[urn] for urn in dict.fromkeys(urns) if urn in self._by_urn]

    def referred(self, arn: Any, source: StackResource | None = None, key: str = "") -> list[StackResource]:
        """Every candidate `arn` may name: by ARN or name, or by property dependency."""
        found = {c.urn: c for c in self.named(arn)}
        if source is not None and key:
            found.update((c.urn, c) for c in self.depended_on(source, key))
        return list(found.values())

    def resolve(self, arn: Any, source: StackResource | None = None, key: str = "") -> StackResource | None:
        """The one candidate `arn` names; by ARN or name first, then by property dependency if unambiguous."""
        direct = self.named(arn)
        if len(direct) == 1:
            return direct[0]
        if source is not None and key:
            by_dependency = self.depended_on(source, key)
            if len(by_dependency) == 1:
                return by_dependency[0]
        return None
