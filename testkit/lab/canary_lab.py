"""The loopback release-analysis lab shared by the analysis tests and benchmarks (bad canary, verdicts).

Real HTTP replicas (the candidate possibly bad, see `Faults`), the router config the docker
component renders (with its metrics frontend), Debian's Prometheus scraping it with the local
stack's scrape config, a many-client load, and the real program under mocks deciding every
weight: `set_weight` writes config, runs `__main__.py`, and updates HAProxy with the result as
the component's update does (weights alone through the runtime API, anything else a reload).
"""

import copy
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from bluegreen.analysis import Analysis, build_analysis
from bluegreen.stack_driver import OnOutput
from bluegreen.stack_files import spec_of
from components.spec import BlueGreenSpec
from testkit.mock_driver import MockProgramDriver

from .color_server import FAULTS_START_PATH, Faults, launch, port_of
from .load import LoadClient, get_once
from .prometheus import LoopbackPrometheus
from .router import LoopbackRouter, free_port
from .scenario import FAST_CHECK, REPLICAS

STACK = "lab"
BASE_DELAY_MS = 5.0
"""Every replica's time on `/`: enough that a 10x slower candidate is far outside the noise."""


def lab_config(rollout: dict[str, Any]) -> dict[str, Any]:
    """A docker stack config with blue live and `rollout` as its `bluegreen:rollout`."""
    return {
        "bluegreen:platform": "docker",
        "bluegreen:service": {"name": "web", "port": 8080, "replicas": 2},
        "bluegreen:blue": {"image": "lab/web:1.4.2", "replicas": REPLICAS["blue"]},
        "bluegreen:green": {"image": "lab/web:1.5.0", "replicas": REPLICAS["green"]},
        "bluegreen:traffic": {"blue": 100, "green": 0},
        "bluegreen:rollout": copy.deepcopy(rollout),
    }


class LabDriver(MockProgramDriver):
    """The real program under mocks on every `up`, whose resulting spec HAProxy then serves (the component's update)."""

    router: LoopbackRouter | None = None

    def __init__(self, name: str, config: dict[str, Any]):
        super().__init__(name, config)
        self.timed_updates: list[tuple[float, float, int]] = []
        """(started, served, green weight) of every update: monotonic seconds, the second once HAProxy serves it."""

    def up(self, on_output: OnOutput, message: str | None = None) -> dict[str, Any]:
        started = time.monotonic()
        outputs = super().up(on_output, message)
        if self.router is not None and self.router.process is not None:
            spec = spec_of(self.config())
            self.router.update(spec)  # as the component's update: weights alone through the runtime API
            self.timed_updates.append((started, time.monotonic(), spec.traffic.green))
        return outputs


@dataclass
class CanaryLab:
    router: LoopbackRouter
    prometheus: LoopbackPrometheus
    load: LoadClient
    driver: LabDriver
    replica_ports: dict[str, list[int]]

    @property
    def spec(self) -> BlueGreenSpec:
        return spec_of(self.driver.config())

    def set_weight(self, green: int) -> None:
        """One update: both weights in config, the program run, the router updated with its result."""
        self.driver.set_config_paths({"bluegreen:traffic.blue": 100 - green, "bluegreen:traffic.green": green})
        self.driver.up(lambda line: None)

    def start_faults(self, color: str) -> None:
        """Start the faults of a color's replicas that wait for the signal (`Faults.on_signal`)."""
        for port in self.replica_ports[color]:
            get_once(port, FAULTS_START_PATH, timeout=5)

    def analysis(self) -> Analysis:
        analysis = build_analysis(self.spec, self.driver.outputs(), STACK)
        assert analysis is not None, "the lab's rollout config has no analysis"
        return analysis


class SharedPrometheus:
    """A Prometheus scraping one fixed loopback port, where each lab's router serves its exporter."""

    def __init__(self, scrape_interval: float = 0.25):
        self.metrics_port = free_port()
        self.prometheus = LoopbackPrometheus([f"127.0.0.1:{self.metrics_port}"], scrape_interval)

    def __enter__(self) -> "SharedPrometheus":
        self.prometheus.start(wait_for_scrape=False)
        return self

    def __exit__(self, *_: object) -> None:
        self.prometheus.close()


@contextmanager
def canary_lab(
    rollout: dict[str, Any],
    green_error_every: int = 0,
    green_delay_ms: float = BASE_DELAY_MS,
    rate: float = 300.0,
    threads: int = 8,
    scrape_interval: float = 0.25,
    shared: "SharedPrometheus | None" = None,
    green_faults: Faults | None = None,
    blue_faults: Faults | None = None,
    prometheus_address: str | None = None,
    keep_alive: bool = True,
) -> Iterator[CanaryLab]:
    """Everything running, blue live at 100%, load flowing; `rollout.prometheus` points at the lab's Prometheus.

    With `shared`, the router's exporter takes the port that Prometheus already scrapes, so
    several labs in a row skip Prometheus's start-up (its first scrape comes after 5 s).
    `green_faults` and `blue_faults` replace the shorthands (`green_error_every`, `green_delay_ms`).
    `prometheus_address` sends the analysis elsewhere (a dead port: Prometheus down for the whole release).
    `keep_alive`: each client thread keeps its connection, as a pooled client does (a request then costs the
    lab about a fifth of one on a new connection); the benchmarks' figures were measured with new connections.
    """
    faults = {
        "green": green_faults or Faults(delay_ms=green_delay_ms, error_every=green_error_every),
        "blue": blue_faults or Faults(delay_ms=BASE_DELAY_MS),
    }
    with ExitStack() as stack:
        processes: list[subprocess.Popen[str]] = []
        stack.callback(lambda: [p.kill() for p in processes])
        # Launched together, the replicas' interpreters start in parallel (about 0.4 s each on a loaded machine).
        launched = {
            color: [launch(color, f"{color}-{index}", faults=faults[color]) for index in range(count)]
            for color, count in REPLICAS.items()
        }
        processes += [process for started in launched.values() for process in started]
        ports = {
            color: [port_of(process, f"{color}-{index}") for index, process in enumerate(started)]
            for color, started in launched.items()
        }
        if shared is None:
            shared = stack.enter_context(SharedPrometheus(scrape_interval))
        router = LoopbackRouter(ports, FAST_CHECK, metrics_port=shared.metrics_port)  # type: ignore[arg-type]
        stack.callback(router.close)
        prometheus = shared.prometheus
        rollout = {**rollout, "prometheus": {"address": prometheus_address or prometheus.address, "timeout": "1s"}}
        driver = LabDriver(STACK, lab_config(rollout))
        driver.up(lambda line: None)
        driver.updates.clear()
        router.start(spec_of(driver.config()))
        driver.router = router
        prometheus.wait_for_scrape()
        load = LoadClient(router.production_port, threads=threads, rate=rate, keep_alive=keep_alive)
        stack.enter_context(load)
        yield CanaryLab(router, prometheus, load, driver, ports)
