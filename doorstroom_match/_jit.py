"""Optional numba compilation of the few tight loops (the ``fast`` extra).

Kernels are written in the subset of Python that numba compiles and run unchanged as plain
Python, so tests can check the very same code on small inputs without numba.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any


@functools.cache
def compiled(kernel: Callable[..., Any]) -> Callable[..., Any] | None:
    """``kernel`` compiled by numba (cached on disk, GIL released), or None without numba."""
    try:
        import numba
    except ImportError:
        return None
    return numba.njit(cache=True, nogil=True)(kernel)
