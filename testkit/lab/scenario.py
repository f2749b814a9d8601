"""The loopback scenario shared by the traffic test and the zero-downtime benchmark.

Both must exercise the same thing, so the replica counts, the fast health check and
the spec for each traffic step are defined once, here.
"""

from components.spec import BlueGreenSpec, Color, HealthCheck, parse_spec

REPLICAS: dict[Color, int] = {"blue": 1, "green": 2}
"""Unequal on purpose: each color's share must follow its weight, not its replica count."""

# Real validation wants intervalSeconds >= 5; the lab renders faster checks explicitly
# (model_construct skips validation) so a failure is detected in seconds: 1 s x 2 = 2 s.
FAST_CHECK = HealthCheck.model_construct(
    path="/health",
    interval_seconds=1,
    timeout_seconds=1,
    healthy_threshold=2,
    unhealthy_threshold=2,
    start_period_seconds=0,
)


def spec_for(blue: int, green: int, drain_seconds: int = 5) -> BlueGreenSpec:
    """A validated spec for one traffic step over the lab's replicas."""
    return parse_spec(
        {
            "service": {"replicas": 2, "drainSeconds": drain_seconds},
            "blue": {"image": "lab/blue:1", "replicas": REPLICAS["blue"]},
            "green": {"image": "lab/green:1", "replicas": REPLICAS["green"]},
            "traffic": {"blue": blue, "green": green},
        }
    )
