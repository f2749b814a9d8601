"""Which page each generator writes, relative to the repository root."""

from collections.abc import Callable
from pathlib import Path

from . import cli, configuration, policies, release_sample, samples

ROOT = Path(__file__).resolve().parents[2]

PAGES: dict[str, Callable[[], str]] = {
    "docs/configuration.md": configuration.render,
    "docs/policies.md": policies.render,
    "docs/cli.md": cli.render,
    "docs/samples/prod-release-report.md": release_sample.report_page,
}


def stale_pages() -> list[str]:
    """Pages whose committed text differs from what the code generates now."""
    return [path for path, render in PAGES.items() if _read(ROOT / path) != render()]


def write_pages() -> list[str]:
    """Rewrite every generated page and every sample output; return the pages that changed."""
    changed = []
    for path, render in PAGES.items():
        text = render()
        if _read(ROOT / path) != text:
            (ROOT / path).parent.mkdir(parents=True, exist_ok=True)
            (ROOT / path).write_text(text)
            changed.append(path)
    return changed + write_samples()


def write_samples() -> list[str]:
    """Run the command of every `output-of` block in this checkout and rewrite the block."""
    outputs: dict[str, str] = {}

    def output_of(command: str) -> str:
        if command not in outputs:
            outputs[command] = samples.run(command, ROOT)
        return outputs[command]

    changed = []
    for page in sorted(ROOT.glob("*.md")) + sorted((ROOT / "docs").rglob("*.md")):
        text = page.read_text()
        if samples.DIRECTIVE.search(text):
            fresh = samples.refresh(text, output_of)
            if fresh != text:
                page.write_text(fresh)
                changed.append(str(page.relative_to(ROOT)))
    return changed


def _read(path: Path) -> str | None:
    return path.read_text() if path.exists() else None
