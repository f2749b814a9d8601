"""Every `bluegreen:kubernetes` rule: a bad value stops the real program with one line naming the key,
and nothing is registered; the matching good value passes."""


import pytest

from bluegreen.stack_files import spec_of
from tests.conftest import config_error, run_config
from tests.kubernetes_configs import GATEWAY, GATEWAY_REF, SELECTOR, kubernetes, traffic, with_


def rollout(**fields: object) -> dict:
    return kubernetes(SELECTOR, rollout=fields)


def gateway(**fields: object) -> dict:
    return kubernetes(GATEWAY, gateway={**GATEWAY_REF, **fields})


K = "bluegreen:kubernetes."

BAD = [
    ("split without a gateway", traffic(SELECTOR, 90, 10),
     "bluegreen:traffic = {blue: 90, green: 10} is invalid: a Service selector can only send 100% to one "
     "color; set bluegreen:kubernetes.gateway"),
    ("namespace not a DNS label", kubernetes(SELECTOR, namespace="Shop_1"),
     f"{K}namespace = 'Shop_1' is invalid: must be a DNS label"),
    ("creating the default namespace", kubernetes(SELECTOR, namespace="default", createNamespace=True),
     f"{K}createNamespace = True is invalid: namespace 'default' always exists"),
    ("createNamespace not a boolean", kubernetes(SELECTOR, createNamespace="sometimes"),
     f"{K}createNamespace = 'sometimes' is invalid: input should be a valid boolean"),
    ("maxSurge above 100%", rollout(maxSurge="150%"),
     f"{K}rollout.maxSurge = '150%' is invalid: must be a whole number of pods (0 or more) "
     "or a percentage from '0%' to '100%'"),
    ("maxSurge as a fraction", rollout(maxSurge=0.5),
     f"{K}rollout.maxSurge = 0.5 is invalid: must be a whole number of pods"),
    ("maxSurge as a boolean", rollout(maxSurge=True),
     f"{K}rollout.maxSurge = True is invalid: must be a whole number of pods"),
    ("negative maxUnavailable", rollout(maxUnavailable=-1),
     f"{K}rollout.maxUnavailable = -1 is invalid: must be a whole number of pods"),
    ("maxUnavailable as words", rollout(maxUnavailable="one"),
     f"{K}rollout.maxUnavailable = 'one' is invalid: must be a whole number of pods"),
    ("surge and unavailable both zero", rollout(maxSurge="0%", maxUnavailable=0),
     f"{K}rollout.maxUnavailable = 0 is invalid: maxSurge and maxUnavailable cannot both be 0"),
    ("negative minReadySeconds", rollout(minReadySeconds=-1),
     f"{K}rollout.minReadySeconds = -1 is invalid: must be an integer from 0 to 3600"),
    ("progress deadline not above minReadySeconds", rollout(minReadySeconds=700, progressDeadlineSeconds=700),
     f"{K}rollout.progressDeadlineSeconds = 700 is invalid: must be greater than "
     "minReadySeconds (700)"),
    ("progress deadline zero", rollout(progressDeadlineSeconds=0),
     f"{K}rollout.progressDeadlineSeconds = 0 is invalid: must be an integer from 1 to 3600"),
    # Default health check: startup 6 x 10s + readiness 2 x 10s + minReadySeconds 0 = 80s.
    ("progress deadline shorter than a healthy start", rollout(progressDeadlineSeconds=80),
     f"{K}rollout.progressDeadlineSeconds = 80 is invalid: must be greater than 80s, the longest "
     "a healthy pod may take to become available"),
    ("no propagation allowance", kubernetes(SELECTOR, endpointPropagationSeconds=0),
     f"{K}endpointPropagationSeconds = 0 is invalid: must be an integer from 1 to 120"),
    ("unknown preStop action", kubernetes(SELECTOR, preStop="nap"),
     f"{K}preStop = 'nap' is invalid: must be one of 'exec' or 'sleep'"),
    ("typo in a rollout key", rollout(maxsurge=1),
     f"{K}rollout.maxsurge = 1 is invalid: unknown key; did you mean maxSurge?"),
    ("gateway without hostname", kubernetes(GATEWAY, gateway={"name": "public"}),
     f"{K}gateway.hostname is missing: Gateway mode needs the host the production HTTPRoute "
     "serves"),
    ("gateway without name", kubernetes(GATEWAY, gateway={"hostname": "web.example.com"}),
     f"{K}gateway.name is missing: this key is required"),
    ("gateway name not a DNS subdomain", gateway(name="Public"),
     f"{K}gateway.name = 'Public' is invalid: must be a DNS subdomain"),
    ("gateway name ending in a dot", gateway(name="public."),
     f"{K}gateway.name = 'public.' is invalid: must be a DNS subdomain"),
    ("gateway namespace not a DNS label", gateway(namespace="gw_system"),
     f"{K}gateway.namespace = 'gw_system' is invalid: must be a DNS label"),
    ("gateway sectionName not a DNS label", gateway(sectionName="HTTP"),
     f"{K}gateway.sectionName = 'HTTP' is invalid: must be a DNS label"),
    ("hostname with a scheme", gateway(hostname="http://web.example.com"),
     f"{K}gateway.hostname = 'http://web.example.com' is invalid: must be a lowercase DNS host "
     "name such as web.example.com (no scheme, port or wildcard)"),
    ("hostname with a port", gateway(hostname="web.example.com:8080"),
     f"{K}gateway.hostname = 'web.example.com:8080' is invalid: must be a lowercase DNS host"),
    ("wildcard hostname", gateway(hostname="*.example.com"),
     f"{K}gateway.hostname = '*.example.com' is invalid: must be a lowercase DNS host"),
    ("IP address as hostname", gateway(hostname="10.0.0.1"),
     f"{K}gateway.hostname = '10.0.0.1' is invalid: must be a lowercase DNS host"),
    ("preview hostname equal to hostname", gateway(previewHostname="web.example.com"),
     f"{K}gateway.previewHostname = 'web.example.com' is invalid: must differ from hostname"),
]


@pytest.mark.parametrize(("config", "expected"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_kubernetes_value_stops_the_program_naming_the_key(config: dict, expected: str) -> None:
    message = config_error(config)
    assert expected in message
    assert "Traceback" not in message


GOOD = [
    ("defaults", SELECTOR),
    ("created namespace", kubernetes(SELECTOR, namespace="shop-prod", createNamespace=True)),
    ("pod counts", rollout(maxSurge=1, maxUnavailable=0)),
    ("zero surge with one unavailable", rollout(maxSurge=0, maxUnavailable=1)),
    ("percentages", rollout(maxSurge="100%", maxUnavailable="0%")),
    ("deadline just above a healthy start", rollout(progressDeadlineSeconds=81)),
    ("deadline above minReadySeconds", rollout(minReadySeconds=30, progressDeadlineSeconds=111)),
    ("sleep action", kubernetes(SELECTOR, preStop="sleep")),
    ("longest propagation allowance", kubernetes(SELECTOR, endpointPropagationSeconds=120)),
    ("gateway split", traffic(GATEWAY, 90, 10)),
    ("gateway name with dots", gateway(name="public.edge")),
    ("gateway in the routes' namespace, one listener", gateway(namespace=None, sectionName="http")),
    ("preview hostname", gateway(previewHostname="preview.web.example.com")),
]


@pytest.mark.parametrize("config", [c[1] for c in GOOD], ids=[c[0] for c in GOOD])
def test_good_kubernetes_value_builds_the_stack(config: dict) -> None:
    run = run_config(config)
    assert len(run.of_type("kubernetes:apps/v1:Deployment")) == 2


def test_progress_deadline_bound_follows_the_health_check() -> None:
    # interval 20, unhealthy 2, start 60: startup (3 + 2) x 20 = 100s, readiness 2 x 20 = 40s, +15s ready.
    config = with_(
        rollout(minReadySeconds=15, progressDeadlineSeconds=155),
        service={"healthCheck": {"intervalSeconds": 20, "unhealthyThreshold": 2, "startPeriodSeconds": 60}},
    )
    with pytest.raises(Exception, match="must be greater than 155s"):
        spec_of(config)
    passing = rollout(minReadySeconds=15, progressDeadlineSeconds=156)
    passing = with_(passing, service=config["bluegreen:service"])
    spec = spec_of(passing)
    assert spec.kubernetes.rollout.progress_deadline_seconds == 156


def test_counts_written_as_strings_by_config_set_path_are_pod_counts() -> None:
    # `pulumi config set --path bluegreen:kubernetes.rollout.maxSurge 2` may store "2".
    spec = spec_of(rollout(maxSurge="2", maxUnavailable="25%"))
    assert (spec.kubernetes.rollout.max_surge, spec.kubernetes.rollout.max_unavailable) == (2, "25%")
