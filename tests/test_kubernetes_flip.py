"""The flip contract on Kubernetes: run the real program twice under mocks and diff every resource.

Changing only `bluegreen:traffic` must update router resources alone (stable/preview
Services, or the HTTPRoutes) and replace nothing; a canary step touches exactly the
production HTTPRoute.
"""

import itertools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bluegreen.program_run import ProgramRun
from bluegreen.run_diff import ResourceChange, diff_runs
from tests.conftest import run_config
from tests.kubernetes_configs import GATEWAY, GUARDED_GATEWAY, SELECTOR, kubernetes, revealed, traffic, with_

ROUTER_SERVICES = {"web-stable-service", "web-preview-service"}
ROUTES = {"web-route", "web-preview-route"}


def changed(before: ProgramRun, after: ProgramRun) -> dict[str, ResourceChange]:
    return {change.name: change for change in diff_runs(before, after)}


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, ResourceChange]:
    return changed(run_config(before), run_config(after))


def selector(run: ProgramRun, name: str) -> dict[str, Any]:
    return run.named(name).inputs["spec"]["selector"]


def weights(run: ProgramRun) -> list[tuple[str, float]]:
    """The production route's weights in a run (the same run the diff compared: one run per config and test)."""
    [rule] = run.named("web-route").inputs["spec"]["rules"]
    return [(ref["name"], ref["weight"]) for ref in rule["backendRefs"]]


def test_selector_flip_changes_only_the_stable_and_preview_selectors() -> None:
    before, after = run_config(traffic(SELECTOR, 100, 0)), run_config(traffic(SELECTOR, 0, 100))
    found = changed(before, after)
    assert set(found) == ROUTER_SERVICES
    assert {change.kind for change in found.values()} == {"update"}
    assert selector(before, "web-stable-service") == {"app": "web", "color": "blue"}
    assert selector(before, "web-preview-service") == {"app": "web", "color": "green"}
    assert selector(after, "web-stable-service") == {"app": "web", "color": "green"}
    assert selector(after, "web-preview-service") == {"app": "web", "color": "blue"}


def test_selector_flip_back_is_symmetric() -> None:
    found = changes(traffic(SELECTOR, 0, 100), traffic(SELECTOR, 100, 0))
    assert set(found) == ROUTER_SERVICES
    assert all(change.kind == "update" for change in found.values())


def test_gateway_canary_step_changes_exactly_the_production_route() -> None:
    before, after = run_config(traffic(GATEWAY, 100, 0)), run_config(traffic(GATEWAY, 90, 10))
    found = changed(before, after)
    assert list(found) == ["web-route"]
    assert found["web-route"].kind == "update"
    assert weights(before) == [("web-blue", 100), ("web-green", 0)]
    assert weights(after) == [("web-blue", 90), ("web-green", 10)]


@pytest.mark.parametrize(
    ("start", "end"), [((90, 10), (75, 25)), ((75, 25), (50, 50)), ((60, 40), (55, 45)), ((10, 90), (0, 100))]
)
def test_every_canary_step_with_the_same_candidate_changes_one_resource(
    start: tuple[int, int], end: tuple[int, int]
) -> None:
    after = run_config(traffic(GATEWAY, *end))
    found = changed(run_config(traffic(GATEWAY, *start)), after)
    assert list(found) == ["web-route"]
    assert found["web-route"].kind == "update"
    assert weights(after) == [("web-blue", end[0]), ("web-green", end[1])]


def test_gateway_full_flip_changes_only_the_http_routes() -> None:
    before, after = run_config(traffic(GUARDED_GATEWAY, 100, 0)), run_config(traffic(GUARDED_GATEWAY, 0, 100))
    found = changed(before, after)
    assert set(found) == ROUTES
    assert {change.kind for change in found.values()} == {"update"}
    preview = revealed(after.named("web-preview-route").inputs)["spec"]["rules"][0]["backendRefs"]
    assert [ref["name"] for ref in preview] == ["web-blue"]
    assert weights(after) == [("web-blue", 0), ("web-green", 100)]


def test_gateway_flip_with_preview_hostname_changes_only_the_http_routes() -> None:
    named = kubernetes(
        GATEWAY,
        gateway={"name": "public", "hostname": "web.example.com", "previewHostname": "preview.example.com"},
    )
    found = changes(traffic(named, 100, 0), traffic(named, 0, 100))
    assert set(found) == ROUTES
    assert all(change.kind == "update" for change in found.values())


def test_no_workload_changes_across_a_whole_canary_rollout() -> None:
    steps = [(100, 0), (90, 10), (50, 50), (40, 60), (0, 100)]
    runs = [run_config(traffic(GUARDED_GATEWAY, blue, green)) for blue, green in steps]
    touched = set()
    for before, after in itertools.pairwise(runs):
        for change in diff_runs(before, after):
            assert change.kind == "update"
            touched.add(change.name)
    assert touched == ROUTES


def test_a_release_changes_only_the_candidate_deployment() -> None:
    # Not a flip: a new image on the candidate rolls its pods and touches nothing else.
    released = with_(SELECTOR, green={"image": "ghcr.io/acme/web:1.6.0"})
    found = changes(SELECTOR, released)
    assert list(found) == ["web-green-deployment"]
    assert found["web-green-deployment"].kind == "update"


@settings(max_examples=15, deadline=None, derandomize=True, database=None)
@given(before=st.integers(0, 100), after=st.integers(0, 100))
def test_any_traffic_change_touches_only_the_routes(before: int, after: int) -> None:
    old, new = traffic(GUARDED_GATEWAY, before, 100 - before), traffic(GUARDED_GATEWAY, after, 100 - after)
    found = changes(old, new)
    assert set(found) <= ROUTES
    assert all(change.kind == "update" for change in found.values())
    # Blue is live while it has at least half (ties go to blue), so the candidate moves only across 50.
    candidate_moved = (before >= 50) != (after >= 50)
    assert ("web-preview-route" in found) == candidate_moved
    assert ("web-route" in found) == (before != after)
