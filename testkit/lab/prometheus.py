"""Debian's `prometheus` on loopback, scraping a lab router with the local stack's own scrape config.

Short scrape interval, storage in a temp directory, start-up bounded and finished only once
the targets have been scraped; `stop()` makes it
unreachable mid-test (the provider-down case), `close()` removes everything.
"""

import json
import shutil
import subprocess
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from components.docker.prometheus_config import render_prometheus_config

from .router import LOOPBACK, free_port, stop_process, wait_until


def _scraped(address: str) -> bool:
    """True once a target answers its scrapes (`up == 1`)."""
    try:
        query = urllib.parse.urlencode({"query": "up == 1"})
        with urllib.request.urlopen(f"{address}/api/v1/query?{query}", timeout=1) as response:
            return bool(json.loads(response.read())["data"]["result"])
    except (OSError, ValueError, KeyError):
        return False


class LoopbackPrometheus:
    """One Prometheus server on 127.0.0.1, scraping `targets` every `scrape_interval` seconds."""

    def __init__(self, targets: Sequence[str], scrape_interval: float = 0.25, binary: str = "prometheus"):
        self.workdir = Path(tempfile.mkdtemp(prefix="bluegreen-prometheus-"))
        self.port = free_port()
        self.address = f"http://{LOOPBACK}:{self.port}"
        (self.workdir / "prometheus.yml").write_text(render_prometheus_config(targets, scrape_interval))
        self.binary = binary
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30, wait_for_scrape: bool = True) -> "LoopbackPrometheus":
        self.process = subprocess.Popen(
            [
                self.binary,
                f"--config.file={self.workdir / 'prometheus.yml'}",
                f"--storage.tsdb.path={self.workdir / 'data'}",
                f"--web.listen-address={LOOPBACK}:{self.port}",
                "--storage.tsdb.retention.time=1h",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if wait_for_scrape:
            self.wait_for_scrape(timeout)
        return self

    def wait_for_scrape(self, timeout: float = 30) -> None:
        """Until a target has answered a scrape (`up` is 1), not only been tried."""
        # Prometheus's discovery hands targets to the scrapers in 5 s batches, so a fresh server waits.
        wait_until(lambda: _scraped(self.address), timeout, f"prometheus on port {self.port} to scrape", step=0.1)

    def stop(self) -> None:
        stop_process(self.process)
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> "LoopbackPrometheus":
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.close()
