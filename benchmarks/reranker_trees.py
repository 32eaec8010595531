"""The title re-ranker's trees: QuickScorer against LightGBM, same rows, same run.

    python -m benchmarks.reranker_trees [--kind int8] [--rows 51200] [--repeat 5] [--json]
    python -m benchmarks.reranker_trees --features ROWS.npy   # your own candidate rows

Scores ``--rows`` candidate rows with the shipped re-ranker of a query kind
(``rerank.reranker_path(kind)``) on one thread, twice: ``TitleReranker.predict_scores`` as
shipped (QuickScorer, :mod:`doorstroom_match.text._forest`) and with
``engine="lightgbm"`` (the reference), the minimum over ``--repeat`` runs of each, and checks
that the scores are the same numbers. The rows, seeded: each feature drawn uniformly between
the model's smallest and largest threshold of that feature, 3% missing (NaN); how deep a row
walks a tree depends on where its values fall, so real candidate rows (``--features``: an
``.npy`` of shape (n, 39) or (n_queries, K, 39), float32) may give another ratio. 50 rows are
one query's candidates.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from benchmarks._common import emit_json, platform_info


def synthetic_rows(forest, n: int, seed: int) -> np.ndarray:
    """``n`` rows within the model's thresholds (see the module docstring)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, forest.n_features)).astype(np.float32)
    for f in range(forest.n_features):
        thr = forest.thresholds[forest.offsets[f] : forest.offsets[f + 1]]
        if len(thr):
            x[:, f] = rng.uniform(thr.min(), thr.max(), size=n)
    x[rng.random(x.shape) < 0.03] = np.nan
    return x


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.reranker_trees", description=__doc__.split("\n")[0]
    )
    p.add_argument("--kind", default="int8", help="query kind of the re-ranker file")
    p.add_argument("--rows", type=int, default=51200)
    p.add_argument("--features", default=None, help=".npy of candidate rows instead")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)

    from doorstroom_match.text.rerank import FEATURES, TitleReranker, reranker_path

    rr = TitleReranker.load(reranker_path(args.kind))
    if rr.forest_ is None:
        print("QuickScorer does not apply here (numba missing?)", file=sys.stderr)
        return 2
    if args.features:
        x = np.load(args.features).astype(np.float32).reshape(-1, len(FEATURES))
        source = args.features
    else:
        x = synthetic_rows(rr.forest_, args.rows, args.seed)
        source = f"synthetic, seed {args.seed}"
    feats = x.reshape(len(x), 1, len(FEATURES))

    def timed(engine: str) -> tuple[float, np.ndarray]:
        rr.predict_scores(feats[:50], n_threads=1, engine=engine)  # warm-up (kernel load)
        best, out = float("inf"), None
        for _ in range(max(1, args.repeat)):
            t0 = time.perf_counter()
            out = rr.predict_scores(feats, n_threads=1, engine=engine)
            best = min(best, time.perf_counter() - t0)
        return best, out

    qs_s, qs = timed("auto")
    lgb_s, ref = timed("lightgbm")
    res = {
        "benchmark": "reranker_trees",
        "reranker": str(reranker_path(args.kind)),
        "rows": len(x),
        "source": source,
        "quickscorer_s": qs_s,
        "lightgbm_s": lgb_s,
        "speedup": lgb_s / qs_s,
        "us_per_query_quickscorer": qs_s / len(x) * 50 * 1e6,
        "us_per_query_lightgbm": lgb_s / len(x) * 50 * 1e6,
        "same_scores": bool(np.array_equal(qs, ref)),
        **platform_info(),
    }
    print(
        f"{len(x)} rows ({source}), one thread, min of {args.repeat}: QuickScorer "
        f"{qs_s:.3f} s, LightGBM {lgb_s:.3f} s ({res['speedup']:.2f}x); "
        f"same scores: {res['same_scores']}",
        file=sys.stderr if args.json else sys.stdout,
    )
    if args.json:
        emit_json(res)
    return 0 if res["same_scores"] else 1


if __name__ == "__main__":
    sys.exit(main())
