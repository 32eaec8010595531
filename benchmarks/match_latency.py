"""Latency of ranking one worker against a large fitted feed: ``Matcher.rank([w], top=10)``.

What a coach's tool pays per ``match`` once the week's vacancies are fitted: the worker's
occupation guess, the core's distances, the text and occupation signals, the commute limit and
the explanation of the 10 rows. Vacancies and workers from the seeded generator
(``doorstroom_match.synthetic``); the default Matcher (occupation anchor on) against the same
Matcher without occupations (``occupations=None``, the baseline) in the same run. Minimum over
``--repeat`` runs of the mean over ``--queries`` single-worker calls.

    python -m benchmarks.match_latency [--vacancies 100000] [--queries 50] [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import sys
import time


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--vacancies", type=int, default=100_000)
    p.add_argument("--queries", type=int, default=50)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--seed", type=int, default=5)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)

    from benchmarks._common import emit_json, platform_info
    from doorstroom_match import Matcher
    from doorstroom_match.synthetic import generate_sample

    workers, vacancies, _ = generate_sample(args.queries, args.vacancies, 0, seed=args.seed)
    out = {"benchmark": "match_latency", "vacancies": len(vacancies), "queries": len(workers)}
    for name, params in (("default", {}), ("no_occupations", {"occupations": None})):
        t0 = time.perf_counter()
        m = Matcher(**params).fit(vacancies)
        fit_s = time.perf_counter() - t0
        m.rank(workers[:2], top=10)  # warm-up (jit, caches)
        runs = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            for w in workers:
                m.rank([w], top=10)
            runs.append((time.perf_counter() - t0) / len(workers) * 1000)
        out[name] = {"fit_s": round(fit_s, 2), "ms_per_worker": round(min(runs), 2),
                     "runs_ms": [round(r, 2) for r in runs]}  # fmt: skip
    out["ratio_default_vs_baseline"] = round(
        out["default"]["ms_per_worker"] / out["no_occupations"]["ms_per_worker"], 2
    )
    out["platform"] = platform_info()
    if args.json:
        emit_json(out)
    else:
        for k in ("default", "no_occupations"):
            print(k, out[k])
    return 0


if __name__ == "__main__":
    sys.exit(main())
