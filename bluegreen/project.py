"""Which Pulumi project and which stacks the CLI acts on: plain path logic, cheap to import (help, completion).

The project is the nearest directory from here up holding `Pulumi.yaml`, as the pulumi CLI finds it;
a stack's file is `Pulumi.<name>.yaml`, where `name` is the last part of `name`, `org/name` or
`org/project/name`.
"""

from pathlib import Path


def find_project_dir(start: Path | None = None) -> Path | None:
    """The project to act on: the nearest directory from `start` (default: here) up holding `Pulumi.yaml`.

    That is where the pulumi CLI looks for its project too. None outside any project: the caller
    says so rather than guessing (the package's own location is never a user's project).
    """
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        if (directory / "Pulumi.yaml").is_file():
            return directory
    return None


def no_project_message(option: str | None = None) -> str:
    """Said, with exit 2, by every command run outside a project."""
    where = f"run bluegreen inside your project or pass {option}" if option else "run bluegreen inside your project"
    return f"no Pulumi project here: {Path.cwd()} and the directories above it hold no Pulumi.yaml; {where}"


def short_name(stack: str) -> str:
    """`acme/qa-eu` and `acme/web/qa-eu` -> `qa-eu`: the name in `Pulumi.<name>.yaml`, as Pulumi maps it."""
    return stack.rsplit("/", 1)[-1]


def stack_names(project_dir: Path) -> list[str]:
    """The stacks that have a stack file in the project (`Pulumi.<name>.yaml`), sorted by name."""
    return sorted(
        path.name.removeprefix("Pulumi.").removesuffix(".yaml")
        for path in project_dir.glob("Pulumi.*.yaml")
        if path.is_file()
    )


def stack_file(stack: str, project_dir: Path) -> Path:
    return project_dir / f"Pulumi.{short_name(stack)}.yaml"
