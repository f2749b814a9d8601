"""The GitHub workflows are valid (GitHub's own workflow schema, offline) and wire up what the docs promise."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bluegreen.stack_files import PROJECT_DIR, stack_names

STACKS = stack_names(PROJECT_DIR)

WORKFLOWS = sorted((PROJECT_DIR / ".github" / "workflows").glob("*.yml"))
CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")


def load(name: str) -> dict:
    # PyYAML reads the key `on` as the boolean True (YAML 1.1).
    document = yaml.safe_load((PROJECT_DIR / ".github" / "workflows" / name).read_text())
    document["on"] = document.pop(True)
    return document


def steps(job: dict) -> list[dict]:
    return job["steps"]


def test_there_are_pull_request_release_and_promote_workflows():
    assert [w.name for w in WORKFLOWS] == ["promote.yml", "pull-request.yml", "release.yml"]


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_matches_githubs_schema(workflow):
    result = subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.github-workflows", str(workflow)],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: pull_request\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: 12\n")

    result = subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.github-workflows", str(broken)],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0


def test_pull_requests_run_the_tests_then_the_offline_check_of_every_stack_with_a_summary_and_comment():
    workflow = load("pull-request.yml")
    assert "pull_request" in workflow["on"]
    job = workflow["jobs"]["checks"]
    runs = [s.get("run", "") for s in steps(job)]

    assert "make test" in runs
    check = next(s for s in steps(job) if "make check" in s.get("run", ""))
    assert "--markdown policy-check.md" in check["run"]
    assert check["if"] == "${{ !cancelled() }}"
    assert any('>> "$GITHUB_STEP_SUMMARY"' in run and "policy-check.md" in run for run in runs)
    comment = next(s for s in steps(job) if s.get("uses", "").startswith("marocchino/sticky-pull-request-comment@"))
    assert comment["with"]["path"] == "policy-check.md"
    assert job["permissions"]["pull-requests"] == "write"


def test_make_check_covers_every_stack():
    makefile = (PROJECT_DIR / "Makefile").read_text()

    assert "check: setup" in makefile
    # No --stack of its own: the check covers every stack file, and CHECK_ARGS="--stack prod" checks prod alone.
    assert "python -m bluegreen check $(CHECK_ARGS)\n" in makefile
    assert STACKS == ["dev", "local", "prod", "staging"]


def test_the_preview_job_runs_only_with_cloud_credentials_and_uses_the_pack_per_stack():
    job = load("pull-request.yml")["jobs"]["preview"]

    assert "vars.AWS_PREVIEW_ROLE_ARN != ''" in job["if"]
    assert job["needs"] == "checks"
    pulumi = next(s for s in steps(job) if s.get("uses", "").startswith("pulumi/actions@"))
    assert pulumi["with"]["command"] == "preview"
    # The rules and levels of the branch the PR targets, not the PR's own.
    base = next(s for s in steps(job) if s.get("with", {}).get("path") == ".base-branch")
    assert base["with"]["ref"] == "${{ github.event.pull_request.base.sha }}"
    assert pulumi["with"]["policyPacks"] == ".base-branch/policies"
    assert pulumi["with"]["policyPackConfigs"] == ".base-branch/policies/config/${{ matrix.stack }}.json"
    for stack in job["strategy"]["matrix"]["stack"]:
        assert (PROJECT_DIR / "policies" / "config" / f"{stack}.json").exists()
        assert (PROJECT_DIR / f"Pulumi.{stack}.yaml").exists()


def test_a_release_runs_per_stack_environment_queued_never_cancelled_with_oidc_credentials():
    workflow = load("release.yml")
    dispatch = workflow["on"]["workflow_dispatch"]["inputs"]
    job = workflow["jobs"]["release"]

    assert set(dispatch) == {"stack", "image"}
    assert dispatch["stack"]["options"] == ["dev", "staging", "prod"]
    assert "workflow_call" in workflow["on"]
    assert job["environment"] == "${{ inputs.stack }}"
    assert job["concurrency"] == {"group": "release-${{ inputs.stack }}", "cancel-in-progress": False}
    assert job["permissions"]["id-token"] == "write"
    aws = next(s for s in steps(job) if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@"))
    assert aws["with"]["role-to-assume"] == "${{ vars.AWS_RELEASE_ROLE_ARN }}"
    runs = [s.get("run", "") for s in steps(job)]
    events = "--events release-events.jsonl"
    assert any(f'bluegreen release --stack "$STACK" --image "$IMAGE" --yes {events}' in run for run in runs)
    assert any(f'bluegreen promote --from "$FROM" --to "$STACK" --yes {events}' in run for run in runs)
    report = next(s for s in steps(job) if s.get("name") == "Report")
    assert report["run"] == 'uv run --locked bluegreen report release-events.jsonl >> "$GITHUB_STEP_SUMMARY"'
    assert report["if"].startswith("${{ always() &&")  # a rolled-back or cut-short release is reported too
    kept = next(s for s in steps(job) if s.get("name") == "Keep the events")
    # promote.yml runs this workflow once per stack: one artifact name each.
    assert kept["with"] == {"name": "release-events-${{ inputs.stack }}", "path": "release-events.jsonl"}
    commit = next(s for s in steps(job) if s.get("name") == "Commit the stack file")
    assert commit["if"] == "${{ always() }}"  # a rollback or pause changed the file too


def test_a_cancelled_release_pauses_within_githubs_grace_then_aborts_as_the_same_run_with_long_enough_credentials():
    job = load("release.yml")["jobs"]["release"]
    runs = {s.get("name"): s for s in steps(job)}

    for name in ("Release", "Promote"):
        assert runs[name]["run"].endswith(" --on-interrupt pause")
        # The runner signals the step's own process: the engine must be it (tests/test_interrupt_exit.py).
        assert runs[name]["run"].startswith("exec .venv/bin/bluegreen ")
    undo = runs["Undo a cancelled release"]
    assert undo["if"] == "${{ cancelled() }}"
    assert undo["run"].startswith('uv run --locked bluegreen abort --stack "$STACK" --yes')
    assert undo["timeout-minutes"] <= 5  # GitHub gives cancellation steps five minutes
    names = [s.get("name") for s in steps(job)]
    assert names.index("Undo a cancelled release") < names.index("Commit the stack file")
    aws = next(s for s in steps(job) if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@"))
    assert aws["with"]["role-duration-seconds"] >= job["timeout-minutes"] * 60


def test_promotion_chains_dev_staging_prod_through_the_release_workflow():
    jobs = load("promote.yml")["jobs"]

    assert jobs["dev"]["with"] == {"stack": "dev", "image": "${{ inputs.image }}"}
    assert (jobs["staging"]["needs"], jobs["staging"]["with"]) == ("dev", {"stack": "staging", "from": "dev"})
    assert (jobs["prod"]["needs"], jobs["prod"]["with"]) == ("staging", {"stack": "prod", "from": "staging"})
    assert all(job["uses"] == "./.github/workflows/release.yml" for job in jobs.values())
    # The chain matches each stack's own config, which `bluegreen promote` enforces.
    for stack, source in (("staging", "dev"), ("prod", "staging")):
        config = yaml.safe_load((PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text())["config"]
        assert config["bluegreen:promotion"]["from"] == source


def test_prod_and_staging_are_checked_with_the_base_branch_policy_pack_so_a_pr_cannot_weaken_its_check():
    job = load("pull-request.yml")["jobs"]["base-branch-policy"]
    base = next(s for s in steps(job) if s.get("with", {}).get("path") == ".base-branch")
    assert base["with"]["ref"] == "${{ github.event.pull_request.base.sha }}"
    assert base["with"]["sparse-checkout"] == "policies"
    runs = [s.get("run", "") for s in steps(job)]
    swap = runs.index("rm -rf policies\nmv .base-branch/policies policies\n")
    check = next(i for i, run in enumerate(runs) if "bluegreen check" in run)
    assert swap < check
    assert "--stack prod --stack staging" in runs[check]
    assert "permissions" in job and job["permissions"] == {"contents": "read"}


def test_preview_and_release_assume_different_roles_each_bound_to_a_github_environment():
    preview = load("pull-request.yml")["jobs"]["preview"]
    release = load("release.yml")["jobs"]["release"]
    roles = {
        name: next(s for s in steps(job) if s.get("uses", "").startswith("aws-actions/"))["with"]["role-to-assume"]
        for name, job in (("preview", preview), ("release", release))
    }
    assert roles == {"preview": "${{ vars.AWS_PREVIEW_ROLE_ARN }}", "release": "${{ vars.AWS_RELEASE_ROLE_ARN }}"}
    # The environment is what the role's trust policy matches in the token's `sub`.
    assert (preview["environment"], release["environment"]) == ("preview", "${{ inputs.stack }}")
    text = (PROJECT_DIR / "docs" / "security.md").read_text()
    assert '"token.actions.githubusercontent.com:sub": "repo:<owner>/<repo>:environment:preview"' in text
    assert "AWS_ROLE_ARN" not in "".join(w.read_text() for w in WORKFLOWS).replace("_ROLE_ARN", "")


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_by_commit_sha_with_its_release_in_a_comment(workflow):
    stripped = [line.strip().lstrip("- ") for line in workflow.read_text().splitlines()]
    lines = [line for line in stripped if line.startswith("uses:")]
    assert lines
    for line in lines:
        target = line.removeprefix("uses:").strip()
        if target.startswith("./"):
            continue  # a workflow of this repository, at the same commit
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", target), line


def test_codeowners_guard_the_policy_pack_the_stack_files_and_the_workflows():
    owners = (PROJECT_DIR / ".github" / "CODEOWNERS").read_text().splitlines()
    patterns = {line.split()[0] for line in owners if line.strip() and not line.startswith("#")}
    assert {"/policies/", "/Pulumi.*.yaml", "/.github/"} <= patterns
