"""Per-server HAProxy weights that give each color its configured share, whatever its replica count.

HAProxy splits a backend by server weight, so a color with 4 replicas at weight 1
each would beat a color with 1 replica at weight 1, whatever `bluegreen:traffic`
says. The weight of one server is therefore its color's weight divided by the
color's replica count, scaled to integers in HAProxy's 0..256 range.
"""

from collections.abc import Mapping

from ..spec import COLORS, Color

MAX_WEIGHT = 256
"""HAProxy's largest server weight."""


def server_weights(weights: Mapping[Color, int], replicas: Mapping[Color, int]) -> dict[Color, int]:
    """The weight of one server of each color (0 for a color at weight 0 or with no replicas).

    Searches every weight 1..256 of the heavier color's servers for the pair whose
    split is closest to the configured one; that is exact whenever the exact integers
    fit (the reduced pair is found first), and any color above 0 keeps at least 1,
    so a small canary never silently drops to nothing.
    """
    live: list[Color] = [c for c in COLORS if weights[c] > 0 and replicas[c] > 0]
    if len(live) < 2:
        return {c: (1 if c in live else 0) for c in COLORS}
    per_server = {c: weights[c] / replicas[c] for c in live}
    heavy, light = sorted(live, key=lambda c: per_server[c], reverse=True)
    target = weights[heavy] / (weights[heavy] + weights[light])
    best: tuple[float, int, int] | None = None
    for big in range(1, MAX_WEIGHT + 1):
        small = min(MAX_WEIGHT, max(1, round(big * per_server[light] / per_server[heavy])))
        total_heavy = big * replicas[heavy]
        error = abs(total_heavy / (total_heavy + small * replicas[light]) - target)
        if best is None or error < best[0] - 1e-12:
            best = (error, big, small)
    assert best is not None
    return {heavy: best[1], light: best[2]}


def color_shares(
    weights_per_server: Mapping[Color, int], replicas: Mapping[Color, int]
) -> dict[Color, float]:
    """The share of requests (0..1) each color gets from the given per-server weights."""
    totals = {c: weights_per_server[c] * replicas[c] for c in COLORS}
    whole = sum(totals.values())
    return {c: (totals[c] / whole if whole else 0.0) for c in COLORS}
