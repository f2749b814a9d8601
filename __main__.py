"""bluegreen: one HTTP service as two colors behind a weighted router.

Reads `bluegreen:*` config once, validates all of it before registering anything,
builds the platform's BlueGreenService and exports its outputs (docs/concepts.md#stack-outputs).
"""

import pulumi

from components.platforms import create_service
from components.registration_gc import pause_cyclic_gc
from components.rollout_strategy import RolloutStrategy
from components.spec.engine_config import load_spec, secret_config_keys
from components.traffic import live_color, weights

# Every object made from here on lives until the program ends: see components/registration_gc.py.
pause_cyclic_gc()
spec = load_spec()
service = create_service(spec)
# Registered so the policy pack judges the release strategy too (see components/rollout_strategy.py).
RolloutStrategy(f"{spec.service.name}-rollout", spec.rollout, secret="rollout" in secret_config_keys())

pulumi.export("url", service.url)
pulumi.export("testUrl", service.test_url)
# The recorded live color (last verified), not the one with more traffic: see components/spec/release_record.py.
pulumi.export("liveColor", spec.release.live if spec.release else live_color(spec.traffic))
pulumi.export("weights", weights(spec.traffic))
pulumi.export("images", {"blue": spec.blue.image, "green": spec.green.image})
if spec.release is not None:
    pulumi.export("release", spec.release.model_dump(exclude_none=True))
for key, value in service.platform_outputs().items():
    pulumi.export(key, value)
