"""A provider's answer for one metric on one color: a number and the evidence it rests on, or why there is none."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Reading:
    """`value` None means no data (no traffic, empty result, provider down); `detail` says which.

    `requests` is how many requests the value rests on in the window (None: the provider cannot
    tell); `failures` is how many of them failed, for error-rate metrics (None elsewhere). The
    judge needs both to refuse a verdict on too small a sample and to test two proportions.
    `provider_error` marks a reading that is missing because the provider failed (unreachable,
    timed out, HTTP or query error), as opposed to a provider that answered "no data".
    """

    value: float | None
    detail: str = ""
    requests: float | None = None
    failures: float | None = None
    provider_error: bool = False

    @classmethod
    def missing(cls, detail: str, *, provider_error: bool = False) -> "Reading":
        return cls(None, detail, provider_error=provider_error)
