"""Building blocks shared by every config model: strict camelCase models and range rules.

Every model forbids unknown keys (so `healthcheck` or `trafic` fail loudly) and is
frozen, because a validated spec is a value that components only read.
"""

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from .arguments import model_error


class ConfigModel(BaseModel):
    """A config object whose keys are the camelCase names users write in stack YAML.

    Python code (a program using the components as a library) may also build one with
    the snake_case field names, which type checkers know: `Service(name="api",
    drain_seconds=10)`. Stack config is validated with `parse_config`, which accepts the
    camelCase keys only, so `drain_seconds:` in a stack file stays an unknown key.
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=True,
        serialize_by_alias=True,
        # The attribute docstrings become field descriptions: docs/configuration.md is generated from them.
        use_attribute_docstrings=True,
    )

    if not TYPE_CHECKING:  # type checkers keep pydantic's signature: the fields as keywords

        def __init__(self, /, **data: Any) -> None:
            # Built in Python (a library caller, `ColorSpec(replicas=-1)`): the project's message naming the
            # argument, as the component and a stack file give, not pydantic's. Validating stack config
            # (`model_validate`) does not come through here.
            try:
                super().__init__(**data)
            except ValidationError as error:
                raise model_error(type(self), error, data) from None

        # As pydantic marks its own (and RootModel's): validating nested data (a stack file's objects, a dict
        # passed as `health_check`) then builds the models without calling this, so each error is reported
        # once, at its full path, not as a "value error" wrapping another model's message.
        __init__.__pydantic_base_init__ = True


@dataclass(frozen=True)
class Range(WrapValidator):
    """A range validator that keeps its bounds, so the generated reference can state them."""

    low: int = 0
    high: int = 0


@dataclass(frozen=True)
class Shape(AfterValidator):
    """A pattern validator that keeps the shape it expects, for the generated reference."""

    shape: str = ""


def between(low: int, high: int) -> Range:
    """Field metadata: an integer in low..high, with a message stating both bounds.

    Use as `Annotated[int, between(5, 300)]`: a plain Annotated type, so type checkers see an int.
    """

    def check(value: Any, parse_int: ValidatorFunctionWrapHandler) -> int:
        # YAML `true` would otherwise pass as the integer 1.
        if isinstance(value, bool):
            raise PydanticCustomError("int_type", "must be an integer, not a boolean")
        number = parse_int(value)
        if not low <= number <= high:
            raise PydanticCustomError("range", "must be an integer from {low} to {high}", {"low": low, "high": high})
        return number

    return Range(func=check, low=low, high=high)


def _refuse_boolean(value: Any, parse: ValidatorFunctionWrapHandler) -> Any:
    # YAML `true` would otherwise pass as the integer 1 (`cpu: true` as 1 CPU unit).
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "must be a number, not a boolean")
    return parse(value)


NOT_BOOLEAN = WrapValidator(_refuse_boolean)
"""Field metadata for a number with no range of its own: `Annotated[int, NOT_BOOLEAN]`."""


def matches(regex: str, shape: str) -> Shape:
    """Field metadata: a string that fully matches `regex`; the message shows the expected shape."""
    compiled = re.compile(regex)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise PydanticCustomError("pattern", "must look like {shape}", {"shape": shape})
        return value

    return Shape(func=check, shape=shape)


def field_error(field: str, value: object, rule: str) -> PydanticCustomError:
    """An error raised by a model ("after") validator but about one field.

    pydantic cannot point such an error at a field, so the field travels in the
    context and problems.py moves it into the reported key.
    """
    return PydanticCustomError("field_rule", "{rule}", {"field": field, "value": value, "rule": rule})


def non_empty(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("empty", "must not be empty")
    return value


NonEmptyStr = Annotated[str, AfterValidator(non_empty)]
Port = Annotated[int, between(1, 65535)]
WholeNumber = Annotated[int, NOT_BOOLEAN]
"""An integer whose allowed values are checked elsewhere (a list of sizes AWS offers, say)."""
