"""A learned re-ranker for job-title normalisation: re-scores the top candidates.

:class:`~doorstroom_match.text.TitleNormalizer` fuses its signals with fixed weights; the
re-ranker looks at its ``n_candidates`` best occupations per query again, with features the
fixed fusion cannot combine (the fused score and its margin to the best, the candidate's rank,
each signal on its own, fuzzy ratios between the query and the occupation's label, whether the
query's head word ends a label word, the number of surface forms), and orders them by the
probability of a gradient-boosted classifier (scikit-learn) trained on out-of-fold candidates
of the dev queries (``models/train_title_reranker.py``).

The committed model (``models/title-reranker.pkl``) is a pickle: load only files you trust.
"""

from __future__ import annotations

import os
import pickle
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from doorstroom_match._exceptions import NotFittedError, ValidationError

__all__ = ["FEATURES", "TitleReranker", "candidate_features", "reranker_path"]

#: Feature names, in the order of the last axis of :func:`candidate_features`.
#: The row count and the label-row signals only help when the training rows mix both settings
#: (``models/train_title_reranker.py``): trained on held-out rows alone, where the right
#: occupation never has other labels, they teach "many labels => wrong".
FEATURES = (
    "fused",
    "margin",
    "rank",
    "char",
    "dense",
    "desc",
    "desc_dense",
    "char_pref",
    "dense_pref",
    "log_rows",
    "token_set_ratio",
    "partial_ratio",
    "head_word",
)
_FILENAME = "title-reranker.pkl"


def reranker_path() -> Path:
    """``$DOORSTROOM_TITLES_RERANKER`` when set, else ``models/title-reranker.pkl``."""
    env = os.environ.get("DOORSTROOM_TITLES_RERANKER")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "models" / _FILENAME


def _head_word_matches(query_tokens: list[str], label: str) -> float:
    """1 when the query's last word ends a label word or a label word ends it (compounds)."""
    if not query_tokens:
        return 0.0
    head = query_tokens[-1]
    return float(any(t.endswith(head) or head.endswith(t) for t in label.split() if len(t) > 2))


def candidate_features(
    queries: list[str],
    candidates: np.ndarray,
    fused: np.ndarray,
    parts: dict[str, np.ndarray],
    labels: list[str],
    n_rows: np.ndarray,
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
        ``dense_pref``).
    labels : list of str, length n_occupations
        Normalised occupation labels.
    n_rows : ndarray of shape (n_occupations,)
        Surface forms (corpus rows) per occupation.

    Returns
    -------
    ndarray of shape (n, K, len(FEATURES)), float32
    """
    from rapidfuzz import fuzz

    n, k = candidates.shape
    take = lambda m: np.take_along_axis(m, candidates, axis=1)  # noqa: E731
    f_cand = take(fused)
    cols = {
        "fused": f_cand,
        "margin": f_cand - fused.max(axis=1, keepdims=True),
        "rank": np.broadcast_to(np.log1p(np.arange(k, dtype=np.float32)), (n, k)),
    }
    cols["log_rows"] = np.log(n_rows[candidates])
    for name in ("char", "dense", "desc", "desc_dense", "char_pref", "dense_pref"):
        cols[name] = take(parts[name])
    tsr = np.zeros((n, k), dtype=np.float32)
    pr = np.zeros((n, k), dtype=np.float32)
    head = np.zeros((n, k), dtype=np.float32)
    for i, q in enumerate(queries):
        q_tokens = q.split()
        for j, occ in enumerate(candidates[i]):
            label = labels[occ]
            tsr[i, j] = fuzz.token_set_ratio(q, label) / 100.0
            pr[i, j] = fuzz.partial_ratio(q, label) / 100.0
            head[i, j] = _head_word_matches(q_tokens, label)
    cols.update(token_set_ratio=tsr, partial_ratio=pr, head_word=head)
    return np.stack([cols[name] for name in FEATURES], axis=2).astype(np.float32)


class TitleReranker:
    """Gradient-boosted re-scoring of a title normaliser's best candidates.

    Parameters
    ----------
    n_candidates : int, default 50
        Candidates re-scored per query (the fused top ``n_candidates``).
    max_iter, learning_rate, max_leaf_nodes, min_samples_leaf, l2_regularization, random_state
        Of :class:`sklearn.ensemble.HistGradientBoostingClassifier`.

    Attributes
    ----------
    model_ : HistGradientBoostingClassifier
    info_ : dict
        Training record (counts, cross-validated scores, scikit-learn version).
    """

    def __init__(
        self,
        n_candidates: int = 50,
        max_iter: int = 300,
        learning_rate: float = 0.05,
        max_leaf_nodes: int = 15,
        min_samples_leaf: int = 40,
        l2_regularization: float = 1.0,
        random_state: int = 0,
    ) -> None:
        self.n_candidates = n_candidates
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.random_state = random_state

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
        from sklearn import __version__ as sklearn_version
        from sklearn.ensemble import HistGradientBoostingClassifier

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
        self.model_ = HistGradientBoostingClassifier(
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf,
            l2_regularization=self.l2_regularization,
            random_state=self.random_state,
        ).fit(features.reshape(-1, len(FEATURES)), gold.reshape(-1))
        self.info_ = {
            "features": list(FEATURES),
            "sklearn": sklearn_version,
            "queries": int(gold.shape[0]),
            "candidates": int(gold.shape[1]),
        }
        return self

    def predict_scores(self, features: np.ndarray) -> np.ndarray:
        """Probability that each candidate is the right occupation.

        Parameters
        ----------
        features : ndarray of shape (n_queries, K, len(FEATURES))

        Returns
        -------
        ndarray of shape (n_queries, K), float32
        """
        if not hasattr(self, "model_"):
            raise NotFittedError("TitleReranker is not fitted yet; call fit() or load() first")
        n, k, f = features.shape
        proba = self.model_.predict_proba(features.reshape(n * k, f))[:, 1]
        return proba.reshape(n, k).astype(np.float32)

    def save(self, path: str | os.PathLike) -> None:
        """Write the fitted re-ranker (a pickle with its training record)."""
        if not hasattr(self, "model_"):
            raise NotFittedError("TitleReranker is not fitted yet; nothing to save")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as fh:
            pickle.dump({"params": self.__dict__.copy()}, fh, protocol=4)

    @classmethod
    def load(cls, path: str | os.PathLike) -> TitleReranker:
        """Read a re-ranker written by :meth:`save` (a pickle: only load files you trust).

        Warns when it was trained with another scikit-learn version than the one installed.
        """
        from sklearn import __version__ as sklearn_version

        with open(path, "rb") as fh:
            state: dict[str, Any] = pickle.load(fh)  # noqa: S301 - our own artefact
        obj = cls.__new__(cls)
        obj.__dict__.update(state["params"])
        trained = obj.info_.get("sklearn")
        if trained != sklearn_version:
            warnings.warn(
                f"the title re-ranker {str(path)!r} was trained with scikit-learn {trained}, "
                f"this is {sklearn_version}; rebuild it with `python -m "
                "models.train_title_reranker` if its results look off",
                UserWarning,
                stacklevel=2,
            )
        if list(obj.info_.get("features", ())) != list(FEATURES):
            raise ValidationError(
                f"the title re-ranker {str(path)!r} uses other features than this version"
            )
        return obj
