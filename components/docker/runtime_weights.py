"""A change of weights alone, made through HAProxy's runtime API: no reload, no new worker.

`set server <backend>/<server> weight <n>` takes effect at once for the next request
the backend balances (HAProxy's management guide: "Changes take effect immediately";
`balance roundrobin` is a dynamic algorithm, so any absolute weight 0..256 is
accepted). Weights are always absolute, never `%` (a percentage is relative to the
weight the running worker was started with, which this file no longer states).

One exchange sets every weight the new config states and reads them all back:
`set server ...; set server ...; show servers state`. Each `set` that succeeds
answers with an empty line, so anything before the dump is an error, and a dump
that does not show each server at its new weight is one too. Servers whose weight
rises are set before those whose weight falls, so no instant finds every server of a
backend at weight 0.

Then the same rendered config is written to disk (only its weights differ from the one
the running worker loaded, see weight_change.py) together with the server state just
read, pinned to those weights (server_state.carried_over), so a restart or a later
reload serves exactly these weights.
"""

from pathlib import Path

from .reload import SERVER_STATE_NAME, AdminReloader, write_atomically
from .runtime_api import RuntimeApiError
from .server_state import ServerStateError, carried_over, checked, configured_weights, served_weights


def set_weights(path: Path, text: str, reloader: AdminReloader) -> bool:
    """Give every server the weight `text` states through the runtime API, verify, then write `text` to `path`.

    Returns False when no HAProxy runs (the file is written; it is read at start).
    RuntimeApiError when a weight could not be set or read back as set; the file is
    then left alone, for the caller's reload to install.
    """
    wanted = configured_weights(text)
    # Rising weights first, so every backend keeps a server above 0 at every instant.
    order = sorted(wanted.items(), key=lambda item: item[1], reverse=True)
    commands = [f"set server {backend}/{server} weight {weight}" for (backend, server), weight in order]
    answer = reloader.admin("; ".join([*commands, "show servers state"]))
    if answer is None:
        _install(path, text)
        return False
    try:
        dump = checked(answer.lstrip("\n"))
    except ServerStateError as error:
        first = answer.strip().splitlines()[0] if answer.strip() else "nothing"
        raise RuntimeApiError(f"the runtime API answered {first[:200]!r}") from error
    served = served_weights(dump)
    wrong = {key: served.get(key) for key, weight in wanted.items() if served.get(key) != weight}
    if wrong:
        shown = ", ".join(f"{b}/{s} {got} (wanted {wanted[(b, s)]})" for (b, s), got in sorted(wrong.items()))
        raise RuntimeApiError(f"weights read back are not the ones set: {shown}")
    write_atomically(path.with_name(SERVER_STATE_NAME), carried_over(dump, text))
    _install(path, text)
    return True


def _install(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, text)
