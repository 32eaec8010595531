"""Prediction speed of the default title normaliser, with its baseline in the same run.

    python -m benchmarks.titles_speed --corpus CORPUS.csv --queries QUERIES.csv [--repeat 3]

The contract run (``benchmarks.titles``) embeds the whole corpus on every call; this harness
fits with the base MiniLM embeddings that ``benchmarks.titles_cv`` keeps in ``--memo`` (texts
not there are embedded), then swaps in a fresh default encoder, so the queries are always
encoded afresh, as the weekly flow does with new titles. ``--pad-to N`` repeats corpus rows
(same texts, new ids) up to N rows: the cost of scoring grows with the rows, and the repeated
texts need no new embeddings. Configurations, in one process and on the same corpus:

``default``
    :class:`~doorstroom_match.text.TitleNormalizer` as shipped (its query encoder and
    re-ranker as ``"auto"`` picks them for the default adapter);
``all_variants``
    the same with ``variant_candidates=None``: query variants scored against every row (the
    previous default's variant path);
``minilm``
    the same with ``query_encoder="model"``: queries embedded by MiniLM's forward pass, and
    the re-ranker trained on those (``reranker_path("model")``);
``int8``
    the same with ``query_encoder="int8"``: MiniLM's forward pass quantised to int8
    (onnxruntime, ``models/title-minilm-int8.onnx``) under the same adapter, with the
    re-ranker trained on such queries (what ``"auto"`` picks where onnxruntime is installed);
``lightgbm``
    ``default`` with the re-ranker's trees scored by LightGBM itself (the reference engine)
    instead of QuickScorer (``doorstroom_match.text._forest``): the same rankings;
``int8_graph``
    ``default`` with the int8 queries from the graph ``--int8-graph PATH`` (e.g. the previous
    export, ``python -m models.export_title_int8 --mask --out build/int8/mask.onnx``), the
    same re-ranker: the A/B of a re-exported graph;
``static``
    the same with ``query_encoder="static"``: queries embedded by the static table
    (``models/title-static.npz``) under the same adapter, and the re-ranker trained on
    those (``reranker_path("static")``).

A config name may end in ``@N``: the same with ``rerank_top=N`` (only the fused best N
candidates re-scored), e.g. ``static@20``.

Prints queries per second (wall: the minimum over ``--repeat`` runs; CPU: process time, less
sensitive to other jobs on a shared machine; ``--profile N``: one more run under cProfile,
its N slowest calls by cumulative time on standard error) and, with ``--json``, one JSON
object as the last line. Build the 25,000-row corpus and posting-style queries with ``python -m
benchmarks.titles_posting --out build/contract --pad-to 25000``.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

from benchmarks._common import emit_json, platform_info


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.titles_speed", description=__doc__.split("\n")[0]
    )
    p.add_argument("--corpus", required=True)
    p.add_argument("--queries", required=True)
    p.add_argument("--memo", default="build/titles_cv", help="base embeddings for fitting")
    p.add_argument("--int8-graph", default=None, help="the int8 graph of the int8_graph config")
    p.add_argument("--pad-to", type=int, default=25000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--n-queries", type=int, default=0, help="first N queries (0: all)")
    p.add_argument("--configs", default="default,all_variants")
    p.add_argument(
        "--n-jobs",
        type=int,
        default=None,
        help="TitleNormalizer's n_jobs (threads of predict; default: the package's, 2 on 2+ CPUs)",
    )
    p.add_argument(
        "--profile",
        type=int,
        default=0,
        help="also profile one prediction run per config (cProfile) and print its N slowest "
        "calls by cumulative time to standard error (0: no profile)",
    )
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)

    from benchmarks.titles_cv import _Memo
    from doorstroom_match.text import TitleNormalizer
    from doorstroom_match.text.corpus import TitleCorpus, read_corpus_csv, read_queries_csv
    from doorstroom_match.text.encoders import AdaptedEncoder, SentenceTransformerEncoder
    from doorstroom_match.text.quantized import Int8TitleEncoder
    from doorstroom_match.text.rerank import reranker_path
    from doorstroom_match.text.static import StaticTitleEncoder
    from doorstroom_match.text.titles import ADAPTED_WEIGHTS, adapter_path, default_query_encoder

    corpus = read_corpus_csv(args.corpus)
    rows = [
        {"id": i, "uri": u, "text": t, "description": d}
        for i, u, t, d in zip(
            corpus.ids, corpus.uris, corpus.texts, corpus.descriptions, strict=True
        )
    ]
    base_rows = list(rows)
    while len(rows) < args.pad_to:
        r = base_rows[len(rows) % len(base_rows)]
        rows.append({**r, "id": f"{r['id']}+{len(rows)}"})
    corpus = TitleCorpus.from_rows(rows)
    queries, _ = read_queries_csv(args.queries)
    if args.n_queries:
        queries = queries[: args.n_queries]
    memo = Path(args.memo)
    titles = _Memo(SentenceTransformerEncoder(None, 128, 32, False), memo / "titles.npz")
    longer = _Memo(SentenceTransformerEncoder(None, 64, 128, False), memo / "descriptions.npz")
    # what "auto" picks for the default adapter (the encoder here is a custom one, the memo,
    # so the harness names the query path and its re-ranker itself)
    auto = default_query_encoder("base", None)
    settings = {
        "default": {"query_encoder": auto},
        "lightgbm": {"query_encoder": auto},
        "all_variants": {"query_encoder": auto, "variant_candidates": None},
        "minilm": {"query_encoder": "model"},
        "int8": {"query_encoder": "int8"},
        "int8_graph": {"query_encoder": "int8"},
        "static": {"query_encoder": "static"},
    }
    out: dict = {"n_rows": len(corpus), "n_queries": len(queries), "configs": {}}
    titles.save()
    longer.save()
    for name in args.configs.split(","):
        base, _, top = name.partition("@")
        kw = dict(settings[base])
        kind = kw["query_encoder"]
        if kind == "static":  # what query_encoder="static" builds for the default adapter
            kw["query_encoder"] = AdaptedEncoder(adapter_path(), StaticTitleEncoder()).fit()
        if kind == "int8":  # what query_encoder="int8" builds for the default adapter
            if base == "int8_graph" and not args.int8_graph:
                p.error("the int8_graph config needs --int8-graph PATH")
            graph = Int8TitleEncoder(args.int8_graph if base == "int8_graph" else None)
            kw["query_encoder"] = AdaptedEncoder(adapter_path(), graph).fit()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            tn = TitleNormalizer(
                model=AdaptedEncoder(adapter_path(), titles, longer),
                weights=ADAPTED_WEIGHTS,
                reranker=reranker_path(kind),
                rerank_top=int(top) if top else None,
                n_jobs=args.n_jobs,
                **kw,
            )
            t0 = time.perf_counter()
            tn.fit(corpus)
            fit_s = time.perf_counter() - t0
        titles.save()  # the corpus's new texts (padding), for the next config and run
        longer.save()
        # the default encoder, without the memo: queries are encoded afresh in every run
        tn.dense_encoder_ = AdaptedEncoder(
            adapter_path(), SentenceTransformerEncoder(None, tn.batch_size, 32, False)
        ).fit()
        if tn.query_kind_ == "model":  # (a static query encoder holds no memo)
            tn.query_encoder_ = tn.dense_encoder_
        if base == "lightgbm" and tn.reranker_ is not None:
            tn.reranker_.forest_ = None  # predict_scores falls back to the booster
        tn.predict_topk(queries[:20], k=10)  # warm-up (lazy imports, first batch)
        walls, cpus = [], []
        for _ in range(args.repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            tn.predict_topk(queries, k=10)
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        if args.profile:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            prof.runcall(tn.predict_topk, queries, k=10)
            stats = pstats.Stats(prof, stream=sys.stderr)
            stats.sort_stats("cumulative").print_stats(args.profile)
        res = {
            "fit_s": fit_s,
            "query_encoder": kind,
            "int8_graph": args.int8_graph if base == "int8_graph" else None,
            "reranker": str(reranker_path(kind)),
            "rerank_top": tn.rerank_top,
            "reranker_engine": "none"
            if tn.reranker_ is None
            else ("lightgbm" if tn.reranker_.forest_ is None else "quickscorer"),
            "threads": tn._n_threads(),
            "queries_per_s": len(queries) / min(walls),
            "queries_per_cpu_s": len(queries) / min(cpus),
            "wall_s": walls,
            "cpu_s": cpus,
        }
        out["configs"][name] = res
        print(
            f"{name:<14} {res['queries_per_s']:8.1f} q/s wall  "
            f"{res['queries_per_cpu_s']:8.1f} q/cpu-s  (fit {fit_s:.0f} s)",
            file=sys.stderr if args.json else sys.stdout,
            flush=True,
        )
    out.update(platform_info())
    if args.json:
        emit_json(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
