"""The local stack's Prometheus config: scrape HAProxy's exporter, as a pure function.

The component uploads it into the Prometheus container; the analysis tests start
Debian's `prometheus` with the same text pointed at a loopback router.
"""

import json
from collections.abc import Sequence

from ..spec.docker import LOCAL_SCRAPE_INTERVAL_SECONDS
from .haproxy_config import METRICS_PATH


def render_prometheus_config(
    targets: Sequence[str], scrape_interval_seconds: float = LOCAL_SCRAPE_INTERVAL_SECONDS
) -> str:
    """prometheus.yml (JSON is YAML) scraping `host:port` targets of routers' metrics frontends."""
    interval = f"{max(1, round(scrape_interval_seconds * 1000))}ms"
    config = {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "scrape_configs": [
            {
                "job_name": "haproxy",
                "metrics_path": METRICS_PATH,
                "scrape_interval": interval,
                "scrape_timeout": interval,
                "static_configs": [{"targets": list(targets)}],
            }
        ],
    }
    return json.dumps(config, indent=2) + "\n"
