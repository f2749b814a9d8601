"""`HaproxyConfig`: the ONE resource a traffic change alters on platform docker.

A Pulumi dynamic resource (plain Python, no plugin to download) whose inputs are the
rendered haproxy.cfg text, the host path it lives at and the router container to
signal. Create and update run `install_and_reload`; the HAProxy container itself only
bind-mounts the directory, so its inputs never change on a flip and pulumi-docker
never replaces it.

`read` reports the file as it is on disk, so `pulumi refresh` sees a deleted file (the
resource is gone, and the next `up` creates it again) or an edited one (its text no
longer matches, and the next `up` rewrites it and reloads). `delete` removes what the
reload wrote next to it, and the directory too when create made it and it is empty.
"""

from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider, UpdateResult

from .reload import CANDIDATE_SUFFIX, SERVER_STATE_NAME, DockerReloader, install_and_reload

TYPE_TOKEN = "pulumi-python:dynamic/haproxy:HaproxyConfig"
"""What the engine (and testkit.run_diff) sees as this resource's type."""

_INPUTS = ("configPath", "config", "container")
CREATED_DIR = "createdDir"
"""Output: whether create made the config directory (so delete may remove it again)."""


class _HaproxyConfigProvider(ResourceProvider):
    """Runs inside the engine's Python dynamic-provider host, with the docker CLI on PATH."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        path = Path(props["configPath"])
        created_dir = not path.parent.exists()
        install_and_reload(path, props["config"], DockerReloader(props["container"]))
        return CreateResult(id_=props["configPath"], outs={**_outs(props), CREATED_DIR: created_dir})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        path = Path(props.get("configPath") or id_)
        try:
            text = path.read_text()
        except FileNotFoundError:
            # Gone: an empty ID tells the engine the resource no longer exists.
            return ReadResult(id_="", outs={})
        return ReadResult(id_=id_, outs={**props, "configPath": str(path), "config": text})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [key for key in _INPUTS if olds.get(key) != news.get(key)]
        # A new path is a new file; new text or container is an in-place reload.
        return DiffResult(
            changes=bool(changed),
            replaces=[key for key in changed if key == "configPath"],
            delete_before_replace=False,
        )

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        install_and_reload(Path(news["configPath"]), news["config"], DockerReloader(news["container"]))
        return UpdateResult(outs={**_outs(news), CREATED_DIR: bool(olds.get(CREATED_DIR))})

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        # The router container is deleted first (it depends on this resource), so
        # nothing reads these files any more.
        path = Path(props["configPath"])
        for name in (path.name, SERVER_STATE_NAME):
            path.with_name(name).unlink(missing_ok=True)
            path.with_name(name + CANDIDATE_SUFFIX).unlink(missing_ok=True)
        if props.get(CREATED_DIR) and path.parent.is_dir() and not any(path.parent.iterdir()):
            path.parent.rmdir()


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
