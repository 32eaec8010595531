"""The title re-ranker: features, the model's contract, and its wiring into TitleNormalizer."""

from __future__ import annotations

import json

import numpy as np
import pytest

from doorstroom_match._exceptions import NotFittedError, ValidationError
from doorstroom_match.text import rerank as rerank_mod
from doorstroom_match.text import titles as titles_mod
from doorstroom_match.text.rerank import (
    FEATURES,
    TitleReranker,
    candidate_features,
    group_codes,
)
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
    # fused scores whose softmax weights at the group temperature (20) are simple fractions,
    # so the neighbours' shares below are worked out by hand: query 0's candidates weigh
    # 1, 1/2, 1/4 (4/7, 2/7, 1/7), query 1's 1, 1/3, 1/6 (2/3, 2/9, 1/9)
    t = rerank_mod._GROUP_TEMPERATURE
    assert t == 20.0
    fused = np.array(
        [
            [0.9, 0.9 - np.log(4) / t, 0.9 - np.log(2) / t],
            [0.8 - np.log(3) / t, 0.8, 0.8 - np.log(6) / t],
        ],
        dtype=np.float64,
    ).astype(np.float32)
    names = ("char", "dense", "desc", "desc_dense", "char_pref", "dense_pref", "char_sub")
    parts = {n: fused * (i + 2) for i, n in enumerate(names)}  # char_sub_pref missing: 0
    n_rows = np.array([3, 1, 2])
    groups = group_codes(["9321", "5120", "9329"])
    x = candidate_features(queries, cand, fused, parts, labels, n_rows, groups)
    assert x.shape == (2, 3, len(FEATURES)) and x.dtype == np.float32
    col = {n: x[:, :, i] for i, n in enumerate(FEATURES)}
    for i in range(2):
        tsr = [fuzz.token_set_ratio(queries[i], labels[o]) / 100 for o in cand[i]]
        for j in range(3):
            o = cand[i, j]
            assert col["fused"][i, j] == fused[i, o]
            assert col["margin"][i, j] == pytest.approx(fused[i, o] - fused[i].max())
            assert col["rank"][i, j] == pytest.approx([0.0, 0.6931472, 1.0986123][j])
            assert col["desc_dense"][i, j] == parts["desc_dense"][i, o]
            assert col["dense_pref"][i, j] == parts["dense_pref"][i, o]
            assert col["char_sub"][i, j] == parts["char_sub"][i, o]
            assert col["char_sub_pref"][i, j] == 0
            # log of the surface forms: 3, 1 and 2 rows
            assert col["log_rows"][i, j] == pytest.approx([1.0986123, 0.0, 0.6931472][o])
            assert col["token_set_ratio"][i, j] == pytest.approx(tsr[j])
            assert col["partial_ratio"][i, j] == pytest.approx(
                fuzz.partial_ratio(queries[i], labels[o]) / 100
            )
            # relative to the best candidate of the same query
            dense = [parts["dense"][i, c] for c in cand[i]]
            assert col["dense_gap"][i, j] == pytest.approx(dense[j] - max(dense))
            assert col["dense_rank"][i, j] == sorted(dense, reverse=True).index(dense[j])
            assert col["token_set_ratio_gap"][i, j] == pytest.approx(tsr[j] - max(tsr))
            # neighbours: the count in the same ISCO group
            same4 = [c for c in cand[i] if groups[0][c] == groups[0][o]]
            same3 = [c for c in cand[i] if groups[1][c] == groups[1][o]]
            assert col["isco4_top10"][i, j] == len(same4)
            assert col["isco3_top10"][i, j] == len(same3)
            assert col["query_words"][i, j] == len(queries[i].split())
            assert col["query_chars"][i, j] == len(queries[i])
    # the share of the candidates' weight in the same group, by hand: query 0's candidates
    # are 9321, 9329, 5120 (weights 4/7, 2/7, 1/7), query 1's 5120, 9321, 9329 (2/3, 2/9, 1/9)
    share = {d: x[:, :, FEATURES.index(f"isco{d}_share")] for d in (4, 3, 2)}
    np.testing.assert_allclose(share[4], [[4 / 7, 2 / 7, 1 / 7], [2 / 3, 2 / 9, 1 / 9]], rtol=1e-5)
    for d in (3, 2):  # 932 / 93 hold both 9321 and 9329
        np.testing.assert_allclose(
            share[d], [[6 / 7, 6 / 7, 1 / 7], [2 / 3, 1 / 3, 1 / 3]], rtol=1e-5
        )
    # head word: "medewerker" ends label words of 0 and 2; "kok" ends "hulpkok"
    np.testing.assert_array_equal(col["head_word"], [[1, 1, 0], [1, 0, 0]])
    # 932x: 9321 and 9329 share the 3- and 2-digit group, not the 4-digit one
    np.testing.assert_array_equal(col["isco3_top10"][0], [2, 2, 1])
    np.testing.assert_array_equal(col["isco4_top10"][0], [1, 1, 1])
    # without groups, or with an unknown one, the group features are missing (NaN)
    x = candidate_features(queries, cand, fused, parts, labels, n_rows)
    assert np.isnan(x[:, :, FEATURES.index("isco4_share")]).all()
    unknown = group_codes(["9321", "", "93"])
    assert unknown.tolist() == [[0, -1, -1], [0, -1, -1], [0, -1, 0]]


def test_reranker_learns_and_round_trips(tmp_path):
    x, gold = _toy()
    model = TitleReranker(n_candidates=8, n_estimators=50).fit(x, gold)
    scores = model.predict_scores(x)
    assert scores.shape == gold.shape and scores.dtype == np.float32
    assert np.mean(np.argmax(scores, axis=1) == np.argmax(gold, axis=1)) > 0.9
    path = tmp_path / "rr.json"
    model.save(path)
    again = TitleReranker.load(path)
    np.testing.assert_allclose(again.predict_scores(x), scores, rtol=1e-6)
    assert again.n_candidates == 8 and again.n_estimators == 50
    assert again.info_["queries"] == 300


def test_reranker_errors(tmp_path):
    x, gold = _toy(50)
    n = len(FEATURES)
    with pytest.raises(ValidationError, match=rf"features must have shape \(n, K, {n}\)"):
        TitleReranker().fit(x[:, :, :5], gold)
    with pytest.raises(ValidationError, match=r"gold must have shape \(50, 8\)"):
        TitleReranker().fit(x, gold[:, :4])
    with pytest.raises(ValidationError, match="some candidates right and some wrong"):
        TitleReranker().fit(x, np.zeros_like(gold))
    with pytest.raises(NotFittedError, match="not fitted yet"):
        TitleReranker().predict_scores(x)
    with pytest.raises(NotFittedError, match="nothing to save"):
        TitleReranker().save(tmp_path / "x.json")
    model = TitleReranker(n_estimators=5).fit(x, gold)
    with pytest.raises(ValidationError, match=f"features must have {n} columns"):
        model.predict_scores(x[:, :, :5])
    path = tmp_path / "old.json"
    model.save(path)
    doc = json.loads(path.read_text())
    doc["info"]["features"] = ["fused"]
    path.write_text(json.dumps(doc))
    with pytest.raises(ValidationError, match="other features.*train_title_reranker"):
        TitleReranker.load(path)
    path.write_text('{"params": {}}')
    with pytest.raises(ValidationError, match="is not a title re-ranker file"):
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
    exact = fused_scores[:, 0] >= 10  # a query equal to a label: that one stays first, at 1.0
    assert 0 < exact.sum() < len(texts)
    np.testing.assert_array_equal(idx[~exact], fused_idx[~exact][:, ::-1][:, :2])
    np.testing.assert_array_equal(idx[exact], fused_idx[exact][:, [0, 3]])
    # softmax of log1p(rank) over the 4 candidates: (rank + 1) / 10
    np.testing.assert_allclose(scores[~exact], [[0.4, 0.3]] * (~exact).sum(), rtol=1e-6)
    np.testing.assert_allclose(scores[exact], [[1.0, 0.4]] * exact.sum(), rtol=1e-6)
    # score_occupations stays the fused score
    np.testing.assert_array_equal(flipped.score_occupations(texts), plain.score_occupations(texts))
    cand, feats = plain.rerank_features(texts, n_candidates=4)
    np.testing.assert_array_equal(cand, fused_idx)
    np.testing.assert_allclose(feats[:, :, FEATURES.index("fused")], fused_scores, atol=1e-6)


def test_auto_reranker_only_with_the_default_adapter(monkeypatch, tmp_path):
    assert rerank_mod.reranker_path().is_file(), "models/title-reranker.json is committed"
    tn = TitleNormalizer()
    loaded = tn._make_reranker("adapted")
    assert isinstance(loaded, TitleReranker) and loaded.n_candidates == 50
    # trained on the default query path's features (MiniLM's queries: the sixth session's
    # model, recorded before the key existed)
    assert loaded.info_.get("query_encoder", "model") == rerank_mod.DEFAULT_QUERY_KIND
    # trained on label- and posting-style queries of both settings, better where it matters
    cv = loaded.info_["nested_cv_mean"]
    settings = ("heldout", "known", "heldout_posting", "known_posting")
    assert loaded.info_["recipe"] == "labels+posting"
    full = {name for name in cv if "@top" not in name}  # the others: only the top N re-scored
    assert full == {f"{kind}/{s}" for kind in ("fused", "reranked") for s in settings}
    assert all(loaded.info_["settings"][s] > 0 for s in settings)
    for s in ("known", "known_posting"):
        assert cv[f"reranked/{s}"]["acc@1"] > cv[f"fused/{s}"]["acc@1"] + 0.03
    # the rule it was chosen by: unseen labels not below 0.45 acc@1 / 0.55 mrr@10
    assert cv["reranked/heldout"]["acc@1"] >= 0.45 and cv["reranked/heldout"]["mrr@10"] >= 0.55
    assert tn._make_reranker("base") is None and tn._make_reranker("custom") is None
    monkeypatch.setattr(titles_mod, "reranker_path", lambda kind=None: tmp_path / "absent.json")
    assert tn._make_reranker("adapted") is None


def test_a_reranker_file_per_query_kind(monkeypatch, tmp_path):
    """Each query path reads the re-ranker trained on its features; an absent one falls back
    to the default file."""
    default = rerank_mod.reranker_path()
    other = {"static": "model", "model": "static"}[rerank_mod.DEFAULT_QUERY_KIND]
    assert rerank_mod.reranker_path(rerank_mod.DEFAULT_QUERY_KIND) == default
    assert rerank_mod.reranker_path("custom") == default
    own = rerank_mod.reranker_path(other)
    assert own.is_file() and own != default, "both re-rankers are committed"
    assert TitleReranker.load(own).info_.get("query_encoder", "model") == other
    monkeypatch.setenv("DOORSTROOM_TITLES_RERANKER", str(tmp_path / "mine.json"))
    assert rerank_mod.reranker_path(other) == tmp_path / "mine.json"  # no sibling: the file
    (tmp_path / rerank_mod.RERANKER_FILES[other]).write_text("{}")
    assert rerank_mod.reranker_path(other) == tmp_path / rerank_mod.RERANKER_FILES[other]


def test_rerank_top_rescores_only_the_fused_best():
    """``rerank_top``: the fused best N re-ordered by the re-ranker, the rest after them in
    the fused order with a share of 0; N >= the candidates changes nothing."""
    texts = [q for q, _ in QUERIES]
    plain = TitleNormalizer(model=None, reranker=None).fit(corpus())
    fused_scores, fused_idx = plain.predict_topk(texts, k=4)
    exact = fused_scores[:, 0] >= 10
    full = TitleNormalizer(model=None, reranker=PreferLast()).fit(corpus())
    same = TitleNormalizer(model=None, reranker=PreferLast(), rerank_top=4).fit(corpus())
    for a, b in zip(full.predict_topk(texts, k=4), same.predict_topk(texts, k=4), strict=True):
        np.testing.assert_array_equal(a, b)
    two = TitleNormalizer(model=None, reranker=PreferLast(), rerank_top=2).fit(corpus())
    scores, idx = two.predict_topk(texts, k=4)
    # the two best fused flipped, then the fused third and fourth
    np.testing.assert_array_equal(idx[~exact], fused_idx[~exact][:, [1, 0, 2, 3]])
    # softmax of log1p(rank) over the two re-scored: 2/3, 1/3; then 0
    np.testing.assert_allclose(scores[~exact], [[2 / 3, 1 / 3, 0, 0]] * (~exact).sum(), rtol=1e-6)
    np.testing.assert_array_equal(idx[exact][:, 0], fused_idx[exact][:, 0])  # exact stays first
    with pytest.raises(ValidationError, match="rerank_top"):
        TitleNormalizer(model=None, rerank_top=0).fit(corpus())
