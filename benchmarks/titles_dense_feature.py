"""A multilingual encoder as an extra re-ranker signal: nested CV with and without it.

    python -m benchmarks.titles_dense_feature --encoder e5 [--test-folds 0,1,2,3,4] [--json]

Reads the out-of-fold candidate rows of ``models.train_title_reranker`` (``--rows-dir``, run
that first with the same ``--folds``/``--seed``) and the encoder's embeddings cached by
``benchmarks.titles_cv`` (``build/titles_cv/<encoder>.npz``; texts missing there are embedded
and added). For every fold and setting it adds three features per candidate: the encoder's
cosine between the query and the candidate's best corpus row, its gap to the best candidate's
value and its rank among the candidates (as the re-ranker does for its other dense signal).
Then, for each test fold, two LambdaRank models with the shipped re-ranker's parameters are
trained on the other folds' rows of ``--recipe``: one on the 39 features of
``doorstroom_match.text.rerank.FEATURES``, one on those plus the three; both score the test
fold's candidates of every setting. Same rows, same folds, same parameters: the difference is
the signal. Prints a markdown table; with ``--json`` the last stdout line is one JSON object.

Measurement only: the product's feature code (``rerank.candidate_features``) is unchanged, so
a gain here would mean retraining the re-ranker with new features (a change of
``doorstroom_match/text/rerank.py`` and ``titles.py``).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from benchmarks._common import emit_json, platform_info

EXTRA = ("{name}", "{name}_gap", "{name}_rank")


def _occupation_cosines(
    q: np.ndarray, rows: np.ndarray, row_uris: list[str], uris: np.ndarray
) -> np.ndarray:
    """Best-row cosine per occupation (columns in the order of ``uris``)."""
    index = {u: j for j, u in enumerate(uris)}
    occ = np.array([index[u] for u in row_uris])
    order = np.argsort(occ, kind="stable")
    starts = np.r_[0, np.flatnonzero(np.diff(occ[order])) + 1]
    present = occ[order][starts]
    out = np.full((len(q), len(uris)), -1.0, dtype=np.float32)
    for s in range(0, len(q), 512):
        sims = q[s : s + 512] @ rows[order].T
        out[s : s + 512, present] = np.maximum.reduceat(sims, starts, axis=1)
    return out


def extra_features(fold, rows: dict, memo, settings=None) -> dict[str, np.ndarray]:
    """Per setting (those in ``settings``; None: all), the (n, K, 3) extra features of the
    encoder for the fold's candidates."""
    from doorstroom_match.text.rerank import _rank_within

    out = {}
    for setting, (corpus, texts, _gold) in fold.settings().items():
        if settings is not None and setting not in settings:
            continue
        r = rows[setting]
        rows_emb = memo.encode(list(corpus.texts))
        q = memo.encode(list(texts))
        occ = _occupation_cosines(q, rows_emb, list(corpus.uris), r["uris"])
        v = np.take_along_axis(occ, r["cand"], axis=1)
        out[setting] = np.stack(
            [v, v - v.max(axis=1, keepdims=True), _rank_within(v)], axis=2
        ).astype(np.float32)
    return out


@contextlib.contextmanager
def _features(names: tuple[str, ...]):
    """Let :class:`TitleReranker` fit and score ``names`` (its shape checks read FEATURES)."""
    from doorstroom_match.text import rerank

    saved = rerank.FEATURES
    rerank.FEATURES = names
    try:
        yield
    finally:
        rerank.FEATURES = saved


def run(args) -> dict:
    from benchmarks.titles_cv import _Memo, iter_folds
    from doorstroom_match.text.dense import E5SmallEncoder, MultilingualUseEncoder
    from doorstroom_match.text.rerank import FEATURES, TitleReranker
    from models.train_title_reranker import RECIPES, _load_rows, _metrics, _rows_file, _summary

    t0 = time.perf_counter()
    ns = SimpleNamespace(
        folds=args.folds,
        seed=args.seed,
        candidates=args.candidates,
        no_posting=False,
        no_groups=False,
        rows_dir=args.rows_dir,
    )
    rows = []
    for f in range(args.folds):
        path = _rows_file(ns, f)
        if not path.is_file():
            raise SystemExit(f"{path} missing: run python -m models.train_title_reranker first")
        rows.append(_load_rows(path))
    enc = {"e5": E5SmallEncoder, "use": MultilingualUseEncoder}[args.encoder]()
    memo = _Memo(enc, Path(args.cache_dir) / f"{args.encoder}.npz")
    settings = RECIPES[args.recipe]
    test_folds = [int(x) for x in args.test_folds.split(",")]
    extra = []
    for fold in iter_folds(args.folds, args.seed, Path(args.cache_dir), log=print):
        # the training folds need the recipe's settings only, the test folds all
        need = None if fold.index in test_folds else settings
        extra.append(extra_features(fold, rows[fold.index], memo, need))
        memo.save()
        print(f"  fold {fold.index}: {args.encoder} features", flush=True)
    names = tuple(e.format(name=args.encoder) for e in EXTRA)
    per_fold: dict[str, list] = {}
    for f in test_folds:
        train = [(rows[i][s], extra[i][s]) for s in settings for i in range(args.folds) if i != f]
        right = np.concatenate([r["right"] for r, _ in train])
        base = np.concatenate([r["feats"] for r, _ in train])
        plus = np.concatenate([base, np.concatenate([e for _, e in train])], axis=2)
        m_base = TitleReranker(n_candidates=args.candidates).fit(base, right)
        with _features((*FEATURES, *names)):
            m_plus = TitleReranker(n_candidates=args.candidates).fit(plus, right)
        del base, plus
        for s in rows[f]:
            r, e = rows[f][s], extra[f][s]
            per_fold.setdefault(f"fused/{s}", []).append(
                _metrics(r["feats"][:, :, FEATURES.index("fused")], r["right"])
            )
            per_fold.setdefault(f"reranked/{s}", []).append(
                _metrics(m_base.predict_scores(r["feats"]), r["right"])
            )
            with _features((*FEATURES, *names)):
                scores = m_plus.predict_scores(np.concatenate([r["feats"], e], axis=2))
            per_fold.setdefault(f"reranked+{args.encoder}/{s}", []).append(
                _metrics(scores, r["right"])
            )
        print(f"  test fold {f}: done ({time.perf_counter() - t0:.0f} s)", flush=True)
    return {
        "benchmark": "titles_dense_feature",
        "encoder": args.encoder,
        "recipe": args.recipe,
        "test_folds": args.test_folds,
        "summary": _summary(per_fold),
        "per_fold": per_fold,
        "wall_s": time.perf_counter() - t0,
        **platform_info(),
    }


def main(argv: list[str] | None = None) -> int:
    from models.train_title_reranker import RECIPES, print_table

    p = argparse.ArgumentParser(
        prog="python -m benchmarks.titles_dense_feature", description=__doc__.split("\n")[0]
    )
    p.add_argument("--encoder", choices=("e5", "use"), default="e5")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--candidates", type=int, default=50)
    p.add_argument("--test-folds", default="0,1,2,3,4", help="comma-separated fold numbers")
    p.add_argument("--recipe", choices=sorted(RECIPES), default="labels+posting")
    p.add_argument("--rows-dir", default="build/title_reranker_rows")
    p.add_argument("--cache-dir", default="build/titles_cv")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    res = run(args)
    print_table(res["summary"], res["per_fold"])
    if args.json:
        emit_json(res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
