"""The ranking's score block and the opening pass: compiled kernels against numpy (issue 17).

Run from the repository root::

    python -m benchmarks.score_block                   # 1,000 workers x 25,000 vacancies
    python -m benchmarks.score_block --workers 2000 --vacancies 50000 --json

A :class:`~doorstroom_match.Matcher` with the default signals (text, occupations, inferred
cut-offs, the commute limit) fitted on seeded generator data; timed, minimum of ``--repeat``,
one thread (BLAS on one thread too), baseline in the same run:

* ``topk_numpy``: ``Matcher._topk`` with the numpy block (every signal and mask as an array
  pass over the block: the reference, and the path without numba);
* ``topk_fused_every_pair``: the same with the compiled score block
  (``doorstroom_match/_score.py``) over every pair;
* ``topk_fused``: the default: the compiled block, a block of neighbouring workers scored
  only against the vacancies it can reach (``doorstroom_match/reach.py``);
* ``opening_two_passes`` / ``opening_kernel_every_pair`` / ``opening_kernel``:
  :func:`doorstroom_match.opening_gaps` of the same workers, naming the competence of the
  pairs one level short with a second engine pass, with one compiled scan of every pair, or
  (the default) with that scan by place.

Every result is checked identical to its reference (indices and the bits of the scores; the
gaps). The pruning by place gains with the density of workers: run it at the week's size
(``--workers 25000 --vacancies 100000``) for the weekly figure.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np

from benchmarks._common import best_wall_cpu, emit_json, platform_info, platform_string


def run(args: argparse.Namespace) -> dict[str, Any]:
    from doorstroom_match import opening, ranking
    from doorstroom_match._score import compiled_kernel
    from doorstroom_match.core import _blas_threads
    from doorstroom_match.ranking import Matcher, as_vacancies, as_workers
    from doorstroom_match.synthetic import generate_sample

    if compiled_kernel() is None:
        raise SystemExit("numba is not installed (the 'fast' extra): nothing to compare")
    workers, vacancies, _ = generate_sample(args.workers, args.vacancies, 0, args.seed)
    wks, vacs = as_workers(workers), as_vacancies(vacancies)
    matcher = Matcher(n_jobs=1).fit(vacs)
    seconds: dict[str, float] = {}
    cpu: dict[str, float] = {}
    results: dict[str, Any] = {}
    with _blas_threads(1):
        ctx = matcher._worker_context(wks, None)
        matcher._reach_index()  # the place order, built once per fitted Matcher
        # (module whose toggles pick the path, name, compiled, by place, what is timed)
        runs = [
            (ranking, name, fused, by_place, lambda: matcher._topk(ctx, args.top, far=False))
            for name, fused, by_place in (
                ("topk_numpy", False, False),
                ("topk_fused_every_pair", True, False),
                ("topk_fused", True, True),
            )
        ] + [
            (opening, name, fused, by_place, lambda: opening.opening_gaps(wks, vacs))
            for name, fused, by_place in (
                ("opening_two_passes", False, False),
                ("opening_kernel_every_pair", True, False),
                ("opening_kernel", True, True),
            )
        ]
        for module, name, fused, by_place, fn in runs:
            module._FUSED, module._REACH = fused, by_place
            try:
                seconds[name], cpu[name], results[name] = best_wall_cpu(fn, args.repeat)
            finally:
                module._FUSED = module._REACH = True

    def same(a: Any, b: Any) -> bool:
        return bool(
            np.array_equal(a.indices, b.indices)
            and np.array_equal(a.values.view(np.uint32), b.values.view(np.uint32))
        )

    same_topk = same(results["topk_fused"], results["topk_numpy"]) and same(
        results["topk_fused_every_pair"], results["topk_numpy"]
    )
    same_opening = (
        results["opening_kernel"] == results["opening_two_passes"]
        and results["opening_kernel_every_pair"] == results["opening_two_passes"]
    )
    pairs = len(wks) * len(vacs)
    return {
        "benchmark": "score_block",
        "platform": platform_string(),
        "machine": platform_info(),
        "params": {
            "workers": args.workers,
            "vacancies": args.vacancies,
            "top": args.top,
            "seed": args.seed,
            "repeat": args.repeat,
            "threads": 1,
        },
        "pairs": pairs,
        "seconds": {k: round(v, 4) for k, v in seconds.items()},
        "cpu_seconds": {k: round(v, 4) for k, v in cpu.items()},
        "ns_per_pair": {k: round(1e9 * v / pairs, 2) for k, v in cpu.items()},
        "speedup_topk": round(cpu["topk_numpy"] / cpu["topk_fused"], 2),
        "speedup_topk_by_place": round(cpu["topk_fused_every_pair"] / cpu["topk_fused"], 2),
        "speedup_opening": round(cpu["opening_two_passes"] / cpu["opening_kernel"], 2),
        "speedup_opening_by_place": round(
            cpu["opening_kernel_every_pair"] / cpu["opening_kernel"], 2
        ),
        "identical_topk": same_topk,
        "identical_opening": same_opening,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.score_block", description=__doc__.split("\n")[0]
    )
    p.add_argument("--workers", type=int, default=1000)
    p.add_argument("--vacancies", type=int, default=25000)
    p.add_argument("--top", type=int, default=10)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--json", action="store_true", help="last stdout line: one JSON object")
    args = p.parse_args(argv)
    res = run(args)
    print(
        f"score block and opening pass, {args.workers} workers x {args.vacancies} vacancies, "
        f"1 thread ({res['platform']})"
    )
    for k in res["seconds"]:
        print(
            f"  {k:26s} {res['seconds'][k]:8.3f} s wall {res['cpu_seconds'][k]:8.3f} s CPU "
            f"{res['ns_per_pair'][k]:7.2f} ns/pair (CPU)"
        )
    print(
        f"  top-k {res['speedup_topk']}x, by place {res['speedup_topk_by_place']}x "
        f"(identical: {res['identical_topk']}); opening {res['speedup_opening']}x, by place "
        f"{res['speedup_opening_by_place']}x (identical: {res['identical_opening']})"
    )
    if args.json:
        emit_json(res)
    return 0 if res["identical_topk"] and res["identical_opening"] else 1


if __name__ == "__main__":
    sys.exit(main())
