"""The pack never fails on a malformed resource, never flags what is unknown at preview, never leaks a secret.

Generated resources start from stacks that pass every rule (the hand-written cases and
the project's own program), then one value somewhere is replaced: by a value unknown
until deployment (must not be a violation: it could be anything, the passing value
included), or by any JSON value at all (may be a violation, must never be a failure).
Many run in-process on the values the gRPC path produces; a few run over gRPC.
"""

import copy
import functools
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from conftest import run_config, stack_config
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from kubernetes_configs import ON_KUBERNETES
from policy_cases import (
    HTTP_ROUTE,
    aws_stack,
    changed,
    deployment,
    docker_container,
    kubernetes_stack,
    resource,
    service,
    target_group,
)
from policy_inprocess import judge, judge_parsed, parsed
from pulumi_policy import proxy

from bluegreen.program_run import RegisteredResource
from bluegreen.stack_files import PROJECT_DIR, read_stack_config

pytestmark = pytest.mark.policy

UNKNOWNS = [
    proxy.UNKNOWN_STRING_VALUE,
    proxy.UNKNOWN_NUMBER_VALUE,
    proxy.UNKNOWN_BOOLEAN_VALUE,
    proxy.UNKNOWN_ARRAY_VALUE,
    proxy.UNKNOWN_OBJECT_VALUE,
]
SIG_KEY, SECRET_SIG = "4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"
MALFORMED_MARK = "could not be judged"
# finish() caps a message at 2,000 characters, then adds the cut note and the docs link.
MESSAGE_BOUND = 2_300
GATEWAY = {
    **ON_KUBERNETES,
    "bluegreen:kubernetes.gateway.name": "public",
    "bluegreen:kubernetes.gateway.hostname": "web.example.com",
}


def as_secret(value: Any) -> dict[str, Any]:
    """A value as the engine sends a secret: wrapped in Pulumi's signature object."""
    return {SIG_KEY: SECRET_SIG, "value": value}


@functools.cache
def _program(stack: str, platform: str) -> tuple[RegisteredResource, ...]:
    overrides = {"docker": {}, "aws": {}, "kubernetes": ON_KUBERNETES, "gateway": GATEWAY}
    run = run_config(stack_config(stack, overrides[platform]), stack=stack)
    return tuple(r for r in run.resources.values() if r.custom)


@functools.cache
def _guarded_preview() -> tuple[RegisteredResource, ...]:
    """The prod Gateway stack with its preview route guarded by a secret token, as the engine registers it."""
    config = {**stack_config("prod", GATEWAY), "bluegreen:previewToken": "9c1f0e7d3b2a4c5d8e6f"}
    run = run_config(config, stack="prod", secret_keys=["bluegreen:previewToken"])
    return tuple(r for r in run.resources.values() if r.custom)


@functools.cache
def _shared_alb_service() -> tuple[RegisteredResource, ...]:
    """A service stack on a shared ALB (examples/Pulumi.shop-api.yaml): its two listener rules and colors."""
    config = read_stack_config("shop-api", project_dir=PROJECT_DIR / "examples")
    run = run_config(config, stack="shop-api")
    return tuple(r for r in run.resources.values() if r.custom)


@functools.cache
def _strategy(kind: str) -> tuple[RegisteredResource, ...]:
    """The prod RolloutStrategy with a hook (a command with its own env, or a secret URL), as registered."""
    config = copy.deepcopy(stack_config("prod"))
    hooks = {
        "command": {"command": ["./smoke.sh", "--fast"], "env": ["SMOKE_TOKEN", "SMOKE_USER"], "timeout": "20s"},
        "url": {"url": "https://checks.example.com/run?token=abc123", "expect": 204},
    }
    config["bluegreen:rollout"]["hooks"] = {"preTraffic": hooks[kind]}
    run = run_config(config, stack="prod", secret_keys=["bluegreen:rollout"] if kind == "url" else None)
    return tuple(run.of_type("bluegreen:index:RolloutStrategy"))


BASELINES = {
    "kubernetes": kubernetes_stack,
    "aws": aws_stack,
    "docker": lambda: [docker_container("blue"), docker_container("green")],
    "program-docker": lambda: list(_program("local", "docker")),
    "program-aws": lambda: list(_program("prod", "aws")),
    "program-kubernetes": lambda: list(_program("prod", "kubernetes")),
    "program-gateway": lambda: list(_program("prod", "gateway")),
    "program-gateway-secret-preview": lambda: list(_guarded_preview()),
    "program-shared-alb-rules": lambda: list(_shared_alb_service()),
    "rollout-command-hook": lambda: list(_strategy("command")),
    "rollout-secret-url-hook": lambda: list(_strategy("url")),
}


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in a JSON value: keys of objects and indexes of lists, nested."""
    found = []
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return found
    for key, item in items:
        found.append((*prefix, key))
        found.extend(paths(item, (*prefix, key)))
    return found


def _fresh(value: Any) -> Any:
    """A copy of inputs or a parsed view: new objects and lists all the way down, the same (immutable) leaves."""
    if isinstance(value, dict):
        return {key: _fresh(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_fresh(item) for item in value]
    return value


def replaced(r: RegisteredResource, path: tuple, value: Any) -> RegisteredResource:
    inputs = _fresh(r.inputs)
    node = inputs
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return resource(r.type, r.name, inputs, r.parent)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


# Keys the stack rules follow from one resource to another: the likeliest to break an index.
LINK_KEYS = ["name", "arn", "namespace", "labels", "selector", "matchLabels", "listenerArn", "loadBalancerArn"]


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


@functools.cache
def known_keys() -> list[str]:
    """Every key any baseline uses: where a value is added, it lands on a key some rule may read."""
    return sorted({k for make in BASELINES.values() for r in make() for k in _keys(r.inputs)} | {"arn", "name"})


@functools.cache
def _baseline(baseline: str) -> tuple[RegisteredResource, ...]:
    """The baseline's resources, made once per module: every example replaces the one it changes, never edits it."""
    return tuple(BASELINES[baseline]())


@functools.cache
def _places(baseline: str) -> dict[int, tuple[tuple, ...]]:
    """Every place in the inputs of each baseline resource that has any, by the resource's index."""
    return {i: tuple(found) for i, r in enumerate(_baseline(baseline)) if (found := paths(r.inputs))}


@functools.cache
def _objects(baseline: str, index: int) -> tuple[tuple, ...]:
    """The places in a baseline resource's inputs that hold an object: where a key can be added."""
    inputs = _baseline(baseline)[index].inputs
    return tuple(p for p in _places(baseline)[index] if isinstance(_at(inputs, p), dict))


@functools.cache
def _parsed_baseline(baseline: str) -> tuple[tuple[dict[str, Any], frozenset[str]], ...]:
    return tuple(parsed(r) for r in _baseline(baseline))


def views(baseline: str, resources: list[RegisteredResource], changed_index: int | None = None) -> list:
    """What the pack parses out of each resource: the changed one parsed now, the others copies of the baseline's.

    The baseline's resources parse the same in every example; a copy each time keeps one rule that
    edited its view (which the malformed-value test checks none does) from reaching the next example.
    """
    base = _parsed_baseline(baseline)
    return [parsed(r) if i == changed_index else (_fresh(base[i][0]), base[i][1]) for i, r in enumerate(resources)]


@st.composite
def one_place(draw, baseline: str, new_keys: bool = False) -> tuple[list[RegisteredResource], int, tuple]:
    """A resource of the baseline and a place in its inputs: an existing one, or (new_keys) a known key added."""
    resources = list(_baseline(baseline))
    places = _places(baseline)
    index = draw(st.sampled_from(list(places)))
    path = draw(st.sampled_from(places[index]))
    if new_keys and draw(st.booleans()):
        objects = _objects(baseline, index)
        where = draw(st.just(()) | st.sampled_from(objects)) if objects else ()
        path = (*where, draw(st.sampled_from(LINK_KEYS) | st.sampled_from(known_keys())))
    note(f"changed: {resources[index].name} at {'.'.join(map(str, path))}")
    return resources, index, path


def _at(value: Any, path: tuple) -> Any:
    for step in path:
        value = value[step]
    return value


@pytest.mark.parametrize("baseline", sorted(BASELINES))
def test_every_baseline_passes_every_rule(baseline):
    # The properties below rely on it: any violation they see comes from the one changed value.
    assert judge(BASELINES[baseline]()) == []


@pytest.mark.parametrize("baseline", sorted(BASELINES))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_value_unknown_at_preview_is_never_a_violation(baseline, data):
    resources, index, path = data.draw(one_place(baseline))
    unknown = data.draw(st.sampled_from(UNKNOWNS))
    resources[index] = replaced(resources[index], path, unknown)
    assert judge_parsed(resources, views(baseline, resources, index)) == []


def _secret_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _secret_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _secret_strings(v)]
    return []


def _tagged(value: Any) -> Any:
    """Strings marked so that a leak cannot be a coincidence with the message's own words."""
    if isinstance(value, str):
        return f"S3CRET{value}"
    if isinstance(value, dict):
        return {k: _tagged(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_tagged(v) for v in value]
    return value


@pytest.mark.parametrize("baseline", sorted(BASELINES))
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_malformed_value_is_judged_without_failing_or_leaking(baseline, data):
    resources, index, path = data.draw(one_place(baseline, new_keys=True))
    value = data.draw(json_values)
    secret = data.draw(st.booleans())
    if secret:
        value = _tagged(value)
    resources[index] = replaced(resources[index], path, as_secret(value) if secret else value)

    parsed_views = views(baseline, resources, index)
    before = [_fresh(props) for props, _ in parsed_views]
    found = judge_parsed(resources, parsed_views)

    # A rule that crashed would have reported through the safety net: none may need it.
    assert [m for _, m in found if MALFORMED_MARK in m] == []
    assert all(len(m) <= MESSAGE_BOUND for _, m in found)
    # Rules share one parsed view per request: none may change it.
    assert [props for props, _ in parsed_views] == before
    if secret:
        leaked = [s for s in _secret_strings(value) if any(s in m for _, m in found)]
        assert leaked == []


@pytest.mark.parametrize("baseline", ["aws", "docker", "kubernetes", "program-gateway"])
def test_links_of_the_wrong_type_are_judged_without_failing(baseline):
    """Every key a stack rule follows, set to a list or an object, on every resource: rarer than random finds."""
    base = list(_baseline(baseline))
    for index, r in enumerate(base):
        for key in LINK_KEYS:
            for where in ((), ("metadata",)):
                for value in (["web"], {"name": "web"}) if key == "name" else (["web"],):
                    resources = list(base)
                    inputs = copy.deepcopy(r.inputs)
                    node = inputs
                    for step in where:
                        node = node.setdefault(step, {}) if isinstance(node, dict) else {}
                    node[key] = value
                    resources[index] = resource(r.type, r.name, inputs, r.parent)
                    found = judge_parsed(resources, views(baseline, resources, index))
                    assert [m for _, m in found if MALFORMED_MARK in m] == [], (r.name, where, key, value)


# -- the cases the issue reported, over gRPC --------------------------------------------------


def _named(r: RegisteredResource, name: Any) -> RegisteredResource:
    return changed(r, metadata__name=name)


@pytest.mark.parametrize("bad_name", [["web"], {"name": "web"}], ids=["list", "dict"])
def test_non_string_names_are_judged_not_fatal(policy_pack, bad_name):
    route = resource(
        HTTP_ROUTE,
        "web-route",
        {
            "metadata": {"namespace": "web"},
            "spec": {"rules": [{"backendRefs": [{"name": bad_name, "port": 80}, {"name": "web", "port": 80}]}]},
        },
    )
    stack = [*kubernetes_stack()[:2], _named(service("web", "blue"), bad_name), service("web-preview", "green"), route]
    aws = [changed(r, name=bad_name) if r.name == "web-blue-tg" else r for r in aws_stack()]
    policy_pack.configure({"all": "mandatory"})
    for resources in (stack, aws):
        found = policy_pack.check(resources)
        assert [v.message for v in found if MALFORMED_MARK in v.message] == []


def test_probe_fields_of_different_types_are_a_difference_not_a_crash(policy_pack):
    blue, green = deployment("blue"), deployment("green")
    drifted = changed(green, spec__template__spec__containers__0__readinessProbe__successThreshold=True)
    stack = [blue, drifted, *kubernetes_stack()[2:]]
    policy_pack.configure({"all": "mandatory"})
    found = policy_pack.analyze_stack(stack)
    router = [v for v in found if v.policy_name == "k8s-router-backends-identical-probes"]
    assert sorted(v.urn for v in router) == sorted([blue.urn, drifted.urn])
    assert all('"successThreshold": true' in v.message or '"successThreshold": 2' in v.message for v in router)


@pytest.mark.parametrize(
    ("r", "path"),
    [
        (target_group("blue"), "healthCheck"),
        (docker_container(), "healthcheck"),
        (deployment(), "spec__template__spec"),
        (deployment(), "spec__strategy"),
        (aws_stack()[5], "containerDefinitions"),
        (aws_stack()[7], "loadBalancers"),
    ],
    ids=["target-group-health-check", "docker-healthcheck", "pod-spec", "rollout-strategy", "ecs-containers", "lbs"],
)
def test_whole_blocks_unknown_at_preview_are_not_violations(policy_pack, r, path):
    unknown = changed(r, **{path: proxy.UNKNOWN_OBJECT_VALUE})
    stack = [unknown if x.name == r.name else x for x in (aws_stack() + kubernetes_stack() + [docker_container()])]
    policy_pack.configure({"all": "mandatory"})
    assert policy_pack.check(stack) == []


def test_secret_values_never_reach_a_message(policy_pack):
    policy_pack.configure({"all": "mandatory"})
    leaky = changed(docker_container(), image=as_secret("registry.example/token-8c1f/web:latest"))
    [violation] = policy_pack.analyze([leaky])
    assert violation.policy_name == "docker-image-tag-pinned"
    assert "token-8c1f" not in violation.message and "[secret]" in violation.message


def test_an_8_mib_value_makes_a_short_message(policy_pack):
    policy_pack.configure({"all": "mandatory"})
    huge = "x" * (8 * 1024 * 1024)
    found = policy_pack.check([changed(docker_container(), image=huge, healthcheck__interval=huge)])
    assert {v.policy_name for v in found} == {"docker-image-tag-pinned", "docker-healthcheck-timing"}
    assert all(len(v.message) < MESSAGE_BOUND for v in found)
    assert all("8,388,608 characters" in v.message for v in found)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_malformed_resources_over_grpc_are_judged(policy_pack, data):
    baseline = data.draw(st.sampled_from(["kubernetes", "aws", "docker", "program-gateway"]))
    resources, index, path = data.draw(one_place(baseline, new_keys=True))
    resources[index] = replaced(resources[index], path, data.draw(json_values))
    policy_pack.configure({"all": "mandatory"})
    found = policy_pack.check(resources)  # a pack failure raises PolicyPackError
    assert [v.message for v in found if MALFORMED_MARK in v.message] == []
    assert all(len(v.message) <= MESSAGE_BOUND for v in found)


def test_concurrent_requests_each_see_their_own_view(policy_pack):
    """The pack serves 4 calls at once, and each publishes its parsed view for its own policies only."""
    policy_pack.configure({"all": "mandatory"})
    good, latest = docker_container("blue"), changed(docker_container("green"), image="repo/web:latest")
    broken_stack = [deployment("blue", replicas=1), *kubernetes_stack()[1:]]
    expected = {
        "good": [],
        "latest": [(latest.urn, "docker-image-tag-pinned")],
        "stack": [(deployment("blue").urn, "k8s-replicas-behind-service")],
    }
    calls = {
        "good": lambda: policy_pack.analyze([good]),
        "latest": lambda: policy_pack.analyze([latest]),
        "stack": lambda: policy_pack.analyze_stack(broken_stack),
    }
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [(kind, pool.submit(calls[kind])) for kind in list(calls) * 20]
        results = [(kind, sorted((v.urn, v.policy_name) for v in f.result())) for kind, f in futures]
    assert [(kind, found) for kind, found in results if found != expected[kind]] == []
