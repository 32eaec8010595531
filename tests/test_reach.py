"""The place-ordered ranking within the commute limit (``doorstroom_match/reach.py``, issue 17).

The ranking scores a block of neighbouring workers only against the vacancies they can reach.
It must give the very lists of the unpruned ranking: the same columns, the same score bits,
ties broken by the lower input column, unknown postcodes within everyone's reach.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstroom_match import Vacancy, WorkerProfile
from doorstroom_match.geo import cos_limit, postcode_coordinates, unit_inner, unit_vectors
from doorstroom_match.ranking import Matcher, as_vacancies, as_workers
from doorstroom_match.reach import (
    ReachIndex,
    hilbert_keys,
    near_runs,
    place_runs,
    select_smallest_by,
    worker_order,
)
from doorstroom_match.synthetic import generate_sample

from ._topk_paths import topk_with

#: Flemish postcodes of the bundled table, and one the table does not know.
POSTCODES = ["9000", "9050", "9300", "2000", "2800", "3000", "8000", "8500", "3500", "1000"]
UNKNOWN = "0999"


def _xyz(codes):
    return unit_vectors(postcode_coordinates(codes))


def _both(matcher, wks, top, *, exclude=None, subset=None):
    """(pruned, unpruned) top-k of the same workers."""
    kw = {"exclude": exclude, "subset": subset}
    return [topk_with(matcher, wks, top, reach=r, **kw) for r in (True, False)]


def _numpy(matcher, wks, top, *, exclude=None, subset=None):
    return topk_with(matcher, wks, top, exclude=exclude, subset=subset, fused=False)


def _same(a, b):
    assert np.array_equal(a.indices, b.indices)
    assert np.array_equal(a.values.view(np.uint32), b.values.view(np.uint32))


# ----------------------------------------------------------------------------- pieces
def test_unit_inner_has_the_same_bits_whatever_the_block():
    rng = np.random.default_rng(0)
    a = _xyz(rng.choice(POSTCODES, 37))
    b = _xyz(rng.choice(POSTCODES, 53))
    whole = unit_inner(a, b)
    by_row = np.vstack([unit_inner(a[i : i + 1], b) for i in range(len(a))])
    by_col = np.hstack([unit_inner(a, b[j : j + 1]) for j in range(len(b))])
    assert np.array_equal(whole.view(np.uint64), by_row.view(np.uint64))
    assert np.array_equal(whole.view(np.uint64), by_col.view(np.uint64))
    i, j = 3, 7
    assert whole[i, j] == (a[i, 0] * b[j, 0] + a[i, 1] * b[j, 1]) + a[i, 2] * b[j, 2]


def test_hilbert_keys_are_local_and_mark_unknown_places():
    xyz = _xyz(["9000", "9000", "9050", "8000", UNKNOWN])
    keys = hilbert_keys(xyz)
    assert keys[0] == keys[1]  # one place, one key
    assert keys[4] == -1
    # Gent and Gentbrugge lie closer on the curve than Gent and Brugge, on a map of all three
    assert abs(keys[0] - keys[2]) < abs(keys[0] - keys[3])


def test_place_runs_group_vacancies_of_one_place():
    codes = ["9000", UNKNOWN, "2000", "9000", None, "2000", "3000"]
    xyz = _xyz(codes)
    run_of, run_xyz, unknown = place_runs(xyz)
    assert len(run_xyz) == 4  # Gent, Antwerpen, Leuven, unknown
    assert run_of[0] == run_of[3] and run_of[2] == run_of[5] and run_of[1] == run_of[4]
    assert unknown[run_of[1]] and unknown.sum() == 1
    known = ~np.isnan(xyz[:, 0])
    assert np.array_equal(run_xyz[run_of[known]], xyz[known])  # the very bits


def test_reach_index_orders_places_in_runs_with_input_order_inside():
    rng = np.random.default_rng(1)
    codes = list(rng.choice([*POSTCODES, UNKNOWN], 200))
    index = ReachIndex(_xyz(codes))
    assert sorted(index.perm.tolist()) == list(range(200))
    assert index.starts[0] == 0 and index.stops[-1] == 200
    assert np.array_equal(index.starts[1:], index.stops[:-1])
    placed = [codes[j] for j in index.perm]
    for a, b in zip(index.starts, index.stops, strict=True):
        run = index.perm[a:b]
        assert len({placed[j] for j in range(a, b)}) == 1  # one place per run
        assert np.all(np.diff(run) > 0)  # input order inside a run
    assert index.always[0] and placed[0] == UNKNOWN  # the unknown place first


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    n_rows=st.integers(1, 12),
    limits=st.lists(st.sampled_from([0.0, 5.0, 12.0, 30.0, np.inf]), min_size=1, max_size=12),
)
def test_ranges_hold_every_pair_within_reach(seed, n_rows, limits):
    rng = np.random.default_rng(seed)
    vac = _xyz(list(rng.choice([*POSTCODES, UNKNOWN], 60)))
    wk = np.nan_to_num(_xyz(list(rng.choice([*POSTCODES, UNKNOWN], n_rows))), nan=0.0)
    km = np.resize(np.array(limits), n_rows)
    cmin = cos_limit(km)
    index = ReachIndex(vac)
    covered = np.zeros(index.n, bool)
    for r in index.ranges(wk, cmin):
        covered[index.perm[r]] = True
    run_of, run_xyz, unknown = place_runs(vac)
    near = near_runs(wk, cmin, run_xyz, unknown)[:, run_of].astype(bool)
    assert not (near & ~covered[None, :]).any()
    # and nothing is kept that nobody reaches, but for the slack of the test
    if not (wk == 0).all(axis=1).any() and np.isfinite(km).all():
        slack = unit_inner(wk, run_xyz) >= (cmin - 1e-6)[:, None]
        assert not (covered & ~(slack[:, run_of] | unknown[run_of]).any(axis=0)).any()


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    n_rows=st.integers(1, 6),
    n_cols=st.integers(1, 40),
    k=st.integers(1, 12),
)
def test_select_smallest_by_breaks_ties_by_id(seed, n_rows, n_cols, k):
    rng = np.random.default_rng(seed)
    k = min(k, n_cols)
    block = rng.choice(np.array([0.5, 1.0, 1.0, 2.0, np.inf, np.nan], np.float32), (n_rows, n_cols))
    ids = rng.permutation(1000)[:n_cols].astype(np.int64)
    got_ids, got_val = select_smallest_by(block, ids, k)
    for r in range(n_rows):
        ok = np.isfinite(block[r])
        order = np.lexsort((ids[ok], block[r][ok]))[:k]
        want_ids, want_val = ids[ok][order], block[r][ok][order]
        n = len(want_ids)
        assert np.array_equal(got_ids[r, :n], want_ids)
        assert np.array_equal(got_val[r, :n], want_val)
        assert np.all(np.isinf(got_val[r, n:]))


def test_worker_order_groups_limits_then_places():
    xyz = np.nan_to_num(_xyz(["9000", "8000", "9000", UNKNOWN, "8000"]), nan=0.0)
    cmin = cos_limit(np.array([10.0, 10.0, 40.0, 10.0, 10.0]))
    order = worker_order(xyz, cmin).tolist()
    assert order[-1] == 3  # unknown place last
    assert order.index(2) == 3  # the 40 km limit after the three 10 km ones


# ----------------------------------------------------------------------------- the ranking
@pytest.fixture(scope="module")
def sample():
    workers, vacancies, places = generate_sample(90, 1500, 40, 5)
    return as_workers(workers), as_vacancies(vacancies + places)


CASES = {
    "default": {},
    "commute 12 km": {"max_km": 12.0},
    "a hard competence, no text": {"text": None, "hard_competences": ("taalkennis_nederlands",)},
    "cut-off required": {"require_cutoff": True},
}


@pytest.mark.parametrize("params", CASES.values(), ids=CASES.keys())
def test_pruned_ranking_equals_the_unpruned_and_the_numpy_ranking(sample, params):
    pytest.importorskip("numba", reason="needs the 'fast' extra (numba)")
    wks, vacs = sample
    matcher = Matcher(**params).fit(vacs)
    pruned, whole = _both(matcher, wks, 15)
    _same(pruned, whole)
    _same(pruned, _numpy(matcher, wks, 15))
    assert (pruned.indices >= 0).any()


def test_pruned_ranking_with_exclusions_subsets_and_threads(sample):
    pytest.importorskip("numba", reason="needs the 'fast' extra (numba)")
    wks, vacs = sample
    matcher = Matcher(n_jobs=2).fit(vacs)
    full = matcher._topk(matcher._worker_context(wks, None), 5, far=False)
    exclude = {w.id: [vacs[int(j)].id for j in full.indices[i, :2] if j >= 0]
               for i, w in enumerate(wks[::3])}  # fmt: skip
    subset = np.array(sorted({*range(0, len(wks), 2), 7}), dtype=np.int64)
    _same(*_both(matcher, wks, 10, exclude=exclude, subset=subset))
    _same(_both(matcher, wks, 10, exclude=exclude)[0], _numpy(matcher, wks, 10, exclude=exclude))


def _tied_market(rng, n, unknown_share):
    """Few titles, requirement profiles and places: scores tie across places."""
    return [
        Vacancy(
            f"V{j:04d}",
            ["magazijnier", "kok"][int(rng.integers(2))],
            requirements={"samenwerken": int(rng.integers(1, 3))},
            postcode=UNKNOWN if rng.random() < unknown_share else str(rng.choice(POSTCODES)),
        )
        for j in range(n)
    ]


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), top=st.integers(1, 30), unknown=st.sampled_from([0, 0.1]))
def test_pruned_ranking_breaks_ties_across_places_by_input_column(seed, top, unknown):
    pytest.importorskip("numba", reason="needs the 'fast' extra (numba)")
    rng = np.random.default_rng(seed)
    vacs = _tied_market(rng, 300, unknown)
    wks = [
        WorkerProfile(
            f"W{i}",
            {"samenwerken": int(rng.integers(1, 5))},
            job_target=["magazijnier", "kok"][i % 2],
            postcode=UNKNOWN if i % 11 == 0 else str(rng.choice(POSTCODES)),
            max_commute_km=float(rng.choice([3.0, 15.0, 60.0])),
        )
        for i in range(40)
    ]
    matcher = Matcher(occupations=None).fit(vacs)
    pruned, whole = _both(matcher, wks, top)
    _same(pruned, whole)
    _same(pruned, _numpy(matcher, wks, top))


def test_unknown_postcodes_are_within_reach_on_both_sides():
    pytest.importorskip("numba", reason="needs the 'fast' extra (numba)")
    vacs = [
        Vacancy("V1", "kok", requirements={"samenwerken": 2}, postcode="8000"),
        Vacancy("V2", "kok", requirements={"samenwerken": 2}, postcode=UNKNOWN),
        Vacancy("V3", "kok", requirements={"samenwerken": 2}, postcode="9000"),
    ]
    wks = [
        WorkerProfile(
            "W1", {"samenwerken": 3}, job_target="kok", postcode="9000", max_commute_km=5.0
        ),  # fmt: skip
        WorkerProfile(
            "W2", {"samenwerken": 3}, job_target="kok", postcode=UNKNOWN, max_commute_km=5.0
        ),  # fmt: skip
    ]
    matcher = Matcher(occupations=None, fill_beyond=False).fit(vacs)
    pruned, whole = _both(matcher, wks, 3)
    _same(pruned, whole)
    assert sorted(j for j in pruned.indices[0] if j >= 0) == [1, 2]  # Gent and the unknown
    assert sorted(j for j in pruned.indices[1] if j >= 0) == [0, 1, 2]  # everything


def test_preselected_lists_give_the_same_block_rows(sample):
    pytest.importorskip("numba", reason="needs the 'fast' extra (numba)")
    from doorstroom_match.increment import preselect, rank_block_rows

    wks, vacs = sample
    matcher = Matcher().fit(vacs)
    pre = preselect(matcher, wks, 10, n_jobs=2)
    assert set(pre.near) == {w.id for w in wks} and not pre.delta
    block = wks[10:40]
    a = rank_block_rows(matcher, block, 10, preselected=pre)
    b = rank_block_rows(matcher, block, 10)
    assert a.candidates == b.candidates
    assert a.ranked.jsonl(np.zeros(len(vacs), bool)) == b.ranked.jsonl(np.zeros(len(vacs), bool))


@pytest.mark.parametrize("max_km", ["worker", 12.0])
def test_opening_gaps_by_place_equal_the_scan_of_every_vacancy(sample, max_km):
    pytest.importorskip("numba", reason="needs the 'fast' extra (numba)")
    from doorstroom_match import opening

    wks, vacs = sample
    wks = [*wks[:60], WorkerProfile("W-unknown", {"samenwerken": 2}, postcode=UNKNOWN)]
    vacs = [*vacs, Vacancy("V-unknown", "kok", requirements={"samenwerken": 3}, postcode=UNKNOWN)]
    got = opening.opening_gaps(wks, vacs, max_km=max_km, exclude=("fysieke_mogelijkheden",))
    old = opening._REACH
    opening._REACH = False
    try:
        want = opening.opening_gaps(wks, vacs, max_km=max_km, exclude=("fysieke_mogelijkheden",))
    finally:
        opening._REACH = old
    assert got == want
    assert any(g.competence for g in got) and any(g.n_reachable < len(vacs) for g in got)
