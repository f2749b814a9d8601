"""A stack kept in files, shared by several real processes: the stack file, the backend's outputs and tags.

`FileStackDriver` is a StackDriver whose config is `config.json` (what a
`Pulumi.<stack>.yaml` on one machine holds), and whose backend is `outputs.json`,
`tags.json` and `history.jsonl` (what Pulumi Cloud or an S3 backend holds). `up`
runs the real `__main__.py` under Pulumi's mocks, optionally after a delay so a
signal or SIGKILL can land "during the update"; the outputs change only when the
update completes, as the backend's checkpoint does. Every read-modify-write holds
an flock, as the backend serialises its own operations. A lost CI runner is the
config file reverted to its committed copy while the backend files stay.

`python -m testkit.file_stack DIR bluegreen-args...` runs the real CLI against
such a stack, with a health gate that passes exactly the images listed in
`DIR/healthy.json`, so tests can say which images are good.
"""

import copy
import fcntl
import json
import os
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bluegreen.health_gates import GateResult
from bluegreen.stack_driver import ConfigScalar, OnOutput, UpdateFailedError
from bluegreen.stack_files import set_path
from components.spec import BlueGreenSpec, Color

UP_SECONDS = "BLUEGREEN_FILE_STACK_UP_SECONDS"
"""Environment variable: how long each update takes before it completes (default 0)."""

LATER_IMPORTS = (
    "bluegreen.cli",
    "bluegreen.commands.recovery",
    "bluegreen.commands.release",
    "bluegreen.commands.running",
    "bluegreen.commands.status",
    "bluegreen.interrupts",
    "bluegreen.program_run",
    "bluegreen.release_session",
    "components.docker.service",
    "components.platforms",
    "components.rollout_strategy",
    "components.spec.engine_config",
)
"""What a command imports after start-up (the CLI, the engine, the program's docker component): a fork server
(testkit/fork_server.py) imports them once, before it forks each command's process."""


class FileStackDriver:
    def __init__(self, directory: Path, name: str = "local"):
        self.dir = Path(directory)
        self.name = name

    # -- the stack file ----------------------------------------------------------------------------

    def config(self) -> dict[str, Any]:
        return self._read("config.json", {})

    def set_config_paths(self, values: Mapping[str, ConfigScalar]) -> None:
        with self._locked():
            config = self.config()
            for path, value in values.items():
                config = set_path(config, path, value)
            self._write("config.json", config)

    # -- the backend -------------------------------------------------------------------------------

    def up(self, on_output: OnOutput, message: str | None = None) -> dict[str, Any]:
        from bluegreen.program_run import run_config

        config = self.config()
        delay = float(os.environ.get(UP_SECONDS, "0") or 0)
        if delay:
            time.sleep(delay)  # a SIGKILL here leaves the backend as it was, like a cut-off update
        try:
            run = run_config(config, stack=self.name)
        except Exception as error:
            raise UpdateFailedError(f"pulumi up failed on stack {self.name!r}: {error}") from None
        on_output(f"Updating ({self.name}): {len(run.resources)} resources under mocks")
        outputs = {k: v.replace("//localhost:", "//127.0.0.1:") if isinstance(v, str) else v
                   for k, v in run.outputs.items()}
        with self._locked():
            self._write("outputs.json", outputs)
            with (self.dir / "history.jsonl").open("a") as history:
                history.write(json.dumps({"message": message, "pid": os.getpid()}) + "\n")
        return copy.deepcopy(outputs)

    def outputs(self) -> dict[str, Any]:
        return self._read("outputs.json", {})

    def tags(self) -> dict[str, str]:
        return self._read("tags.json", {})

    def set_tag(self, key: str, value: str) -> None:
        with self._locked():
            self._write("tags.json", {**self.tags(), key: value})

    def remove_tag(self, key: str) -> None:
        with self._locked():
            tags = self.tags()
            tags.pop(key, None)
            self._write("tags.json", tags)

    # -- files -------------------------------------------------------------------------------------

    def _read(self, name: str, default: Any) -> Any:
        try:
            return json.loads((self.dir / name).read_text())
        except FileNotFoundError:
            return default

    def _write(self, name: str, value: Any) -> None:
        temporary = self.dir / f".{name}.{os.getpid()}"
        temporary.write_text(json.dumps(value, indent=1))
        os.replace(temporary, self.dir / name)  # readers see the old file or the new one, never half

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with (self.dir / ".lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


class ListedImagesGate:
    """Healthy exactly when the color's deployed image is listed in `healthy.json`."""

    name = "listed"

    def __init__(self, directory: Path):
        self.path = Path(directory) / "healthy.json"

    def check(self, color: Color, spec: BlueGreenSpec, outputs: dict[str, Any]) -> GateResult:
        image = (outputs.get("images") or {}).get(color)
        healthy = image in json.loads(self.path.read_text())
        return GateResult(self.name, color, healthy, f"{image} {'listed healthy' if healthy else 'not listed'}")


def main(argv: list[str]) -> None:
    from bluegreen.cli import app
    from bluegreen.cli_env import CliEnv
    from bluegreen.interrupts import command_owns_process

    command_owns_process()  # as the console script does: this process ends with the command

    directory = Path(argv[0])
    env = CliEnv(
        driver_for=lambda name: FileStackDriver(directory, name),
        gates=lambda spec, config, http: [ListedImagesGate(directory)],
        project_dir=Path(__file__).resolve().parent.parent,
    )
    app(argv[1:], obj=env, prog_name="bluegreen")


if __name__ == "__main__":
    main(sys.argv[1:])
