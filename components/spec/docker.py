"""`bluegreen:docker`: host ports, exposure, image and confinement of the local HAProxy router."""

import ipaddress
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from ..config_dir_safety import unsafe_reason
from .base import ConfigModel, Port, between
from .capabilities import capability
from .images import ImageRef

# The same HAProxy major.minor as Debian 12's package that the traffic test runs, so
# the config the test exercises is the config this image parses.
DEFAULT_HAPROXY_IMAGE = "haproxy:2.6.12-alpine"
# The same Prometheus release as Debian 12's package that the analysis tests run.
DEFAULT_PROMETHEUS_IMAGE = "prom/prometheus:v2.42.0"
LOCAL_SCRAPE_INTERVAL_SECONDS = 5.0
"""How often the local stack's Prometheus scrapes the router; analysis.interval must be at least twice it."""

# Host directories whose contents the router would then read (the bind mount is read-only, but
# `pulumi up` writes haproxy.cfg there first, and `pulumi destroy` removes what it wrote).
SYSTEM_DIRS = frozenset(
    Path(p)
    for p in (
        "/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/libx32", "/opt", "/proc",
        "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/var", "/Users", "/System", "/Library",
        "/private", "/private/etc", "/private/var", "/private/tmp", "/Applications", "/Volumes",
    )
)
# Trees where no config dir belongs at any depth.
SYSTEM_TREES = ("/bin", "/boot", "/dev", "/etc", "/lib", "/proc", "/sbin", "/sys", "/usr", "/System", "/private/etc")


def _config_dir(path: str | None) -> str | None:
    if path is None:
        return None
    # Docker bind mounts take absolute host paths only; a relative one would depend on
    # the directory `pulumi up` happens to run from.
    if not path.startswith("/"):
        raise PydanticCustomError("absolute", "must be an absolute host path (Docker bind mounts need one)")
    if any(ch in path for ch in ":,\n\r\0"):
        raise PydanticCustomError("bind_path", "must not contain ':', ',' or control characters (Docker "
                                  "bind-mount syntax)")
    resolved = Path(path).resolve(strict=False)
    if resolved in SYSTEM_DIRS or resolved == Path.home() or any(
        resolved.is_relative_to(tree) for tree in SYSTEM_TREES
    ):
        raise PydanticCustomError(
            "system_dir",
            "is a system or home directory ({resolved}): use a directory of its own, such as "
            "<project>/.bluegreen/<stack> (the default when configDir is unset)",
            {"resolved": str(resolved)},
        )
    reason = unsafe_reason(Path(path))
    if reason is not None:
        raise PydanticCustomError("config_dir_unsafe", "cannot hold the router config: {reason}", {"reason": reason})
    return path


def _publish_address(address: str) -> str:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        raise PydanticCustomError(
            "ip_address", "must be an IP address of this host: 127.0.0.1 (only this machine, the default) or "
            "0.0.0.0 (every network the host is on)"
        ) from None


class DockerConfig(ConfigModel):
    """Settings for platform `docker` (the local default)."""

    http_port: Port = 8080
    """Host port of the production frontend."""
    test_port: Port = Field(default=9080, validate_default=True)
    """Host port of the test frontend (100% to the candidate color)."""
    publish_address: Annotated[str, AfterValidator(_publish_address)] = "127.0.0.1"
    """Host address both ports are published on; 127.0.0.1 keeps them on this machine, 0.0.0.0 opens them
    to every network the host is on."""
    haproxy_image: ImageRef = DEFAULT_HAPROXY_IMAGE
    """Official HAProxy image of the router, pinned by a tag other than `latest` or by a digest."""
    prometheus_port: Port = Field(default=9090, validate_default=True)
    """Host port, on 127.0.0.1 only, of the Prometheus that scrapes the router for release analysis."""
    prometheus_image: ImageRef = DEFAULT_PROMETHEUS_IMAGE
    """Prometheus image, pinned by a tag other than `latest` or by a digest."""
    router_memory_mb: Annotated[int, between(32, 65536)] = 256
    """Memory limit of the router container (MiB, swap included)."""
    app_no_new_privileges: bool = True
    """App containers run with `no-new-privileges`: a setuid binary in the image cannot gain privileges.
    `false` is an opt-out the policy rule docker-app-container-confined refuses unless its config allows it."""
    app_capabilities: list[Annotated[str, BeforeValidator(capability)]] = Field(default_factory=list)
    """Linux capabilities given back to the app containers after all are dropped (e.g. NET_BIND_SERVICE
    for a non-root app on a port below 1024); none by default. Each must also be in the policy's
    `allowedCapabilities`."""
    config_dir: Annotated[str | None, AfterValidator(_config_dir)] = None
    """Host directory that holds haproxy.cfg (bind-mounted into the router); default
    `.bluegreen/<stack>-<service>` under the project. Never a system or home directory, a home
    dot-directory (~/.ssh, ~/.config), a shared tree (/tmp, /var/tmp, /dev/shm, /run) or anywhere below
    a world-writable directory."""

    @field_validator("test_port")
    @classmethod
    def _ports_differ(cls, test_port: int, info: ValidationInfo) -> int:
        # A field validator, so it is reported alongside every other problem in one pass.
        if test_port == info.data.get("http_port"):
            raise PydanticCustomError("ports_differ", "must differ from httpPort")
        return test_port

    @field_validator("prometheus_port")
    @classmethod
    def _prometheus_port_differs(cls, port: int, info: ValidationInfo) -> int:
        if port in (info.data.get("http_port"), info.data.get("test_port")):
            raise PydanticCustomError("ports_differ", "must differ from httpPort and testPort")
        return port
