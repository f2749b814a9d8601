"""The reference pages in docs/ are generated from the code and must match it (run `make docs`)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from docs.gen import cli, configuration, policies  # noqa: E402
from docs.gen.pages import PAGES  # noqa: E402


@pytest.fixture(scope="module")
def generated() -> dict[str, str]:
    """Every page as the code generates it, once: the prod release sample alone runs a whole release under mocks."""
    return {page: render() for page, render in PAGES.items()}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_committed_page_is_what_the_code_generates(page, generated):
    committed = (ROOT / page).read_text() if (ROOT / page).exists() else ""
    assert committed == generated[page], f"{page} is stale: run `make docs` and commit it"


def _row(text: str, key: str) -> list[str]:
    line = next(line for line in text.splitlines() if f"`{key}` |" in line)
    return [cell.strip() for cell in line.split(" | ")]


def test_configuration_states_type_default_and_range_of_a_key():
    row = _row(configuration.render(), "bluegreen:service.healthCheck.intervalSeconds")

    assert row[1:4] == ["integer", "`10`", "5..300"]
    assert 'id="bluegreen-service-healthcheck-intervalseconds"' in row[0]


def test_configuration_lists_every_field_of_every_model():
    text = configuration.render()
    for key in (
        "bluegreen:aws.subnetIds",
        "bluegreen:kubernetes.gateway.previewHostname",
        "bluegreen:docker.testPort",
        "bluegreen:rollout.analysis.metrics[].relativeTo",
        "bluegreen:traffic.green",
    ):
        assert f"`{key}` |" in text, key
    subnet_rule = _row(text, "bluegreen:aws.subnetIds")[3]
    assert subnet_rule == "each item looks like `subnet-0123456789abcdef0`; at least 2 item(s)"
    assert _row(text, "bluegreen:rollout.analysis.interval")[1:3] == ["duration", "`30s`"]
    assert _row(text, "bluegreen:blue.image")[2] == "required"


def test_configuration_sample_output_is_a_real_validation_run():
    text = configuration.render()
    sample = text.split("```text\n", 1)[1].split("```", 1)[0]

    assert sample.startswith("invalid stack config (4 problem(s)):\n")
    assert "bluegreen:trafic = {blue: 90, green: 10} is invalid: unknown key; did you mean traffic?" in sample
    assert "bluegreen:service.port = 70000 is invalid: must be an integer from 1 to 65535" in sample


def test_policies_page_has_an_anchor_guidance_and_levels_for_every_rule():
    text = policies.render()
    for rule in policies.RULES:
        section = text.split(f'<a id="{rule.name}"></a>', 1)[1].split("<a id=", 1)[0]
        assert f"### `{rule.name}`" in section
        assert "- **Fix:** " in section, f"{rule.name} has no guidance in policies/rules/guidance.py"
        assert "- **Per stack:** local " in section


def test_policies_page_shows_each_stacks_level_and_knob_values():
    text = policies.render()
    overview = next(line for line in text.splitlines() if line.startswith("| [`aws-https-listener-tls-policy`]"))
    assert overview.split(" | ")[1:] == ["mandatory", "advisory", "advisory", "advisory", "mandatory |"]
    section = text.split('<a id="aws-target-group-deregistration-delay"></a>', 1)[1]
    knob = next(line for line in section.splitlines() if line.startswith("| `maxSeconds`"))
    assert knob.startswith("| `maxSeconds` | `120` | Longest deregistration delay allowed, in seconds. |")


def test_cli_page_documents_every_command_option_and_exit_code():
    text = cli.render()
    for command, options in {
        "release": ["--stack", "--image", "--steps", "--bake", "--poll", "--wait-timeout", "--failures-allowed"],
        "rollback": ["--force"],
        "promote": ["--from", "--to"],
        "check": ["--json", "--markdown"],
    }.items():
        section = text.split(f"## `bluegreen {command}`", 1)[1].split("\n## ", 1)[0]
        for option in options:
            assert f"`{option}`" in section, (command, option)
    assert re.search(r"^\| `EVENTS_FILE` \| path \| required \| A stream written by --events\. \|$", text, re.M)
    assert re.search(r"^\| `--bake` \| duration \(30s, 5m, or seconds\) \| none \|", text, re.M)
    assert re.search(r"^\| `--on-interrupt` \| `rollback` \\\| `pause` \| `rollback` \|", text, re.M)
    for code in ("0", "1", "2", "3", "4", "5", "130"):
        assert re.search(rf"^\| {code} \| \S", text, re.M), code


def test_make_docs_check_mode_reports_a_stale_page(tmp_path, monkeypatch, generated):
    from docs.gen import pages

    monkeypatch.setattr(pages, "ROOT", tmp_path)
    # What each page renders to is checked above; here, what check and write mode do with it.
    for page, text in generated.items():
        monkeypatch.setitem(pages.PAGES, page, lambda text=text: text)
    (tmp_path / "docs").mkdir()
    for page, text in generated.items():
        (tmp_path / page).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / page).write_text(text)
    (tmp_path / "docs/cli.md").write_text("hand-edited\n")

    assert pages.stale_pages() == ["docs/cli.md"]
    assert pages.write_pages() == ["docs/cli.md"]
    assert pages.stale_pages() == []


def test_generator_runs_as_a_module_in_check_mode():
    result = subprocess.run(
        [sys.executable, "-m", "docs.gen", "--check"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert (result.returncode, result.stderr) == (0, "")


def test_configuration_shows_each_rule_across_keys_with_what_validation_says():
    text = configuration.render()
    row = next(line for line in text.splitlines() if line.startswith("| never route to nothing |"))

    assert "bluegreen:traffic.green = 10 is invalid: green has 0 replicas, so it cannot take traffic" in row
    assert len([line for line in text.split("## Rules that span keys")[1].split("\n## ")[0].splitlines()
                if line.startswith("| ") and " is invalid: " in line]) == len(configuration.CROSS_KEY_RULES)


def test_an_example_that_no_longer_breaks_its_rule_stops_the_generator(monkeypatch):
    valid = (("a valid config", {}, {"traffic": {"blue": 100, "green": 0}}),)
    monkeypatch.setattr(configuration, "CROSS_KEY_RULES", valid)

    with pytest.raises(AssertionError, match="the example of 'a valid config' is valid"):
        configuration.render()
