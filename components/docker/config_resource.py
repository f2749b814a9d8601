"""`HaproxyConfig`: the ONE resource a traffic change alters on platform docker.

A Pulumi dynamic resource (plain Python, no plugin to download) whose inputs are the
rendered haproxy.cfg text, the host path it lives at and the router container to
signal. Create runs `install_and_reload`; update runs `apply_config` (router_update.py):
a change of weights alone (a canary step, a flip) goes through HAProxy's runtime API
with no reload, anything else reloads. The HAProxy container itself only bind-mounts
the directory, so its inputs never change on a flip and pulumi-docker never replaces it.

`read` reports the file as it is on disk, with the weights the running HAProxy serves
in place of the file's, so `pulumi refresh` sees a deleted file (the resource is gone,
and the next `up` creates it again), an edited one, or a weight someone set by hand
through the runtime API (its text no longer matches, and the next `up` puts the
config's back). `delete` removes what the reload wrote next to it, and the directory
too when create made it and it is empty.
"""

from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider, UpdateResult

from ..config_dir_safety import refuse_unsafe
from .reload import CANDIDATE_SUFFIX, SERVER_STATE_NAME, DockerReloader, install_and_reload
from .router_update import apply_config
from .server_state import ServerStateError, served_weights
from .weight_change import with_weights

TYPE_TOKEN = "pulumi-python:dynamic/haproxy:HaproxyConfig"
"""What the engine (and bluegreen.run_diff) sees as this resource's type."""

_INPUTS = ("configPath", "config", "container")
CREATED_DIR = "createdDir"
"""Output: whether create made the config directory (so delete may remove it again)."""
APPLIED_BY = "appliedBy"
"""Output: how the last update reached the router (`runtime API`, `reload`, or the fallback with its reason)."""


class _HaproxyConfigProvider(ResourceProvider):
    """Runs inside the engine's Python dynamic-provider host, with the docker CLI on PATH."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        path = Path(props["configPath"])
        refuse_unsafe(path.parent)  # again at the write: the directories may have changed since the preview
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
        return ReadResult(id_=id_, outs={**props, "configPath": str(path), "config": _as_served(text, props)})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [key for key in _INPUTS if olds.get(key) != news.get(key)]
        # A new path is a new file; new text or container is an in-place reload.
        return DiffResult(
            changes=bool(changed),
            replaces=[key for key in changed if key == "configPath"],
            delete_before_replace=False,
        )

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        # Another router container has its own running config: only the same one can take weights in place.
        same_router = olds.get("container") == news["container"]
        previous = olds.get("config") if same_router else None
        refuse_unsafe(Path(news["configPath"]).parent)
        applied = apply_config(Path(news["configPath"]), news["config"], DockerReloader(news["container"]), previous)
        how = applied.how if applied.reason is None else f"{applied.how}: {applied.reason}"
        return UpdateResult(outs={**_outs(news), CREATED_DIR: bool(olds.get(CREATED_DIR)), APPLIED_BY: how})

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


def _as_served(text: str, props: dict[str, Any]) -> str:
    """`text` with each server at the weight the running router gives it (as is when no router runs)."""
    container = props.get("container")
    if not container:
        return text
    try:
        dump = DockerReloader(container).server_state()
    except ServerStateError as error:
        pulumi.log.warn(f"could not read the weights {container} serves ({error}); reporting the file's")
        return text
    return text if dump is None else with_weights(text, served_weights(dump))


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
