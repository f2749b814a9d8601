"""`bluegreen:docker` validation: each rule fails naming key, value and rule, and passes when met."""

import pytest

from components.spec import ConfigError, parse_spec

BASE = {"blue": {"image": "repo/web:1"}, "green": {"image": "repo/web:2"}}


def problems(docker: dict) -> list[str]:
    try:
        parse_spec({**BASE, "docker": docker})
    except ConfigError as error:
        return [str(p) for p in error.problems]
    return []


@pytest.mark.parametrize(
    ("docker", "message"),
    [
        (
            {"haproxyImage": "haproxy"},
            "bluegreen:docker.haproxyImage = 'haproxy' is invalid: must be pinned by a tag other than "
            "latest, or a digest",
        ),
        (
            {"haproxyImage": "docker.io/library/haproxy:latest"},
            "bluegreen:docker.haproxyImage = 'docker.io/library/haproxy:latest' is invalid: must be pinned",
        ),
        (
            {"haproxyImage": "haproxy:2.6 alpine"},
            "bluegreen:docker.haproxyImage = 'haproxy:2.6 alpine' is invalid: must be an image reference",
        ),
        (
            {"configDir": "state/haproxy"},
            "bluegreen:docker.configDir = 'state/haproxy' is invalid: must be an absolute host path",
        ),
        ({"httpPort": 9080}, "bluegreen:docker.testPort = 9080 is invalid: must differ from httpPort"),
        ({"httpPort": 0}, "bluegreen:docker.httpPort = 0 is invalid: must be an integer from 1 to 65535"),
    ],
)
def test_bad_docker_settings_are_rejected_by_key(docker: dict, message: str) -> None:
    found = problems(docker)
    assert len(found) == 1
    assert found[0].startswith(message)


@pytest.mark.parametrize(
    "docker",
    [
        {},
        {"haproxyImage": "haproxy:3.0.5"},
        {"haproxyImage": "registry.local:5000/haproxy:2.8-alpine"},
        {"haproxyImage": "haproxy@sha256:" + "a" * 64},
        {"configDir": "/srv/bluegreen/haproxy", "httpPort": 80, "testPort": 8081},
    ],
)
def test_good_docker_settings_pass(docker: dict) -> None:
    assert problems(docker) == []


def test_defaults_match_the_design() -> None:
    spec = parse_spec(BASE)
    assert (spec.docker.http_port, spec.docker.test_port) == (8080, 9080)
    assert spec.docker.haproxy_image == "haproxy:2.6.12-alpine"
    assert spec.docker.config_dir is None
