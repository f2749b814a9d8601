"""Stack values in the check's Markdown (the PR comment and job summary) are shown, never rendered.

The report is rendered with a CommonMark parser plus GitHub's tables and strikethrough: a value
holding a link, a mention, HTML or emphasis must come out as the same text, with none of them.
"""

import markdown_it
import pytest
import yaml
from typer.testing import CliRunner

from bluegreen.cli import app
from tests.test_offline_check import project_copy

pytestmark = pytest.mark.policy

INJECTION = "[x](http://evil) @team <img src=x> **all checks passed** | ~~gone~~"


def rendered(text: str) -> str:
    return markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(text)


def test_a_stack_value_with_links_mentions_html_and_emphasis_renders_inert(
    tmp_path, monkeypatch, cli_shares_the_policy_pack
):
    monkeypatch.setenv("COLUMNS", "300")
    project_copy(tmp_path, "Pulumi.dev.yaml")
    stack_file = tmp_path / "Pulumi.dev.yaml"
    document = yaml.safe_load(stack_file.read_text())
    document["config"]["bluegreen:rollout"] = {"hooks": {"preTraffic": {"command": ["echo", INJECTION]}}}
    document["config"]["bluegreen:traffic"] = {"blue": INJECTION, "green": 0}  # and one in a config problem
    stack_file.write_text(yaml.safe_dump(document))
    report = tmp_path / "check.md"

    CliRunner().invoke(app, ["check", "--stack", "dev", "--project-dir", str(tmp_path), "--markdown", str(report)])
    html = rendered(report.read_text())

    assert "<a " not in html and "<img" not in html and "<strong>" not in html and "<s>" not in html
    assert "@team" not in html  # a zero-width space after @: shown, but no one is notified
    # The value is still there for the reviewer to read, as text.
    assert "[x](http://evil) @\u200bteam &lt;img src=x&gt; **all checks passed** | ~~gone~~" in html


def test_the_hook_table_keeps_its_columns_whatever_the_command_holds(tmp_path, monkeypatch, cli_shares_the_policy_pack):
    monkeypatch.setenv("COLUMNS", "300")
    project_copy(tmp_path, "Pulumi.dev.yaml")
    stack_file = tmp_path / "Pulumi.dev.yaml"
    document = yaml.safe_load(stack_file.read_text())
    document["config"]["bluegreen:rollout"] = {"hooks": {"preTraffic": {"command": ["echo", "a|b\nc"]}}}
    stack_file.write_text(yaml.safe_dump(document))
    report = tmp_path / "check.md"

    CliRunner().invoke(app, ["check", "--stack", "dev", "--project-dir", str(tmp_path), "--markdown", str(report)])
    html = rendered(report.read_text())

    hooks_table = html.split("Hooks: code these stacks run on the release machine")[1].split("</table>")[0]
    assert hooks_table.count("<td>") == 3
