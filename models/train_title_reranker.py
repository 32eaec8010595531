"""Train the job-title re-ranker on out-of-fold candidates of the dev queries.

Build the artefact the library uses by default (``TitleNormalizer(reranker="auto")``)::

    python -m models.train_title_reranker --out doorstroom_match/data/models/title-reranker.json

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
committed model is the default ``labels+posting`` recipe with the group rows (``make
models``; the nested CV that chose it is in ``models/README.md``).
A nested cross-validation (train on four folds' rows, score the fifth) gives the figures in the
model card, for both recipes of :data:`RECIPES` on the same rows (``labels``: the label-style
settings; ``labels+posting``: all four), so the table says whether the posting-style rows help
(mean ± standard deviation between folds; the fused order and plain char TF-IDF on the same
queries as references); the shipped model is then fitted on all rows of ``--recipe``. Each
fold's rows and each (recipe, test fold) result are kept in ``--rows-dir``
(``build/title_reranker_rows``) and reused by the next run, so a long run can be done in
steps (``--max-new-folds``, ``--test-folds``, ``--no-final``). On the shared 2-core machine
with the base embeddings cached in ``build/titles_cv``: 2.5-6 minutes per fold's rows, 2-6
minutes per nested ``labels`` fit and 5-9 per ``labels+posting`` fit (about twice the
rows), about 7.5 for the final fit (20 minutes when the machine is shared with two other
fits). The kept rows are named by folds, seed, candidates, query styles, the query encoder
and a hash of the code that makes them (:data:`ROWS_CODE`; ``--rows-hash`` reuses rows across
a change known not to touch them); the ESCO data they are made from are not hashed, the
package's word list and int8 graph are.

Queries are embedded as they are served (``--query-encoder``, default the package's default
query path, MiniLM): ``static`` by the static table
(:class:`~doorstroom_match.text.static.StaticTitleEncoder`; ``title-reranker-static.json``),
refitted per fold without the fold's labels, their posting versions and the fold's queries,
under the
fold's adapter, as ``benchmarks.titles_cv``'s static methods do; ``model`` by MiniLM's
forward pass (``title-reranker.json``); ``int8`` by the same pass in int8
(:class:`~doorstroom_match.text.quantized.Int8TitleEncoder`, the package's default query
path; ``title-reranker-int8.json``). Runs side by side:
``--only-folds`` splits the rows between runs, ``--test-folds`` the nested fits,
``--nested none`` fits only the final model and ``--nested kept --final-from FILE`` puts
the kept nested results into that model's record without refitting. ``--rescore 10,20,30``
(default) also scores re-ranking only the fused best N in the nested CV (``@topN`` rows).
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from doorstroom_match.text.rerank import DEFAULT_QUERY_KIND, RERANKER_FILES

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


#: Training recipes compared in the nested CV: the settings whose rows each one learns from.
RECIPES = {
    "labels": ("heldout", "known"),
    "labels+posting": ("heldout", "known", "heldout_posting", "known_posting"),
}


#: The code that makes a fold's rows: the folds and their corpora, the adapter's, the
#: substitutions' and the static table's training, the posting generator, the normaliser and
#: its features, and the package files the normaliser reads while making them (the word list
#: with its posting filler, the int8 query graph). Its hash is part of the kept rows' names,
#: so a change to any of them makes the next run build new rows instead of reading stale ones.
ROWS_CODE = (
    "benchmarks/titles_cv.py",
    "benchmarks/titles_posting.py",
    "benchmarks/_title_baseline.py",
    "models/train_title_adapter.py",
    "models/train_title_substitutions.py",
    "models/train_title_static.py",
    "models/train_title_reranker.py",
    "doorstroom_match/text/titles.py",
    "doorstroom_match/text/rerank.py",
    "doorstroom_match/text/static.py",
    "doorstroom_match/text/quantized.py",
    "doorstroom_match/text/encoders.py",
    "doorstroom_match/text/normalise.py",
    "doorstroom_match/text/synonyms.py",
    "doorstroom_match/text/corpus.py",
    "doorstroom_match/text/_ngrams.py",
    "doorstroom_match/text/lexicon.py",
    "doorstroom_match/data/reference/be_title_words.csv",
    "doorstroom_match/data/models/title-minilm-int8.onnx",
)


@functools.cache
def _code_hash() -> str:
    """A short hash of :data:`ROWS_CODE` (the files as they were when first asked: a run
    names all its files alike even if the checkout changes under it)."""
    import hashlib

    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for name in ROWS_CODE:
        path = root / name
        h.update(name.encode())
        h.update(path.read_bytes() if path.is_file() else b"-")
    return h.hexdigest()[:10]


def _rows_file(args, fold: int) -> Path:
    """Where one fold's candidate rows are kept (``--rows-dir``), named by what made them:
    folds, seed, candidates, query styles, group rows, the query encoder and a hash of the
    code that builds them (:func:`_code_hash`; the ESCO data are not hashed)."""
    key = (
        f"k{args.folds}s{args.seed}c{args.candidates}"
        f"p{int(not args.no_posting)}g{int(not args.no_groups)}"
        f"-q{args.query_encoder}-{args.rows_hash or _code_hash()}"
    )
    return Path(args.rows_dir) / f"{key}-fold{fold}.npz"


def _fold_rows(fold, args) -> dict[str, Any]:
    """Candidate features, gold marks and candidates of one fold's settings, plus the plain
    char TF-IDF baseline's metrics on the same queries (a same-run reference)."""
    from benchmarks._title_baseline import PlainCharTfidf
    from benchmarks.titles_cv import _metrics as metrics_of_top
    from doorstroom_match.text.encoders import AdaptedEncoder
    from doorstroom_match.text.titles import ADAPTED_WEIGHTS, TitleNormalizer

    encoder = AdaptedEncoder(fold.adapter, fold.titles, fold.longer)
    query_encoder: Any = "model"
    if args.query_encoder == "static":
        # the setting it serves in: queries embedded by a static table trained without the
        # fold's labels, their posting versions and the fold's queries, under the fold's
        # adapter; corpus rows stay MiniLM (as benchmarks.titles_cv's static methods)
        from benchmarks.titles_cv import _fold_static

        t0 = time.perf_counter()
        static = _fold_static(fold, fold.settings(), {})
        query_encoder = AdaptedEncoder(fold.adapter, static).fit()
        fold.titles.save()  # the table's training texts, embedded once for every fold
        print(f"  fold {fold.index}: static table {time.perf_counter() - t0:.0f} s", flush=True)
    elif args.query_encoder == "int8":
        # MiniLM's forward pass in int8 (query_encoder="int8"): nothing is fitted
        # per fold, the graph is the base model's; under the fold's adapter
        from doorstroom_match.text.quantized import Int8TitleEncoder

        query_encoder = AdaptedEncoder(fold.adapter, Int8TitleEncoder()).fit()
    out: dict[str, Any] = {}
    fitted: dict[int, tuple[Any, Any]] = {}  # label- and posting-style share their corpus
    for setting, (corpus, texts, gold) in fold.settings().items():
        if id(corpus) not in fitted:
            fitted[id(corpus)] = (
                TitleNormalizer(
                    model=encoder,
                    weights=ADAPTED_WEIGHTS,
                    reranker=None,
                    substitutions=fold.substitutions,
                    query_encoder=query_encoder,
                ).fit(corpus),
                PlainCharTfidf().fit(corpus),
            )
        tn, plain = fitted[id(corpus)]
        cand, feats = tn.rerank_features(texts, args.candidates)
        uri_index = {u: j for j, u in enumerate(tn.uris_)}
        right = cand == np.array([uri_index[u] for u in gold])[:, None]
        plain_index = {u: j for j, u in enumerate(plain.uris_)}
        _, top = plain.predict_topk(texts, 10)
        out[setting] = {
            "feats": feats,
            "right": right,
            "cand": cand,
            "uris": np.asarray(tn.uris_, dtype=str),
            "char_tfidf": metrics_of_top(top, np.array([plain_index[u] for u in gold])),
        }
        print(
            f"  fold {fold.index} {setting}: {len(right)} queries, right one among the "
            f"candidates {right.any(axis=1).mean():.3f}",
            flush=True,
        )
    return out


def _save_rows(path: Path, rows: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {f"{s}/{k}": v for s, r in rows.items() for k, v in r.items() if k != "char_tfidf"}
    arrays["char_tfidf"] = np.array(json.dumps({s: r["char_tfidf"] for s, r in rows.items()}))
    tmp = path.with_name(f"{path.stem}.tmp.npz")  # renamed when complete
    np.savez_compressed(tmp, **arrays)
    tmp.replace(path)


def _load_rows(path: Path) -> dict[str, Any]:
    with np.load(path) as z:
        rows: dict[str, Any] = {}
        for name in z.files:
            if name != "char_tfidf":
                setting, key = name.split("/")
                rows.setdefault(setting, {})[key] = z[name]
        for setting, m in json.loads(str(z["char_tfidf"])).items():
            rows[setting]["char_tfidf"] = m
    return rows


def _summary(per_fold: dict[str, list[dict]]) -> dict[str, dict[str, float]]:
    """Mean, standard deviation (between folds) and range of each metric."""
    out = {}
    for name, res in per_fold.items():
        out[name] = {}
        for k in res[0]:
            v = np.array([r[k] for r in res])
            out[name][k] = round(float(v.mean()), 4)
            out[name][f"{k}_sd"] = round(float(v.std(ddof=1)), 4) if len(v) > 1 else 0.0
            out[name][f"{k}_min"] = round(float(v.min()), 4)
            out[name][f"{k}_max"] = round(float(v.max()), 4)
    return out


def build(args) -> dict:
    from benchmarks.titles_cv import iter_folds
    from doorstroom_match.text.rerank import FEATURES, TitleReranker

    t0 = time.perf_counter()
    print(f"  rows kept as {_rows_file(args, 0)} (and the other folds)", flush=True)
    cache = Path(args.cache_dir) if args.cache_dir else None
    folds_rows: list[dict[str, Any] | None] = [None] * args.folds
    new = 0
    for f in range(args.folds):
        if args.rows_dir and _rows_file(args, f).is_file():
            folds_rows[f] = _load_rows(_rows_file(args, f))
            print(f"  fold {f}: rows read from {_rows_file(args, f)}", flush=True)
    if any(r is None for r in folds_rows):
        folds = iter_folds(
            args.folds,
            args.seed,
            cache,
            log=print,
            posting=not args.no_posting,
            groups=not args.no_groups,
        )
        only = {int(x) for x in args.only_folds.split(",") if x} if args.only_folds else None
        for fold in folds:
            if folds_rows[fold.index] is not None or (only and fold.index not in only):
                continue
            if args.max_new_folds and new >= args.max_new_folds:
                break
            folds_rows[fold.index] = _fold_rows(fold, args)
            new += 1
            if args.rows_dir:
                _save_rows(_rows_file(args, fold.index), folds_rows[fold.index])
            if args.max_new_folds and new >= args.max_new_folds:
                break  # before the generator builds the next fold (its adapter: minutes)
    if any(r is None for r in folds_rows):
        missing = [f for f, r in enumerate(folds_rows) if r is None]
        print(f"rows of folds {missing} still missing: run again (kept in {args.rows_dir})")
        return {"missing_folds": missing}
    rows: dict[str, list[dict[str, Any]]] = {
        s: [fr[s] for fr in folds_rows]
        for s in folds_rows[0]  # type: ignore[index]
    }
    recipes = {
        name: [s for s in settings if s in rows]
        for name, settings in RECIPES.items()
        if all(s in rows for s in settings)
    }
    if args.recipe is None:
        args.recipe = "labels" if args.no_posting else "labels+posting"
    if args.recipe not in recipes:
        raise SystemExit(f"--recipe {args.recipe!r} needs the posting-style rows (no --no-posting)")

    def stack(parts):
        return (
            np.concatenate([p["feats"] for p in parts]),
            np.concatenate([p["right"] for p in parts]),
        )

    # nested CV: per test fold, each recipe trained on the other folds' rows; every result
    # is kept beside the rows, so an interrupted run resumes where it stopped
    test_folds = [int(x) for x in args.test_folds.split(",")] if args.test_folds else []
    test_folds = test_folds or list(range(args.folds))
    if args.nested == "none":
        test_folds = []
    run_recipes = [r for r in recipes if args.nested == "all" or r == args.recipe]

    def done_file(f: int, recipe: str) -> Path:
        return _rows_file(args, f).with_name(_rows_file(args, f).stem + f"-nested-{recipe}.json")

    if args.nested == "kept":  # the results other runs kept, nothing fitted
        test_folds = [f for f in test_folds if done_file(f, args.recipe).is_file()]
    nested: dict[str, list] = {}
    for f in test_folds:
        for s in rows:
            nested.setdefault(f"char_tfidf/{s}", []).append(rows[s][f]["char_tfidf"])
            r = rows[s][f]
            nested.setdefault(f"fused/{s}", []).append(
                _metrics(r["feats"][:, :, FEATURES.index("fused")], r["right"])
            )
        for recipe in run_recipes:
            done = done_file(f, recipe)
            if args.rows_dir and done.is_file():
                res = json.loads(done.read_text(encoding="utf-8"))
            else:
                t1 = time.perf_counter()
                train = [r for s in recipes[recipe] for i, r in enumerate(rows[s]) if i != f]
                model = TitleReranker(n_candidates=args.candidates).fit(*stack(train))
                res = {}
                for s in rows:
                    feats, right = rows[s][f]["feats"], rows[s][f]["right"]
                    scores = model.predict_scores(feats)
                    res[s] = _metrics(scores, right)
                    for top in args.rescore:
                        # only the fused top `top` re-scored (features still from all the
                        # candidates); the rest follow in the fused order
                        part = np.full_like(scores, -np.inf)
                        part[:, :top] = model.predict_scores(feats[:, :top])
                        res[f"{s}@top{top}"] = _metrics(part, right)
                if args.rows_dir:
                    done.write_text(json.dumps(res), encoding="utf-8")
                print(f"  nested {recipe} fold {f}: {time.perf_counter() - t1:.0f} s", flush=True)
            for s, m in res.items():
                nested.setdefault(f"reranked[{recipe}]/{s}", []).append(m)
    summary = _summary(nested)
    print_table(summary, nested)
    print(json.dumps({"nested_cv": summary}))

    def means(m: dict[str, float]) -> dict[str, float]:
        return {k: v for k, v in m.items() if "_" not in k}

    if not args.final:
        return {"nested_cv": summary, "test_folds": test_folds}

    if args.final_from:  # fitted by an earlier run of the same rows and recipe
        final = TitleReranker.load(args.final_from)
        if final.info_.get("query_encoder") != args.query_encoder:
            raise SystemExit(f"{args.final_from} was not trained on {args.query_encoder} rows")
        train_seconds = final.info_.get("train_seconds")
    else:
        final = TitleReranker(n_candidates=args.candidates).fit(
            *stack([r for s in recipes[args.recipe] for r in rows[s]])
        )
        train_seconds = round(time.perf_counter() - t0, 1)
    final.info_.update(
        {
            "folds": args.folds,
            "seed": args.seed,
            "nested_test_folds": test_folds,
            "recipe": args.recipe,
            "query_encoder": args.query_encoder,
            "groups": not args.no_groups,
            "settings": {
                s: int(sum(len(r["right"]) for r in rows[s])) for s in recipes[args.recipe]
            },
            # the shipped recipe's nested CV as "fused/<setting>" and "reranked/<setting>"
            "nested_cv_mean": {
                name.replace(f"reranked[{args.recipe}]", "reranked"): means(m)
                for name, m in summary.items()
                if name.startswith(("fused/", f"reranked[{args.recipe}]/"))
            },
            "nested_cv_all": {name: means(m) for name, m in summary.items()},
            "nested_cv_acc1_per_fold": {
                name: [round(r["acc@1"], 4) for r in res] for name, res in nested.items()
            },
            "train_seconds": train_seconds,
        }
    )
    final.save(args.out)
    print(json.dumps(final.info_))
    return final.info_


def print_table(summary: dict[str, dict[str, float]], per_fold: dict[str, list]) -> None:
    """The markdown CV table: mean ± standard deviation between folds, acc@1 per fold."""
    print("| method / setting | acc@1 | acc@10 | mrr@10 | acc@1 per fold |")
    print("|---|---|---|---|---|")
    for name, m in summary.items():
        cells = " | ".join(
            f"{m[k]:.3f} ± {m[k + '_sd']:.3f}" for k in ("acc@1", "acc@10", "mrr@10")
        )
        folds = " ".join(f"{r['acc@1']:.3f}" for r in per_fold[name])
        print(f"| {name} | {cells} | {folds} |")


def _out_name(query_encoder: str) -> str:
    """The package's file for a re-ranker trained on ``query_encoder`` rows (every choice of
    ``--query-encoder`` has its own in :data:`~doorstroom_match.text.rerank.RERANKER_FILES`)."""
    return RERANKER_FILES[query_encoder]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m models.train_title_reranker", description=__doc__.split("\n")[0]
    )
    p.add_argument(
        "--out",
        default=None,
        help="output JSON (default: the package's file for --query-encoder, rerank.RERANKER_FILES)",
    )
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
    p.add_argument(
        "--query-encoder",
        choices=("static", "model", "int8"),
        default=DEFAULT_QUERY_KIND,
        help="what embeds the queries of the training rows: the static table (a table per "
        "fold trained without its labels), MiniLM's forward pass in float (default: the "
        "features title-reranker.json was trained on, rerank.DEFAULT_QUERY_KIND) or in int8 "
        "(the package's default query path; its file is title-reranker-int8.json)",
    )
    p.add_argument(
        "--rows-dir",
        default="build/title_reranker_rows",
        help="each fold's candidate rows are kept here and reused ('' = none)",
    )
    p.add_argument(
        "--rows-hash",
        default="",
        help="read and write the kept rows under this code hash instead of the checkout's "
        "(a run prints its own): for rows made before a change known not to touch them",
    )
    p.add_argument(
        "--only-folds",
        default="",
        help="compute the rows of these folds only (comma-separated; runs side by side can "
        "share the folds), then stop if others are missing",
    )
    p.add_argument(
        "--max-new-folds",
        type=int,
        default=0,
        help="compute at most this many folds' rows in this run, then stop (0: all)",
    )
    p.add_argument(
        "--recipe",
        choices=sorted(RECIPES),
        default=None,
        help="the query styles the shipped model learns from (default: labels+posting, "
        "labels with --no-posting)",
    )
    p.add_argument(
        "--nested",
        choices=("all", "recipe", "kept", "none"),
        default="all",
        help="nested CV of every recipe (the comparison), of --recipe only, of --recipe "
        "read from the results other runs kept (nothing fitted), or none (only the final fit)",
    )
    p.add_argument(
        "--rescore",
        default="10,20,30",
        type=lambda v: [int(x) for x in v.split(",") if x],
        help="the nested CV also scores re-ranking only the fused top N of the candidates, "
        "for each N here (comma-separated; '' none): rows '<setting>@topN'",
    )
    p.add_argument(
        "--test-folds",
        default="",
        help="comma-separated folds the nested CV scores (default: all)",
    )
    p.add_argument(
        "--final-from",
        default="",
        help="the final model: this file written by an earlier run (same rows and recipe) "
        "instead of a new fit; its record gets this run's nested CV",
    )
    p.add_argument(
        "--no-final",
        dest="final",
        action="store_false",
        help="nested CV only: do not fit and write the model",
    )
    args = p.parse_args(argv)
    if args.out is None:
        args.out = str(DEFAULT_OUT.with_name(_out_name(args.query_encoder)))
    build(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
