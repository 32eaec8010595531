from __future__ import annotations

import numpy as np
import pytest

from doorstroom_match._exceptions import ValidationError
from doorstroom_match.text.cache import EmbeddingCache, encode_cached, text_sha256
from doorstroom_match.text.encoders import TfidfEncoder


class CountingEncoder:
    """Wraps an encoder and records every text it is asked to encode."""

    name = "counting"

    def __init__(self, inner, tag="a"):
        self.inner, self.tag, self.seen = inner, tag, []

    @property
    def fingerprint(self):
        return f"counting:{self.tag}:{self.inner.fingerprint}"

    def fit(self, texts):
        self.inner.fit(texts)
        return self

    def encode(self, texts):
        self.seen.extend(texts)
        return self.inner.encode(texts)


VOCAB = ["magazijnier", "kok", "hulpkok", "poetshulp", "heftruckchauffeur", "kassier"]


@pytest.fixture
def encoder():
    return CountingEncoder(TfidfEncoder().fit(VOCAB))


def test_only_new_texts_are_encoded(tmp_path, encoder):
    path = tmp_path / "emb.sqlite"
    week1 = ["magazijnier", "kok", "hulpkok"]
    week2 = ["kok", "poetshulp", "magazijnier", "kassier"]
    with EmbeddingCache(path) as cache:
        v1, n1 = encode_cached(encoder, week1, cache)
    assert n1 == 3 and sorted(encoder.seen) == sorted(week1)
    encoder.seen.clear()
    with EmbeddingCache(path) as cache:  # reopened from disk, as next week's batch does
        v2, n2 = encode_cached(encoder, week2, cache)
        assert len(cache) == 5
    assert n2 == 2 and sorted(encoder.seen) == ["kassier", "poetshulp"]
    np.testing.assert_allclose(v2, encoder.inner.encode(week2), atol=1e-7)
    np.testing.assert_array_equal(v1[1], v2[0])
    assert v2.dtype == np.float32


def test_duplicates_encoded_once_and_changed_text_is_a_miss(encoder):
    cache = EmbeddingCache(":memory:")
    _, n = encode_cached(encoder, ["kok", "kok", "hulpkok"], cache)
    assert n == 2 and encoder.seen == ["kok", "hulpkok"]
    _, n = encode_cached(encoder, ["kok ", "kok"], cache)
    assert n == 1  # "kok " is a different text


def test_other_fingerprint_does_not_reuse_vectors(encoder):
    cache = EmbeddingCache(":memory:")
    encode_cached(encoder, ["kok"], cache)
    other = CountingEncoder(encoder.inner, tag="b")
    _, n = encode_cached(other, ["kok"], cache)
    assert n == 1 and other.seen == ["kok"]
    assert cache.count(encoder.fingerprint) == 1 and cache.count(other.fingerprint) == 1


def test_no_cache_and_empty(encoder):
    v, n = encode_cached(encoder, ["kok", "kok"], None)
    assert v.shape[0] == 2 and n == 1
    v, n = encode_cached(encoder, [], EmbeddingCache(":memory:"))
    assert v.shape[0] == 0 and n == 0


def test_errors(encoder):
    cache = EmbeddingCache(":memory:")
    with pytest.raises(ValidationError, match="single str"):
        encode_cached(encoder, "kok", cache)
    with pytest.raises(ValidationError, match=r"vectors must have shape \(2, dim\)"):
        cache.put("fp", ["a", "b"], np.zeros((3, 4)))


def test_text_hash():
    assert text_sha256("kok") == text_sha256("kok") != text_sha256("Kok")
    assert len(text_sha256("")) == 64


def test_put_keeps_each_keys_vector_whatever_the_order():
    # rows are written in key order; a key given twice keeps its later vector, as given
    vecs = np.arange(12, dtype=np.float32).reshape(4, 3)
    with EmbeddingCache(":memory:") as cache:
        cache.put("fp", ["k3", "k1", "k2", "k1"], vecs)
        got = cache.get("fp", ["k1", "k2", "k3"])
    assert set(got) == {"k1", "k2", "k3"}
    np.testing.assert_array_equal(got["k3"], vecs[0])
    np.testing.assert_array_equal(got["k2"], vecs[2])
    np.testing.assert_array_equal(got["k1"], vecs[3])
