"""Telling a change of weights alone from any other config change, and the one exchange that makes it in place."""

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from components.docker.runtime_api import RuntimeApiError
from components.docker.runtime_weights import set_weights
from components.docker.weight_change import weights_only_change, with_weights

CONFIG = """global
    master-worker
backend production
    balance roundrobin
    server blue-0 web-blue-0:9898 weight 256 check inter 5s
    server green-0 web-green-0:9898  weight 0 check inter 5s
backend test
    server blue-0 web-blue-0:9898 weight 0 track production/blue-0
    server green-0 web-green-0:9898 weight 1 track production/green-0
"""
FLIPPED = (
    CONFIG.replace("weight 256 check", "weight 0 check")
    .replace("weight 0 check inter 5s\nbackend", "weight 256 check inter 5s\nbackend")
    .replace("weight 0 track production/blue-0", "weight 1 track production/blue-0")
    .replace("weight 1 track production/green-0", "weight 0 track production/green-0")
)
HEADER = "# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight " + " ".join(
    f"c{i}" for i in range(9, 25)
)


def dump(weights: dict[tuple[str, str], int]) -> str:
    """A version 1 `show servers state` answer with these current weights (initial weights as in CONFIG)."""
    lines = [
        f"3 {backend} 1 {server} 172.18.0.5 2 0 {weight} 1 6 17 2 0 6 0 0 0 web-{server} 9898 - 0 0 - - 0"
        for (backend, server), weight in weights.items()
    ]
    return "\n".join(["1", HEADER, *lines, "", ""])


FLIPPED_WEIGHTS = {("production", "blue-0"): 0, ("production", "green-0"): 256, ("test", "blue-0"): 1,
                   ("test", "green-0"): 0}


def test_a_flip_changes_weights_only() -> None:
    assert weights_only_change(CONFIG, FLIPPED)


@pytest.mark.parametrize(
    "other",
    [
        CONFIG,  # nothing changed: not a weight change
        CONFIG.replace("inter 5s\n    server green-0", "inter 6s\n    server green-0"),
        CONFIG.replace("web-green-0:9898  weight", "web-green-0:8080  weight"),
        CONFIG.replace("weight 1 track", "track"),  # a weight removed
        CONFIG + "    server green-1 web-green-1:9898 weight 1 track production/green-1\n",
        CONFIG.replace("master-worker", "master-worker\n    maxconn 10"),
    ],
)
def test_anything_else_is_not_a_weight_change(other: str) -> None:
    assert not weights_only_change(CONFIG, other)


def test_served_weights_are_written_into_the_text_and_nothing_else_moves() -> None:
    assert with_weights(CONFIG, FLIPPED_WEIGHTS) == FLIPPED
    # Two spaces before `weight` stay two spaces; servers not named keep their weight.
    only = with_weights(CONFIG, {("production", "green-0"): 9})
    assert "server green-0 web-green-0:9898  weight 9 check" in only
    assert only.replace("weight 9", "weight 0") == CONFIG


def test_a_server_whose_address_looks_like_a_weight_keeps_its_address() -> None:
    text = "backend b\n    server weight 1.2.3.4:80 weight 3 check\n"
    assert with_weights(text, {("b", "weight"): 7}) == "backend b\n    server weight 1.2.3.4:80 weight 7 check\n"


@dataclass
class FakeAdmin:
    """An admin socket that answers a fixed text and records what it was sent."""

    answer: str | None
    sent: list[str] = field(default_factory=list)

    def admin(self, commands: str) -> str | None:
        self.sent.append(commands)
        return self.answer

    def check(self, candidate: Path) -> None: ...
    def server_state(self) -> str | None: ...
    def worker_pid(self) -> int | None: ...
    def signal_reload(self) -> bool: ...


def test_one_exchange_sets_rising_weights_first_then_reads_them_back(tmp_path: Path) -> None:
    path = tmp_path / "haproxy.cfg"
    path.write_text(CONFIG)
    admin = FakeAdmin("\n" * 4 + dump(FLIPPED_WEIGHTS))
    assert set_weights(path, FLIPPED, admin) is True
    [sent] = admin.sent
    # From 256/0 to 0/256: green-0 rises before blue-0 falls, so production never has every server at 0.
    assert sent.split("; ") == [
        "set server production/green-0 weight 256",
        "set server test/blue-0 weight 1",
        "set server production/blue-0 weight 0",
        "set server test/green-0 weight 0",
        "show servers state",
    ]
    assert path.read_text() == FLIPPED
    saved = path.with_name("server-state").read_text()
    assert " production 1 green-0 172.18.0.5 2 0 256 256 " in saved


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("No such server.\n\n" + dump(FLIPPED_WEIGHTS), "answered 'No such server.'"),
        ("Permission denied\n\n", "answered 'Permission denied'"),
        ("", "answered 'nothing'"),
        ("\n" * 4 + dump({**FLIPPED_WEIGHTS, ("production", "green-0"): 1}), "production/green-0 1 \\(wanted 256\\)"),
    ],
)
def test_an_error_or_a_weight_that_did_not_stick_fails_and_leaves_the_file(
    tmp_path: Path, answer: str, reason: str
) -> None:
    path = tmp_path / "haproxy.cfg"
    path.write_text(CONFIG)
    with pytest.raises(RuntimeApiError, match=reason):
        set_weights(path, FLIPPED, FakeAdmin(answer))
    assert path.read_text() == CONFIG
    assert not path.with_name("server-state").exists()
