"""A checker for the part of Mermaid's `xychart-beta` grammar the reports write.

It follows Mermaid's own grammar (packages/mermaid/src/diagrams/xychart/parser/xychart.jison
in mermaid-js/mermaid): the header, `title`, `x-axis` with a band of categories or a range,
`y-axis` with a range, and `line`/`bar` data. The lexer rules are the jison ones: a number is
`[+-]?(?:\\d+(?:\\.\\d+)?|\\.\\d+)` (no exponent), a string is `"` then anything but `"` then `"`,
a bare word is made of letters, digits and `&+=*#_.-`. Beyond the grammar it checks what
makes a chart wrong rather than unparsable: every line has one value per category.
"""

import re
from dataclasses import dataclass, field

NUMBER = r"[+-]?(?:\d+(?:\.\d+)?|\.\d+)"
STRING = r'"[^"]*"'
WORD = r"[A-Za-z0-9&+=*#_.\-]+"
TEXT = rf"(?:{STRING}|{WORD})"


class MermaidSyntaxError(ValueError):
    pass


@dataclass
class XyChart:
    title: str | None = None
    categories: list[str] = field(default_factory=list)
    x_range: tuple[float, float] | None = None
    y_range: tuple[float, float] | None = None
    lines: list[list[float]] = field(default_factory=list)


def _text(token: str) -> str:
    return token[1:-1] if token.startswith('"') else token


def parse(source: str) -> XyChart:
    lines = [line for line in source.splitlines() if line.strip() and not line.strip().startswith("%%")]
    if not lines or not re.fullmatch(r"\s*xychart(?:-beta)?(?:\s+(?:vertical|horizontal))?\s*", lines[0], re.I):
        raise MermaidSyntaxError(f"the first line must be `xychart-beta`, got {lines[:1]}")
    chart = XyChart()
    for number, line in enumerate(lines[1:], 2):
        statement = line.strip()
        if "%%" in statement:
            # Mermaid's lexer starts a comment at `%%` anywhere, swallowing the rest of the line.
            raise MermaidSyntaxError(f"line {number}: `%%` would start a comment: {statement!r}")
        if match := re.fullmatch(r"title\s+(.+)", statement):
            if not re.fullmatch(rf"{TEXT}(?:\s+{TEXT})*", match.group(1)):
                raise MermaidSyntaxError(f"line {number}: title must be a string or words: {statement!r}")
            chart.title = _text(match.group(1))
        elif match := re.fullmatch(rf"x-axis(?:\s+({TEXT}))?\s*(.*)", statement):
            rest = match.group(2)
            if band := re.fullmatch(rf"\[\s*({TEXT}(?:\s*,\s*{TEXT})*)\s*\]", rest):
                chart.categories = [_text(t) for t in re.findall(TEXT, band.group(1))]
            elif span := re.fullmatch(rf"({NUMBER})\s*-->\s*({NUMBER})", rest):
                chart.x_range = (float(span.group(1)), float(span.group(2)))
            elif rest:
                raise MermaidSyntaxError(f"line {number}: x-axis data must be [categories] or MIN --> MAX: {rest!r}")
        elif match := re.fullmatch(rf"y-axis(?:\s+({TEXT}))?\s*(.*)", statement):
            rest = match.group(2)
            if span := re.fullmatch(rf"({NUMBER})\s*-->\s*({NUMBER})", rest):
                chart.y_range = (float(span.group(1)), float(span.group(2)))
            elif rest:
                raise MermaidSyntaxError(f"line {number}: y-axis data must be MIN --> MAX: {rest!r}")
        elif match := re.fullmatch(rf"(?:line|bar)(?:\s+{TEXT})?\s*\[\s*(.*?)\s*\]", statement):
            values = [v.strip() for v in match.group(1).split(",")]
            if not all(re.fullmatch(NUMBER, v) for v in values):
                raise MermaidSyntaxError(f"line {number}: data must be plain decimal numbers: {values}")
            chart.lines.append([float(v) for v in values])
        else:
            raise MermaidSyntaxError(f"line {number}: not a statement of xychart-beta: {statement!r}")
    for data in chart.lines:
        if chart.categories and len(data) != len(chart.categories):
            raise MermaidSyntaxError(f"a line has {len(data)} values for {len(chart.categories)} categories")
    return chart


def mermaid_blocks(markdown: str) -> list[str]:
    return re.findall(r"```mermaid\n(.*?)```", markdown, re.S)
