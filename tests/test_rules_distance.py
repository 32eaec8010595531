"""The distance rule, from its wording, for every small case.

README "Distance": for every competence below its minimum, the number of levels missing, times
the weight of that competence; distance 0 means the worker passes. A competence never rated
(level 0) demonstrates nothing; a requirement 0 means "not required". The references below are
plain loops over that sentence; the cases are every pair of (level, requirement) in 0..4.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from doorstroom_match.core import (
    cutoff_matrix,
    distance_matrix,
    level_features,
    pair_shortfall,
    requirement_features,
    shortfall_matrix,
)

PAIRS = list(itertools.product(range(5), repeat=2))  # (level, required), 0..4 each


def shortfall(level: int, required: int) -> int:
    return required - level if required > 0 and level < required else 0


def test_shortfall_and_pair_distance_for_every_level_and_requirement():
    levels = np.array([lv for lv, _ in PAIRS], dtype=np.int8)
    required = np.array([[rq for _, rq in PAIRS]], dtype=np.int8)
    weights = np.array([[1.5 if i % 2 else 1.0 for i in range(len(PAIRS))]], dtype=np.float32)
    want = [shortfall(lv, rq) for lv, rq in PAIRS]
    got = shortfall_matrix(levels, required)
    assert got.dtype == np.int8 and got.shape == (1, len(PAIRS))
    assert got[0].tolist() == want
    sf, dist = pair_shortfall(levels, required[0], weights[0])
    assert sf.tolist() == want
    assert dist == pytest.approx(sum(s * w for s, w in zip(want, weights[0].tolist(), strict=True)))
    # many vacancies at once: one row each
    req = np.array([[rq] for _, rq in PAIRS], dtype=np.int8)
    for lv in range(5):
        col = shortfall_matrix(np.array([lv], dtype=np.int8), req)[:, 0]
        assert col.tolist() == [shortfall(lv, rq) for _, rq in PAIRS]


def test_threshold_features_multiply_to_the_distance():
    # one competence per column; every (level, required) pair, weights 1, 1.5 and 2
    levels = np.array([[lv] for lv in range(5)], dtype=np.int8)
    req = np.array([[rq] for rq in range(5)], dtype=np.int8)
    for w in (1.0, 1.5, 2.0):
        wts = np.full(req.shape, w, dtype=np.float32)
        lf, rf = level_features(levels), requirement_features(req, wts)
        assert lf.shape == (5, 4) and rf.shape == (5, 4)
        assert lf.dtype == np.float32 and rf.dtype == np.float32
        want = np.array([[w * shortfall(lv, rq) for rq in range(5)] for lv in range(5)])
        np.testing.assert_array_equal(lf @ rf.T, want)
        np.testing.assert_array_equal(distance_matrix(levels, req, wts), want)
    # block t-1 of the level features is [level < t]; of the requirements weight * [req >= t]
    assert level_features(np.array([[0, 2]]))[0].tolist() == [1, 0, 1, 0, 1, 1, 1, 1]
    rf = requirement_features(np.array([[3, 0]]), np.array([[2.0, 5.0]]))
    assert rf[0].tolist() == [2, 0, 2, 0, 2, 0, 0, 0]


def test_cutoff_is_no_required_competence_below_its_minimum():
    rng = np.random.default_rng(4)
    levels = rng.integers(0, 5, size=(30, 4))
    req = rng.integers(0, 5, size=(25, 4))
    want = np.array(
        [
            [all(lv >= rq for lv, rq in zip(w, v, strict=True) if rq > 0) for v in req]
            for w in levels
        ]
    )
    np.testing.assert_array_equal(cutoff_matrix(levels, req), want)
    assert want.any() and not want.all()


@pytest.mark.parametrize("n_comp", [1, 2, 3, 6, 7, 11])
@pytest.mark.parametrize("step", [1, 3, 64])
def test_lookup_table_kernels_as_plain_python_in_column_passes(n_comp, step):
    """The lookup-table kernels (run as the plain Python they are written in) give the
    distance of the rule, for any number of competences (pairs, a lone last one, groups of
    four) and any column pass width, also starting at a column offset."""
    from doorstroom_match.core import _lut, _lut_fill_kernel

    rng = np.random.default_rng(n_comp)
    levels = rng.integers(0, 5, size=(4, n_comp)).astype(np.int8)
    req = rng.integers(0, 5, size=(10, n_comp)).astype(np.int8)
    wts = rng.choice([1.0, 1.5, 2.0], size=req.shape).astype(np.float32)
    want = np.array(
        [
            [
                sum(w * shortfall(lv, rq) for lv, rq, w in zip(lw, rv, wv, strict=True))
                for rv, wv in zip(req, wts, strict=True)
            ]
            for lw in levels
        ],
        dtype=np.float32,
    )
    lut = _lut(levels, req, wts, jit=False)
    out = np.full((4, 10), np.nan, dtype=np.float32)
    _lut_fill_kernel(lut.tables, lut.codes, out, 0, step)
    np.testing.assert_allclose(out, want, rtol=1e-6)
    part = np.full((4, 7), np.nan, dtype=np.float32)
    _lut_fill_kernel(lut.tables, lut.codes, part, 3, step)  # vacancies 3..9
    np.testing.assert_allclose(part, want[:, 3:], rtol=1e-6)


def test_pair_distance_is_the_float32_distance_of_the_matrix():
    # an explanation must show the very distance the ranking used: float32, not float64
    levels, req, wts = np.array([1, 4]), np.array([4, 2]), np.array([0.1, 0.7])
    _, dist = pair_shortfall(levels, req, wts)
    assert dist == float(np.float32(3) * np.float32(0.1))
    assert dist == float(distance_matrix(levels[None, :], req[None, :], wts[None, :])[0, 0])
