"""`k8s-router-backends-identical-probes` stays linear: many backends with differing probes, each message bounded.

With 800 Deployments behind one router and no majority probe, every Deployment is an outlier;
the rule compared each with every other and named them all (13 s, messages 800 names long).
Now each message names the first few and counts the rest. The growth is measured by
bench/probe_rule_growth.py, not here.
"""

import sys

from bluegreen.policy_client import PACK_DIR

if str(PACK_DIR) not in sys.path:
    sys.path.insert(0, str(PACK_DIR))

from rules.kubernetes_stack import NAMED_OTHERS, router_backends_identical_probes
from rules.spec import StackResource

CONFIG = {"colorLabels": ["color"]}


def service(color: str) -> StackResource:
    return StackResource(
        type="kubernetes:core/v1:Service",
        urn=f"urn:svc-{color}",
        name=f"web-{color}",
        props={"metadata": {"name": f"web-{color}"}, "spec": {"selector": {"app": "web", "color": color}}},
    )


def deployment(n: int, path: str) -> StackResource:
    labels = {"app": "web", "color": "blue"}
    container = {"name": "web", "readinessProbe": {"httpGet": {"path": path, "port": 8080}}}
    return StackResource(
        type="kubernetes:apps/v1:Deployment",
        urn=f"urn:web-{n}",
        name=f"web-{n}",
        props={"spec": {"template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}}}},
    )


def test_every_outlier_is_reported_with_a_bounded_list_of_the_others():
    resources = [service("blue"), service("green")] + [deployment(n, f"/health/{n}") for n in range(10)]
    found = dict(router_backends_identical_probes(resources, CONFIG))
    assert set(found) == {f"urn:web-{n}" for n in range(10)}
    assert found["urn:web-0"].startswith(
        'Deployment "web-0" takes traffic from the same router as "web-1", "web-2", "web-3" and 6 more '
        '(Services "web-blue", "web-green") but its probes differ: '
    )
    assert NAMED_OTHERS == 3


def test_the_majority_shape_is_not_reported_and_outliers_name_only_other_shapes():
    resources = [service("blue"), service("green")]
    resources += [deployment(n, "/health") for n in range(5)] + [deployment(5, "/other")]
    found = dict(router_backends_identical_probes(resources, CONFIG))
    assert list(found) == ["urn:web-5"]
    assert 'as "web-0", "web-1", "web-2" and 2 more (Services' in found["urn:web-5"]
