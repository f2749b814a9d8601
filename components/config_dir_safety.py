"""Where the local router's config directory may live: a directory only its owner can change.

`pulumi up` writes haproxy.cfg there and the router container reads it through a bind mount, so
whoever can change that directory, or any directory above it, can change the router's config or
swap the directory for a link to somewhere else. Refused, whatever the file modes inside:

- a world-writable directory on the path (`/tmp`, `/var/tmp`, `/dev/shm`): another user can
  create the name first, or fill a directory the program has not made yet. The one exception is
  the way such trees are meant to be used: a sticky world-writable directory (others may not
  rename or remove what is not theirs) whose entry on the path already exists as a directory owned
  by this user or root, such as a private `mktemp -d` checkout under /tmp;
- as an explicit `configDir`, the shared temporary and runtime trees at any depth, even where they
  do not exist on this machine (`/tmp`, `/var/tmp`, `/dev/shm`, `/run`, `/var/run`, and their macOS
  `/private` spellings): a config that names them is wrong on every machine it runs on;
- a home dot-directory (`~/.ssh`, `~/.aws`, `~/.config`, `~/.docker`...): credentials and tool
  config live there, and `pulumi destroy` removes what it wrote in the directory.

The check runs when the config is read (an explicit `configDir`, named in the message) and again in
the provider just before each write, on the directory actually used (the default under the project
included): the machine that writes is the one whose directories matter, and an offline check of the
same stack elsewhere (CI, `bluegreen check`) judges the config, not its own checkout.
"""

import os
import stat
from pathlib import Path

SHARED_TREES = tuple(
    Path(p) for p in ("/tmp", "/var/tmp", "/dev/shm", "/run", "/var/run", "/private/tmp", "/private/var/tmp")
)
"""Trees other users (or the system's services) write to: no config directory belongs at any depth."""


def unsafe_reason(path: Path, home: Path | None = None, named_trees: bool = True) -> str | None:
    """Why `path` may not hold the router's config, or None when it may. `path` is resolved first.

    `named_trees`: refuse the shared trees by name (an explicit configDir). The provider's check at
    the write judges the directories as they are, so a project checked out in a private directory
    under /tmp still deploys.
    """
    resolved = path.resolve(strict=False)
    if named_trees:
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
    below: Path | None = None  # the entry on the path just under `directory`
    for directory in (resolved, *resolved.parents):
        try:
            mode = directory.lstat().st_mode
        except FileNotFoundError:
            below = directory
            continue  # not made yet: the directories above it decide
        if stat.S_ISDIR(mode) and mode & stat.S_IWOTH and not _owned_entry_of_sticky(mode, below):
            mode_text = f"{stat.S_IMODE(mode):o}"
            return f"{directory} is world-writable (mode {mode_text}), so another user can replace what is in it"
        below = directory
    return None


def _owned_entry_of_sticky(mode: int, entry: Path | None) -> bool:
    """A sticky directory whose entry on the path exists as a real directory of this user or root."""
    if not mode & stat.S_ISVTX or entry is None:
        return False
    try:
        entry_stat = entry.lstat()
    except FileNotFoundError:
        return False  # not made yet: another user could create the name first
    return stat.S_ISDIR(entry_stat.st_mode) and entry_stat.st_uid in (os.getuid(), 0)


def refuse_unsafe(path: Path) -> None:
    """Raise PermissionError naming the reason when `path` may not hold the router's config."""
    reason = unsafe_reason(path, named_trees=False)
    if reason is not None:
        raise PermissionError(f"refusing to write the router config in {path}: {reason}")
