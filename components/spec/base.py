"""Building blocks shared by every config model: strict camelCase models and range rules.

Every model forbids unknown keys (so `healthcheck` or `trafic` fail loudly) and is
frozen, because a validated spec is a value that components only read.
"""

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError


class ConfigModel(BaseModel):
    """A config object whose keys are the camelCase names users write in stack YAML."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=False,
        serialize_by_alias=True,
    )


def _reject_bool(value: Any) -> Any:
    # YAML `true` would otherwise pass as the integer 1.
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "must be an integer, not a boolean")
    return value


def int_between(low: int, high: int) -> Any:
    """An integer field that must lie in low..high, with a message stating both bounds."""

    def check(value: int) -> int:
        if not low <= value <= high:
            raise PydanticCustomError(
                "range", "must be an integer from {low} to {high}", {"low": low, "high": high}
            )
        return value

    return Annotated[int, BeforeValidator(_reject_bool), AfterValidator(check)]


def non_empty(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("empty", "must not be empty")
    return value


NonEmptyStr = Annotated[str, AfterValidator(non_empty)]
Port = int_between(1, 65535)
