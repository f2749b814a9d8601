"""A provider's answer for one metric on one color: a number, or why there is none."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Reading:
    """`value` None means no data (no traffic, empty result, provider down); `detail` says which."""

    value: float | None
    detail: str = ""

    @classmethod
    def missing(cls, detail: str) -> "Reading":
        return cls(None, detail)
