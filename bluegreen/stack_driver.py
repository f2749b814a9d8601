"""The only way the CLI touches a stack: read config, set config paths, run `pulumi up`, read outputs, tags.

docs/design.md §7: traffic changes only through stack config plus an update,
so Pulumi state stays the only writer. Several paths change in one write
(`set_all_config(..., path=True)`: one `pulumi config set-all` call), so both
weights move together and no interrupt can leave a sum other than 100. Stack tags
hold the release lock (bluegreen/stack_lock.py). `StackDriver` is that narrow surface;
`AutomationDriver` implements it with the Pulumi Automation API (which drives the
Pulumi CLI), and `testkit.mock_driver` implements it in memory for tests.
"""

import json
import os
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from components.safe_text import remember_secrets, shown
from components.spec.secret_config import secret_values

from .local_stack import STACK as LOCAL_STACK
from .local_stack import local_backend_settings, tools_dir
from .project import find_project_dir, no_project_message
from .pulumi_binary import PulumiBinary, UntrustedPulumiError, find_pulumi
from .stack_files import PROJECT_DIR

OnOutput = Callable[[str], None]
PULUMI_MISSING = """\
the Pulumi CLI is not installed (no `pulumi` on PATH); install it, then run the command again:
  Linux/macOS:  curl -fsSL https://get.pulumi.com | sh
  macOS (brew): brew install pulumi/tap/pulumi
  Windows:      winget install pulumi
  Details:      https://www.pulumi.com/docs/iac/download-install/"""
ConfigScalar = str | int | bool


class StackError(Exception):
    """A stack operation failed; the message is meant for the operator as is."""


class StackNotFoundError(StackError):
    """The stack does not exist in the selected backend."""


class PulumiMissingError(StackError):
    """No Pulumi CLI on PATH: nothing else can work, so commands say it once and stop."""


class UpdateFailedError(StackError):
    """`pulumi up` did not finish; the stack may be partly updated."""


class StackDriver(Protocol):
    """What a rollout needs from one stack."""

    name: str

    def config(self) -> dict[str, Any]:
        """The config map as `Pulumi.<stack>.yaml` holds it: objects as dicts, secrets in plain text."""
        ...

    def set_config_paths(self, values: Mapping[str, ConfigScalar]) -> None:
        """Set every value in ONE write, like `pulumi config set-all --path --plaintext <path>=<value>...`."""
        ...

    def up(self, on_output: OnOutput, message: str | None = None) -> dict[str, Any]:
        """Run an update with the current config, streaming its output; return the new stack outputs.

        `message` is the update's message in `pulumi stack history` (`pulumi up --message`).
        """
        ...

    def outputs(self) -> dict[str, Any]:
        """Stack outputs of the last update (empty when the stack was never deployed)."""
        ...

    def tags(self) -> dict[str, str]:
        """The stack's tags (`pulumi stack tag ls`)."""
        ...

    def set_tag(self, key: str, value: str) -> None: ...

    def remove_tag(self, key: str) -> None: ...


def stack_environment(stack_name: str, environ: Mapping[str, str], project_dir: Path = PROJECT_DIR) -> dict[str, str]:
    """Extra variables the pulumi CLI needs for one stack: `local` lives where `make up` put it."""
    if stack_name == LOCAL_STACK:
        return local_backend_settings(environ, project_dir)
    return {}


def decode_config_value(value: str) -> Any:
    """`pulumi config --json` gives objects as JSON text in `value`; turn them back into dicts."""
    if value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def path_value_text(value: ConfigScalar) -> str:
    # `pulumi config set --path` stores "true"/"false" as booleans and integers as numbers,
    # so the text form is all it needs to keep the type.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class AutomationDriver:
    """A stack of this project, driven through `pulumi.automation` (needs the Pulumi CLI on PATH)."""

    def __init__(self, stack: Any):
        """`stack` is a `pulumi.automation.Stack`; use `AutomationDriver.select` to get one."""
        self._stack = stack
        self.name: str = stack.name

    @classmethod
    def select(cls, stack_name: str, work_dir: Path | None = None) -> "AutomationDriver":
        import pulumi.automation as auto

        # Per workspace, not per process: `promote --from local --to dev` needs the local
        # file backend for one stack and the user's own backend for the other.
        work_dir = work_dir or find_project_dir()
        if work_dir is None:
            raise StackError(no_project_message())
        env_vars = stack_environment(stack_name, os.environ, work_dir)
        # The CLI on PATH, or the one `make up` installed for this installation of bluegreen (never
        # the acted-on project's), re-verified first: see pulumi_binary.py.
        try:
            binary = find_pulumi(os.environ, tools_dir(os.environ, PROJECT_DIR))
        except UntrustedPulumiError as error:
            raise StackError(str(error)) from None
        if binary is None:
            raise PulumiMissingError(PULUMI_MISSING)
        # Its language hosts and plugins are looked up on PATH: without the working directory in it.
        env_vars["PATH"] = binary.path
        options = auto.LocalWorkspaceOptions(env_vars=env_vars, pulumi_command=_command(binary))
        try:
            stack = auto.select_stack(stack_name=stack_name, work_dir=str(work_dir), opts=options)
        except auto.StackNotFoundError:
            raise StackNotFoundError(
                f"stack {stack_name!r} does not exist in the current backend; "
                f"create it with `pulumi stack init {stack_name}` "
                "(run `pulumi login` first for a remote backend)"
            ) from None
        except FileNotFoundError:
            raise PulumiMissingError(PULUMI_MISSING) from None
        except auto.CommandError as error:
            raise StackError(f"cannot select stack {stack_name!r}: {_last_lines(error)}") from None
        except ValueError as error:
            raise StackError(_not_json(binary.executable, f"select stack {stack_name!r}", error)) from None
        return cls(stack)

    def config(self) -> dict[str, Any]:
        items = self._cli(lambda: self._stack.get_all_config(), "read the config of")
        config = {key: decode_config_value(item.value) for key, item in items.items()}
        for key, item in items.items():
            if item.secret:
                # Decrypted for the release (a hook's URL must work); never printed.
                remember_secrets(secret_values(key, config[key]))
        return config

    def set_config_paths(self, values: Mapping[str, ConfigScalar]) -> None:
        import pulumi.automation as auto

        config = {path: auto.ConfigValue(value=path_value_text(value)) for path, value in values.items()}
        what = f"set {', '.join(values)} on"
        self._cli(lambda: self._stack.set_all_config(config, path=True), what)

    def up(self, on_output: OnOutput, message: str | None = None) -> dict[str, Any]:
        import pulumi.automation as auto

        try:
            result = self._stack.up(on_output=on_output, message=message)
        except auto.CommandError as error:
            message = f"pulumi up failed on stack {self.name!r}:\n{_last_lines(error)}"
            raise UpdateFailedError(message) from None
        except ValueError as error:
            what = f"read the outcome of `pulumi up` on {self.name!r}"
            raise UpdateFailedError(_not_json("pulumi", what, error)) from None
        return {key: item.value for key, item in result.outputs.items()}

    def outputs(self) -> dict[str, Any]:
        outputs = self._cli(lambda: self._stack.outputs(), "read the outputs of")
        return {key: item.value for key, item in outputs.items()}

    def history(self) -> list[dict[str, Any]]:
        """`pulumi stack history --json` (secrets not shown), newest first, in the CLI's own JSON shape."""
        summaries = self._cli(lambda: self._stack.history(show_secrets=False), "read the history of")
        stamp = "%Y-%m-%dT%H:%M:%S.%fZ"
        return [
            {
                "version": summary.version,
                "kind": str(summary.kind.value if hasattr(summary.kind, "value") else summary.kind),
                "message": summary.message,
                "result": str(summary.result.value if hasattr(summary.result, "value") else summary.result),
                "startTime": summary.start_time.strftime(stamp),
                **({"endTime": summary.end_time.strftime(stamp)} if summary.end_time else {}),
            }
            for summary in summaries
        ]

    def tags(self) -> dict[str, str]:
        return dict(self._cli(lambda: self._stack.list_tags(), "read the tags of"))

    def set_tag(self, key: str, value: str) -> None:
        self._cli(lambda: self._stack.set_tag(key, value), f"set tag {key} on")

    def remove_tag(self, key: str) -> None:
        self._cli(lambda: self._stack.remove_tag(key), f"remove tag {key} from")

    def _cli(self, call: Callable[[], Any], what: str) -> Any:
        import pulumi.automation as auto

        try:
            return call()
        except auto.CommandError as error:
            raise StackError(f"could not {what} stack {self.name!r}: {_last_lines(error)}") from None
        except ValueError as error:
            # The Automation API parses the CLI's --json answers; anything else is not a Pulumi CLI we know.
            raise StackError(_not_json("pulumi", f"{what} stack {self.name!r}", error)) from None


def _last_lines(error: Exception, count: int = 8) -> str:
    lines = [line for line in shown(error).splitlines() if line.strip()]
    return "\n".join(lines[-count:])


def _not_json(executable: object, what: str, error: Exception) -> str:
    answer = shown(error, 200)
    return f"could not {what}: the Pulumi CLI ({executable}) answered with something other than JSON ({answer})"


def _command(binary: PulumiBinary) -> Any:
    """An Automation API PulumiCommand for exactly `binary`: never a `pulumi` looked up again on PATH."""
    import pulumi.automation as auto
    from semver import VersionInfo

    try:
        answer = subprocess.run(
            [str(binary.executable), "version"], capture_output=True, text=True, errors="replace", timeout=60,
            env={**os.environ, "PATH": binary.path, "PULUMI_SKIP_UPDATE_CHECK": "true"}, check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise StackError(f"cannot run the Pulumi CLI {binary.executable}: {shown(error)}") from None
    text = answer.stdout.strip().removeprefix("v")
    try:
        version = VersionInfo.parse(text)
    except ValueError:
        raise StackError(
            f"{binary.executable} answered `pulumi version` with {shown(text, 80)!r}, not a version: "
            "refusing to run it as the Pulumi CLI"
        ) from None

    class Resolved(auto.PulumiCommand):
        def __init__(self) -> None:  # no super().__init__: it would look `pulumi` up on PATH again
            self.command = str(binary.executable)
            self.version = version

    return Resolved()
