"""`bluegreen:release`: which color is live (last fully verified) and which release is in progress.

Written by the `bluegreen` CLI in the same config write as the weights, so the stack
file and the stack's outputs always say which color passed its gates: recovery
commands return there instead of guessing from the weights. Nothing the program
builds reads it; it only becomes the `liveColor` and `release` outputs, so a step
that changes it still changes only the router.
"""

from typing import Annotated, Any

from pydantic import BeforeValidator, model_validator
from pydantic_core import PydanticCustomError

from .base import ConfigModel, NonEmptyStr, between
from .service import Color


def _unset(value: Any) -> Any:
    # `pulumi config set --path` cannot delete a key: "" is how the CLI clears one.
    return None if value == "" else value


class ReleaseRecord(ConfigModel):
    """Maintained by `bluegreen release`, `rollback` and `abort`; not meant to be edited by hand."""

    live: Color
    """The color last verified at 100% (all its gates passed); `bluegreen rollback` returns here."""
    live_image: NonEmptyStr
    """The image that color was verified with."""
    candidate: Annotated[Color | None, BeforeValidator(_unset)] = None
    """The color a release is moving traffic to; unset when no release is in progress."""
    candidate_image: Annotated[str | None, BeforeValidator(_unset)] = None
    """The image being released to the candidate color."""
    strategy: Annotated[str | None, BeforeValidator(_unset)] = None
    """Fingerprint of the strategy the release follows (its expanded steps)."""
    step: Annotated[int, between(0, 1000)] = 0
    """How many steps of the release plan have completed."""

    @model_validator(mode="after")
    def _candidate_is_the_other_color(self) -> "ReleaseRecord":
        if self.candidate is not None and self.candidate == self.live:
            raise PydanticCustomError(
                "release_candidate", "candidate {color} cannot also be the live color", {"color": self.candidate}
            )
        if self.candidate is not None and not self.candidate_image:
            raise PydanticCustomError("release_candidate", "a candidate needs its candidateImage")
        return self
