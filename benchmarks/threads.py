"""Thread scaling of the core's top-k: pairs per second against the number of threads.

    python -m benchmarks.threads [--workers 8000] [--vacancies 50000] [--repeat 3] [--json]

``doorstroom_match.core.topk_by_distance`` (top-10, cut-off ``max_distance=2``) on seeded data of
``benchmarks.core`` with ``n_jobs`` = 1, 2, 4, ... up to the CPUs this process may use. The
baseline is the same call on one thread, in the same run; ``efficiency`` is speed-up / threads
(1.0 is linear). Minimum of ``--repeat`` runs; identical results across thread counts are
checked.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

from benchmarks._common import best_of, emit_json, platform_info
from benchmarks.core import DEFAULT_MAX_DISTANCE, make_data, run_core_topk


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--workers", type=int, default=8000)
    p.add_argument("--vacancies", type=int, default=50000)
    p.add_argument("--competences", type=int, default=30)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    levels, req, wts = make_data(args.workers, args.vacancies, args.competences, args.seed)
    cpus = len(os.sched_getaffinity(0))
    counts = [n for n in (1, 2, 4, 8, 16, 32, 64) if n <= cpus]
    if cpus not in counts:
        counts.append(cpus)
    pairs = args.workers * args.vacancies
    points, ref = [], None
    for n in counts:
        run_core_topk(levels[:64], req, wts, 10, DEFAULT_MAX_DISTANCE, n)  # warm-up (jit)
        t, res = best_of(
            lambda n=n: run_core_topk(levels, req, wts, 10, DEFAULT_MAX_DISTANCE, n),
            args.repeat,
        )
        if ref is None:
            ref, t1 = res, t
        else:
            assert np.array_equal(res.indices, ref.indices), "results differ across threads"
        points.append(
            {
                "threads": n,
                "seconds": round(t, 4),
                "pairs_per_s": round(pairs / t),
                "speedup": round(t1 / t, 2),
                "efficiency": round(t1 / t / n, 3),
            }
        )
        if not args.json:
            print(points[-1])
    out = {
        "benchmark": "threads",
        "workers": args.workers,
        "vacancies": args.vacancies,
        "competences": args.competences,
        "points": points,
        "platform": platform_info(),
    }
    if args.json:
        emit_json(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
