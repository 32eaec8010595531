"""Job-title normalisation: accuracy and speed of TitleNormalizer on a corpus and queries.

Contract (used by outside checks)::

    python -m benchmarks.titles --corpus CORPUS.csv --queries QUERIES.csv [--json]

``CORPUS.csv``: ``id,uri,text,description`` (several rows may share a uri; description may be
empty). ``QUERIES.csv``: ``query,uri`` (the gold occupation). Prints acc@1, acc@10, mrr@10 and
queries per second (prediction only; fitting is timed separately as ``fit_s``); with ``--json``
the last line of stdout is one JSON object with keys ``"acc@1"``, ``"acc@10"``, ``"mrr@10"``,
``"queries_per_s"`` (and more). It uses :class:`doorstroom_match.text.TitleNormalizer`, the class
``match()`` uses, with its defaults unless ``--model`` says otherwise. ``--baseline`` also
scores plain character TF-IDF (raw lower-cased text, char_wb 2..5-grams, no normalisation,
best row per occupation) in the same run. Nothing is downloaded.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import warnings

import numpy as np


def rank_metrics(top_uris: np.ndarray, gold: list[str]) -> dict[str, float]:
    """acc@1, acc@10 and mrr@10 from an (n, >=10) array of predicted uris."""
    gold_arr = np.asarray(gold, dtype=object)[:, None]
    hits = top_uris[:, :10] == gold_arr
    first = np.where(hits.any(axis=1), hits.argmax(axis=1), -1)
    rr = np.where(first >= 0, 1.0 / np.maximum(first + 1, 1), 0.0)
    return {
        "acc@1": float(hits[:, 0].mean()),
        "acc@10": float(hits.any(axis=1).mean()),
        "mrr@10": float(rr.mean()),
    }


def _evaluate(normalizer, corpus, queries, gold) -> dict[str, float]:
    t0 = time.perf_counter()
    normalizer.fit(corpus)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    _, idx = normalizer.predict_topk(queries, k=10)
    pred_s = time.perf_counter() - t0
    top = normalizer.uris_[idx]
    if top.shape[1] < 10:  # fewer than 10 occupations in the corpus
        pad = np.full((len(top), 10 - top.shape[1]), "", dtype=object)
        top = np.hstack([top, pad])
    out = rank_metrics(top, gold)
    out["queries_per_s"] = float(len(queries) / max(pred_s, 1e-9))
    out["fit_s"] = float(fit_s)
    out["predict_s"] = float(pred_s)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.titles",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--corpus", required=True, help="CSV with columns id,uri,text,description")
    p.add_argument("--queries", required=True, help="CSV with columns query,uri")
    p.add_argument("--json", action="store_true", help="last stdout line: one JSON object")
    p.add_argument(
        "--model",
        default="auto",
        help="'auto' (base MiniLM + the title adapter), 'base', 'none', or a model folder",
    )
    p.add_argument(
        "--reranker",
        default="auto",
        help="'auto' (the committed re-ranker with the default model), 'none', or a file",
    )
    p.add_argument(
        "--baseline", action="store_true", help="also score plain character TF-IDF in the same run"
    )
    args = p.parse_args(argv)

    from doorstroom_match.text.corpus import read_corpus_csv, read_queries_csv
    from doorstroom_match.text.titles import TitleNormalizer

    t_start = time.perf_counter()
    corpus = read_corpus_csv(args.corpus)
    queries, gold = read_queries_csv(args.queries)
    model = None if args.model.lower() == "none" else args.model
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reranker = None if args.reranker.lower() == "none" else args.reranker
        tn = TitleNormalizer(model=model, reranker=reranker)
        result = _evaluate(tn, corpus, queries, gold)
    for w in caught:
        if issubclass(w.category, UserWarning):
            print(f"warning: {w.message}", file=sys.stderr)
    result.update(
        {
            "model": tn.model_kind_,
            "reranker": tn.reranker_ is not None,
            "weights": tn.weights_,
            "n_rows": len(corpus),
            "n_occupations": int(len(tn.uris_)),
            "n_queries": len(queries),
            "gold_missing_from_corpus": int(sum(g not in set(tn.uris_) for g in set(gold))),
            "total_s": float(time.perf_counter() - t_start),
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
        }
    )
    if args.baseline:
        from benchmarks._title_baseline import PlainCharTfidf

        result["baseline_char_tfidf"] = _evaluate(PlainCharTfidf(), corpus, queries, gold)
        b = result["baseline_char_tfidf"]
        result["ratio_mrr@10_vs_baseline"] = result["mrr@10"] / max(b["mrr@10"], 1e-9)

    print(
        f"corpus: {len(corpus)} rows, {len(tn.uris_)} occupations; queries: {len(queries)}; "
        f"model: {tn.model_kind_}, re-ranker: {'yes' if tn.reranker_ is not None else 'no'}"
    )
    rows = [("TitleNormalizer", result)]
    if args.baseline:
        rows.append(("plain char TF-IDF", result["baseline_char_tfidf"]))
    print(f"{'method':<20} {'acc@1':>7} {'acc@10':>7} {'mrr@10':>7} {'q/s':>9} {'fit s':>7}")
    for name, r in rows:
        print(
            f"{name:<20} {r['acc@1']:7.3f} {r['acc@10']:7.3f} {r['mrr@10']:7.3f} "
            f"{r['queries_per_s']:9.1f} {r['fit_s']:7.1f}"
        )
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
