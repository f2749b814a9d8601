"""The bluegreen CrossGuard policy pack: every rule that stops a rollout from dropping requests.

The engine runs this file with `python -m pulumi.policy <engine> <this dir>`; this
directory is then first on sys.path, so `rules` imports as a top-level package.
`serve(...)` takes PolicyPack's arguments: it starts the analyzer gRPC server, prints its
port and blocks (rules/analyzer.py says how it differs: each request is parsed once).
"""

from pulumi_policy import EnforcementLevel
from rules.analyzer import serve
from rules.catalog import RULES
from rules.policies import build

serve(
    name="bluegreen",
    display_name="bluegreen: zero-downtime blue/green",
    description="Probes, health checks and rollout settings that keep a blue/green flip from dropping requests.",
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=build(RULES),
)
