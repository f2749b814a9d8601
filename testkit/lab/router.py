"""HAProxy on loopback, configured by the component's own pure function and reloaded by its own mechanism.

`LoopbackRouter.update(spec)` is what `pulumi up` does to the router container
(`apply_config`: weights alone through the runtime API, anything else by a reload),
with the container's `docker exec`/`docker kill -s USR2` replaced by the local Unix
socket and a local SIGUSR2, and its DNS names replaced by 127.0.0.1 ports.
`apply(spec)` always reloads (the mechanism alone, for the reload tests), and
`restart(spec)` is the naive alternative the benchmark compares against: stop HAProxy,
start it again with the new config.
"""

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from components.docker.haproxy_config import RouterLayout, render_haproxy_config, server_name
from components.docker.reload import CONFIG_NAME, SERVER_STATE_NAME, AdminReloader, LocalReloader, install_and_reload
from components.docker.router_update import Applied, apply_config
from components.docker.runtime_api import query
from components.docker.server_weights import server_weights
from components.spec import COLORS, BlueGreenSpec, Color, HealthCheck

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def stop_process(process: subprocess.Popen[bytes] | None, grace: float = 10) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds: a lab process never outlives its test."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_until(condition: Callable[[], bool], timeout: float, what: str, step: float = 0.02) -> None:
    """Poll `condition` until true; a bounded wait so a broken setup fails instead of hanging."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout}s waiting for {what}")
        time.sleep(step)


class LoopbackRouter:
    """One HAProxy master-worker process listening on two loopback ports."""

    def __init__(
        self,
        servers: Mapping[Color, list[int]],
        health: HealthCheck,
        haproxy: str = "haproxy",
        state_port: int | None = None,
        metrics_port: int | None = None,
        workdir_parent: Path | None = None,
    ):
        """`state_port`: also open the container's TCP read-only socket, on this loopback port.
        `metrics_port`: serve HAProxy's Prometheus exporter there (release analysis scrapes it).
        `workdir_parent`: where its config and sockets go (default: the system's temporary directory)."""
        self.workdir = Path(tempfile.mkdtemp(prefix="bluegreen-haproxy-", dir=workdir_parent))
        self.config_path = self.workdir / CONFIG_NAME
        self.production_port = free_port()
        self.test_port = free_port()
        self.metrics_port = metrics_port
        stats_socket = self.workdir / "admin.sock"
        self.layout = RouterLayout(
            production_bind=f"{LOOPBACK}:{self.production_port}",
            test_bind=f"{LOOPBACK}:{self.test_port}",
            stats_socket=str(stats_socket),
            servers={c: [f"{LOOPBACK}:{port}" for port in servers.get(c, [])] for c in COLORS},
            server_state_file=str(self.workdir / SERVER_STATE_NAME),
            state_address=f"{LOOPBACK}:{state_port}" if state_port else None,
            metrics_bind=f"{LOOPBACK}:{metrics_port}" if metrics_port else None,
        )
        self.health = health
        self.haproxy = haproxy
        self.process: subprocess.Popen[bytes] | None = None
        self.reloader = LocalReloader(master_pid=self._pid, haproxy=haproxy, stats_socket=stats_socket)
        self.applied: str | None = None
        """The config last given to the router (what Pulumi's state records as the resource's `config`)."""

    def _pid(self) -> int | None:
        return self.process.pid if self.process and self.process.poll() is None else None

    def render(self, spec: BlueGreenSpec) -> str:
        return render_haproxy_config(spec, self.layout, self.health)

    def start(self, spec: BlueGreenSpec) -> None:
        self.applied = self.render(spec)
        install_and_reload(self.config_path, self.applied, self.reloader)  # nothing runs yet: no signal
        self.launch()
        self.wait_serving(spec)

    def launch(self) -> None:
        """Start HAProxy on the files as they are (a container restart): the same command line as the container."""
        self.process = subprocess.Popen(
            [self.haproxy, "-W", "-db", "-f", str(self.config_path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def apply(self, spec: BlueGreenSpec, reloader: AdminReloader | None = None) -> None:
        """The component's reload, whatever changed: save state, install the config, SIGUSR2, wait for the new worker.

        `reloader` replaces the local one, e.g. the container's (through a stand-in `docker`).
        """
        self.applied = self.render(spec)
        install_and_reload(self.config_path, self.applied, reloader or self.reloader)
        self.wait_serving(spec)

    def update(self, spec: BlueGreenSpec, reloader: AdminReloader | None = None) -> Applied:
        """What the dynamic provider's update does: the runtime API for weights alone, else a reload."""
        text = self.render(spec)
        applied = apply_config(self.config_path, text, reloader or self.reloader, self.applied)
        self.applied = text
        self.wait_serving(spec)
        return applied

    def worker_pid(self) -> int:
        """PID of the worker answering the runtime API now."""
        pid = self.reloader.worker_pid()
        assert pid is not None, "no HAProxy runs"
        return pid

    def restart(self, spec: BlueGreenSpec) -> None:
        """The naive way (benchmark baseline): stop HAProxy, then start it with the new config."""
        self.stop()
        self.start(spec)

    def wait_serving(self, spec: BlueGreenSpec, timeout: float = 10) -> None:
        """Wait until the worker answering the runtime API has the weights `spec` asks for."""
        want = self.expected_weights(spec)
        wait_until(lambda: self._weights_are(want), timeout, f"HAProxy to serve weights {want}")

    def expected_weights(self, spec: BlueGreenSpec) -> dict[str, int]:
        replicas: dict[Color, int] = {c: len(self.layout.servers[c]) for c in COLORS}
        per_server = server_weights({c: spec.traffic.of(c) for c in COLORS}, replicas)
        return {
            server_name(c, i): per_server[c] for c in COLORS for i in range(len(self.layout.servers[c]))
        }

    def _weights_are(self, want: dict[str, int]) -> bool:
        try:
            rows = self.server_stats()
        except OSError:
            return False  # socket not there yet (starting) or being handed over
        have = {row["svname"]: int(row["weight"]) for row in rows if row["pxname"] == "production"}
        return have == want

    def runtime(self, command: str) -> str:
        """One command on the runtime API socket (the same socket the container exposes)."""
        return query(self.layout.stats_socket, command)

    def server_stats(self) -> list[dict[str, str]]:
        """`show stat` rows of real servers (not FRONTEND/BACKEND), as dicts keyed by column."""
        text = self.runtime("show stat")
        lines = [line for line in text.splitlines() if line.strip()]
        if not lines or not lines[0].startswith("# "):
            raise OSError(f"unexpected runtime API answer: {text[:80]!r}")
        header = lines[0][2:].split(",")
        rows = [dict(zip(header, line.split(","), strict=False)) for line in lines[1:]]
        return [row for row in rows if row["svname"] not in ("FRONTEND", "BACKEND")]

    def server(self, backend: str, name: str) -> dict[str, str]:
        return next(r for r in self.server_stats() if r["pxname"] == backend and r["svname"] == name)

    def stop(self) -> None:
        stop_process(self.process)  # SIGTERM: the master stops its workers at once (a hard stop)
        self.process = None

    def close(self) -> None:
        """Stop HAProxy and remove its config and socket directory."""
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)
