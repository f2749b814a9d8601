"""Durations as people write them (`30s`, `5m`, `1m30s`, `500ms`): parsed to seconds and shown back.

Plain text functions, outside the config model's package, so the CLI can parse an option or show a
default without importing pydantic or the model.
"""

import math
import re

# ASCII digits only: `\d` would also take `٣` or `５`, which int() and float() read as 3 and 5.
_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)")
_BARE = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_SECONDS = {"ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}

HOUR = 3600.0
DAY = 24 * HOUR


def parse_duration(text: str, bare_seconds: bool = False) -> float | None:
    """Seconds in `text`, or None when it is not a duration.

    A bare number (`30`) is seconds only with `bare_seconds` (CLI options, which always took
    seconds); stack config must say its unit, so `pause: 5` is not silently five seconds.
    """
    text = text.strip()
    if not text.isascii():
        return None
    if bare_seconds and _BARE.fullmatch(text):
        # Not float(text): that also reads `inf`, `nan`, `1e400` and `1_0`.
        number = float(text)
        return number if math.isfinite(number) else None
    parts = _PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    # A 400-digit number reads as infinity: no duration, rather than an OverflowError wherever it is used.
    seconds = sum(float(n) * _SECONDS[u] for n, u in parts)
    return seconds if math.isfinite(seconds) else None


def show_duration(seconds: float) -> str:
    """`300.0` -> `5m`, `90` -> `1m30s`, `0.5` -> `500ms`: the way users write them."""
    if 0 < seconds < 1:
        return f"{seconds * 1000:g}ms"
    whole = int(seconds)
    if whole != seconds:
        return f"{seconds:g}s"
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "") + (f"{secs}s" if secs else "")
    return text or "0s"
