from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# CI machines are small and shared: fewer examples, no deadline (timings are not tests).
settings.register_profile(
    "default", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", max_examples=500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# Under mutation testing (python -m tests.mutation) every function is wrapped in a trampoline
# that numba cannot compile: the kernels then run as the plain Python they are written in.
if os.environ.get("DOORSTROOM_MUTATION"):
    from doorstroom_match import _jit, assignment, core

    def _plain(kernel):
        return kernel

    _jit.compiled = core.compiled = assignment.compiled = _plain
