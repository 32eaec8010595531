"""A learned re-ranker for job-title normalisation: re-orders the best candidates.

:class:`~doorstroom_match.text.TitleNormalizer` fuses its signals with fixed weights; the
re-ranker looks at its ``n_candidates`` best occupations per query again, with features the
fixed fusion cannot combine: the fused score, its margin to the best and the candidate's rank;
each signal on its own, and how far it is below that signal's best among the candidates and
its rank there; fuzzy ratios between the query and the occupation's label; whether the
query's head word ends a label word; the number of surface forms; how much of the candidates'
fused weight and how many of the top 10 share the candidate's ISCO-08 group (4, 3 and 2
digits: the neighbours' votes); and the query's length. A LambdaRank model (LightGBM,
gradient-boosted trees that optimise the ranking itself) trained on out-of-fold candidates of
the dev queries (``models/train_title_reranker.py``) orders them.

The committed model (``models/title-reranker.json``) is JSON: the training record and
LightGBM's own text model format, which later LightGBM versions read.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from doorstroom_match._exceptions import NotFittedError, ValidationError
from doorstroom_match.text._paths import model_file

__all__ = [
    "FEATURES",
    "TitleReranker",
    "candidate_features",
    "group_codes",
    "reranker_path",
]

#: The per-row signals of ``TitleNormalizer`` the features take as they are.
_SIGNALS = (
    "char",
    "dense",
    "desc",
    "desc_dense",
    "char_pref",
    "dense_pref",
    "char_sub",
    "char_sub_pref",
)
#: Signals compared with their best among a query's candidates (``<name>_gap``, ``<name>_rank``).
_RELATIVE = (*(s for s in _SIGNALS if s != "char_sub_pref"), "token_set_ratio")
#: ISCO-08 group levels (digits) of the neighbour features.
GROUP_LEVELS = (4, 3, 2)
_GROUP_TEMPERATURE = 20.0  # softmax temperature of fused scores for the group's share

#: Feature names, in the order of the last axis of :func:`candidate_features`.
#: The row count and the label-row signals only help when the training rows mix both settings
#: (``models/train_title_reranker.py``): trained on held-out rows alone, where the right
#: occupation never has other labels, they teach "many labels => wrong".
FEATURES = (
    "fused",
    "margin",
    "rank",
    *_SIGNALS,
    "log_rows",
    "token_set_ratio",
    "partial_ratio",
    "head_word",
    *(f"{name}_{kind}" for name in _RELATIVE for kind in ("gap", "rank")),
    *(f"isco{d}_{kind}" for d in GROUP_LEVELS for kind in ("share", "top10")),
    "query_words",
    "query_chars",
)
_FILENAME = "title-reranker.json"
#: The query encoder whose features the re-ranker at :func:`reranker_path` (the file
#: ``title-reranker.json``) was trained on: MiniLM's forward pass in float. A normaliser whose
#: queries are embedded otherwise uses the file of its kind in :data:`RERANKER_FILES`, beside
#: it: ``title-reranker-int8.json`` for MiniLM in int8 (the default query path,
#: ``titles.AUTO_QUERY_KIND``), ``title-reranker-static.json`` for the static table.
DEFAULT_QUERY_KIND = "model"
#: Re-ranker file per query kind (``TitleNormalizer.query_kind_``): each was trained on the
#: features its query encoder gives (``models.train_title_reranker --query-encoder``); the
#: default kind's is :data:`_FILENAME`.
RERANKER_FILES = {
    kind: _FILENAME if kind == DEFAULT_QUERY_KIND else name
    for kind, name in (
        ("static", "title-reranker-static.json"),
        ("int8", "title-reranker-int8.json"),
        ("model", "title-reranker-minilm.json"),
    )
}


def reranker_path(query_kind: str | None = None) -> Path:
    """Where the re-ranker for queries embedded by ``query_kind`` is looked for.

    ``$DOORSTROOM_TITLES_RERANKER`` when set, else ``models/title-reranker.json``: the model
    for the default query path (:data:`DEFAULT_QUERY_KIND`). Another kind in
    :data:`RERANKER_FILES` (``"model"``: MiniLM's forward pass) reads its own file in the
    same folder, and that default one when its own is absent.
    """
    path = model_file("DOORSTROOM_TITLES_RERANKER", _FILENAME)
    if query_kind is None or query_kind == DEFAULT_QUERY_KIND or query_kind not in RERANKER_FILES:
        return path
    own = path.with_name(RERANKER_FILES[query_kind])
    return own if own.is_file() else path


def group_codes(isco_groups) -> np.ndarray:
    """Integer codes of each occupation's ISCO-08 group at every level of :data:`GROUP_LEVELS`.

    Parameters
    ----------
    isco_groups : sequence of str, length n_occupations
        ISCO-08 group codes ("" when unknown).

    Returns
    -------
    ndarray of shape (len(GROUP_LEVELS), n_occupations), int64
        Equal codes mean the same group at that level; -1 where the group is unknown (or
        shorter than the level).
    """
    out = np.full((len(GROUP_LEVELS), len(isco_groups)), -1, dtype=np.int64)
    for li, digits in enumerate(GROUP_LEVELS):
        seen: dict[str, int] = {}
        for j, g in enumerate(isco_groups):
            g = str(g or "")
            if len(g) >= digits:
                out[li, j] = seen.setdefault(g[:digits], len(seen))
    return out


def _head_word_matches(query_tokens: list[str], label: str) -> float:
    """1 when the query's last word ends a label word or a label word ends it (compounds)."""
    if not query_tokens:
        return 0.0
    head = query_tokens[-1]
    return float(any(t.endswith(head) or head.endswith(t) for t in _label_words(label)))


@functools.lru_cache(maxsize=65_536)
def _label_words(label: str) -> tuple[str, ...]:
    """The words of a (normalised) label longer than two letters; labels repeat across queries."""
    return tuple(t for t in label.split() if len(t) > 2)


def _rank_within(values: np.ndarray) -> np.ndarray:
    """Rank of every value in its row, 0 = highest (ties: earlier column first)."""
    order = np.argsort(-values, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(values.shape[1])[None, :], axis=1)
    return ranks.astype(np.float32)


def _group_features(codes: np.ndarray, fused: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Share of the candidates' softmax weight and count among the top 10 in the same group.

    Parameters
    ----------
    codes : ndarray of shape (n, K), int; -1 unknown
    fused : ndarray of shape (n, K), the candidates' fused scores

    Returns
    -------
    share, top10 : ndarray of shape (n, K), float32; NaN where the group is unknown
    """
    w = np.exp(_GROUP_TEMPERATURE * (fused - fused.max(axis=1, keepdims=True)))
    w /= w.sum(axis=1, keepdims=True)
    same = (codes[:, :, None] == codes[:, None, :]) & (codes[:, :, None] >= 0)
    share = np.einsum("ijk,ik->ij", same, w, dtype=np.float64).astype(np.float32)
    top10 = same[:, :, :10].sum(axis=2).astype(np.float32)
    unknown = codes < 0
    share[unknown] = np.nan
    top10[unknown] = np.nan
    return share, top10


def candidate_features(
    queries: list[str],
    candidates: np.ndarray,
    fused: np.ndarray,
    parts: dict[str, np.ndarray],
    labels: list[str],
    n_rows: np.ndarray,
    groups: np.ndarray | None = None,
) -> np.ndarray:
    """Features of every (query, candidate occupation) pair.

    Parameters
    ----------
    queries : list of str, length n
        Normalised query texts (``normalise_title``).
    candidates : ndarray of shape (n, K), int
        Candidate occupations per query, best fused score first.
    fused : ndarray of shape (n, n_occupations)
        Fused scores of every occupation.
    parts : dict of str to ndarray of shape (n, n_occupations)
        The unweighted signals (``char``, ``dense``, ``desc``, ``desc_dense``, ``char_pref``,
        ``dense_pref``, ``char_sub``, ``char_sub_pref``; a missing one counts 0).
    labels : list of str, length n_occupations
        Normalised occupation labels.
    n_rows : ndarray of shape (n_occupations,)
        Surface forms (corpus rows) per occupation.
    groups : ndarray of shape (len(GROUP_LEVELS), n_occupations), int, optional
        :func:`group_codes` of the occupations; None: groups unknown (NaN features).

    Returns
    -------
    ndarray of shape (n, K, len(FEATURES)), float32
    """
    from rapidfuzz import fuzz, process

    n, k = candidates.shape
    take = lambda m: np.take_along_axis(m, candidates, axis=1)  # noqa: E731
    f_cand = take(fused)
    cols = {
        "fused": f_cand,
        "margin": f_cand - fused.max(axis=1, keepdims=True),
        "rank": np.broadcast_to(np.log1p(np.arange(k, dtype=np.float32)), (n, k)),
    }
    cols["log_rows"] = np.log(n_rows[candidates])
    for name in _SIGNALS:
        cols[name] = take(parts[name]) if name in parts else np.zeros((n, k), np.float32)
    tsr = np.zeros((n, k), dtype=np.float32)
    pr = np.zeros((n, k), dtype=np.float32)
    head = np.zeros((n, k), dtype=np.float32)
    for i, q in enumerate(queries):
        q_tokens = q.split()
        cand_labels = [labels[occ] for occ in candidates[i]]
        # one C call per query and scorer (same ratios as fuzz.* pair by pair)
        tsr[i] = process.cdist([q], cand_labels, scorer=fuzz.token_set_ratio)[0] / 100.0
        pr[i] = process.cdist([q], cand_labels, scorer=fuzz.partial_ratio)[0] / 100.0
        head[i] = [_head_word_matches(q_tokens, label) for label in cand_labels]
    cols.update(token_set_ratio=tsr, partial_ratio=pr, head_word=head)
    for name in _RELATIVE:
        v = np.asarray(cols[name], dtype=np.float32)
        cols[f"{name}_gap"] = v - v.max(axis=1, keepdims=True)
        cols[f"{name}_rank"] = _rank_within(v)
    for li, digits in enumerate(GROUP_LEVELS):
        codes = np.full((n, k), -1, dtype=np.int64) if groups is None else groups[li][candidates]
        cols[f"isco{digits}_share"], cols[f"isco{digits}_top10"] = _group_features(codes, f_cand)
    words = np.array([len(q.split()) for q in queries], dtype=np.float32)
    chars = np.array([len(q) for q in queries], dtype=np.float32)
    cols["query_words"] = np.broadcast_to(words[:, None], (n, k))
    cols["query_chars"] = np.broadcast_to(chars[:, None], (n, k))
    return np.stack([cols[name] for name in FEATURES], axis=2).astype(np.float32)


class TitleReranker:
    """LambdaRank re-ordering of a title normaliser's best candidates (LightGBM).

    Parameters
    ----------
    n_candidates : int, default 50
        Candidates re-scored per query (the fused top ``n_candidates``).
    n_estimators, learning_rate, num_leaves, min_child_samples, reg_lambda, truncation_level
        Of :class:`lightgbm.LGBMRanker` (``objective="lambdarank"``; ``truncation_level`` is
        ``lambdarank_truncation_level``, the depth of the ranking it optimises).
    colsample_bytree, subsample : float, default 0.7 and 0.8
        Share of the features each tree sees and of the rows it learns from (redrawn every
        tree): regularisation; +0.002 held-out and +0.004 known acc@1 in nested CV.
    random_state : int, default 0

    Attributes
    ----------
    booster_ : lightgbm.Booster
    forest_ : QuickScorerForest or None
        The same trees for :meth:`predict_scores`' fast path (same numbers as the booster;
        None where numba is missing or the model is one QuickScorer does not cover).
    info_ : dict
        Training record (counts, cross-validated scores, LightGBM version).
    """

    def __init__(
        self,
        n_candidates: int = 50,
        n_estimators: int = 600,
        learning_rate: float = 0.03,
        num_leaves: int = 31,
        min_child_samples: int = 40,
        reg_lambda: float = 1.0,
        truncation_level: int = 20,
        colsample_bytree: float = 0.7,
        subsample: float = 0.8,
        random_state: int = 0,
    ) -> None:
        self.n_candidates = n_candidates
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.reg_lambda = reg_lambda
        self.truncation_level = truncation_level
        self.colsample_bytree = colsample_bytree
        self.subsample = subsample
        self.random_state = random_state

    def _params(self) -> dict[str, Any]:
        """The constructor's arguments, read back (what :meth:`save` writes)."""
        names = inspect.signature(type(self).__init__).parameters
        return {name: getattr(self, name) for name in names if name != "self"}

    def fit(self, features: np.ndarray, gold: np.ndarray) -> TitleReranker:
        """Learn from candidate features and whether each candidate is the right occupation.

        Parameters
        ----------
        features : ndarray of shape (n_queries, K, len(FEATURES))
        gold : ndarray of shape (n_queries, K), bool

        Returns
        -------
        self
        """
        lgb = _lightgbm()
        features = np.asarray(features, dtype=np.float32)
        gold = np.asarray(gold, dtype=bool)
        if features.ndim != 3 or features.shape[2] != len(FEATURES):
            raise ValidationError(
                f"features must have shape (n, K, {len(FEATURES)}), got {features.shape}"
            )
        if gold.shape != features.shape[:2]:
            raise ValidationError(f"gold must have shape {features.shape[:2]}, got {gold.shape}")
        if not gold.any() or gold.all():
            raise ValidationError("gold must mark some candidates right and some wrong")
        n, k, f = features.shape
        model = lgb.LGBMRanker(
            objective="lambdarank",
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            num_leaves=self.num_leaves,
            min_child_samples=self.min_child_samples,
            reg_lambda=self.reg_lambda,
            lambdarank_truncation_level=self.truncation_level,
            colsample_bytree=self.colsample_bytree,
            subsample=self.subsample,
            subsample_freq=1 if self.subsample < 1 else 0,
            random_state=self.random_state,
            deterministic=True,
            force_row_wise=True,
            verbose=-1,
        )
        model.fit(features.reshape(n * k, f), gold.reshape(-1).astype(np.int32), group=[k] * n)
        self.booster_ = model.booster_
        self.forest_ = _forest_of(self.booster_)
        self.info_ = {
            "features": list(FEATURES),
            "lightgbm": lgb.__version__,
            "queries": int(n),
            "candidates": int(k),
        }
        return self

    def predict_scores(
        self, features: np.ndarray, n_threads: int = 0, engine: str = "auto"
    ) -> np.ndarray:
        """Ranking score of each candidate (higher is better; comparable within a query).

        Parameters
        ----------
        features : ndarray of shape (n_queries, K, len(FEATURES))
        n_threads : int, default 0
            LightGBM's threads (0: its default, every core); 1 when the caller runs
            several predictions on threads of its own (no oversubscription).
        engine : {'auto', 'lightgbm'}, default 'auto'
            ``'auto'``: the trees scored by QuickScorer (:attr:`forest_`, on the calling
            thread; about twice LightGBM's speed on one thread, the same numbers) where it
            applies, else by LightGBM; ``'lightgbm'``: always LightGBM (the reference).

        Returns
        -------
        ndarray of shape (n_queries, K), float32
        """
        if not hasattr(self, "booster_"):
            raise NotFittedError("TitleReranker is not fitted yet; call fit() or load() first")
        n, k, f = features.shape
        if f != len(FEATURES):
            raise ValidationError(f"features must have {len(FEATURES)} columns, got {f}")
        if engine not in ("auto", "lightgbm"):
            raise ValidationError(f"engine must be 'auto' or 'lightgbm', got {engine!r}")
        x = np.asarray(features, np.float32).reshape(n * k, f)
        if not hasattr(self, "forest_"):  # unpickled from a version without it
            self.forest_ = _forest_of(self.booster_)
        if engine == "auto" and self.forest_ is not None:
            raw = self.forest_.predict(x)
        elif n_threads:
            raw = self.booster_.predict(x, num_threads=n_threads)
        else:
            raw = self.booster_.predict(x)
        return np.asarray(raw, dtype=np.float32).reshape(n, k)

    def save(self, path: str | os.PathLike) -> None:
        """Write the fitted re-ranker as JSON: parameters, training record, LightGBM model."""
        if not hasattr(self, "booster_"):
            raise NotFittedError("TitleReranker is not fitted yet; nothing to save")
        doc = {
            "params": self._params(),
            "info": self.info_,
            "lightgbm_model": self.booster_.model_to_string(),
        }
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(doc), encoding="utf-8")

    @classmethod
    def load(cls, path: str | os.PathLike) -> TitleReranker:
        """Read a re-ranker written by :meth:`save`."""
        lgb = _lightgbm()
        try:
            doc = json.loads(Path(path).read_text(encoding="utf-8"))
            obj = cls(**doc["params"])
            obj.info_ = dict(doc["info"])
            model = doc["lightgbm_model"]
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError(f"{str(path)!r} is not a title re-ranker file: {exc}") from None
        if list(obj.info_.get("features", ())) != list(FEATURES):
            raise ValidationError(
                f"the title re-ranker {str(path)!r} uses other features than this version; "
                "rebuild it with `python -m models.train_title_reranker`"
            )
        obj.booster_ = lgb.Booster(model_str=model)
        obj.forest_ = _forest_of(obj.booster_)
        return obj


def _forest_of(booster: Any) -> Any:
    """The booster's trees for QuickScorer, or None (no numba, or a model it does not cover)."""
    from doorstroom_match._jit import compiled
    from doorstroom_match.text._forest import QuickScorerForest, _quickscorer_kernel

    if compiled(_quickscorer_kernel) is None:
        return None
    return QuickScorerForest.from_lightgbm(booster)


def _lightgbm():
    try:
        import lightgbm
    except ImportError as exc:  # pragma: no cover - lightgbm is in the embeddings extra
        raise ImportError(
            "the title re-ranker needs LightGBM: pip install 'doorstroom_match[embeddings]'"
        ) from exc
    return lightgbm
