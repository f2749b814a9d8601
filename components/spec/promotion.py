"""`bluegreen:promotion`: where this stack's releases come from, and whether it asks before changing."""

from typing import Annotated

from pydantic import Field

from components.stack_name import STACK_NAME

from .base import ConfigModel, matches

StackName = Annotated[str, matches(STACK_NAME.pattern, "staging, acme/staging or acme/web/staging")]


class PromotionSpec(ConfigModel):
    """Read by `bluegreen promote` (the order) and by every command that changes traffic (`protected`)."""

    from_: StackName | None = Field(default=None, alias="from")
    """The stack whose live image `bluegreen promote` may release here (e.g. staging, or acme/staging)."""
    protected: bool | None = None
    """Ask for confirmation before changing traffic (`--yes` skips it); default: stacks named prod*."""
