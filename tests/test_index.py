from __future__ import annotations

import warnings

import faiss  # noqa: F401 - a required dependency: a broken install fails here
import numpy as np
import pytest
from hypothesis import given

from doorstroom_match._exceptions import (
    BackendUnavailableError,
    DuplicateIdError,
    EmptyInputError,
    NotFittedError,
    ValidationError,
)
from doorstroom_match.index import VectorIndex, topk_inner_product
from tests.strategies import unit_vectors


def brute_force(vectors, queries, k):
    """Plain loops: the reference of the reference."""
    scores, pos = [], []
    for q in queries:
        sims = [float(np.dot(q, v)) for v in vectors]
        order = sorted(range(len(sims)), key=lambda i: (-sims[i], i))[:k]
        scores.append([sims[i] for i in order] + [-np.inf] * (k - len(order)))
        pos.append(order + [-1] * (k - len(order)))
    return np.array(scores, dtype=np.float32), np.array(pos)


def data(n=2000, dim=32, m=200, seed=0, clusters=0):
    """Unit vectors; with ``clusters`` a mixture, like embeddings of job titles."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n + m, dim)).astype(np.float32)
    if clusters:
        centres = 3 * rng.normal(size=(clusters, dim)).astype(np.float32)
        x += centres[rng.integers(0, clusters, size=n + m)]
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x[:n], x[n:]


def unambiguous(scores, eps=1e-5):
    """Slots whose score differs from both neighbours (the position there is determined)."""
    pad = np.full((len(scores), 1), np.inf)
    padded = np.hstack([pad, scores, -pad]).astype(np.float64)
    with np.errstate(invalid="ignore"):
        prev = np.abs(padded[:, 1:-1] - padded[:, :-2]) > eps
        nxt = np.abs(padded[:, 1:-1] - padded[:, 2:]) > eps
    return prev & nxt


@given(unit_vectors())
def test_numpy_matches_brute_force(vq):
    vectors, queries = vq
    full_clear = unambiguous(brute_force(vectors, queries, len(vectors))[0])
    for k in (1, 3, len(vectors) + 2):
        s, p = topk_inner_product(vectors, queries, k)
        bs, bp = brute_force(vectors, queries, k)
        np.testing.assert_allclose(s, bs, atol=1e-5)
        # positions equal except where scores tie (with a neighbour inside or beyond k)
        clear = np.zeros(bs.shape, dtype=bool)
        kk = min(k, len(vectors))
        clear[:, :kk] = full_clear[:, :kk]
        assert np.array_equal(p[clear], bp[clear])


KINDS = ["exact", "hnsw", "ivf"]


@pytest.mark.parametrize("kind", KINDS)
def test_faiss_against_numpy(kind):
    vectors, queries = data(clusters=40)
    ref = VectorIndex(backend="numpy").fit(vectors)
    idx = VectorIndex(backend="faiss", kind=kind, nprobe=16).fit(vectors)
    assert idx.backend_ == "faiss" and idx.kind_ == kind
    rs, rp = ref.search(queries, 10)
    s, p = idx.search(queries, 10)
    assert s.shape == (len(queries), 10) and s.dtype == np.float32 and p.dtype == np.int64
    if kind == "exact":
        np.testing.assert_allclose(s, rs, atol=1e-5)
        clear = unambiguous(ref.search(queries, 11)[0])[:, :10]
        assert np.array_equal(p[clear], rp[clear])
    else:
        recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(p, rp, strict=True)])
        assert recall >= 0.99


def test_auto_kind_switches_at_threshold():
    vectors, _ = data(n=300)
    assert VectorIndex(approx_threshold=301).fit(vectors).kind_ == "exact"
    assert VectorIndex(approx_threshold=300).fit(vectors).kind_ == "hnsw"


@pytest.mark.parametrize("backend", ["numpy", "faiss"])
def test_ids_add_remove_save_load(tmp_path, backend):
    vectors, queries = data(n=50, m=5)
    ids = [f"v{i}" for i in range(50)]
    idx = VectorIndex(backend=backend, kind="exact").fit(vectors[:40], ids[:40])
    idx.add(vectors[40:], ids[40:])
    assert len(idx) == 50
    s, p = idx.search(vectors[45:46], 1)
    assert idx.ids_[p[0, 0]] == "v45" and s[0, 0] == pytest.approx(1.0, abs=1e-5)
    assert idx.remove(["v45", "nope"]) == 1
    _, p = idx.search(vectors[45:46], 1)
    assert idx.ids_[p[0, 0]] != "v45"
    idx.save(tmp_path / "idx.npz")
    back = VectorIndex.load(tmp_path / "idx.npz")
    assert back.backend_ == idx.backend_ and list(back.ids_) == list(idx.ids_)
    np.testing.assert_allclose(back.search(queries, 5)[0], idx.search(queries, 5)[0], atol=1e-6)


def test_hnsw_save_load(tmp_path):
    vectors, queries = data(n=500, m=20)
    idx = VectorIndex(backend="faiss", kind="hnsw").fit(vectors)
    idx.save(tmp_path / "h.npz")
    back = VectorIndex.load(tmp_path / "h.npz")
    assert np.array_equal(back.search(queries, 10)[1], idx.search(queries, 10)[1])


def test_k_larger_than_collection():
    vectors, queries = data(n=3, m=2)
    for backend in ("numpy", "faiss"):
        s, p = VectorIndex(backend=backend, kind="exact").fit(vectors).search(queries, 5)
        assert (p[:, 3:] == -1).all() and np.isneginf(s[:, 3:]).all()


def test_auto_falls_back_to_numpy_without_faiss(monkeypatch):
    import doorstroom_match.index as mod

    def no_faiss():
        raise BackendUnavailableError("no faiss")

    monkeypatch.setattr(mod, "_faiss", no_faiss)
    vectors, queries = data(n=20, m=2)
    with pytest.warns(UserWarning, match="faiss is not installed"):
        idx = VectorIndex().fit(vectors)
    assert idx.backend_ == "numpy"
    with pytest.raises(BackendUnavailableError, match="no faiss"):
        VectorIndex(backend="faiss").fit(vectors)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        VectorIndex(backend="numpy").fit(vectors).search(queries, 2)


def test_errors():
    vectors, queries = data(n=10, m=2)
    with pytest.raises(NotFittedError, match="VectorIndex is not fitted"):
        VectorIndex().search(queries, 1)
    with pytest.raises(ValidationError, match="backend must be one of"):
        VectorIndex(backend="annoy").fit(vectors)
    with pytest.raises(ValidationError, match="kind must be one of"):
        VectorIndex(kind="lsh").fit(vectors)
    with pytest.raises(ValidationError, match="2-D array"):
        VectorIndex().fit(vectors[0])
    with pytest.raises(EmptyInputError, match="at least one row"):
        VectorIndex().fit(np.zeros((0, 4)))
    with pytest.raises(ValidationError, match="finite"):
        VectorIndex().fit(np.full((2, 2), np.nan))
    with pytest.raises(DuplicateIdError, match="ids must be unique"):
        VectorIndex().fit(vectors[:2], ["a", "a"])
    with pytest.raises(ValidationError, match="one id per vector"):
        VectorIndex().fit(vectors[:2], ["a"])
    idx = VectorIndex(backend="numpy").fit(vectors)
    with pytest.raises(ValidationError, match="must have 32 columns"):
        idx.search(np.zeros((1, 3)), 1)
    with pytest.raises(ValidationError, match="k must be an int >= 1"):
        idx.search(queries, 0)
