"""The local stack's Prometheus: scrapes the router's exporter, answers release analysis on 127.0.0.1 only."""

import pulumi
import pulumi_docker as docker

from ..spec import BlueGreenSpec
from .naming import METRICS_PORT, PROMETHEUS_PORT, prometheus_name, router_name
from .prometheus_config import render_prometheus_config
from .router_security import DROPPED_CAPABILITIES, NO_NEW_PRIVILEGES

PROMETHEUS_CONFIG = "/etc/prometheus/prometheus.yml"
PROMETHEUS_MEMORY_MB = 512
"""One router's series for a day fit in far less; the limit keeps a runaway query off the host's memory."""


def analysis_prometheus(
    name: str, spec: BlueGreenSpec, network: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> docker.Container:
    """Prometheus scraping `<router>:8405` on the stack network: what the docker analysis templates query."""
    image = docker.RemoteImage(
        f"{name}-prometheus-image", name=spec.docker.prometheus_image, keep_locally=True, opts=opts
    )
    target = f"{router_name(spec.service.name)}:{METRICS_PORT}"
    return docker.Container(
        f"{name}-prometheus",
        name=prometheus_name(spec.service.name),
        image=image.image_id,
        command=[f"--config.file={PROMETHEUS_CONFIG}", "--storage.tsdb.retention.time=1d"],
        networks_advanced=[docker.ContainerNetworksAdvancedArgs(name=network)],
        # Loopback only, whatever publishAddress says: the operator CLI on this machine queries it.
        ports=[docker.ContainerPortArgs(internal=PROMETHEUS_PORT, external=spec.docker.prometheus_port,
                                        ip="127.0.0.1")],
        uploads=[docker.ContainerUploadArgs(file=PROMETHEUS_CONFIG, content=render_prometheus_config([target]))],
        # Confined like the router (it publishes a host port): no privilege gain, no capabilities, bounded memory.
        capabilities=docker.ContainerCapabilitiesArgs(drops=list(DROPPED_CAPABILITIES)),
        security_opts=[NO_NEW_PRIVILEGES],
        memory=PROMETHEUS_MEMORY_MB,
        memory_swap=PROMETHEUS_MEMORY_MB,
        healthcheck=docker.ContainerHealthcheckArgs(
            tests=["CMD", "wget", "-q", "-O-", f"http://127.0.0.1:{PROMETHEUS_PORT}/-/ready"],
            interval="10s",
            timeout="5s",
            retries=3,
        ),
        restart="unless-stopped",
        # Its name and host port are taken until the old one is gone (as for every container here).
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(delete_before_replace=True)),
    )
