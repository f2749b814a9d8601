"""How the router takes a new config: weights alone through the runtime API, anything else by a reload.

The dynamic provider (config_resource.py) and the loopback lab (testkit/lab/router.py)
both call `apply_config`, so the benchmark and the traffic tests measure exactly what
`pulumi up` does. `previous` is the config the running router was last given (the
resource's recorded state, or after `pulumi refresh` the file with the weights HAProxy
really serves). The runtime API is used only when the new config differs from it in
weights alone and the file on disk still has its shape: a file edited by hand, or a
reload that never took, goes through the reload, which installs the whole file.

A runtime API failure (an image whose `nc` cannot reach a Unix socket, a socket not at
level admin, a weight that did not stick) falls back to the reload, and says so.
"""

from dataclasses import dataclass
from pathlib import Path

import pulumi

from .reload import AdminReloader, install_and_reload
from .runtime_api import RuntimeApiError
from .runtime_weights import set_weights
from .weight_change import weights_only_change

RUNTIME_API = "runtime API"
RELOAD = "reload"
FALLBACK = "reload after a runtime API failure"
INSTALLED = "file written (no router running)"


@dataclass(frozen=True)
class Applied:
    """How a config reached the router, and why it fell back to a reload when it did."""

    how: str
    reason: str | None = None


def apply_config(path: Path, text: str, reloader: AdminReloader, previous: str | None) -> Applied:
    """Install `text` at `path` and make the running router serve it, without a reload when only weights change."""
    if previous is not None and weights_only_change(previous, text) and _unchanged_on_disk(path, previous):
        try:
            return Applied(RUNTIME_API if set_weights(path, text, reloader) else INSTALLED)
        except RuntimeApiError as error:
            reason = str(error)
            pulumi.log.warn(f"HAProxy runtime API failed ({reason}); reloading {path} instead")
            install_and_reload(path, text, reloader)
            return Applied(FALLBACK, reason)
    install_and_reload(path, text, reloader)
    return Applied(RELOAD)


def _unchanged_on_disk(path: Path, previous: str) -> bool:
    """Whether the file on disk is `previous`, up to weights (its shape is what the running worker loaded)."""
    try:
        on_disk = path.read_text()
    except FileNotFoundError:
        return False
    return on_disk == previous or weights_only_change(on_disk, previous)
