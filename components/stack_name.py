"""The shape of a Pulumi stack name, shared by CLI options and `bluegreen:promotion.from`.

Plain text, outside the config model's package, so the CLI can check an option without importing
pydantic or the model.
"""

import re

STACK_NAME = re.compile(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+){0,2}", re.ASCII)
"""`prod`, `acme/prod-eu`, `acme/web/prod-eu`: Pulumi's stack, org/stack and org/project/stack forms."""
