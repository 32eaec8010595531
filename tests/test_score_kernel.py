"""The fused score block (``doorstroom_match/_score.py``) against the numpy block (issue 17).

``Matcher._topk`` scores a block of workers x vacancies either with the numpy expression of
every signal and mask (the reference, also the path without numba) or with one compiled
kernel per block. The scores must have the same bits, so the rankings, the ties and the
weekly increment do not depend on which one ran.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstroom_match import RankingWeights, Vacancy, WorkerProfile
from doorstroom_match._score import (
    column_bits,
    compiled_kernel,
    row_bits,
    score_block,
    score_block_kernel,
)
from doorstroom_match.ranking import Matcher, as_vacancies, as_workers
from doorstroom_match.synthetic import generate_sample

from ._topk_paths import topk_with
from .strategies import competence_maps


@pytest.fixture(scope="module")
def sample():
    workers, vacancies, places = generate_sample(60, 700, 30, 7)
    return as_workers(workers), as_vacancies(vacancies + places)


def _both(matcher, wks, top, *, far=False, exclude=None, subset=None):
    """(fused, numpy) top-k of the same context."""
    kw = {"far": far, "exclude": exclude, "subset": subset}
    return [topk_with(matcher, wks, top, fused=f, **kw) for f in (True, False)]


def _same(a, b):
    assert np.array_equal(a.indices, b.indices)
    # bit for bit, NaN (no vacancy) in the same places
    assert np.array_equal(a.values.view(np.uint32), b.values.view(np.uint32))


CASES = {
    "default": {},
    "commute 12 km": {"max_km": 12.0},
    "no commute limit, cut-off required": {"max_km": None, "require_cutoff": True},
    "no text, no occupations, a hard competence": {
        "text": None,
        "occupations": None,
        "hard_competences": ("taalkennis_nederlands",),
    },
    "internships only": {"kinds": ("tbs", "bvs", "enclave"), "max_km": 8.0},
    "weights of every sign": {
        "weights": RankingWeights(regime=0.7, limits=0.3, text=0.5, occupation=0.9, cutoff=0.25)
    },
    "high-skill rule off": {"high_skill_rule": False},
}


def test_the_kernel_is_compiled_where_numba_is_installed():
    pytest.importorskip("numba", reason="needs the 'fast' extra (numba)")
    assert compiled_kernel() is not None


@pytest.mark.parametrize("params", list(CASES.values()), ids=list(CASES))
def test_fused_block_equals_the_numpy_block(sample, params):
    pytest.importorskip("numba", reason="needs the 'fast' extra (numba)")
    wks, vacs = sample
    matcher = Matcher(**params).fit(vacs)
    exclude = {wks[0].id: [vacs[0].id, vacs[5].id], wks[3].id: [v.id for v in vacs[:300]]}
    fused, plain = _both(matcher, wks, 15, exclude=exclude)
    _same(fused, plain)
    assert np.isfinite(fused.values).any()
    # the far list (beyond the commute limit) always takes the numpy block
    _same(*_both(matcher, wks, 5, far=True))


def test_fused_block_of_a_restricted_matcher_and_a_subset_of_workers(sample):
    # the weekly increment ranks some workers against some vacancies only
    pytest.importorskip("numba", reason="needs the 'fast' extra (numba)")
    wks, vacs = sample
    matcher = Matcher().fit(vacs)
    cols = np.arange(3, len(vacs), 4)
    sub = matcher._restricted(cols)
    subset = np.arange(1, len(wks), 3)
    _same(*_both(sub, wks, 10, subset=subset))
    # and each pair scores the same bits as in the whole Matcher
    ctx = matcher._worker_context(wks, None)
    whole = matcher._topk(ctx, len(vacs), far=False)
    part = sub._topk(sub._worker_context(wks, None), len(cols), far=False)
    for i in range(len(wks)):
        got = {
            int(cols[j]): v for j, v in zip(part.indices[i], part.values[i], strict=True) if j >= 0
        }
        want = {int(j): v for j, v in zip(whole.indices[i], whole.values[i], strict=True) if j >= 0}
        assert all(want[j] == v for j, v in got.items())


@st.composite
def _problems(draw):
    n_w = draw(st.integers(1, 5))
    n_v = draw(st.integers(1, 25))
    postcodes = st.sampled_from(["9000", "2000", "3500", "8500", "1000", "9999", None])
    wks = [
        WorkerProfile(
            f"W{i}",
            draw(competence_maps()),
            postcode=draw(postcodes),
            regime=draw(st.sampled_from(["voltijds", "deeltijds", None])),
            max_commute_km=draw(st.sampled_from([None, 5.0, 30.0, 80.0])),
            job_target=draw(st.sampled_from(["magazijnier", "kok", "", "boekhouder"])),
        )
        for i in range(n_w)
    ]
    weight = st.sampled_from([0.1, 0.3, 1.0, 1 / 3, 2.9])
    vacs = []
    for j in range(n_v):
        req = draw(competence_maps(max_size=6))
        vacs.append(
            Vacancy(
                f"V{j:02d}",
                draw(st.sampled_from(["magazijnier", "kok", "arts", "schoonmaker", "kok"])),
                kind=draw(st.sampled_from(["vacancy", "tbs", "bvs", "enclave"])),
                requirements=req,
                weights={c: draw(weight) for c in req},
                postcode=draw(postcodes),
                regime=draw(st.sampled_from(["voltijds", "deeltijds", None])),
            )
        )
    params = {
        "max_km": draw(st.sampled_from(["worker", 10.0, None])),
        "require_cutoff": draw(st.booleans()),
        "text": draw(st.sampled_from(["tfidf", None])),
    }
    return wks, vacs, draw(st.integers(1, 8)), params


@settings(max_examples=40, deadline=None)
@given(_problems())
def test_fused_block_equals_the_numpy_block_for_any_small_problem(problem):
    pytest.importorskip("numba", reason="needs the 'fast' extra (numba)")
    wks, vacs, top, params = problem
    matcher = Matcher(**params).fit(vacs)
    _same(*_both(matcher, wks, top))


def test_kernel_as_plain_python_equals_the_compiled_kernel():
    # the kernel's source is what runs without numba (and under mutation testing)
    pytest.importorskip("numba", reason="needs the 'fast' extra (numba)")
    rng = np.random.default_rng(3)
    n_r, n_c, n_t, n_o = 7, 40, 9, 6
    d = rng.choice(np.array([0, 0, 0.5, 1, 2.25], np.float32), (n_r, n_c))
    cols = column_bits(*(rng.random((5, n_c)) < [[0.2], [0.9], [0.5], [0.4], [0.3]]))
    rows = row_bits(*(rng.random((3, n_r)) < [[0.5], [0.5], [0.5]]))
    args = {
        "tsim": rng.uniform(-0.2, 1.1, (n_r, n_t)).astype(np.float32),
        "tinv": rng.integers(0, n_t, n_c),
        "aff": rng.uniform(0.0, 1.3, (n_r, n_o)).astype(np.float32),
        "oinv": rng.integers(0, n_o, n_c),
        "near": (rng.random((n_r, 5)) < 0.6).astype(np.uint8),
        "ninv": rng.integers(0, 5, n_c),
        "require_cutoff": True,
        "weights": np.array([1.0, 0.3, 0.5, 0.4, 0.2, 0.6, 0.5], np.float32),
    }
    iw = rng.uniform(0, 1, n_c).astype(np.float32)
    kb = rng.choice(np.array([0, 0.1], np.float32), n_c)
    for drop in ((), ("tsim", "tinv"), ("aff", "oinv"), ("near", "ninv")):
        kw = {**args, **{k: None for k in drop}}
        for rc in (True, False):
            kw["require_cutoff"] = rc
            plain = score_block(score_block_kernel, d, iw, kb, cols, rows, **kw)
            fast = score_block(compiled_kernel(), d, iw, kb, cols, rows, **kw)
            assert np.array_equal(plain.view(np.uint32), fast.view(np.uint32))
            assert np.isneginf(plain).any() and np.isfinite(plain).any()


def test_kernel_against_the_rule_written_out_for_one_pair():
    # one worker, one vacancy: the weighted sum of the signals, by hand
    w = np.array([1.0, 0.25, 0.5, 0.75, 0.125, 0.375, 0.5], np.float32)
    d = np.array([[0.0]], np.float32)

    def one(col_flags, row_flags, tsim=0.5, aff=2.0, near=1, rc=False):
        return score_block(
            score_block_kernel,
            d,
            np.array([0.5], np.float32),
            np.array([0.125], np.float32),
            column_bits(*[np.array([f]) for f in col_flags]),
            row_bits(*[np.array([f]) for f in row_flags]),
            tsim=np.array([[tsim]], np.float32),
            tinv=np.zeros(1, np.int64),
            aff=np.array([[aff]], np.float32),
            oinv=np.zeros(1, np.int64),
            near=np.array([[near]], np.uint8),
            ninv=np.zeros(1, np.int64),
            require_cutoff=rc,
            weights=w,
        )[0, 0]

    # passed (distance 0): fit 1, cut-off bonus, kind bonus, text 0.5, occupation capped at 1
    plain = 1.0 + 0.25 + 0.125 + 0.5 * 0.5 + 0.75 * 1.0
    cols = (False, True, False, False, False)  # requirements known, allowed
    assert one(cols, (False, False, False)) == np.float32(plain)
    # a part-time worker and a full-time job; a limited worker and a physical job
    full_phys = (False, True, True, True, False)
    assert one(full_phys, (True, True, False)) == np.float32(plain - 0.125 - 0.375)
    # unknown requirements: fit 0.5 and no cut-off bonus
    unknown = (True, True, False, False, False)
    assert one(unknown, (False,) * 3) == np.float32(0.5 + 0.125 + 0.25 + 0.75)
    # text below 0 counts as 0
    assert one(cols, (False,) * 3, tsim=-0.3) == np.float32(1.0 + 0.25 + 0.125 + 0.75)
    # never suggested: not allowed; a high-skill job for a low-skill target; out of reach
    assert one((False, False, False, False, False), (False,) * 3) == -np.inf
    assert one((False, True, False, False, True), (False, False, True)) == -np.inf
    assert one(cols, (False,) * 3, near=0) == -np.inf
    # (an unknown postcode on either side is within reach: ``near`` is 1, see test_reach.py)


def test_benchmark_score_block_runs_and_checks_identity():
    pytest.importorskip("numba", reason="needs the 'fast' extra (numba)")
    import argparse

    from benchmarks.score_block import run

    res = run(argparse.Namespace(workers=40, vacancies=1200, top=10, seed=3, repeat=1, json=False))
    assert res["identical_topk"] and res["identical_opening"]
    assert set(res["seconds"]) == {
        "topk_numpy",
        "topk_fused_every_pair",
        "topk_fused",
        "opening_two_passes",
        "opening_kernel_every_pair",
        "opening_kernel",
    }
    assert res["pairs"] == 40 * 1200


def test_given_target_vectors_score_as_encoding_them(sample):
    # the weekly batch hands the workers' target vectors from its embedding cache (encoded
    # once per distinct target); the rest are encoded in the block, the same bits either way
    wks, vacs = sample
    matcher = Matcher().fit(vacs)
    plain = matcher._topk(matcher._worker_context(wks, None), 10, far=False)
    targets = sorted({w.job_target for w in wks if w.job_target and w.job_target.strip()})
    assert len(targets) > 3
    half = targets[::2]
    matcher._target_vectors = dict(zip(half, matcher.encoder_.encode(half), strict=True))
    given = matcher._topk(matcher._worker_context(wks, None), 10, far=False)
    _same(given, plain)
