"""Glue for ``match()``: text similarity and occupation agreement between workers and vacancies.

:class:`TextSignals` is fitted once on the vacancy texts of a weekly run and, for a batch of
worker job targets, returns two ``(n_workers, n_vacancies)`` blocks that ranking can weigh:

``similarity(targets)``
    cosine of the encoded job target and vacancy text (any encoder of
    :mod:`doorstroom_match.text.encoders`; cached on disk when a cache is given);
``occupation_agreement(targets)``
    1.0 when the worker's job target and the vacancy map to the same ESCO occupation (top-1 of
    :class:`~doorstroom_match.text.titles.TitleNormalizer`), :data:`SAME_ISCO_GROUP` when they
    only share the 4-digit ISCO-08 group, :data:`SAME_ISCO_SUBMAJOR` when they share the 2-digit
    sub-major group, else 0.

:meth:`TextSignals.occupations` gives the occupation each text was mapped to, for explanations
("both are 'magazijnmedewerker'").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from doorstroom_match._exceptions import NotFittedError, ValidationError
from doorstroom_match.text.encoders import _as_texts, make_encoder
from doorstroom_match.text.titles import TitleMatch, TitleNormalizer

__all__ = ["TextSignals", "SAME_OCCUPATION", "SAME_ISCO_GROUP", "SAME_ISCO_SUBMAJOR"]

SAME_OCCUPATION = 1.0
SAME_ISCO_GROUP = 0.5
SAME_ISCO_SUBMAJOR = 0.25


def agreement_matrix(
    occ_a: np.ndarray, isco_a: np.ndarray, occ_b: np.ndarray, isco_b: np.ndarray
) -> np.ndarray:
    """Occupation agreement of every pair.

    Parameters
    ----------
    occ_a : ndarray of shape (n_a,)
        Occupation uri (or index) per row of side a; "" / -1 means unknown.
    isco_a : ndarray of shape (n_a,) of str
        ISCO-08 group per row ("" when unknown).
    occ_b, isco_b : ndarray of shape (n_b,)

    Returns
    -------
    ndarray of shape (n_a, n_b), float32
        :data:`SAME_OCCUPATION`, :data:`SAME_ISCO_GROUP`, :data:`SAME_ISCO_SUBMAJOR` or 0.
    """
    occ_a, occ_b = np.asarray(occ_a, dtype=object), np.asarray(occ_b, dtype=object)
    isco_a = np.asarray(isco_a, dtype=object).astype(str)
    isco_b = np.asarray(isco_b, dtype=object).astype(str)
    out = np.zeros((len(occ_a), len(occ_b)), dtype=np.float32)
    known_a, known_b = isco_a != "", isco_b != ""
    sub_a = np.array([s[:2] for s in isco_a], dtype=object)
    sub_b = np.array([s[:2] for s in isco_b], dtype=object)
    both = known_a[:, None] & known_b[None, :]
    out[both & (sub_a[:, None] == sub_b[None, :])] = SAME_ISCO_SUBMAJOR
    out[both & (isco_a[:, None] == isco_b[None, :])] = SAME_ISCO_GROUP
    valid_a = np.array([o not in ("", None, -1) for o in occ_a], dtype=bool)
    valid_b = np.array([o not in ("", None, -1) for o in occ_b], dtype=bool)
    same = (occ_a[:, None] == occ_b[None, :]) & valid_a[:, None] & valid_b[None, :]
    out[same] = SAME_OCCUPATION
    return out


class TextSignals:
    """Similarity and occupation-agreement blocks between job targets and vacancies.

    Parameters
    ----------
    encoder : str or encoder, default "tfidf"
        Passed to :func:`~doorstroom_match.text.encoders.make_encoder`. A name is built and
        fitted on the vacancy texts; an already fitted encoder object is used as is (keep one
        across weekly runs so the cache hits); an unfitted object is fitted on them.
    normalizer : TitleNormalizer or None
        A fitted normaliser (e.g. on :func:`~doorstroom_match.text.corpus.load_esco_corpus`);
        None disables :meth:`occupation_agreement`.
    min_occupation_score : float, default 0.0
        A text whose best occupation scores below this maps to no occupation.
    cache : EmbeddingCache or None
        Vacancy and target embeddings are cached by content hash.

    Attributes
    ----------
    encoder_ : encoder
    vacancy_vectors_ : ndarray of shape (n_vacancies, dim), float32
    vacancy_occupations_ : list of TitleMatch or None, length n_vacancies
    n_encoded_ : int
        How many vacancy texts were actually encoded by the last ``fit`` (the rest came from
        the cache).

    Examples
    --------
    >>> ts = TextSignals().fit(["magazijnmedewerker", "kok"])
    >>> ts.similarity(["magazijnier"]).shape
    (1, 2)
    """

    def __init__(
        self,
        encoder: Any = "tfidf",
        normalizer: TitleNormalizer | None = None,
        min_occupation_score: float = 0.0,
        cache: Any = None,
    ) -> None:
        self.encoder = encoder
        self.normalizer = normalizer
        self.min_occupation_score = min_occupation_score
        self.cache = cache

    def _encode(self, texts: list[str]) -> np.ndarray:
        from doorstroom_match.text.cache import encode_cached

        vecs, n = encode_cached(self.encoder_, texts, self.cache)
        self._last_encoded = n
        return vecs

    def fit(self, vacancy_texts: Sequence[str]) -> TextSignals:
        """Encode the vacancy texts and map them to occupations.

        Parameters
        ----------
        vacancy_texts : sequence of str, length n_vacancies
            Title (and optionally a short text) per vacancy.
        """
        texts = _as_texts(vacancy_texts, "vacancy_texts")
        enc = make_encoder(self.encoder)
        if isinstance(self.encoder, str):
            self.encoder_ = enc.fit(texts) if texts else enc
        else:
            # an encoder object that is already fitted is kept as is, so its fingerprint (the
            # cache key) stays the same from week to week; an unfitted one is fitted here
            try:
                _ = enc.fingerprint
                self.encoder_ = enc
            except NotFittedError:
                self.encoder_ = enc.fit(texts)
        self.vacancy_vectors_ = self._encode(texts)
        self.n_encoded_ = self._last_encoded
        self.vacancy_occupations_ = self._occupations(texts) if self.normalizer else None
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "encoder_"):
            raise NotFittedError("TextSignals is not fitted yet; call fit(vacancy_texts) first")

    def _occupations(self, texts: list[str]) -> list[TitleMatch | None]:
        if not texts:
            return []
        preds = self.normalizer.predict(texts, k=1)
        return [p[0] if p and p[0].score >= self.min_occupation_score else None for p in preds]

    def occupations(self, texts: Sequence[str]) -> list[TitleMatch | None]:
        """Best occupation per text (None when below ``min_occupation_score``)."""
        self._check_fitted()
        if self.normalizer is None:
            raise ValidationError("occupations need a normalizer; got normalizer=None")
        return self._occupations(_as_texts(texts))

    def similarity(self, targets: Sequence[str]) -> np.ndarray:
        """Cosine similarity of job targets and vacancy texts.

        Returns
        -------
        ndarray of shape (n_workers, n_vacancies), float32
        """
        self._check_fitted()
        q = self._encode(_as_texts(targets, "targets"))
        if q.size == 0 or self.vacancy_vectors_.size == 0:
            return np.zeros((len(targets), len(self.vacancy_vectors_)), dtype=np.float32)
        return np.clip(q @ self.vacancy_vectors_.T, -1.0, 1.0).astype(np.float32)

    def occupation_agreement(self, targets: Sequence[str]) -> np.ndarray:
        """Occupation agreement of job targets and vacancies (see the module docstring).

        Returns
        -------
        ndarray of shape (n_workers, n_vacancies), float32 in {0, 0.25, 0.5, 1}
        """
        self._check_fitted()
        if self.normalizer is None:
            raise ValidationError("occupation_agreement needs a normalizer; got normalizer=None")
        mine = self._occupations(_as_texts(targets, "targets"))

        def cols(matches):
            occ = np.array([m.uri if m else "" for m in matches], dtype=object)
            isco = np.array([m.isco_group if m else "" for m in matches], dtype=object)
            return occ, isco

        oa, ia = cols(mine)
        ob, ib = cols(self.vacancy_occupations_)
        return agreement_matrix(oa, ia, ob, ib)
