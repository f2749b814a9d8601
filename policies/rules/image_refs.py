"""Is a container image reference pinned? Shared by the Kubernetes and Docker rules."""

from typing import Any

from .values import show

MUTABLE_TAGS = frozenset({"latest"})


def image_problem(image: Any) -> str | None:
    """Why `image` is not pinned, or None when it names a fixed tag or a digest.

    A moving tag means blue and green can run different code under the same name,
    and a rollback may "roll back" to the broken build.
    """
    if not isinstance(image, str):
        # Absent is reported by the caller's own wording; unknown (computed) is judged at deploy time.
        return "no image is set" if image is None else None
    if "@" in image or image.startswith("sha256:"):
        return None  # digest reference or image ID: immutable
    last_segment = image.rsplit("/", 1)[-1]
    if ":" not in last_segment:
        return f'image {show(image)} has no tag, so it means ":latest"'
    tag = last_segment.rsplit(":", 1)[1]
    if tag.lower() in MUTABLE_TAGS:
        return f"image {show(image)} uses the moving tag {show(tag)}"
    return None


PIN_FIX = "pin a version tag (repo/web:1.4.2) or a digest (repo/web@sha256:...)"
