"""Benchmark of the increment's ranking step alone: merged against full, same matches.

Run from the repository root::

    python -m benchmarks.increment                      # 2,000 workers x 20,000 vacancies
    python -m benchmarks.increment --workers 5000 --vacancies 25000 --json

Data: the seeded generator (week 1 and the week-2 feed grown from it, about 10% new and 6%
changed vacancies). A :class:`~doorstroom_match.Matcher` (TF-IDF text fitted on the week-1
titles, the shipped occupation model) is fitted on week 1; every worker is ranked in full and
their candidate lists are kept; then on week 2 the workers are ranked in full (the baseline)
and merged (:func:`doorstroom_match.increment.rank_block` with last week's lists), one block of
256 workers at a time on one thread, as the batch does. Times are the minimum of ``--repeat``
runs and cover scoring, top-k, merging and explaining the kept rows; reading, fitting and
writing are outside (``benchmarks.batch`` times the whole week). The rows of both are compared.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import numpy as np

from benchmarks._common import emit_json, platform_string

BLOCK = 256


def run(args: argparse.Namespace) -> dict[str, Any]:
    from doorstroom_match import Matcher, Vacancy, WorkerProfile
    from doorstroom_match.core import _blas_threads
    from doorstroom_match.increment import plan_merges, rank_block
    from doorstroom_match.store import StoredCandidates
    from doorstroom_match.synthetic import generate_sample, week_feed
    from doorstroom_match.text.encoders import TfidfEncoder

    workers_r, feed1, _ = generate_sample(args.workers, args.vacancies, 0, args.seed)
    feed2 = week_feed(feed1, 2, args.seed)
    workers = sorted((WorkerProfile.from_record(r) for r in workers_r), key=lambda w: w.id)
    v1 = sorted((Vacancy.from_record(r) for r in feed1), key=lambda v: v.id)
    v2 = sorted((Vacancy.from_record(r) for r in feed2), key=lambda v: v.id)
    enc = TfidfEncoder(n_components=128).fit(sorted({v.title for v in v1}))
    params = {"text": enc, "fit_text": False}
    blocks = [workers[i : i + BLOCK] for i in range(0, len(workers), BLOCK)]

    def rank_all(matcher, **kw):
        with _blas_threads(1):
            return [r for b in blocks for r in rank_block(matcher, b, args.top, **kw)]

    m1 = Matcher(**params).fit(v1)
    week1 = rank_all(m1)
    stored = {
        w.id: StoredCandidates(
            w.id,
            1,
            "h",
            "c",
            (),
            r.candidates.complete,
            r.candidates.vacancy_ids,
            np.array(r.candidates.scores, np.float32),
        )
        for w, r in zip(workers, week1, strict=True)
    }
    m2 = Matcher(**params).fit(v2)
    old = {v.id: v for v in v1}
    unchanged = np.array([v.id in old and old[v.id] == v for v in v2])
    times: dict[str, list[float]] = {"full": [], "merged": []}
    for _ in range(args.repeat):
        t = time.perf_counter()
        full = rank_all(m2)
        times["full"].append(time.perf_counter() - t)
        t = time.perf_counter()
        previous = plan_merges(
            stored,
            {w.id: "h" for w in workers},
            "c",
            1,
            {vid: j for j, vid in enumerate(m2.vacancy_ids_)},
            unchanged,
            {},
        )
        delta_cols = np.flatnonzero(~unchanged)
        delta = (m2._restricted(delta_cols), delta_cols)
        merged = rank_all(m2, previous=previous, delta=delta)
        times["merged"].append(time.perf_counter() - t)
    same = all(
        [(m.to_record(), w) for m, w in a.pairs] == [(m.to_record(), w) for m, w in b.pairs]
        for a, b in zip(merged, full, strict=True)
    )
    best = {k: min(v) for k, v in times.items()}
    return {
        "benchmark": "increment",
        "platform": platform_string(),
        "params": {
            "workers": args.workers,
            "vacancies": args.vacancies,
            "top": args.top,
            "seed": args.seed,
            "repeat": args.repeat,
            "week2_vacancies": len(v2),
            "delta_columns": int(len(delta_cols)),
        },
        "seconds": {k: round(v, 2) for k, v in best.items()},
        "all_seconds": {k: [round(x, 2) for x in v] for k, v in times.items()},
        "merged_workers": int(sum(r.merged for r in merged)),
        "ratio_full_over_merged": round(best["full"] / best["merged"], 2),
        "same_rows": same,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.increment")
    p.add_argument("--workers", type=int, default=2000)
    p.add_argument("--vacancies", type=int, default=20000)
    p.add_argument("--top", type=int, default=10)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    res = run(args)
    s = res["seconds"]
    print(f"increment ranking, {args.workers} x {args.vacancies} ({res['platform']})")
    print(
        f"  full {s['full']:.2f} s, merged {s['merged']:.2f} s "
        f"(x{res['ratio_full_over_merged']}; {res['merged_workers']} workers merged, "
        f"{res['params']['delta_columns']} delta columns); same rows: {res['same_rows']}"
    )
    if args.json:
        emit_json(res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
