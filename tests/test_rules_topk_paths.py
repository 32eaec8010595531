"""The top-k rule on every path of the selection, against a brute-force reference.

The rule (``blocked_topk``'s docstring): per row the ``k`` smallest scores (largest with
``largest=True``), ties broken by the lower column index; ``nan`` and both infinities are
excluded, and so is a score worse than ``threshold``; places left over hold index -1 and value
``nan``. The reference is Python's own sort of ``(value, column)`` pairs over the admissible
entries of each row (in which ``-0.0 == 0.0``).

The blocks are shaped to reach each path of the selection: the strided-group fast path, rows
with so many ties that they take the tie path (ties at the row's minimum, ties above a few
entries below them, ties that start far into the row, too many entries below the ties), the
exact partition fallback with ties straddling the k-th place, ``k`` at least the number of
columns, negative values and values of every magnitude (the order of the float bits), and
exclusions by ``nan``, ``+inf``, ``-inf`` and the threshold.
"""

from __future__ import annotations

import numpy as np
import pytest

from doorstroom_match.core import blocked_topk

F32 = np.float32


def reference(block: np.ndarray, k: int, *, largest: bool = False, threshold=None):
    """(indices, values) of shape (rows, min(k, cols)) from the rule's wording."""
    kk = min(k, block.shape[1])
    idx = np.full((block.shape[0], kk), -1, dtype=np.int64)
    val = np.full((block.shape[0], kk), np.nan, dtype=np.float32)
    for r, row in enumerate(block.astype(np.float64)):
        scores = -row if largest else row
        ok = np.isfinite(scores)
        if threshold is not None:
            ok &= scores <= (-threshold if largest else threshold)
        cols = np.flatnonzero(ok)
        if cols.size > kk:  # only to keep it quick: everything up to the k-th value, ties too
            kth = np.partition(scores[cols], kk - 1)[kk - 1]
            cols = cols[scores[cols] <= kth]
        pairs = sorted((float(scores[j]), int(j)) for j in cols)
        for p, (v, j) in enumerate(pairs[:kk]):
            idx[r, p] = j
            val[r, p] = -v if largest else v
    return idx, val


def check(block: np.ndarray, k: int, *, largest=False, threshold=None, **kw) -> None:
    block = np.asarray(block, dtype=np.float32)
    before = block.copy()
    got = blocked_topk(
        lambda r, c: block[r, c], *block.shape, k, largest=largest, threshold=threshold, **kw
    )
    want_idx, want_val = reference(block, k, largest=largest, threshold=threshold)
    np.testing.assert_array_equal(got.indices, want_idx)
    np.testing.assert_array_equal(got.values, want_val)
    np.testing.assert_array_equal(block, before)  # the caller's scores are not modified


def test_hand_computed_small_example():
    block = np.array(
        [
            [4.0, 1.0, 3.0, 1.0, 0.0, 9.0],
            [np.nan, 2.0, -np.inf, 2.0, np.inf, 2.0],
            [-1.0, -3.0, -0.0, 0.0, -3.0, 5.0],
        ],
        dtype=np.float32,
    )
    got = blocked_topk(lambda r, c: block[r, c], 3, 6, 3)
    assert got.indices.tolist() == [[4, 1, 3], [1, 3, 5], [1, 4, 0]]
    assert got.values.tolist() == [[0.0, 1.0, 1.0], [2.0, 2.0, 2.0], [-3.0, -3.0, -1.0]]
    got = blocked_topk(lambda r, c: block[r, c], 3, 6, 2, largest=True)
    assert got.indices.tolist() == [[5, 0], [1, 3], [5, 2]]


def test_threshold_excludes_worse_scores_but_keeps_equal_ones():
    block = np.array([[0.5, 1.0, 1.0, 2.0, 1.0000001, 0.0]], dtype=np.float32)
    got = blocked_topk(lambda r, c: block[r, c], 1, 6, 6, threshold=1.0)
    assert got.indices.tolist() == [[5, 0, 1, 2, -1, -1]]
    got = blocked_topk(lambda r, c: block[r, c], 1, 6, 6, largest=True, threshold=1.0)
    assert got.indices.tolist() == [[3, 4, 1, 2, -1, -1]]


@pytest.mark.parametrize("k", [3, 7, 50, 64])
def test_k_at_least_the_number_of_columns(k):
    """Every admissible column, in (value, column) order; the result has min(k, cols)."""
    block = np.array(
        [
            [3.0, np.nan, 1.0, 1.0, -0.0, 0.0, np.inf, -5.0],
            [np.nan] * 8,
            [2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, -np.inf],
        ],
        dtype=np.float32,
    )
    check(block[:, : min(k, 8)], k)
    check(block, k, largest=True)
    check(block, k, threshold=1.0)


@pytest.mark.parametrize("n_cols", [5, 12, 3000])
def test_selection_returns_documented_dtypes(n_cols):
    """``_select_smallest`` (the per-block step of ``blocked_topk``) returns int64 column
    indices and float32 values on every path: k above, at and below the number of columns."""
    from doorstroom_match.core import _select_smallest

    rng = np.random.default_rng(n_cols)
    block = rng.integers(0, 4, size=(3, n_cols)).astype(np.float32)
    block[0, :2] = np.nan
    for k in (1, 3, n_cols, n_cols + 4):
        idx, val = _select_smallest(block, k)
        assert idx.dtype == np.int64 and val.dtype == np.float32, (k, idx.dtype, val.dtype)
        want_idx, want_val = reference(block, k)
        kk = min(k, n_cols)
        assert idx.shape == val.shape == (3, kk)
        ok = want_idx >= 0
        np.testing.assert_array_equal(idx[ok], want_idx[ok])
        np.testing.assert_array_equal(val[ok], want_val[ok])
        assert np.all(val[~ok] == np.inf)  # excluded places hold +inf


def test_ties_straddling_the_kth_place_in_small_blocks():
    """Blocks too small for the fast path: the partition decides, ties by lower column."""
    rng = np.random.default_rng(7)
    for _ in range(40):
        n_cols = int(rng.integers(2, 60))
        block = rng.integers(0, 3, size=(5, n_cols)).astype(np.float32)
        block[rng.random(block.shape) < 0.1] = np.nan
        block[rng.random(block.shape) < 0.05] = np.inf
        block[rng.random(block.shape) < 0.05] = -np.inf
        for k in (1, 2, int(rng.integers(1, n_cols + 2))):
            check(block, k)
            check(block, k, largest=True)
            check(block, k, threshold=1.0)


def tie_rows(n_cols: int) -> np.ndarray:
    """Rows built for the tie path: most entries tie at one value."""
    rows = []
    # 1. every entry ties at the minimum (a strong worker who passes everything)
    rows.append(np.zeros(n_cols))
    # 2. ties at 0 and one entry below them, far into the row
    r = np.zeros(n_cols)
    r[n_cols - 3] = -1.0
    rows.append(r)
    # 3. two entries below the ties in the same strided group, and one in another group
    r = np.zeros(n_cols)
    r[[5, 5 + 512, 77]] = [-1.0, -2.0, -0.5]
    rows.append(r)
    # 4. ties at 0 only from the middle of the row on; larger values before
    r = np.full(n_cols, 3.0)
    r[n_cols // 2 :] = 0.0
    rows.append(r)
    # 5. ties at 0 with excluded entries (nan, +inf, -inf) among and before them
    r = np.zeros(n_cols)
    r[[0, 3, 9]] = [np.nan, np.inf, -np.inf]
    r[10:20] = -np.inf
    rows.append(r)
    # 6. ties at 1 with a few below, and -0.0/0.0 mixed
    r = np.ones(n_cols)
    r[[4, 1000, n_cols - 1]] = [-0.0, 0.0, -0.0]
    rows.append(r)
    # 7. ties sparse in the first columns, dense later
    r = np.full(n_cols, 2.0)
    r[::97] = 0.0
    r[n_cols - 5000 :] = 0.0
    rows.append(r)
    # 8. a plain row without ties (the fast path next to the tie rows)
    rows.append(np.random.default_rng(1).permutation(n_cols).astype(float))
    return np.array(rows, dtype=np.float32)


@pytest.mark.parametrize("k", [1, 2, 3, 8, 40])
def test_rows_full_of_ties(k):
    block = tie_rows(8_000)
    check(block, k)
    check(block, k, largest=True)
    check(block, k, threshold=0.0)
    check(block, k, threshold=-0.5)
    check(block, k, block_cols=3_000)


def test_ties_after_a_long_prefix_and_at_the_very_end():
    """The ties that complete the top-k can be the last columns of the row."""
    n_cols = 30_000
    block = np.full((3, n_cols), 5.0, dtype=np.float32)
    block[0, ::50] = 1.0  # candidates everywhere, ties at 1
    block[0, -2:] = 0.0  # the two best at the very end
    block[1, -4000:] = 1.0  # ties only at the end
    block[1, 7] = 0.5
    block[2, 100:] = 1.0
    block[2, [3, 4, 60]] = [0.0, 0.0, 0.0]
    for k in (1, 3, 5, 9):
        check(block, k)
    check(block, 4, threshold=0.9)


def test_order_of_values_of_every_sign_and_magnitude():
    """The order is the order of the numbers, across signs, tiny and huge magnitudes."""
    values = [
        -3.0e38,
        -1.0e30,
        -2.5,
        -1.0,
        -1.0e-30,
        -1.0e-45,  # the smallest subnormal
        0.0,
        1.0e-45,
        1.0e-30,
        1.0,
        2.5,
        1.0e30,
        3.0e38,
    ]
    rng = np.random.default_rng(0)
    n_cols = 4096
    for k in (1, 4, 13):
        block = np.empty((4, n_cols), dtype=np.float32)
        for r in range(4):
            # every value a few times, at random columns, the rest a large filler
            row = np.full(n_cols, 3.3e38, dtype=np.float32)
            cols = rng.choice(n_cols, size=3 * len(values), replace=False)
            row[cols] = np.repeat(np.array(values, dtype=np.float32), 3)
            block[r] = row
        check(block, k)
        check(block, k, largest=True)


@pytest.mark.parametrize("k", [1, 2, 5])
@pytest.mark.parametrize("n_cols", [40, 2_000, 20_000])
def test_random_small_alphabet_many_ties(k, n_cols):
    """Few distinct values: ties everywhere, on the fast, tie and partition paths."""
    rng = np.random.default_rng(k * 100 + n_cols)
    alphabet = np.array([-2.0, -1.0, -0.0, 0.0, 0.5, 1.0, 7.0], dtype=np.float32)
    for p_low in (0.0001, 0.01, 0.3):
        block = rng.choice(alphabet[3:], size=(8, n_cols)).astype(np.float32)
        low = rng.random(block.shape) < p_low
        block[low] = rng.choice(alphabet[:3], size=int(low.sum()))
        check(block, k)
        check(block, k, largest=True)
        check(block, k, threshold=0.5)
        check(block, k, largest=True, threshold=0.0)


def _ties_reference(block, rows, thr, k):
    """``_select_ties``' docstring: a row is settled when fewer than k admissible entries lie
    strictly below ``thr`` and enough entries equal it; its top-k is then every entry below
    plus the lowest-column ties, sorted by (value, column)."""
    solved, idx, val = [], [], []
    for r, t in zip(rows, thr, strict=True):
        row = block[r].astype(np.float64)
        ok = np.isfinite(row)
        below = np.flatnonzero(ok & (row < t))
        ties = np.flatnonzero(row == t)
        settled = below.size < k and ties.size >= k - below.size
        solved.append(settled)
        if settled:
            pairs = sorted([(row[j], int(j)) for j in below] + [(row[j], int(j)) for j in ties])
            idx.append([j for _, j in pairs[:k]])
            val.append([v for v, _ in pairs[:k]])
    return (
        np.array(solved),
        np.array(idx, dtype=np.int64).reshape(-1, k),
        np.array(val, dtype=np.float32).reshape(-1, k),
    )


def test_the_tie_step_settles_exactly_the_rows_its_docstring_names():
    """``_select_ties`` directly (``blocked_topk`` sends unsettled rows to the exact path, so
    its results alone cannot show a tie step that gives up on rows it should settle)."""
    from doorstroom_match.core import _select_ties

    k, n = 5, 3000
    block = np.full((9, n), 2.0, dtype=np.float32)
    block[0] = 0.0  # every entry a tie at the minimum
    block[1, 1500:] = 0.0  # ties only after the first searched prefix (1,024 columns)
    block[2, 5:] = 1.0  # two entries below thr = 1, ties from column 5 on
    block[2, [2000, 10]] = 0.5
    block[3, 100:105] = 0.0  # k entries below thr = 1: not settled
    block[3, 200:] = 1.0
    block[4, 7] = 0.5  # one below, two ties: too few (a thr that is no bound)
    block[4, [50, 2999]] = 1.0
    block[5, :3] = [-np.inf, np.nan, -np.inf]  # excluded entries, ties at 0 after them
    block[5, 2500:] = 0.0
    block[6, 1] = -3.0  # k - 1 below, the one tie needed is the last column
    block[6, [4, 8, 9]] = [-1.0, 0.25, -0.0]
    block[6, 2999] = 1.0
    block[7, 2997:] = 0.0  # too few ties at the minimum: not settled
    block[8, ::2] = 0.0  # every other column a tie
    rows = np.array([6, 2, 3, 4, 5, 0, 8, 1, 7])  # mixed rows first, pure ties last
    thr = np.array([1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0], dtype=np.float32)
    row_min = np.fmin.reduce(block[rows], axis=1)
    before = block.copy()
    idx, val, solved = _select_ties(block, rows, thr, row_min, k)
    want_solved, want_idx, want_val = _ties_reference(block, rows, thr, k)
    np.testing.assert_array_equal(solved, want_solved)
    assert solved.tolist() == [True, True, False, False, True, True, True, True, False]
    np.testing.assert_array_equal(idx, want_idx)
    np.testing.assert_array_equal(val, want_val)
    assert idx.dtype == np.int64 and val.dtype == np.float32
    assert idx[0].tolist() == [1, 4, 9, 8, 2999]  # -3, -1, -0.0, 0.25 and the tie at 1
    np.testing.assert_array_equal(block, before)
    # only rows whose ties are at their minimum (nothing below thr): the same rule
    pure = np.array([8, 1, 0, 7])
    zero = np.zeros(4, dtype=np.float32)
    idx, val, solved = _select_ties(block, pure, zero, zero, k)
    want_solved, want_idx, want_val = _ties_reference(block, pure, zero, k)
    np.testing.assert_array_equal(solved, want_solved)
    np.testing.assert_array_equal(idx, want_idx)
    np.testing.assert_array_equal(val, want_val)


@pytest.mark.parametrize("n_cols", [64, 5000])
def test_values_one_unit_apart_and_tiny_values_keep_their_order(n_cols):
    """The (value, column) order is the order of the values themselves, however close: two
    floats one unit in the last place apart, and values too small to change 1.0 when added to
    it, are not ties (fast path and the exact path)."""
    one = F32(1.0)
    up = np.nextafter(one, F32(2))  # 1.0 + 2^-23
    block = np.full((4, n_cols), 5.0, dtype=np.float32)
    block[0, [3, 40]] = [up, one]  # the larger first: 1.0 at column 40 is the smallest
    block[1, [5, 50]] = [np.nextafter(up, F32(2)), up]
    block[2, [2, 30]] = [2e-9, 1e-9]
    block[3, [7, 60]] = [-1e-9, -2e-9]
    for k in (1, 2):
        check(block, k)
    got = blocked_topk(lambda r, c: block[r, c], *block.shape, 1)
    assert got.indices[:, 0].tolist() == [40, 50, 30, 60]
