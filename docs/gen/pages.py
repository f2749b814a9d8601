"""Which page each generator writes, relative to the repository root."""

from collections.abc import Callable
from pathlib import Path

from . import cli, configuration, policies

ROOT = Path(__file__).resolve().parents[2]

PAGES: dict[str, Callable[[], str]] = {
    "docs/configuration.md": configuration.render,
    "docs/policies.md": policies.render,
    "docs/cli.md": cli.render,
}


def stale_pages() -> list[str]:
    """Pages whose committed text differs from what the code generates now."""
    return [path for path, render in PAGES.items() if _read(ROOT / path) != render()]


def write_pages() -> list[str]:
    """Rewrite every page; return the ones that changed."""
    changed = []
    for path, render in PAGES.items():
        text = render()
        if _read(ROOT / path) != text:
            (ROOT / path).write_text(text)
            changed.append(path)
    return changed


def _read(path: Path) -> str | None:
    return path.read_text() if path.exists() else None
