"""The kind examples in examples/ are valid stacks, and the documented numbers are what they render."""

from pathlib import Path

import yaml

from bluegreen.program_run import ProgramRun
from bluegreen.stack_files import PROJECT_DIR, read_stack_config
from tests.conftest import run_config

EXAMPLES = PROJECT_DIR / "examples"


def example(stack: str) -> ProgramRun:
    return run_config(read_stack_config(stack, project_dir=EXAMPLES), stack=stack)


def test_kind_example_deploys_podinfo_in_its_own_namespace() -> None:
    config = read_stack_config("kind", project_dir=EXAMPLES)
    assert config["kubernetes:context"] == "kind-bluegreen"
    run = example("kind")
    [namespace] = run.of_type("kubernetes:core/v1:Namespace")
    assert namespace.inputs["metadata"]["name"] == "bluegreen-demo"
    pod = run.named("web-blue-deployment").inputs["spec"]["template"]["spec"]
    # README (Platform `kubernetes`): interval 5 -> preStop 5 + 5 = 10s; grace 10 + drain 10 + 5 = 25s.
    assert pod["containers"][0]["lifecycle"]["preStop"] == {"exec": {"command": ["sleep", "10"]}}
    assert pod["terminationGracePeriodSeconds"] == 25
    assert run.outputs["url"] == "http://web.bluegreen-demo.svc.cluster.local:9898"
    assert run.outputs["routerKind"] == "Service"


def test_kind_gateway_example_attaches_to_the_example_gateway() -> None:
    documents = list(yaml.safe_load_all(Path(EXAMPLES / "gateway-kind.yaml").read_text()))
    gateway = next(d for d in documents if d["kind"] == "Gateway")
    assert gateway["spec"]["listeners"][0]["allowedRoutes"] == {"namespaces": {"from": "All"}}
    run = example("kind-gateway")
    route = run.named("web-route").inputs["spec"]
    parent = route["parentRefs"][0]
    metadata = gateway["metadata"]
    assert (parent["name"], parent["namespace"]) == (metadata["name"], metadata["namespace"])
    assert route["hostnames"] == ["web.localtest.me"]
    assert run.outputs["url"] == "http://web.localtest.me"
