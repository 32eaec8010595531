"""Cross-validation by occupation of job-title normalisation on the dev queries.

    python -m benchmarks.titles_cv [--folds 5] [--seed 1] [--json]

The dev occupations of ``dev_title_queries.csv`` are split into ``--folds`` parts **by uri**.
For each part: the title adapter is trained without that part's alternative labels
(``models.train_title_adapter.train_matrix``; preferred labels and descriptions of the whole
catalogue stay in, as in the shipped adapter), the corpus holds every occupation's preferred
label and description plus the alternative labels of the *other* dev occupations (the shape of
the outside check: the evaluated occupations are known by their preferred label only), and the
part's alternative labels are the queries (the *held-out* setting). Each fold is also scored
in the *known* setting: half of each of the part's occupations' alternative labels back in the
corpus, the other half queried (see :class:`Fold`). Every fold scores, with the same
:class:`~doorstroom_match.text.TitleNormalizer` code path as ``benchmarks.titles``:

``adapted``
    the default: character TF-IDF, adapted MiniLM on titles and descriptions, description
    TF-IDF, row-count prior;
``base``
    the same with the plain all-MiniLM-L6-v2 and its weights (no adapter);
``char_tfidf``
    the plain character TF-IDF baseline of ``benchmarks.titles --baseline``;
``static``
    ``adapted`` with the queries embedded by a static table
    (:class:`~doorstroom_match.text.static.StaticTitleEncoder`) instead of MiniLM's forward
    pass, the table trained per fold without the fold's alternative labels, their posting
    versions and the fold's queries (``models.train_title_static``; corpus rows stay MiniLM);
    the run also reports its cosine agreement with MiniLM on the fold's queries
    (``agreement``);
``int8``
    ``adapted`` with the queries embedded by MiniLM's forward pass in int8
    (:class:`~doorstroom_match.text.quantized.Int8TitleEncoder`, ``query_encoder="int8"``;
    ``adapted`` keeps the float pass); ``int8_rr`` with the re-ranker of
    ``--reranker`` (``auto``: the file trained on int8 queries, ``title-reranker-int8.json``).

Base-model embeddings are computed once and shared by the folds (a memo in this script), so
the run takes a few minutes on 2 cores. ``--exact-check`` adds the product check of known
labels (``exact_label_check``). Prints a markdown table (mean and per fold); with ``--json``
the last line of standard output is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._common import emit_json, platform_info


class _Memo:
    """An encoder wrapper that remembers every text's embedding (shared across folds)."""

    name = "memo"

    def __init__(self, encoder, path: Path | None = None) -> None:
        self.encoder = encoder
        self.memo: dict[str, np.ndarray] = {}
        self.path = path
        if path is not None and path.is_file():
            with np.load(path) as npz:
                self.memo = dict(zip(npz["texts"].tolist(), npz["vectors"], strict=True))

    def save(self) -> None:
        if self.path is not None and self.memo:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            texts = list(self.memo)
            # written aside, then renamed: another run reading the cache never sees half a file
            tmp = self.path.with_name(f"{self.path.stem}.{os.getpid()}.tmp.npz")
            np.savez(tmp, texts=np.array(texts), vectors=np.stack(list(self.memo.values())))
            os.replace(tmp, self.path)

    def fit(self, texts=None):
        self.encoder.fit(texts)
        return self

    @property
    def fingerprint(self) -> str:
        return "memo|" + self.encoder.fingerprint

    def encode(self, texts) -> np.ndarray:
        texts = [str(t) for t in texts]
        todo = list(dict.fromkeys(t for t in texts if t not in self.memo))
        if todo:
            for t, e in zip(todo, self.encoder.encode(todo), strict=True):
                self.memo[t] = e
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([self.memo[t] for t in texts]).astype(np.float32)


def _metrics(top: np.ndarray, gold: np.ndarray) -> dict[str, float]:
    hit = top == gold[:, None]
    found = hit.any(axis=1)
    rr = np.zeros(len(hit))
    rr[found] = 1.0 / (hit[found].argmax(axis=1) + 1)
    return {
        "acc@1": float(hit[:, 0].mean()),
        "acc@10": float(found.mean()),
        "mrr@10": float(rr.mean()),
    }


@dataclass
class Fold:
    """One fold: its corpus, queries and gold, an adapter trained without its labels.

    Two settings per fold. *Held-out* (``corpus``, ``texts``, ``gold``): the fold's occupations
    are known by their preferred label only and all their alternative labels are queried, the
    shape of the outside check. *Known* (``corpus_known``, ``texts_known``, ``gold_known``):
    half of each fold occupation's alternative labels (seeded) are back in the corpus and the
    other half are queried, the common case in the product (a new way of writing a job the
    catalogue already knows under other names).
    """

    index: int
    corpus: Any
    texts: list[str]
    gold: list[str]
    adapter: Path
    titles: _Memo
    longer: _Memo
    corpus_known: Any
    texts_known: list[str]
    gold_known: list[str]
    substitutions: Any = None  # learned without the fold's occupations
    texts_posting: list[str] | None = None  # posting-style titles (``benchmarks.titles_posting``)
    gold_posting: list[str] | None = None
    texts_known_posting: list[str] | None = None
    gold_known_posting: list[str] | None = None

    def settings(self) -> dict[str, tuple[Any, list[str], list[str]]]:
        """Setting name -> (corpus, queries, gold): label-style and posting-style queries."""
        out = {
            "heldout": (self.corpus, self.texts, self.gold),
            "known": (self.corpus_known, self.texts_known, self.gold_known),
        }
        if self.texts_posting is not None:
            out["heldout_posting"] = (self.corpus, self.texts_posting, self.gold_posting)
            out["known_posting"] = (
                self.corpus_known,
                self.texts_known_posting,
                self.gold_known_posting,
            )
        return out


ISCO_URI = "http://data.europa.eu/esco/isco/C"


def group_rows(data: Path) -> tuple[list[dict[str, str]], dict[str, str]]:
    """Corpus rows of the ISCO-08 groups (``isco_groups.csv``), as ESCO publishes them beside
    the occupations, and their uri -> group code."""
    from doorstroom_match.text.corpus import _open_csv

    rows, groups = [], {}
    for r in _open_csv(data / "isco_groups.csv", ("code", "preferred_label"), "ISCO groups"):
        uri = ISCO_URI + r["code"]
        rows.append(
            {"uri": uri, "text": r["preferred_label"], "description": r.get("description") or ""}
        )
        groups[uri] = r["code"]
    return rows, groups


def iter_folds(
    n_folds: int = 5,
    seed: int = 1,
    cache_dir: Path | None = None,
    log=print,
    *,
    posting: bool = True,
    groups: bool = True,
) -> Iterator[Fold]:
    """The folds of the cross-validation by occupation (see the module docstring).

    ``posting``: also posting-style queries, one per label query and one per fold occupation's
    preferred label (:func:`benchmarks.titles_posting.posting_titles`, seed 0).
    ``groups``: the corpora also hold a row per ISCO-08 group (its label and description), as
    ESCO and real corpora do; no query has a group as its answer.
    """
    from benchmarks.titles_posting import posting_titles
    from doorstroom_match.text.corpus import (
        TitleCorpus,
        load_esco_corpus,
        read_esco_occupations,
        read_queries_csv,
        split_by_occupation,
    )
    from doorstroom_match.text.encoders import SentenceTransformerEncoder
    from models.train_title_adapter import (
        DESCRIPTION_TOKENS,
        TITLE_TOKENS,
        TrainingEmbeddings,
        train_matrix,
    )
    from models.train_title_substitutions import learn_from_catalogue

    t0 = time.perf_counter()
    from benchmarks._refdata import esco_dir

    data = esco_dir()
    occs = read_esco_occupations(data / "occupations.csv")
    queries, gold = read_queries_csv(data / "dev_title_queries.csv")
    titles = _Memo(
        SentenceTransformerEncoder(None, 128, TITLE_TOKENS, False),
        cache_dir / "titles.npz" if cache_dir else None,
    )
    longer = _Memo(
        SentenceTransformerEncoder(None, 64, DESCRIPTION_TOKENS, False),
        cache_dir / "descriptions.npz" if cache_dir else None,
    )
    emb = TrainingEmbeddings.compute(occs, queries, gold, titles, longer)
    titles.save()
    longer.save()
    log(f"  base embeddings: {time.perf_counter() - t0:.0f} s")

    posting_of = dict(zip(queries, posting_titles(queries), strict=True)) if posting else {}
    dev = set(gold)
    pref_occs = [o for o in occs if o.uri in dev]
    pref_posting = posting_titles([o.preferred_label for o in pref_occs]) if posting else []
    if posting:  # embedded once, kept with the other base embeddings
        titles.encode(list(posting_of.values()) + pref_posting)
        titles.save()
    extra_rows, extra_groups = group_rows(data) if groups else ([], {})

    folds = split_by_occupation(gold, [1.0 / n_folds] * n_folds, seed=seed)
    tmp = Path(tempfile.mkdtemp(prefix="titles_cv_"))
    for f, part in enumerate(folds):
        keep = np.array([i for i, u in enumerate(gold) if u not in part], dtype=np.int64)
        matrix, _ = train_matrix(*emb.pairs(keep))
        adapter = tmp / f"adapter{f}.npz"
        np.savez(adapter, matrix=matrix)
        qi = [i for i, u in enumerate(gold) if u in part]
        corpus = load_esco_corpus(occs, exclude_alt_labels_of=part)
        if extra_rows:
            corpus = TitleCorpus.from_rows(
                [
                    {"uri": u, "text": t, "description": d}
                    for u, t, d in zip(corpus.uris, corpus.texts, corpus.descriptions, strict=True)
                ]
                + extra_rows,
                {**corpus.isco_groups, **extra_groups},
                corpus.labels,
            )
        known_rows = [
            {"uri": u, "text": t, "description": d}
            for u, t, d in zip(corpus.uris, corpus.texts, corpus.descriptions, strict=True)
        ]
        texts_known, gold_known = [], []
        rng = random.Random(seed * 1000 + f)
        for o in occs:
            if o.uri not in part or len(o.alt_labels) < 2:
                continue
            alts = list(o.alt_labels)
            rng.shuffle(alts)
            half = len(alts) // 2
            texts_known += alts[:half]
            gold_known += [o.uri] * half
            known_rows += [
                {"uri": o.uri, "text": a, "description": o.description} for a in alts[half:]
            ]
        fold = Fold(
            f,
            corpus,
            [queries[i] for i in qi],
            [gold[i] for i in qi],
            adapter,
            titles,
            longer,
            TitleCorpus.from_rows(known_rows, corpus.isco_groups, corpus.labels),
            texts_known,
            gold_known,
            learn_from_catalogue(occs, part),
        )
        if posting:
            own_pref = [
                (p, o.uri) for p, o in zip(pref_posting, pref_occs, strict=True) if o.uri in part
            ]
            fold.texts_posting = [posting_of[t] for t in fold.texts] + [p for p, _ in own_pref]
            fold.gold_posting = fold.gold + [u for _, u in own_pref]
            fold.texts_known_posting = [posting_of[t] for t in texts_known] + [
                p for p, _ in own_pref
            ]
            fold.gold_known_posting = gold_known + [u for _, u in own_pref]
        yield fold


def run(
    n_folds: int = 5,
    seed: int = 1,
    log=print,
    *,
    weights: dict | None = None,
    row_penalty: float = 0.2,
    cache_dir: Path | None = None,
    posting: bool = True,
    groups: bool = True,
    methods: tuple[str, ...] = ("adapted", "base", "char_tfidf"),
    group_penalty: float = 0.3,
    max_folds: int = 0,
    static_params: dict | None = None,
    reranker: Any = None,
) -> dict:
    """The CV table. ``methods``: any of ``adapted``, ``base``, ``char_tfidf`` and, for a
    multilingual encoder ``X`` in ``e5``/``use`` (:mod:`doorstroom_match.text.dense`), ``X``
    (it replaces the adapted MiniLM as the dense signal, same weights) and ``adapted+X`` (the
    mean of both cosines as the dense signal); their embeddings are kept in
    ``cache_dir/X.npz``. ``reranker``: a re-ranker file for the methods ``adapted_rr`` and
    ``static_rr`` (the others are fused scores; ``"auto"``: the shipped file of each one's
    query kind); a shipped one has seen every fold's labels
    in training, so its figures here are optimistic and serve to compare the two query
    encoders side by side, not as a CV figure."""
    from benchmarks._title_baseline import PlainCharTfidf
    from doorstroom_match.occupations import FAST_SETTING_WORDS
    from doorstroom_match.text.dense import (
        E5SmallEncoder,
        MultilingualUseEncoder,
        WeightedSumEncoder,
    )
    from doorstroom_match.text.encoders import AdaptedEncoder
    from doorstroom_match.text.titles import (
        ADAPTED_WEIGHTS,
        BASE_MODEL_WEIGHTS,
        TitleNormalizer,
    )

    t0 = time.perf_counter()
    adapted_weights = dict(ADAPTED_WEIGHTS if weights is None else weights)
    per_fold: dict[str, list[dict]] = {}
    n_queries = 0
    agreement: dict[str, list[dict]] = {}
    multi = {
        name: _Memo(enc, cache_dir / f"{name}.npz" if cache_dir else None)
        for name, enc in (("e5", E5SmallEncoder()), ("use", MultilingualUseEncoder()))
        if any(m.split("+")[-1] == name for m in methods)
    }
    for fold in iter_folds(n_folds, seed, cache_dir, log, posting=posting, groups=groups):
        if max_folds and fold.index >= max_folds:
            break
        n_queries += len(fold.texts)
        settings = fold.settings()

        def normalizer(model, w=adapted_weights, subs=fold.substitutions, **kw):
            kw.setdefault("group_penalty", group_penalty)
            kw.setdefault("reranker", None)
            return TitleNormalizer(
                model=model,
                weights=w,
                row_penalty=row_penalty,
                substitutions=subs,
                **kw,
            )

        adapter = AdaptedEncoder(fold.adapter, fold.titles, fold.longer)
        built = {
            "adapted": lambda a=adapter: normalizer(a),
            "base": lambda t=fold.titles: normalizer(t, BASE_MODEL_WEIGHTS, None),
            "char_tfidf": PlainCharTfidf,
            # the same as "adapted" without the group rule / scoring variants on every row
            "adapted_gp0": lambda a=adapter: normalizer(a, group_penalty=0.0),
            "adapted_allvariants": lambda a=adapter: normalizer(a, variant_candidates=None),
            # the occupation model's "fast" normaliser (the batch's and match()'s default):
            # character n-grams and word substitutions, no dense signal, no re-ranker (weights
            # None: the table of a normaliser without a dense model), its setting words and
            # posting filler dropped, as OccupationModel("fast") builds it
            "fast": lambda: normalizer(
                None, None, setting_words=FAST_SETTING_WORDS, drop_filler=True
            ),
        }
        for name, memo in multi.items():
            built[name] = lambda memo=memo: normalizer(memo)
            built[f"adapted+{name}"] = lambda memo=memo, a=adapter: normalizer(
                WeightedSumEncoder([a, memo], [1.0, 1.0])
            )

        def rr_for(kind: str) -> Any:
            """``reranker``; for "auto", the shipped file trained on that query kind."""
            from doorstroom_match.text.rerank import reranker_path

            return str(reranker_path(kind)) if reranker == "auto" else reranker

        if reranker is not None:
            built["adapted_rr"] = lambda a=adapter: normalizer(a, reranker=rr_for("model"))
        if any(m.startswith("int8") for m in methods):
            # MiniLM's forward pass in int8 (query_encoder="int8") under the
            # fold's adapter; nothing fitted per fold; "auto": the int8 queries' re-ranker
            from doorstroom_match.text.quantized import Int8TitleEncoder

            query_int8 = AdaptedEncoder(fold.adapter, Int8TitleEncoder()).fit()
            built["int8"] = lambda q=query_int8, a=adapter: normalizer(a, query_encoder=q)
            built["int8_rr"] = lambda q=query_int8, a=adapter: normalizer(
                a, query_encoder=q, reranker=rr_for("int8")
            )
        if any(m.startswith("static") for m in methods):
            static = _fold_static(fold, settings, static_params or {})
            query_static = AdaptedEncoder(fold.adapter, static).fit()
            built["static"] = lambda q=query_static, a=adapter: normalizer(a, query_encoder=q)
            built["static_rr"] = lambda q=query_static, a=adapter: normalizer(
                a, query_encoder=q, reranker=rr_for("static")
            )
            for setting, (_, texts, _) in settings.items():
                agreement.setdefault(setting, []).append(
                    _agreement(static, query_static, adapter, fold.titles, texts)
                )
        chosen = {m: built[m]() for m in methods}
        for setting, (corpus, texts, gold) in settings.items():
            for name, tn in chosen.items():
                tn.fit(corpus)
                uri_index = {u: j for j, u in enumerate(tn.uris_)}
                _, top = tn.predict_topk(texts, 10)
                per_fold.setdefault(f"{name}/{setting}", []).append(
                    _metrics(top, np.array([uri_index[u] for u in gold]))
                )
        for memo in multi.values():
            memo.save()
        log(
            f"  fold {fold.index}: {len(fold.texts)} queries, "
            + ", ".join(f"{n} acc@1 {v[-1]['acc@1']:.3f}" for n, v in per_fold.items())
        )
    mean = {
        name: {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}
        for name, rows in per_fold.items()
    }
    return {
        "benchmark": "titles_cv",
        "folds": n_folds,
        "seed": seed,
        "queries": n_queries,
        "adapted_weights": adapted_weights,
        "row_penalty": row_penalty,
        "reranker": None if reranker is None else str(reranker),
        "static_params": static_params or {},
        "posting": posting,
        "groups": groups,
        "mean": mean,
        "per_fold": per_fold,
        "agreement": {
            s: {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}
            for s, rows in agreement.items()
        },
        "agreement_per_fold": agreement,
        "goal_acc1_0.45_mrr10_0.55_heldout": (
            bool(
                mean["adapted/heldout"]["acc@1"] >= 0.45
                and mean["adapted/heldout"]["mrr@10"] >= 0.55
            )
            if "adapted/heldout" in mean
            else None
        ),
        "wall_s": time.perf_counter() - t0,
        **platform_info(),
    }


def _fold_static(fold: Fold, settings: dict, params: dict):
    """A static table trained without the fold's labels, their postings and its queries."""
    from benchmarks._refdata import esco_dir
    from doorstroom_match.text.corpus import read_esco_occupations, read_queries_csv
    from models.train_title_static import fit_static, training_texts

    data = esco_dir()
    occs = read_esco_occupations(data / "occupations.csv")
    queries, gold = read_queries_csv(data / "dev_title_queries.csv")
    queried = {t for _, texts, _ in settings.values() for t in texts}
    texts = training_texts(
        occs,
        queries,
        gold,
        [r["text"] for r in group_rows(data)[0]],
        exclude_uris=set(fold.gold),
        exclude_texts=queried,
    )
    return fit_static(texts, fold.titles.encode(texts), **params)


def _agreement(static, query_static, adapter, titles, texts: list[str]) -> dict[str, float]:
    """Cosine of the static and the MiniLM embeddings of ``texts``: raw and adapted."""
    raw = (static.encode(texts) * titles.encode(texts)).sum(axis=1)
    adapted = (query_static.encode(texts) * adapter.encode(texts)).sum(axis=1)
    return {
        "raw_mean": float(raw.mean()),
        "raw_p05": float(np.quantile(raw, 0.05)),
        "adapted_mean": float(adapted.mean()),
        "adapted_p05": float(np.quantile(adapted, 0.05)),
    }


def exact_label_check(
    n_queries: int = 600, seed: int = 0, cache_dir: Path | None = None
) -> dict[str, float]:
    """The default normaliser on the whole catalogue (every known alternative label in the
    corpus), queried with ``n_queries`` of those very labels, and with upper-case ``(m/v/x)``
    variants of them: how often the labelled occupation comes first."""
    from benchmarks._refdata import esco_dir
    from doorstroom_match.text import EmbeddingCache, TitleNormalizer, load_esco_corpus
    from doorstroom_match.text.corpus import read_queries_csv

    queries, gold = read_queries_csv(esco_dir() / "dev_title_queries.csv")
    pick = random.Random(seed).sample(range(len(queries)), n_queries)
    cache = EmbeddingCache(cache_dir / "embeddings.sqlite") if cache_dir else None
    tn = TitleNormalizer(cache=cache).fit(load_esco_corpus())
    out = {}
    for name, texts in (
        ("exact_label_acc@1", [queries[i] for i in pick]),
        ("exact_label_upper_mvx_acc@1", [queries[i].upper() + " (m/v/x)" for i in pick]),
    ):
        top = tn.predict(texts, k=1)
        out[name] = float(np.mean([t[0].uri == gold[i] for t, i in zip(top, pick, strict=True)]))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.titles_cv", description=__doc__.split("\n")[0]
    )
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--weights", default=None, help='JSON, e.g. \'{"char": 1, "dense": 0.5}\'')
    p.add_argument("--row-penalty", type=float, default=0.2)
    p.add_argument(
        "--cache-dir",
        default="build/titles_cv",
        help="base-model embeddings are kept here between runs ('' to disable)",
    )
    p.add_argument(
        "--exact-check",
        action="store_true",
        help="also: known labels as queries against the whole catalogue (default model)",
    )
    p.add_argument(
        "--no-posting", action="store_true", help="label-style queries only (no posting-style)"
    )
    p.add_argument("--no-groups", action="store_true", help="no ISCO group rows in the corpora")
    p.add_argument("--group-penalty", type=float, default=0.3)
    p.add_argument("--max-folds", type=int, default=0, help="stop after this many folds (0: all)")
    p.add_argument(
        "--methods",
        default="adapted,base,char_tfidf",
        help="comma-separated: adapted, base, char_tfidf, fast, adapted_gp0, adapted_allvariants, "
        "static, int8, adapted_rr, static_rr, int8_rr (with --reranker), e5, use, adapted+e5, "
        "adapted+use",
    )
    p.add_argument(
        "--reranker",
        default=None,
        help="re-ranker file of the methods adapted_rr and static_rr ('auto': the shipped "
        "one of each query kind, reranker_path('model') and reranker_path('static'))",
    )
    p.add_argument(
        "--static-params",
        default=None,
        help="JSON keyword arguments of models.train_title_static.fit_static "
        "(the static method), e.g. '{\"rank\": 256}'",
    )
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    log = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    res = run(
        args.folds,
        args.seed,
        log,
        weights=json.loads(args.weights) if args.weights else None,
        row_penalty=args.row_penalty,
        cache_dir=Path(args.cache_dir) if args.cache_dir else None,
        posting=not args.no_posting,
        groups=not args.no_groups,
        methods=tuple(args.methods.split(",")),
        group_penalty=args.group_penalty,
        max_folds=args.max_folds,
        static_params=json.loads(args.static_params) if args.static_params else None,
        reranker=args.reranker,
    )
    for setting, a in res["agreement"].items():
        log(
            f"  static vs MiniLM cosine, {setting}: raw mean {a['raw_mean']:.3f} "
            f"(5th pct {a['raw_p05']:.3f}), adapted mean {a['adapted_mean']:.3f} "
            f"(5th pct {a['adapted_p05']:.3f})"
        )
    if args.exact_check:
        res["exact_check"] = exact_label_check(
            cache_dir=Path(args.cache_dir) if args.cache_dir else None
        )
        log("  " + ", ".join(f"{k} {v:.3f}" for k, v in res["exact_check"].items()))
    log("| method | acc@1 | acc@10 | mrr@10 | acc@1 per fold |")
    log("|---|---|---|---|---|")
    for name, m in res["mean"].items():
        folds = " ".join(f"{r['acc@1']:.3f}" for r in res["per_fold"][name])
        log(f"| {name} | {m['acc@1']:.3f} | {m['acc@10']:.3f} | {m['mrr@10']:.3f} | {folds} |")
    if args.json:
        emit_json(res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
