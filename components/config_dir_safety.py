"""Where the local router's config directory may live: a directory only its owner can change.

`pulumi up` writes haproxy.cfg there and the router container reads it through a bind mount, so
whoever can change that directory, or any directory above it, can change the router's config or
swap the directory for a link to somewhere else. Refused, whatever the file modes inside:

- a world-writable directory anywhere on the path, sticky bit or not (`/tmp`, `/var/tmp`,
  `/dev/shm`): another user can create the name first, or fill a directory the program has not
  made yet;
- the shared temporary and runtime trees themselves, even where they do not exist on this machine
  (`/tmp`, `/var/tmp`, `/dev/shm`, `/run`, `/var/run`, and their macOS `/private` spellings);
- a home dot-directory (`~/.ssh`, `~/.aws`, `~/.config`, `~/.docker`...): credentials and tool
  config live there, and `pulumi destroy` removes what it wrote in the directory.

The check runs when the config is read (an explicit `configDir`, named in the message) and again in
the provider just before each write, on the directory actually used (the default under the project
included): the machine that writes is the one whose directories matter, and an offline check of the
same stack elsewhere (CI, `bluegreen check`) judges the config, not its own checkout.
"""

import stat
from pathlib import Path

SHARED_TREES = tuple(
    Path(p) for p in ("/tmp", "/var/tmp", "/dev/shm", "/run", "/var/run", "/private/tmp", "/private/var/tmp")
)
"""Trees other users (or the system's services) write to: no config directory belongs at any depth."""


def unsafe_reason(path: Path, home: Path | None = None) -> str | None:
    """Why `path` may not hold the router's config, or None when it may. `path` is resolved first."""
    resolved = path.resolve(strict=False)
    for tree in SHARED_TREES:
        if resolved.is_relative_to(tree):
            return f"{resolved} is under {tree}, a temporary or runtime tree shared with other users and services"
    if home is None:
        try:
            home = Path.home()
        except RuntimeError:  # no HOME and no passwd entry: no home directory to protect
            home = None
    if home is not None and resolved.is_relative_to(home) and resolved != home:
        first = resolved.relative_to(home).parts[0]
        if first.startswith("."):
            return f"{resolved} is under {home / first}, a home dot-directory (credentials and tool config live there)"
    for directory in (resolved, *resolved.parents):
        try:
            mode = directory.lstat().st_mode
        except FileNotFoundError:
            continue  # not made yet: the directories above it decide
        if stat.S_ISDIR(mode) and mode & stat.S_IWOTH:
            mode_text = f"{stat.S_IMODE(mode):o}"
            return f"{directory} is world-writable (mode {mode_text}), so another user can replace what is in it"
    return None


def refuse_unsafe(path: Path) -> None:
    """Raise PermissionError naming the reason when `path` may not hold the router's config."""
    reason = unsafe_reason(path)
    if reason is not None:
        raise PermissionError(f"refusing to write the router config in {path}: {reason}")
