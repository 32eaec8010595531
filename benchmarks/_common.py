"""Shared helpers for every benchmark: platform string, min-of-n timing, peak memory, JSON.

Kept small and stable on purpose; other benchmarks import it.

* :func:`platform_info` - the machine, as a dict (CPU model, cores, numpy, BLAS and its threads).
* :func:`best_of` - the minimum wall time of several runs (and the last result).
* :func:`peak_memory` - peak memory while a function runs: traced allocations (tracemalloc,
  numpy arrays included) and the process's resident set size (psutil sampling, if installed).
* :func:`emit_json` - print one JSON object on one line (the last line of a ``--json`` run).
"""

from __future__ import annotations

import json
import os
import platform
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["best_of", "cpu_model", "emit_json", "peak_memory", "platform_info", "platform_string"]

MB = 2**20


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo (``platform.processor()`` elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _blas_info() -> list[dict[str, Any]]:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return [
        {
            k: info.get(k)
            for k in ("user_api", "internal_api", "version", "num_threads", "architecture")
        }
        for info in threadpool_info()
    ]


def platform_info() -> dict[str, Any]:
    """The machine the figures come from (``usable_cpus``: what ``--jobs`` and ``n_jobs=-1``
    use, the affinity mask capped by a cgroup CPU quota)."""
    from doorstroom_match._cpus import usable_cpus

    return {
        "platform": platform_string(),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "usable_cpus": usable_cpus(),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "blas": _blas_info(),
    }


def platform_string() -> str:
    """One line: OS, CPU model, cores, Python and numpy versions."""
    return (
        f"{platform.platform()} | {cpu_model()} | {os.cpu_count()} cores | "
        f"Python {sys.version.split()[0]} | numpy {np.__version__}"
    )


def best_of(fn: Callable[[], Any], repeat: int = 3, warmup: int = 0) -> tuple[float, Any]:
    """Minimum wall-clock seconds of ``repeat`` calls of ``fn`` and the last call's result.

    The minimum is the least disturbed run, which is what compares on a shared machine.
    """
    result = None
    for _ in range(warmup):
        result = fn()
    best = float("inf")
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def best_wall_cpu(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, float, Any]:
    """Minimum wall-clock and minimum CPU seconds (this process, all its threads) of
    ``repeat`` calls of ``fn``, and the last call's result. CPU seconds are what compares
    while other jobs share the cores."""
    wall = cpu = float("inf")
    result = None
    for _ in range(max(1, repeat)):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        wall = min(wall, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    return wall, cpu, result


def cpu_user_sys() -> tuple[float, float]:
    """(user, system) CPU seconds of this process and of its finished children (forked
    ranking and render processes: counted once they are waited for). System time is mostly
    the kernel's work on files and memory: on a VM it varies several-fold from run to run, so
    it is reported on its own."""
    import resource

    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + kids.ru_utime, me.ru_stime + kids.ru_stime


def _rss() -> int | None:
    try:
        import psutil
    except ImportError:
        return None
    return psutil.Process().memory_info().rss


def _tree_pss() -> int | None:
    """Proportional set size of this process and its children (forked workers share pages
    with it: summing their RSS would count those pages once per process), in bytes; Linux
    only (``/proc/PID/smaps_rollup``), else None."""
    try:
        import psutil
    except ImportError:
        return None
    me = psutil.Process()
    total = 0
    for proc in [me, *me.children(recursive=True)]:
        try:
            with open(f"/proc/{proc.pid}/smaps_rollup") as f:
                total += sum(int(line.split()[1]) for line in f if line.startswith("Pss:"))
        except OSError:
            if proc.pid == me.pid:
                return None
    return total * 1024


def peak_memory(
    fn: Callable[[], Any], interval: float = 0.002, trace: bool = True
) -> tuple[Any, dict[str, float]]:
    """Run ``fn`` once and return its result and the peak memory it took.

    ``trace=False`` leaves :mod:`tracemalloc` off (``traced_mb`` is then ``nan``): tracing
    keeps a record per live allocation, which for a run holding millions of small Python
    objects inflates both its time and its resident set (the weekly batch at Flanders scale).

    Returns
    -------
    result : any
    memory : dict
        ``traced_mb``: peak of the Python and numpy allocations made during the call (what the
        call itself needs; inputs allocated before are not counted). ``rss_peak_mb``: peak
        resident set size of the whole process during the call (interpreter, inputs and
        native buffers such as BLAS workspaces included), sampled every ``interval`` seconds;
        ``nan`` without psutil. ``rss_before_mb``: the resident set size before the call.
        ``tree_pss_peak_mb``: peak proportional set size of this process plus the processes
        it forked (the batch ranks and renders in forked workers), sampled every half second
        at most (reading it walks the page tables: it costs some CPU); ``nan`` off Linux.
    """
    before = _rss()
    peak = [before or 0]
    tree = [_tree_pss()]
    stop = threading.Event()

    def sample() -> None:
        n = 0
        every = max(1, round(0.5 / interval)) if interval > 0 else 1
        while not stop.is_set():
            peak[0] = max(peak[0], _rss() or 0)
            if tree[0] is not None and n % every == 0:
                tree[0] = max(tree[0], _tree_pss() or 0)
            n += 1
            stop.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    was_tracing = tracemalloc.is_tracing()
    tracing = trace or was_tracing  # a caller's own tracing is read, never stopped
    base = 0
    if tracing:
        if not was_tracing:
            tracemalloc.start()
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
    if before is not None:
        sampler.start()
    try:
        result = fn()
    finally:
        traced_peak = tracemalloc.get_traced_memory()[1] - base if tracing else float("nan")
        if tracing and not was_tracing:
            tracemalloc.stop()
        stop.set()
        if before is not None:
            sampler.join()
    after = _rss()
    if after is not None:
        peak[0] = max(peak[0], after)
    return result, {
        "traced_mb": traced_peak / MB,
        "rss_peak_mb": peak[0] / MB if before is not None else float("nan"),
        "rss_before_mb": before / MB if before is not None else float("nan"),
        "tree_pss_peak_mb": tree[0] / MB if tree[0] is not None else float("nan"),
    }


def _clean(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and obj != obj:  # NaN is not JSON
        return None
    return obj


def emit_json(obj: dict[str, Any]) -> str:
    """Print ``obj`` as one JSON line (NaN as null, numpy scalars as numbers); return the line."""
    line = json.dumps(_clean(obj), sort_keys=False)
    print(line, flush=True)
    return line
