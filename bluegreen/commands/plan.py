"""`plan`: a whole release previewed offline from the stack file, without Pulumi or credentials."""

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ..cli_env import CliEnv
from ..project import short_name
from .refusal import refuse, require_project

WORKFLOW = Path(".github/workflows/release.yml")


def plan(
    ctx: typer.Context,
    stack: Annotated[list[str], typer.Option("--stack", "-s", help="Stack(s) whose release to plan.")],
    image: Annotated[
        str | None,
        typer.Option(
            "--image",
            "-i",
            help="Image to release (default: the candidate color's image in the stack file).",
            show_default=False,
        ),
    ] = None,
    json_path: Annotated[
        str | None, typer.Option("--json", metavar="FILE", help="Also write the plan as JSON; `-` writes to stdout.")
    ] = None,
    markdown_path: Annotated[
        str | None,
        typer.Option("--markdown", metavar="FILE", help="Also write Markdown (a PR comment); `-` writes to stdout."),
    ] = None,
    timeout_minutes: Annotated[
        float | None,
        typer.Option(
            "--timeout-minutes",
            min=1,
            help="The CI job's timeout to compare with (default: timeout-minutes of .github/workflows/release.yml).",
            show_default=False,
        ),
    ] = None,
    policy: Annotated[
        bool, typer.Option("--policy/--no-policy", help="Judge every step's resources with the policy pack.")
    ] = True,
) -> None:
    """Preview a whole release without Pulumi or credentials: expand the stack's strategy, run the real program
    under mocks at every step's weights, and show per step the weights, the resources that change (the router
    only, for a weight), the pause, the metrics judged, the exposure, the time so far and the policy verdict.
    """
    import importlib.util

    from ..cli_options import check_image, check_stack
    from ..preview_output import HEADERS, json_text, markdown, rows, summary_lines
    from ..terminal_text import markup
    from .running import guard

    env: CliEnv = ctx.obj
    pinned = None if image is None else guard(env, stack[0], lambda: check_image(image))
    project = require_project(env)
    for name in stack:
        guard(env, name, lambda name=name: check_stack(name, project))
    human = env.err if "-" in (json_path, markdown_path) else env.out
    job_timeout = (timeout_minutes, "--timeout-minutes") if timeout_minutes else workflow_timeout(project)
    pack = None
    if policy and importlib.util.find_spec("pulumi_policy") is not None:
        from ..policy_client import launch_pack

        pack = launch_pack(project)
    from ..policy_client import PolicyPackError

    try:
        results = [_preview_one(env, project, name, pinned, pack, job_timeout) for name in stack]
    except PolicyPackError as error:
        refuse(env, f"the policy pack did not start: {error} (--no-policy plans without it)", code=1)
    finally:
        if pack is not None:
            pack.close()
    from rich.table import Table

    for result in results:
        table = Table(
            title=f"release plan for {markup(result.stack)}: {markup(result.image)} to {result.candidate}",
            title_justify="left",
        )
        for header in HEADERS:
            table.add_column(header, overflow="fold")
        for row in rows(result):
            table.add_row(*(markup(cell) for cell in row))
        human.print(table)
        for line in summary_lines(result):
            human.print(markup(line))
    for path, render in ((json_path, json_text), (markdown_path, markdown)):
        if path is None:
            continue
        text = render(results)
        if path == "-":
            sys.stdout.write(text)
            sys.stdout.flush()
            continue
        try:
            Path(path).write_text(text)
        except OSError as error:
            refuse(env, f"cannot write {path}: {error.strerror}", code=1)
    failed = any(s.policy and not s.policy.passed for r in results for s in r.steps)
    raise typer.Exit(1 if failed else 0)


def _preview_one(
    env: CliEnv, project: Path, name: str, image: str | None, pack: Any, job_timeout: tuple[float, str] | None
) -> Any:
    import pulumi

    from ..release_preview import preview
    from ..stack_files import read_stack_config
    from .running import guard

    config = guard(env, name, lambda: read_stack_config(short_name(name), project))
    judge = None if pack is None else _judge(pack, short_name(name), project)
    try:
        return guard(env, name, lambda: preview(config, name, image, project, judge, job_timeout=job_timeout))
    except pulumi.RunError as error:  # a step's config the program itself refuses
        refuse(env, f"the program refused a step's config in {name}: {error}", code=1)


def workflow_timeout(project_dir: Path) -> tuple[float, str] | None:
    """`timeout-minutes` of the release job in .github/workflows/release.yml, when there is one."""
    import yaml

    path = project_dir / WORKFLOW
    try:
        workflow: Any = yaml.safe_load(path.read_text())
        minutes = workflow["jobs"]["release"]["timeout-minutes"]
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return None
    return (float(minutes), str(WORKFLOW)) if isinstance(minutes, int | float) else None


def _judge(pack: Any, stack: str, project_dir: Path) -> Any:
    from ..policy_client import config_file, load_stack_config
    from ..release_preview import PolicyVerdict

    pack.wait_ready()
    pack.configure(load_stack_config(stack, project_dir) if config_file(stack, project_dir).exists() else {})

    def judge(run: Any) -> PolicyVerdict:
        found = pack.check(run.resources.values())
        shown = [f"{v.policy_name}: {v.message}" for v in found]
        return PolicyVerdict(
            tuple(s for s, v in zip(shown, found, strict=True) if v.mandatory),
            tuple(s for s, v in zip(shown, found, strict=True) if not v.mandatory),
        )

    return judge
