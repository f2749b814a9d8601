"""Reading a stack file parses each distinct text once, yet every caller gets its own copy and sees every edit."""

from pathlib import Path

import pytest

from bluegreen.stack_files import StackFileError, read_stack_config

STACK = """config:
  bluegreen:traffic:
    blue: 90
    green: 10
  bluegreen:image: ghcr.io/acme/web:1.0.0
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: bluegreen\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text(STACK)
    return tmp_path


def test_a_caller_editing_what_it_read_changes_nothing_another_caller_reads(project: Path) -> None:
    first = read_stack_config("dev", project)
    first["bluegreen:traffic"]["green"] = 100
    first["bluegreen:image"] = "edited"

    again = read_stack_config("dev", project)

    assert again == {"bluegreen:traffic": {"blue": 90, "green": 10}, "bluegreen:image": "ghcr.io/acme/web:1.0.0"}


def test_an_edit_of_the_same_size_right_after_a_read_is_read(project: Path) -> None:
    # Within the file system's timestamp resolution, and the same length: only the text tells them apart.
    assert read_stack_config("dev", project)["bluegreen:traffic"] == {"blue": 90, "green": 10}
    (project / "Pulumi.dev.yaml").write_text(STACK.replace("blue: 90", "blue: 10").replace("green: 10", "green: 90"))

    assert read_stack_config("dev", project)["bluegreen:traffic"] == {"blue": 10, "green": 90}


def test_a_file_yaml_cannot_parse_raises_on_every_read(project: Path) -> None:
    (project / "Pulumi.dev.yaml").write_text("config:\n  bluegreen:traffic: {blue: 90\n")
    for _ in range(2):
        with pytest.raises(StackFileError, match=r"Pulumi\.dev\.yaml in .*: not valid YAML at line 3"):
            read_stack_config("dev", project)
