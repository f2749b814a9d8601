"""What the package declares: its licence, its direct imports, one pulumi-policy floor, no typecheck per update."""

import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

from bluegreen.project import find_project_dir

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]


def requirements(lines: list[str]) -> dict[str, Requirement]:
    parsed = [Requirement(line) for line in lines if line.strip() and not line.lstrip().startswith("#")]
    return {requirement.name: requirement for requirement in parsed}


def test_the_licence_is_apache_2_and_its_full_text_ships() -> None:
    assert PROJECT["license"] == "Apache-2.0"
    assert PROJECT["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License\n                           Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text


def test_the_check_extra_and_the_packs_requirements_share_one_floor() -> None:
    extra = requirements(PROJECT["optional-dependencies"]["check"])
    pack = requirements((ROOT / "policies" / "requirements.txt").read_text().splitlines())
    assert str(extra["pulumi-policy"].specifier) == str(pack["pulumi-policy"].specifier)
    # The pack imports pulumi too: the program's range, so one environment satisfies both.
    program = requirements(PROJECT["dependencies"])
    assert str(program["pulumi"].specifier) == str(pack["pulumi"].specifier)


def test_packages_imported_directly_are_declared_not_borrowed() -> None:
    declared = requirements(PROJECT["dependencies"])
    for name in ("pyyaml", "grpcio", "protobuf"):
        assert name in declared, f"{name} is imported by bluegreen but not in [project.dependencies]"
    # pulumi-policy is only for `bluegreen check`: an extra, not a dependency of every install.
    assert "pulumi-policy" not in declared


def test_pulumi_up_does_not_typecheck_first_but_make_typecheck_does() -> None:
    options = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["runtime"]["options"]
    assert "typechecker" not in options
    makefile = (ROOT / "Makefile").read_text()
    assert "typecheck: setup\n\t$(UV) run --locked pyright\n" in makefile


def test_the_project_is_found_from_a_subdirectory_as_the_pulumi_cli_finds_it(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: mine\nruntime: python\n")
    nested = tmp_path / "services" / "web"
    nested.mkdir(parents=True)
    assert find_project_dir(nested) == tmp_path.resolve()


def test_outside_any_project_there_is_no_project_not_the_packages_own_location(tmp_path: Path) -> None:
    assert find_project_dir(tmp_path) is None
