"""The event stream's contract, checked: one JSON Schema (bluegreen/events.schema.json) for every emitted line."""

import json
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from bluegreen.release_events import SCHEMA_PATH


@cache
def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def schema_errors(event: dict[str, Any]) -> list[str]:
    """What is wrong with `event` as its JSON line would carry it (empty: nothing)."""
    line = json.loads(json.dumps(event, allow_nan=False))
    errors = validator().iter_errors(line)
    return [f"{event.get('type')}: {'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]
