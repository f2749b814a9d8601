"""Resource identities as the Pulumi engine computes them, from a run under mocks.

The mock monitor's URNs keep only the parent's last type, while the engine chains
every ancestor's type (`AwsBlueGreenService$AlbRouter$aws:lb/listener:Listener`);
aliases must match the engine's form, so tests compare identities in that form.
"""

from bluegreen.program_run import ProgramRun, RegisteredResource

STACK_TYPE_PREFIX = "pulumi:pulumi:Stack$"


def engine_urn(run: ProgramRun, resource: RegisteredResource, stack: str, project: str = "bluegreen") -> str:
    return _urn(stack, project, qualified_type(run, resource.urn), resource.name)


def qualified_type(run: ProgramRun, urn: str) -> str:
    """`A$B$C` for a registered resource; for any other URN, its own type part (minus the root stack)."""
    if urn in run.resources:
        chain = []
        current: str | None = urn
        while current in run.resources:
            chain.insert(0, run.resources[current].type)
            current = run.resources[current].parent
        return "$".join(chain)
    return urn.split("::")[2].removeprefix(STACK_TYPE_PREFIX)


def alias_urns(run: ProgramRun, resource: RegisteredResource, stack: str, project: str = "bluegreen") -> set[str]:
    """Every former URN the resource's aliases name, resolved as the engine resolves alias specs."""
    found = set()
    for alias in resource.aliases:
        if "urn" in alias:
            found.add(alias["urn"])
            continue
        name = alias["name"] or resource.name
        type_ = alias["type"] or resource.type
        if "noParent" in alias:
            found.add(_urn(stack, project, type_, name))
            continue
        parent = alias.get("parentUrn") or resource.parent
        found.add(_urn(stack, project, f"{qualified_type(run, parent)}${type_}", name))
    return found


def _urn(stack: str, project: str, qualified: str, name: str) -> str:
    return f"urn:pulumi:{stack}::{project}::{qualified}::{name}"
