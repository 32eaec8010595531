"""Benchmark of the matching core: pairs per second against plain baselines, in one run.

Usage (from the repository root)::

    python -m benchmarks.core --workers 2000 --vacancies 20000 --competences 30 [--json]

Four ways to compute weighted shortfall distances of W workers to V vacancies, all on the same
seeded synthetic profiles (``doorstroom_match.synthetic.synthetic_arrays``: levels 1..4 with
about 10% not rated, about 40% of the competences required per vacancy, weights in [0.5, 2]):

``python``
    A plain Python loop over pairs and competences (on a subsample of pairs).
``numpy``
    Straightforward numpy broadcasting, ``maximum(req - level, 0) * weight`` summed over the
    competences, in row blocks of at most 8 MB of temporaries (faster than larger blocks),
    on at most ``--numpy-rows`` workers.
``core``
    The library's distance computation, :func:`doorstroom_match.core.distance_blocks` with
    its default ``method="auto"`` (the lookup tables per pair of competences when numba is
    installed, else the GEMM of threshold indicators), in row blocks of at most 30 MB written
    into one reused buffer, so that any size fits in memory.
``core_gemm``
    The same with ``method="gemm"`` (reported for comparison; equal to ``core`` without numba).
``core_topk``
    The product path, :func:`doorstroom_match.core.topk_by_distance`: the distances with
    *cut-off filtering* (pairs farther than ``--max-distance`` are excluded, 2.0 by default:
    for example one competence two levels short at weight 1) and the 10 nearest vacancies per
    worker, ties broken by the lower vacancy index.

Weights are rounded to multiples of 2**-10, so every distance is an exact float32 sum whatever
the summation order; the checks can then demand identical top-k lists, not merely close ones.
Checks: the Python loop, numpy and the core agree to 1e-4 (relative), and ``core_topk`` equals
a stable sort of the numpy distances (after the same cut-off) on the rows numpy computed.

Each figure is the minimum of ``--repeat`` runs. Peak memory is measured on a separate run of
``core_topk`` before anything else (process RSS, sampled, and the allocations of the run).
With ``--json`` the last line of standard output is one JSON object.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from benchmarks._common import best_of, emit_json, peak_memory, platform_info

DEFAULT_MAX_DISTANCE = 2.0
WEIGHT_QUANTUM = 2.0**-10
_NUMPY_BLOCK_BYTES = 8 * 2**20  # cache-friendly: larger blocks make numpy slower


# --------------------------------------------------------------------------- data
def make_data(
    n_workers: int, n_vacancies: int, n_competences: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seeded synthetic arrays; weights rounded to multiples of 2**-10 (exact float32 sums).

    Returns
    -------
    levels : ndarray of shape (W, C), int8, 0..4
    requirements : ndarray of shape (V, C), int8, 0..4
    weights : ndarray of shape (V, C), float32
    """
    from doorstroom_match.synthetic import synthetic_arrays

    levels, req, weights = synthetic_arrays(n_workers, n_vacancies, n_competences, seed=seed)
    weights = (np.round(weights / WEIGHT_QUANTUM) * WEIGHT_QUANTUM).astype(np.float32)
    return np.asarray(levels, np.int8), np.asarray(req, np.int8), weights


# --------------------------------------------------------------------------- baselines
def python_distances(levels: list, requirements: list, weights: list) -> list[list[float]]:
    """Plain Python: for every pair, the weighted sum of max(0, required - level)."""
    out = []
    for lrow in levels:
        row = []
        for rrow, wrow in zip(requirements, weights, strict=True):
            d = 0.0
            for lv, rq, wt in zip(lrow, rrow, wrow, strict=True):
                if rq > lv:
                    d += wt * (rq - lv)
            row.append(d)
        out.append(row)
    return out


def numpy_distances(
    levels: np.ndarray, requirements: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """Straightforward numpy broadcasting, in row blocks of at most 8 MB of temporaries.

    Returns
    -------
    ndarray of shape (W, V), float32
    """
    n_w, n_c = levels.shape
    n_v = requirements.shape[0]
    rows = max(1, _NUMPY_BLOCK_BYTES // max(1, 4 * n_v * n_c))
    out = np.empty((n_w, n_v), dtype=np.float32)
    for r0 in range(0, n_w, rows):
        lv = levels[r0 : r0 + rows, None, :]
        short = np.maximum(requirements[None, :, :] - lv, 0)  # int8, 0 where not required
        out[r0 : r0 + rows] = (short * weights[None, :, :]).sum(axis=2)
    return out


def reference_topk(
    distances: np.ndarray, k: int, max_distance: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k by a stable sort (ties by lower index), -1 / nan where fewer qualify; with fewer
    vacancies than k, ``min(k, n_vacancies)`` columns (no padding, as ``core.blocked_topk``)."""
    d = distances if max_distance is None else np.where(distances > max_distance, np.inf, distances)
    order = np.argsort(d, axis=1, kind="stable")[:, :k]
    vals = np.take_along_axis(d, order, axis=1)
    bad = ~np.isfinite(vals)
    order[bad] = -1
    vals = vals.astype(np.float32)
    vals[bad] = np.nan
    return order, vals


# --------------------------------------------------------------------------- the core
def core_distance_blocks(
    levels: np.ndarray, requirements: np.ndarray, weights: np.ndarray, method: str = "auto"
) -> Iterator[tuple[slice, np.ndarray]]:
    """The library's distances in row blocks of at most 30 MB (a reused buffer)."""
    from doorstroom_match.core import distance_blocks

    return distance_blocks(levels, requirements, weights, method=method)


def run_core(levels, requirements, weights, method: str = "auto") -> float:
    """All distances, block by block; returns a checksum so the work cannot be skipped."""
    total = 0.0
    for _, block in core_distance_blocks(levels, requirements, weights, method):
        total += float(block[:, 0].sum())
    return total


def run_core_topk(levels, requirements, weights, k, max_distance, n_jobs):
    from doorstroom_match.core import topk_by_distance

    return topk_by_distance(
        levels, requirements, weights, k=k, max_distance=max_distance, n_jobs=n_jobs
    )


# --------------------------------------------------------------------------- the run
def _rel_err(a: np.ndarray, b: np.ndarray, rows: int = 64) -> float:
    """Largest ``|a - b| / max(1, |b|)``, in row chunks (float64 copies stay small)."""
    a, b = np.atleast_2d(np.asarray(a)), np.atleast_2d(np.asarray(b))
    err = 0.0
    for r0 in range(0, a.shape[0], rows):
        x = a[r0 : r0 + rows].astype(np.float64)
        y = b[r0 : r0 + rows].astype(np.float64)
        if x.size:
            err = max(err, float(np.max(np.abs(x - y) / np.maximum(1.0, np.abs(y)))))
    return err


def run(
    n_workers: int = 2000,
    n_vacancies: int = 20000,
    n_competences: int = 30,
    *,
    k: int = 10,
    max_distance: float | None = DEFAULT_MAX_DISTANCE,
    seed: int = 0,
    repeat: int = 5,
    numpy_rows: int | None = None,
    python_workers: int = 16,
    python_vacancies: int = 2000,
    n_jobs: int = -1,
    log=print,
) -> dict[str, Any]:
    """Run the benchmark and return the result dict (the ``--json`` object)."""
    from doorstroom_match.core import _resolve_method, _resolve_n_jobs

    t_start = time.perf_counter()
    levels, req, wts = make_data(n_workers, n_vacancies, n_competences, seed)
    core_method = _resolve_method("auto", n_vacancies, n_competences)
    n_pairs = n_workers * n_vacancies
    if numpy_rows is None:  # about 4e7 pairs: a few seconds per run
        numpy_rows = max(1, min(n_workers, 40_000_000 // n_vacancies))
    numpy_rows = min(numpy_rows, n_workers)
    py_w, py_v = min(python_workers, n_workers), min(python_vacancies, n_vacancies)
    log(
        f"core benchmark: W={n_workers} V={n_vacancies} C={n_competences} k={k} "
        f"max_distance={max_distance} seed={seed} repeat={repeat}"
    )

    # memory first, on a clean process
    top, mem = peak_memory(lambda: run_core_topk(levels, req, wts, k, max_distance, n_jobs))
    log(
        f"  core_topk peak memory: rss {mem['rss_peak_mb']:.0f} MB "
        f"(before {mem['rss_before_mb']:.0f} MB), allocated by the run {mem['traced_mb']:.0f} MB"
    )
    _, mem_core = peak_memory(lambda: run_core(levels, req, wts))

    seconds: dict[str, float] = {}
    pairs: dict[str, int] = {}
    seconds["core_topk"], top = best_of(
        lambda: run_core_topk(levels, req, wts, k, max_distance, n_jobs), repeat
    )
    pairs["core_topk"] = n_pairs
    log(f"  core_topk: {seconds['core_topk']:.3f} s")
    seconds["core"], _ = best_of(lambda: run_core(levels, req, wts), repeat)
    pairs["core"] = n_pairs
    log(f"  core:      {seconds['core']:.3f} s (method {core_method})")
    seconds["core_gemm"], _ = best_of(lambda: run_core(levels, req, wts, "gemm"), repeat)
    pairs["core_gemm"] = n_pairs
    log(f"  core_gemm: {seconds['core_gemm']:.3f} s")

    lv_np = levels[:numpy_rows]
    seconds["numpy"], d_np = best_of(lambda: numpy_distances(lv_np, req, wts), repeat)
    pairs["numpy"] = numpy_rows * n_vacancies
    log(f"  numpy:     {seconds['numpy']:.3f} s on {numpy_rows} workers")

    lists = (levels[:py_w].tolist(), req[:py_v].tolist(), wts[:py_v].astype(float).tolist())
    seconds["python"], d_py = best_of(lambda: python_distances(*lists), repeat)
    pairs["python"] = py_w * py_v
    log(f"  python:    {seconds['python']:.3f} s on {py_w} x {py_v} pairs")

    # checks (untimed)
    d_core = np.empty_like(d_np)
    err_numpy = 0.0
    for method in ("gemm", "auto"):  # "auto" last: d_core keeps the default method's distances
        for rows, block in core_distance_blocks(lv_np, req, wts, method):
            d_core[rows] = block
        err_numpy = max(err_numpy, _rel_err(d_np, d_core))
    err_python = _rel_err(np.array(d_py, np.float64), d_core[:py_w, :py_v])
    ref_idx, ref_val = reference_topk(d_np, k, max_distance)
    topk_identical = bool(
        np.array_equal(top.indices[:numpy_rows], ref_idx)
        and np.array_equal(top.values[:numpy_rows], ref_val, equal_nan=True)
    )
    found = top.indices >= 0
    checks = {
        "max_rel_err_numpy_vs_core": err_numpy,
        "max_rel_err_python_vs_core": err_python,
        "distances_agree": bool(err_numpy <= 1e-4 and err_python <= 1e-4),
        "topk_identical_to_numpy_reference": topk_identical,
        "topk_rows_checked": numpy_rows,
        "workers_with_fewer_than_k": int(np.count_nonzero(found.sum(axis=1) < k)),
        "pairs_within_max_distance_in_topk": int(found.sum()),
    }

    pps = {name: pairs[name] / seconds[name] for name in ("python", "numpy", "core", "core_topk")}
    pps["core_gemm"] = pairs["core_gemm"] / seconds["core_gemm"]
    speed_core = pps["core"] / pps["numpy"]
    result: dict[str, Any] = {
        "benchmark": "core",
        "sizes": {
            "workers": n_workers,
            "vacancies": n_vacancies,
            "competences": n_competences,
            "pairs": n_pairs,
            "k": k,
            "numpy_workers": numpy_rows,
            "python_pairs": pairs["python"],
        },
        "max_distance": max_distance,
        "seed": seed,
        "repeat": repeat,
        "pairs_per_s": pps,
        "seconds": seconds,
        "core_method": core_method,
        "speedup_core_vs_numpy": speed_core,
        "speedup_core_gemm_vs_numpy": pps["core_gemm"] / pps["numpy"],
        "speedup_core_topk_vs_numpy": pps["core_topk"] / pps["numpy"],
        "speedup_numpy_vs_python": pps["numpy"] / pps["python"],
        "peak_mb": mem["rss_peak_mb"],
        "memory": {
            "core_topk_rss_peak_mb": mem["rss_peak_mb"],
            "core_topk_rss_before_mb": mem["rss_before_mb"],
            "core_topk_allocated_mb": mem["traced_mb"],
            "core_allocated_mb": mem_core["traced_mb"],
        },
        "checks": checks,
        "goals": {
            "core_50x_numpy": speed_core >= 50,
            "core_topk_1e8_pairs_per_s": pps["core_topk"] >= 1e8,
            "core_topk_under_60_s": seconds["core_topk"] < 60,
            "peak_under_2_gb": (mem["rss_peak_mb"] or 0) < 2048,
        },
        "threads": {
            "n_jobs": _resolve_n_jobs(n_jobs),
            "cpu_count": os.cpu_count(),
            "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
            "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        },
        **platform_info(),
        "wall_s": time.perf_counter() - t_start,
    }
    log("  pairs/s: " + ", ".join(f"{name} {v:.3g}" for name, v in pps.items()))
    log(
        f"  core / numpy = {speed_core:.1f}x, core_topk / numpy = "
        f"{result['speedup_core_topk_vs_numpy']:.1f}x; checks: distances agree "
        f"{checks['distances_agree']}, top-k identical {topk_identical}"
    )
    return result


def _max_distance(text: str) -> float | None:
    if text.lower() in ("none", "inf", "off"):
        return None
    return float(text)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.core", description=__doc__.split("\n")[0]
    )
    p.add_argument("--workers", type=int, default=2000, help="W (default 2000)")
    p.add_argument("--vacancies", type=int, default=20000, help="V (default 20000)")
    p.add_argument("--competences", type=int, default=30, help="C (default 30)")
    p.add_argument("--k", type=int, default=10, help="top-k per worker (default 10)")
    p.add_argument(
        "--max-distance",
        type=_max_distance,
        default=DEFAULT_MAX_DISTANCE,
        help="cut-off: exclude pairs farther than this (default 2.0; 'none' to disable)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--repeat", type=int, default=5, help="runs per method; the minimum counts")
    p.add_argument(
        "--numpy-rows",
        type=int,
        default=None,
        help="workers for the numpy baseline (default: 4e7 pairs)",
    )
    p.add_argument("--n-jobs", type=int, default=-1, help="threads for core_topk (default -1: all)")
    p.add_argument("--json", action="store_true", help="end with one JSON line")
    args = p.parse_args(argv)
    for name in ("workers", "vacancies", "competences", "k", "repeat"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be >= 1, got {getattr(args, name)}")
    result = run(
        args.workers,
        args.vacancies,
        args.competences,
        k=args.k,
        max_distance=args.max_distance,
        seed=args.seed,
        repeat=args.repeat,
        numpy_rows=args.numpy_rows,
        n_jobs=args.n_jobs,
        log=(lambda *a: print(*a, file=sys.stderr)) if args.json else print,
    )
    if args.json:
        emit_json(result)
    ok = (
        result["checks"]["distances_agree"]
        and result["checks"]["topk_identical_to_numpy_reference"]
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
