from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# CI machines are small and shared: fewer examples, no deadline (timings are not tests).
settings.register_profile(
    "default", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", max_examples=500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
