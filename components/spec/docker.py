"""`bluegreen:docker`: host ports and image of the local HAProxy router."""

import re
from typing import Annotated

from pydantic import AfterValidator, model_validator
from pydantic_core import PydanticCustomError

from .base import ConfigModel, Port, field_error

# The same HAProxy major.minor as Debian 12's package that the traffic test runs, so
# the config the test exercises is the config this image parses.
DEFAULT_HAPROXY_IMAGE = "haproxy:2.6.12-alpine"


def _pinned_image(image: str) -> str:
    # A floating `haproxy` or `haproxy:latest` could change the config dialect between two
    # `pulumi up` runs; a tag or digest keeps the router reproducible.
    name = image.rsplit("/", 1)[-1]
    if not image.strip() or ("@sha256:" not in image and (":" not in name or name.endswith(":latest"))):
        raise PydanticCustomError(
            "pinned", "must be pinned by a tag other than latest, or a digest (e.g. {example})",
            {"example": DEFAULT_HAPROXY_IMAGE},
        )
    if not re.fullmatch(r"[A-Za-z0-9._/:@-]+", image):
        raise PydanticCustomError("image_ref", "must be an image reference such as {example}",
                                  {"example": DEFAULT_HAPROXY_IMAGE})
    return image


def _absolute_dir(path: str | None) -> str | None:
    # Docker bind mounts take absolute host paths only; a relative one would depend on
    # the directory `pulumi up` happens to run from.
    if path is not None and not path.startswith("/"):
        raise PydanticCustomError("absolute", "must be an absolute host path (Docker bind mounts need one)")
    return path


class DockerConfig(ConfigModel):
    """Settings for platform `docker` (the local default)."""

    http_port: Port = 8080
    """Host port of the production frontend."""
    test_port: Port = 9080
    """Host port of the test frontend (100% to the candidate color)."""
    haproxy_image: Annotated[str, AfterValidator(_pinned_image)] = DEFAULT_HAPROXY_IMAGE
    """Official HAProxy image of the router, pinned by tag or digest."""
    config_dir: Annotated[str | None, AfterValidator(_absolute_dir)] = None
    """Host directory that holds haproxy.cfg (bind-mounted into the router); default
    `.bluegreen/<stack>-<service>` under the project."""

    @model_validator(mode="after")
    def _ports_differ(self) -> "DockerConfig":
        if self.http_port == self.test_port:
            raise field_error("testPort", self.test_port, "must differ from httpPort")
        return self
