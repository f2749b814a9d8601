"""`check`: the offline policy check, each stack's program under mocks judged by the pack over gRPC."""

import importlib.util
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from ..cli_env import CliEnv
from ..cli_options import check_stack
from ..project import no_project_message, stack_names
from .options import StacksOpt
from .refusal import guard, refuse


def check(
    ctx: typer.Context,
    stack: StacksOpt = None,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Also write the results as JSON; `-` writes them to stdout.")
    ] = None,
    markdown_path: Annotated[
        Path | None, typer.Option("--markdown", help="Also write Markdown (for a PR comment or job summary).")
    ] = None,
    project_dir: Annotated[
        Path | None,
        typer.Option(
            help="The project: Pulumi.yaml, its program, the stack files and, if it has one, its own policies/ "
            "pack (else the pack bluegreen ships). Default: the nearest directory from here up holding Pulumi.yaml.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Offline policy check: run each stack's program under mocks and judge every resource with the pack.

    No cloud credentials needed. Exits 1 on any mandatory violation or invalid stack config.
    """
    env: CliEnv = ctx.obj
    env.json_errors = None if json_path is None else str(json_path)
    directory = project_dir.resolve() if project_dir is not None else env.project_dir
    if directory is None:
        refuse(env, no_project_message("--project-dir"))
    if not (directory / "Pulumi.yaml").is_file():
        refuse(env, f"--project-dir {directory} holds no Pulumi.yaml: point it at the project to check")
    stacks = stack or stack_names(directory)
    if not stacks:
        refuse(env, f"no stack to check: {directory} holds no stack file (Pulumi.<stack>.yaml)")
    for name in stacks:
        guard(env, name, lambda name=name: check_stack(name, directory))
    if importlib.util.find_spec("pulumi_policy") is None:
        refuse(
            env,
            "`bluegreen check` runs the policy pack, which needs pulumi-policy",
            hint="install it with: pip install 'bluegreen[check]'",
        )
    # Only now the check's own modules (the program's and the pack client's): a refusal above answers at once.
    from ..check_report import github_link, json_text, markdown
    from ..console_output import render_check
    from ..offline_check import SCOPE_NOTE, run_checks
    from ..policy_client import PolicyPackError
    from ..terminal_text import markup

    to_stdout = json_path is not None and str(json_path) == "-"
    # With `--json -`, stdout carries only JSON; the human report goes to stderr.
    human = env.err if to_stdout else env.out
    human.print(f"[dim]{markup(SCOPE_NOTE)}[/dim]")
    try:
        with human.status("running the program under mocks and the policy pack over gRPC..."):
            checks = run_checks(stacks, directory)
    except PolicyPackError as error:
        refuse(env, f"the policy pack did not start: {error}")
    for result in checks:
        render_check(human, result)
    in_ci = github_link(os.environ)
    for path, render in ((json_path, json_text), (markdown_path, lambda c: markdown(c, in_ci))):
        if path is None:
            continue
        if str(path) == "-":
            sys.stdout.write(render(checks))
            sys.stdout.flush()
            continue
        try:
            path.write_text(render(checks))
        except OSError as error:
            refuse(env, f"cannot write {path}: {error.strerror}", code=1)
    raise typer.Exit(0 if all(c.passed for c in checks) else 1)
