"""`release`, `shift`, `resume` and `pause`: the commands that move a release forward (or hold it)."""

from typing import Annotated

import typer

from ..cli_env import CliEnv
from ..cli_options import ColorChoice, check_image, check_stack
from ..cli_options import OnInterrupt as OnInterruptChoice
from .options import (
    BakeOpt,
    EventsOpt,
    FailuresOpt,
    ForceLockOpt,
    HolderOpt,
    HttpOpt,
    OnInterruptOpt,
    PollOpt,
    ReportOpt,
    StackOpt,
    StepsOpt,
    WaitOpt,
    YesOpt,
)


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
    events: EventsOpt = None,
    report: ReportOpt = None,
    holder: HolderOpt = None,
) -> None:
    """Deploy --image to the idle color, wait until it is healthy, run the preTraffic hook, then follow the
    stack's rollout strategy: each weight in one update, each pause watched by health gates and analysis.

    A failed gate, measurement, hook or update after traffic moved sends 100% back to the previous color
    (exit 1). A manual gate or analysis without data pauses (exit 4). Ctrl-C rolls back (exit 130).
    """
    from ..recorded_state import recorded
    from ..rollout_plan import plan_release
    from .running import driver_of, execute, guard, override_of, session_options, show_plan

    env: CliEnv = ctx.obj
    pinned = guard(env, stack, lambda: check_image(image))
    override = override_of(env, stack, steps, bake)
    driver = driver_of(env, stack)
    config = guard(env, stack, driver.config)
    record = recorded(config, guard(env, stack, driver.outputs))
    plan = show_plan(env, stack, lambda: plan_release(config, pinned, override, replicas, record))
    options = session_options(ctx, poll, wait_timeout, failures_allowed, on_interrupt, force, holder)
    execute(env, driver, config, plan, options, http, yes)


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
    events: EventsOpt = None,
    report: ReportOpt = None,
    holder: HolderOpt = None,
) -> None:
    """Move more traffic to the candidate color (the one with less): the strategy's steps above its current
    weight, or --steps. Checks the candidate first; a failure sends 100% back to the live color (exit 1).
    """
    from ..recorded_state import recorded
    from ..rollout_plan import plan_shift
    from .running import driver_of, execute, guard, override_of, session_options, show_plan

    env: CliEnv = ctx.obj
    override = override_of(env, stack, steps, bake)
    driver = driver_of(env, stack)
    config = guard(env, stack, driver.config)
    record = recorded(config, guard(env, stack, driver.outputs))
    plan = show_plan(env, stack, lambda: plan_shift(config, override, record))
    options = session_options(ctx, poll, wait_timeout, failures_allowed, on_interrupt, force, holder)
    execute(env, driver, config, plan, options, http, yes)


def resume(
    ctx: typer.Context,
    stack: StackOpt,
    to: Annotated[
        ColorChoice | None,
        typer.Option(
            "--to",
            help="The release's candidate color, on a stack that records no release (bluegreen:release unset).",
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
    events: EventsOpt = None,
    report: ReportOpt = None,
    holder: HolderOpt = None,
) -> None:
    """Continue the paused or interrupted release recorded in bluegreen:release, from the weights deployed.

    The timed pauses at the current weight run again, a manual gate there is passed, then the rest of the
    strategy follows. Refused when config and the deployed weights differ (roll back first).
    """
    from ..health_gates import deployed_traffic
    from ..recorded_state import recorded
    from ..rollout_plan import RolloutPlan, plan_resume, spec_of
    from .running import driver_of, execute, guard, override_of, session_options, show_plan

    env: CliEnv = ctx.obj
    override = override_of(env, stack, steps, bake)
    driver = driver_of(env, stack)
    config = guard(env, stack, driver.config)
    outputs = guard(env, stack, driver.outputs)

    def build() -> RolloutPlan:
        spec = spec_of(config)
        deployed = deployed_traffic(spec, outputs) if outputs.get("weights") else None
        candidate = None if to is None else to.value
        return plan_resume(config, deployed, override, candidate, recorded(config, outputs))

    plan = show_plan(env, stack, build)
    options = session_options(ctx, poll, wait_timeout, failures_allowed, on_interrupt, force, holder)
    execute(env, driver, config, plan, options, http, yes)


def pause(ctx: typer.Context, stack: StackOpt) -> None:
    """Ask the release running on --stack (on any machine) to stop at its next step or poll, leaving the
    weights as deployed (it exits 4). Continue with `bluegreen resume`, undo with `bluegreen rollback`.
    """
    from ..pause_request import request_pause
    from ..terminal_text import markup
    from .running import driver_of, guard

    env: CliEnv = ctx.obj
    guard(env, stack, lambda: check_stack(stack, env.project_dir))
    driver = driver_of(env, stack)
    holder = guard(env, stack, lambda: request_pause(driver))
    env.out.print(
        f"asked the release of {markup(holder)} to pause; then: bluegreen resume --stack {stack} "
        f"or bluegreen rollback --stack {stack}"
    )
