"""A StackDriver that keeps config in memory and runs the real `__main__.py` under Pulumi mocks on `up`.

It lets rollouts run end to end without the Pulumi CLI: a config the program
rejects fails here exactly like `pulumi up` would (same validation, same message),
and the outputs the program exports become the stack outputs.
"""

import copy
from collections.abc import Mapping
from typing import Any

from bluegreen.program_run import run_config
from bluegreen.stack_driver import ConfigScalar, OnOutput, UpdateFailedError
from bluegreen.stack_files import set_path
from components.safe_text import remember_secrets
from components.spec.secret_config import secret_values


class MockProgramDriver:
    """One stack held in memory; `updates` records the config of every successful `up`, in order."""

    def __init__(
        self,
        name: str,
        config: dict[str, Any],
        outputs: dict[str, Any] | None = None,
        secret_keys: list[str] | None = None,
    ):
        """`secret_keys`: config keys held as secrets (given here in plain text, as the Pulumi CLI decrypts them)."""
        self.name = name
        self.secret_keys = list(secret_keys or [])
        self._config = copy.deepcopy(config)
        self._outputs = dict(outputs or {})
        self.updates: list[dict[str, Any]] = []
        self.messages: list[str | None] = []
        """The message of every successful update (`pulumi stack history`)."""
        self.failed_updates = 0
        self._tags: dict[str, str] = {}

    @classmethod
    def deployed(cls, name: str, config: dict[str, Any], secret_keys: list[str] | None = None) -> "MockProgramDriver":
        """A stack whose config has already been applied once (so it has outputs)."""
        driver = cls(name, config, secret_keys=secret_keys)
        driver.up(lambda line: None)
        driver.updates.clear()
        driver.messages.clear()
        return driver

    def config(self) -> dict[str, Any]:
        for key in self.secret_keys:
            remember_secrets(secret_values(key, self._config.get(key)))  # as AutomationDriver does
        return copy.deepcopy(self._config)

    def set_config_paths(self, values: Mapping[str, ConfigScalar]) -> None:
        config = self._config
        for path, value in values.items():
            config = set_path(config, path, value)
        self._config = config  # one assignment: all the paths or none of them

    def set_config(self, path: str, value: ConfigScalar) -> None:
        """One path, as `pulumi config set --path` (what a person does by hand)."""
        self.set_config_paths({path: value})

    def tags(self) -> dict[str, str]:
        return dict(self._tags)

    def set_tag(self, key: str, value: str) -> None:
        self._tags[key] = value

    def remove_tag(self, key: str) -> None:
        self._tags.pop(key, None)

    def up(self, on_output: OnOutput, message: str | None = None) -> dict[str, Any]:
        try:
            run = run_config(self._config, stack=self.name, secret_keys=self.secret_keys)
        except Exception as error:
            self.failed_updates += 1
            raise UpdateFailedError(f"pulumi up failed on stack {self.name!r}: {error}") from None
        on_output(f"Updating ({self.name}): {len(run.resources)} resources under mocks")
        self._outputs = dict(run.outputs)
        self.updates.append(copy.deepcopy(self._config))
        self.messages.append(message)
        return dict(self._outputs)

    def outputs(self) -> dict[str, Any]:
        return dict(self._outputs)
