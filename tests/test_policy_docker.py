"""Docker rules of the policy pack, driven over gRPC."""

import pytest
from policy_cases import changed, check, docker_container, messages, policies, resource

pytestmark = pytest.mark.policy

GOOD = docker_container()

VIOLATIONS = [
    pytest.param(
        changed(GOOD, healthcheck=None),
        "docker-container-healthcheck",
        ['Container "web-blue" has no healthcheck'],
        id="missing",
    ),
    pytest.param(
        changed(GOOD, healthcheck={"tests": ["NONE"]}),
        "docker-container-healthcheck",
        ['Container "web-blue" disables its healthcheck (tests ["NONE"])'],
        id="disabled",
    ),
    pytest.param(
        changed(GOOD, healthcheck__timeout="1m30s", healthcheck__interval="1m"),
        "docker-healthcheck-timing",
        ["healthcheck timeout 1m30s is not below its interval 1m"],
        id="go-durations",
    ),
    pytest.param(
        changed(GOOD, healthcheck__timeout=None, healthcheck__interval=None),
        "docker-healthcheck-timing",
        ["timeout 30s (Docker's default) is not below its interval 30s (Docker's default)"],
        id="docker-defaults",
    ),
    pytest.param(
        changed(GOOD, healthcheck__interval="ten seconds"),
        "docker-healthcheck-timing",
        ['healthcheck.interval is "ten seconds", not a Go duration'],
        id="unparsable",
    ),
    pytest.param(
        changed(GOOD, image="repo/web"),
        "docker-image-tag-pinned",
        ['Container "web-blue": image "repo/web" has no tag'],
        id="untagged",
    ),
    pytest.param(
        resource("docker:index/remoteImage:RemoteImage", "web-image", {"name": "repo/web:latest"}),
        "docker-image-tag-pinned",
        ['RemoteImage "web-image": image "repo/web:latest" uses the moving tag'],
        id="remote-image-latest",
    ),
]


@pytest.mark.parametrize(("bad", "policy", "expected"), VIOLATIONS)
def test_rule_reports_value_and_fix(policy_pack, bad, policy, expected):
    found = check(policy_pack, [bad])
    assert policies(found) == {policy}
    [message] = messages(found, policy)
    for text in expected:
        assert text in message


@pytest.mark.parametrize(
    "good",
    [
        pytest.param(GOOD, id="baseline"),
        pytest.param(changed(GOOD, image="sha256:" + "b" * 64), id="image-id"),
        pytest.param(changed(GOOD, healthcheck__interval="1m", healthcheck__timeout="500ms"), id="sub-second-timeout"),
        pytest.param(
            resource("docker:index/remoteImage:RemoteImage", "web-image", {"name": "repo/web:1.4.2"}),
            id="remote-image-pinned",
        ),
    ],
)
def test_rule_accepts_safe_variants(policy_pack, good):
    assert check(policy_pack, [good]) == []
