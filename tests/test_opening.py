"""The werkpunt that opens most doors (issue 15) against brute-force loops."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import doorstroom_match.opening as opening_module
from doorstroom_match import Vacancy, WorkerProfile, match, opening_gaps
from doorstroom_match._exceptions import ValidationError
from doorstroom_match.opening import opening_counts, within_reach
from tests.strategies import core_problems
from tests.strategies import vacancies as vacancy_strategy
from tests.strategies import workers as worker_strategy


def _passes(lev, req, wts):
    return all(r == 0 or w <= 0 or lv >= r for lv, r, w in zip(lev, req, wts, strict=True))


def _brute(levels, req, wts, within):
    """Raise every competence of every worker by one, one at a time, and recheck every pair."""
    n_w, n_c = levels.shape
    counts = np.zeros((n_w, n_c), dtype=np.int64)
    opened = []
    passed = np.zeros(n_w, dtype=np.int64)
    for w in range(n_w):
        for v in range(req.shape[0]):
            if within is not None and not within[w, v]:
                continue
            if _passes(levels[w], req[v], wts[v]):
                passed[w] += 1
                continue
            for c in range(n_c):
                if levels[w, c] >= 4:
                    continue
                up = levels[w].copy()
                up[c] += 1
                if _passes(up, req[v], wts[v]):
                    counts[w, c] += 1
                    opened.append((w, v, c))
    return counts, sorted(opened), passed


@pytest.mark.parametrize("fused", [True, False], ids=["one-scan kernel", "two engine passes"])
@given(core_problems(max_workers=5, max_vacancies=30, max_competences=6), st.data())
def test_opening_counts_match_brute_force(fused, problem, data):
    # with numba a block is scanned once by a kernel; without it (and here, for the
    # reference) a second engine pass names the competence: both against brute force
    old = opening_module._FUSED
    opening_module._FUSED = fused
    try:
        _check_opening_counts(problem, data)
    finally:
        opening_module._FUSED = old


def _check_opening_counts(problem, data):
    levels, req, wts = problem
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    wts = wts.copy()
    wts[rng.random(wts.shape) < 0.1] = 0.0  # a weight of 0 never blocks a pass
    within = None
    if data.draw(st.booleans()):
        within = rng.random((levels.shape[0], req.shape[0])) < 0.7
    block_rows = data.draw(st.sampled_from([None, 1, 2]))
    oc = opening_counts(levels, req, wts, within=within, block_rows=block_rows)
    counts, opened, passed = _brute(levels, req, wts, within)
    np.testing.assert_array_equal(oc.counts, counts)
    np.testing.assert_array_equal(oc.passed, passed)
    got = sorted(
        zip(oc.workers.tolist(), oc.vacancies.tolist(), oc.competences.tolist(), strict=True)
    )
    assert got == opened
    pairs = list(zip(oc.workers.tolist(), oc.vacancies.tolist(), strict=True))
    assert pairs == sorted(pairs)  # by worker, then vacancy, as documented
    expect_reach = req.shape[0] if within is None else within.sum(axis=1)
    np.testing.assert_array_equal(oc.reachable, expect_reach)


def test_opening_gaps_picks_the_competence_that_opens_most():
    w = WorkerProfile(
        "W1", {"samenwerken": 2, "stiptheid": 3, "nauwkeurigheid": 1}, max_commute_km=None
    )
    vs = [
        Vacancy("A", "magazijnier", requirements={"samenwerken": 3}),
        Vacancy("B", "magazijnier", requirements={"samenwerken": 3, "stiptheid": 3}),
        Vacancy("C", "magazijnier", requirements={"nauwkeurigheid": 2}),
        Vacancy("D", "magazijnier", requirements={"samenwerken": 4}),  # two levels short
        Vacancy("E", "magazijnier", requirements={"stiptheid": 2}),  # passed already
        Vacancy("F", "magazijnier", requirements={"samenwerken": 3, "nauwkeurigheid": 2}),
    ]
    g = opening_gaps(w, vs)
    assert (g.competence, g.from_level, g.to_level) == ("samenwerken", 2, 3)
    assert g.vacancy_ids == ("A", "B")
    assert g.n_opened == 2 and g.n_passed == 1 and g.n_reachable == 6
    assert "samenwerken van matig naar goed: 2 vacatures" in g.describe().lower()


def test_opening_gaps_for_all_workers_equals_one_at_a_time():
    rng = np.random.default_rng(7)
    comps = ["samenwerken", "stiptheid", "nauwkeurigheid", "initiatief", "werktempo"]
    workers = [
        WorkerProfile(f"W{i}", {c: int(rng.integers(1, 5)) for c in comps if rng.random() < 0.8})
        for i in range(12)
    ]
    vacs = [
        Vacancy(
            f"V{j}",
            "job",
            requirements={c: int(rng.integers(1, 5)) for c in comps if rng.random() < 0.5},
        )
        for j in range(60)
    ]
    together = opening_gaps(workers, vacs)
    assert [g.worker_id for g in together] == [w.id for w in workers]
    assert together == [opening_gaps(w, vacs) for w in workers]
    assert any(g.competence is not None for g in together)


def test_opening_gaps_respect_the_commute_limit():
    near = Vacancy("NEAR", "job", postcode="9000", requirements={"samenwerken": 3})
    far = Vacancy("FAR", "job", postcode="8400", requirements={"samenwerken": 3})  # Oostende
    w = WorkerProfile("W1", {"samenwerken": 2}, postcode="9000", max_commute_km=15)
    assert opening_gaps(w, [near, far]).vacancy_ids == ("NEAR",)
    assert opening_gaps(w, [near, far], max_km=None).vacancy_ids == ("NEAR", "FAR")
    reach = within_reach([w], [near, far], "worker")
    assert reach.tolist() == [[True, False]]


def test_no_opening_when_nothing_is_one_level_away():
    w = WorkerProfile("W1", {"samenwerken": 1})
    g = opening_gaps(w, [Vacancy("V", "job", requirements={"samenwerken": 4})])
    assert g.competence is None and g.vacancy_ids == () and g.n_passed == 0
    assert "geen" in g.describe().lower()


def test_opening_input_errors():
    with pytest.raises(ValidationError, match="within must be a bool array of shape"):
        opening_counts([[1]], [[2]], within=np.ones((2, 2), bool))
    with pytest.raises(ValidationError, match="same number of competences"):
        opening_counts([[1, 2]], [[2]])
    with pytest.raises(ValidationError, match=r"vacancies\[0\] must be a Vacancy"):
        opening_gaps(WorkerProfile("W1", {}), [{"id": "V"}])
    with pytest.raises(ValidationError, match="max_km must be"):
        within_reach([WorkerProfile("W1", {})], [], "far")


def test_excluded_competences_are_never_proposed():
    w = WorkerProfile("W1", {"fysieke_mogelijkheden": 1, "samenwerken": 2})
    vs = [Vacancy(f"F{i}", "job", requirements={"fysieke_mogelijkheden": 2}) for i in range(3)]
    vs.append(Vacancy("S", "job", requirements={"samenwerken": 3}))
    assert opening_gaps(w, vs).competence == "fysieke_mogelijkheden"
    g = opening_gaps(w, vs, exclude=("fysieke_mogelijkheden",))
    assert (g.competence, g.vacancy_ids) == ("samenwerken", ("S",))


def _passed(w, vacs):
    """The stated cut-off, plainly: every required competence at or above its minimum."""
    return {
        v.id
        for v in vacs
        if all(w.competences.get(c, 0) >= r or v.weights[c] <= 0 for c, r in v.requirements.items())
    }


@given(st.lists(worker_strategy(), min_size=1, max_size=3), st.data())
def test_raising_the_proposed_competence_opens_exactly_those_vacancies(workers, data):
    vacs = [data.draw(vacancy_strategy(vid=f"V{j}")) for j in range(data.draw(st.integers(1, 8)))]
    workers = [WorkerProfile(f"W{i}", dict(w.competences)) for i, w in enumerate(workers)]
    for w, g in zip(workers, opening_gaps(workers, vacs, max_km=None), strict=True):
        before = _passed(w, vacs)
        assert g.n_passed == len(before)
        # the ranking agrees on every vacancy that states its cut-off
        stated = [v for v in vacs if v.requirements]
        ranked = match(w, stated, top=len(stated), max_km=None) if stated else []
        assert {m.vacancy_id for m in ranked if m.passes_cutoff} == before & {v.id for v in stated}
        if g.competence is None:
            continue
        assert g.to_level == g.from_level + 1 <= 4
        up = WorkerProfile(w.id, {**w.competences, g.competence: g.to_level})
        after = _passed(up, vacs)
        assert after - before == set(g.vacancy_ids) and before <= after


def test_reach_is_the_rankings_rule_and_the_great_circle_distance():
    from doorstroom_match import Matcher
    from doorstroom_match.geo import haversine_km, postcode_coordinates

    pcs = ["9000", "9050", "8400", "2000", "3000", "9999", None, "1000", "9300", "8500"]
    wks = [
        WorkerProfile(f"W{i}", {"samenwerken": 2}, postcode=pc, max_commute_km=km)
        for i, (pc, km) in enumerate(
            zip(pcs, [5, 15, 30, 60, None, 20, 10, 45, 25, 8], strict=True)
        )
    ]
    vacs = [
        Vacancy(f"V{j}", "job", postcode=pc, requirements={"samenwerken": 3})
        for j, pc in enumerate(pcs[::-1])
    ]
    reach = within_reach(wks, vacs, "worker")
    # the great-circle distance against the limit; unknown postcodes and limits are within
    d = haversine_km(
        postcode_coordinates([w.postcode for w in wks]),
        postcode_coordinates([v.postcode for v in vacs]),
    )
    limit = np.array([np.inf if w.max_commute_km is None else w.max_commute_km for w in wks])
    assert reach.tolist() == (np.isnan(d) | (d <= limit[:, None])).tolist()
    # and the ranking's own verdict, pair by pair
    ranked = Matcher(occupations=None, text=None).fit(vacs).rank(wks, len(vacs))
    for i, ms in enumerate(ranked):
        flags = {m.vacancy_id: m.within_commute for m in ms}
        for j, v in enumerate(vacs):
            if v.id in flags:
                assert flags[v.id] == bool(reach[i, j]), (wks[i].id, v.id)


def test_opening_gaps_in_blocks_equal_one_block(monkeypatch):
    import doorstroom_match.opening as opening

    rng = np.random.default_rng(3)
    comps = ["samenwerken", "stiptheid", "zelfstandigheid", "communicatie"]
    pcs = ["9000", "9050", "9300", "8400", "2000"]
    wks = [
        WorkerProfile(
            f"W{i}",
            {c: int(x) for c, x in zip(comps, rng.integers(1, 5, 4), strict=True)},
            postcode=pcs[i % 5],
            max_commute_km=float(rng.integers(5, 80)),
        )
        for i in range(23)
    ]
    vacs = [
        Vacancy(
            f"V{j}",
            "job",
            postcode=pcs[(j * 3) % 5],
            requirements={c: int(x) for c, x in zip(comps, rng.integers(1, 5, 4), strict=True)},
        )
        for j in range(40)
    ]
    whole = opening_gaps(wks, vacs)
    monkeypatch.setattr(opening, "default_block_rows", lambda n_cols: 4)
    assert opening_gaps(wks, vacs) == whole
    assert any(g.competence is not None for g in whole)
