"""The pull-request workflow's release plans: its own script (.ci/release-plans) run on a sample diff.

A copy of the repository becomes a git repository; the sample change edits prod's strategy,
staging's image and dev's replicas; the script must plan prod and staging, not dev, and
append the plans after the policy check in the comment file, as the workflow does.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bluegreen.stack_changes import changed_stacks
from tests.docs_pages import ROOT, tracked_files


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    for path in tracked_files():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, tmp_path / path)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base")
    return tmp_path


def edit(repository: Path, stack: str, change) -> None:
    path = repository / f"Pulumi.{stack}.yaml"
    document = yaml.safe_load(path.read_text())
    change(document["config"])
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def run_script(repository: Path, out: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHON": sys.executable}
    return subprocess.run(
        [str(repository / ".ci/release-plans"), "HEAD", str(out)],
        cwd=repository, env=env, capture_output=True, text=True, timeout=300,
    )


def test_the_workflow_calls_the_script_after_the_policy_check_and_before_the_comment():
    steps = yaml.safe_load((ROOT / ".github/workflows/pull-request.yml").read_text())["jobs"]["checks"]["steps"]
    names = [step.get("name") for step in steps]
    plans = next(s for s in steps if s.get("name") == "Release plans of the stacks this pull request changes")
    assert ".ci/release-plans FETCH_HEAD policy-check.md" in plans["run"]
    assert 'git fetch --no-tags --depth=1 origin "$GITHUB_BASE_REF"' in plans["run"]
    assert names.index("Offline policy check (every stack)") < names.index(plans["name"]) < names.index("PR comment")


def test_a_pull_request_changing_prods_strategy_and_stagings_image_gets_their_plans(repository: Path):
    edit(repository, "prod", lambda c: c["bluegreen:rollout"]["steps"].__setitem__(1, {"pause": "5m"}))
    edit(repository, "staging", lambda c: c["bluegreen:green"].__setitem__("image", "repo/web:2.0.0"))
    edit(repository, "dev", lambda c: c["bluegreen:service"].__setitem__("replicas", 4))  # not a release change
    out = repository / "policy-check.md"
    out.write_text("## Policy check\n")

    result = run_script(repository, out)

    assert result.returncode == 0, result.stdout + result.stderr
    text = out.read_text()
    assert text.startswith("## Policy check\n\n## What merging would release\n")
    assert "Changed in `prod`: `bluegreen:rollout`" in text
    assert "Changed in `staging`: `bluegreen:green.image`" in text
    assert "### Release plan: `prod`" in text and "### Release plan: `staging`" in text
    assert "`dev`" not in text
    # The plan is of the changed strategy: prod now holds 5% for 5m.
    assert "| 4 | hold green at 5% for 5m | blue 95 / green 5 | nothing | 5m |" in text
    assert "repo/web:2.0.0 to green" in text
    assert not (repository / "plan.md").exists()


def test_a_pull_request_that_changes_no_release_adds_nothing(repository: Path):
    edit(repository, "dev", lambda c: c["bluegreen:service"].__setitem__("replicas", 4))
    out = repository / "policy-check.md"
    out.write_text("## Policy check\n")

    result = run_script(repository, out)

    assert result.returncode == 0
    assert out.read_text() == "## Policy check\n"
    assert "no stack's rollout, images or traffic changed" in result.stdout


def test_a_new_stack_file_counts_as_changed_and_a_traffic_change_is_seen(repository: Path):
    shutil.copy2(repository / "Pulumi.staging.yaml", repository / "Pulumi.qa.yaml")
    edit(repository, "local", lambda c: c["bluegreen:traffic"].update({"blue": 90, "green": 10}))

    found = dict(changed_stacks("HEAD", repository))

    assert found == {
        "local": ["bluegreen:traffic"],
        "qa": ["bluegreen:rollout", "bluegreen:traffic", "bluegreen:blue.image", "bluegreen:green.image"],
    }
