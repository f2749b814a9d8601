"""The Markdown pages users read (README, CONTRIBUTING, docs/), split into links, anchors and code blocks."""

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The generators in docs/gen/ are not part of the installed package.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PENDING_PAGES: dict[str, str] = {}
"""Pages other work in progress writes; links to them are checked once they exist."""

_FENCE = re.compile(r"^(\s*)```(\S*)\s*$")
_DIRECTIVE = re.compile(r"<!--\s*doc-test:\s*(skip|output-of)\s+(.*?)\s*-->")


@dataclass(frozen=True)
class Block:
    """One fenced code block and the doc-test directive right above it, if any."""

    page: str
    line: int
    language: str
    text: str
    directive: str | None = None
    argument: str = ""

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


def pages() -> list[str]:
    """README and CONTRIBUTING first, then docs/ in path order: the order a reader meets the commands."""
    found = [p for p in ("README.md", "CONTRIBUTING.md") if (ROOT / p).exists()]
    found += sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").rglob("*.md"))
    return found


def blocks(page: str) -> list[Block]:
    lines = (ROOT / page).read_text().splitlines()
    found, index = [], 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        start = index
        index += 1
        body = []
        while index < len(lines) and not _FENCE.match(lines[index]):
            body.append(lines[index])
            index += 1
        index += 1
        directive = _DIRECTIVE.search(lines[start - 1]) if start > 0 else None
        found.append(
            Block(
                page=page,
                line=start + 1,
                language=opening.group(2),
                text="\n".join(line[len(opening.group(1)) :] for line in body),
                directive=directive.group(1) if directive else None,
                argument=directive.group(2).strip() if directive else "",
            )
        )
    return found


def prose(page: str) -> str:
    """The page without fenced code blocks and inline code, where links and headings live."""
    text = (ROOT / page).read_text()
    text = re.sub(r"^\s*```.*?^\s*```\s*$", "", text, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "``", text)


def anchors(page: str) -> set[str]:
    """Explicit `<a id>` anchors plus GitHub's slugs of every heading."""
    text = (ROOT / page).read_text()
    found = set(re.findall(r'<a id="([^"]+)"></a>', text))
    seen: dict[str, int] = {}
    without_code = re.sub(r"^\s*```.*?^\s*```\s*$", "", text, flags=re.S | re.M)
    for heading in re.findall(r"^#{1,6}\s+(.*?)\s*$", without_code, flags=re.M):
        slug = github_slug(heading)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lowercase, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"<[^>]+>", "", heading).lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def tracked_files() -> list[str]:
    """What a fresh clone of the working tree would hold: tracked plus new, not ignored, files."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout
    return [path for path in listed.split("\0") if path and (ROOT / path).is_file()]
