"""A static title encoder: MiniLM's sentence space from a table of n-gram and word vectors.

:class:`StaticTitleEncoder` approximates all-MiniLM-L6-v2 (32 tokens, the title encoder under
the title adapter) without running the transformer: a title is lower-cased, stripped of
accents and split into words; its features are the words' character n-grams (``char_wb``,
3..5) and the words themselves; the encoding is the mean of the features' vectors, mapped
back from a low-rank space onto MiniLM's 384 dimensions and unit-normalised::

    z = mean(U[features])              # (rank,)
    e = normalise(z @ components + mean)   # (384,), in MiniLM's space

``U`` was fitted by ridge regression onto MiniLM's own (centred, projected) embeddings of
Dutch job titles (``python -m models.train_title_static``; model card in
``models/README.md``). The vectors live in the space the title adapter and the re-ranker
were trained on, so either stays usable as it is; the approximation is what the benchmarks
measure. About a hundred times cheaper per title than the transformer's forward pass.

A text with no known feature encodes to the table's mean direction (not a zero row).

Examples
--------
>>> enc = StaticTitleEncoder().fit()
>>> enc.encode(["magazijnmedewerker", "kassabediende"]).shape
(2, 384)
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from doorstroom_match._exceptions import NotFittedError, ValidationError
from doorstroom_match.text.normalise import strip_accents

__all__ = ["StaticTitleEncoder", "static_table_path", "prepare_title", "STATIC_NGRAM_RANGE"]

#: Character n-grams (within words, ``char_wb``) of the table.
STATIC_NGRAM_RANGE: tuple[int, int] = (3, 5)
_NON_WORD = re.compile(r"[\W_]+")
_MAX_WORDS = 200_000  # the per-word cache is cleared beyond this many words (bounded memory)


def static_table_path() -> Path:
    """Where the static table is looked for.

    ``$DOORSTROOM_TITLES_STATIC`` when set, else the copy shipped in the package
    (``doorstroom_match/data/models/title-static.npz``).
    """
    from doorstroom_match.resources import resource_path

    return resource_path("title_static", must_exist=False)


def prepare_title(text: str) -> str:
    """Lower-case words without accents or punctuation, as the table's features see them.

    Examples
    --------
    >>> prepare_title("Medewerker Logistiek (m/v/x) - Coördinator")
    'medewerker logistiek m v x coordinator'
    """
    return " ".join(_NON_WORD.split(strip_accents(text.lower()))).strip()


class StaticTitleEncoder:
    """MiniLM-space title embeddings from a static table (see the module docstring).

    Follows the encoder contract of :mod:`doorstroom_match.text.encoders`: ``fit`` loads the
    table, ``encode`` returns unit-norm float32 rows, ``fingerprint`` names the table.

    Parameters
    ----------
    table : str, Path or None, default None
        An ``.npz`` written by ``models.train_title_static`` (``ngrams``, ``words``,
        ``table_int8`` and ``table_scale`` or a float ``table``, ``components``, ``mean``,
        ``weights``, ``info``); None: :func:`static_table_path`.

    Attributes
    ----------
    ngrams_ : dict of str to int
        N-gram -> row of the table.
    words_ : dict of str to int
        Word -> row of the table (after the n-gram rows).
    table_ : ndarray of shape (n_features, rank), float32
    components_ : ndarray of shape (rank, dim), float32
    mean_ : ndarray of shape (dim,), float32
    weights_ : ndarray of shape (n_features,), float32
        Each feature's weight in a title's mean.
    info_ : dict
        How the table was trained.
    """

    name = "static"

    def __init__(self, table: str | Path | None = None) -> None:
        self.table = table

    # ---------------------------------------------------------------------------- loading
    @classmethod
    def from_arrays(
        cls,
        ngrams: Sequence[str],
        words: Sequence[str],
        table: np.ndarray,
        components: np.ndarray,
        mean: np.ndarray,
        info: dict[str, Any] | None = None,
        weights: np.ndarray | None = None,
    ) -> StaticTitleEncoder:
        """An encoder from its parts (what the training script builds and saves).

        Parameters
        ----------
        ngrams, words : sequence of str
            Feature names; row ``i`` of ``table`` is ``ngrams[i]``, row ``len(ngrams) + j``
            is ``words[j]``.
        table : ndarray of shape (len(ngrams) + len(words), rank)
        components : ndarray of shape (rank, dim)
        mean : ndarray of shape (dim,)
        info : dict or None
        weights : ndarray of shape (n_features,) or None
            Weight of each feature in a title's mean (None: all 1).

        Raises
        ------
        ValidationError
            Inconsistent shapes or non-finite numbers.
        """
        enc = cls(None)
        enc._set(list(ngrams), list(words), table, components, mean, dict(info or {}), weights)
        return enc

    def _set(self, ngrams, words, table, components, mean, info, weights=None) -> None:
        from doorstroom_match.text._ngrams import CharWbFeaturizer

        table = np.ascontiguousarray(table, dtype=np.float32)
        components = np.ascontiguousarray(components, dtype=np.float32)
        mean = np.ascontiguousarray(mean, dtype=np.float32).ravel()
        n_feat = len(ngrams) + len(words)
        if table.ndim != 2 or table.shape[0] != n_feat:
            raise ValidationError(
                f"static table must have shape ({n_feat}, rank) for {len(ngrams)} n-grams and "
                f"{len(words)} words, got {table.shape}"
            )
        if components.ndim != 2 or components.shape[0] != table.shape[1]:
            raise ValidationError(
                f"static components must have shape ({table.shape[1]}, dim), got {components.shape}"
            )
        if mean.shape != (components.shape[1],):
            raise ValidationError(
                f"static mean must have shape ({components.shape[1]},), got {mean.shape}"
            )
        weights = (
            np.ones(n_feat, np.float32)
            if weights is None
            else np.ascontiguousarray(weights, dtype=np.float32).ravel()
        )
        if weights.shape != (n_feat,) or (weights < 0).any():
            raise ValidationError(
                f"static weights must be {n_feat} non-negative numbers, got shape {weights.shape}"
            )
        if not (np.isfinite(table).all() and np.isfinite(components).all()):
            raise ValidationError("static table and components must be finite")
        self.ngrams_ = {g: i for i, g in enumerate(ngrams)}
        self.words_ = {w: len(ngrams) + j for j, w in enumerate(words)}
        self.table_ = table
        self.components_ = components
        self.mean_ = mean
        self.weights_ = weights
        self.info_ = info
        self._featurizer = CharWbFeaturizer(STATIC_NGRAM_RANGE, self.ngrams_)
        self._word_cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        h = hashlib.sha256()
        for a in (table, components, mean, weights):
            h.update(a.tobytes())
        h.update("\n".join(ngrams + ["\t"] + words).encode())
        self.fingerprint_ = f"static:{h.hexdigest()[:16]}"

    def _load(self) -> None:
        if hasattr(self, "table_"):
            return
        path = Path(self.table) if self.table is not None else static_table_path()
        if not path.is_file():
            raise FileNotFoundError(
                f"static title table {str(path)!r} does not exist; build it with "
                "`python -m models.train_title_static`"
            )
        with np.load(path, allow_pickle=False) as npz:
            if "table_int8" in npz.files:  # int8 rows, one scale each
                table = npz["table_int8"].astype(np.float32) * npz["table_scale"][:, None]
            else:
                table = npz["table"]
            self._set(
                npz["ngrams"].tolist(),
                npz["words"].tolist(),
                table,
                npz["components"],
                npz["mean"],
                json.loads(str(npz["info"])),
                npz["weights"] if "weights" in npz.files else None,
            )

    def fit(self, texts: Sequence[str] | None = None) -> StaticTitleEncoder:
        """Load the table (pretrained: nothing is learned from ``texts``)."""
        self._load()
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "table_"):
            raise NotFittedError("StaticTitleEncoder is not fitted yet; call fit() first")

    @property
    def fingerprint(self) -> str:
        """``static:<hash of the table, its features and its projection>``; loads the table."""
        self._load()
        return self.fingerprint_

    @property
    def dim(self) -> int:
        """Output dimension (MiniLM's 384 for the shipped table)."""
        self._load()
        return int(self.components_.shape[1])

    # ---------------------------------------------------------------------------- encoding
    def features(self, texts: Sequence[str]):
        """Each text's features as weights that sum to 1 (the mean the table is applied to).

        Parameters
        ----------
        texts : sequence of str
            Raw titles (:func:`prepare_title` is applied here).

        Returns
        -------
        scipy.sparse.csr_matrix of shape (len(texts), n_features), float32
            Row ``i`` holds the weighted counts of text ``i``'s n-grams and words
            (:attr:`weights_`) divided by their sum (an empty row for a text without known
            features).
        """
        from scipy import sparse

        self._check_fitted()
        prepped = [prepare_title(t) for t in texts]
        x_ng = self._featurizer.counts(prepped)
        words = self.words_
        rows, cols = [], []
        for i, text in enumerate(prepped):
            for w in text.split():
                j = words.get(w)
                if j is not None:
                    rows.append(i)
                    cols.append(j - len(self.ngrams_))
        x_w = sparse.csr_matrix(
            (np.ones(len(rows), np.float32), (rows, cols)),
            shape=(len(prepped), len(words)),
        )
        x = sparse.hstack([x_ng, x_w], format="csr", dtype=np.float32)
        x.data *= self.weights_[x.indices]
        total = np.asarray(x.sum(axis=1)).ravel()
        scale = np.divide(1.0, total, out=np.zeros_like(total), where=total > 0)
        return sparse.diags(scale.astype(np.float32)) @ x

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-norm embeddings in MiniLM's space.

        Returns
        -------
        ndarray of shape (n_texts, dim), float32
        """
        from doorstroom_match.text.encoders import _as_texts, _l2_normalise

        texts = _as_texts(texts)
        self._load()
        if not texts:
            return np.zeros((0, self.components_.shape[1]), dtype=np.float32)
        z = np.asarray(self.features(texts) @ self.table_, dtype=np.float32)
        return _l2_normalise(z @ self.components_ + self.mean_)
