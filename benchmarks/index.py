"""VectorIndex: recall@10 of approximate faiss indexes against exact search, and latency.

    python -m benchmarks.index [--n 100000] [--dim 384] [--queries 500] [--repeat 3] [--json]

Data: ``n`` unit vectors in ``dim`` dimensions drawn as a mixture of 200 Gaussian clusters
(embeddings of job titles and vacancies are clustered, not isotropic), fixed seed; ``queries``
worker vectors from the same mixture. For every configuration it reports build seconds,
recall@10 against exact search (numpy), and the latency of one worker's top-10 search: the
minimum over ``repeat`` runs of the mean over single-query calls (one worker at a time, the
worst case), and the per-worker time when all queries go in one batch. Baseline: faiss
``IndexFlatIP`` (exact) in the same run; ``ratio`` is baseline single-query latency / config's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

import numpy as np


def make_data(n: int, dim: int, m: int, seed: int = 0, clusters: int = 200, rank: int = 64):
    """Cluster centres + noise of norm ~0.8 in a ``rank``-dim subspace + small isotropic noise.

    Sentence embeddings of short texts have a low intrinsic dimension; fully isotropic noise in
    384 dimensions (the worst case for any approximate index) is not what the index will see.
    """
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    basis = np.linalg.qr(rng.normal(size=(dim, rank)))[0].T.astype(np.float32)  # (rank, dim)

    def draw(k):
        low = rng.normal(scale=0.8 / np.sqrt(rank), size=(k, rank)).astype(np.float32) @ basis
        iso = rng.normal(scale=0.2 / np.sqrt(dim), size=(k, dim)).astype(np.float32)
        x = centres[rng.integers(0, clusters, size=k)] + low + iso
        return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)

    return draw(n), draw(m)


def time_single(index, queries, k, repeat):
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        for q in queries:
            index.search(q[None, :], k)
        best = min(best, (time.perf_counter() - t0) / len(queries))
    return best


def time_batch(index, queries, k, repeat):
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        index.search(queries, k)
        best = min(best, (time.perf_counter() - t0) / len(queries))
    return best


def _measure(idx, name, params, setting, build, queries, truth, args) -> dict:
    _, pos = idx.search(queries, args.k)
    recall = float(
        np.mean([len(set(a) & set(b)) / args.k for a, b in zip(pos, truth, strict=True)])
    )
    single = time_single(idx, queries[: min(len(queries), 100)], args.k, args.repeat)
    batch = time_batch(idx, queries, args.k, args.repeat)
    return {
        "config": name,
        "params": params,
        "search": setting,
        "build_s": build,
        "recall@10": recall,
        "ms_per_worker_single": single * 1e3,
        "ms_per_worker_batch": batch * 1e3,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.index",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--dim", type=int, default=384)
    p.add_argument("--queries", type=int, default=500)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)

    from doorstroom_match.index import VectorIndex

    vectors, queries = make_data(args.n, args.dim, args.queries)
    exact = VectorIndex(backend="numpy").fit(vectors)
    _, truth = exact.search(queries, args.k)
    # (name, build params, [(label, search setting)]): one build, several search breadths
    configs = [
        ("numpy exact", dict(backend="numpy"), [("", None)]),
        ("faiss flat (baseline)", dict(backend="faiss", kind="exact"), [("", None)]),
        (
            "faiss hnsw",
            dict(backend="faiss", kind="hnsw"),
            [(" ef=64", ("ef", 64)), (" ef=128 (default)", ("ef", 128)), (" ef=256", ("ef", 256))],
        ),
        (
            "faiss ivf",
            dict(backend="faiss", kind="ivf"),
            [
                (" nprobe=32 (default)", ("nprobe", 32)),
                (" nprobe=64", ("nprobe", 64)),
                (" nprobe=128", ("nprobe", 128)),
            ],
        ),
    ]
    results = []
    for base_name, params, variants in configs:
        t0 = time.perf_counter()
        idx = VectorIndex(**params).fit(vectors)
        build = time.perf_counter() - t0
        for label, setting in variants:
            if setting is not None and setting[0] == "ef":
                idx.index_.hnsw.efSearch = setting[1]
            elif setting is not None:
                idx.index_.nprobe = setting[1]
            name = base_name + label
            results.append(_measure(idx, name, params, setting, build, queries, truth, args))
    base = next(r for r in results if r["config"].startswith("faiss flat"))
    for r in results:
        r["ratio_vs_flat_single"] = base["ms_per_worker_single"] / r["ms_per_worker_single"]
    print(
        f"n={args.n} dim={args.dim} queries={args.queries} k={args.k} "
        f"platform={platform.platform()} cpus={os.cpu_count()}"
    )
    print(
        f"{'config':<30} {'build s':>8} {'recall@10':>9} {'ms/worker':>10} {'ms/w batch':>10} "
        f"{'x flat':>7}"
    )
    for r in results:
        print(
            f"{r['config']:<30} {r['build_s']:8.2f} {r['recall@10']:9.4f} "
            f"{r['ms_per_worker_single']:10.3f} {r['ms_per_worker_batch']:10.3f} "
            f"{r['ratio_vs_flat_single']:7.2f}"
        )
    if args.json:
        print(
            json.dumps(
                {
                    "n": args.n,
                    "dim": args.dim,
                    "queries": args.queries,
                    "k": args.k,
                    "platform": platform.platform(),
                    "cpu_count": os.cpu_count(),
                    "results": results,
                }
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
