"""A stand-in for Pulumi's GitHub releases on loopback: a fake CLI archive and its checksums file.

The layout is the real one (`/v<version>/pulumi-v<version>-<os>-<arch>.tar.gz` and
`/v<version>/pulumi-<version>-checksums.txt`); the archive holds `pulumi/pulumi`, a
script, instead of the real 100 MB of binaries.
"""

import hashlib
import io
import socket
import tarfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from bluegreen.pulumi_install import PULUMI_VERSION, archive_name, checksums_name
from tests.loopback_http import QuietHandler, loopback_server

FAKE_PULUMI = "#!/bin/sh\necho v" + PULUMI_VERSION + "\n"


def tar_gz(files: dict[str, str], mode: int = 0o755) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), mode
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def checksums(files: dict[str, bytes]) -> bytes:
    """goreleaser's checksums file: "<sha256>  <name>" per line."""
    return "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in files.items()).encode()


def release(
    archive: bytes | None = None, os_name: str = "linux", arch: str = "x64", sums: bytes | None = None
) -> dict[str, bytes]:
    """The files of one release, by URL path; by default a good linux-x64 archive and its true checksum."""
    name = archive_name(PULUMI_VERSION, os_name, arch)
    if archive is None:
        archive = tar_gz({"pulumi/pulumi": FAKE_PULUMI, "pulumi/pulumi-language-python": FAKE_PULUMI})
    prefix = f"/v{PULUMI_VERSION}/"
    return {
        prefix + name: archive,
        prefix + checksums_name(PULUMI_VERSION): sums if sums is not None else checksums({name: archive}),
    }


@dataclass
class ReleaseServer:
    files: dict[str, bytes]
    url: str = ""
    requests: list[str] = field(default_factory=list)


@contextmanager
def serving(files: dict[str, bytes]) -> Iterator[ReleaseServer]:
    """Serve `files` on 127.0.0.1 (an ephemeral port) until the block ends; 404 for anything else."""
    served = ReleaseServer(files)

    class Handler(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server calls it by this name
            served.requests.append(self.path)
            body = served.files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.reply(200, body)

    with loopback_server(Handler) as server:
        served.url = f"http://127.0.0.1:{server.server_address[1]}"
        yield served


def closed_port_url() -> str:
    """A loopback URL nothing listens on: what no network looks like to the installer."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
