"""Nearest-neighbour search by inner product, with faiss and a plain numpy reference.

:class:`VectorIndex` holds vectors (unit-norm embeddings from :mod:`doorstroom_match.text`, so the
inner product is a cosine) and returns the top-k of each query.

Backends
    ``"numpy"`` – exact brute force in chunks; the reference the faiss paths are tested against.
    ``"faiss"`` – ``IndexFlatIP`` (exact), ``IndexHNSWFlat`` or ``IndexIVFFlat`` (approximate).
    ``"auto"`` – faiss when importable, else numpy with a ``UserWarning`` (never an error).
Kinds
    ``"exact"``, ``"hnsw"``, ``"ivf"``, or ``"auto"``: exact below ``approx_threshold`` vectors,
    HNSW from there on. With numpy every kind is exact.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> x = rng.normal(size=(100, 8)).astype(np.float32)
>>> x /= np.linalg.norm(x, axis=1, keepdims=True)
>>> idx = VectorIndex(backend="numpy").fit(x, ids=[f"v{i}" for i in range(100)])
>>> scores, pos = idx.search(x[:2], k=3)
>>> [str(idx.ids_[p]) for p in pos[:, 0]]
['v0', 'v1']
"""

from __future__ import annotations

import io
import json
import os
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from doorstroom_match._cpus import usable_cpus
from doorstroom_match._exceptions import (
    BackendUnavailableError,
    DuplicateIdError,
    EmptyInputError,
    NotFittedError,
    ValidationError,
)

__all__ = ["VectorIndex", "BACKENDS", "KINDS"]

BACKENDS = ("auto", "numpy", "faiss")
KINDS = ("auto", "exact", "hnsw", "ivf")
_CHUNK = 1024


def _faiss() -> Any:
    try:
        import faiss
    except ImportError as exc:
        raise BackendUnavailableError(
            "backend='faiss' needs the faiss-cpu package; install it with "
            "`pip install faiss-cpu` (a dependency of doorstroom_match)"
        ) from exc
    return faiss


def _check_matrix(x: Any, name: str, dim: int | None = None) -> np.ndarray:
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError):  # ragged rows
        raise ValidationError(
            f"{name} must be a 2-D array (n, dim); its rows differ in length"
        ) from None
    if arr.ndim != 2:
        raise ValidationError(f"{name} must be a 2-D array (n, dim), got shape {arr.shape}")
    if dim is not None and arr.shape[1] != dim:
        raise ValidationError(f"{name} must have {dim} columns like the index, got {arr.shape[1]}")
    if not np.issubdtype(arr.dtype, np.number):
        raise ValidationError(f"{name} must be numeric, got dtype {arr.dtype}")
    with np.errstate(over="ignore", invalid="ignore"):  # beyond float32 becomes inf: refused
        arr = np.ascontiguousarray(arr, dtype=np.float32)
    if not np.isfinite(arr).all():
        raise ValidationError(
            f"{name} must be finite (no NaN or inf, no value beyond the float32 range)"
        )
    return arr


def topk_inner_product(
    vectors: np.ndarray, queries: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k by inner product (the reference).

    Parameters
    ----------
    vectors : ndarray of shape (n, dim), float32
    queries : ndarray of shape (m, dim), float32
    k : int

    Returns
    -------
    scores : ndarray of shape (m, k), float32, descending; -inf where k > n
    positions : ndarray of shape (m, k), int64; ties by lower position; -1 where k > n
    """
    m, n = queries.shape[0], vectors.shape[0]
    scores = np.full((m, k), -np.inf, dtype=np.float32)
    pos = np.full((m, k), -1, dtype=np.int64)
    kk = min(k, n)
    if kk == 0:
        return scores, pos
    for s in range(0, m, _CHUNK):
        sims = queries[s : s + _CHUNK] @ vectors.T
        if kk < n:
            part = np.argpartition(-sims, kk - 1, axis=1)[:, :kk]
        else:
            part = np.tile(np.arange(n), (len(sims), 1))
        vals = np.take_along_axis(sims, part, axis=1)
        order = np.lexsort((part, -vals), axis=1)
        pos[s : s + len(sims), :kk] = np.take_along_axis(part, order, axis=1)
        scores[s : s + len(sims), :kk] = np.take_along_axis(vals, order, axis=1)
    return scores, pos


class VectorIndex:
    """Top-k search by inner product over a fixed collection of vectors.

    Parameters
    ----------
    backend : {"auto", "numpy", "faiss"}, default "auto"
    kind : {"auto", "exact", "hnsw", "ivf"}, default "auto"
    approx_threshold : int, default 200_000
        With ``kind="auto"``, collections of at least this many vectors get an HNSW index; below
        it exact search is both fast enough (a flat scan of 100,000 x 384 takes a few ms per
        query) and perfect.
    hnsw_m : int, default 32
        HNSW graph degree.
    ef_construction : int, default 80
    ef_search : int, default 128
        HNSW search breadth; higher is slower and closer to exact.
    nlist : int or None, default None
        IVF cells (None: ``4 * sqrt(n)``).
    nprobe : int, default 32
        IVF cells visited per query.
    n_threads : int or None, default None
        faiss threads (None: faiss's default, at most the CPUs this process may use, so a CPU
        quota is respected).

    Attributes
    ----------
    vectors_ : ndarray of shape (n, dim), float32
    ids_ : ndarray of shape (n,)
        ``ids_[positions]`` turns the positions returned by :meth:`search` into ids.
    backend_, kind_ : str
        What was actually built.
    """

    def __init__(
        self,
        backend: str = "auto",
        kind: str = "auto",
        approx_threshold: int = 200_000,
        hnsw_m: int = 32,
        ef_construction: int = 80,
        ef_search: int = 128,
        nlist: int | None = None,
        nprobe: int = 32,
        n_threads: int | None = None,
    ) -> None:
        self.backend = backend
        self.kind = kind
        self.approx_threshold = approx_threshold
        self.hnsw_m = hnsw_m
        self.ef_construction = ef_construction
        self.ef_search = ef_search
        self.nlist = nlist
        self.nprobe = nprobe
        self.n_threads = n_threads

    # ---------------------------------------------------------------------------- building
    def _resolve(self, n: int) -> tuple[str, str]:
        if self.backend not in BACKENDS:
            raise ValidationError(f"backend must be one of {list(BACKENDS)}, got {self.backend!r}")
        if self.kind not in KINDS:
            raise ValidationError(f"kind must be one of {list(KINDS)}, got {self.kind!r}")
        backend = self.backend
        if backend == "auto":
            try:
                _faiss()
                backend = "faiss"
            except BackendUnavailableError:
                warnings.warn(
                    "faiss is not installed; VectorIndex(backend='auto') uses exact numpy search "
                    "(install faiss-cpu for speed)",
                    UserWarning,
                    stacklevel=3,
                )
                backend = "numpy"
        elif backend == "faiss":
            _faiss()
        kind = self.kind
        if backend == "numpy":
            kind = "exact"
        elif kind == "auto":
            kind = "hnsw" if n >= self.approx_threshold else "exact"
        return backend, kind

    def _build_faiss(self) -> None:
        faiss = _faiss()
        if self.n_threads is not None:
            faiss.omp_set_num_threads(int(self.n_threads))
        elif faiss.omp_get_max_threads() > (n_cpu := usable_cpus()):  # a quota below the host
            faiss.omp_set_num_threads(n_cpu)
        n, dim = self.vectors_.shape
        if self.kind_ == "exact":
            index = faiss.IndexFlatIP(dim)
        elif self.kind_ == "hnsw":
            index = faiss.IndexHNSWFlat(dim, int(self.hnsw_m), faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = int(self.ef_construction)
            index.hnsw.efSearch = int(self.ef_search)
        else:  # ivf
            nlist = int(self.nlist or max(1, min(n // 39, int(4 * np.sqrt(n)))))
            quantizer = faiss.IndexFlatIP(dim)
            index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
            index.train(self.vectors_)
            index.nprobe = int(min(self.nprobe, nlist))
        if n:
            index.add(self.vectors_)
        self.index_ = index

    def _set_ids(self, ids: Sequence[Any] | None, n: int, offset: int = 0) -> np.ndarray:
        if ids is None:
            return np.arange(offset, offset + n, dtype=np.int64)
        arr = np.asarray(list(ids))
        if arr.shape != (n,):
            raise ValidationError(f"ids must hold one id per vector ({n}), got {arr.shape[0]}")
        if arr.dtype.kind not in "iuU":
            raise ValidationError(f"ids must be ints or strings, got dtype {arr.dtype}")
        return arr

    def _check_unique(self, ids: np.ndarray) -> None:
        uniq, counts = np.unique(ids, return_counts=True)
        if (counts > 1).any():
            raise DuplicateIdError(
                f"ids must be unique, got duplicates {uniq[counts > 1][:5].tolist()}"
            )

    def fit(self, vectors: Any, ids: Sequence[Any] | None = None) -> VectorIndex:
        """Index ``vectors``.

        Parameters
        ----------
        vectors : array-like of shape (n, dim)
        ids : sequence of int or str, length n, or None
            None uses positions 0..n-1.

        Returns
        -------
        self
        """
        vecs = _check_matrix(vectors, "vectors")
        if vecs.shape[0] == 0:
            raise EmptyInputError("vectors must hold at least one row to fit VectorIndex")
        ids_arr = self._set_ids(ids, vecs.shape[0])
        self._check_unique(ids_arr)
        self.backend_, self.kind_ = self._resolve(vecs.shape[0])
        self.vectors_ = vecs.copy()
        self.ids_ = ids_arr
        if self.backend_ == "faiss":
            self._build_faiss()
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "vectors_"):
            raise NotFittedError("VectorIndex is not fitted yet; call fit(vectors, ids) first")

    def __len__(self) -> int:
        self._check_fitted()
        return int(self.vectors_.shape[0])

    def add(self, vectors: Any, ids: Sequence[Any] | None = None) -> VectorIndex:
        """Append vectors (ids must be new). The index kind is kept as built.

        Returns
        -------
        self
        """
        self._check_fitted()
        vecs = _check_matrix(vectors, "vectors", self.vectors_.shape[1])
        new_ids = self._set_ids(ids, vecs.shape[0], offset=len(self.ids_))
        all_ids = np.concatenate([self.ids_, new_ids])
        self._check_unique(all_ids)
        self.vectors_ = np.vstack([self.vectors_, vecs])
        self.ids_ = all_ids
        if self.backend_ == "faiss":
            self.index_.add(vecs)
        return self

    def remove(self, ids: Sequence[Any]) -> int:
        """Remove vectors by id; unknown ids are ignored. Positions of later vectors shift.

        Exact and IVF indexes are rebuilt from the kept vectors (cheap); HNSW is rebuilt too
        (slow for large collections: prefer rebuilding once per weekly batch).

        Returns
        -------
        int
            Number of vectors removed.
        """
        self._check_fitted()
        keep = ~np.isin(self.ids_, np.asarray(list(ids)))
        n_removed = int((~keep).sum())
        if n_removed:
            self.vectors_ = np.ascontiguousarray(self.vectors_[keep])
            self.ids_ = self.ids_[keep]
            if self.backend_ == "faiss":
                self._build_faiss()
        return n_removed

    # ---------------------------------------------------------------------------- search
    def search(self, queries: Any, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """Top-k vectors by inner product for each query.

        Parameters
        ----------
        queries : array-like of shape (m, dim)
        k : int, default 10

        Returns
        -------
        scores : ndarray of shape (m, k), float32, descending per row (-inf in unused slots)
        positions : ndarray of shape (m, k), int64, into :attr:`ids_` (-1 in unused slots)
        """
        self._check_fitted()
        if not isinstance(k, int | np.integer) or k < 1:
            raise ValidationError(f"k must be an int >= 1, got {k!r}")
        q = _check_matrix(queries, "queries", self.vectors_.shape[1])
        if self.backend_ == "numpy" or len(self.ids_) == 0:
            return topk_inner_product(self.vectors_, q, int(k))
        scores, pos = self.index_.search(q, int(k))
        pos = pos.astype(np.int64, copy=False)
        scores = np.where(pos < 0, -np.inf, scores).astype(np.float32, copy=False)
        return scores, pos

    # ---------------------------------------------------------------------------- persistence
    def _params(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "kind": self.kind,
            "approx_threshold": self.approx_threshold,
            "hnsw_m": self.hnsw_m,
            "ef_construction": self.ef_construction,
            "ef_search": self.ef_search,
            "nlist": self.nlist,
            "nprobe": self.nprobe,
            "n_threads": self.n_threads,
        }

    def save(self, path: str | os.PathLike) -> None:
        """Write the index to one ``.npz`` file (vectors, ids, parameters, faiss index bytes)."""
        self._check_fitted()
        meta = {"params": self._params(), "backend_": self.backend_, "kind_": self.kind_}
        arrays: dict[str, np.ndarray] = {
            "vectors": self.vectors_,
            "ids": self.ids_,
            "meta": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
        }
        if self.backend_ == "faiss":
            arrays["faiss"] = _faiss().serialize_index(self.index_)
        with open(path, "wb") as fh:
            np.savez(fh, **arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> VectorIndex:
        """Read an index written by :meth:`save`.

        A faiss index saved on a machine with faiss is loaded as numpy (with a warning) where
        faiss is missing.
        """
        with open(path, "rb") as fh:
            data = np.load(io.BytesIO(fh.read()), allow_pickle=False)
            meta = json.loads(bytes(data["meta"]).decode())
            obj = cls(**meta["params"])
            obj.vectors_ = np.ascontiguousarray(data["vectors"], dtype=np.float32)
            obj.ids_ = data["ids"]
            obj.backend_, obj.kind_ = meta["backend_"], meta["kind_"]
            if obj.backend_ == "faiss":
                try:
                    faiss = _faiss()
                    obj.index_ = faiss.deserialize_index(np.ascontiguousarray(data["faiss"]))
                    if obj.kind_ == "hnsw":
                        obj.index_.hnsw.efSearch = int(obj.ef_search)
                except BackendUnavailableError:
                    warnings.warn(
                        "faiss is not installed; the loaded index searches with exact numpy",
                        UserWarning,
                        stacklevel=2,
                    )
                    obj.backend_, obj.kind_ = "numpy", "exact"
        return obj
