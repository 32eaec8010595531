"""The re-ranker's training harness (models/train_title_reranker.py): fold rows kept on disk,
the nested CV's resumable results, its summary, and the dense-feature benchmark's cosines."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from benchmarks.titles_dense_feature import _occupation_cosines
from doorstroom_match.text.rerank import FEATURES, TitleReranker
from models import train_title_reranker as trt

SETTINGS = ("heldout", "known", "heldout_posting", "known_posting")


def _args(tmp_path, **kw):
    base = dict(
        folds=2,
        seed=1,
        candidates=6,
        no_posting=False,
        no_groups=False,
        rows_dir=str(tmp_path),
        cache_dir="",
        max_new_folds=0,
        recipe=None,
        nested="all",
        test_folds="",
        final=False,
        out=str(tmp_path / "model.json"),
        query_encoder="static",
        rows_hash="",
        rescore=[],
        only_folds="",
        final_from="",
    )
    base.update(kw)
    return SimpleNamespace(**base)


def _rows(rng, n=8, k=6):
    out = {}
    for s in SETTINGS:
        right = np.zeros((n, k), dtype=bool)
        right[np.arange(n), rng.integers(0, k, n)] = True
        right[0] = False  # one query whose answer is not among the candidates
        out[s] = {
            "feats": rng.random((n, k, len(FEATURES)), dtype=np.float32),
            "right": right,
            "cand": rng.integers(0, 100, (n, k)),
            "uris": np.array([f"u{i}" for i in range(100)]),
            "char_tfidf": {"acc@1": float(rng.random()), "acc@10": 0.5, "mrr@10": 0.25},
        }
    return out


def test_fold_rows_round_trip_and_are_named_by_their_recipe(tmp_path):
    rows = _rows(np.random.default_rng(0))
    args = _args(tmp_path)
    path = trt._rows_file(args, 1)
    trt._save_rows(path, rows)
    back = trt._load_rows(path)
    assert set(back) == set(rows)
    for s in rows:
        for key in ("feats", "right", "cand", "uris"):
            np.testing.assert_array_equal(back[s][key], rows[s][key])
        assert back[s]["char_tfidf"] == rows[s]["char_tfidf"]
    # rows made another way (no posting-style queries, no group rows) never stand in
    assert trt._rows_file(_args(tmp_path, no_posting=True), 1) != path
    assert trt._rows_file(_args(tmp_path, no_groups=True), 1) != path
    # nor rows of the other query encoder, nor rows made by other code
    assert trt._rows_file(_args(tmp_path, query_encoder="model"), 1) != path
    assert trt._rows_file(_args(tmp_path, query_encoder="int8"), 1) != path
    assert trt._code_hash() in path.name
    assert trt._rows_file(_args(tmp_path, rows_hash="0123456789"), 1) != path
    assert not list(tmp_path.glob("*.tmp.npz"))


def test_the_rows_hash_covers_files_that_exist_including_the_package_data_rows_depend_on():
    root = Path(trt.__file__).resolve().parents[1]
    assert all((root / name).is_file() for name in trt.ROWS_CODE)  # a typo would hash "-"
    # the normaliser's word list (posting filler) and the int8 graph change the rows too
    for name in (
        "doorstroom_match/text/lexicon.py",
        "doorstroom_match/data/reference/be_title_words.csv",
        "doorstroom_match/data/models/title-minilm-int8.onnx",
    ):
        assert name in trt.ROWS_CODE


def test_nested_cv_scores_rescoring_only_the_fused_best(tmp_path):
    """``--rescore N``: the nested CV also reports re-ranking the fused top N only; N equal
    to the candidates gives the full figure."""
    rng = np.random.default_rng(4)
    args = _args(tmp_path, recipe="labels", nested="recipe", rescore=[2, 6])
    for f in range(args.folds):
        rows = _rows(rng, n=40)
        for s in SETTINGS:  # the gold's own "char" is highest: something to learn
            rows[s]["feats"][..., FEATURES.index("char")] += rows[s]["right"] * 2.0
        trt._save_rows(trt._rows_file(args, f), rows)
    summary = trt.build(args)["nested_cv"]
    for s in SETTINGS:
        full, top6 = summary[f"reranked[labels]/{s}"], summary[f"reranked[labels]/{s}@top6"]
        assert full["acc@1"] == top6["acc@1"] and full["mrr@10"] == top6["mrr@10"]
        assert f"reranked[labels]/{s}@top2" in summary


def test_metrics_order_by_score_and_break_ties_by_fused_order():
    scores = np.array([[0.1, 0.9, 0.5], [0.3, 0.3, 0.3], [0.2, 0.1, 0.0]], dtype=np.float32)
    gold = np.array([[False, True, False], [False, True, False], [False, False, False]])
    m = trt._metrics(scores, gold)
    # query 1: first; query 2: a tie, second by position; query 3: not a candidate
    assert m["acc@1"] == pytest.approx(1 / 3)
    assert m["acc@10"] == pytest.approx(2 / 3)
    assert m["mrr@10"] == pytest.approx((1 + 1 / 2 + 0) / 3)


def test_summary_gives_mean_spread_and_range():
    per_fold = {"x": [{"acc@1": a, "mrr@10": 2 * a} for a in (0.4, 0.5, 0.9)]}
    s = trt._summary(per_fold)["x"]
    v = np.array([0.4, 0.5, 0.9])
    assert s["acc@1"] == pytest.approx(v.mean(), abs=1e-4)
    assert s["acc@1_sd"] == pytest.approx(v.std(ddof=1), abs=1e-4)
    assert (s["acc@1_min"], s["acc@1_max"]) == (0.4, 0.9)
    assert s["mrr@10"] == pytest.approx(2 * v.mean(), abs=1e-4)


def test_nested_cv_resumes_from_kept_results_without_refitting(tmp_path, monkeypatch):
    """Rows and nested results of every fold on disk: the run reads them, fits nothing, and
    its summary holds the kept figures (fused and char TF-IDF from the rows)."""
    rng = np.random.default_rng(1)
    args = _args(tmp_path)
    kept = {}
    for f in range(args.folds):
        rows = _rows(rng)
        trt._save_rows(trt._rows_file(args, f), rows)
        for recipe in trt.RECIPES:
            res = {s: {"acc@1": 0.1 * (f + 1), "acc@10": 0.5, "mrr@10": 0.3} for s in SETTINGS}
            stem = trt._rows_file(args, f).stem
            (tmp_path / f"{stem}-nested-{recipe}.json").write_text(json.dumps(res))
            kept[(recipe, f)] = res

    def no_fit(self, *a, **k):
        raise AssertionError("a kept nested result was refitted")

    monkeypatch.setattr(TitleReranker, "fit", no_fit)
    out = trt.build(args)
    summary = out["nested_cv"]
    assert out["test_folds"] == [0, 1]
    for recipe in trt.RECIPES:
        for s in SETTINGS:
            assert summary[f"reranked[{recipe}]/{s}"]["acc@1"] == pytest.approx(0.15)
            assert summary[f"reranked[{recipe}]/{s}"]["acc@1_min"] == pytest.approx(0.1)
    for s in SETTINGS:
        assert f"fused/{s}" in summary and f"char_tfidf/{s}" in summary
    # only the kept folds are scored when asked for one
    one = trt.build(_args(tmp_path, test_folds="1"))
    assert one["test_folds"] == [1]
    assert one["nested_cv"]["reranked[labels]/heldout"]["acc@1"] == pytest.approx(0.2)


def test_recipe_needs_its_rows(tmp_path):
    rng = np.random.default_rng(2)
    args = _args(tmp_path, no_posting=True, recipe="labels+posting")
    for f in range(args.folds):
        rows = {s: r for s, r in _rows(rng).items() if "posting" not in s}
        trt._save_rows(trt._rows_file(args, f), rows)
    with pytest.raises(SystemExit, match="posting-style rows"):
        trt.build(args)


def test_occupation_cosines_take_each_occupations_best_row():
    rng = np.random.default_rng(3)
    q = rng.normal(size=(7, 5)).astype(np.float32)
    rows = rng.normal(size=(9, 5)).astype(np.float32)
    row_uris = list("abcabdaab")
    uris = np.array(["d", "c", "b", "a", "e"])  # "e" has no row
    got = _occupation_cosines(q, rows, row_uris, uris)
    for j, u in enumerate(uris):
        idx = [i for i, x in enumerate(row_uris) if x == u]
        want = (q @ rows[idx].T).max(axis=1) if idx else np.full(len(q), -1.0)
        np.testing.assert_allclose(got[:, j], want, rtol=1e-5, atol=1e-6)


def test_kept_nested_results_go_into_a_model_fitted_by_another_run(tmp_path):
    """``--nested kept --final-from FILE``: the model of a final-only run gets the nested CV
    that other runs kept, without any fit."""
    rng = np.random.default_rng(5)
    args = _args(tmp_path, recipe="labels", nested="none", final=True)
    for f in range(args.folds):
        rows = _rows(rng, n=30)
        for s in SETTINGS:
            rows[s]["feats"][..., FEATURES.index("char")] += rows[s]["right"] * 2.0
        trt._save_rows(trt._rows_file(args, f), rows)
    trt.build(args)  # the final fit alone
    assert TitleReranker.load(args.out).info_["nested_cv_mean"] == {}
    trt.build(_args(tmp_path, recipe="labels", nested="recipe", test_folds="1", final=False))
    out = tmp_path / "with_cv.json"
    info = trt.build(
        _args(tmp_path, recipe="labels", nested="kept", final=True, final_from=args.out, out=out)
    )
    assert info["nested_test_folds"] == [1]
    assert "reranked/heldout" in TitleReranker.load(out).info_["nested_cv_mean"]
    a, b = TitleReranker.load(args.out), TitleReranker.load(out)
    x = rng.random((5, 6, len(FEATURES)), dtype=np.float32)
    np.testing.assert_array_equal(a.predict_scores(x), b.predict_scores(x))


def test_a_re_ranker_of_int8_rows_never_overwrites_the_float_model():
    from doorstroom_match.text.rerank import RERANKER_FILES

    assert trt._out_name("model") == RERANKER_FILES["model"]
    assert trt._out_name("static") == RERANKER_FILES["static"]
    assert trt._out_name("int8") == "title-reranker-int8.json"
