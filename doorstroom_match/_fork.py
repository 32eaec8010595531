"""Forked worker processes that never outlive the process that forked them.

The weekly batch forks to rank its blocks and to render the bulletin: the children inherit the
fitted matcher and the week's data instead of receiving them pickled. A forked child also
inherits the batch's open files, among them the lock of the output folder; a child left
running after its parent was killed would keep that lock (the next run would stop with "in
use") and the parent's output pipes. On Linux each child therefore asks the kernel for
SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG)``) and exits at once if the parent
is already gone.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
from concurrent.futures import ProcessPoolExecutor

__all__ = ["can_fork", "forked_pool"]

_PR_SET_PDEATHSIG = 1


def can_fork() -> bool:
    """Whether this platform starts processes by forking (Linux, most Unixes)."""
    return "fork" in mp.get_all_start_methods()


def _die_with_parent(parent: int) -> None:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def forked_pool(max_workers: int) -> ProcessPoolExecutor:
    """A pool of ``max_workers`` forked processes that die with this one.

    Create and use it from the thread that lives as long as the work (the main thread):
    the kernel signals a child when the thread that forked it ends.
    """
    return ProcessPoolExecutor(
        max_workers=max_workers,
        mp_context=mp.get_context("fork"),
        initializer=_die_with_parent,
        initargs=(os.getpid(),),
    )
