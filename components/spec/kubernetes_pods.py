"""`bluegreen:kubernetes` pod settings: resource requests and limits, and the Pod Security profile.

Quantities use the Kubernetes notation (`100m` CPU, `128Mi` memory) and are compared
as numbers, so a request above its limit fails at `pulumi preview`, not in the API server.
"""

import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from .base import ConfigModel

_QUANTITY = re.compile(r"([0-9]+(?:\.[0-9]+)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?")  # ASCII digits
_SCALE = {
    None: Decimal(1), "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"),
    "k": Decimal(10) ** 3, "M": Decimal(10) ** 6, "G": Decimal(10) ** 9, "T": Decimal(10) ** 12,
    "P": Decimal(10) ** 15, "E": Decimal(10) ** 18,
    "Ki": Decimal(2) ** 10, "Mi": Decimal(2) ** 20, "Gi": Decimal(2) ** 30, "Ti": Decimal(2) ** 40,
    "Pi": Decimal(2) ** 50, "Ei": Decimal(2) ** 60,
}


def quantity_value(text: str) -> Decimal:
    """`"250m"` -> 0.25, `"128Mi"` -> 134217728 (the quantity is known to be valid)."""
    match = _QUANTITY.fullmatch(text)
    if match is None:
        raise ValueError(text)
    return Decimal(match.group(1)) * _SCALE[match.group(2)]


def _quantity(value: Any) -> str:
    # YAML `cpu: 1` or `cpu: 0.5` are numbers; the API takes the same quantity as text.
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PydanticCustomError("quantity", "must be a Kubernetes quantity such as 250m, 1, 128Mi or 1Gi")
    text = str(value)
    match = _QUANTITY.fullmatch(text)
    if match is None or quantity_value(text) <= 0:
        raise PydanticCustomError(
            "quantity", "must be a positive Kubernetes quantity such as 250m, 1, 128Mi or 1Gi"
        )
    return text


def _memory(value: Any) -> str:
    text = _quantity(value)
    # `128m` is 0.128 bytes: a pod that can never start. Nobody means that.
    if text.endswith("m") or quantity_value(text) < 4 * 2**20:
        raise PydanticCustomError(
            "memory", "is below 4Mi (note: 'm' means milli, so 128m is 0.128 bytes; write 128Mi)"
        )
    return text


CpuQuantity = Annotated[str, BeforeValidator(_quantity)]
MemoryQuantity = Annotated[str, BeforeValidator(_memory)]


class ResourceAmounts(ConfigModel):
    """CPU and memory of one container; omit one to leave it unset."""

    cpu: CpuQuantity | None = None
    """CPU cores: `250m` is a quarter of a core."""
    memory: MemoryQuantity | None = None
    """Memory in bytes with a suffix: `128Mi`, `1Gi`."""

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in (("cpu", self.cpu), ("memory", self.memory)) if v is not None}


class PodResources(ConfigModel):
    """`bluegreen:kubernetes.resources`: what the scheduler reserves and what the kubelet enforces."""

    requests: ResourceAmounts = ResourceAmounts(cpu="100m", memory="128Mi")
    """Reserved for each pod when it is scheduled."""
    limits: ResourceAmounts = Field(default=ResourceAmounts(memory="256Mi"), validate_default=True)
    """Hard caps; no CPU limit by default (CPU throttling hurts latency more than it protects)."""

    @field_validator("limits")
    @classmethod
    def _limits_cover_requests(cls, limits: ResourceAmounts, info: ValidationInfo) -> ResourceAmounts:
        requests = info.data.get("requests")
        if requests is None:
            return limits
        for kind in ("cpu", "memory"):
            request, limit = getattr(requests, kind), getattr(limits, kind)
            if request is not None and limit is not None and quantity_value(limit) < quantity_value(request):
                raise PydanticCustomError(
                    "limit_below_request", "{kind} limit {limit} is below its request {request}",
                    {"kind": kind, "limit": limit, "request": request},
                )
        return limits

    def as_dict(self) -> dict[str, dict[str, str]]:
        """The container `resources` field, without empty sections."""
        found = {"requests": self.requests.as_dict(), "limits": self.limits.as_dict()}
        return {k: v for k, v in found.items() if v}


PodSecurityLevel = Literal["restricted", "baseline"]
