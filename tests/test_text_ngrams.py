"""The vectorised char_wb featuriser against scikit-learn's analyzer (the reference)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from doorstroom_match.text._ngrams import CharWbFeaturizer, sparse_dot_dense, word_ngrams
from doorstroom_match.text.encoders import TfidfEncoder
from doorstroom_match.text.normalise import normalise_titles

from .strategies import title_texts

TEXTS = [
    "magazijnmedewerker",
    "Medewerkster Magazijn (m/v/x)",
    "kassa  kassa\tkassa",
    "a b c",
    "x",
    "",
    "   ",
    "aaaaaa aaaa ananas",
    "Café crème brûlée",
    "ÅÄÖ ☃ snow☃man",
    "日本語 テキスト",
    "ab\x00c d",
]
RANGES = [(2, 5), (1, 3), (3, 3), (1, 1), (4, 7), (2, 12)]


def _counts_ref(rng, texts, fit_texts=None):
    cv = CountVectorizer(analyzer="char_wb", ngram_range=rng, lowercase=False, dtype=np.float32)
    cv.fit(texts if fit_texts is None else fit_texts)
    return cv.vocabulary_, cv.transform(texts)


def _same(a, b) -> None:
    assert a.shape == b.shape
    assert (a != b).nnz == 0


@pytest.mark.parametrize("rng", RANGES)
@pytest.mark.parametrize("vectorised", [True, False])
def test_fit_counts_equal_sklearn(rng, vectorised):
    vocab, ref = _counts_ref(rng, TEXTS)
    f = CharWbFeaturizer(rng, vectorised=vectorised)
    got = f.fit(TEXTS)
    assert f.vocabulary == vocab
    _same(got, ref)
    assert got.has_sorted_indices


@pytest.mark.parametrize("rng", RANGES)
@pytest.mark.parametrize("vectorised", [True, False])
def test_counts_on_a_fixed_vocabulary_equal_sklearn(rng, vectorised):
    """Out-of-vocabulary characters (an accent, a snowman, NUL) take the Python path per word."""
    fit_texts = ["plain ascii words", "magazijn medewerker"]
    vocab, _ = _counts_ref(rng, fit_texts)
    f = CharWbFeaturizer(rng, dict(vocab), vectorised=vectorised)
    for _ in range(2):  # the second round from the per-word cache
        _, ref = _counts_ref(rng, TEXTS, fit_texts)
        _same(f.counts(TEXTS), ref)


def test_word_ngrams_equal_the_analyzer():
    analyze = CountVectorizer(analyzer="char_wb", ngram_range=(2, 5)).build_analyzer()
    for w in ["a", "ab", "abc", "abcd", "magazijnier"]:
        assert word_ngrams(w, 2, 5) == analyze(w)


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(title_texts(), min_size=1, max_size=12),
    queries=st.lists(title_texts(), min_size=0, max_size=6),
    rng=st.sampled_from(RANGES),
)
def test_tfidf_encoder_equals_sklearn_on_any_titles(texts, queries, rng):
    """Vocabulary, idf and rows as TfidfVectorizer's; rows equal to the last float32 bit."""
    prepped = normalise_titles(texts)
    vec = TfidfVectorizer(
        analyzer="char_wb", ngram_range=rng, sublinear_tf=True, dtype=np.float32, lowercase=False
    )
    try:
        ref = vec.fit_transform(prepped)
    except ValueError:  # no n-grams at all: ours refuses too
        with pytest.raises(ValueError, match="letters or digits"):
            TfidfEncoder(ngram_range=rng).fit(texts)
        return
    enc = TfidfEncoder(ngram_range=rng)
    rows = enc.fit_encode_sparse(texts)
    assert enc.vocabulary_ == vec.vocabulary_
    assert enc.idf_.dtype == vec.idf_.dtype and np.array_equal(enc.idf_, vec.idf_)
    np.testing.assert_allclose(rows.toarray(), ref.toarray(), rtol=2e-7, atol=1e-8)
    q = queries + texts[:2]
    np.testing.assert_allclose(
        enc.encode_sparse(q).toarray(),
        vec.transform(normalise_titles(q)).toarray(),
        rtol=2e-7,
        atol=1e-8,
    )


def test_encoder_rows_equal_sklearn_bit_for_bit_on_the_catalogue():
    """On the shipped ESCO titles the fast rows and idf are scikit-learn's to the bit."""
    from doorstroom_match.text.corpus import load_esco_corpus

    texts = list(load_esco_corpus().texts)[:4000]
    prepped = normalise_titles(texts)
    vec = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, dtype=np.float32, lowercase=False
    )
    ref = vec.fit_transform(prepped).tocsr()
    ref.sort_indices()
    enc = TfidfEncoder()
    rows = enc.fit_encode_sparse(texts)
    assert enc.vocabulary_ == vec.vocabulary_
    assert np.array_equal(enc.idf_, vec.idf_)
    assert np.array_equal(rows.indptr, ref.indptr) and np.array_equal(rows.indices, ref.indices)
    assert np.array_equal(rows.data, ref.data)
    # the fingerprint (the batch store's key) is the one the scikit-learn fit gave
    assert enc.fingerprint.startswith("tfidf:")
    state_enc = TfidfEncoder.from_state(*enc.to_state())
    np.testing.assert_array_equal(
        state_enc.encode_sparse(texts[:50]).toarray(), rows[:50].toarray()
    )


def test_loaded_state_uses_sklearn_objects_only_on_demand():
    enc = TfidfEncoder().fit(TEXTS[:6])
    vec = enc.vectorizer_  # built on first access, from the same state
    np.testing.assert_allclose(
        vec.transform(normalise_titles(TEXTS)).toarray(),
        enc.encode_sparse(TEXTS).toarray(),
        rtol=2e-7,
        atol=1e-8,
    )
    assert enc.svd_ is None


@pytest.mark.parametrize("jit", [True, False])
def test_sparse_dot_dense_equals_scipy(jit):
    from scipy import sparse

    q = sparse.random(7, 50, density=0.2, random_state=1, dtype=np.float32, format="csr")
    c = sparse.random(50, 30, density=0.3, random_state=2, dtype=np.float32, format="csr")
    want = np.asarray((q @ c).todense(), dtype=np.float32)
    got = sparse_dot_dense(q, c, jit=jit)
    assert got.dtype == np.float32 and got.shape == (7, 30)
    np.testing.assert_array_equal(got, want)  # the same sums in the same order
    # the kernel as plain Python (what numba compiles) gives the same numbers
    from doorstroom_match.text._ngrams import _rows_dot_kernel

    out = np.zeros((7, 30), dtype=np.float32)
    _rows_dot_kernel(q.indptr, q.indices, q.data, c.indptr, c.indices, c.data, out)
    np.testing.assert_array_equal(out, want)
