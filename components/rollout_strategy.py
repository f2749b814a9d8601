"""`RolloutStrategy`: the stack's release strategy registered as a resource, so the policy pack can judge it.

The strategy is config the operator CLI runs, not infrastructure; but a policy pack only
sees registered resources. The Pulumi engine hands every resource registration to the
analyzers, components included: `continueStepsFromImport` in pkg/resource/deploy/
step_generator.go calls `analyzeAll` with the resource's inputs whether or not the goal is
`Custom` (a component has no provider, so only the provider `Check` is skipped), while
`GenerateReadSteps` (resources read with `get`) never calls an analyzer. `AnalyzeStack`
gets each resource's outputs, which for a component are what it registers with
`register_outputs`. So a component with the strategy as its inputs, registering the same
values as outputs, reaches both `Analyze` and `AnalyzeStack`, needs no provider plugin,
and creates nothing in the cloud.
"""

from typing import Any

import pulumi

from .spec.durations import show_duration
from .spec.rollout import DEFAULT_STEPS, HookSpec, RolloutSpec

TYPE_TOKEN = "bluegreen:index:RolloutStrategy"


def strategy_inputs(rollout: RolloutSpec, secret: bool = False) -> dict[str, Any]:
    """The strategy as the pack reads it: explicit steps, where they came from, analysis and hooks.

    With `secret` (`bluegreen:rollout` is a secret key), what can carry a token (hook URLs and
    commands) moves to `hookTargets`, one secret Output: encrypted in state and `[secret]` in every
    diff and pack message. The engine marks a whole top-level property secret when anything in it
    is, so the rest of `hooks` (a hook's env, allowLinkLocal) stays apart, judged in the open.
    """
    steps: list[dict[str, Any]] = []
    for step in rollout.expanded_steps():
        if step.set_weight is not None:
            steps.append({"setWeight": step.set_weight})
        elif step.is_manual_gate:
            steps.append({"pause": "manual"})
        else:
            seconds = step.pause_seconds or 0.0
            steps.append({"pause": show_duration(seconds), "pauseSeconds": seconds})
    source = "steps" if rollout.steps is not None else "preset" if rollout.preset is not None else "default"
    inputs: dict[str, Any] = {"steps": steps, "stepsFrom": source}
    if rollout.preset is not None:
        inputs["preset"] = rollout.preset
    if source == "default":
        inputs["defaultSteps"] = [list(pair) for pair in DEFAULT_STEPS]
    if rollout.analysis is not None:
        analysis = rollout.analysis
        inputs["analysis"] = {
            "intervalSeconds": analysis.interval,
            "initialDelaySeconds": analysis.initial_delay,
            "failureLimit": analysis.failure_limit,
            "inconclusiveLimit": analysis.inconclusive_limit,
            "consecutiveErrorLimit": analysis.consecutive_error_limit,
            "metrics": [
                {
                    "name": m.name,
                    "source": m.template or m.provider,
                    **({"max": m.upper} if m.upper is not None else {}),
                    **({"min": m.lower} if m.lower is not None else {}),
                    **({"relativeTo": m.relative_to} if m.relative_to else {}),
                    "minRequests": m.sample_minimum,
                    **({"dryRun": True} if m.dry_run else {}),
                }
                for m in analysis.metrics
            ],
        }
    if rollout.hooks.pre_traffic is not None:
        hook = rollout.hooks.pre_traffic
        inputs["hooks"] = {"preTraffic": hook_inputs(hook, include_target=not secret)}
        if secret:
            inputs["hookTargets"] = pulumi.Output.secret({"preTraffic": hook_target(hook)})
    return inputs


def hook_target(hook: HookSpec) -> dict[str, Any]:
    """What a hook calls or runs: `{"url": ...}` or `{"command": [...]}`."""
    return {"url": hook.url} if hook.url is not None else {"command": list(hook.command or [])}


def hook_inputs(hook: HookSpec, include_target: bool = True) -> dict[str, Any]:
    """What the pack judges of a hook: what it calls or runs, what it is given, and what it may reach."""
    found: dict[str, Any] = hook_target(hook) if include_target else {}
    if hook.command is not None:
        found["env"] = list(hook.env)
    if hook.url is not None:
        found["allowLinkLocal"] = hook.allow_link_local
        found["expect"] = hook.expect
    found["timeoutSeconds"] = hook.timeout
    return found


class RolloutStrategy(pulumi.ComponentResource):
    """Holds `bluegreen:rollout` as inputs and outputs; no children, nothing deployed."""

    def __init__(
        self, name: str, rollout: RolloutSpec, opts: pulumi.ResourceOptions | None = None, secret: bool = False
    ) -> None:
        """`secret`: `bluegreen:rollout` is a secret key, so its hook URLs and commands are registered as secrets."""
        inputs = strategy_inputs(rollout, secret)
        super().__init__(TYPE_TOKEN, name, inputs, opts)
        self.register_outputs(inputs)
