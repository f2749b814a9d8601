"""`rollback` and `abort`: the commands that send traffic back, to the recorded live color only.

Both read the release record (`bluegreen:release`, deployed copy first) and never
infer from the weights which color is good: traffic reaches a color that is not the
recorded live one only by `rollback --to COLOR`, which checks that color first.
"""

from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..cli_env import CliEnv
from ..cli_options import ColorChoice, check_stack
from .options import EventsOpt, ForceLockOpt, HolderOpt, HttpOpt, PollOpt, ReportOpt, StackOpt, WaitOpt, YesOpt

if TYPE_CHECKING:
    from ..rollout_plan import RolloutPlan
    from ..stack_driver import StackDriver


def rollback(
    ctx: typer.Context,
    stack: StackOpt,
    to: Annotated[
        ColorChoice | None,
        typer.Option(
            "--to",
            help="Send 100% to this color instead of the recorded live one; its health gate runs first, and it "
            "becomes the recorded live color. Needed on stacks that record no live color.",
            show_default=False,
        ),
    ] = None,
    no_check: Annotated[
        bool,
        typer.Option("--no-check", help="Skip the health check of the recorded live color (never of a --to color)."),
    ] = False,
    poll: PollOpt = 5.0,
    wait_timeout: WaitOpt = 60.0,
    http: HttpOpt = None,
    yes: YesOpt = False,
    events: EventsOpt = None,
    report: ReportOpt = None,
    force: ForceLockOpt = False,
    holder: HolderOpt = None,
) -> None:
    """Send 100% of traffic to the recorded live color (bluegreen:release.live: the last one verified), restoring
    the image it was verified with; or, with --to, to the color named, after its health check.

    Also repairs a bluegreen:traffic block that does not sum to 100 or differs from what is deployed, and says
    so. Refused when no live color is recorded and --to is not given, or when the color has 0 replicas.
    """
    from ..recorded_state import recorded
    from ..rollout_plan import plan_rollback
    from .running import deployed_weights, driver_of, guard, refuse

    env: CliEnv = ctx.obj
    guard(env, stack, lambda: check_stack(stack, env.project_dir))
    driver = driver_of(env, stack)
    config = guard(env, stack, driver.config)
    outputs = guard(env, stack, driver.outputs)
    record = recorded(config, outputs)
    target = None if to is None else to.value
    if no_check and target is not None and (record is None or record.live != target):
        refuse(
            env,
            f"--no-check is invalid with --to {target}: a color that is not the recorded live one is "
            "always health-checked before it gets traffic",
        )
    deployed = deployed_weights(config, outputs)
    plan = guard(env, stack, lambda: plan_rollback(config, not no_check, deployed, record, target))
    _run_or_report_nothing(env, ctx, stack, driver, config, plan, poll, wait_timeout, http, yes, force, holder)


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
    holder: HolderOpt = None,
) -> None:
    """Abandon a paused or interrupted release: 100% back to the recorded live color, naming what is abandoned.

    Exits 0 without a change when no release is in progress and config equals what is deployed, so CI can run
    it after any cancellation.
    """
    from ..recorded_state import recorded
    from ..rollout_plan import plan_rollback
    from ..terminal_text import markup
    from .running import deployed_weights, driver_of, guard, refuse

    env: CliEnv = ctx.obj
    guard(env, stack, lambda: check_stack(stack, env.project_dir))
    driver = driver_of(env, stack)
    config = guard(env, stack, driver.config)
    outputs = guard(env, stack, driver.outputs)
    record = recorded(config, outputs)
    if record is None:
        refuse(
            env,
            f"no release is recorded on {stack} (bluegreen:release is unset: the stack predates it), so there is no "
            f"recorded live color to return to; say which color gets 100% with `bluegreen rollback --stack {stack} "
            "--to COLOR` (health-checked first)",
        )
    plan = guard(env, stack, lambda: plan_rollback(config, True, deployed_weights(config, outputs), record))
    if plan.steps and record.candidate is not None:
        deployed = deployed_weights(config, outputs)
        weight = deployed.of(record.candidate) if deployed else _config_weights(config).get(record.candidate, "?")
        env.out.print(
            f"aborting the release of {markup(record.candidate_image or '?')} on {record.candidate} "
            f"({weight}% of traffic) on stack {stack}"
        )
    _run_or_report_nothing(env, ctx, stack, driver, config, plan, poll, wait_timeout, http, yes, force, holder)


def _config_weights(config: dict[str, Any]) -> dict[str, Any]:
    traffic = config.get("bluegreen:traffic")
    return traffic if isinstance(traffic, dict) else {}


def _run_or_report_nothing(
    env: CliEnv,
    ctx: typer.Context,
    stack: str,
    driver: "StackDriver",
    config: dict[str, Any],
    plan: "RolloutPlan",
    poll: float,
    wait_timeout: float,
    http: bool | None,
    yes: bool,
    force: bool,
    holder: str | None,
) -> None:
    from ..console_output import render_plan
    from ..terminal_text import markup
    from .running import execute, session_options

    if not plan.steps:
        for note in plan.notes:
            env.out.print(markup(note))
        raise typer.Exit(0)
    render_plan(env.out, stack, plan)
    options = session_options(ctx, poll, wait_timeout, 0, "rollback", force, holder)
    execute(env, driver, config, plan, options, http, yes)
