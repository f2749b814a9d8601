"""The router config as a pure function: weights, checks, test route, retries, DNS; real HAProxy parses it."""

import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.docker.haproxy_config import DOCKER_DNS, render_haproxy_config
from components.docker.naming import container_layout
from components.docker.server_weights import MAX_WEIGHT, color_shares, server_weights
from components.health import haproxy_backend_check, haproxy_server_check
from components.spec import BlueGreenSpec, Color, parse_spec


def spec_for(
    blue: int = 100, green: int = 0, blue_replicas: int = 2, green_replicas: int = 2
) -> BlueGreenSpec:
    check = {"path": "/readyz", "intervalSeconds": 7}
    return parse_spec(
        {
            "service": {"name": "web", "port": 9898, "healthCheck": check},
            "blue": {"image": "repo/web:1", "replicas": blue_replicas},
            "green": {"image": "repo/web:2", "replicas": green_replicas},
            "traffic": {"blue": blue, "green": green},
        }
    )


def backend(text: str, name: str) -> list[str]:
    """The lines of one section, without indentation."""
    sections = re.split(r"\n(?=\S)", text)
    body = next(s for s in sections if s.startswith(f"backend {name}\n"))
    return [line.strip() for line in body.splitlines()[1:] if line.strip()]


def servers(text: str, name: str) -> dict[str, str]:
    return {line.split()[1]: line for line in backend(text, name) if line.startswith("server ")}


def test_production_servers_carry_per_server_weights_so_colors_get_their_share() -> None:
    spec = spec_for(90, 10, blue_replicas=1, green_replicas=3)
    text = render_haproxy_config(spec, container_layout(spec))
    found = servers(text, "production")
    # blue: 1 server with 27, green: 3 servers with 1 -> 27/30 = 90%.
    assert "weight 27 " in found["blue-0"]
    assert all("weight 1 " in found[f"green-{i}"] for i in range(3))


def test_a_color_at_weight_zero_keeps_its_servers_defined_and_checked() -> None:
    spec = spec_for(100, 0)
    found = servers(render_haproxy_config(spec, container_layout(spec)), "production")
    assert set(found) == {"blue-0", "blue-1", "green-0", "green-1"}
    assert "weight 0 check" in found["green-0"]


def test_servers_are_found_by_container_name_through_docker_dns() -> None:
    spec = spec_for()
    text = render_haproxy_config(spec, container_layout(spec))
    assert servers(text, "production")["green-1"].startswith("server green-1 web-green-1:9898 ")
    assert f"nameserver docker {DOCKER_DNS}" in text
    assert "default-server init-addr last,libc,none resolvers docker" in text


def test_the_production_frontend_answers_the_routers_own_health_uri() -> None:
    spec = spec_for()
    text = render_haproxy_config(spec, container_layout(spec))
    section = "frontend production\n    bind *:8080\n    default_backend production\n"
    assert section + "    monitor-uri /_haproxy/health\n" in text


def test_checks_come_from_the_one_health_spec() -> None:
    spec = spec_for()
    hc = spec.service.health_check
    text = render_haproxy_config(spec, container_layout(spec))
    lines = backend(text, "production")
    assert all(line in lines for line in haproxy_backend_check(hc))
    assert "option httpchk GET /readyz" in lines
    assert all(line.endswith(haproxy_server_check(hc)) for line in servers(text, "production").values())
    assert "check inter 7s fall 3 rise 2" in haproxy_server_check(hc)


@pytest.mark.parametrize(
    ("blue", "green", "candidate"),
    [(100, 0, "green"), (90, 10, "green"), (50, 50, "green"), (10, 90, "blue")],
)
def test_the_test_backend_sends_everything_to_the_candidate(blue: int, green: int, candidate: str) -> None:
    spec = spec_for(blue, green)
    found = servers(render_haproxy_config(spec, container_layout(spec)), "test")
    # Every server is listed, the live color's at weight 0, so a flip changes weights only.
    assert set(found) == {f"{color}-{i}" for color in ("blue", "green") for i in range(2)}
    weights = {name: int(line.split(" weight ")[1].split()[0]) for name, line in found.items()}
    assert weights == {name: int(name.startswith(candidate)) for name in found}
    assert found[f"{candidate}-0"].endswith(f"weight 1 track production/{candidate}-0")


def test_a_failure_on_a_dying_server_is_retried_elsewhere() -> None:
    spec = spec_for()
    text = render_haproxy_config(spec, container_layout(spec))
    expected = ["retries 3", "option redispatch 1", "retry-on conn-failure empty-response"]
    expected.append("timeout connect 2s")
    for line in expected:
        assert f"    {line}\n" in text
    assert "disable-l7-retry unless METH_GET or METH_HEAD or METH_OPTIONS" in text


def drained(seconds: int) -> BlueGreenSpec:
    return parse_spec({"service": {"drainSeconds": seconds}, "blue": {"image": "a:1"}, "green": {"image": "b:1"}})


def test_reloads_are_seamless_and_keep_alive_connections_are_closed_only_after_an_answer() -> None:
    spec = drained(45)
    text = render_haproxy_config(spec, container_layout(spec))
    assert "    master-worker\n" in text
    assert "stats socket /var/lib/haproxy/admin.sock mode 600 level admin expose-fd listeners" in text
    assert "    option idle-close-on-response\n" in text


@pytest.mark.parametrize(("drain", "hard_stop"), [(0, 63), (1, 63), (45, 63), (63, 63), (64, 64), (3600, 3600)])
def test_old_workers_get_the_drain_time_but_never_less_than_the_longest_request(drain: int, hard_stop: int) -> None:
    spec = drained(drain)
    text = render_haproxy_config(spec, container_layout(spec))
    # 63 = keep-alive 5 + request head 10 + queue 10 + 4 connect attempts x 2 + server 30.
    assert f"    hard-stop-after {hard_stop}s\n" in text
    for line in ("timeout http-keep-alive 5s", "timeout http-request 10s", "timeout queue 10s",
                 "timeout connect 2s", "retries 3", "timeout server 30s"):
        assert f"    {line}\n" in text


def test_the_container_keeps_server_state_next_to_its_config_and_serves_it_read_only() -> None:
    spec = spec_for()
    text = render_haproxy_config(spec, container_layout(spec))
    assert "    server-state-file /usr/local/etc/haproxy/server-state\n" in text
    assert "    load-server-state-from-file global\n" in text
    # busybox nc in the stock image speaks TCP only; level user can read state, never change it.
    assert "    stats socket ipv4@127.0.0.1:9999 level user\n" in text


def test_the_config_is_the_same_text_for_the_same_spec_and_differs_only_in_weights_on_a_canary() -> None:
    before, after = spec_for(100, 0), spec_for(90, 10)
    old = render_haproxy_config(before, container_layout(before)).splitlines()
    new = render_haproxy_config(after, container_layout(after)).splitlines()
    assert render_haproxy_config(before, container_layout(before)).splitlines() == old
    changed = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
    assert [a.split()[1] for a, _ in changed] == ["blue-0", "blue-1", "green-0", "green-1"]
    assert all("weight" in b for _, b in changed)


@pytest.mark.parametrize(
    ("blue", "green", "blue_replicas", "green_replicas"),
    [(100, 0, 2, 2), (90, 10, 1, 3), (50, 50, 3, 0 + 1), (0, 100, 0, 2), (1, 99, 9, 10)],
)
def test_real_haproxy_accepts_the_rendered_config(
    tmp_path: Path, blue: int, green: int, blue_replicas: int, green_replicas: int
) -> None:
    spec = spec_for(blue, green, blue_replicas, green_replicas)
    deployed = container_layout(spec)
    # Loopback addresses instead of container names: a name lookup can take seconds on a
    # machine without DNS (the container-name case has its own test below).
    servers = {c: [f"127.0.0.1:{9000 + i}" for i in range(len(n))] for c, n in deployed.servers.items()}
    path = tmp_path / "haproxy.cfg"
    path.write_text(render_haproxy_config(spec, replace(deployed, servers=servers)))
    result = subprocess.run(["haproxy", "-c", "-f", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_real_haproxy_accepts_the_deployed_config_before_any_container_exists(tmp_path: Path) -> None:
    spec = spec_for(blue_replicas=1, green_replicas=1)
    path = tmp_path / "haproxy.cfg"
    # The exact deployed text: web-blue-0 does not resolve here, and init-addr `none`
    # is what lets HAProxy accept that (and start before the containers exist).
    path.write_text(render_haproxy_config(spec, container_layout(spec)))
    result = subprocess.run(["haproxy", "-c", "-f", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_real_haproxy_rejects_a_broken_config(tmp_path: Path) -> None:
    spec = spec_for()
    path = tmp_path / "haproxy.cfg"
    text = render_haproxy_config(spec, container_layout(spec))
    path.write_text(text.replace("balance roundrobin", "balance nope"))
    result = subprocess.run(["haproxy", "-c", "-f", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode != 0


@given(
    blue=st.integers(0, 100),
    blue_replicas=st.integers(1, 100),
    green_replicas=st.integers(1, 100),
)
def test_server_weights_give_each_color_its_share(blue: int, blue_replicas: int, green_replicas: int) -> None:
    weights: dict[Color, int] = {"blue": blue, "green": 100 - blue}
    replicas: dict[Color, int] = {"blue": blue_replicas, "green": green_replicas}
    per_server = server_weights(weights, replicas)
    assert all(0 <= w <= MAX_WEIGHT for w in per_server.values())
    for color in ("blue", "green"):
        # A color at 0 gets nothing; a color above 0 is never silently dropped.
        assert (per_server[color] == 0) == (weights[color] == 0)
    share = color_shares(per_server, replicas)
    per_server_ratio = [weights[c] / replicas[c] for c in weights if weights[c]]
    if max(per_server_ratio) <= MAX_WEIGHT * min(per_server_ratio):
        # Representable with weights 1..256: the split is the configured one to within 0.1 point.
        assert abs(share["blue"] - blue / 100) <= 0.001


def test_server_weights_are_exact_when_they_fit() -> None:
    assert server_weights({"blue": 90, "green": 10}, {"blue": 1, "green": 2}) == {"blue": 18, "green": 1}
    assert server_weights({"blue": 50, "green": 50}, {"blue": 3, "green": 7}) == {"blue": 7, "green": 3}
    assert server_weights({"blue": 0, "green": 100}, {"blue": 2, "green": 0}) == {"blue": 0, "green": 0}
    assert server_weights({"blue": 0, "green": 100}, {"blue": 2, "green": 5}) == {"blue": 0, "green": 1}
