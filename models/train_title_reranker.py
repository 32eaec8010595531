"""Train the job-title re-ranker on out-of-fold candidates of the dev queries.

Build the artefact the library uses by default (``TitleNormalizer(reranker="auto")``)::

    python -m models.train_title_reranker --out models/title-reranker.json

Method. The dev occupations are split into 5 folds by uri (``benchmarks.titles_cv``). For each
fold a title adapter and a word-substitution table are learned without the fold's
alternative labels, a
:class:`~doorstroom_match.text.TitleNormalizer` with that adapter is fitted on a corpus where
the fold's occupations are known by their preferred label only, and the fold's alternative
labels are scored: the fused top 50 occupations per query and their features
(``doorstroom_match.text.rerank.FEATURES``) are the training rows, labelled by whether the
candidate is the gold occupation, one ranking group per query for LightGBM's LambdaRank. So
every row looks like a query the product has never seen.
Both settings of ``benchmarks.titles_cv.Fold`` are used (9,618 and about 4,400 queries):
*held-out* (the fold's occupations known by their preferred label only) and *known* (half of
their other labels in the corpus): trained on held-out rows alone, the model learns that the right
occupation never has other labels, which is false in the product. Each setting comes twice:
with the ESCO labels as queries and with posting-style titles made from them
(``benchmarks.titles_posting``; ``--no-posting`` leaves those out); the corpora hold the ISCO
group rows beside the occupations, as real corpora do (``--no-groups`` leaves them out). The
committed model was trained with ``--no-posting --no-groups`` (``make models``); see
``models/README.md``.
A nested cross-validation (train on four folds' rows, score the fifth) gives the figures in the
model card; the shipped model is then fitted on all rows. About 4 minutes on 2 cores when the
base embeddings are cached in ``build/titles_cv`` (7 minutes otherwise).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

DEFAULT_OUT = (
    Path(__file__).resolve().parents[1]
    / "doorstroom_match"
    / "data"
    / "models"
    / "title-reranker.json"
)


def _metrics(scores: np.ndarray, gold: np.ndarray) -> dict[str, float]:
    """acc@1, acc@10 and mrr@10 of candidates ordered by ``scores`` (ties: fused order)."""
    from benchmarks.titles_cv import _metrics as metrics_of_top

    k = scores.shape[1]
    order = np.lexsort((np.broadcast_to(np.arange(k), scores.shape), -scores), axis=1)
    position = np.where(gold.any(axis=1), gold.argmax(axis=1), -1)  # -1: not a candidate
    return metrics_of_top(order[:, :10], position)


def build(args) -> dict:
    from benchmarks.titles_cv import iter_folds
    from doorstroom_match.text.encoders import AdaptedEncoder
    from doorstroom_match.text.rerank import FEATURES, TitleReranker
    from doorstroom_match.text.titles import ADAPTED_WEIGHTS, TitleNormalizer

    t0 = time.perf_counter()
    cache = Path(args.cache_dir) if args.cache_dir else None
    rows: dict[str, list] = {}
    folds = iter_folds(
        args.folds,
        args.seed,
        cache,
        log=print,
        posting=not args.no_posting,
        groups=not args.no_groups,
    )
    for fold in folds:
        encoder = AdaptedEncoder(fold.adapter, fold.titles, fold.longer)
        for setting, (corpus, texts, gold) in fold.settings().items():
            tn = TitleNormalizer(
                model=encoder,
                weights=ADAPTED_WEIGHTS,
                reranker=None,
                substitutions=fold.substitutions,
            ).fit(corpus)
            cand, feats = tn.rerank_features(texts, args.candidates)
            uri_index = {u: j for j, u in enumerate(tn.uris_)}
            right = cand == np.array([uri_index[u] for u in gold])[:, None]
            rows.setdefault(setting, []).append((feats, right))
            print(
                f"  fold {fold.index} {setting}: {len(right)} queries, right one among the "
                f"candidates {right.any(axis=1).mean():.3f}",
                flush=True,
            )

    def stack(parts):
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    nested: dict[str, list] = {f"{m}/{s}": [] for s in rows for m in ("fused", "reranked")}
    for f in range(args.folds):
        train = [r for setting in rows for i, r in enumerate(rows[setting]) if i != f]
        model = TitleReranker(n_candidates=args.candidates).fit(*stack(train))
        for setting in rows:
            feats, right = rows[setting][f]
            nested[f"fused/{setting}"].append(_metrics(feats[:, :, FEATURES.index("fused")], right))
            nested[f"reranked/{setting}"].append(_metrics(model.predict_scores(feats), right))
    mean = {
        name: {k: round(float(np.mean([r[k] for r in res])), 4) for k in res[0]}
        for name, res in nested.items()
    }
    print(json.dumps({"nested_cv_mean": mean}))

    final = TitleReranker(n_candidates=args.candidates).fit(
        *stack([r for setting in rows for r in rows[setting]])
    )
    final.info_.update(
        {
            "folds": args.folds,
            "seed": args.seed,
            "settings": {s: int(sum(len(r[1]) for r in rows[s])) for s in rows},
            "nested_cv_mean": mean,
            "nested_cv_acc1_per_fold": {
                name: [round(r["acc@1"], 4) for r in res] for name, res in nested.items()
            },
            "train_seconds": round(time.perf_counter() - t0, 1),
        }
    )
    final.save(args.out)
    print(json.dumps(final.info_))
    return final.info_


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m models.train_title_reranker", description=__doc__.split("\n")[0]
    )
    p.add_argument("--out", default=str(DEFAULT_OUT), help="output pickle (default models/)")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--candidates", type=int, default=50, help="candidates re-scored per query")
    p.add_argument("--cache-dir", default="build/titles_cv", help="base embeddings ('' = none)")
    p.add_argument(
        "--no-posting",
        action="store_true",
        help="train on label-style queries only (the default adds posting-style ones)",
    )
    p.add_argument(
        "--no-groups",
        action="store_true",
        help="no ISCO group rows in the training corpora (the recipe of the committed model)",
    )
    build(p.parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
