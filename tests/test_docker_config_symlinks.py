"""The router's config is written without following links: a planted `haproxy.cfg.next` cannot redirect it.

Before, `pulumi up` wrote the candidate config through whatever sat at `haproxy.cfg.next` and
chmod-ed it 0644: a symlink there let the router config overwrite a 0600 file and expose it.
Now each file is created in a private directory with O_NOFOLLOW and renamed into place.
"""

import os
import stat
from pathlib import Path

from components.docker.reload import CANDIDATE_SUFFIX, FILE_MODE, write_atomically

CONFIG = "global\n    maxconn 100\n"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_a_planted_candidate_symlink_leaves_its_target_untouched(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("private key\n")
    secret.chmod(0o600)
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    path = config_dir / "haproxy.cfg"
    path.with_name(path.name + CANDIDATE_SUFFIX).symlink_to(secret)

    write_atomically(path, CONFIG)

    assert (secret.read_text(), _mode(secret)) == ("private key\n", 0o600)
    assert path.read_text() == CONFIG and not path.is_symlink()
    assert _mode(path) == FILE_MODE == 0o644
    # No staging directory or candidate is left behind.
    assert sorted(p.name for p in config_dir.iterdir()) == ["haproxy.cfg"]


def test_a_symlink_in_place_of_the_config_is_replaced_not_followed(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("private key\n")
    secret.chmod(0o600)
    path = tmp_path / "haproxy.cfg"
    path.symlink_to(secret)

    write_atomically(path, CONFIG)

    assert (secret.read_text(), _mode(secret)) == ("private key\n", 0o600)
    assert path.read_text() == CONFIG and not path.is_symlink()


def test_the_file_mode_does_not_depend_on_the_umask(tmp_path):
    before = os.umask(0o077)
    try:
        write_atomically(tmp_path / "haproxy.cfg", CONFIG)
    finally:
        os.umask(before)
    assert _mode(tmp_path / "haproxy.cfg") == 0o644
