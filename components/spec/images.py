"""Immutable image references: the one rule for every image that enters (colors, router, `release --image`).

A blue/green release compares two fixed versions, so each color must name exactly
one image: a tag other than `latest`, or a digest. The syntax is Docker's own
reference grammar (distribution/reference, via docker-image-py), so what passes
here is what `docker pull`, ECS and the kubelet accept.
"""

from typing import Annotated

from docker_image.reference import InvalidReference, Reference
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

EXAMPLE = "ghcr.io/acme/web:1.5.0"
FLOATING_TAG = "latest"


def image_rule_broken(image: str) -> str | None:
    """Why `image` is not an immutable image reference, or None when it is one."""
    if not image.strip():
        return "must not be empty"
    # Checked first: the reference grammar's `$` anchor would let a trailing newline through.
    if any(character.isspace() for character in image):
        return f"must be an image reference without spaces, tabs or newlines (e.g. {EXAMPLE})"
    try:
        reference = Reference.parse(image)
    except InvalidReference as error:
        return f"must be an image reference such as {EXAMPLE} ({error})"
    if reference["digest"]:
        return None
    if reference["tag"] in (None, FLOATING_TAG):
        # A missing tag means `latest`, which moves: the two colors could not be told apart.
        return f"must be pinned by a tag other than latest, or a digest (e.g. {EXAMPLE})"
    return None


def _immutable_image(image: str) -> str:
    rule = image_rule_broken(image)
    if rule is not None:
        raise PydanticCustomError("image_ref", "{rule}", {"rule": rule})
    return image


ImageRef = Annotated[str, AfterValidator(_immutable_image)]
"""A container image pinned by a tag other than `latest` or by a digest."""
