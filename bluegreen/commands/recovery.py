"""`rollback` and `abort`: the commands that send traffic back."""

from typing import Annotated

import typer

from ..cli_env import CliEnv
from ..cli_options import check_stack
from .options import EventsOpt, ForceLockOpt, HttpOpt, PollOpt, ReportOpt, StackOpt, WaitOpt, YesOpt


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
    events: EventsOpt = None,
    report: ReportOpt = None,
) -> None:
    """Send 100% of traffic back: to the live color if traffic is split, else to the other color.

    Also repairs a bluegreen:traffic block that does not sum to 100, and says so. Refused when that color
    has 0 replicas (it would route to nothing).
    """
    from ..rollout_plan import plan_rollback
    from .running import deployed_weights, driver_of, execute, guard, session_options, show_plan

    env: CliEnv = ctx.obj
    guard(env, stack, lambda: check_stack(stack, env.project_dir))
    driver = driver_of(env, stack)
    config = guard(env, stack, driver.config)
    outputs = guard(env, stack, driver.outputs)
    deployed = deployed_weights(config, outputs)
    plan = show_plan(env, stack, lambda: plan_rollback(config, check=not (force or no_check), deployed=deployed))
    execute(env, driver, config, plan, session_options(ctx, poll, wait_timeout, 0, "rollback", force), http, yes)


def abort(
    ctx: typer.Context,
    stack: StackOpt,
    poll: PollOpt = 5.0,
    wait_timeout: WaitOpt = 60.0,
    http: HttpOpt = None,
    yes: YesOpt = False,
    force: ForceLockOpt = False,
    events: EventsOpt = None,
    report: ReportOpt = None,
) -> None:
    """Abandon a paused or interrupted release: 100% back to the live color, naming what is abandoned."""
    from components.traffic import live_color

    from ..rollout_plan import plan_rollback, spec_of
    from ..terminal_text import markup
    from .running import deployed_weights, driver_of, execute, guard, refuse, session_options, show_plan

    env: CliEnv = ctx.obj
    guard(env, stack, lambda: check_stack(stack, env.project_dir))
    driver = driver_of(env, stack)
    config = guard(env, stack, driver.config)
    spec = guard(env, stack, lambda: spec_of(config))
    live = live_color(spec.traffic)
    if spec.traffic.of(live) == 100:
        refuse(
            env,
            f"no release to abort on {stack}: {live} has 100% of traffic (use `bluegreen rollback --stack "
            f"{stack}` to go back to the other color)",
        )
    candidate = "green" if live == "blue" else "blue"
    env.out.print(
        f"aborting the release of {markup(spec.color(candidate).image)} on {candidate} "
        f"({spec.traffic.of(candidate)}% of traffic) on stack {stack}"
    )
    outputs = guard(env, stack, driver.outputs)
    plan = show_plan(env, stack, lambda: plan_rollback(config, deployed=deployed_weights(config, outputs)))
    execute(env, driver, config, plan, session_options(ctx, poll, wait_timeout, 0, "rollback", force), http, yes)
