"""The offline policy check: a stack's real program under mocks, every resource through the policy pack.

For pull requests without cloud credentials. The program runs with the stack's
`Pulumi.<stack>.yaml` exactly as the language host would run it, every registered
resource (type token, camelCase inputs) goes to the pack over its gRPC analyzer
protocol with `policies/config/<stack>.json`, the way `pulumi preview
--policy-pack policies --policy-pack-config ...` would send it.

What it cannot see: values a provider computes during a real preview (defaults
the provider fills in, ARNs, anything unknown until apply). It judges declared inputs.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from components.spec import BlueGreenSpec, ConfigError
from components.spec.preview_access import closed_preview_note

from . import policy_client
from .ci_budget import job_timeout_minutes, strategy_problem
from .policy_client import PolicyPackError, PolicyPackProcess, Violation, config_file, load_stack_config
from .program_run import RegisteredResource, run_config
from .stack_files import PROJECT_DIR, StackFileError, read_stack_config, spec_of

SCOPE_NOTE = (
    "This check runs the program under Pulumi mocks and judges declared resource inputs only, "
    "not provider-computed values (provider defaults, ARNs, values unknown until apply); "
    "`pulumi preview --policy-pack policies` with cloud credentials sees both."
)


@dataclass(frozen=True)
class HookView:
    """One hook as a reviewer reads it: when it runs and what it runs or calls, with what."""

    when: str
    kind: str
    """`command` or `url`."""
    description: str
    env: tuple[str, ...]
    allow_link_local: bool


def hooks_of(spec: BlueGreenSpec) -> list[HookView]:
    hook = spec.rollout.hooks.pre_traffic
    if hook is None:
        return []
    kind = "command" if hook.command is not None else "url"
    return [HookView("preTraffic", kind, hook.describe(), tuple(hook.env), hook.allow_link_local)]


@dataclass
class StackCheck:
    """The outcome for one stack."""

    stack: str
    resources: dict[str, RegisteredResource] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)
    config_problems: list[str] = field(default_factory=list)
    """One line per bad config value (the program was not run)."""
    error: str | None = None
    """The program or the pack failed for another reason."""
    policy_config: str = ""
    """Which `--policy-pack-config` file was applied."""
    hooks: list[HookView] = field(default_factory=list)
    """Every hook the stack's releases run on the release machine, for the reviewer to read."""
    notes: list[str] = field(default_factory=list)
    """Information, not problems: e.g. that a Gateway mode stack has no preview route (a safe default)."""

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.mandatory]

    @property
    def advisory(self) -> list[Violation]:
        return [v for v in self.violations if not v.mandatory]

    @property
    def passed(self) -> bool:
        return not self.config_problems and self.error is None and not self.mandatory


def run_stack(stack: str, pack: PolicyPackProcess, project_dir: Path = PROJECT_DIR) -> StackCheck:
    """Check one stack with an already running pack (reconfigured for this stack)."""
    result = StackCheck(stack=stack)
    try:
        config = read_stack_config(stack, project_dir)
    except (FileNotFoundError, StackFileError) as error:
        result.error = str(error)
        return result
    try:
        # Validate first: a bad config gets the config model's one-line messages, not a program failure.
        # A program using the components as a library has config of its own, which only it can judge.
        spec = spec_of(config) if any(key.startswith("bluegreen:") for key in config) else None
        too_long = strategy_problem(spec, job_timeout_minutes(project_dir)) if spec is not None else None
        if too_long is not None:
            result.config_problems = [too_long]
            return result
    except ConfigError as error:
        result.config_problems = [str(problem) for problem in error.problems]
        return result
    result.hooks = hooks_of(spec) if spec is not None else []
    note = closed_preview_note(spec, spec.preview_token) if spec is not None else None
    result.notes = [note] if note is not None else []
    try:
        run = run_config(config, stack=stack, project_dir=project_dir)
    except Exception as error:  # the program's own failure, reported as a line, never a traceback
        result.error = f"the program failed under mocks: {error}"
        return result
    # A pack that cannot start fails every stack alike: raised to the caller, not reported per stack.
    pack.wait_ready()
    try:
        name, policy_config = _policy_config(stack, project_dir)
        checked = check_resources(stack, run.resources.values(), pack, policy_config, name)
    except PolicyPackError as error:
        result.error = str(error)
        return result
    checked.hooks, checked.notes = result.hooks, result.notes
    return checked


def check_resources(
    stack: str,
    resources: Iterable[RegisteredResource],
    pack: PolicyPackProcess,
    policy_config: dict[str, Any],
    policy_config_name: str = "",
) -> StackCheck:
    """Judge resources with a `--policy-pack-config` map, as a preview would."""
    result = StackCheck(stack, resources={r.urn: r for r in resources}, policy_config=policy_config_name)
    pack.configure(policy_config)
    result.violations = pack.check(result.resources.values())
    return result


def run_checks(stacks: Iterable[str], project_dir: Path = PROJECT_DIR) -> list[StackCheck]:
    """Start the pack once, from the project's `policies/`, and check every stack with it.

    The pack is launched first and waited for only once the first program has run: its
    Python start-up and imports overlap the program's instead of following them.
    """
    pack = policy_client.launch_pack(project_dir)  # looked up here: tests may hand the CLI a running pack
    try:
        return [run_stack(stack, pack, project_dir) for stack in stacks]
    finally:
        pack.close()


def _policy_config(stack: str, project_dir: Path) -> tuple[str, dict[str, Any]]:
    path = config_file(stack, project_dir)
    if not path.exists():
        return "(none: the pack's default levels)", {}
    # The project's own pack names its file as the user wrote it; the shipped pack says it is the shipped one.
    own = path.is_relative_to(project_dir)
    name = str(path.relative_to(project_dir)) if own else f"shipped {path.parent.name}/{path.name}"
    return name, load_stack_config(stack, project_dir)
