"""QuickScorer scores of the re-ranker's trees: LightGBM's numbers, bit for bit."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstroom_match._exceptions import ValidationError
from doorstroom_match.text._forest import QuickScorerForest
from doorstroom_match.text.rerank import FEATURES, TitleReranker, reranker_path

lgb = pytest.importorskip("lightgbm")
pytest.importorskip("numba")


def _rows_near_thresholds(forest: QuickScorerForest, n: int, seed: int) -> np.ndarray:
    """Rows whose values sit on, just below and just above the model's own thresholds (as
    float32, the features' type), with missing values: where a wrong test would show."""
    rng = np.random.default_rng(seed)
    x = np.empty((n, forest.n_features), dtype=np.float32)
    for f in range(forest.n_features):
        thr = forest.thresholds[forest.offsets[f] : forest.offsets[f + 1]]
        if len(thr) == 0:
            x[:, f] = rng.normal(size=n)
            continue
        base = rng.choice(thr, size=n).astype(np.float32)
        step = rng.integers(-1, 2, size=n)  # one float32 below, on, or one above
        x[:, f] = np.where(
            step < 0,
            np.nextafter(base, np.float32(-np.inf)),
            np.where(step > 0, np.nextafter(base, np.float32(np.inf)), base),
        )
        x[rng.random(n) < 0.03, f] = np.nan
        x[rng.random(n) < 0.03, f] = 0.0
    return x


@pytest.mark.parametrize("kind", ["model", "int8", "static"])
def test_the_shipped_rerankers_score_as_lightgbm(kind):
    rr = TitleReranker.load(reranker_path(kind))
    assert rr.forest_ is not None  # the shipped models are ones QuickScorer covers
    x = _rows_near_thresholds(rr.forest_, 3000, seed=len(kind))
    ref = rr.booster_.predict(x, num_threads=1)
    assert np.array_equal(rr.forest_.predict(x), ref)
    feats = x.reshape(60, 50, len(FEATURES))
    assert np.array_equal(
        rr.predict_scores(feats), rr.predict_scores(feats, engine="lightgbm", n_threads=1)
    )


def test_the_plain_python_kernel_is_the_compiled_one():
    rr = TitleReranker.load(reranker_path("int8"))
    x = _rows_near_thresholds(rr.forest_, 40, seed=3)
    assert np.array_equal(rr.forest_.predict(x, jit=False), rr.forest_.predict(x))


def _train(x, y, **params):
    return lgb.train(
        {"objective": "regression", "verbose": -1, "min_data_in_leaf": 3, **params},
        lgb.Dataset(x, y),
        num_boost_round=params.pop("rounds", 15),
    )


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    leaves=st.integers(2, 40),
    missing=st.floats(0.0, 0.3),
    use_missing=st.booleans(),
)
def test_random_models_with_missing_values_score_as_lightgbm(seed, leaves, missing, use_missing):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(400, 5)).astype(np.float32)
    x[:, 3] = np.round(x[:, 3])  # few distinct values: thresholds with ties
    y = x[:, 0] - 2 * (x[:, 1] > 0.3) + np.nan_to_num(x[:, 3]) + rng.normal(0, 0.1, 400)
    x[rng.random(x.shape) < missing] = np.nan  # NaN in training: missing type NaN
    booster = _train(x, y, num_leaves=leaves, use_missing=use_missing)
    forest = QuickScorerForest.from_lightgbm(booster)
    assert forest is not None
    test = rng.normal(size=(300, 5)).astype(np.float32)
    test[:, 3] = np.round(test[:, 3])
    test[rng.random(test.shape) < 0.2] = np.nan
    test[:20] = np.vstack([_rows_near_thresholds(forest, 20, seed)])
    assert np.array_equal(forest.predict(test), booster.predict(test))


def test_a_model_of_one_leaf_per_tree():
    x = np.zeros((50, 2), dtype=np.float32)  # nothing to split on
    booster = _train(x, np.arange(50.0), rounds=3)
    forest = QuickScorerForest.from_lightgbm(booster)
    assert forest is not None and len(forest.thresholds) == 0
    assert np.array_equal(forest.predict(x[:5]), booster.predict(x[:5]))


def test_models_quickscorer_does_not_cover_keep_lightgbm():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 3)).astype(np.float32)
    y = x[:, 0].copy()
    # zero as missing, a categorical split, a transformed output, more than 64 leaves
    assert QuickScorerForest.from_lightgbm(_train(x, y, zero_as_missing=True)) is None
    xc = x.copy()
    xc[:, 2] = rng.integers(0, 6, 300)
    cat = lgb.train(
        {"objective": "regression", "verbose": -1, "min_data_in_leaf": 3},
        lgb.Dataset(xc, xc[:, 2] == 3, categorical_feature=[2]),
        num_boost_round=5,
    )
    assert QuickScorerForest.from_lightgbm(cat) is None
    binary = _train(x, (y > 0).astype(float), objective="binary")
    assert QuickScorerForest.from_lightgbm(binary) is None
    big = _train(rng.normal(size=(3000, 3)), rng.normal(size=3000), num_leaves=100, rounds=2)
    assert QuickScorerForest.from_lightgbm(big) is None


def test_predict_checks_its_input():
    rr = TitleReranker.load(reranker_path("int8"))
    with pytest.raises(ValidationError, match="shape"):
        rr.forest_.predict(np.zeros((2, 3), dtype=np.float32))
    with pytest.raises(ValidationError, match="engine"):
        rr.predict_scores(np.zeros((1, 2, len(FEATURES)), np.float32), engine="trees")


def test_the_benchmark_compares_both_engines_on_the_same_rows(capsys):
    from benchmarks.reranker_trees import main

    assert main(["--rows", "500", "--repeat", "1", "--json"]) == 0
    res = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert res["same_scores"] and res["rows"] == 500
    assert res["quickscorer_s"] > 0 and res["lightgbm_s"] > 0
