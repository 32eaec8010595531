"""The title adapter's training (models/train_title_adapter.py) and its CV harness."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("torch", reason="needs the 'embeddings' extra (torch)")

from benchmarks.titles_cv import _Memo, _metrics  # noqa: E402
from models.train_title_adapter import DEFAULT_OUT, train_matrix  # noqa: E402


def _normalise(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_train_matrix_learns_to_drop_noise_directions():
    """Anchor and positive share 4 signal dimensions; 12 others hold independent noise.
    The learned W must match each anchor to its own positive far more often than the
    identity, by weighting the signal up and the noise down."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=(600, 4)).astype(np.float32)
    a = _normalise(np.hstack([z, 1.5 * rng.normal(size=(600, 12))]).astype(np.float32))
    p = _normalise(np.hstack([z, 1.5 * rng.normal(size=(600, 12))]).astype(np.float32))

    def top1(w):
        sa, sp = _normalise(a @ w), _normalise(p @ w)
        return float(np.mean(np.argmax(sa @ sp.T, axis=1) == np.arange(600)))

    w, losses = train_matrix(a, p, np.arange(600), epochs=40, lr=1e-2, batch_size=128)
    assert w.shape == (16, 16) and w.dtype == np.float32
    assert losses[-1] < losses[0]
    assert top1(w) > top1(np.eye(16, dtype=np.float32)) + 0.2


def test_train_matrix_is_deterministic_and_skips_duplicate_groups():
    rng = np.random.default_rng(1)
    a = _normalise(rng.normal(size=(50, 8)).astype(np.float32))
    p = _normalise(rng.normal(size=(50, 8)).astype(np.float32))
    one_group = np.zeros(50, dtype=np.int64)  # every batch collapses to one pair: nothing to learn
    w, _ = train_matrix(a, p, one_group, epochs=2)
    np.testing.assert_array_equal(w, np.eye(8, dtype=np.float32))
    w1, _ = train_matrix(a, p, np.arange(50), epochs=2, seed=3)
    w2, _ = train_matrix(a, p, np.arange(50), epochs=2, seed=3)
    np.testing.assert_array_equal(w1, w2)


def test_committed_adapter_has_its_training_card():
    with np.load(DEFAULT_OUT) as npz:
        info = json.loads(str(npz["info"]))
        assert npz["matrix"].shape == (384, 384)
    assert info["label_pairs"] == 9618 and info["description_pairs"] == 3039
    assert info["excluded_occupations"] == 0


def test_cv_metrics_and_memo(tmp_path):
    top = np.array([[3, 1, 2], [0, 2, 1], [5, 6, 7]])
    m = _metrics(top, np.array([3, 2, 4]))
    assert m == pytest.approx({"acc@1": 1 / 3, "acc@10": 2 / 3, "mrr@10": (1 + 0.5) / 3})

    class Counting:
        calls = 0
        fingerprint = "count"

        def fit(self, texts=None):
            return self

        def encode(self, texts):
            Counting.calls += len(texts)
            return np.array([[len(t), 1.0] for t in texts], dtype=np.float32)

    memo = _Memo(Counting(), tmp_path / "memo.npz")
    np.testing.assert_array_equal(memo.encode(["ab", "c", "ab"]), [[2, 1], [1, 1], [2, 1]])
    memo.encode(["c"])
    assert Counting.calls == 2
    memo.save()
    again = _Memo(Counting(), tmp_path / "memo.npz")
    np.testing.assert_array_equal(again.encode(["ab"]), [[2, 1]])
    assert Counting.calls == 2


def test_reranker_training_metrics_order_by_score_then_fused_rank():
    from models.train_title_reranker import _metrics as rerank_metrics

    gold = np.zeros((3, 12), dtype=bool)
    gold[0, 0] = True  # first by fused order
    gold[1, 11] = True  # reordered to the front by its score
    scores = np.tile(-np.arange(12.0), (3, 1))
    scores[1, 11] = 5.0
    m = rerank_metrics(scores, gold)  # the third query has no gold candidate
    assert m == pytest.approx({"acc@1": 2 / 3, "acc@10": 2 / 3, "mrr@10": 2 / 3})
    tied = np.zeros((1, 12))
    one = np.zeros((1, 12), dtype=bool)
    one[0, 1] = True  # ties keep the fused order: position 2
    assert rerank_metrics(tied, one)["mrr@10"] == pytest.approx(0.5)


@pytest.mark.slow
def test_known_labels_name_their_occupation_with_the_default_normaliser(tmp_path):
    """The product check behind the exact-label rule: a job target equal to a known
    alternative label must get that label's occupation first (19.5% before the rule)."""
    from benchmarks.titles_cv import exact_label_check

    res = exact_label_check(n_queries=60, seed=1, cache_dir=tmp_path)
    assert res["exact_label_acc@1"] >= 0.8
    assert res["exact_label_upper_mvx_acc@1"] >= 0.8
