"""The one health spec renders to the same numbers on every platform."""

import math

from hypothesis import given
from hypothesis import strategies as st

from components import health
from components.spec import HealthCheck

SPEC = HealthCheck.model_validate(
    {"path": "/ready", "intervalSeconds": 15, "timeoutSeconds": 4, "healthyThreshold": 3,
     "unhealthyThreshold": 4, "startPeriodSeconds": 45}
)


def test_defaults_are_the_documented_safe_values() -> None:
    hc = HealthCheck()
    assert (hc.path, hc.interval_seconds, hc.timeout_seconds) == ("/health", 10, 5)
    assert (hc.healthy_threshold, hc.unhealthy_threshold, hc.start_period_seconds) == (2, 3, 30)
    assert hc.detection_seconds == 30


def test_alb_target_group_check() -> None:
    assert health.alb_target_group_check(SPEC) == {
        "enabled": True, "protocol": "HTTP", "port": "traffic-port", "path": "/ready", "matcher": "200-399",
        "interval": 15, "timeout": 4, "healthy_threshold": 3, "unhealthy_threshold": 4,
    }


def test_ecs_container_check_probes_the_app_port_and_keeps_the_start_period() -> None:
    check = health.ecs_container_check(SPEC, 8080)
    assert check["command"][0] == "CMD-SHELL"
    assert "http://127.0.0.1:8080/ready" in check["command"][1]
    assert (check["interval"], check["timeout"], check["retries"], check["startPeriod"]) == (15, 4, 4, 45)


def test_docker_healthcheck_uses_go_durations() -> None:
    check = health.docker_healthcheck(SPEC, 3000)
    assert check["tests"] == ["CMD-SHELL", health.probe_command(3000, "/ready")]
    assert (check["interval"], check["timeout"], check["retries"], check["start_period"]) == ("15s", "4s", 4, "45s")


def test_kubernetes_probes_map_every_field() -> None:
    probes = health.kubernetes_probes(SPEC, 8080)
    readiness, liveness, startup = probes["readinessProbe"], probes["livenessProbe"], probes["startupProbe"]
    for probe in (readiness, liveness, startup):
        assert probe["httpGet"] == {"path": "/ready", "port": 8080}
        assert (probe["periodSeconds"], probe["timeoutSeconds"]) == (15, 4)
    assert (readiness["successThreshold"], readiness["failureThreshold"]) == (3, 4)
    assert (liveness["successThreshold"], liveness["failureThreshold"]) == (1, 8)
    # 45 s start period at 15 s per check = 3 checks, plus the usual 4 failures.
    assert (startup["successThreshold"], startup["failureThreshold"]) == (1, 7)


def test_haproxy_check_lines() -> None:
    assert health.haproxy_backend_check(SPEC) == ["option httpchk GET /ready", "timeout check 4s"]
    assert health.haproxy_server_check(SPEC) == "check inter 15s fall 4 rise 3"


valid_specs = st.builds(
    lambda interval, timeout_frac, healthy, unhealthy, start: HealthCheck.model_validate({
        "intervalSeconds": interval, "timeoutSeconds": max(2, min(120, int(interval * timeout_frac))),
        "healthyThreshold": healthy, "unhealthyThreshold": unhealthy, "startPeriodSeconds": start,
    }),
    st.integers(5, 300), st.floats(0.0, 0.99), st.integers(2, 10), st.integers(2, 10), st.integers(0, 300),
).filter(lambda hc: hc.timeout_seconds < hc.interval_seconds)


@given(valid_specs)
def test_kubernetes_startup_budget_covers_the_start_period_like_ecs(hc: HealthCheck) -> None:
    startup = health.kubernetes_probes(hc, 80)["startupProbe"]
    budget = startup["failureThreshold"] * startup["periodSeconds"]
    assert budget >= hc.start_period_seconds + hc.detection_seconds
    assert budget < hc.start_period_seconds + hc.detection_seconds + hc.interval_seconds
    checks_in_start_period = math.ceil(hc.start_period_seconds / hc.interval_seconds)
    assert startup["failureThreshold"] == checks_in_start_period + hc.unhealthy_threshold


@given(valid_specs)
def test_liveness_is_never_stricter_than_readiness(hc: HealthCheck) -> None:
    probes = health.kubernetes_probes(hc, 80)
    assert probes["livenessProbe"]["failureThreshold"] > probes["readinessProbe"]["failureThreshold"]
