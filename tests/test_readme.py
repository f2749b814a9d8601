"""The README stays a front page: short, one diagram, the two quick-start commands as they have always read."""

import re

from docs_pages import ROOT, blocks, prose

README = (ROOT / "README.md").read_text()

QUICK_START = (
    "make test    # sets up .venv (installs uv if missing) and runs the whole test suite\n"
    "make up      # deploys the local stack (Docker + HAProxy); needs Docker, installs the Pulumi CLI if missing"
)


def test_readme_is_short_with_one_diagram_and_the_platform_table():
    assert len(README.splitlines()) <= 150
    assert [b.language for b in blocks("README.md")].count("mermaid") == 1
    for platform in ("`docker`", "`aws`", "`kubernetes`"):
        assert f"| {platform}" in README, platform


def test_quick_start_commands_are_unchanged_word_for_word():
    assert QUICK_START in [b.text for b in blocks("README.md")]


def test_every_page_of_docs_is_reachable_from_the_readme():
    reachable, queue = set(), ["README.md"]
    while queue:
        page = queue.pop()
        for target in re.findall(r"\]\(([^)#\s]+\.md)(?:#[^)]*)?\)", prose(page)):
            path = (ROOT / page).parent.joinpath(target).resolve()
            name = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else ""
            if name and path.exists() and name not in reachable:
                reachable.add(name)
                queue.append(name)
    pages = {p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").rglob("*.md")}
    assert sorted(pages - reachable) == []
