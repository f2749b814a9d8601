"""Which config changes HAProxy's runtime API can make in place: server weights, and nothing else.

A canary step or a flip changes only `weight` numbers on `server` lines (the test
backend lists every server too, at weight 0 for the live color, so even a flip is a
weight change). Such a change is applied without a reload (runtime_weights.py); any
other difference, however small, goes through the reload.
"""

import re
from collections.abc import Callable, Mapping

from .server_state import ServerKey, server_lines, weight_position

_ANY_WEIGHT = "<weight>"
_WEIGHT = re.compile(r"(\sweight\s+)\d+(?=\s|$)")


def weights_only_change(old: str, new: str) -> bool:
    """Whether `new` differs from `old`, and only in the weights its `server` lines state."""
    return old != new and _shape(old) == _shape(new)


def with_weights(config: str, weights: Mapping[ServerKey, int]) -> str:
    """`config` with the weight of each server in `weights` replaced (servers it does not name keep theirs)."""
    return _rewrite(config, lambda key: None if key not in weights else str(weights[key]))


def _shape(config: str) -> str:
    """`config` with every server weight blanked out: equal shapes differ at most in weights."""
    return _rewrite(config, lambda _key: _ANY_WEIGHT)


def _rewrite(config: str, weight_of: Callable[[ServerKey], str | None]) -> str:
    """`config` with the number after `weight` on each server line replaced by `weight_of(server)` (None: kept)."""
    lines = config.splitlines(keepends=True)
    for number, backend, words in server_lines(config):
        new = weight_of((backend, words[1]))
        if new is not None and weight_position(words) is not None:
            lines[number] = _WEIGHT.sub(lambda match, new=new: match.group(1) + new, lines[number], count=1)
    return "".join(lines)
