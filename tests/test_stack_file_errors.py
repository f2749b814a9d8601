"""A stack file that is not YAML, or not a mapping with a `config:` mapping, gets one line naming the file.

Before, PyYAML's error named "<unicode string>" and a list where a mapping belongs raised AttributeError or
TypeError: `bluegreen check` ended in a traceback instead of reporting the stack as not checked.
"""

from pathlib import Path

import pytest

from bluegreen.commands.refusal import refusal_of
from bluegreen.offline_check import run_stack
from bluegreen.stack_files import StackFileError, read_stack_config

BAD_FILES = {
    "not yaml": ("config:\n  bluegreen:traffic: {blue: 100\n", "not valid YAML at line 3, column 1: expected ','"),
    "a list": ("- config\n- of a list\n", "must be a mapping with a `config:` key, not a list"),
    "config a list": ("config: [1, 2]\n", "`config:` must be a mapping of keys to values, not a list"),
    "config text": ("config: prod\n", "`config:` must be a mapping of keys to values, not a str"),
}


@pytest.mark.parametrize(("text", "rule"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_malformed_stack_file_is_refused_naming_the_file_and_the_rule(tmp_path: Path, text: str, rule: str):
    (tmp_path / "Pulumi.qa.yaml").write_text(text)

    with pytest.raises(StackFileError) as refused:
        read_stack_config("qa", tmp_path)

    assert str(refused.value).startswith(f"Pulumi.qa.yaml in {tmp_path}: {rule}")
    assert "<unicode string>" not in str(refused.value)


@pytest.mark.parametrize(("text", "rule"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_the_offline_check_reports_a_malformed_stack_file_as_not_checked(policy_pack, tmp_path, text, rule):
    (tmp_path / "Pulumi.qa.yaml").write_text(text)

    result = run_stack("qa", policy_pack, project_dir=tmp_path)

    assert not result.passed and result.resources == {}
    assert result.error is not None and result.error.startswith(f"Pulumi.qa.yaml in {tmp_path}: {rule}")


def test_a_stack_file_fixed_after_a_bad_read_is_read_afresh(tmp_path: Path):
    stack_file = tmp_path / "Pulumi.qa.yaml"
    stack_file.write_text("config: [1, 2]\n")
    with pytest.raises(StackFileError):
        read_stack_config("qa", tmp_path)

    stack_file.write_text("config:\n  bluegreen:traffic: {blue: 100, green: 0}\n")

    assert read_stack_config("qa", tmp_path) == {"bluegreen:traffic": {"blue": 100, "green": 0}}


def test_a_command_refuses_a_malformed_stack_file_with_its_one_line(tmp_path: Path):
    (tmp_path / "Pulumi.qa.yaml").write_text("config: [1, 2]\n")
    with pytest.raises(StackFileError) as refused:
        read_stack_config("qa", tmp_path)

    assert refusal_of(refused.value, "qa") == f"Pulumi.qa.yaml in {tmp_path}: {BAD_FILES['config a list'][1]}"
