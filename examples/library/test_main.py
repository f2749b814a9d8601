"""The program in this directory under Pulumi's mocks: no Pulumi CLI, no Docker. Run: `pytest examples/library`.

`run_config` (bluegreen.program_run) runs a project's program as the language host would, every resource
going to mocks that echo inputs back, and returns what it registered and exported.
"""

from pathlib import Path

import pulumi
import pytest

from bluegreen.program_run import run_config

HERE = Path(__file__).parent


def test_the_router_splits_90_10_and_each_color_runs_its_image():
    run = run_config({}, stack="dev", project_dir=HERE)

    assert run.outputs == {"url": "http://localhost:18080", "testUrl": "http://localhost:19080"}
    assert run.named("web-blue-image").inputs["name"] == "ghcr.io/acme/web:1.4.2"
    assert run.named("web-green-image").inputs["name"] == "ghcr.io/acme/web:1.5.0"
    haproxy = run.named("web-haproxy-config").inputs["config"]
    # Two replicas a color, 90/10: HAProxy weights 9 and 1 on each server.
    assert "server blue-0 web-blue-0:8080 weight 9 check" in haproxy
    assert "server green-0 web-green-0:8080 weight 1 check" in haproxy


def test_a_weight_on_a_color_without_replicas_names_the_argument():
    from components.service_args import spec_from_args
    from components.spec import ColorSpec, Service, Traffic

    with pytest.raises(pulumi.RunError, match=r'set green\["replicas"\] above 0'):
        spec_from_args(
            "docker",
            "web",
            {
                "service": Service(name="web", port=8080),
                "blue": ColorSpec(image="ghcr.io/acme/web:1.4.2"),
                "green": ColorSpec(image="ghcr.io/acme/web:1.5.0", replicas=0),
                "traffic": Traffic(blue=90, green=10),
            },
        )
