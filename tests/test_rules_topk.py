"""Top-k ties: -0.0 and 0.0 are the same value, so a tie between them goes to the lower column.

Distances of 0.0 and -0.0 both mean "passes" (and ``largest=True`` negates scores, turning
every 0.0 into -0.0). The rule of the top-k is "smallest first, ties by lower column index";
the reference here is Python's own sort of (value, column) pairs, in which -0.0 == 0.0.
"""

from __future__ import annotations

import numpy as np
import pytest

from doorstroom_match.core import _select_smallest, _select_smallest_partition, blocked_topk


def reference(block: np.ndarray, k: int, *, largest: bool = False):
    idx, val = [], []
    for row in block.tolist():
        pairs = sorted(
            ((-v if largest else v, j) for j, v in enumerate(row) if np.isfinite(v)),
            key=lambda p: (p[0], p[1]),
        )[:k]
        idx.append([j for _, j in pairs] + [-1] * (k - len(pairs)))
        val.append([block.dtype.type(-v if largest else v) for v, _ in pairs])
    return np.array(idx), val


def signed_zero_block(n_rows: int, n_cols: int, zero_share: float, seed: int) -> np.ndarray:
    """Positive values with zeros of both signs scattered among them."""
    rng = np.random.default_rng(seed)
    block = rng.integers(1, 50, size=(n_rows, n_cols)).astype(np.float32)
    zeros = rng.random(block.shape) < zero_share
    negative = rng.random(block.shape) < 0.5
    block[zeros & negative] = -0.0
    block[zeros & ~negative] = 0.0
    # make sure the first zero of each row is a +0.0 and a later one a -0.0, so a sign-aware
    # order (-0.0 < 0.0) would put the later column first
    for r in range(n_rows):
        zc = np.flatnonzero(zeros[r])
        if zc.size >= 2:
            block[r, zc[0]] = 0.0
            block[r, zc[1:]] = -0.0
    return block


@pytest.mark.parametrize("zero_share", [0.002, 0.05, 0.4], ids=["few", "some", "many"])
@pytest.mark.parametrize("k", [1, 3, 8])
def test_select_smallest_treats_signed_zeros_as_one_value(zero_share, k):
    block = signed_zero_block(6, 20_000, zero_share, seed=3)
    want_idx, _ = reference(block, k)
    idx, val = _select_smallest(block, k)
    np.testing.assert_array_equal(idx, want_idx)
    assert np.all((val == 0) | (val >= 1))


def test_partition_reference_treats_signed_zeros_as_one_value():
    block = np.array([[1.0, 0.0, -0.0, 0.0, -0.0, 2.0]], dtype=np.float32)
    idx, _ = _select_smallest_partition(block, 3)
    assert idx.tolist() == [[1, 2, 3]]
    idx, _ = _select_smallest(block, 3)
    assert idx.tolist() == [[1, 2, 3]]


@pytest.mark.parametrize("largest", [False, True])
@pytest.mark.parametrize("block_cols", [None, 700, 4096])
def test_blocked_topk_ties_between_signed_zeros_go_to_the_lower_column(largest, block_cols):
    block = signed_zero_block(5, 9_000, 0.01, seed=5)
    if largest:
        block = -block  # scores: the zeros are the largest... of the non-positive values
    want_idx, _ = reference(block, 4, largest=largest)
    res = blocked_topk(
        lambda r, c: block[r, c], *block.shape, 4, largest=largest, block_cols=block_cols
    )
    np.testing.assert_array_equal(res.indices, want_idx)
    assert np.all(res.values[:, 0] == 0)
