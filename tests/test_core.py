"""The matching core against plain-loop references (issue 6)."""

from __future__ import annotations

import math
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from doorstroom_match import core as core_mod
from doorstroom_match._exceptions import (
    BackendUnavailableError,
    EmptyInputError,
    LevelError,
    ValidationError,
)
from doorstroom_match.core import (
    _select_smallest,
    _select_smallest_partition,
    blocked_topk,
    cutoff_matrix,
    distance_blocks,
    distance_matrix,
    topk_by_distance,
)
from tests.strategies import core_problems, score_blocks

# every way of computing distances that can run here; the lookup tables need numba
METHODS = ["gemm"] + (["lut"] if core_mod.lut_available() else [])


# --------------------------------------------------------------------------- references
def loop_distance(levels, requirements, weights):
    """Plain loops: sum over required competences of weight * max(0, required - level)."""
    out = np.zeros((len(levels), len(requirements)))
    for i, lrow in enumerate(levels.tolist()):
        for j, (rrow, wrow) in enumerate(zip(requirements.tolist(), weights.tolist(), strict=True)):
            out[i, j] = sum(
                w * (r - lv) for lv, r, w in zip(lrow, rrow, wrow, strict=True) if r > lv
            )
    return out


def dyadic_problem(seed, n_workers, n_vacancies, n_competences):
    """Seeded levels and requirements 0..4 and weights in multiples of 1/4 (exact sums)."""
    rng = np.random.default_rng(seed)
    levels = rng.integers(0, 5, (n_workers, n_competences), dtype=np.int8)
    req = rng.integers(0, 5, (n_vacancies, n_competences), dtype=np.int8)
    wts = (rng.integers(1, 17, (n_vacancies, n_competences)) / 4).astype(np.float32)
    return levels, req, wts


def loop_passes(levels, requirements):
    """A worker passes when no required competence is below its minimum."""
    return np.array(
        [
            [
                all(r == 0 or lv >= r for lv, r in zip(lrow, rrow, strict=True))
                for rrow in requirements.tolist()
            ]
            for lrow in levels.tolist()
        ]
    )


def loop_topk(scores, k, *, largest=False, keep=None):
    """Brute force: stable sort by value (ties by lower index) over the admissible entries.

    ``min(k, n_cols)`` columns: k above the number of columns keeps them all, no padding."""
    n_rows = len(scores)
    k = min(k, np.shape(scores)[1])
    idx = np.full((n_rows, k), -1, dtype=np.int64)
    val = np.full((n_rows, k), np.nan, dtype=np.float32)
    for i, row in enumerate(np.asarray(scores, dtype=np.float64).tolist()):
        ok = [(v, j) for j, v in enumerate(row) if math.isfinite(v) and (keep is None or keep(v))]
        ok.sort(key=lambda t: (-t[0] if largest else t[0], t[1]))
        for r, (v, j) in enumerate(ok[:k]):
            idx[i, r], val[i, r] = j, v
    return idx, val


def assert_topk_equal(top, ref_idx, ref_val):
    np.testing.assert_array_equal(top.indices, ref_idx)
    np.testing.assert_array_equal(top.values, ref_val.astype(np.float32))


# --------------------------------------------------------------------------- distances
@pytest.mark.parametrize("method", METHODS)
@given(problem=core_problems(weights="any"))
def test_distance_matches_loop(problem, method):
    levels, req, wts = problem
    np.testing.assert_allclose(
        distance_matrix(levels, req, wts, method=method),
        loop_distance(levels, req, wts),
        rtol=1e-5,
        atol=1e-4,
    )


@pytest.mark.parametrize("method", METHODS)
@given(problem=core_problems())
def test_distance_exact_with_dyadic_weights(problem, method):
    levels, req, wts = problem
    np.testing.assert_array_equal(
        distance_matrix(levels, req, wts, method=method), loop_distance(levels, req, wts)
    )


@pytest.mark.parametrize("method", METHODS)
@given(problem=core_problems(weights="any"))
def test_pass_iff_distance_zero(problem, method):
    levels, req, wts = problem
    passes = loop_passes(levels, req)
    np.testing.assert_array_equal(distance_matrix(levels, req, wts, method=method) == 0, passes)
    np.testing.assert_array_equal(cutoff_matrix(levels, req), passes)


@given(core_problems(max_workers=4, max_vacancies=12, max_competences=7, weights="any"))
def test_lookup_table_kernels_as_plain_python(problem):
    """The numba kernels run unchanged as Python: the same code, checked without numba."""
    levels, req, wts = problem
    lut = core_mod._lut(levels, req, wts, jit=False)
    out = np.full((levels.shape[0], req.shape[0]), np.nan, dtype=np.float32)
    core_mod._lut_rows(lut, slice(None), out, 1, jit=False)
    np.testing.assert_allclose(out, loop_distance(levels, req, wts), rtol=1e-5, atol=1e-4)
    np.testing.assert_array_equal(out == 0, loop_passes(levels, req))


@pytest.mark.skipif("lut" not in METHODS, reason="numba (the 'fast' extra) is not installed")
def test_lookup_tables_odd_competences_column_offset_and_threads():
    levels, req, wts = dyadic_problem(3, 37, 5000, 7)
    ref = loop_distance(levels, req, wts)
    lut = core_mod._lut(levels, req, wts)
    assert lut.tables.shape == (4, 25, 5000) and lut.codes.shape == (37, 4)
    for n_jobs in (1, 2, 3):
        out = np.empty((30, 2500), dtype=np.float32)
        core_mod._lut_rows(lut, slice(5, 35), out, n_jobs, col0=2100)
        np.testing.assert_array_equal(out, ref[5:35, 2100:4600])


@pytest.mark.skipif("lut" not in METHODS, reason="numba (the 'fast' extra) is not installed")
def test_lookup_tables_from_several_threads_and_inside_the_pool():
    """Callers on several threads share the kernel pool; a call from inside it runs inline."""
    levels, req, wts = dyadic_problem(4, 50, 900, 6)
    ref = loop_distance(levels, req, wts)
    run = lambda _: distance_matrix(levels, req, wts, n_jobs=2, method="lut")  # noqa: E731
    with ThreadPoolExecutor(3) as callers:
        for got in callers.map(run, range(6)):
            np.testing.assert_array_equal(got, ref)
    nested = core_mod._shared_pool(2).submit(run, 0).result(timeout=60)
    np.testing.assert_array_equal(nested, ref)


@pytest.mark.parametrize("method", METHODS)
def test_engine_filler_takes_any_rows_with_the_tables(method):
    """The ranking by place fills workers sorted by place (rarely contiguous): the table
    filler takes an index array in one call with the bits of one call per row; the product's
    filler says it does not and is called per row (``ranking._fill_rows``)."""
    from doorstroom_match.ranking import _fill_rows

    levels, req, wts = dyadic_problem(6, 40, 700, 9)
    wts = np.exp(np.random.default_rng(6).uniform(-3, 2, wts.shape)).astype(np.float32)
    fill = core_mod.DistanceEngine(req, wts, method).filler(levels, 1)
    assert getattr(fill, "any_rows", False) == (method == "lut")
    rows = np.array([31, 2, 17, 18, 5, 39, 0])
    cols = slice(120, 650)
    one_by_one = np.empty((len(rows), 530), np.float32)
    for r, i in enumerate(rows.tolist()):
        fill(slice(i, i + 1), cols, one_by_one[r : r + 1])
    got = np.full_like(one_by_one, np.nan)
    _fill_rows(fill, rows, cols, got)
    np.testing.assert_array_equal(got, one_by_one)
    np.testing.assert_allclose(got, loop_distance(levels[rows], req[cols], wts[cols]), rtol=1e-5)


def test_lookup_tables_without_competences_give_zero():
    levels = np.zeros((2, 0), dtype=np.int8)
    req = np.zeros((3, 0), dtype=np.int8)
    lut = core_mod._lut(levels, req, np.zeros((3, 0), np.float32), jit=False)
    out = np.full((2, 3), np.nan, dtype=np.float32)
    core_mod._lut_rows(lut, slice(None), out, 1, jit=False)
    np.testing.assert_array_equal(out, 0)


def test_method_auto_picks_lookup_tables_only_when_they_fit(monkeypatch):
    expected = "lut" if "lut" in METHODS else "gemm"
    assert core_mod._resolve_method("auto", 20_000, 30) == expected
    assert core_mod._resolve_method("auto", 10**7, 30) == "gemm"  # 15 GB of tables
    assert core_mod._resolve_method("gemm", 20_000, 30) == "gemm"
    monkeypatch.setattr(core_mod, "lut_available", lambda: False)
    assert core_mod._resolve_method("auto", 20_000, 30) == "gemm"


def test_unknown_method_is_an_error():
    with pytest.raises(ValidationError, match=r"method must be one of .*got 'blas'"):
        distance_matrix(L_OK, R_OK, method="blas")
    with pytest.raises(ValidationError, match=r"method must be one of"):
        topk_by_distance(L_OK, R_OK, method="fast")


def test_lookup_tables_without_numba_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(core_mod, "lut_available", lambda: False)
    with pytest.raises(BackendUnavailableError, match=r"method='lut' needs numba.*'fast' extra"):
        distance_matrix(L_OK, R_OK, method="lut")
    np.testing.assert_array_equal(distance_matrix(L_OK, R_OK), [[1.0, 0.0]])


@given(core_problems(), st.data())
def test_raising_a_level_never_increases_a_distance(problem, data):
    levels, req, wts = problem
    i = data.draw(st.integers(0, levels.shape[0] - 1))
    c = data.draw(st.integers(0, levels.shape[1] - 1))
    new = data.draw(st.integers(int(levels[i, c]), 4))
    raised = levels.copy()
    raised[i, c] = new
    before = distance_matrix(levels, req, wts)
    after = distance_matrix(raised, req, wts)
    assert (after[i] <= before[i]).all()
    np.testing.assert_array_equal(np.delete(after, i, 0), np.delete(before, i, 0))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("n_jobs", [None, 1, 2, 3, -1])
def test_distance_matrix_threads_give_the_same_matrix(n_jobs, method):
    levels, req, wts = dyadic_problem(7, 70, 300, 9)
    np.testing.assert_array_equal(
        distance_matrix(levels, req, wts, n_jobs=n_jobs, method=method),
        loop_distance(levels, req, wts),
    )


@given(
    core_problems(max_workers=40),
    st.integers(1, 45),
    st.sampled_from([None, 1, 2]),
    st.sampled_from(METHODS),
)
def test_distance_blocks_cover_the_matrix(problem, block_rows, n_jobs, method):
    levels, req, wts = problem
    seen = []
    blocks = distance_blocks(levels, req, wts, block_rows=block_rows, n_jobs=n_jobs, method=method)
    for rows, block in blocks:
        assert block.shape == (rows.stop - rows.start, req.shape[0])
        seen.append((rows, block.copy()))
    assert [r.start for r, _ in seen] == list(range(0, levels.shape[0], block_rows))
    full = np.concatenate([b for _, b in seen])
    np.testing.assert_array_equal(full, loop_distance(levels, req, wts))


def test_distance_blocks_bad_block_rows():
    with pytest.raises(ValidationError, match=r"block_rows must be >= 1, got 0"):
        next(distance_blocks(L_OK, R_OK, block_rows=0))


def test_inputs_are_not_modified():
    levels = np.array([[1, 2], [0, 4]], dtype=np.int8)
    req = np.array([[2, 2], [4, 0], [1, 1]], dtype=np.int8)
    wts = np.ones((3, 2), dtype=np.float32)
    copies = levels.copy(), req.copy(), wts.copy()
    topk_by_distance(levels, req, wts, k=2, max_distance=1.0)
    distance_matrix(levels, req, wts)
    for a, b in zip((levels, req, wts), copies, strict=True):
        np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------- top-k
@given(
    core_problems(max_vacancies=300),
    st.integers(1, 12),
    st.one_of(st.none(), st.integers(1, 7)),
    st.one_of(st.none(), st.integers(1, 400)),
    st.sampled_from([None, 1, 2]),
)
def test_topk_equals_brute_force(problem, k, block_rows, block_cols, n_jobs):
    levels, req, wts = problem
    top = topk_by_distance(
        levels, req, wts, k=k, block_rows=block_rows, block_cols=block_cols, n_jobs=n_jobs
    )
    assert_topk_equal(top, *loop_topk(loop_distance(levels, req, wts), k))


@given(
    # up to 8 pairs of competences: the first two, one run of four, the rest one at a time
    core_problems(max_workers=5, max_vacancies=40, max_competences=16, weights="any"),
    st.integers(1, 12),
    st.sampled_from([None, 0.0, 0.1, 1.0, 2.25, 1e39]),
    st.sampled_from([1, 3, 64]),
)
def test_fused_topk_kernel_as_plain_python(problem, k, max_distance, step):
    """The fused kernel, run as Python, selects the same entries as brute force over the
    table kernel's distances (same summation, so equal bits), in passes of any width."""
    levels, req, wts = problem
    lut = core_mod._lut(levels, req, wts, jit=False)
    dist = np.empty((levels.shape[0], req.shape[0]), dtype=np.float32)
    core_mod._lut_rows(lut, slice(None), dist, 1, jit=False)
    bound = (
        core_mod._FMAX
        if max_distance is None
        else np.float32(min(max_distance, float(core_mod._FMAX)))
    )
    kk = min(k, req.shape[0])
    idx = np.full((levels.shape[0], kk), -1, dtype=np.int64)
    val = np.full((levels.shape[0], kk), np.nan, dtype=np.float32)
    core_mod._lut_topk_kernel(lut.tables, lut.codes, req.shape[0], step, bound, idx, val)
    ref = loop_topk(dist, k, keep=lambda v: v <= bound)
    assert_topk_equal(core_mod.TopK(idx, val), *ref)


@pytest.mark.parametrize("n_comp", [3, 4, 9, 11, 12, 13])
def test_fused_topk_kernel_sums_like_the_table_kernel(n_comp):
    """With k = every vacancy the fused kernel returns every distance: the same bits as the
    table kernel's, in plain Python, for the first pair, runs of four and the rest one at a
    time (float32 sums of weights that are not dyadic: any other order rounds differently)."""
    rng = np.random.default_rng(n_comp)
    levels = rng.integers(0, 2, (6, n_comp), dtype=np.int8)
    req = rng.integers(2, 5, (150, n_comp), dtype=np.int8)
    wts = np.exp(rng.uniform(-3, 2, (150, n_comp))).astype(np.float32)
    lut = core_mod._lut(levels, req, wts, jit=False)
    dist = np.empty((6, 150), dtype=np.float32)
    core_mod._lut_rows(lut, slice(None), dist, 1, jit=False)
    idx = np.full((6, 150), -1, dtype=np.int64)
    val = np.full((6, 150), np.nan, dtype=np.float32)
    core_mod._lut_topk_kernel(lut.tables, lut.codes, 150, 64, core_mod._FMAX, idx, val)
    np.testing.assert_array_equal(val, np.take_along_axis(dist, idx, axis=1))
    np.testing.assert_array_equal(np.sort(idx, axis=1), np.broadcast_to(np.arange(150), idx.shape))


@pytest.mark.skipif("lut" not in METHODS, reason="numba (the 'fast' extra) is not installed")
@pytest.mark.parametrize("n_comp", [1, 2, 7, 30])
def test_fused_topk_equals_the_blocked_path(n_comp):
    """Default blocks take the fused kernel, explicit blocks the score-block path: the same
    bits across thresholds, ties, k beyond the vacancies, tiles, passes and threads."""
    rng = np.random.default_rng(n_comp)
    n_w, n_v = 1100, 2600  # several row tiles of 512 and column passes of 1024
    levels = rng.integers(0, 5, (n_w, n_comp), dtype=np.int8)
    levels[:40] = 4  # strong workers: rows of ties at distance 0
    req = np.where(rng.random((n_v, n_comp)) < 0.4, rng.integers(1, 5, (n_v, n_comp)), 0)
    req = req.astype(np.int8)
    wts = np.exp(rng.uniform(-3, 2, (n_v, n_comp))).astype(np.float32)  # order-sensitive sums
    for k, md in [(10, None), (10, 0.0), (7, 0.3), (25, 2.0), (n_v + 5, 1.0), (1, 1e39)]:
        blocked = topk_by_distance(
            levels, req, wts, k=k, max_distance=md, n_jobs=1, block_cols=n_v, method="lut"
        )
        for n_jobs in (1, 2, 3):
            fused = topk_by_distance(levels, req, wts, k=k, max_distance=md, n_jobs=n_jobs)
            np.testing.assert_array_equal(fused.indices, blocked.indices)
            np.testing.assert_array_equal(fused.values, blocked.values)
    if n_comp == 7:  # a k above the fused kernel's limit takes the score-block path
        calls = []
        real = core_mod._lut_topk
        try:
            core_mod._lut_topk = lambda *a, **kw: calls.append(a[1]) or real(*a, **kw)
            for big in (core_mod._LUT_TOPK_MAX_K, core_mod._LUT_TOPK_MAX_K + 1):
                got = topk_by_distance(levels, req, wts, k=big, max_distance=2.0, n_jobs=2)
                ref = topk_by_distance(
                    levels, req, wts, k=big, max_distance=2.0, block_cols=n_v, method="lut"
                )
                np.testing.assert_array_equal(got.indices, ref.indices)
                np.testing.assert_array_equal(got.values, ref.values)
        finally:
            core_mod._lut_topk = real
        assert calls == [core_mod._LUT_TOPK_MAX_K]
    nested = core_mod._shared_pool(2).submit(  # from inside the pool: runs inline
        topk_by_distance, levels, req, wts, k=k, max_distance=md, n_jobs=2
    )
    np.testing.assert_array_equal(nested.result(timeout=60).indices, blocked.indices)


@given(
    core_problems(max_vacancies=300),
    st.integers(1, 5),
    st.sampled_from([0.0, 0.5, 1.0, 2.25, 7.0, np.inf]),
    st.one_of(st.none(), st.integers(1, 100)),
)
def test_topk_max_distance_filters(problem, k, max_distance, block_cols):
    levels, req, wts = problem
    top = topk_by_distance(levels, req, wts, k=k, max_distance=max_distance, block_cols=block_cols)
    ref = loop_topk(loop_distance(levels, req, wts), k, keep=lambda v: v <= max_distance)
    assert_topk_equal(top, *ref)
    assert ((top.indices >= 0) == np.isfinite(top.values)).all()


def test_topk_cutoff_beyond_float32_keeps_every_distance_without_a_warning():
    levels, req, wts = dyadic_problem(8, 3, 6, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's "overflow encountered in cast" included
        for k, cols in ((10, None), (3, 6), (2, 2)):  # k >= columns: the reference path
            top = topk_by_distance(levels, req, wts, k=k, max_distance=1e39, block_cols=cols)
            assert_topk_equal(top, *loop_topk(loop_distance(levels, req, wts), k))


def test_topk_zero_max_distance_keeps_passing_pairs_only():
    levels = np.array([[3, 3]], dtype=np.int8)
    req = np.array([[4, 0], [3, 3], [1, 0], [2, 4]], dtype=np.int8)
    top = topk_by_distance(levels, req, k=3, max_distance=0)
    np.testing.assert_array_equal(top.indices, [[1, 2, -1]])
    np.testing.assert_array_equal(top.values, [[0.0, 0.0, np.nan]])


def test_topk_fast_path_on_a_larger_problem():
    """Enough columns for the group-minimum prefilter, with many tied distances."""
    rng = np.random.default_rng(5)
    levels = rng.integers(0, 5, (70, 8), dtype=np.int8)
    req = np.where(rng.random((3000, 8)) < 0.4, rng.integers(1, 5, (3000, 8)), 0).astype(np.int8)
    wts = (rng.integers(1, 9, (3000, 8)) / 4).astype(np.float32)
    dist = loop_distance(levels, req, wts)
    for k, md in [(10, None), (3, 1.5), (25, 0.0)]:
        ref = loop_topk(dist, k, keep=None if md is None else (lambda v, md=md: v <= md))
        for n_jobs in (1, 2):
            for method in METHODS:
                top = topk_by_distance(
                    levels, req, wts, k=k, max_distance=md, n_jobs=n_jobs, method=method
                )
                assert_topk_equal(top, *ref)


@given(score_blocks(), st.integers(1, 12), st.sampled_from([None, -1.0, 0.0, 2.5, 1e9]))
def test_select_smallest_equals_reference(block, k, max_value):
    keep = None if max_value is None else (lambda v: v <= max_value)
    idx, val = _select_smallest(block, min(k, block.shape[1]), max_value=max_value)
    ref_idx, ref_val = loop_topk(block, min(k, block.shape[1]), keep=keep)
    found = np.isfinite(val)
    np.testing.assert_array_equal(np.where(found, idx, -1), ref_idx)
    np.testing.assert_array_equal(np.where(found, val, np.nan), ref_val)


@pytest.mark.parametrize("case", ["ties_at_min", "below_and_ties", "late_ties", "specials"])
@pytest.mark.parametrize("k", [1, 10, 40])
def test_select_smallest_tie_heavy_rows(case, k):
    """Rows where most entries tie (a strong worker passes most vacancies): the tie path."""
    rng = np.random.default_rng(11)
    n_cols = 20_000
    block = rng.integers(1, 200, size=(12, n_cols)).astype(np.float32) / 4
    tied = rng.random(block.shape) < 0.3
    if case == "late_ties":  # no ties in the first columns: the searched prefix must grow
        tied[:, :9000] = False
        tied[::2, :19_990] = False
    block[tied] = 0.0
    if case == "below_and_ties":  # a few entries below the many ties
        block[tied] = 1.0
        block[:, rng.integers(0, n_cols, 5)] = 0.5
    if case == "specials":
        block[:, 3::97] = np.nan
        block[:, 5::89] = -np.inf
        block[:, 7::83] = np.inf
        block[0] = -0.0
    for max_value in (None, 0.0, 1.0):
        keep = None if max_value is None else (lambda v, m=max_value: v <= m)
        idx, val = _select_smallest(block, k, max_value=max_value)
        ref_idx, ref_val = loop_topk(block, k, keep=keep)
        found = np.isfinite(val)
        np.testing.assert_array_equal(np.where(found, idx, -1), ref_idx)
        np.testing.assert_array_equal(np.where(found, val, np.nan), ref_val)


def test_partition_reference_breaks_ties_by_lower_index():
    block = np.array([[1, 0, 1, 0, 1, 0]], dtype=np.float32)
    idx, val = _select_smallest_partition(block, 4)
    np.testing.assert_array_equal(idx, [[1, 3, 5, 0]])
    np.testing.assert_array_equal(val, [[0, 0, 0, 1]])


@given(
    score_blocks(max_rows=9),
    st.integers(1, 6),
    st.booleans(),
    st.one_of(st.none(), st.integers(1, 4)),
    st.one_of(st.none(), st.integers(1, 150)),
    st.sampled_from([1, 2, 3]),
    st.sampled_from([None, 0.0, 1.5]),
)
def test_blocked_topk_equals_brute_force(block, k, largest, block_rows, block_cols, n_jobs, thr):
    def keep(v):
        return thr is None or (v >= thr if largest else v <= thr)

    top = blocked_topk(
        lambda r, c: block[r, c],
        *block.shape,
        k,
        largest=largest,
        block_rows=block_rows,
        block_cols=block_cols,
        threshold=thr,
        n_jobs=n_jobs,
    )
    assert_topk_equal(top, *loop_topk(block, k, largest=largest, keep=keep))


def test_blocked_topk_does_not_modify_the_block():
    block = np.array([[np.nan, 2, -np.inf, 1] * 100], dtype=np.float32)
    copy = block.copy()
    blocked_topk(lambda r, c: block[r, c], 1, 400, 3)
    blocked_topk(lambda r, c: block[r, c], 1, 400, 3, largest=True)
    np.testing.assert_array_equal(block, copy)


def test_blocked_topk_restores_blas_threads():
    import threadpoolctl  # required through scikit-learn

    before = [i["num_threads"] for i in threadpoolctl.threadpool_info()]
    block = np.arange(4000, dtype=np.float32).reshape(40, 100)
    blocked_topk(lambda r, c: block[r, c], 40, 100, 2, block_rows=3, n_jobs=2)
    assert [i["num_threads"] for i in threadpoolctl.threadpool_info()] == before


# --------------------------------------------------------------------------- bad input
L_OK = np.array([[1, 2]], dtype=np.int8)
R_OK = np.array([[2, 2], [1, 0]], dtype=np.int8)


@pytest.mark.parametrize(
    ("levels", "req", "wts", "exc", "match"),
    [
        ([[1, 5]], R_OK, None, LevelError, r"levels contains \S*5\)?; levels must be in 0\.\.4"),
        ([[1, -1]], R_OK, None, LevelError, r"levels contains \S*-1"),
        ([[1, 2.5]], R_OK, None, LevelError, r"levels contains fractional values"),
        ([[1, np.nan]], R_OK, None, LevelError, r"levels contains NaN"),
        (L_OK, [[5, 0], [1, 0]], None, LevelError, r"requirements contains \S*5"),
        ([1, 2], R_OK, None, ValidationError, r"levels must be a 2-d array, got shape \(2,\)"),
        ([["a", "b"]], R_OK, None, ValidationError, r"levels must hold integer levels"),
        ([[True, False]], R_OK, None, ValidationError, r"levels must hold integer levels"),
        ([[1, 2, 3]], R_OK, None, ValidationError, r"same number of competences, got 3 and 2"),
        (L_OK, R_OK, [[1, -1], [1, 1]], ValidationError, r"weights must be >= 0, got \S*-1"),
        (L_OK, R_OK, [[1, np.nan], [1, 1]], ValidationError, r"weights must be finite"),
        (L_OK, R_OK, [[1, 1]], ValidationError, r"weights must have shape \(2, 2\), got \(1, 2\)"),
    ],
)
def test_bad_input_raises(levels, req, wts, exc, match):
    for fn in (distance_matrix, topk_by_distance):
        with pytest.raises(exc, match=match):
            fn(levels, req, wts)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"k": 0}, ValidationError, r"k must be >= 1, got 0"),
        ({"k": 2.5}, ValidationError, r"k must be an integer, got 2\.5"),
        ({"max_distance": -1}, ValidationError, r"max_distance must be >= 0\.0, got -1"),
        ({"max_distance": float("nan")}, ValidationError, r"max_distance must be a finite number"),
        ({"max_distance": "2"}, ValidationError, r"max_distance must be a finite number"),
        ({"n_jobs": 0}, ValidationError, r"n_jobs must be a positive number of threads"),
        ({"n_jobs": "x"}, ValidationError, r"n_jobs must be an integer"),
    ],
)
def test_bad_topk_arguments_raise(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        topk_by_distance(L_OK, R_OK, **kwargs)


def test_bad_n_jobs_for_distance_matrix():
    with pytest.raises(ValidationError, match=r"n_jobs must be a positive number of threads"):
        distance_matrix(L_OK, R_OK, n_jobs=0)
    with pytest.raises(ValidationError, match=r"n_jobs must be an integer, got 1\.5"):
        distance_matrix(L_OK, R_OK, n_jobs=1.5)


@pytest.mark.parametrize(
    ("levels", "req"),
    [(np.zeros((0, 2), np.int8), R_OK), (L_OK, np.zeros((0, 2), np.int8))],
)
def test_empty_input_raises(levels, req):
    with pytest.raises(EmptyInputError, match=r"top-k needs at least one row and one column"):
        topk_by_distance(levels, req)


def test_blocked_topk_bad_arguments():
    def block(r, c):
        return np.zeros((r.stop - r.start, c.stop - c.start), np.float32)

    with pytest.raises(EmptyInputError, match=r"got 0 x 3"):
        blocked_topk(block, 0, 3, 1)
    with pytest.raises(ValidationError, match=r"k must be >= 1"):
        blocked_topk(block, 2, 3, 0)
    with pytest.raises(ValidationError, match=r"threshold must be a finite number"):
        blocked_topk(block, 2, 3, 1, threshold=float("nan"))


def test_validation_errors_are_value_errors():
    with pytest.raises(ValueError, match=r"levels contains \S*5"):
        distance_matrix([[5]], [[1]])


# --------------------------------------------------------------------------- large (slow)
@pytest.mark.slow
def test_goal_size_topk_memory_bounded_and_exact_on_sampled_rows():
    """25,000 x 100,000 with top-10 stays far below 2 GB; sampled rows match a stable sort."""
    import tracemalloc

    from benchmarks.core import make_data, reference_topk

    levels, req, wts = make_data(25_000, 100_000, 30, seed=0)
    tracemalloc.start()
    top = topk_by_distance(levels, req, wts, k=10, max_distance=2.0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 2 * 2**30
    rows = np.random.default_rng(0).choice(25_000, 50, replace=False)
    ref_idx, ref_val = reference_topk(distance_matrix(levels[rows], req, wts), 10, 2.0)
    np.testing.assert_array_equal(top.indices[rows], ref_idx)
    np.testing.assert_array_equal(top.values[rows], ref_val)
