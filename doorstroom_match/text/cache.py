"""An on-disk embedding cache, so a weekly feed only encodes new or changed texts.

One SQLite file (standard library), one table ``embeddings(fingerprint, text_sha256, dim,
vector)``; ``vector`` is the float32 row as a blob. The key is the encoder's ``fingerprint``
(model and parameters) and the SHA-256 of the text, so a changed text, model or parameter is a
cache miss and the cache never returns a stale vector. Texts themselves are not stored.

Examples
--------
>>> import tempfile, pathlib
>>> from doorstroom_match.text.encoders import TfidfEncoder
>>> enc = TfidfEncoder().fit(["kok", "hulpkok", "afwasser"])
>>> with tempfile.TemporaryDirectory() as d:
...     cache = EmbeddingCache(pathlib.Path(d) / "emb.sqlite")
...     _, n1 = encode_cached(enc, ["kok", "hulpkok"], cache)
...     _, n2 = encode_cached(enc, ["kok", "afwasser"], cache)
...     cache.close()
>>> (n1, n2)
(2, 1)
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from doorstroom_match._exceptions import ValidationError

__all__ = ["EmbeddingCache", "encode_cached", "text_sha256"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (
    fingerprint TEXT NOT NULL,
    text_sha256 TEXT NOT NULL,
    dim INTEGER NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (fingerprint, text_sha256)
) WITHOUT ROWID
"""
_BATCH = 900  # stays below SQLite's default limit of host parameters per statement


def text_sha256(text: str) -> str:
    """Hex SHA-256 of the UTF-8 text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Float32 embeddings on disk, keyed by (encoder fingerprint, SHA-256 of the text).

    Parameters
    ----------
    path : str or PathLike
        The SQLite file; created (with its folder) if absent. ``":memory:"`` keeps it in memory.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = path
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(path))
        self._conn.execute(_SCHEMA)
        self._conn.commit()

    def get(self, fingerprint: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """Cached vectors for the given text hashes; missing keys are absent from the result."""
        out: dict[str, np.ndarray] = {}
        keys = list(dict.fromkeys(keys))
        for i in range(0, len(keys), _BATCH):
            part = keys[i : i + _BATCH]
            marks = ",".join("?" * len(part))
            cur = self._conn.execute(
                f"SELECT text_sha256, dim, vector FROM embeddings "
                f"WHERE fingerprint = ? AND text_sha256 IN ({marks})",
                [fingerprint, *part],
            )
            for key, dim, blob in cur:
                if not isinstance(blob, bytes) or len(blob) % 4:
                    continue  # a damaged row: encoded again
                vec = np.frombuffer(blob, dtype=np.float32)
                # a row that is not finite (written by an older version, or damaged) would
                # silently drop its vacancy: it is missing, so the text is encoded again
                if vec.shape[0] == dim and np.isfinite(vec).all():
                    out[key] = vec
        return out

    def put(self, fingerprint: str, keys: Sequence[str], vectors: np.ndarray) -> None:
        """Store vectors of shape (len(keys), dim) under the given text hashes."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(keys):
            raise ValidationError(
                f"vectors must have shape ({len(keys)}, dim), got {vectors.shape}"
            )
        if not np.isfinite(vectors).all():
            raise ValidationError("vectors must be finite (no NaN or inf) to be cached")
        dim = vectors.shape[1]
        # in key order: the rows are appended along the b-tree instead of split into random
        # pages (18,799 vectors of a cold week: 0.5 -> 0.15-0.2 s); a stable sort, so of a key
        # given twice the later vector is kept, as in the given order
        order = sorted(range(len(keys)), key=keys.__getitem__)
        self._conn.executemany(
            "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?, ?)",
            ((fingerprint, keys[i], dim, vectors[i].tobytes()) for i in order),
        )
        self._conn.commit()

    def __len__(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0])

    def count(self, fingerprint: str) -> int:
        """Number of vectors stored for one encoder fingerprint."""
        return int(
            self._conn.execute(
                "SELECT COUNT(*) FROM embeddings WHERE fingerprint = ?", (fingerprint,)
            ).fetchone()[0]
        )

    def close(self) -> None:
        """Close the SQLite connection."""
        self._conn.close()

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _finite(vectors: Any, encoder: Any) -> np.ndarray:
    """The encoder's output as float32, refusing NaN/inf (a vacancy would silently drop)."""
    with np.errstate(over="ignore", invalid="ignore"):
        arr = np.asarray(vectors, dtype=np.float32)
    if arr.size and not np.isfinite(arr).all():
        raise ValidationError(
            f"encoder {type(encoder).__name__} returned NaN or inf (or values beyond float32); "
            "such a vector would silently drop its vacancy"
        )
    return arr


def encode_cached(
    encoder: Any, texts: Sequence[str], cache: EmbeddingCache | None
) -> tuple[np.ndarray, int]:
    """Encode texts, reading known ones from ``cache`` and storing the new ones.

    Parameters
    ----------
    encoder : encoder
        A fitted encoder with ``encode`` and ``fingerprint``.
    texts : sequence of str
    cache : EmbeddingCache or None
        None encodes everything.

    Returns
    -------
    vectors : ndarray of shape (n_texts, dim), float32
    n_encoded : int
        How many distinct texts were actually passed to ``encoder.encode``.
    """
    if isinstance(texts, str):
        raise ValidationError("texts must be a sequence of strings, got a single str")
    texts = list(texts)
    if cache is None:
        vecs = _finite(encoder.encode(texts), encoder)
        return vecs, len(set(texts))
    fp = encoder.fingerprint
    keys = [text_sha256(t) for t in texts]
    found = cache.get(fp, keys)
    missing: dict[str, str] = {}
    for k, t in zip(keys, texts, strict=True):
        if k not in found and k not in missing:
            missing[k] = t
    if missing:
        new = _finite(encoder.encode(list(missing.values())), encoder)
        cache.put(fp, list(missing), new)
        found.update(zip(missing, new, strict=True))
    if not texts:
        return np.zeros((0, 0), dtype=np.float32), 0
    return np.stack([found[k] for k in keys]).astype(np.float32, copy=False), len(missing)
