"""Which color is live and which is the candidate, decided from the weights alone.

Tie rule: at 50/50 blue counts as live and green as the candidate. The test route
follows the candidate, so it only moves when one color's weight passes the other's.
"""

from .spec import COLORS, Color, Traffic


def live_color(traffic: Traffic) -> Color:
    """The color with the higher weight (blue on a tie)."""
    return "green" if traffic.green > traffic.blue else "blue"


def candidate_color(traffic: Traffic) -> Color:
    """The other color: where releases go and where the test route points."""
    live = live_color(traffic)
    return next(color for color in COLORS if color != live)


def weights(traffic: Traffic) -> dict[Color, int]:
    return {"blue": traffic.blue, "green": traffic.green}
