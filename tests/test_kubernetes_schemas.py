"""Provider schemas as a second opinion (issue 9): every Kubernetes manifest the program renders, for every
stack file and example, validates against the API's own OpenAPI schema in strict mode (unknown fields are
errors), as kubernetes-validate ships it for the newest Kubernetes release it knows.

Gateway API kinds (HTTPRoute, Gateway, GatewayClass) are CRDs, not in the core schema set: they are
listed here explicitly so a new core kind can never slip through as "no schema".
"""

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from bluegreen.program_run import ProgramRun
from bluegreen.stack_files import PROJECT_DIR, read_stack_config
from tests.conftest import run_config
from tests.kubernetes_configs import GATEWAY, GUARDED_GATEWAY, SELECTOR, kubernetes, traffic, with_

KUBERNETES_VERSION = kubernetes_validate.latest_version()
GATEWAY_API = "gateway.networking.k8s.io/"
EXAMPLES = PROJECT_DIR / "examples"


def stack_files() -> dict[str, dict[str, Any]]:
    """Every stack file (top level and examples/) whose platform is kubernetes, by name."""
    found = {}
    for directory in (PROJECT_DIR, EXAMPLES):
        for path in sorted(directory.glob("Pulumi.*.yaml")):
            stack = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
            config = read_stack_config(stack, project_dir=directory)
            if config.get("bluegreen:platform") == "kubernetes":
                found[stack] = config
    return found


# The stack files, plus the settings they do not exercise (each shape of every manifest kind).
CONFIGS = {
    **stack_files(),
    "selector": SELECTOR,
    "gateway canary": traffic(GATEWAY, 90, 10),
    "gateway canary, preview guarded by a secret token": traffic(GUARDED_GATEWAY, 90, 10),
    "baseline pods, own namespace, sleep preStop": kubernetes(
        SELECTOR, podSecurity="baseline", namespace="web-prod", createNamespace=True, preStop="sleep",
        automountServiceAccountToken=True, runAsUser=1000,
        resources={"requests": {"cpu": 0.25, "memory": "64Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
    ),
    "one replica, a scaled-down color": with_(SELECTOR, service={"replicas": 1}, green={
        "image": "ghcr.io/acme/web:1.5.0", "replicas": 0}),
}


def manifests(run: ProgramRun) -> list[dict[str, Any]]:
    """Each registered Kubernetes object as the provider sends it to the API server."""
    return [
        {key: value for key, value in r.inputs.items() if key in ("apiVersion", "kind", "metadata", "spec", "data")}
        for r in run.resources.values()
        if r.type.startswith("kubernetes:")
    ]


@pytest.fixture(scope="module", params=sorted(CONFIGS), ids=sorted(CONFIGS))
def rendered(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    stack = request.param if request.param in stack_files() else "test"
    return manifests(run_config(CONFIGS[request.param], stack=stack))


def test_the_stack_files_include_the_kubernetes_examples() -> None:
    assert {"kind", "kind-gateway"} <= set(stack_files())


def test_every_core_manifest_passes_the_strict_api_schema(rendered: list[dict[str, Any]]) -> None:
    core = [m for m in rendered if not m["apiVersion"].startswith(GATEWAY_API)]
    assert {m["kind"] for m in core} >= {"Deployment", "Service"}
    for manifest in core:
        try:
            kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{manifest['kind']} {manifest['metadata'].get('name')}: {error.message} at {error.path}")


def test_gateway_api_kinds_are_the_only_ones_without_a_core_schema(rendered: list[dict[str, Any]]) -> None:
    for manifest in rendered:
        if manifest["apiVersion"].startswith(GATEWAY_API):
            with pytest.raises(kubernetes_validate.SchemaNotFoundError):
                kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)


def test_a_wrong_field_fails_the_schema_so_this_check_can_fail() -> None:
    deployment = next(m for m in manifests(run_config(SELECTOR)) if m["kind"] == "Deployment")
    deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonroot"] = True  # misspelt
    with pytest.raises(kubernetes_validate.ValidationError, match="runAsNonroot"):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_the_example_gateway_manifests_are_gateway_api_objects() -> None:
    documents = list(yaml.safe_load_all(Path(EXAMPLES / "gateway-kind.yaml").read_text()))
    assert documents and all(d["apiVersion"].startswith(GATEWAY_API) for d in documents)
