"""How many CPUs this process may really use: its affinity mask and its cgroup's CPU quota.

A container started with ``--cpus=2`` on a 64-core host sees 64 CPUs in its affinity mask, but
the kernel lets it run only two CPUs' worth of time per period; 64 threads would then take
turns, each throttled. The weekly batch's ``--jobs`` default, the core's ``n_jobs=-1`` and the
title normaliser's threads all start from :func:`usable_cpus`, which takes the smaller of the
two (the quota rounded up, as the JVM and .NET do: 1.5 CPUs give 2 threads).

Both cgroup versions are read: v2 (``cpu.max`` along the process's cgroup path up to the root,
the smallest limit wins) and v1 (``cpu.cfs_quota_us`` / ``cpu.cfs_period_us`` of the ``cpu``
controller). Anything missing or unreadable means no limit; this never raises.

The native libraries size their own pools from the affinity mask (OpenBLAS, OpenMP, torch), so
under a quota they would oversubscribe too: :func:`native_threads` caps them while the weekly
batch runs, and :func:`cap_torch_threads` caps torch when a sentence encoder loads. Where no
quota lowers the count (any machine without one) both leave everything as it is, so the
results and their bits do not change.
"""

from __future__ import annotations

import functools
import math
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["usable_cpus", "native_threads", "cap_torch_threads"]

_CGROUP_ROOT = Path("/sys/fs/cgroup")
_PROC_CGROUP = Path("/proc/self/cgroup")


def usable_cpus() -> int:
    """CPUs this process may use: the affinity mask, capped by the cgroup's CPU quota.

    Returns
    -------
    int
        At least 1.
    """
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        n = os.cpu_count() or 1
    limit = _cgroup_limit_of_this_process()
    return max(1, n if limit is None else min(n, limit))


@functools.cache
def _cgroup_limit_of_this_process() -> int | None:
    """:func:`cgroup_cpu_limit` of this process (read once: quotas change rarely)."""
    try:
        text = _PROC_CGROUP.read_text()
    except OSError:
        return None
    return cgroup_cpu_limit(text, _CGROUP_ROOT)


def cgroup_cpu_limit(proc_cgroup: str, root: Path) -> int | None:
    """Whole CPUs allowed by the CPU quota of a cgroup, or None when it has none.

    Parameters
    ----------
    proc_cgroup : str
        The text of ``/proc/<pid>/cgroup``: lines ``id:controllers:path`` (v2: ``0::path``).
    root : Path
        Where the cgroup file systems are mounted (``/sys/fs/cgroup``).

    Returns
    -------
    int or None
        ``ceil(quota / period)`` of the tightest limit found, at least 1; None when no
        quota is set or nothing can be read.
    """
    limits = []
    for line in proc_cgroup.splitlines():
        parts = line.strip().split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        rel = path.strip().lstrip("/")
        if controllers == "":  # cgroup v2: every directory from the process's up to the root
            node = root / rel if rel else root
            while True:
                limits.append(_v2_limit(node / "cpu.max"))
                if node == root or root not in node.parents:
                    break
                node = node.parent
        elif "cpu" in controllers.split(","):  # cgroup v1, mounted as cpu or cpu,cpuacct
            for mount in (root / controllers, root / "cpu", root / "cpu,cpuacct"):
                # inside a container the listed path is the host's; the mount is its root
                for node in (mount / rel, mount):
                    limits.append(_v1_limit(node))
                    if limits[-1] is not None:
                        break
                if limits[-1] is not None:
                    break
    found = [n for n in limits if n is not None]
    return min(found) if found else None


def _cpus(quota: float, period: float) -> int | None:
    if not (quota > 0 and period > 0):
        return None
    return max(1, math.ceil(quota / period))


def _v2_limit(path: Path) -> int | None:
    """``cpu.max`` holds ``"max 100000"`` (no limit) or ``"<quota> <period>"``."""
    try:
        quota, period = path.read_text().split()[:2]
        return None if quota == "max" else _cpus(float(quota), float(period))
    except (OSError, ValueError):
        return None


def _v1_limit(node: Path) -> int | None:
    """``cpu.cfs_quota_us`` is -1 without a limit."""
    try:
        quota = float((node / "cpu.cfs_quota_us").read_text())
        period = float((node / "cpu.cfs_period_us").read_text())
    except (OSError, ValueError):
        return None
    return _cpus(quota, period)


@contextmanager
def native_threads(n: int | None = None) -> Iterator[None]:
    """BLAS and OpenMP pools of at most ``n`` threads while the block runs (threadpoolctl).

    Parameters
    ----------
    n : int, optional
        The cap; default :func:`usable_cpus`. Pools already within it are left alone, so
        without a CPU quota (affinity mask = usable CPUs) this changes nothing. Libraries
        loaded inside the block are not capped. Inner limits (the ranking's one BLAS thread)
        restore to the cap when they end. Overlapping calls (two weekly runs on threads of
        one process) share the cap of the first; the pools are restored when the last ends.
    """
    n = usable_cpus() if n is None else max(1, int(n))
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        yield
        return
    with _NATIVE_LOCK:  # reference-counted: overlapping runs restore once, when the last ends
        if _NATIVE["depth"] == 0:
            _NATIVE["before"] = [
                (lib, lib.num_threads)
                for lib in ThreadpoolController().lib_controllers
                if lib.num_threads > n
            ]
            for lib, _ in _NATIVE["before"]:
                lib.set_num_threads(n)
        _NATIVE["depth"] += 1
    try:
        yield
    finally:
        with _NATIVE_LOCK:
            _NATIVE["depth"] -= 1
            if _NATIVE["depth"] == 0:
                for lib, count in _NATIVE["before"]:
                    lib.set_num_threads(count)
                _NATIVE["before"] = []


_NATIVE_LOCK = threading.Lock()
_NATIVE: dict = {"depth": 0, "before": []}


def cap_torch_threads(n: int | None = None) -> None:
    """Cap torch's intra-op threads at ``n`` (default :func:`usable_cpus`) when torch is
    loaded and uses more; torch sizes its pool from the machine, not from a CPU quota."""
    torch = sys.modules.get("torch")
    if torch is None:
        return
    n = usable_cpus() if n is None else max(1, int(n))
    if torch.get_num_threads() > n:
        torch.set_num_threads(n)
