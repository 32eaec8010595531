"""The title re-ranker: features, the model's contract, and its wiring into TitleNormalizer."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from doorstroom_match._exceptions import NotFittedError, ValidationError
from doorstroom_match.text import rerank as rerank_mod
from doorstroom_match.text import titles as titles_mod
from doorstroom_match.text.rerank import FEATURES, TitleReranker, candidate_features
from doorstroom_match.text.titles import TitleNormalizer
from tests.test_text_titles import QUERIES, corpus


def _toy(n=300, k=8, seed=0):
    """Candidates whose gold is the one with the highest 'char' signal, not the best fused."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, k, len(FEATURES))).astype(np.float32)
    gold = np.zeros((n, k), dtype=bool)
    gold[np.arange(n), np.argmax(x[:, :, FEATURES.index("char")], axis=1)] = True
    return x, gold


def test_candidate_features_against_plain_loops():
    from rapidfuzz import fuzz

    queries = ["magazijn medewerker", "kok"]
    labels = ["magazijn medewerker", "hulpkok", "kassa medewerker"]
    cand = np.array([[0, 2, 1], [1, 0, 2]])
    fused = np.array([[0.9, 0.1, 0.5], [0.2, 0.8, 0.0]], dtype=np.float32)
    names = ("char", "dense", "desc", "desc_dense", "char_pref", "dense_pref")
    parts = {n: fused * (i + 2) for i, n in enumerate(names)}
    n_rows = np.array([3, 1, 2])
    x = candidate_features(queries, cand, fused, parts, labels, n_rows)
    assert x.shape == (2, 3, len(FEATURES)) and x.dtype == np.float32
    col = {n: x[:, :, i] for i, n in enumerate(FEATURES)}
    for i in range(2):
        for j in range(3):
            o = cand[i, j]
            assert col["fused"][i, j] == fused[i, o]
            assert col["margin"][i, j] == pytest.approx(fused[i, o] - fused[i].max())
            assert col["rank"][i, j] == pytest.approx(np.log1p(j))
            assert col["desc_dense"][i, j] == parts["desc_dense"][i, o]
            assert col["dense_pref"][i, j] == parts["dense_pref"][i, o]
            assert col["log_rows"][i, j] == pytest.approx(np.log(n_rows[o]))
            assert col["token_set_ratio"][i, j] == pytest.approx(
                fuzz.token_set_ratio(queries[i], labels[o]) / 100
            )
            assert col["partial_ratio"][i, j] == pytest.approx(
                fuzz.partial_ratio(queries[i], labels[o]) / 100
            )
    # head word: "medewerker" ends label words of 0 and 2; "kok" ends "hulpkok"
    np.testing.assert_array_equal(col["head_word"], [[1, 1, 0], [1, 0, 0]])


def test_reranker_learns_and_round_trips(tmp_path):
    x, gold = _toy()
    model = TitleReranker(n_candidates=8, max_iter=50).fit(x, gold)
    scores = model.predict_scores(x)
    assert scores.shape == gold.shape and scores.dtype == np.float32
    assert np.mean(np.argmax(scores, axis=1) == np.argmax(gold, axis=1)) > 0.9
    path = tmp_path / "rr.pkl"
    model.save(path)
    again = TitleReranker.load(path)
    np.testing.assert_array_equal(again.predict_scores(x), scores)
    assert again.n_candidates == 8 and again.info_["queries"] == 300


def test_reranker_errors(tmp_path):
    x, gold = _toy(50)
    with pytest.raises(ValidationError, match=r"features must have shape \(n, K, 13\)"):
        TitleReranker().fit(x[:, :, :5], gold)
    with pytest.raises(ValidationError, match=r"gold must have shape \(50, 8\)"):
        TitleReranker().fit(x, gold[:, :4])
    with pytest.raises(ValidationError, match="some candidates right and some wrong"):
        TitleReranker().fit(x, np.zeros_like(gold))
    with pytest.raises(NotFittedError, match="not fitted yet"):
        TitleReranker().predict_scores(x)
    with pytest.raises(NotFittedError, match="nothing to save"):
        TitleReranker().save(tmp_path / "x.pkl")
    model = TitleReranker(max_iter=5).fit(x, gold)
    path = tmp_path / "old.pkl"
    model.info_["sklearn"] = "0.0.1"
    model.save(path)
    with pytest.warns(UserWarning, match=r"trained with scikit-learn 0.0.1.*train_title_reranker"):
        TitleReranker.load(path)
    with open(path, "rb") as fh:
        state = pickle.load(fh)
    state["params"]["info_"]["features"] = ["fused"]
    with open(path, "wb") as fh:
        pickle.dump(state, fh)
    with pytest.warns(UserWarning), pytest.raises(ValidationError, match="other features"):
        TitleReranker.load(path)
    with pytest.raises(ValidationError, match="reranker must be 'auto', None, a file path"):
        TitleNormalizer(model=None, reranker=3).fit(corpus())


class PreferLast:
    """A stand-in re-ranker that puts the fused order upside down."""

    n_candidates = 4

    def predict_scores(self, features):
        return features[:, :, FEATURES.index("rank")].astype(np.float32)


def test_normalizer_reorders_candidates_with_the_reranker():
    texts = [q for q, _ in QUERIES]
    plain = TitleNormalizer(model=None, reranker=None).fit(corpus())
    fused_scores, fused_idx = plain.predict_topk(texts, k=4)
    flipped = TitleNormalizer(model=None, reranker=PreferLast()).fit(corpus())
    scores, idx = flipped.predict_topk(texts, k=2)
    np.testing.assert_array_equal(idx, fused_idx[:, ::-1][:, :2])
    np.testing.assert_allclose(scores, np.log1p([[3, 2]] * len(texts)))
    # score_occupations stays the fused score
    np.testing.assert_array_equal(flipped.score_occupations(texts), plain.score_occupations(texts))
    cand, feats = plain.rerank_features(texts, n_candidates=4)
    np.testing.assert_array_equal(cand, fused_idx)
    np.testing.assert_allclose(feats[:, :, FEATURES.index("fused")], fused_scores, atol=1e-6)


def test_auto_reranker_only_with_the_default_adapter(monkeypatch, tmp_path):
    assert rerank_mod.reranker_path().is_file(), "models/title-reranker.pkl is committed"
    tn = TitleNormalizer()
    loaded = tn._make_reranker("adapted")
    assert isinstance(loaded, TitleReranker) and loaded.n_candidates == 50
    cv = loaded.info_["nested_cv_mean"]  # trained on both settings, better where it matters
    assert set(cv) == {"fused/heldout", "reranked/heldout", "fused/known", "reranked/known"}
    assert cv["reranked/known"]["acc@1"] > cv["fused/known"]["acc@1"] + 0.03
    assert loaded.info_["settings"]["known"] > 0 and loaded.info_["settings"]["heldout"] > 0
    assert tn._make_reranker("base") is None and tn._make_reranker("custom") is None
    monkeypatch.setattr(titles_mod, "reranker_path", lambda: tmp_path / "absent.pkl")
    assert tn._make_reranker("adapted") is None
