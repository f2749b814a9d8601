"""Nothing in the repository cites a file it does not hold; every link between pages and anchor resolves."""

import re
from pathlib import Path

import pytest
from docs_pages import PENDING_PAGES, ROOT, anchors, github_slug, pages, prose, tracked_files

_LINK = re.compile(r"\]\(([^)\s]+)\)")
_DOC_PATH = re.compile(r"\bdocs/[\w./-]+\.md(?:#[\w-]+)?")
# Built from parts so this file does not itself mention the missing file.
_ABSENT_DESIGN = "DESIGN" + ".md"


def _resolve(page: str, target: str) -> tuple[str, str]:
    """(repository path, anchor) of a relative link on `page`."""
    path, _, anchor = target.partition("#")
    if not path:
        return page, anchor
    resolved = (ROOT / page).parent.joinpath(path).resolve()
    return str(resolved.relative_to(ROOT)), anchor


def _problem(path: str, anchor: str) -> str | None:
    if not (ROOT / path).exists():
        return None if path in PENDING_PAGES else f"{path} does not exist"
    if anchor and path.endswith(".md") and anchor not in anchors(path):
        return f"{path} has no anchor #{anchor}"
    return None


@pytest.mark.parametrize("page", pages())
def test_every_relative_link_on_a_page_resolves(page):
    broken = []
    for target in _LINK.findall(prose(page)):
        if re.match(r"[a-z]+:", target):
            continue
        problem = _problem(*_resolve(page, target))
        if problem:
            broken.append(f"({target}): {problem}")
    assert broken == []


def test_code_and_docs_cite_only_pages_that_exist():
    broken = []
    for path in tracked_files():
        if Path(path).suffix not in {".py", ".md", ".yml", ".yaml", ".toml", ".json"} and path != "Makefile":
            continue
        text = (ROOT / path).read_text(errors="replace")
        if _ABSENT_DESIGN in text:
            broken.append(f"{path} cites {_ABSENT_DESIGN}, which is not in the repository")
        for cited in _DOC_PATH.findall(text):
            target, _, anchor = cited.partition("#")
            if (ROOT / path).parent.joinpath(target).exists() and not (ROOT / target).exists():
                continue  # a relative link from inside docs/, checked by the test above
            problem = _problem(target, anchor)
            if problem:
                broken.append(f"{path} cites {cited}: {problem}")
    assert broken == []


def test_github_slugs_match_the_anchors_github_generates():
    assert github_slug("7. Pulumi state is the only writer") == "7-pulumi-state-is-the-only-writer"
    assert github_slug("Platform `docker`: blue/green on your laptop") == "platform-docker-bluegreen-on-your-laptop"
    assert github_slug("Verified here vs on a real cluster") == "verified-here-vs-on-a-real-cluster"


_TOP_DIRS = "components|bluegreen|policies|tests|bench|docs|examples|testkit|\\.github|\\.ci"
_REPO_PATH = re.compile(rf"`((?:{_TOP_DIRS})/[\w./-]*)`")


@pytest.mark.parametrize("page", pages())
def test_every_file_a_page_names_exists(page):
    # A file (`components/health.py`) or a folder (`docs/gen/`); label-like names (`bluegreen/color`) are not paths.
    named = [p for p in _REPO_PATH.findall((ROOT / page).read_text()) if "." in p.rsplit("/", 1)[-1] or p.endswith("/")]
    assert [p for p in named if not (ROOT / p.rstrip(".")).exists()] == []
