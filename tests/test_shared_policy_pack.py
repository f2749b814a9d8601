"""Tests that let `bluegreen check` share the session's pack get it only when the pack chosen is the same code."""

import shutil
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bluegreen.policy_client import PACK_DIR
from tests.shared_policy_pack import RunningPack, sharing_launcher
from tests.test_offline_check import project_copy


def launcher() -> tuple[list[Path], Callable[[Path], Any]]:
    running = SimpleNamespace(pack_dir=PACK_DIR, name="the session's pack")
    launched: list[Path] = []

    def launch(project_dir: Path) -> str:
        launched.append(project_dir)
        return "a pack of its own"

    return launched, sharing_launcher(lambda: running, launch)


def test_a_copy_of_the_checkouts_pack_gets_the_running_one_which_close_leaves_running(tmp_path):
    launched, launch_pack = launcher()
    project_copy(tmp_path)
    (tmp_path / "policies" / "config" / "local.json").unlink()  # config is read by the client, not the pack

    pack = launch_pack(tmp_path)

    assert isinstance(pack, RunningPack) and pack.name == "the session's pack"
    pack.close()
    assert launched == []


def test_a_project_whose_pack_has_other_code_starts_its_own(tmp_path):
    launched, launch_pack = launcher()
    project_copy(tmp_path)
    (tmp_path / "policies" / "rules" / "extra.py").write_text("X = 1\n")

    assert launch_pack(tmp_path) == "a pack of its own"
    assert launched == [tmp_path]


def test_a_project_without_a_pack_gets_the_shipped_one_which_is_the_running_one(tmp_path):
    launched, launch_pack = launcher()
    project_copy(tmp_path)
    shutil.rmtree(tmp_path / "policies")

    assert isinstance(launch_pack(tmp_path), RunningPack)
    assert launched == []
