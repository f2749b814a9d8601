"""`HaproxyConfig`: the ONE resource a traffic change alters on platform docker.

A Pulumi dynamic resource (plain Python, no plugin to download) whose inputs are the
rendered haproxy.cfg text, the host path it lives at and the router container to
signal. Create and update run `install_and_reload`; the HAProxy container itself only
bind-mounts the directory, so its inputs never change on a flip and pulumi-docker
never replaces it.
"""

from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider, UpdateResult

from .reload import DockerReloader, install_and_reload

TYPE_TOKEN = "pulumi-python:dynamic/haproxy:HaproxyConfig"
"""What the engine (and bluegreen.run_diff) sees as this resource's type."""

_INPUTS = ("configPath", "config", "container")


class _HaproxyConfigProvider(ResourceProvider):
    """Runs inside the engine's Python dynamic-provider host, with the docker CLI on PATH."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        install_and_reload(Path(props["configPath"]), props["config"], DockerReloader(props["container"]))
        return CreateResult(id_=props["configPath"], outs=_outs(props))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [key for key in _INPUTS if olds.get(key) != news.get(key)]
        # A new path is a new file; new text or container is an in-place reload.
        return DiffResult(
            changes=bool(changed),
            replaces=[key for key in changed if key == "configPath"],
            delete_before_replace=False,
        )

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        install_and_reload(Path(news["configPath"]), news["config"], DockerReloader(news["container"]))
        return UpdateResult(outs=_outs(news))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        # The router container is deleted first (it depends on this resource).
        Path(props["configPath"]).unlink(missing_ok=True)


def _outs(props: dict[str, Any]) -> dict[str, Any]:
    return {key: props[key] for key in _INPUTS}


class HaproxyConfig(Resource, module="haproxy", name="HaproxyConfig"):
    """haproxy.cfg on the host, installed and hot-reloaded into the router container."""

    def __init__(
        self,
        name: str,
        config_path: str,
        config: str,
        container: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            _HaproxyConfigProvider(),
            name,
            {"configPath": config_path, "config": config, "container": container},
            opts,
        )
