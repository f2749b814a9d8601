"""A pinned Pulumi CLI in the project's `.tools/`, for `make up` on a machine that has none.

Takes the release archive Pulumi publishes on GitHub for this OS and architecture,
checks it against the SHA-256 checksums file published with the same release, and
only then unpacks it. Nothing is left behind when any step fails. Standard library
only: it runs before anything else is installed.

The install records the SHA-256 of every file it unpacked (RECORD, beside `bin/`), and
`verify` checks them all again before each use (bluegreen/pulumi_binary.py): a binary
changed or added after the verified install is refused, not run with the release's credentials.

Release layout (pulumi/pulumi's goreleaser config):
  <base>/v<version>/pulumi-v<version>-<os>-<arch>.tar.gz   (.zip on Windows)
  <base>/v<version>/pulumi-<version>-checksums.txt         ("<sha256>  <file name>" lines)
with <os> linux | darwin | windows and <arch> x64 | arm64; the archive holds `pulumi/`
(`pulumi/bin/` on Windows) with the CLI and its language hosts.
"""

import hashlib
import http.client
import json
import os
import platform
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

# The CLI release matching the pulumi SDK in uv.lock (a CLI at least as new as the SDK is what Pulumi supports).
PULUMI_VERSION = "3.272.0"
RELEASES_URL = "https://github.com/pulumi/pulumi/releases/download"
# A mirror of the releases, with the same layout (and the loopback server in the tests).
RELEASES_URL_ENV = "BLUEGREEN_PULUMI_RELEASES_URL"
DOWNLOAD_TIMEOUT_SECONDS = 60.0
# The real archives are ~100 MB; a server sending far more is not sending Pulumi.
MAX_DOWNLOAD_BYTES = 1024 * 1024 * 1024
MAX_CHECKSUMS_BYTES = 1024 * 1024
_CHUNK = 1024 * 1024

RECORD = "bluegreen-sha256.json"
"""In the install directory: the archive it came from and the SHA-256 of every file unpacked from it."""

_SYSTEMS = {"linux": "linux", "darwin": "darwin", "windows": "windows"}
_MACHINES = {"x86_64": "x64", "amd64": "x64", "x64": "x64", "aarch64": "arm64", "arm64": "arm64"}

MANUAL_INSTALL = """\
Install the Pulumi CLI yourself instead, then run `make up` again:
  Linux/macOS:  curl -fsSL https://get.pulumi.com | sh
  macOS (brew): brew install pulumi/tap/pulumi
  Windows:      winget install pulumi
  Details:      https://www.pulumi.com/docs/iac/download-install/"""


class InstallError(RuntimeError):
    """The CLI could not be installed; the message says why and what to do. Nothing was left behind."""


def release_platform(system: str, machine: str) -> tuple[str, str]:
    """Pulumi's names for an OS and CPU as `platform.system()` / `platform.machine()` report them."""
    os_name, arch = _SYSTEMS.get(system.lower()), _MACHINES.get(machine.lower())
    if os_name is None or arch is None:
        raise InstallError(
            f"Pulumi publishes no CLI build for this machine ({system} on {machine}): "
            f"builds exist for {', '.join(sorted(set(_SYSTEMS.values())))} "
            f"on {', '.join(sorted(set(_MACHINES.values())))}.\n{MANUAL_INSTALL}"
        )
    return os_name, arch


def archive_name(version: str, os_name: str, arch: str) -> str:
    extension = "zip" if os_name == "windows" else "tar.gz"
    return f"pulumi-v{version}-{os_name}-{arch}.{extension}"


def checksums_name(version: str) -> str:
    return f"pulumi-{version}-checksums.txt"


def install_dir(tools_dir: Path, version: str = PULUMI_VERSION) -> Path:
    return tools_dir / f"pulumi-v{version}"


def _is_windows(system: str | None) -> bool:
    return (system or platform.system()).lower() == "windows"


def executable(root: Path, system: str | None = None) -> Path:
    """`<root>/bin/pulumi`: the layout of `~/.pulumi` and of the Automation API's `PulumiCommand(root=...)`."""
    return root / "bin" / ("pulumi.exe" if _is_windows(system) else "pulumi")


def installed(tools_dir: Path, version: str = PULUMI_VERSION, system: str | None = None) -> Path | None:
    """The directory holding `pulumi` (and its language hosts) from an earlier complete install."""
    found = executable(install_dir(tools_dir, version), system)
    return found.parent if found.is_file() else None


def parse_checksums(text: str) -> dict[str, str]:
    """`sha256sum` output: "<hex>  <name>" (or "<hex> *<name>" in binary mode), one file a line."""
    sums = {}
    for line in text.splitlines():
        digest, _, name = line.strip().partition(" ")
        name = name.strip().lstrip("*")
        if len(digest) == 64 and name:
            sums[name] = digest.lower()
    return sums


def install(
    tools_dir: Path,
    version: str = PULUMI_VERSION,
    base_url: str | None = None,
    system: str | None = None,
    machine: str | None = None,
    say: Callable[[str], None] = print,
) -> Path:
    """Download, verify and unpack the CLI into `tools_dir`; returns the directory holding `pulumi`."""
    system, machine = system or platform.system(), machine or platform.machine()
    os_name, arch = release_platform(system, machine)
    base = (base_url or os.environ.get(RELEASES_URL_ENV) or RELEASES_URL).rstrip("/")
    archive, sums = archive_name(version, os_name, arch), checksums_name(version)
    archive_url, sums_url = f"{base}/v{version}/{archive}", f"{base}/v{version}/{sums}"
    created = not tools_dir.exists()
    tools_dir.mkdir(parents=True, exist_ok=True)
    # Everything is staged in one directory beside the target, so a failure removes it whole
    # and success is one rename: an interrupted install never looks like a finished one.
    staging = Path(tempfile.mkdtemp(prefix=".pulumi-download-", dir=tools_dir))
    try:
        say(f"Installing the Pulumi CLI v{version} into {install_dir(tools_dir, version)} (from {archive_url})")
        sums_text = _download(sums_url, staging / sums, MAX_CHECKSUMS_BYTES).read_text(errors="replace")
        expected = parse_checksums(sums_text).get(archive)
        if expected is None:
            raise InstallError(f"{sums_url} lists no checksum for {archive}: refusing to install it unverified")
        actual = _sha256(_download(archive_url, staging / archive))
        if actual != expected:
            raise InstallError(
                f"checksum mismatch for {archive}: {sums} says sha256 {expected}, the download has {actual}. "
                "Refusing to install it (a corrupted or tampered download); nothing was kept."
            )
        say(f"Verified sha256 {actual} against {sums}")
        unpacked, root = staging / "unpacked", staging / "root"
        try:
            _unpack(staging / archive, unpacked)
        except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as error:
            raise InstallError(f"cannot unpack {archive}: {error}") from None
        if not (unpacked / "pulumi").is_dir():
            raise InstallError(f"{archive} has no pulumi/ directory: not a Pulumi CLI archive")
        # The archive's `pulumi/` holds the executables (Windows: `pulumi/bin/`); both become `<root>/bin`.
        if _is_windows(system):
            (unpacked / "pulumi").rename(root)
        else:
            root.mkdir()
            (unpacked / "pulumi").rename(root / "bin")
        if not executable(root, system).is_file():
            raise InstallError(f"{archive} holds no pulumi executable where Pulumi's archives keep it")
        record = {"archive": archive, "archiveSha256": actual, "files": _file_sums(root)}
        (root / RECORD).write_text(json.dumps(record, indent=2) + "\n")
        target = install_dir(tools_dir, version)
        if target.exists() and installed(tools_dir, version, system) is None:
            shutil.rmtree(target)  # an earlier, interrupted install
        try:
            root.rename(target)
        except OSError:
            # Another `make up` finished the same install first: theirs is as good as ours.
            if installed(tools_dir, version, system) is None:
                raise

    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if created and not any(tools_dir.iterdir()):
            tools_dir.rmdir()
    return executable(target, system).parent


def _file_sums(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): _sha256(path)
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.name != RECORD
    }


def verify(tools_dir: Path, version: str = PULUMI_VERSION) -> Path | None:
    """The pinned install's `bin/` after every file matched its recorded SHA-256; None when not installed.

    Raises InstallError when a file changed, appeared or went missing since the install, or
    when there is no record (an install made before records were kept, or not by this installer).
    """
    root = install_dir(tools_dir, version)
    if not root.exists():
        return None
    fix = f"Delete {root} and run `make up` again to reinstall it, or put a Pulumi CLI on PATH."
    try:
        recorded = json.loads((root / RECORD).read_text())["files"]
    except (OSError, ValueError, KeyError, TypeError):
        raise InstallError(
            f"refusing the Pulumi CLI in {root}: it has no readable record of its checksums. {fix}"
        ) from None
    found = set()
    for path in sorted(root.rglob("*")):
        if path.name == RECORD or path.is_dir():
            continue
        name = path.relative_to(root).as_posix()
        found.add(name)
        if path.is_symlink() or name not in recorded or _sha256(path) != recorded[name]:
            what = "was added" if name not in recorded else "changed"
            raise InstallError(f"refusing the Pulumi CLI in {root}: {name} {what} since it was installed. {fix}")
    gone = sorted(set(recorded) - found)
    if gone:
        raise InstallError(f"refusing the Pulumi CLI in {root}: {gone[0]} is missing. {fix}")
    return root / "bin"


def _download(url: str, into: Path, max_bytes: int = MAX_DOWNLOAD_BYTES) -> Path:
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response, into.open("wb") as out:
            size = 0
            while chunk := response.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise InstallError(f"{url} sent more than {max_bytes} bytes: not what Pulumi publishes there")
                out.write(chunk)
    except urllib.error.HTTPError as error:
        raise InstallError(f"cannot download {url}: HTTP {error.code} {error.reason}\n{MANUAL_INSTALL}") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        reason = getattr(error, "reason", error)
        raise InstallError(
            f"cannot download {url}: {reason} (no network, or a proxy in the way?)\n{MANUAL_INSTALL}"
        ) from None
    return into


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return not path.is_absolute() and ".." not in path.parts and path.parts[:1] == ("pulumi",)


def _unpack(archive: Path, into: Path) -> None:
    """Unpack only regular files and directories under `pulumi/`; anything else refuses the archive."""
    into.mkdir()
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zipped:
            bad = [name for name in zipped.namelist() if not _safe_member(name)]
            if bad:
                raise InstallError(f"{archive.name} has entries outside pulumi/: {bad[:3]}; refusing it")
            zipped.extractall(into)
        return
    with tarfile.open(archive, "r:gz") as tar:
        members = tar.getmembers()
        bad = [m.name for m in members if not (m.isfile() or m.isdir()) or not _safe_member(m.name)]
        if bad:
            raise InstallError(f"{archive.name} has entries outside pulumi/ or that are not files: {bad[:3]}")
        if hasattr(tarfile, "data_filter"):
            # Python 3.11.4+: keeps executable bits, drops setuid and the like.
            tar.extractall(into, members=members, filter="data")
        else:
            tar.extractall(into, members=members)  # every member was checked above
