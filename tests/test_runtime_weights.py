"""Weight changes through HAProxy's runtime API, on real HAProxy on loopback: no reload, same split, same file.

Each test drives `apply_config`, what the dynamic provider's update runs, through the
lab router (`LoopbackRouter.update`), either on the local admin socket or through the
container's `DockerReloader` with a stand-in `docker` (tests/docker_standin.py). The
worker's PID (`show info`) tells a reload (a new worker) from an in-place change.
Counts are bounded: a few hundred requests per test, on 127.0.0.1 only.
"""

import os
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from subprocess import Popen

import pytest
from pulumi.runtime.proto import provider_pb2

from components.docker.reload import DockerReloader
from components.docker.router_update import FALLBACK, INSTALLED, RELOAD, RUNTIME_API, apply_config
from components.docker.server_state import configured_weights, served_weights
from components.spec import Color
from testkit.lab.color_server import start
from testkit.lab.load import LoadClient, get_once, shares
from testkit.lab.router import LoopbackRouter, free_port, wait_until
from testkit.lab.scenario import FAST_CHECK, REPLICAS, spec_for
from tests.docker_standin import NO_UNIX_NC, install_docker_standin
from tests.test_haproxy_config_provider import URN, plain, props, provider_server, wire

pytestmark = pytest.mark.traffic

SHARE_TOLERANCE = 0.05
"""HAProxy's weighted round robin is deterministic: each color's share lies within 5 points of its weight."""
WITHIN_SECONDS = 1.0
MIN_REQUESTS = 100
"""Fewer answers than this in the second after a change would prove nothing about the split."""


@pytest.fixture(scope="module")
def replica_ports() -> Iterator[dict[Color, list[int]]]:
    """1 blue and 2 green replicas shared by the module: no test stops or changes them."""
    processes: list[Popen[str]] = []
    ports: dict[Color, list[int]] = {"blue": [], "green": []}
    try:
        for color, count in REPLICAS.items():
            for index in range(count):
                process, port = start(color, f"{color}-{index}")
                processes.append(process)
                ports[color].append(port)
        yield ports
    finally:
        for process in processes:
            process.kill()
            process.wait()


@pytest.fixture
def router(replica_ports: dict[Color, list[int]], private_root: Path) -> Iterator[LoopbackRouter]:
    """A router of its own per test (tests change its weights, its sockets and its process), at 100/0.

    Its files live in the private root: one test has the real provider write them, which it refuses below /tmp.
    """
    lab = LoopbackRouter(replica_ports, FAST_CHECK, state_port=free_port(), workdir_parent=private_root)
    try:
        lab.start(spec_for(100, 0))
        wait_until(lambda: all(r["status"] == "UP" for r in lab.server_stats()), 30, "every server UP")
        yield lab
    finally:
        lab.close()


def served(router: LoopbackRouter) -> dict[tuple[str, str], int]:
    return served_weights(router.runtime("show servers state"))


def in_container(router: LoopbackRouter, bin_dir: Path, monkeypatch: pytest.MonkeyPatch, unix_nc: bool = True):  # type: ignore[no-untyped-def]
    """The provider's own reloader for container `web-haproxy`, its `docker` played by a stand-in on this router."""
    assert router.process is not None and router.layout.state_address is not None
    install_docker_standin(
        bin_dir,
        router.workdir,
        router.process.pid,
        admin_socket=Path(router.layout.stats_socket),
        unix_nc=unix_nc,
        state_address=router.layout.state_address,
    )
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return DockerReloader("web-haproxy")


def test_a_weight_change_keeps_the_worker_and_the_split_follows_within_a_second(router: LoopbackRouter) -> None:
    worker = router.worker_pid()
    with LoadClient(router.production_port, threads=4, rate=4 * MIN_REQUESTS, keep_alive=True) as client:
        client.wait_for(time.monotonic(), 20, timeout=10)
        for blue, green in [(90, 10), (50, 50), (0, 100)]:
            spec = spec_for(blue, green)
            applied = router.update(spec)
            changed = time.monotonic()
            time.sleep(WITHIN_SECONDS)
            second = client.between(changed, changed + WITHIN_SECONDS)
            split = shares(second)
            print(f"{blue}/{green}: {len(second)} answers in the next second, split {split}")
            assert applied.how == RUNTIME_API
            assert router.worker_pid() == worker
            assert len(second) >= MIN_REQUESTS
            assert abs(split["blue"] - blue / 100) <= SHARE_TOLERANCE
            assert served(router) == configured_weights(router.render(spec))
            # The file holds the same rendered config, for a restart or a later reload.
            assert router.config_path.read_text() == router.render(spec)
    assert [o.error for o in client.outcomes if not o.ok] == []
    # A flip is a weight change too: the test route now sends everything to blue, the new candidate.
    assert {get_once(router.test_port).color for _ in range(20)} == {"blue"}


def test_a_change_of_anything_but_weights_reloads(router: LoopbackRouter) -> None:
    worker = router.worker_pid()
    # New weights and a longer drain (hard-stop-after): not a weight change alone.
    applied = router.update(spec_for(50, 50, drain_seconds=100))
    assert applied.how == RELOAD
    assert router.worker_pid() != worker
    assert "    hard-stop-after 100s\n" in router.config_path.read_text()
    assert served(router) == configured_weights(router.render(spec_for(50, 50)))


def test_a_runtime_api_failure_falls_back_to_a_reload_and_says_so(
    router: LoopbackRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    warnings: list[str] = []
    monkeypatch.setattr("components.docker.router_update.pulumi.log.warn", warnings.append)
    worker = router.worker_pid()
    broken = replace(router.reloader, admin_socket=router.workdir / "no-such.sock")
    applied = router.update(spec_for(50, 50), broken)
    assert applied.how == FALLBACK
    assert applied.reason is not None and "no-such.sock" in applied.reason
    assert warnings == [f"HAProxy runtime API failed ({applied.reason}); reloading {router.config_path} instead"]
    assert router.worker_pid() != worker
    assert served(router) == configured_weights(router.render(spec_for(50, 50)))


def test_the_container_path_sets_weights_through_nc_on_the_admin_socket(
    router: LoopbackRouter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker = router.worker_pid()
    applied = router.update(spec_for(90, 10), in_container(router, tmp_path / "bin", monkeypatch))
    assert applied.how == RUNTIME_API
    assert router.worker_pid() == worker
    assert served(router) == configured_weights(router.render(spec_for(90, 10)))


def test_an_image_whose_nc_has_no_unix_sockets_falls_back_to_a_reload(
    router: LoopbackRouter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker = router.worker_pid()
    applied = router.update(spec_for(90, 10), in_container(router, tmp_path / "bin", monkeypatch, unix_nc=False))
    assert applied.how == FALLBACK
    assert applied.reason is not None and NO_UNIX_NC in applied.reason
    assert router.worker_pid() != worker
    assert served(router) == configured_weights(router.render(spec_for(90, 10)))


def test_after_a_restart_the_files_weights_are_served(router: LoopbackRouter) -> None:
    for blue, green in [(90, 10), (50, 50)]:
        assert router.update(spec_for(blue, green)).how == RUNTIME_API
    router.stop()
    router.launch()
    want = configured_weights(router.render(spec_for(50, 50)))
    wait_until(lambda: _served_or_none(router) == want, 10, f"the restarted HAProxy to serve {want}")


def test_a_weight_set_by_hand_does_not_outlive_a_reload_that_asks_for_another(router: LoopbackRouter) -> None:
    # HAProxy 2.6 restores a saved weight whenever the saved initial weight equals the new
    # config's: blue-0 would stay at 7 after this reload, whose config still says 256.
    assert router.runtime("set server production/blue-0 weight 7") == "\n"
    applied = router.update(spec_for(100, 0, drain_seconds=100))
    assert applied.how == RELOAD
    config_says = configured_weights(router.render(spec_for(100, 0)))[("production", "blue-0")]
    assert config_says != 7
    assert served(router)[("production", "blue-0")] == config_says


def test_with_no_router_running_the_file_is_written_and_nothing_else(tmp_path: Path) -> None:
    lab = LoopbackRouter({"blue": [1], "green": [2]}, FAST_CHECK)
    try:
        old, new = lab.render(spec_for(100, 0)), lab.render(spec_for(90, 10))
        lab.config_path.write_text(old)
        assert apply_config(lab.config_path, new, lab.reloader, old).how == INSTALLED
        assert lab.config_path.read_text() == new
    finally:
        lab.close()


def _served_or_none(router: LoopbackRouter) -> dict[tuple[str, str], int] | None:
    try:
        return served(router)
    except OSError:
        return None  # still starting


def test_refresh_over_grpc_sees_a_weight_set_by_hand_and_the_next_up_sets_it_back_in_place(
    router: LoopbackRouter, tmp_path: Path
) -> None:
    # The dynamic provider as the engine runs it (python -m pulumi.dynamic, over gRPC), its
    # `docker` a stand-in for container `web-haproxy` that reaches this router.
    assert router.process is not None and router.layout.state_address is not None
    bin_dir = tmp_path / "bin"
    install_docker_standin(
        bin_dir, router.workdir, router.process.pid,
        admin_socket=Path(router.layout.stats_socket), state_address=router.layout.state_address,
    )
    inputs = props(router.config_path, router.render(spec_for(100, 0)))
    with provider_server({"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}) as provider:
        state = provider.Read(provider_pb2.ReadRequest(id=str(router.config_path), urn=URN, properties=wire(inputs)))
        assert plain(state.properties)["config"] == router.render(spec_for(100, 0))

        assert router.runtime("set server production/green-1 weight 9") == "\n"
        read = provider.Read(provider_pb2.ReadRequest(id=str(router.config_path), urn=URN, properties=state.properties))
        refreshed = plain(read.properties)["config"]
        assert f"server green-1 127.0.0.1:{router.layout.servers['green'][1].split(':')[1]} weight 9 " in refreshed
        assert refreshed.replace(" weight 9 ", " weight 0 ", 1) == router.render(spec_for(100, 0))

        diff = provider.Diff(provider_pb2.DiffRequest(id=read.id, urn=URN, olds=read.properties, news=wire(inputs)))
        assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME
        worker = router.worker_pid()
        updated = provider.Update(
            provider_pb2.UpdateRequest(id=read.id, urn=URN, olds=read.properties, news=wire(inputs))
        )
    assert plain(updated.properties)["appliedBy"] == RUNTIME_API
    assert router.worker_pid() == worker
    assert served(router)[("production", "green-1")] == 0
