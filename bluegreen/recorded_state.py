"""Where a stack's release stands, as recorded in the stack (`bluegreen:release`), never guessed from weights.

Two copies exist: the config (the stack file, the engine's intent) and the
`release` output of the last update (what the backend says is deployed). Recovery
trusts the deployed copy: a CI runner that vanished may take its unpushed stack
file with it, but never the backend's last update; a config write that was never
deployed describes nothing that serves traffic. Only when no update has recorded
one yet does the config copy count.
"""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from pydantic import ValidationError

from components.spec import Color, ReleaseRecord

from .stack_driver import ConfigScalar

KEY = "bluegreen:release"


def recorded(config: dict[str, Any], outputs: dict[str, Any]) -> ReleaseRecord | None:
    """The deployed record (the `release` output), else the one in config, else None (a stack from before)."""
    for source in (outputs.get("release"), config.get(KEY)):
        record = _parse(source)
        if record is not None:
            return record
    return None


def _parse(value: Any) -> ReleaseRecord | None:
    if not isinstance(value, dict):
        return None
    fields = {key: (int(v) if key == "step" and isinstance(v, float) else v) for key, v in value.items()}
    try:
        return ReleaseRecord.model_validate(fields)
    except ValidationError:
        return None


def record_values(record: ReleaseRecord) -> dict[str, ConfigScalar]:
    """Every field as a `--path` value, unset ones as "" (a path write cannot delete a key)."""
    fields = record.model_dump(by_alias=True)
    return {f"{KEY}.{name}": ("" if value is None else value) for name, value in fields.items()}


def settled(live: Color, image: str) -> ReleaseRecord:
    """No release in progress: `live` serves everything and was verified with `image`."""
    return ReleaseRecord(live=live, live_image=image)


def fingerprint(steps: Sequence[Any]) -> str:
    """12 hex digits naming a strategy (its expanded steps): `resume` sees when it changed under a release."""
    text = json.dumps([asdict(step) for step in steps], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]
