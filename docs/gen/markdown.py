"""Markdown building blocks shared by the generated reference pages."""

GENERATED_NOTE = (
    "<!-- Generated from {source} by `make docs` (docs/gen/). Do not edit: a test fails when this page "
    "differs from what the code generates. -->"
)


def cell(text: str) -> str:
    """Text safe inside one table cell: one line, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines
