"""The router's HAProxy timeouts, and how long an old worker may still owe answers after a reload.

Both come from the same constants, so `hard-stop-after` can never again be shorter
than a request the router itself would let run: a flip must not cut a request that
would have succeeded without it.
"""

CONNECT_SECONDS = 2
"""`timeout connect`: one attempt to open a connection to a replica."""
RETRIES = 3
"""`retries`: further connect attempts after the first (each on another server, see `option redispatch`)."""
QUEUE_SECONDS = 10
"""`timeout queue`: waiting for a free server slot."""
SERVER_SECONDS = 30
"""`timeout server`: a replica's longest silence while the router waits for its answer."""
CLIENT_SECONDS = 30
"""`timeout client`: a client's longest silence mid-request."""
HTTP_REQUEST_SECONDS = 10
"""`timeout http-request`: a whole request head must arrive within this."""
HTTP_KEEP_ALIVE_SECONDS = 5
"""`timeout http-keep-alive`: an idle kept-alive connection is closed after this."""


def longest_request_after_reload() -> int:
    """Seconds from a reload until the old worker's last answer, in the worst case the timeouts allow.

    The old worker keeps idle kept-alive connections open (`idle-close-on-response`),
    so one may still bring a request up to HTTP_KEEP_ALIVE_SECONDS after the reload;
    that request may take HTTP_REQUEST_SECONDS to arrive, wait QUEUE_SECONDS for a
    server, spend a connect timeout on each of its 1 + RETRIES attempts, then wait
    SERVER_SECONDS for the answer.
    """
    return (
        HTTP_KEEP_ALIVE_SECONDS
        + HTTP_REQUEST_SECONDS
        + QUEUE_SECONDS
        + (1 + RETRIES) * CONNECT_SECONDS
        + SERVER_SECONDS
    )


def hard_stop_after(drain_seconds: int) -> int:
    """`hard-stop-after`: the drain time, but never less than the longest request the router allows.

    It is a ceiling, not a wait: an old worker exits as soon as its last connection
    closes, so a longer ceiling costs nothing when traffic is ordinary.
    """
    return max(drain_seconds, longest_request_after_reload())
