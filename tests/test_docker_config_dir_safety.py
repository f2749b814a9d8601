"""`bluegreen:docker.configDir` is a directory only its owner can change, judged when the config is read and
again by the provider just before it writes (the default directory too).

Before, `/tmp/…`, `/var/tmp/…`, `/run/user/…`, `~/.ssh` and `~/.aws` were all accepted: another user could
create the directory first or swap what is in it, and `pulumi destroy` removes what it wrote in a
credential directory.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from pulumi.runtime.proto import provider_pb2

from components.config_dir_safety import unsafe_reason
from tests.conftest import config_error, run_config, stack_config
from tests.test_haproxy_config_provider import URN, props, wire
from tests.test_haproxy_config_provider import provider as provider  # the module-scoped fixture, by name

KEY = "bluegreen:docker.configDir"


def local(config_dir: str | None = None) -> dict[str, Any]:
    overrides = {} if config_dir is None else {"bluegreen:docker": {"configDir": config_dir}}
    return stack_config("local", overrides)


@pytest.fixture
def world_writable(private_tmp: Path) -> Iterator[Path]:
    """A directory anyone may write to (mode 1777, as /tmp), inside a private one (not below /tmp itself)."""
    shared = private_tmp / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    yield shared
    shared.chmod(0o700)


@pytest.mark.parametrize(
    ("config_dir", "rule"),
    [
        ("/tmp/bluegreen-web", "is under /tmp, a temporary or runtime tree shared with other users"),
        ("/var/tmp/bluegreen", "is under /var/tmp"),
        ("/dev/shm/bluegreen", "is a system or home directory"),
        ("/run/user/1000/bluegreen", "is under /run"),
        (str(Path.home() / ".ssh"), f"is under {Path.home() / '.ssh'}, a home dot-directory"),
        (str(Path.home() / ".aws" / "bluegreen"), f"is under {Path.home() / '.aws'}, a home dot-directory"),
        (str(Path.home() / ".config" / "bluegreen"), f"is under {Path.home() / '.config'}, a home dot-directory"),
    ],
    ids=["tmp", "var-tmp", "dev-shm", "run-user", "ssh", "aws", "config"],
)
def test_shared_and_credential_directories_are_refused_naming_the_key(config_dir: str, rule: str) -> None:
    message = config_error(local(config_dir), stack="local")

    assert f"{KEY} = {config_dir!r} is invalid:" in message
    assert rule in message


def test_anything_below_a_world_writable_directory_is_refused_sticky_bit_or_not(world_writable: Path) -> None:
    for mode in (0o1777, 0o777):
        world_writable.chmod(mode)
        config_dir = world_writable / "mine" / "haproxy"  # not made yet: the directory above decides

        message = config_error(local(str(config_dir)), stack="local")

        # (In a checkout below /tmp the config rule names /tmp first; the provider's rule, which judges
        # directories as they are, names the world-writable one.)
        assert f"{KEY} = {str(config_dir)!r} is invalid: cannot hold the router config: " in message
        reason = unsafe_reason(config_dir, named_trees=False)
        replaceable = "so another user can replace what is in it"
        assert reason == f"{world_writable} is world-writable (mode {mode:o}), {replaceable}"


def test_a_link_into_a_shared_tree_is_judged_where_it_leads(tmp_path: Path) -> None:
    link = tmp_path / "haproxy"
    link.symlink_to("/var/tmp")

    assert "is under /var/tmp" in config_error(local(str(link)), stack="local")


def test_the_default_config_dir_of_the_local_stack_passes() -> None:
    run = run_config(local(), stack="local")

    config = next(r for r in run.resources.values() if r.type.endswith("HaproxyConfig"))
    assert config.inputs["configPath"] == str(Path.cwd() / ".bluegreen" / "local-web" / "haproxy.cfg")


def test_the_provider_refuses_to_write_below_a_world_writable_directory(provider: Any, world_writable: Path) -> None:
    """The provider judges the directory it writes to, the default under the project included (the config
    rule sees only an explicit configDir), and the directories may have changed since the preview."""
    path = world_writable / "router" / "haproxy.cfg"

    with pytest.raises(grpc.RpcError, match=r"refusing to write the router config in .*world-writable"):
        provider.Create(provider_pb2.CreateRequest(urn=URN, properties=wire(props(path))))

    assert not path.parent.exists()


def test_the_suites_private_directories_may_hold_the_router_config(private_tmp: Path, tmp_path: Path) -> None:
    """Tests that write router configs through the provider use private_tmp (tests/conftest.py): tmp_path is
    below /tmp, which the rule refuses."""
    assert unsafe_reason(private_tmp, named_trees=False) is None  # what the provider judges at the write
    assert unsafe_reason(tmp_path) is not None


def test_a_private_directory_of_yours_in_a_sticky_shared_tree_may_hold_the_default_config(
    world_writable: Path,
) -> None:
    """A checkout cloned into `mktemp -d` under /tmp deploys (found when a fresh clone under /tmp failed 11
    tests): the sticky bit keeps others from replacing a directory that is already yours."""
    world_writable.chmod(0o1777)
    mine = world_writable / "ci.checkout"
    mine.mkdir(mode=0o700)
    project_default = mine / ".bluegreen" / "local-web"

    assert unsafe_reason(project_default, named_trees=False) is None
    world_writable.chmod(0o777)  # no sticky bit: another user may rename `ci.checkout` away and put theirs
    assert "world-writable (mode 777)" in (unsafe_reason(project_default, named_trees=False) or "")
    world_writable.chmod(0o1777)
    assert "is world-writable" in (unsafe_reason(world_writable / "not-made-yet", named_trees=False) or "")
