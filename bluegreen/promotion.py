"""Which image may move from one stack to the next: live at 100%, deployed as configured, and healthy.

The order is config, not code: each stack names the stack it takes releases from
in `bluegreen:promotion.from` (prod from staging, staging from dev, ...), so an
image reaches prod only after it has served all traffic in staging, and stacks
named `acme/prod-eu` chain just as well.
"""

from typing import Any

from components.spec import BlueGreenSpec, Color
from components.traffic import live_color

from .health_gates import GateResult, deployed_traffic
from .recorded_state import recorded
from .rollout_plan import PlanError

KEY = "bluegreen:promotion.from"


def _identity(name: str) -> tuple[str | None, str | None, str]:
    """(org, project, stack) of `stack`, `org/stack` or `org/project/stack`; None where the name says nothing."""
    parts = name.split("/")
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    if len(parts) == 2:
        return parts[0], None, parts[1]
    return None, None, name


def same_stack(wanted: str, source: str, target: str) -> bool:
    """Whether `source` is the stack `wanted` names, each completed with the org and project of `target`."""
    target_org, target_project, _ = _identity(target)

    def full(name: str) -> tuple[str | None, str | None, str]:
        org, project, stack = _identity(name)
        return (org if org is not None else target_org, project if project is not None else target_project, stack)

    return full(wanted) == full(source)


def check_order(source: str, target: str, target_spec: BlueGreenSpec) -> None:
    """Refuse a promotion the target's own config does not name: `bluegreen:promotion.from` must be `source`.

    Compared as full identities (org/project/stack), the parts a name leaves out taken from the target's:
    with `--to acme/prod`, `staging` means `acme/staging` and matches `--from staging` or `--from
    acme/staging`, never `--from mallory-personal/staging`.
    """
    wanted = target_spec.promotion.from_
    if wanted is None:
        raise PlanError(
            f"--to = {target!r} is invalid: stack {target} sets no {KEY}, so nothing is promoted into it; "
            f"set it to the stack before it (`pulumi config set --path {KEY} {source} --stack {target}`)"
        )
    if not same_stack(wanted, source, target):
        raise PlanError(
            f"--from = {source!r} is invalid: stack {target} takes promotions from {wanted} only "
            f"({KEY} = {wanted!r} in its stack file)"
        )


def live_image(source: str, spec: BlueGreenSpec, outputs: dict[str, Any]) -> tuple[Color, str]:
    """The color at 100% in the source stack's last update, and its image.

    Refuses when the stack was never deployed, when traffic is split, when its
    config differs from what was last deployed (a pending, unverified change), or
    when a release is in progress or the color serving is not the recorded live
    one with its verified image (`bluegreen:release`).
    """
    if not outputs.get("images") or not outputs.get("weights"):
        raise PlanError(
            f"stack {source} has no `images`/`weights` outputs: it was never deployed (run pulumi up)"
        )
    deployed = deployed_traffic(spec, outputs)
    live = live_color(deployed)
    if deployed.of(live) != 100:
        raise PlanError(
            f"stack {source} is mid-rollout (blue {deployed.blue}%, green {deployed.green}%): "
            "only an image serving 100% of traffic can be promoted"
        )
    image = str(outputs["images"].get(live, ""))
    pending = (spec.traffic.blue, spec.traffic.green) != (deployed.blue, deployed.green)
    if pending or spec.color(live).image != image:
        raise PlanError(
            f"stack {source}'s config differs from its last update (config: {spec.color(live).image} at "
            f"blue {spec.traffic.blue}/green {spec.traffic.green}; deployed: {image} at "
            f"blue {deployed.blue}/green {deployed.green}); "
            f"run `pulumi up --stack {source}` or undo the change"
        )
    record = recorded({}, outputs) or spec.release
    if record is not None and (record.candidate is not None or (record.live, record.live_image) != (live, image)):
        progress = (
            f"a release of {record.candidate_image} to {record.candidate} is in progress; "
            if (record.candidate is not None)
            else ""
        )
        raise PlanError(
            f"stack {source} serves {image} on {live}, but {progress}its recorded live image is "
            f"{record.live_image} on {record.live} (bluegreen:release): only a verified image is promoted"
        )
    return live, image


def require_healthy(source: str, results: list[GateResult]) -> None:
    bad = [r for r in results if not r.healthy]
    if bad:
        found = "; ".join(map(str, bad))
        raise PlanError(f"stack {source}'s live color is not healthy, so it is not promoted: {found}")
