"""What a reload carries from the running HAProxy worker to the new one: whole dumps, unmoved servers only."""

import pytest

from components.docker.server_state import ServerStateError, carried_over, checked, configured_servers

HEADER = (
    "# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight "
    "srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state "
    "srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl "
    "srv_check_port srv_check_addr srv_agent_addr srv_agent_port"
)


def line(backend: str, server: str, addr: str, fqdn: str, port: int, op_state: int = 0) -> str:
    """One version 1 data line, as HAProxy 2.6 writes it (op_state 0 = DOWN)."""
    return f"4 {backend} 1 {server} {addr} {op_state} 0 1 1 6 17 2 0 6 0 0 0 {fqdn} {port} - 0 0 - - 0"


CONFIG = """global
    master-worker
backend production
    balance roundrobin
    server green-0 web-green-0:9898 weight 1 check inter 5s fall 3 rise 2
    server green-1 127.0.0.1:4001 weight 1 check
backend test
    server green-0 web-green-0:9898 track production/green-0
"""


def test_the_servers_of_a_config_are_read_per_backend() -> None:
    assert configured_servers(CONFIG) == {
        ("production", "green-0"): "web-green-0:9898",
        ("production", "green-1"): "127.0.0.1:4001",
        ("test", "green-0"): "web-green-0:9898",
    }


def test_a_server_at_the_same_name_or_address_and_port_keeps_its_state() -> None:
    dump = "\n".join([
        "1", HEADER,
        line("production", "green-0", "172.18.0.5", "web-green-0", 9898),
        line("production", "green-1", "127.0.0.1", "-", 4001),
        line("test", "green-0", "172.18.0.5", "web-green-0", 9898),
        "",
    ])
    assert carried_over(dump, CONFIG) == dump


def test_a_server_whose_port_or_host_changed_or_that_left_the_config_starts_fresh() -> None:
    # HAProxy 2.6 would take the port from the file over the config's: a stale line
    # would keep the router on the old port after `service.port` changed.
    moved_port = line("production", "green-0", "172.18.0.5", "web-green-0", 8080)
    moved_host = line("production", "green-1", "127.0.0.2", "-", 4001)
    gone = line("production", "blue-0", "172.18.0.4", "web-blue-0", 9898)
    kept = line("test", "green-0", "172.18.0.5", "web-green-0", 9898)
    dump = "\n".join(["1", HEADER, moved_port, moved_host, gone, kept, ""])
    assert carried_over(dump, CONFIG) == "\n".join(["1", HEADER, kept, ""])


@pytest.mark.parametrize(
    ("dump", "reason"),
    [
        ("", "not a version 1"),
        ("Permission denied\n", "not a version 1"),
        ("2\n" + HEADER + "\n", "not a version 1"),
        ("1\n# something else\n", "not a version 1"),
        ("1\n" + HEADER + "\n" + line("production", "green-0", "1.2.3.4", "-", 1)[:20], "cut short"),
    ],
)
def test_anything_but_a_whole_version_1_dump_is_refused(dump: str, reason: str) -> None:
    with pytest.raises(ServerStateError, match=reason):
        checked(dump)


def test_a_whole_dump_passes_unchanged() -> None:
    dump = "1\n" + HEADER + "\n" + line("production", "green-0", "1.2.3.4", "-", 1) + "\n\n"
    assert checked(dump) == dump
