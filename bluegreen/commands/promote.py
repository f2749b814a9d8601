"""`promote`: release, in one stack, the image another stack serves healthy at 100%."""

from typing import Annotated

import typer

from ..cli_env import CliEnv
from ..cli_options import OnInterrupt as OnInterruptChoice
from ..cli_options import check_stack
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
    StepsOpt,
    WaitOpt,
    YesOpt,
    complete_stack,
)
from .refusal import require_project


def promote(
    ctx: typer.Context,
    source: Annotated[
        str, typer.Option("--from", help="Stack whose live image is promoted.", autocompletion=complete_stack)
    ],
    target: Annotated[
        str,
        typer.Option(
            "--to",
            help="Stack to release it to; its bluegreen:promotion.from must name --from.",
            autocompletion=complete_stack,
        ),
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
    events: EventsOpt = None,
    report: ReportOpt = None,
    holder: HolderOpt = None,
) -> None:
    """Release, in --to, the image that serves 100% of traffic, healthy, in --from, following --to's strategy.

    The order comes from the target's config (bluegreen:promotion.from). Refused when the source is
    mid-rollout, has undeployed config changes, or is unhealthy.
    """
    from components.traffic import live_color

    from ..console_output import ConsoleObserver
    from ..health_gates import check_all
    from ..project import short_name
    from ..promotion import check_order, live_image, require_healthy
    from ..recorded_state import recorded
    from ..rollout_plan import plan_release, spec_of
    from ..stack_files import read_stack_config
    from ..terminal_text import markup
    from .running import driver_of, execute, guard, override_of, session_options, show_plan

    env: CliEnv = ctx.obj
    guard(env, source, lambda: check_stack(source, env.project_dir, "--from"))
    guard(env, target, lambda: check_stack(target, env.project_dir, "--to"))
    project = require_project(env)
    target_file_spec = guard(env, target, lambda: spec_of(read_stack_config(short_name(target), project)))
    guard(env, source, lambda: check_order(source, target, target_file_spec))
    override = override_of(env, target, steps, bake)
    source_driver = driver_of(env, source)
    source_config = guard(env, source, source_driver.config)
    source_spec = guard(env, source, lambda: spec_of(source_config))
    outputs = guard(env, source, source_driver.outputs)
    live, image = guard(env, source, lambda: live_image(source, source_spec, outputs))
    observer = ConsoleObserver(env.out)
    results = check_all(env.gates(source_spec, source_config, http), live, source_spec, outputs)
    observer.health(results)
    guard(env, source, lambda: require_healthy(source, results))
    env.out.print(f"promoting {markup(image)} (live on {live} in {source}) to {target}")

    driver = driver_of(env, target)
    config = guard(env, target, driver.config)
    spec = guard(env, target, lambda: spec_of(config))
    current = live_color(spec.traffic)
    if spec.color(current).image == image and spec.traffic.of(current) == 100:
        env.out.print(f"{target} already serves {markup(image)} on {current} at 100%; nothing to do")
        raise typer.Exit(0)
    record = recorded(config, guard(env, target, driver.outputs))
    plan = show_plan(env, target, lambda: plan_release(config, image, override, None, record))
    options = session_options(ctx, poll, wait_timeout, failures_allowed, on_interrupt, force, holder)
    execute(env, driver, config, plan, options, http, yes)
