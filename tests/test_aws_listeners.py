"""Platform aws, the router: listener protocols, weights, the test listener's target, redirect, outputs."""

from typing import Any

import pytest

from bluegreen.program_run import ProgramRun
from components.aws.listeners import (
    TLS_POLICY,
    candidate_action,
    forward_action,
    listener_layout,
    production_action,
    redirect_action,
)
from components.spec import AwsConfig, Color, Traffic
from tests.conftest import run_config, stack_config

LISTENER = "aws:lb/listener:Listener"
TG_ARN = "arn:aws:mock:us-east-1:123456789012:targetgroup/{name}"
BLUE_TG = TG_ARN.format(name="web-blue-tg")
GREEN_TG = TG_ARN.format(name="web-green-tg")
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/7d2e4f6a-1b3c-4d5e-8f9a-0b1c2d3e4f5a"
ARNS: dict[Color, str] = {"blue": "arn:blue", "green": "arn:green"}


def split(listener_inputs: dict[str, Any]) -> list[tuple[str, float]]:
    """[(target group ARN, weight)] of a listener's single forward action, in order."""
    (action,) = listener_inputs["defaultActions"]
    assert action["type"] == "forward"
    assert action["forward"]["stickiness"]["enabled"] is False
    return [(group["arn"], group["weight"]) for group in action["forward"]["targetGroups"]]


@pytest.fixture(scope="module")
def dev() -> ProgramRun:
    return run_config(stack_config("dev"), stack="dev")


@pytest.fixture(scope="module")
def prod() -> ProgramRun:
    return run_config(stack_config("prod"), stack="prod")


# Pure decisions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("blue", "green", "expected"),
    [
        (100, 0, [("arn:blue", 100), ("arn:green", 0)]),
        (90, 10, [("arn:blue", 90), ("arn:green", 10)]),
        (0, 100, [("arn:blue", 0), ("arn:green", 100)]),
    ],
)
def test_production_action_forwards_to_both_groups_with_the_configured_weights(blue, green, expected):
    action = production_action(Traffic(blue=blue, green=green), ARNS)
    assert action["type"] == "forward"
    assert [(g["arn"], g["weight"]) for g in action["forward"]["target_groups"]] == expected
    assert action["forward"]["stickiness"] == {"enabled": False, "duration": 1}


@pytest.mark.parametrize(
    ("blue", "green", "candidate"),
    [(100, 0, "green"), (90, 10, "green"), (50, 50, "green"), (40, 60, "blue"), (0, 100, "blue")],
)
def test_test_action_sends_everything_to_the_candidate_green_on_a_tie(blue, green, candidate):
    action = candidate_action(Traffic(blue=blue, green=green), ARNS)
    weights = {g["arn"]: g["weight"] for g in action["forward"]["target_groups"]}
    assert weights == {f"arn:{candidate}": 100, f"arn:{'blue' if candidate == 'green' else 'green'}": 0}


def test_forward_action_keeps_blue_first_whatever_the_weights():
    action = forward_action({"green": 70, "blue": 30}, ARNS)
    assert [g["arn"] for g in action["forward"]["target_groups"]] == ["arn:blue", "arn:green"]


def test_redirect_action_is_a_permanent_redirect_to_https_443():
    assert redirect_action() == {
        "type": "redirect",
        "redirect": {"protocol": "HTTPS", "port": "443", "status_code": "HTTP_301"},
    }


def aws_config(**extra: Any) -> AwsConfig:
    return AwsConfig.model_validate(
        {"vpcId": "vpc-0a1b2c3d", "subnetIds": ["subnet-0a1b2c3d", "subnet-0a1b2c3e"], **extra}
    )


def test_layout_without_certificate_is_plain_http_on_80_without_redirect():
    layout = listener_layout(aws_config(testListenerPort=9080))
    assert (layout.protocol, layout.production_port, layout.test_port) == ("HTTP", 80, 9080)
    assert layout.redirect_http is False
    assert layout.listener_args() == {"protocol": "HTTP"}
    # The test listener serves the unreleased candidate: nobody reaches it unless testIngressCidrs says so.
    assert layout.cidrs_by_port(aws_config()) == {80: ["0.0.0.0/0"], 9080: []}


def test_layout_with_certificate_is_https_on_443_with_tls12_policy_and_redirect():
    config = aws_config(certificateArn=CERT, testIngressCidrs=["10.0.0.0/8"])
    layout = listener_layout(config)
    assert (layout.protocol, layout.production_port, layout.redirect_http) == ("HTTPS", 443, True)
    assert layout.listener_args() == {"protocol": "HTTPS", "certificate_arn": CERT, "ssl_policy": TLS_POLICY}
    assert TLS_POLICY == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert layout.cidrs_by_port(config) == {80: ["0.0.0.0/0"], 443: ["0.0.0.0/0"], 9443: ["10.0.0.0/8"]}


# The real program, dev stack (HTTP) ------------------------------------------------------------


def test_dev_production_listener_is_http_80_forwarding_all_to_blue(dev: ProgramRun):
    listener = dev.named("web-listener").inputs
    assert (listener["protocol"], listener["port"]) == ("HTTP", 80)
    assert "certificateArn" not in listener and "sslPolicy" not in listener
    assert listener["loadBalancerArn"] == "arn:aws:mock:us-east-1:123456789012:loadbalancer/web-alb"
    assert split(listener) == [(BLUE_TG, 100), (GREEN_TG, 0)]


def test_dev_test_listener_sends_everything_to_green_the_candidate(dev: ProgramRun):
    listener = dev.named("web-test-listener").inputs
    assert (listener["protocol"], listener["port"]) == ("HTTP", 9080)
    assert split(listener) == [(BLUE_TG, 0), (GREEN_TG, 100)]


def test_dev_has_exactly_two_listeners_and_no_redirect(dev: ProgramRun):
    assert sorted(r.name for r in dev.of_type(LISTENER)) == ["web-listener", "web-test-listener"]


@pytest.mark.parametrize(
    ("traffic", "production", "test"),
    [
        ({"blue": 90, "green": 10}, [(BLUE_TG, 90), (GREEN_TG, 10)], [(BLUE_TG, 0), (GREEN_TG, 100)]),
        ({"blue": 50, "green": 50}, [(BLUE_TG, 50), (GREEN_TG, 50)], [(BLUE_TG, 0), (GREEN_TG, 100)]),
        ({"blue": 0, "green": 100}, [(BLUE_TG, 0), (GREEN_TG, 100)], [(BLUE_TG, 100), (GREEN_TG, 0)]),
    ],
)
def test_listener_weights_follow_bluegreen_traffic(traffic, production, test):
    run = run_config(stack_config("dev", {"bluegreen:traffic": traffic}), stack="dev")
    assert split(run.named("web-listener").inputs) == production
    assert split(run.named("web-test-listener").inputs) == test


# The real program, prod stack (HTTPS) ----------------------------------------------------------


def test_prod_production_listener_is_https_443_with_certificate_and_tls12_policy(prod: ProgramRun):
    listener = prod.named("web-listener").inputs
    assert (listener["protocol"], listener["port"]) == ("HTTPS", 443)
    assert listener["certificateArn"] == CERT
    assert listener["sslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert split(listener) == [(BLUE_TG, 100), (GREEN_TG, 0)]


def test_prod_port_80_redirects_to_https(prod: ProgramRun):
    redirect = prod.named("web-redirect").inputs
    assert (redirect["protocol"], redirect["port"]) == ("HTTP", 80)
    assert redirect["defaultActions"] == [
        {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}
    ]


def test_prod_test_listener_is_https_on_its_own_port(prod: ProgramRun):
    listener = prod.named("web-test-listener").inputs
    assert (listener["protocol"], listener["port"]) == ("HTTPS", 9443)
    assert listener["certificateArn"] == CERT
    assert listener["sslPolicy"] == TLS_POLICY
    assert split(listener) == [(BLUE_TG, 0), (GREEN_TG, 100)]


def test_listeners_are_children_of_the_router_component(prod: ProgramRun):
    parent = prod.named("web-router")
    assert parent.type == "bluegreen:index:AlbRouter"
    assert parent.parent == prod.named("web").urn
    assert {r.name for r in prod.of_type(LISTENER) if r.parent == parent.urn} == {
        "web-listener",
        "web-test-listener",
        "web-redirect",
    }


# Stack outputs ---------------------------------------------------------------------------------


def test_prod_outputs_name_router_and_colors(prod: ProgramRun):
    out = prod.outputs
    mock = "arn:aws:mock:us-east-1:123456789012"
    assert out["url"] == "https://web-alb.elb.mock.amazonaws.com"
    assert out["testUrl"] == "https://web-alb.elb.mock.amazonaws.com:9443"
    assert out["loadBalancerDnsName"] == "web-alb.elb.mock.amazonaws.com"
    assert out["listenerArn"] == f"{mock}:listener/web-listener"
    assert out["testListenerArn"] == f"{mock}:listener/web-test-listener"
    assert out["targetGroupArns"] == {"blue": BLUE_TG, "green": GREEN_TG}
    assert out["serviceNames"] == {"blue": "web-blue-service", "green": "web-green-service"}
    assert out["serviceArns"] == {
        "blue": f"{mock}:service/web-blue-service",
        "green": f"{mock}:service/web-green-service",
    }
    assert out["clusterName"] == "web-cluster"
    assert out["liveColor"] == "blue"
    assert out["weights"] == {"blue": 100, "green": 0}


def test_dev_urls_are_plain_http(dev: ProgramRun):
    assert dev.outputs["url"] == "http://web-alb.elb.mock.amazonaws.com"
    assert dev.outputs["testUrl"] == "http://web-alb.elb.mock.amazonaws.com:9080"
