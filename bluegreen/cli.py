"""`bluegreen`: the operator CLI. Releases, shifts, rollbacks and promotions go through stack config
and `pulumi up` only (Automation API), gated on health read from the platform itself.

Exit codes: 0 done; 1 a health gate or update failed (traffic is back on the previous
color if it had moved), or `check`/`status` found a problem; 2 the request was refused
before anything ran (bad option, invalid config, wrong promotion order); 3 the
automatic rollback failed too, and production needs a human now.
"""

import importlib.util
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from components.spec import BlueGreenSpec, ConfigError
from components.traffic import live_color

from .console_output import ConsoleObserver, make_console, render_check, render_plan, render_status
from .exit_codes import ExitCode
from .health_gates import HealthGate, check_all, gates_for
from .promotion import check_order, live_image, require_healthy
from .rollout import Rollout, Timing
from .rollout_plan import (
    PlanError,
    RolloutPlan,
    parse_steps,
    plan_release,
    plan_rollback,
    plan_shift,
    spec_of,
)
from .stack_driver import AutomationDriver, StackDriver, StackError
from .stack_files import STACKS, find_project_dir

REFUSED = ExitCode.REFUSED
T = TypeVar("T")

GatesFactory = Callable[[BlueGreenSpec, dict[str, Any], bool | None], Sequence[HealthGate]]


def default_gates(spec: BlueGreenSpec, config: dict[str, Any], http: bool | None) -> Sequence[HealthGate]:
    """Gates that read health where the stack's own provider config points: its AWS region, its cluster."""
    region, context = config.get("aws:region"), config.get("kubernetes:context")
    return gates_for(
        spec,
        http=http,
        region=region if isinstance(region, str) else None,
        kube_context=context if isinstance(context, str) else None,
    )


@dataclass
class CliEnv:
    """Everything a command reaches outside itself; tests pass their own via `CliRunner.invoke(obj=...)`."""

    driver_for: Callable[[str], StackDriver] = AutomationDriver.select
    gates: GatesFactory = default_gates
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    out: Console = field(default_factory=make_console)
    err: Console = field(default_factory=lambda: make_console(stderr=True))


app = typer.Typer(
    name="bluegreen",
    help="Blue/green releases of the bluegreen stacks: check, status, release, shift, rollback, promote.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _main(ctx: typer.Context) -> None:
    if ctx.obj is None:
        ctx.obj = CliEnv()


StackOpt = Annotated[str, typer.Option("--stack", "-s", help="Stack to act on (local, dev, staging, prod).")]
StepsOpt = Annotated[
    str, typer.Option(help="Traffic percentages for the new color, in order; each is baked before the next.")
]
BakeOpt = Annotated[
    float, typer.Option("--bake", min=0, help="Seconds to watch health after each traffic step.")
]
PollOpt = Annotated[float, typer.Option("--poll", min=0.001, help="Seconds between health observations.")]
WaitOpt = Annotated[
    float, typer.Option("--wait-timeout", min=0, help="Seconds to wait for the new color to become healthy.")
]
FailuresOpt = Annotated[
    int, typer.Option(min=0, help="Consecutive unhealthy observations tolerated during a bake.")
]
HttpOpt = Annotated[
    bool | None,
    typer.Option(
        "--http/--no-http",
        help="Also gate on HTTP GET of url/testUrl + health path (default: on for docker, off otherwise).",
        show_default=False,
    ),
]


@app.command()
def release(
    ctx: typer.Context,
    stack: StackOpt,
    image: Annotated[str, typer.Option("--image", "-i", help="Image to release, pinned (repo/web:1.5.0).")],
    steps: StepsOpt = "10,50,100",
    replicas: Annotated[
        int | None, typer.Option(min=0, help="Replicas of the new color (default: keep, or match live if 0).")
    ] = None,
    bake: BakeOpt = 60.0,
    poll: PollOpt = 5.0,
    wait_timeout: WaitOpt = 600.0,
    failures_allowed: FailuresOpt = 0,
    http: HttpOpt = None,
) -> None:
    """Deploy --image to the idle color, wait until it is healthy, then shift traffic to it step by step.

    Any failed gate or update after traffic moved sends 100% back to the previous color and exits 1.
    """
    env: CliEnv = ctx.obj
    driver = _driver(env, stack)
    config = _guard(env, stack, driver.config)
    plan = _plan(env, stack, lambda: plan_release(config, image, parse_steps(steps), replicas))
    _execute(env, driver, config, plan, Timing(wait_timeout, bake, poll, failures_allowed), http)


@app.command()
def shift(
    ctx: typer.Context,
    stack: StackOpt,
    steps: StepsOpt = "100",
    bake: BakeOpt = 60.0,
    poll: PollOpt = 5.0,
    wait_timeout: WaitOpt = 600.0,
    failures_allowed: FailuresOpt = 0,
    http: HttpOpt = None,
) -> None:
    """Move more traffic to the candidate color (the one with less), with the same health gates as release.

    Checks the candidate first; a failed gate sends 100% back to the live color and exits 1.
    """
    env: CliEnv = ctx.obj
    driver = _driver(env, stack)
    config = _guard(env, stack, driver.config)
    plan = _plan(env, stack, lambda: plan_shift(config, parse_steps(steps)))
    _execute(env, driver, config, plan, Timing(wait_timeout, bake, poll, failures_allowed), http)


@app.command()
def rollback(
    ctx: typer.Context,
    stack: StackOpt,
    force: Annotated[bool, typer.Option(help="Skip the health check of the color taking traffic.")] = False,
    poll: PollOpt = 5.0,
    wait_timeout: WaitOpt = 60.0,
    http: HttpOpt = None,
) -> None:
    """Send 100% of traffic back: to the live color if traffic is split, else to the other color.

    Refused when that color has 0 replicas (it would route to nothing).
    """
    env: CliEnv = ctx.obj
    driver = _driver(env, stack)
    config = _guard(env, stack, driver.config)
    plan = _plan(env, stack, lambda: plan_rollback(config, check=not force))
    _execute(env, driver, config, plan, Timing(wait_timeout=wait_timeout, poll_interval=poll), http)


@app.command()
def promote(
    ctx: typer.Context,
    source: Annotated[str, typer.Option("--from", help="Stack whose live image is promoted.")],
    target: Annotated[str, typer.Option("--to", help="The next stack in local → dev → staging → prod.")],
    steps: StepsOpt = "10,50,100",
    bake: BakeOpt = 60.0,
    poll: PollOpt = 5.0,
    wait_timeout: WaitOpt = 600.0,
    failures_allowed: FailuresOpt = 0,
    http: HttpOpt = None,
) -> None:
    """Release, in the next stack, the image that serves 100% of traffic, healthy, in the source stack.

    Refused when the source is mid-rollout, has undeployed config changes, or is unhealthy.
    """
    env: CliEnv = ctx.obj
    _guard(env, source, lambda: check_order(source, target))
    percentages = _guard(env, target, lambda: parse_steps(steps))
    source_driver = _driver(env, source)
    source_config = _guard(env, source, source_driver.config)
    source_spec = _guard(env, source, lambda: spec_of(source_config))
    outputs = _guard(env, source, source_driver.outputs)
    live, image = _guard(env, source, lambda: live_image(source, source_spec, outputs))
    observer = ConsoleObserver(env.out)
    results = check_all(env.gates(source_spec, source_config, http), live, source_spec, outputs)
    observer.health(results)
    _guard(env, source, lambda: require_healthy(source, results))
    env.out.print(f"promoting {escape(image)} (live on {live} in {source}) to {target}")

    driver = _driver(env, target)
    config = _guard(env, target, driver.config)
    spec = _guard(env, target, lambda: spec_of(config))
    current = live_color(spec.traffic)
    if spec.color(current).image == image and spec.traffic.of(current) == 100:
        env.out.print(f"{target} already serves {escape(image)} on {current} at 100%; nothing to do")
        raise typer.Exit(0)
    plan = _plan(env, target, lambda: plan_release(config, image, percentages))
    _execute(env, driver, config, plan, Timing(wait_timeout, bake, poll, failures_allowed), http)


@app.command()
def status(
    ctx: typer.Context,
    stack: Annotated[
        list[str] | None, typer.Option("--stack", "-s", help="Stack(s) to show; default: all four.")
    ] = None,
    http: HttpOpt = None,
) -> None:
    """Per stack: weights (config and deployed), live/candidate color, images, replicas, health, outputs.

    Exits 1 when a stack cannot be read or a color that serves traffic is unhealthy.
    """
    from .stack_status import gather_status

    env: CliEnv = ctx.obj
    healthy = True
    for name in stack or STACKS:
        with env.out.status(f"reading stack {name}..."):
            found = gather_status(name, env.driver_for, lambda spec, config: env.gates(spec, config, http))
        render_status(env.out, found)
        healthy = healthy and found.ok
    raise typer.Exit(0 if healthy else 1)


@app.command()
def check(
    ctx: typer.Context,
    stack: Annotated[
        list[str] | None, typer.Option("--stack", "-s", help="Stack(s) to check; default: all four.")
    ] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Also write the results as JSON.")] = None,
    markdown_path: Annotated[
        Path | None, typer.Option("--markdown", help="Also write Markdown (for a PR comment or job summary).")
    ] = None,
    project_dir: Annotated[
        Path | None,
        typer.Option(
            help="The project: Pulumi.yaml, __main__.py, the stack files and policies/ "
            "(default: the nearest directory from here up holding Pulumi.yaml).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Offline policy check: run each stack's program under mocks and judge every resource with the pack.

    No cloud credentials needed. Exits 1 on any mandatory violation or invalid stack config.
    """
    from .check_report import json_text, markdown
    from .offline_check import SCOPE_NOTE, run_checks
    from .policy_client import PolicyPackError

    env: CliEnv = ctx.obj
    directory = (project_dir or find_project_dir()).resolve()
    if not (directory / "Pulumi.yaml").is_file():
        _refuse(env, f"--project-dir {directory} holds no Pulumi.yaml: point it at the project to check")
    if importlib.util.find_spec("pulumi_policy") is None:
        _refuse(env, "`bluegreen check` runs the policy pack, which needs pulumi-policy: install 'bluegreen[check]'")
    env.out.print(f"[dim]{escape(SCOPE_NOTE)}[/dim]")
    try:
        with env.out.status("running the program under mocks and the policy pack over gRPC..."):
            checks = run_checks(stack or STACKS, directory)
    except PolicyPackError as error:
        _refuse(env, f"the policy pack did not start: {error}", code=1)
    for result in checks:
        render_check(env.out, result)
    for path, render in ((json_path, json_text), (markdown_path, markdown)):
        if path is not None:
            try:
                path.write_text(render(checks))
            except OSError as error:
                _refuse(env, f"cannot write {path}: {error.strerror}", code=1)
    raise typer.Exit(0 if all(c.passed for c in checks) else 1)


def _driver(env: CliEnv, stack: str) -> StackDriver:
    try:
        return env.driver_for(stack)
    except StackError as error:
        _refuse(env, str(error))


def _guard(env: CliEnv, stack: str, action: Callable[[], T]) -> T:
    """Run a check that may refuse the request; print the refusal as plain lines, never a traceback."""
    try:
        return action()
    except ConfigError as error:
        lines = "\n".join(f"  {problem}" for problem in error.problems)
        _refuse(env, f"invalid stack config in {stack} ({len(error.problems)} problem(s)):\n{lines}")
    except (PlanError, StackError) as error:
        _refuse(env, str(error))


def _plan(env: CliEnv, stack: str, build: Callable[[], RolloutPlan]) -> RolloutPlan:
    plan = _guard(env, stack, build)
    render_plan(env.out, stack, plan)
    return plan


def _execute(
    env: CliEnv,
    driver: StackDriver,
    config: dict[str, Any],
    plan: RolloutPlan,
    timing: Timing,
    http: bool | None,
) -> NoReturn:
    gates = env.gates(spec_of(config), config, http)
    rollout = Rollout(plan, driver, gates, ConsoleObserver(env.out), timing, clock=env.clock, sleep=env.sleep)
    result = rollout.run()
    if result.outcome == "done":
        env.out.print(f"[bold green]done:[/] {escape(result.message)} on stack {driver.name}")
    else:
        env.err.print(f"[bold red]{result.outcome.replace('_', ' ')}:[/] {escape(result.message)}")
    raise typer.Exit(result.exit_code)


def _refuse(env: CliEnv, message: str, code: int = REFUSED) -> NoReturn:
    env.err.print(f"[bold red]refused:[/] {escape(message)}")
    raise typer.Exit(code)
