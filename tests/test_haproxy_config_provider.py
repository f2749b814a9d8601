"""The HAProxy config dynamic resource over the engine's real gRPC protocol: create, refresh, drift, delete.

The engine runs a dynamic resource's provider as `python -m pulumi.dynamic` in the
project directory and talks to it over gRPC (Create, Read, Diff, Update, Delete), with
the pickled provider in every request's `__provider` property. This test starts that
same server and makes those calls with the SDK's own stubs, so what `pulumi refresh`
and `pulumi up` would do to the config file is observed end to end. The docker CLI is
a stand-in that reports no router running (nothing to check or signal).
"""

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import grpc
import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from components.docker.config_resource import TYPE_TOKEN, _HaproxyConfigProvider

PROJECT_DIR = Path(__file__).resolve().parent.parent
URN = f"urn:pulumi:local::bluegreen::{TYPE_TOKEN}::web-haproxy-config"
CONFIG = "global\n    master-worker\n"


@contextmanager
def provider_server(env: dict[str, str]) -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
    """`python -m pulumi.dynamic` in the project directory, as the engine starts it, with `env` added."""
    server = subprocess.Popen(
        [sys.executable, "-m", "pulumi.dynamic"], cwd=PROJECT_DIR, stdout=subprocess.PIPE, env={**os.environ, **env}
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield provider_pb2_grpc.ResourceProviderStub(channel)
    finally:
        server.kill()
        server.wait()


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
    """One provider server for the module, as the engine keeps one for a whole update."""
    bin_dir = tmp_path_factory.mktemp("bin")
    docker = bin_dir / "docker"
    docker.write_text(f"#!{sys.executable}\nimport sys\nprint('false' if sys.argv[1] == 'inspect' else '')\n")
    docker.chmod(0o755)
    with provider_server({"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}) as stub:
        yield stub


def props(config_path: Path, config: str = CONFIG) -> dict[str, Any]:
    return {
        "__provider": serialize_provider(_HaproxyConfigProvider()),
        "configPath": str(config_path),
        "config": config,
        "container": "web-haproxy",
    }


def wire(values: dict[str, Any]) -> Any:
    # A private loop, as the SDK's provider server does: asyncio.run would leave the main
    # thread without a current loop, which later tests running Pulumi mocks rely on.
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(values, {}))
    finally:
        loop.close()


def plain(struct: Any) -> dict[str, Any]:
    return rpc.deserialize_properties(struct)


def test_refresh_sees_an_edited_file_and_the_next_up_rewrites_it(
    provider: provider_pb2_grpc.ResourceProviderStub, private_tmp: Path
) -> None:
    path = private_tmp / "router" / "haproxy.cfg"
    inputs = props(path)
    created = provider.Create(provider_pb2.CreateRequest(urn=URN, properties=wire(inputs)))
    assert created.id == str(path)
    assert path.read_text() == CONFIG
    state = plain(created.properties)

    # Unchanged on disk: refresh reports the same text, and `up` has nothing to do.
    read = provider.Read(provider_pb2.ReadRequest(id=created.id, urn=URN, properties=wire(state)))
    assert read.id == created.id and plain(read.properties)["config"] == CONFIG
    diff = provider.Diff(provider_pb2.DiffRequest(id=created.id, urn=URN, olds=read.properties, news=wire(inputs)))
    assert diff.changes == provider_pb2.DiffResponse.DIFF_NONE

    # Edited by hand: refresh reports what is on disk, so `up` sees a change and rewrites the file.
    path.write_text(CONFIG + "    # edited\n")
    read = provider.Read(provider_pb2.ReadRequest(id=created.id, urn=URN, properties=wire(state)))
    refreshed = plain(read.properties)
    assert refreshed["config"] == CONFIG + "    # edited\n"
    diff = provider.Diff(provider_pb2.DiffRequest(id=created.id, urn=URN, olds=read.properties, news=wire(inputs)))
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert list(diff.replaces) == []
    provider.Update(provider_pb2.UpdateRequest(id=created.id, urn=URN, olds=read.properties, news=wire(inputs)))
    assert path.read_text() == CONFIG


def test_refresh_sees_a_deleted_file_as_gone_and_the_next_up_creates_it_again(
    provider: provider_pb2_grpc.ResourceProviderStub, private_tmp: Path
) -> None:
    path = private_tmp / "router" / "haproxy.cfg"
    created = provider.Create(provider_pb2.CreateRequest(urn=URN, properties=wire(props(path))))
    path.unlink()
    read = provider.Read(provider_pb2.ReadRequest(id=created.id, urn=URN, properties=created.properties))
    # An empty ID is how a provider tells the engine the resource no longer exists.
    assert read.id == ""
    again = provider.Create(provider_pb2.CreateRequest(urn=URN, properties=wire(props(path))))
    assert again.id == str(path) and path.read_text() == CONFIG


def test_delete_removes_the_config_its_saved_state_and_the_directory_it_made(
    provider: provider_pb2_grpc.ResourceProviderStub, private_tmp: Path
) -> None:
    path = private_tmp / "router" / "haproxy.cfg"
    created = provider.Create(provider_pb2.CreateRequest(urn=URN, properties=wire(props(path))))
    assert plain(created.properties)["createdDir"] is True
    # What reloads leave next to it: the saved server state (and a stage of it, if one was interrupted).
    path.with_name("server-state").write_text("1\n")
    path.with_name("server-state.next").write_text("1\n")
    provider.Delete(provider_pb2.DeleteRequest(id=created.id, urn=URN, properties=created.properties))
    assert not path.parent.exists()


def test_delete_leaves_a_directory_it_did_not_make_and_files_it_did_not_write(
    provider: provider_pb2_grpc.ResourceProviderStub, private_tmp: Path
) -> None:
    mine = private_tmp / "shared"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    path = mine / "haproxy.cfg"
    created = provider.Create(provider_pb2.CreateRequest(urn=URN, properties=wire(props(path))))
    assert plain(created.properties)["createdDir"] is False
    provider.Delete(provider_pb2.DeleteRequest(id=created.id, urn=URN, properties=created.properties))
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]
