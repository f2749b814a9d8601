"""Mermaid `xychart-beta` line charts, which GitHub renders in job summaries, comments and Markdown files.

Only a small subset of the grammar is written, and every value is made to fit it: titles
and categories are double-quoted strings with no quote, backtick or line break inside;
numbers are plain decimals (the grammar has no exponent: 1e-05 would not parse).
"""

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

_UNSAFE = re.compile(r"[^A-Za-z0-9 .,:;/()%+=_-]")


def label(text: str, limit: int = 80) -> str:
    """`text` as a quoted Mermaid string: characters outside a safe set become spaces."""
    # `%%` starts a comment anywhere in a Mermaid line, so runs of % shrink to one.
    cleaned = re.sub(r"%+", "%", " ".join(_UNSAFE.sub(" ", text).split()))[:limit]
    return f'"{cleaned}"'


def number(value: float) -> str:
    """A decimal without exponent, at most 6 places: 0.0000123 -> 0.000012, 100.0 -> 100."""
    if not math.isfinite(value):
        raise ValueError(f"{value} cannot be charted")
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True)
class LineChart:
    title: str
    x_title: str
    categories: Sequence[str]
    y_title: str
    lines: Sequence[Sequence[float]]
    """Each line has one value per category."""
    y_max: float | None = None
    """Top of the y axis; None: a little above the largest value."""

    def render(self) -> str:
        if not self.categories or any(len(line) != len(self.categories) for line in self.lines):
            raise ValueError("every line needs one value per category")
        top = self.y_max
        if top is None:
            largest = max((v for line in self.lines for v in line), default=0.0)
            top = largest * 1.2 if largest > 0 else 1.0
        categories = ", ".join(label(c, 20) for c in self.categories)
        rows = [
            "xychart-beta",
            f"    title {label(self.title)}",
            f"    x-axis {label(self.x_title)} [{categories}]",
            f"    y-axis {label(self.y_title)} 0 --> {number(top)}",
        ]
        rows += [f"    line [{', '.join(number(v) for v in line)}]" for line in self.lines]
        return "\n".join(rows)
