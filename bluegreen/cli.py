"""`bluegreen`: the operator CLI. Releases, shifts, rollbacks and promotions go through stack config
and `pulumi up` only (Automation API), follow each stack's `bluegreen:rollout` strategy, and are gated on
health read from the platform and on the strategy's analysis.

Exit codes (docs/releases.md has the table): 0 done; 1 failed (traffic is back on the previous color if it
had moved), or `check`/`status` found a problem; 2 refused before anything changed (bad option, invalid
config, wrong promotion order, stack locked, not confirmed); 3 the automatic rollback failed too, and
production needs a human now; 4 paused, config equal to the deployed weights (a manual gate, or analysis
without data); 5 the stack's config changed under the release, which stopped; 130 interrupted.
"""

import importlib.util
import os
import re
import shlex
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from components.spec import BlueGreenSpec, ConfigError, Traffic
from components.traffic import live_color

from .analysis.measurement import Analysis
from .cli_options import ColorChoice, check_image, check_stack, duration, short_name
from .cli_options import OnInterrupt as OnInterruptChoice
from .console_output import ConsoleObserver, make_console, render_check, render_plan
from .exit_codes import ExitCode
from .health_gates import HealthGate, check_all, deployed_traffic, gates_for
from .promotion import check_order, live_image, require_healthy
from .release_session import SessionOptions, is_protected, report, run_session
from .rollout import AnalysisFactory, HookRunner, OnInterrupt, Timing
from .rollout_plan import (
    Override,
    PlanError,
    RolloutPlan,
    parse_steps,
    plan_release,
    plan_resume,
    plan_rollback,
    plan_shift,
    spec_of,
)
from .stack_driver import AutomationDriver, PulumiMissingError, StackDriver, StackError
from .stack_files import STACKS, find_project_dir, read_stack_config

REFUSED = ExitCode.REFUSED
T = TypeVar("T")

GatesFactory = Callable[[BlueGreenSpec, dict[str, Any], bool | None], Sequence[HealthGate]]
AnalysisBuilder = Callable[[BlueGreenSpec, dict[str, Any], str, dict[str, Any]], Analysis | None]


def default_gates(spec: BlueGreenSpec, config: dict[str, Any], http: bool | None) -> Sequence[HealthGate]:
    """Gates that read health where the stack's own provider config points: its AWS region, its cluster."""
    region, context = config.get("aws:region"), config.get("kubernetes:context")
    return gates_for(
        spec,
        http=http,
        region=region if isinstance(region, str) else None,
        kube_context=context if isinstance(context, str) else None,
    )


def default_analysis(
    spec: BlueGreenSpec, outputs: dict[str, Any], stack: str, config: dict[str, Any]
) -> Analysis | None:
    from .analysis import build_analysis

    return build_analysis(spec, outputs, stack, config)


def default_hook_runner() -> HookRunner:
    from .analysis.hooks import run_hook

    return run_hook


@dataclass
class CliEnv:
    """Everything a command reaches outside itself; tests pass their own via `CliRunner.invoke(obj=...)`."""

    driver_for: Callable[[str], StackDriver] = AutomationDriver.select
    gates: GatesFactory = default_gates
    analysis: AnalysisBuilder = default_analysis
    hook_runner: Callable[[], HookRunner] = default_hook_runner
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] | None = None
    """None: sleep until the next poll or a signal, whichever comes first."""
    confirm: Callable[[str], bool] = lambda question: typer.confirm(question, default=False)
    project_dir: Path = field(default_factory=find_project_dir)
    out: Console = field(default_factory=make_console)
    err: Console = field(default_factory=lambda: make_console(stderr=True))


app = typer.Typer(
    name="bluegreen",
    help="Blue/green releases of the bluegreen stacks: check, status, release, shift, resume, rollback, promote.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"bluegreen {version('bluegreen')}")
        except PackageNotFoundError:
            typer.echo("bluegreen (not installed as a package)")
        raise typer.Exit(0)


@app.callback()
def _main(
    ctx: typer.Context,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    if ctx.obj is None:
        ctx.obj = CliEnv()


StackOpt = Annotated[
    str, typer.Option("--stack", "-s", help="Stack to act on: local, dev, staging, prod, or org/name (acme/prod-eu).")
]
StepsOpt = Annotated[
    str | None,
    typer.Option(
        help="Override the strategy: traffic percentages for the new color, in order (10,50,100), each "
        "held for --bake. Default: the stack's bluegreen:rollout steps.",
        show_default=False,
    ),
]
BakeOpt = Annotated[
    float | None,
    typer.Option(
        "--bake",
        metavar="DURATION",
        parser=duration(),
        help="Override every timed pause of the strategy (30s, 5m, or seconds). Default: the strategy's "
        "pauses (60s each with --steps).",
        show_default=False,
    ),
]
PollOpt = Annotated[
    float,
    typer.Option("--poll", metavar="DURATION", parser=duration(minimum=0.01), help="Time between health observations."),
]
WaitOpt = Annotated[
    float,
    typer.Option(
        "--wait-timeout", metavar="DURATION", parser=duration(), help="Longest wait for the new color to be healthy."
    ),
]
FailuresOpt = Annotated[int, typer.Option(min=0, help="Consecutive unhealthy observations tolerated during a pause.")]
HttpOpt = Annotated[
    bool | None,
    typer.Option(
        "--http/--no-http",
        help="Also gate on HTTP GET of url/testUrl + health path (default: on for docker, off otherwise).",
        show_default=False,
    ),
]
OnInterruptOpt = Annotated[
    OnInterruptChoice,
    typer.Option(
        "--on-interrupt",
        help="On Ctrl-C or SIGTERM after traffic moved: rollback (send 100% back, the default) or pause "
        "(leave the deployed weights; resume later). Exit code 130 either way.",
    ),
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation on a protected stack.")]
ForceLockOpt = Annotated[
    bool, typer.Option("--force", help="Take over the stack's lock from a release that is gone (crashed, runner lost).")
]


@app.command()
def release(
    ctx: typer.Context,
    stack: StackOpt,
    image: Annotated[
        str,
        typer.Option("--image", "-i", help="Image to release, pinned by tag or digest, not latest (repo/web:1.5.0)."),
    ],
    steps: StepsOpt = None,
    replicas: Annotated[
        int | None, typer.Option(min=0, help="Replicas of the new color (default: keep, or match live if 0).")
    ] = None,
    bake: BakeOpt = None,
    poll: PollOpt = 5.0,
    wait_timeout: WaitOpt = 600.0,
    failures_allowed: FailuresOpt = 0,
    http: HttpOpt = None,
    on_interrupt: OnInterruptOpt = OnInterruptChoice.rollback,
    yes: YesOpt = False,
    force: ForceLockOpt = False,
) -> None:
    """Deploy --image to the idle color, wait until it is healthy, run the preTraffic hook, then follow the
    stack's rollout strategy: each weight in one update, each pause watched by health gates and analysis.

    A failed gate, measurement, hook or update after traffic moved sends 100% back to the previous color
    (exit 1). A manual gate or analysis without data pauses (exit 4). Ctrl-C rolls back (exit 130).
    """
    env: CliEnv = ctx.obj
    pinned = _guard(env, stack, lambda: check_image(image))
    override = _override(env, stack, steps, bake)
    driver = _driver(env, stack)
    config = _guard(env, stack, driver.config)
    plan = _plan(env, stack, lambda: plan_release(config, pinned, override, replicas))
    _execute(
        env, driver, config, plan, _options(ctx, poll, wait_timeout, failures_allowed, on_interrupt, force), http, yes
    )


@app.command()
def shift(
    ctx: typer.Context,
    stack: StackOpt,
    steps: StepsOpt = None,
    bake: BakeOpt = None,
    poll: PollOpt = 5.0,
    wait_timeout: WaitOpt = 600.0,
    failures_allowed: FailuresOpt = 0,
    http: HttpOpt = None,
    on_interrupt: OnInterruptOpt = OnInterruptChoice.rollback,
    yes: YesOpt = False,
    force: ForceLockOpt = False,
) -> None:
    """Move more traffic to the candidate color (the one with less): the strategy's steps above its current
    weight, or --steps. Checks the candidate first; a failure sends 100% back to the live color (exit 1).
    """
    env: CliEnv = ctx.obj
    override = _override(env, stack, steps, bake)
    driver = _driver(env, stack)
    config = _guard(env, stack, driver.config)
    plan = _plan(env, stack, lambda: plan_shift(config, override))
    _execute(
        env, driver, config, plan, _options(ctx, poll, wait_timeout, failures_allowed, on_interrupt, force), http, yes
    )


@app.command()
def resume(
    ctx: typer.Context,
    stack: StackOpt,
    to: Annotated[
        ColorChoice | None,
        typer.Option(
            "--to",
            help="The release's candidate color, when the weights alone cannot tell (both on the strategy).",
            show_default=False,
        ),
    ] = None,
    steps: StepsOpt = None,
    bake: BakeOpt = None,
    poll: PollOpt = 5.0,
    wait_timeout: WaitOpt = 600.0,
    failures_allowed: FailuresOpt = 0,
    http: HttpOpt = None,
    on_interrupt: OnInterruptOpt = OnInterruptChoice.rollback,
    yes: YesOpt = False,
    force: ForceLockOpt = False,
) -> None:
    """Continue a paused or interrupted release from the weights the stack has (no saved state).

    The timed pauses at the current weight run again, a manual gate there is passed, then the rest of the
    strategy follows. Refused when config and the deployed weights differ (roll back first).
    """
    env: CliEnv = ctx.obj
    override = _override(env, stack, steps, bake)
    driver = _driver(env, stack)
    config = _guard(env, stack, driver.config)
    outputs = _guard(env, stack, driver.outputs)

    def build() -> RolloutPlan:
        spec = spec_of(config)
        deployed = deployed_traffic(spec, outputs) if outputs.get("weights") else None
        return plan_resume(config, deployed, override, candidate=None if to is None else to.value)

    plan = _plan(env, stack, build)
    _execute(
        env, driver, config, plan, _options(ctx, poll, wait_timeout, failures_allowed, on_interrupt, force), http, yes
    )


@app.command()
def pause(ctx: typer.Context, stack: StackOpt) -> None:
    """Ask the release running on --stack (on any machine) to stop at its next step or poll, leaving the
    weights as deployed (it exits 4). Continue with `bluegreen resume`, undo with `bluegreen rollback`.
    """
    from .pause_request import request_pause

    env: CliEnv = ctx.obj
    _guard(env, stack, lambda: check_stack(stack, env.project_dir))
    driver = _driver(env, stack)
    holder = _guard(env, stack, lambda: request_pause(driver))
    env.out.print(
        f"asked the release of {escape(holder)} to pause; then: bluegreen resume --stack {stack} "
        f"or bluegreen rollback --stack {stack}"
    )


@app.command()
def rollback(
    ctx: typer.Context,
    stack: StackOpt,
    force: Annotated[
        bool,
        typer.Option(help="Emergency: skip the health check of the color taking traffic, and take over a held lock."),
    ] = False,
    no_check: Annotated[
        bool, typer.Option("--no-check", help="Skip the health check of the color taking traffic.")
    ] = False,
    poll: PollOpt = 5.0,
    wait_timeout: WaitOpt = 60.0,
    http: HttpOpt = None,
    yes: YesOpt = False,
) -> None:
    """Send 100% of traffic back: to the live color if traffic is split, else to the other color.

    Also repairs a bluegreen:traffic block that does not sum to 100, and says so. Refused when that color
    has 0 replicas (it would route to nothing).
    """
    env: CliEnv = ctx.obj
    _guard(env, stack, lambda: check_stack(stack, env.project_dir))
    driver = _driver(env, stack)
    config = _guard(env, stack, driver.config)
    outputs = _guard(env, stack, driver.outputs)
    deployed = _deployed_weights(config, outputs)
    plan = _plan(env, stack, lambda: plan_rollback(config, check=not (force or no_check), deployed=deployed))
    _execute(env, driver, config, plan, _options(ctx, poll, wait_timeout, 0, "rollback", force), http, yes)


@app.command()
def abort(
    ctx: typer.Context,
    stack: StackOpt,
    poll: PollOpt = 5.0,
    wait_timeout: WaitOpt = 60.0,
    http: HttpOpt = None,
    yes: YesOpt = False,
    force: ForceLockOpt = False,
) -> None:
    """Abandon a paused or interrupted release: 100% back to the live color, naming what is abandoned."""
    env: CliEnv = ctx.obj
    _guard(env, stack, lambda: check_stack(stack, env.project_dir))
    driver = _driver(env, stack)
    config = _guard(env, stack, driver.config)
    spec = _guard(env, stack, lambda: spec_of(config))
    live = live_color(spec.traffic)
    if spec.traffic.of(live) == 100:
        _refuse(
            env,
            f"no release to abort on {stack}: {live} has 100% of traffic (use `bluegreen rollback --stack "
            f"{stack}` to go back to the other color)",
        )
    candidate = "green" if live == "blue" else "blue"
    env.out.print(
        f"aborting the release of {escape(spec.color(candidate).image)} on {candidate} "
        f"({spec.traffic.of(candidate)}% of traffic) on stack {stack}"
    )
    outputs = _guard(env, stack, driver.outputs)
    plan = _plan(env, stack, lambda: plan_rollback(config, deployed=_deployed_weights(config, outputs)))
    _execute(env, driver, config, plan, _options(ctx, poll, wait_timeout, 0, "rollback", force), http, yes)


@app.command()
def promote(
    ctx: typer.Context,
    source: Annotated[str, typer.Option("--from", help="Stack whose live image is promoted.")],
    target: Annotated[
        str, typer.Option("--to", help="Stack to release it to; its bluegreen:promotion.from must name --from.")
    ],
    steps: StepsOpt = None,
    bake: BakeOpt = None,
    poll: PollOpt = 5.0,
    wait_timeout: WaitOpt = 600.0,
    failures_allowed: FailuresOpt = 0,
    http: HttpOpt = None,
    on_interrupt: OnInterruptOpt = OnInterruptChoice.rollback,
    yes: YesOpt = False,
    force: ForceLockOpt = False,
) -> None:
    """Release, in --to, the image that serves 100% of traffic, healthy, in --from, following --to's strategy.

    The order comes from the target's config (bluegreen:promotion.from). Refused when the source is
    mid-rollout, has undeployed config changes, or is unhealthy.
    """
    env: CliEnv = ctx.obj
    _guard(env, source, lambda: check_stack(source, env.project_dir, "--from"))
    _guard(env, target, lambda: check_stack(target, env.project_dir, "--to"))
    target_file_spec = _guard(env, target, lambda: spec_of(read_stack_config(short_name(target), env.project_dir)))
    _guard(env, source, lambda: check_order(source, target, target_file_spec))
    override = _override(env, target, steps, bake)
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
    plan = _plan(env, target, lambda: plan_release(config, image, override))
    _execute(
        env, driver, config, plan, _options(ctx, poll, wait_timeout, failures_allowed, on_interrupt, force), http, yes
    )


@app.command()
def status(
    ctx: typer.Context,
    stack: Annotated[
        list[str] | None, typer.Option("--stack", "-s", help="Stack(s) to show; default: local, dev, staging, prod.")
    ] = None,
    http: HttpOpt = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print JSON (one object per stack) instead of tables.")
    ] = False,
    watch: Annotated[
        float | None,
        typer.Option(
            "--watch",
            metavar="DURATION",
            parser=duration(minimum=1),
            help="Show again every interval (5s) until Ctrl-C.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Per stack: weights (config and deployed), live/candidate color, images, replicas, health, the rollout
    strategy (steps expanded, the current one marked), the release lock and outputs.

    Exits 1 when a stack cannot be read or a color that serves traffic is unhealthy.
    """
    from .status_view import show_status

    env: CliEnv = ctx.obj
    for name in stack or ():
        _guard(env, name, lambda name=name: check_stack(name, env.project_dir))
    while True:
        try:
            healthy = show_status(stack or list(STACKS), env, http, json_output)
        except PulumiMissingError as error:
            _refuse(env, str(error), code=1)
        if watch is None:
            raise typer.Exit(0 if healthy else 1)
        try:
            (env.sleep or time.sleep)(watch)
        except KeyboardInterrupt:
            raise typer.Exit(0 if healthy else 1) from None


@app.command()
def check(
    ctx: typer.Context,
    stack: Annotated[
        list[str] | None, typer.Option("--stack", "-s", help="Stack(s) to check; default: all four.")
    ] = None,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Also write the results as JSON; `-` writes them to stdout.")
    ] = None,
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
    from .check_report import github_link, json_text, markdown
    from .offline_check import SCOPE_NOTE, run_checks
    from .policy_client import PolicyPackError

    env: CliEnv = ctx.obj
    directory = (project_dir or find_project_dir()).resolve()
    if not (directory / "Pulumi.yaml").is_file():
        _refuse(env, f"--project-dir {directory} holds no Pulumi.yaml: point it at the project to check")
    if importlib.util.find_spec("pulumi_policy") is None:
        _refuse(env, "`bluegreen check` runs the policy pack, which needs pulumi-policy: install 'bluegreen[check]'")
    to_stdout = json_path is not None and str(json_path) == "-"
    # With `--json -`, stdout carries only JSON; the human report goes to stderr.
    human = env.err if to_stdout else env.out
    human.print(f"[dim]{escape(SCOPE_NOTE)}[/dim]")
    try:
        with human.status("running the program under mocks and the policy pack over gRPC..."):
            checks = run_checks(stack or STACKS, directory)
    except PolicyPackError as error:
        _refuse(env, f"the policy pack did not start: {error}", code=1)
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
            _refuse(env, f"cannot write {path}: {error.strerror}", code=1)
    raise typer.Exit(0 if all(c.passed for c in checks) else 1)


def _options(
    ctx: typer.Context, poll: float, wait_timeout: float, failures: int, on_interrupt: str, force: bool
) -> SessionOptions:
    mode: OnInterrupt = "pause" if on_interrupt == OnInterruptChoice.pause else "rollback"
    # What the lock shows other operators: the command and the arguments that identify the release.
    named = [(f"--{key}", ctx.params[key]) for key in ("stack", "image", "source", "target") if ctx.params.get(key)]
    flags = {"--source": "--from", "--target": "--to"}
    words = ctx.command_path.split() + [part for key, value in named for part in (flags.get(key, key), str(value))]
    command = shlex.join(words)
    return SessionOptions(command, Timing(wait_timeout, poll, failures), mode, force)


def _override(env: CliEnv, stack: str, steps: str | None, bake: float | None) -> Override:
    """Options checked before any stack is contacted: the stack name and file, --steps."""
    _guard(env, stack, lambda: check_stack(stack, env.project_dir))
    parsed = None if steps is None else tuple(_guard(env, stack, lambda: parse_steps(steps)))
    return Override(parsed, bake)


def _deployed_weights(config: dict[str, Any], outputs: dict[str, Any]) -> Traffic | None:
    """The weights of the last update, read without validating config (a rollback may be repairing it)."""
    weights = outputs.get("weights")
    if not isinstance(weights, dict):
        return None
    try:
        return Traffic(blue=int(weights["blue"]), green=int(weights["green"]))
    except (KeyError, TypeError, ValueError):
        return None


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
    except PlanError as error:
        # The planner does not know the stack's name; the commands it suggests must carry it.
        _refuse(env, re.sub(r"`bluegreen (\w+)`", rf"`bluegreen \1 --stack {stack}`", str(error)))
    except (StackError, FileNotFoundError) as error:
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
    options: SessionOptions,
    http: bool | None,
    yes: bool,
) -> NoReturn:
    try:
        spec: BlueGreenSpec | None = spec_of(config)
    except ConfigError:
        spec = None  # a rollback repairing a broken traffic block
    if is_protected(driver.name, spec) and not yes:
        question = f"stack {driver.name} is protected; run these {len(plan.steps)} step(s) on it?"
        try:
            agreed = env.confirm(question)
        except (typer.Abort, EOFError):
            agreed = False
        if not agreed:
            _refuse(env, f"stack {driver.name} is protected and the change was not confirmed (pass --yes in CI)")
    gate_spec = plan.steps[-1].spec if plan.steps else spec
    gates = env.gates(gate_spec, config, http) if gate_spec is not None else []
    analysis: AnalysisFactory | None = None
    if gate_spec is not None and gate_spec.rollout.analysis is not None:
        rollout_spec = gate_spec

        def build(outputs: dict[str, Any]) -> Analysis | None:
            return env.analysis(rollout_spec, outputs, driver.name, config)

        analysis = build

    run_hook = env.hook_runner() if any(s.kind == "hook" for s in plan.steps) else None
    result = _guard(
        env,
        driver.name,
        lambda: run_session(
            driver, plan, options, gates, env.out, env.err, env.clock, env.sleep, analysis, run_hook, config
        ),
    )
    report(env.out, env.err, driver, plan, result)
    raise typer.Exit(result.exit_code)


def _refuse(env: CliEnv, message: str, code: int = REFUSED) -> NoReturn:
    env.err.print(f"[bold red]refused:[/] {escape(message)}")
    raise typer.Exit(code)
