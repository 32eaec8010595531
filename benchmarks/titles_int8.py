"""MiniLM queries in int8 against the float pass, paired, with the shipped adapter and re-ranker.

    python -m benchmarks.titles_int8 --corpus build/contract/corpus.csv \\
        --queries build/contract/queries.csv [--json]

(issue 14) The title normaliser used to embed every query with all-MiniLM-L6-v2 in torch
(float32), about 6.5 CPU ms per posting title on this project's 2-core machines. Its default
query path is now the same forward pass quantised to int8 (``doorstroom_match.text.quantized``,
the graph ``title-minilm-int8.onnx`` made by ``python -m models.export_title_int8``). This
harness fits one normaliser on the corpus (rows embedded by the float model, from
``benchmarks.titles_cv``'s memo) and predicts every query with each query encoder: torch
float32 (``query_encoder="model"``) and int8 (``"int8"``), the same adapter and the float
queries' re-ranker for both. Reported per encoder: acc@1 / acc@10 / mrr@10 on the queries'
gold URIs, how often the top-1 and the whole top-10 equal the float path's, the raw cosine
to the float embeddings, and queries per second on ``--n-speed`` queries (min of
``--repeat``, wall and CPU; the normaliser's chunks run on its threads as shipped).

The queries of ``benchmarks.titles_posting`` are posting versions of ESCO labels that the
shipped re-ranker was trained on, so the absolute figures are optimistic; the comparison is
paired (same corpus, queries and re-ranker), which is what it is for.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from benchmarks._common import emit_json, platform_info


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.titles_int8", description=__doc__.split("\n")[0]
    )
    p.add_argument("--corpus", required=True)
    p.add_argument("--queries", required=True)
    p.add_argument("--memo", default="build/titles_cv", help="base embeddings for fitting")
    p.add_argument("--n-speed", type=int, default=600, help="queries timed")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    from benchmarks.titles_cv import _Memo
    from doorstroom_match.text import TitleNormalizer
    from doorstroom_match.text.corpus import read_corpus_csv, read_queries_csv
    from doorstroom_match.text.encoders import AdaptedEncoder, SentenceTransformerEncoder
    from doorstroom_match.text.quantized import Int8TitleEncoder
    from doorstroom_match.text.rerank import reranker_path
    from doorstroom_match.text.titles import ADAPTED_WEIGHTS, adapter_path

    corpus = read_corpus_csv(args.corpus)
    queries, gold = read_queries_csv(args.queries)
    memo = Path(args.memo)
    titles = _Memo(SentenceTransformerEncoder(None, 128, 32, False), memo / "titles.npz")
    longer = _Memo(SentenceTransformerEncoder(None, 64, 128, False), memo / "descriptions.npz")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        tn = TitleNormalizer(
            model=AdaptedEncoder(adapter_path(), titles, longer),
            weights=ADAPTED_WEIGHTS,
            reranker=reranker_path("model"),
            query_encoder="model",
        ).fit(corpus)
    titles.save()
    longer.save()
    encoders = {
        "float32": SentenceTransformerEncoder(None, tn.batch_size, 32, False),
        "int8": Int8TitleEncoder(),
    }
    gold_arr = np.asarray(gold, dtype=object)
    out: dict = {"n_rows": len(corpus), "n_queries": len(queries), "encoders": {}}
    first: dict[str, np.ndarray] = {}
    for name, base in encoders.items():
        emb = base.fit().encode(queries)
        first.setdefault("emb", emb)
        tn.dense_encoder_ = AdaptedEncoder(adapter_path(), base).fit()
        tn.query_encoder_ = tn.dense_encoder_
        tn.predict_topk(queries[:20], k=10)  # warm-up
        walls, cpus = [], []
        for _ in range(args.repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            tn.predict_topk(queries[: args.n_speed], k=10)
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        _, idx = tn.predict_topk(queries, k=10)
        first.setdefault("idx", idx)
        hit = np.asarray(tn.uris_, dtype=object)[idx] == gold_arr[:, None]
        found = hit.any(axis=1)
        cos = (emb * first["emb"]).sum(axis=1)
        n = min(args.n_speed, len(queries))
        res = {
            "acc@1": float(hit[:, 0].mean()),
            "acc@10": float(found.mean()),
            "mrr@10": float(np.where(found, 1.0 / (hit.argmax(axis=1) + 1), 0.0).mean()),
            "top1_same_as_float": float((idx[:, 0] == first["idx"][:, 0]).mean()),
            "top10_same_as_float": float((idx == first["idx"]).all(axis=1).mean()),
            "cosine_to_float_mean": float(cos.mean()),
            "cosine_to_float_min": float(cos.min()),
            "queries_per_s": n / min(walls),
            "queries_per_cpu_s": n / min(cpus),
        }
        out["encoders"][name] = res
        print(
            f"{name:<10} acc@1 {res['acc@1']:.4f} acc@10 {res['acc@10']:.4f} "
            f"mrr@10 {res['mrr@10']:.4f}  top-1 = float {res['top1_same_as_float']:.4f}  "
            f"cos min {res['cosine_to_float_min']:.4f}  {res['queries_per_s']:.0f} q/s wall "
            f"{res['queries_per_cpu_s']:.0f} q/cpu-s",
            file=sys.stderr if args.json else sys.stdout,
            flush=True,
        )
    out.update(platform_info())
    if args.json:
        emit_json(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
