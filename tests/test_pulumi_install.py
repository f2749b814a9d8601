"""The Pulumi CLI installer behind `make up`, against a loopback stand-in for Pulumi's releases."""

import os
import subprocess
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from packaging.version import Version

from bluegreen.pulumi_install import (
    PULUMI_VERSION,
    RELEASES_URL,
    InstallError,
    archive_name,
    checksums_name,
    install,
    installed,
    parse_checksums,
)
from tests.pulumi_releases import FAKE_PULUMI, checksums, closed_port_url, release, serving, tar_gz, zipped

ROOT = Path(__file__).resolve().parent.parent
SAID: list[str] = []


def install_from(url: str, tools: Path, system: str = "Linux", machine: str = "x86_64") -> Path:
    return install(tools, base_url=url, system=system, machine=machine, say=SAID.append)


def left_in(tools: Path) -> list[str]:
    return sorted(p.name for p in tools.iterdir()) if tools.exists() else []


def test_the_real_release_layout() -> None:
    # pulumi/pulumi's .goreleaser.yml: archive `pulumi-{Tag}-{os}-{x64|arm64}`, `pulumi-{Version}-checksums.txt`.
    assert RELEASES_URL == "https://github.com/pulumi/pulumi/releases/download"
    assert archive_name("3.272.0", "linux", "x64") == "pulumi-v3.272.0-linux-x64.tar.gz"
    assert archive_name("3.272.0", "darwin", "arm64") == "pulumi-v3.272.0-darwin-arm64.tar.gz"
    assert archive_name("3.272.0", "windows", "x64") == "pulumi-v3.272.0-windows-x64.zip"
    assert checksums_name("3.272.0") == "pulumi-3.272.0-checksums.txt"


def test_the_pinned_cli_is_at_least_the_locked_sdk() -> None:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    [sdk] = [p["version"] for p in lock["package"] if p["name"] == "pulumi"]
    assert Version(PULUMI_VERSION) >= Version(sdk), f"uv.lock has pulumi {sdk}: raise PULUMI_VERSION to match"


def test_it_installs_the_verified_archive_and_the_cli_runs(tmp_path: Path) -> None:
    tools = tmp_path / ".tools"
    with serving(release()) as server:
        found = install_from(server.url, tools)

    assert found == tools / f"pulumi-v{PULUMI_VERSION}" / "bin"
    assert subprocess.run([found / "pulumi"], capture_output=True, text=True, check=True).stdout.strip() == (
        f"v{PULUMI_VERSION}"
    )
    assert os.access(found / "pulumi-language-python", os.X_OK)
    assert installed(tools, system="Linux") == found
    # The checksums file first, then the archive; nothing staged is left beside the install.
    assert server.requests == [
        f"/v{PULUMI_VERSION}/pulumi-{PULUMI_VERSION}-checksums.txt",
        f"/v{PULUMI_VERSION}/pulumi-v{PULUMI_VERSION}-linux-x64.tar.gz",
    ]
    assert left_in(tools) == [f"pulumi-v{PULUMI_VERSION}"]


def test_a_checksum_mismatch_is_refused_and_nothing_is_left(tmp_path: Path) -> None:
    tools = tmp_path / ".tools"
    good = tar_gz({"pulumi/pulumi": FAKE_PULUMI})
    tampered = tar_gz({"pulumi/pulumi": "#!/bin/sh\necho pwned\n"})
    name = archive_name(PULUMI_VERSION, "linux", "x64")
    with serving(release(tampered, sums=checksums({name: good}))) as server, pytest.raises(InstallError) as error:
        install_from(server.url, tools)

    message = str(error.value)
    assert f"checksum mismatch for {name}" in message
    assert parse_checksums(checksums({name: good}).decode())[name] in message
    assert "Refusing to install it" in message
    assert left_in(tools) == [] and not tools.exists()


def test_an_archive_the_checksums_file_does_not_list_is_refused(tmp_path: Path) -> None:
    tools = tmp_path / ".tools"
    files = release(sums=checksums({"pulumi-v9.9.9-linux-x64.tar.gz": b"other"}))
    with serving(files) as server, pytest.raises(InstallError, match=r"lists no checksum for pulumi-v.*-linux-x64"):
        install_from(server.url, tools)
    assert left_in(tools) == []


def test_an_unknown_architecture_is_refused_before_any_download(tmp_path: Path) -> None:
    with serving(release()) as server, pytest.raises(InstallError) as error:
        install_from(server.url, tmp_path / ".tools", machine="riscv64")

    assert "Pulumi publishes no CLI build for this machine (Linux on riscv64)" in str(error.value)
    assert "arm64, x64" in str(error.value)
    assert "curl -fsSL https://get.pulumi.com | sh" in str(error.value)
    assert server.requests == [] and not (tmp_path / ".tools").exists()


def test_no_network_gives_a_clear_message_and_leaves_nothing(tmp_path: Path) -> None:
    url = closed_port_url()
    with pytest.raises(InstallError) as error:
        install_from(url, tmp_path / ".tools")

    message = str(error.value)
    assert f"cannot download {url}/v{PULUMI_VERSION}/pulumi-{PULUMI_VERSION}-checksums.txt" in message
    assert "Connection refused" in message and "(no network, or a proxy in the way?)" in message
    assert "https://www.pulumi.com/docs/iac/download-install/" in message
    assert not (tmp_path / ".tools").exists()


def test_a_missing_release_says_which_url_answered_404(tmp_path: Path) -> None:
    with serving({}) as server, pytest.raises(InstallError, match=r"checksums.txt: HTTP 404"):
        install_from(server.url, tmp_path / ".tools")


def test_an_archive_reaching_outside_its_directory_is_refused(tmp_path: Path) -> None:
    tools = tmp_path / "deep" / ".tools"
    hostile = tar_gz({"pulumi/pulumi": FAKE_PULUMI, "pulumi/../../../escaped": "x"})
    with serving(release(hostile)) as server, pytest.raises(InstallError, match="entries outside pulumi/"):
        install_from(server.url, tools)
    assert not (tmp_path / "escaped").exists() and not (tmp_path / "deep" / "escaped").exists()
    assert not tools.exists()


def test_an_archive_without_the_cli_is_refused(tmp_path: Path) -> None:
    no_cli = release(tar_gz({"pulumi/README": "no binary"}))
    with serving(no_cli) as server, pytest.raises(InstallError, match="holds no pulumi executable"):
        install_from(server.url, tmp_path / ".tools")
    assert not (tmp_path / ".tools").exists()


def test_windows_gets_the_zip_and_its_bin_directory(tmp_path: Path) -> None:
    tools = tmp_path / ".tools"
    archive = zipped({"pulumi/bin/pulumi.exe": "MZ", "pulumi/bin/pulumi-language-python.exe": "MZ"})
    with serving(release(archive, os_name="windows", arch="x64")) as server:
        found = install_from(server.url, tools, system="Windows", machine="AMD64")
    assert found == tools / f"pulumi-v{PULUMI_VERSION}" / "bin"
    assert (found / "pulumi.exe").read_text() == "MZ"


def test_an_interrupted_earlier_install_is_replaced(tmp_path: Path) -> None:
    tools = tmp_path / ".tools"
    (tools / f"pulumi-v{PULUMI_VERSION}" / "bin").mkdir(parents=True)  # no executable: not complete
    assert installed(tools, system="Linux") is None
    with serving(release()) as server:
        found = install_from(server.url, tools)
    assert (found / "pulumi").read_text() == FAKE_PULUMI


def test_checksums_lines_in_either_sha256sum_mode_are_read() -> None:
    digest = "ab" * 32
    text = f"{digest}  pulumi-v1-linux-x64.tar.gz\n{digest.upper()} *pulumi-v1-darwin-x64.tar.gz\n\nnot a line\n"
    assert parse_checksums(text) == {"pulumi-v1-linux-x64.tar.gz": digest, "pulumi-v1-darwin-x64.tar.gz": digest}


def test_an_interrupt_mid_install_leaves_nothing(tmp_path: Path) -> None:
    tools = tmp_path / ".tools"

    def interrupted(line: str) -> None:
        if line.startswith("Verified"):
            raise KeyboardInterrupt

    with serving(release()) as server, pytest.raises(KeyboardInterrupt):
        install(tools, base_url=server.url, system="Linux", machine="x86_64", say=interrupted)
    assert not tools.exists()


def test_two_installs_at_once_both_end_with_one_working_cli(tmp_path: Path) -> None:
    tools = tmp_path / ".tools"
    with serving(release()) as server, ThreadPoolExecutor(2) as pool:
        found = list(pool.map(lambda _: install_from(server.url, tools), range(2)))
    assert found[0] == found[1] and (found[0] / "pulumi").read_text() == FAKE_PULUMI
    assert left_in(tools) == [f"pulumi-v{PULUMI_VERSION}"]
