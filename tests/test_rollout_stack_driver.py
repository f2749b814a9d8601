"""The Automation API driver's wiring, on a stand-in for `pulumi.automation.Stack` (no Pulumi CLI here)."""

import json
import os

import pulumi.automation as auto
import pytest
from pulumi.automation import CommandResult

from bluegreen.local_stack import TOOLS_DIR_ENV
from bluegreen.pulumi_install import install
from bluegreen.stack_driver import AutomationDriver, StackError, StackNotFoundError, UpdateFailedError
from bluegreen.stack_files import PROJECT_DIR
from tests.pulumi_releases import FAKE_PULUMI, release, serving


class FakeStack:
    name = "dev"

    def __init__(self, fail_up: bool = False):
        self.set_calls: list[tuple[str, str, bool, bool]] = []
        self.fail_up = fail_up
        self.up_kwargs: dict = {}

    def get_all_config(self):
        # `pulumi config --json` gives structured values as JSON text.
        return {
            "aws:region": auto.ConfigValue("us-east-1"),
            "bluegreen:traffic": auto.ConfigValue(json.dumps({"blue": 100, "green": 0})),
            "bluegreen:platform": auto.ConfigValue("aws"),
        }

    def set_all_config(self, config, *, path=False):
        self.set_calls.append([(key, value.value, value.secret, path) for key, value in config.items()])

    def up(self, **kwargs):
        self.up_kwargs = kwargs
        kwargs["on_output"]("Updating (dev)")
        if self.fail_up:
            raise auto.CommandError(CommandResult(stdout="", stderr="error: update failed", code=255))
        return auto.UpResult("", "", None, {"liveColor": auto.OutputValue("green", False)})

    def outputs(self):
        return {"url": auto.OutputValue("http://alb", False)}


def test_config_comes_back_as_the_stack_file_holds_it():
    assert AutomationDriver(FakeStack()).config() == {
        "aws:region": "us-east-1",
        "bluegreen:traffic": {"blue": 100, "green": 0},
        "bluegreen:platform": "aws",
    }


def test_both_weights_are_one_plaintext_path_write():
    stack = FakeStack()
    driver = AutomationDriver(stack)

    driver.set_config_paths({"bluegreen:traffic.green": 10, "bluegreen:traffic.blue": 90})

    # One `pulumi config set-all --path` call; --path turns "10" into the number 10.
    assert stack.set_calls == [
        [("bluegreen:traffic.green", "10", False, True), ("bluegreen:traffic.blue", "90", False, True)],
    ]


def test_the_lock_tag_goes_through_the_stacks_tags():
    class TaggedStack(FakeStack):
        def __init__(self):
            super().__init__()
            self.stack_tags = {}

        def list_tags(self):
            return dict(self.stack_tags)

        def set_tag(self, key, value):
            self.stack_tags[key] = value

        def remove_tag(self, key):
            del self.stack_tags[key]

    from bluegreen.stack_lock import acquire, current_lock, release

    stack = TaggedStack()
    driver = AutomationDriver(stack)
    lock = acquire(driver, "bluegreen release --stack dev")

    assert current_lock(driver) == lock
    assert '"command":"bluegreen release --stack dev"' in stack.stack_tags["bluegreen-lock"]
    release(driver, lock)
    assert stack.stack_tags == {}


def test_up_streams_output_and_returns_plain_outputs():
    stack = FakeStack()
    lines = []

    assert AutomationDriver(stack).up(lines.append) == {"liveColor": "green"}
    assert lines == ["Updating (dev)"]
    assert AutomationDriver(stack).outputs() == {"url": "http://alb"}


def test_a_failed_up_becomes_update_failed_with_the_cli_message():
    with pytest.raises(UpdateFailedError, match=r"(?s)pulumi up failed on stack 'dev'.*error: update failed"):
        AutomationDriver(FakeStack(fail_up=True)).up(lambda line: None)


@pytest.fixture
def pulumi_on_path(monkeypatch, tmp_path):
    """A stand-in `pulumi` (it answers `version`) in an absolute directory on PATH."""
    bin_dir = tmp_path / "path-bin"
    bin_dir.mkdir()
    (bin_dir / "pulumi").write_text(FAKE_PULUMI)
    (bin_dir / "pulumi").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin")
    return bin_dir / "pulumi"


def test_select_uses_the_project_directory(monkeypatch, pulumi_on_path):
    seen = {}

    def select_stack(**kwargs):
        seen.update(kwargs)
        return FakeStack()

    monkeypatch.setattr(auto, "select_stack", select_stack)

    assert AutomationDriver.select("dev").name == "dev"
    assert (seen["stack_name"], seen["work_dir"]) == ("dev", str(PROJECT_DIR))
    # Cloud stacks use whatever backend the user is logged in to; the CLI gets PATH without relative entries.
    assert seen["opts"].env_vars == {"PATH": os.environ["PATH"]}
    assert seen["opts"].pulumi_command.command == str(pulumi_on_path)


def test_the_local_stack_is_reached_where_make_up_put_it(monkeypatch, pulumi_on_path):
    seen = {}

    def select_stack(**kwargs):
        seen.update(kwargs)
        return FakeStack()

    monkeypatch.setattr(auto, "select_stack", select_stack)
    monkeypatch.delenv("PULUMI_BACKEND_URL", raising=False)
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE", raising=False)
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE_FILE", raising=False)

    AutomationDriver.select("local")
    env_vars = seen["opts"].env_vars
    assert env_vars["PULUMI_BACKEND_URL"] == (PROJECT_DIR / ".pulumi-state").as_uri()
    assert env_vars["PULUMI_CONFIG_PASSPHRASE"] == ""


def test_a_missing_stack_says_how_to_create_it(monkeypatch, pulumi_on_path):
    def select_stack(**kwargs):
        raise auto.StackNotFoundError(CommandResult(stdout="", stderr="no stack named 'qa'", code=255))

    monkeypatch.setattr(auto, "select_stack", select_stack)

    with pytest.raises(StackNotFoundError, match="pulumi stack init qa"):
        AutomationDriver.select("qa")


def test_no_pulumi_cli_is_a_plain_error(monkeypatch, pulumi_on_path):
    def select_stack(**kwargs):
        raise FileNotFoundError(2, "No such file or directory", "pulumi")

    monkeypatch.setattr(auto, "select_stack", select_stack)

    with pytest.raises(StackError, match="Pulumi CLI is not installed"):
        AutomationDriver.select("dev")


def test_a_cli_failure_while_reading_config_is_a_plain_stack_error():
    stack = FakeStack()

    def broken():
        raise auto.CommandError(CommandResult(stdout="", stderr="error: passphrase must be set", code=255))

    stack.get_all_config = broken

    with pytest.raises(StackError, match=r"(?s)could not read the config of stack 'dev'.*passphrase must be set"):
        AutomationDriver(stack).config()


def test_without_pulumi_on_path_the_cli_make_up_installed_is_used(monkeypatch, tmp_path):
    seen = {}

    def select_stack(**kwargs):
        seen.update(kwargs)
        return FakeStack()

    tools = tmp_path / ".tools"
    with serving(release()) as server:
        bin_dir = install(tools, base_url=server.url, system="Linux", machine="x86_64", say=lambda line: None)
    monkeypatch.setattr(auto, "select_stack", select_stack)
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setenv(TOOLS_DIR_ENV, str(tools))

    AutomationDriver.select("dev")

    assert seen["opts"].pulumi_command.command == str(bin_dir / "pulumi")
    assert seen["opts"].env_vars["PATH"] == f"{bin_dir}{os.pathsep}/nonexistent"


def test_history_asks_without_secrets_and_keeps_the_clis_json_shape():
    from datetime import datetime

    from pulumi.automation import UpdateSummary

    class HistoryStack(FakeStack):
        def history(self, page_size=None, page=None, show_secrets=True):
            self.show_secrets = show_secrets
            return [
                UpdateSummary(
                    kind="update", start_time=datetime(2026, 12, 4, 9, 30), message="bluegreen release x, step 1/2: "
                    "blue 100 green 0", environment={}, config={}, result="succeeded",
                    end_time=datetime(2026, 12, 4, 9, 31, 45, 500000), version=7, resource_changes={"update": 1},
                )
            ]

    stack = HistoryStack()
    found = AutomationDriver(stack).history()

    assert stack.show_secrets is False  # history config may hold secrets: never decrypted for a listing
    assert found == [
        {
            "version": 7,
            "kind": "update",
            "message": "bluegreen release x, step 1/2: blue 100 green 0",
            "result": "succeeded",
            "startTime": "2026-12-04T09:30:00.000000Z",
            "endTime": "2026-12-04T09:31:45.500000Z",
        }
    ]
