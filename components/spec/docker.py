"""`bluegreen:docker`: host ports of the local HAProxy router."""

from pydantic import model_validator
from pydantic_core import PydanticCustomError

from .base import ConfigModel, Port


class DockerConfig(ConfigModel):
    """Settings for platform `docker` (the local default)."""

    http_port: Port = 8080  # type: ignore[valid-type]
    """Host port of the production frontend."""
    test_port: Port = 9080  # type: ignore[valid-type]
    """Host port of the test frontend (100% to the candidate color)."""

    @model_validator(mode="after")
    def _ports_differ(self) -> "DockerConfig":
        if self.http_port == self.test_port:
            raise PydanticCustomError(
                "field_rule",
                "{rule}",
                {"field": "testPort", "value": self.test_port, "rule": "must differ from httpPort"},
            )
        return self
