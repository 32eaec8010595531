"""Thread scaling of the core's top-k: pairs per second against the number of threads.

    python -m benchmarks.threads [--workers 8000] [--vacancies 50000] [--repeat 3] [--json]
    python -m benchmarks.threads --workers 2000 --k 1000 --max-distance none --falling --no-k-limit

``doorstroom_match.core.topk_by_distance`` (top-10, cut-off ``max_distance=2``; ``--k`` and
``--max-distance`` change them, and the second command measures the fused kernel's k limit) on
seeded data of ``benchmarks.core`` with ``n_jobs`` = 1, 2, 4, ... up to the CPUs this process
may use. The scaling baseline is the same call on one thread, in the same run; ``efficiency``
is speed-up / threads (1.0 is linear). The default call fuses the lookup-table distances with
the selection; the score-block path it replaced (explicit ``block_cols``: distances written
into a block, then selected) is timed beside it at every thread count (``blocked_seconds``,
``fused_vs_blocked``). Minimum of ``--repeat`` runs; identical results across thread counts
and paths are checked.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from benchmarks._common import best_of, emit_json, platform_info
from benchmarks.core import DEFAULT_MAX_DISTANCE, make_data, run_core_topk
from doorstroom_match._cpus import usable_cpus


def run_blocked_topk(levels, requirements, weights, k, max_distance, n_jobs):
    """The score-block path with its own default blocks (what the default call did before)."""
    from doorstroom_match.core import _topk_blocks, topk_by_distance

    _, block_cols = _topk_blocks(levels.shape[0], requirements.shape[0], n_jobs)
    return topk_by_distance(
        levels, requirements, weights, k=k, max_distance=max_distance, n_jobs=n_jobs,
        block_cols=block_cols,
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--workers", type=int, default=8000)
    p.add_argument("--vacancies", type=int, default=50000)
    p.add_argument("--competences", type=int, default=30)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--k", type=int, default=10, help="nearest vacancies per worker")
    p.add_argument(
        "--max-distance",
        default=str(DEFAULT_MAX_DISTANCE),
        help="the cut-off, or 'none' for every distance (default %(default)s)",
    )
    p.add_argument(
        "--falling",
        action="store_true",
        help="vacancies ordered by falling total weighted requirement, so that distances tend "
        "to fall along the columns (the fused kernel's worst case for large k)",
    )
    p.add_argument(
        "--no-k-limit",
        action="store_true",
        help="let the default call fuse at any k (core._LUT_TOPK_MAX_K lifted): how the limit "
        "was measured",
    )
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    max_d = None if args.max_distance.lower() == "none" else float(args.max_distance)
    if args.no_k_limit:
        from doorstroom_match import core

        core._LUT_TOPK_MAX_K = max(core._LUT_TOPK_MAX_K, args.k)
    levels, req, wts = make_data(args.workers, args.vacancies, args.competences, args.seed)
    if args.falling:
        order = np.argsort(-(req.astype(np.float32) * wts).sum(axis=1), kind="stable")
        req, wts = np.ascontiguousarray(req[order]), np.ascontiguousarray(wts[order])
    cpus = usable_cpus()  # the affinity mask, capped by a cgroup CPU quota
    counts = [n for n in (1, 2, 4, 8, 16, 32, 64) if n <= cpus]
    if cpus not in counts:
        counts.append(cpus)
    pairs = args.workers * args.vacancies
    points, ref = [], None
    for n in counts:
        run_core_topk(levels[:64], req, wts, args.k, max_d, n)  # warm-up (jit)
        t, res = best_of(
            lambda n=n: run_core_topk(levels, req, wts, args.k, max_d, n),
            args.repeat,
        )
        tb, blocked = best_of(
            lambda n=n: run_blocked_topk(levels, req, wts, args.k, max_d, n),
            args.repeat,
        )
        if ref is None:
            ref, t1 = res, t
        for other in (res, blocked):
            assert np.array_equal(other.indices, ref.indices), "results differ"
            assert np.array_equal(other.values, ref.values, equal_nan=True), "results differ"
        points.append(
            {
                "threads": n,
                "seconds": round(t, 4),
                "pairs_per_s": round(pairs / t),
                "speedup": round(t1 / t, 2),
                "efficiency": round(t1 / t / n, 3),
                "blocked_seconds": round(tb, 4),
                "fused_vs_blocked": round(tb / t, 2),
            }
        )
        if not args.json:
            print(points[-1])
    out = {
        "benchmark": "threads",
        "workers": args.workers,
        "vacancies": args.vacancies,
        "competences": args.competences,
        "k": args.k,
        "falling": args.falling,
        "no_k_limit": args.no_k_limit,
        "max_distance": max_d,
        "points": points,
        "platform": platform_info(),
    }
    if args.json:
        emit_json(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
