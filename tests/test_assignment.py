"""Tests of doorstroom_match.assignment: assign(), assign_greedy(), compare_with_greedy()."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstroom_match import assignment as asg
from doorstroom_match._exceptions import (
    BackendUnavailableError,
    EmptyInputError,
    ValidationError,
)
from doorstroom_match.assignment import (
    Assignment,
    assign,
    assign_greedy,
    compare_with_greedy,
)

from .strategies import assignment_problems, random_assignment_problems

INF = np.inf
EXACT_METHODS = ["dense", "lapjvsp", "ssp-python"] + (["ssp"] if asg.numba_available() else [])


def solve(cost, capacity, method, max_cost=None):
    """assign() for every method, with "ssp-python" = the ssp kernel run as plain Python."""
    if method == "ssp-python":
        prob = asg._prepare(cost, capacity, max_cost)
        place_of, solver = asg._solve_ssp(prob, jit=False)
        assert solver == "ssp-python"
        return asg._finish(prob, place_of, solver)
    return assign(cost, capacity, max_cost, method=method)


def brute_force(cost, capacity):
    """(most workers placed, least cost among those) by enumerating every assignment."""
    n, m = cost.shape
    options = [[-1] + [j for j in range(m) if np.isfinite(cost[i, j])] for i in range(n)]
    best = (-1, math.inf)
    for choice in itertools.product(*options):
        placed = [(i, j) for i, j in enumerate(choice) if j >= 0]
        if np.any(np.bincount([j for _, j in placed], minlength=m) > capacity):
            continue
        key = (len(placed), math.fsum(cost[i, j] for i, j in placed))
        if key[0] > best[0] or (key[0] == best[0] and key[1] < best[1]):
            best = key
    return best


def check_feasible(a: Assignment, cost, capacity, max_cost=None):
    """Capacities and forbidden pairs respected; the reported fields are consistent."""
    cost = np.asarray(cost, dtype=float)
    n, m = cost.shape
    assert a.place_of.shape == (n,) and a.place_of.dtype == np.int64
    assert np.all((a.place_of >= -1) & (a.place_of < m))
    placed = np.flatnonzero(a.place_of >= 0)
    pair_cost = cost[placed, a.place_of[placed]]
    assert np.all(np.isfinite(pair_cost)), "a forbidden pair was assigned"
    if max_cost is not None:
        assert np.all(pair_cost <= max_cost)
    load = np.bincount(a.place_of[placed], minlength=m)
    assert np.all(load <= np.asarray(capacity)), "a capacity was exceeded"
    assert np.array_equal(a.load, load)
    assert a.n_assigned == placed.size
    assert np.array_equal(a.unassigned, np.flatnonzero(a.place_of < 0))
    assert a.total_cost == pytest.approx(math.fsum(pair_cost), abs=1e-9)


# --- optimality against brute force ---------------------------------------------------------
@pytest.mark.parametrize("method", EXACT_METHODS)
@given(problem=assignment_problems())
def test_optimal_against_brute_force(method, problem):
    cost, capacity = problem
    a = solve(cost, capacity, method)
    check_feasible(a, cost, capacity)
    k, c = brute_force(cost, capacity)
    assert a.n_assigned == k
    assert a.total_cost == pytest.approx(c, abs=1e-9)


@given(problem=assignment_problems(forbid_p=0.0, max_workers=4, max_places=3))
def test_max_cardinality_beats_cheapness(problem):
    # a dense problem: the optimum places min(n, total capacity) workers, whatever it costs
    cost, capacity = problem
    a = assign(cost, capacity, method="dense")
    assert a.n_assigned == min(cost.shape[0], int(capacity.sum()))


def test_cardinality_first_example():
    # cheapest would be worker 0 alone at place 0 (cost 0); placing two costs more but wins
    cost = np.array([[0.0, 10.0], [1.0, INF]])
    for method in EXACT_METHODS:
        a = solve(cost, [1, 1], method)
        assert a.place_of.tolist() == [1, 0]
        assert a.total_cost == 11.0


def test_zero_and_negative_costs():
    cost = np.array([[0.0, 0.0, INF], [0.0, -1.0, 0.0], [INF, 0.0, 0.0]])
    for method in EXACT_METHODS:
        a = solve(cost, [1, 1, 1], method)
        assert a.n_assigned == 3 and a.total_cost == -1.0


# --- solvers agree ----------------------------------------------------------------------------
@settings(max_examples=25)
@given(problem=random_assignment_problems())
def test_sparse_and_dense_agree(problem):
    cost, capacity = problem
    results = [solve(cost, capacity, m) for m in EXACT_METHODS]
    for a in results:
        check_feasible(a, cost, capacity)
    for a in results[1:]:
        assert a.n_assigned == results[0].n_assigned
        assert a.total_cost == pytest.approx(results[0].total_cost, rel=1e-12, abs=1e-9)


def test_solvers_agree_on_a_tight_medium_problem():
    rng = np.random.default_rng(7)
    n, m, k = 300, 40, 6
    cost = np.full((n, m), INF)
    for i in range(n):
        cost[i, rng.choice(m, k, replace=False)] = rng.random(k)
    capacity = np.full(m, 7)  # 280 slots for 300 workers: some must stay out
    results = {meth: solve(cost, capacity, meth) for meth in ("dense", "lapjvsp", "sparse")}
    base = results["dense"]
    for a in results.values():
        check_feasible(a, cost, capacity)
        assert a.n_assigned == base.n_assigned
        assert a.total_cost == pytest.approx(base.total_cost, rel=1e-12)


# --- greedy ---------------------------------------------------------------------------------
@given(problem=assignment_problems(max_workers=6, max_places=4, max_capacity=3))
def test_optimal_never_worse_than_greedy(problem):
    cost, capacity = problem
    opt = assign(cost, capacity)
    gre = assign_greedy(cost, capacity)
    check_feasible(gre, cost, capacity)
    assert gre.solver == "greedy"
    assert opt.n_assigned >= gre.n_assigned
    if opt.n_assigned == gre.n_assigned:
        assert opt.total_cost <= gre.total_cost + 1e-9


def test_greedy_best_pair_first_and_comparison():
    # greedy gives worker 0 its cheapest place; worker 1 then has nowhere to go
    cost = np.array([[1.0, 2.0], [1.5, INF]])
    gre = assign_greedy(cost, [1, 1])
    assert gre.place_of.tolist() == [0, -1]
    cmp_ = compare_with_greedy(cost, [1, 1])
    assert cmp_.optimal.place_of.tolist() == [1, 0]
    assert cmp_.extra_placed == 1
    assert cmp_.n_changed == 2
    assert cmp_.mean_cost_greedy == 1.0
    assert "1 more worker" in cmp_.summary()
    # same count, lower cost
    cost2 = np.array([[1.0, 1.1], [1.05, 5.0]])
    c2 = compare_with_greedy(cost2, [1, 1])
    assert c2.extra_placed == 0 and c2.cost_saving == pytest.approx(6.0 - 2.15)
    assert "saves" in c2.summary()
    c3 = compare_with_greedy(np.array([[1.0]]), [1])
    assert "already optimal" in c3.summary()


# --- input forms, max_cost, infeasible --------------------------------------------------------
def test_max_cost_forbids_pairs():
    cost = np.array([[1.0, 5.0], [2.0, 6.0]])
    for method in EXACT_METHODS:
        a = solve(cost, [1, 1], method, max_cost=4.0)
        check_feasible(a, cost, [1, 1], max_cost=4.0)
        assert a.n_assigned == 1 and a.place_of[0] == 0  # the cheaper pair at place 0
    g = assign_greedy(cost, [1, 1], max_cost=4.0)
    assert g.n_assigned == 1


def test_infeasible_instance_reports_unassigned():
    cost = np.full((3, 2), INF)
    cost[0, 0] = 1.0
    for method in EXACT_METHODS:
        a = solve(cost, [1, 0], method)
        assert a.place_of.tolist() == [0, -1, -1]
        assert a.unassigned.tolist() == [1, 2]
    nothing = assign(np.full((2, 2), INF), [1, 1])
    assert nothing.n_assigned == 0 and nothing.total_cost == 0.0
    zero_cap = assign(np.ones((2, 2)), [0, 0], method="lapjvsp")
    assert zero_cap.n_assigned == 0


def test_sparse_matrix_input_keeps_explicit_zeros():
    rows, cols = np.array([0, 1, 1]), np.array([0, 0, 1])
    vals = np.array([0.0, 0.0, 3.0])
    mat = sp.csr_matrix((vals, (rows, cols)), shape=(2, 2))
    assert mat.nnz == 3
    dense = np.array([[0.0, INF], [0.0, 3.0]])
    for method in ("dense", "lapjvsp", "sparse"):
        a = assign(mat, [1, 1], method=method)
        b = assign(dense, [1, 1], method=method)
        assert a.place_of.tolist() == b.place_of.tolist() == [0, 1]
        assert a.total_cost == 3.0


def test_integer_cost_and_list_inputs():
    a = assign([[1, 2], [2, 1]], [1, 1])
    assert a.place_of.tolist() == [0, 1] and a.total_cost == 2.0
    assert assign([[1.0]], np.array([1.0])).n_assigned == 1  # integral float capacity is fine


def test_deterministic_and_input_untouched():
    rng = np.random.default_rng(3)
    cost = np.round(rng.random((40, 8)) * 3)  # many ties
    cost[rng.random(cost.shape) < 0.4] = INF
    capacity = rng.integers(0, 4, 8)
    before = cost.copy()
    for method in EXACT_METHODS + ["greedy"]:
        runs = [
            (assign_greedy(cost, capacity) if method == "greedy" else solve(cost, capacity, method))
            for _ in range(3)
        ]
        for r in runs[1:]:
            assert np.array_equal(r.place_of, runs[0].place_of)
            assert r.total_cost == runs[0].total_cost
    assert np.array_equal(cost, before)


def test_result_is_frozen_and_readonly():
    a = assign(np.array([[1.0, 2.0]]), [1, 1])
    with pytest.raises(AttributeError):
        a.total_cost = 0.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        a.place_of[0] = 1
    assert a.pairs().tolist() == [[0, 0]]
    assert a.workers_at(0).tolist() == [0]
    assert a.n_workers == 1 and a.n_places == 2
    assert "n_assigned=1" in repr(a)


def test_auto_picks_dense_for_small_and_sparse_for_large(monkeypatch):
    assert assign(np.ones((3, 2)), [1, 1]).solver == "dense"
    monkeypatch.setattr(asg, "_DENSE_MAX_CELLS", 1)
    expected = "ssp" if asg.numba_available() else "lapjvsp"
    assert assign(np.ones((3, 2)), [1, 1]).solver == expected


def test_without_numba_sparse_falls_back_and_ssp_raises(monkeypatch):
    monkeypatch.setattr(asg, "numba_available", lambda: False)
    assert assign(np.ones((3, 2)), [1, 1], method="sparse").solver == "lapjvsp"
    with pytest.raises(BackendUnavailableError, match="needs numba.*'fast' extra"):
        assign(np.ones((3, 2)), [1, 1], method="ssp")


# --- bad input ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("cost", "capacity", "kwargs", "error", "match"),
    [
        (np.ones(3), [1, 1, 1], {}, ValidationError, r"cost must be a 2-d array.*got shape \(3,\)"),
        (np.ones((2, 3)), [1, 1], {}, ValidationError, r"capacity has 2 entries but cost has 3"),
        (np.ones((2, 2)), [[1, 1]], {}, ValidationError, r"capacity must be a 1-d array"),
        (np.ones((2, 2)), [1, -1], {}, ValidationError, r"capacity\[1\] == -1 is negative"),
        (np.ones((2, 2)), [1, 1.5], {}, ValidationError, r"capacity\[1\] == 1.5 is fractional"),
        (np.ones((2, 2)), [1, np.nan], {}, ValidationError, r"capacity contains NaN or inf"),
        (np.ones((2, 2)), [True, False], {}, ValidationError, r"capacity must hold integers"),
        (np.ones((2, 2)), ["a", "b"], {}, ValidationError, r"capacity must hold integers"),
        (np.array([[1.0, np.nan]]), [1, 1], {}, ValidationError, r"cost contains NaN"),
        (np.array([[1.0, -np.inf]]), [1, 1], {}, ValidationError, r"cost contains -inf"),
        (np.array([["a", "b"]]), [1, 1], {}, ValidationError, r"cost must hold real numbers"),
        (np.ones((2, 2)), [1, 1], {"max_cost": np.nan}, ValidationError, r"max_cost .* got nan"),
        (np.ones((2, 2)), [1, 1], {"max_cost": "1"}, ValidationError, r"max_cost must be None"),
        (np.ones((2, 2)), [1, 1], {"method": "fast"}, ValidationError, r"method must be one of"),
        (np.ones((0, 2)), [1, 1], {}, EmptyInputError, r"at least one worker.*\(0, 2\)"),
        (np.ones((2, 0)), [], {}, EmptyInputError, r"at least one worker and one place"),
        (None, [1], {}, EmptyInputError, r"cost must be an array.*got None"),
    ],
)
def test_bad_input(cost, capacity, kwargs, error, match):
    with pytest.raises(error, match=match):
        assign(cost, capacity, **kwargs)


def test_bad_sparse_input():
    with pytest.raises(ValidationError, match="cost contains NaN"):
        assign(sp.csr_matrix(np.array([[np.nan, 1.0]])), [1, 1])
    with pytest.raises(ValidationError, match="cost contains -inf"):
        assign(sp.csr_matrix(np.array([[-np.inf, 1.0]])), [1, 1])


def test_bad_input_greedy_too():
    with pytest.raises(ValidationError, match="cost contains NaN"):
        assign_greedy(np.array([[np.nan]]), [1])
    with pytest.raises(EmptyInputError, match="at least one worker"):
        compare_with_greedy(np.ones((0, 1)), [1])


def test_errors_are_value_errors():
    with pytest.raises(ValueError):
        assign(np.ones((2, 2)), [1, -1])


@given(st.integers(0, 3))
def test_capacity_dtypes(extra):
    for cap in (np.array([1 + extra], np.int32), np.array([1 + extra], np.uint8), [1 + extra]):
        assert assign(np.zeros((5, 1)), cap).n_assigned == 1 + extra


# =============================================================================================
# assign_places: rules, priorities, explanations
# =============================================================================================
import datetime as dt  # noqa: E402

from doorstroom_match import DuplicateIdError, Vacancy, WorkerProfile  # noqa: E402
from doorstroom_match.assignment import (  # noqa: E402
    PlacesAssignment,
    _greedy_grouped,
    _solve_grouped,
    _tier_costs,
    assign_places,
)

from .strategies import grouped_assignment_problems  # noqa: E402

TODAY = "2026-11-23"


def brute_force_lex(cost, capacity, group=None, group_cap=None, tiers=None):
    """Best (placed, placed per priority from the highest down, -cost) by enumeration."""
    n, m = cost.shape
    tiers = np.zeros(n, int) if tiers is None else tiers
    levels = sorted(set(tiers.tolist()), reverse=True)
    options = [[-1] + [j for j in range(m) if np.isfinite(cost[i, j])] for i in range(n)]
    best = None
    for choice in itertools.product(*options):
        placed = [(i, j) for i, j in enumerate(choice) if j >= 0]
        if np.any(np.bincount([j for _, j in placed], minlength=m) > capacity):
            continue
        if group is not None:
            g = [group[j] for _, j in placed if group[j] >= 0]
            if g and max(np.bincount(g)) > group_cap:
                continue
        key = (
            len(placed),
            *[sum(1 for i, _ in placed if tiers[i] == t) for t in levels],
            -math.fsum(cost[i, j] for i, j in placed),
        )
        if best is None or key > best:
            best = key
    return best


def lex_key(place_of, cost, tiers):
    levels = sorted(set(tiers.tolist()), reverse=True)
    placed = [(i, j) for i, j in enumerate(place_of) if j >= 0]
    return (
        len(placed),
        *[sum(1 for i, _ in placed if tiers[i] == t) for t in levels],
        -math.fsum(cost[i, j] for i, j in placed),
    )


@given(problem=grouped_assignment_problems())
def test_grouped_solver_with_tiers_against_brute_force(problem):
    cost, capacity, group, group_cap, tiers = problem
    work = _tier_costs(cost, tiers)
    place_of = _solve_grouped(work, capacity, group, group_cap)
    got = lex_key(place_of.tolist(), cost, tiers)
    want = brute_force_lex(cost, capacity, group, group_cap, tiers)
    assert got[:-1] == want[:-1]
    assert got[-1] == pytest.approx(want[-1], abs=1e-9)
    gre = _greedy_grouped(work, capacity, group, group_cap)
    gkey = lex_key(gre.tolist(), cost, tiers)
    assert gkey[0] <= got[0]
    for of in (place_of, gre):  # employer limits and capacities respected
        used = of[of >= 0]
        assert np.all(np.bincount(used, minlength=cost.shape[1]) <= capacity)
        g = group[used]
        assert np.all(np.bincount(g[g >= 0], minlength=2) <= group_cap)


@given(problem=grouped_assignment_problems())
def test_tiers_through_assign_against_brute_force(problem):
    cost, capacity, _, _, tiers = problem
    a = assign(_tier_costs(cost, tiers), capacity)
    got = lex_key(a.place_of.tolist(), cost, tiers)
    want = brute_force_lex(cost, capacity, tiers=tiers)
    assert got[:-1] == want[:-1]
    assert got[-1] == pytest.approx(want[-1], abs=1e-9)


def worker(wid, level=3, **kw):
    return WorkerProfile(wid, {"samenwerken": level, "nauwkeurigheid": level}, **kw)


def place(pid, need=3, kind="tbs", capacity=1, employer=None, post=None, **kw):
    req = {"samenwerken": need, "nauwkeurigheid": need}
    return Vacancy(
        pid,
        "magazijnier",
        kind=kind,
        requirements=req,
        capacity=capacity,
        employer=employer,
        post=post,
        **kw,
    )


def places_of(res: PlacesAssignment) -> dict:
    return dict(res.placements)


def run(workers, places, **kw):
    kw.setdefault("max_km", None)
    kw.setdefault("on_date", TODAY)
    return assign_places(workers, places, **kw)


def test_cutoff_forbidden_unless_stretch():
    ws = [worker("W1", level=2)]
    ps = [place("P1", need=3)]
    res = run(ws, ps)
    assert places_of(res) == {"W1": None}
    e = res.explain("W1")
    assert e.status == "no_feasible_place"
    assert dict(e.blocked) == {"cutoff": 1}
    assert e.alternative.place_id == "P1" and e.alternative.blocked == "cutoff"
    assert "cut-off niet gehaald" in e.message
    # a stretch placement within the bound
    res = run(ws, ps, allow_stretch=True, max_stretch_distance=5.0)
    e = res.explain("W1")
    assert e.place_id == "P1" and e.stretch and res.n_stretch == 1
    assert "stretchplaatsing" in e.message
    # ... but not beyond it
    res = run(ws, ps, allow_stretch=True, max_stretch_distance=0.5)
    assert res.explain("W1").blocked == {"stretch_too_far": 1}


def test_stretch_prefers_a_passing_place():
    ws = [worker("W1", level=3)]
    ps = [place("P1", need=4), place("P2", need=3)]
    res = run(ws, ps, allow_stretch=True, max_stretch_distance=10)
    assert places_of(res) == {"W1": "P2"}
    assert not res.explain("W1").stretch


def test_bvs_rules_company_and_post():
    ws = [worker("W1"), worker("W2"), worker("W3", extra={"bvs_history": [["Acme", "inpak"]]})]
    ps = [
        place("B1", kind="bvs", employer="Acme", post="inpak", capacity=3),
        place("B2", kind="bvs", employer="ACME ", post="magazijn", capacity=3),
        place("T1", kind="tbs", employer="Acme", post="inpak", capacity=3),
    ]
    history = {
        "W1": [("Acme", "inpak"), {"employer": "Acme", "post": "kassa"}],  # two at Acme already
        "W2": [("Acme", "inpak")],  # one at Acme, on post inpak
    }
    res = run(ws, ps, bvs_history=history)
    blocked = {e.worker_id: dict(e.blocked) for e in res.explanations}
    assert blocked["W1"] == {"bvs_company": 2}  # both BVS places at Acme; the TBS is fine
    assert blocked["W2"] == {"bvs_post": 1}  # B1 (same post); B2 on another post is allowed
    assert blocked["W3"] == {"bvs_post": 1}  # history from the profile's extra field
    assert res.placements["W1"] == "T1"
    # a BVS history never blocks a TBS or a vacancy, and other companies are unaffected
    res = run([worker("W1")], [place("B9", kind="bvs", employer="Other")], bvs_history=history)
    assert res.placements["W1"] == "B9"


def test_bvs_unknown_employer_and_post_count_as_their_own():
    ws = [worker("W1")]
    ps = [place("B1", kind="bvs"), place("B2", kind="bvs", employer="Acme")]
    res = run(ws, ps, bvs_history={"W1": [(None, None), ("Acme", None)]})
    assert res.explain("W1").blocked == {}


def test_max_per_employer():
    ws = [worker(f"W{i}") for i in range(4)]
    ps = [
        place("A1", employer="Acme", capacity=2),
        place("A2", employer="Acme", capacity=2),
        place("B1", employer="Bolt", capacity=1),
    ]
    free = run(ws, ps)
    assert free.n_placed == 4
    res = run(ws, ps, max_per_employer=1)
    assert res.n_placed == 2
    at = [p for p in res.placements.values() if p]
    assert sum(p.startswith("A") for p in at) == 1 and "B1" in at
    unplaced = [e for e in res.explanations if e.place_id is None]
    assert all(e.status == "places_taken" for e in unplaced)
    assert any(e.alternative.status in ("employer_full", "taken") for e in unplaced)
    assert res.assignment.solver == "lp"


def test_priority_tier_beats_fit_and_lde_term():
    # W2 passes P1's cut-off, W1 would be a stretch placement; W1 has priority, so W1 gets it
    ws = [worker("W1", level=2, priority=1), worker("W2", level=3)]
    ps = [place("P1", need=3)]
    stretch = {"allow_stretch": True, "max_stretch_distance": 10}
    assert run(ws, ps, priority_mode="weight", priority_weight=0.0, **stretch).placements == {
        "W1": None,
        "W2": "P1",
    }
    res = run(ws, ps, **stretch)
    assert places_of(res) == {"W1": "P1", "W2": None}
    e2 = res.explain("W2")
    assert e2.status == "places_taken"
    assert dict(e2.taken_by) == {"P1": ("W1",)}
    assert "voorrang" in e2.message and "W1" in e2.message
    # an LDE term ending within the horizon gives priority too
    ws = [
        worker("W1", level=2, contract="LDE", lde_end_date="2027-03-01"),
        worker("W2", level=3, contract="LDE", lde_end_date="2030-01-01"),
    ]
    res = run(ws, ps, **stretch)
    assert res.placements["W1"] == "P1" and res.explain("W1").stretch
    assert res.explain("W1").priority == 1 and res.explain("W2").priority == 0
    assert run(ws, ps, lde_horizon_days=30, **stretch).placements["W2"] == "P1"
    assert run(ws, ps, priorities={"W2": 5}, **stretch).placements["W2"] == "P1"
    # without stretch placements W1 is not allowed at P1 at all: priority never breaks a rule
    assert run(ws, ps).placements == {"W1": None, "W2": "P1"}


def test_priority_weight_is_soft():
    ws = [worker("W1", level=2, priority=1), worker("W2", level=3)]
    ps = [place("P1", need=3)]
    kw = {"allow_stretch": True, "max_stretch_distance": 10, "priority_mode": "weight"}
    # a tiny weight does not outweigh W2's better fit... a big one does
    assert run(ws, ps, priority_weight=0.001, **kw).placements["W2"] == "P1"
    assert run(ws, ps, priority_weight=5, **kw).placements["W1"] == "P1"


def test_explanations_placed_taken_and_alternatives():
    ws = [worker("W1", level=4), worker("W2", level=3), worker("W3", level=2)]
    ps = [place("P1", need=3), place("P2", need=2, kind="bvs")]
    res = run(ws, ps)
    assert res.n_placed == 2
    by = {e.worker_id: e for e in res.explanations}
    placed = [e for e in res.explanations if e.status == "placed"]
    assert len(placed) == 2 and all(e.reasons and e.score is not None for e in placed)
    for e in placed:  # the next-best option is the other place, taken by the other worker
        assert e.alternative is not None and e.alternative.place_id != e.place_id
        assert e.alternative.status == "taken"
        assert e.alternative.taken_by and e.alternative.taken_by[0] != e.worker_id
    w3 = by["W3"]
    assert w3.status == "places_taken"
    assert set(w3.taken_by) == {"P2"} and w3.taken_by["P2"] in (("W1",), ("W2",))
    assert w3.alternative.place_id == "P2" and w3.alternative.status == "taken"
    assert w3.blocked == {"cutoff": 1}
    rec = res.to_records()
    assert [r["worker_id"] for r in rec] == ["W1", "W2", "W3"]
    assert rec[2]["alternative"]["taken_by"] in (["W1"], ["W2"])
    assert "placed" in res.summary()


def test_alternative_that_had_room():
    ws = [worker("W1", level=4)]
    ps = [place("P1", need=4, kind="tbs"), place("P2", need=3, kind="bvs")]
    e = run(ws, ps).explain("W1")
    assert e.place_id == "P1"  # the higher score (a TBS gets a small bonus)
    assert e.alternative.place_id == "P2" and e.alternative.status == "had_room"


def test_hard_filter_reasons_and_no_capacity():
    ws = [WorkerProfile("W1", {"samenwerken": 4}, postcode="9000", max_commute_km=5)]
    ps = [
        Vacancy("P1", "magazijnier", kind="tbs", postcode="2000"),  # Antwerpen, ~50 km
        Vacancy("P2", "magazijnier", kind="vacancy", postcode="9000"),
        Vacancy("P3", "magazijnier", kind="tbs", postcode="9000", valid_until="2020-01-01"),
        Vacancy("P4", "magazijnier", kind="tbs", postcode="9000", capacity=0),
    ]
    res = assign_places(ws, ps, kinds=["tbs", "bvs"], on_date=TODAY)
    e = res.explain("W1")
    assert e.status == "no_feasible_place"
    assert dict(e.blocked) == {"commute": 1, "kind": 1, "expired": 1, "no_capacity": 1}
    assert "te ver van de woonplaats" in e.message


def test_comparison_with_greedy_in_result():
    # greedy gives W1 its best place P1; optimal moves W1 to P2 so that W2 fits too
    ws = [worker("W1", level=4), worker("W2", level=3)]
    ps = [place("P1", need=3), place("P2", need=4)]
    res = run(ws, ps)
    assert res.n_placed == 2
    assert res.comparison.optimal.n_assigned >= res.comparison.greedy.n_assigned
    assert res.greedy.solver == "greedy"
    assert res.total_score == pytest.approx(-res.assignment.total_cost)


def test_assign_places_on_the_sample_data():
    from doorstroom_match.synthetic import load_sample

    sample = Path(__file__).resolve().parents[1] / "datasets" / "sample"
    workers, _, places = load_sample(sample)
    res = assign_places(workers, places, on_date=TODAY, allow_stretch=True, max_per_employer=2)
    caps = {p["id"]: p.get("capacity", 1) for p in places}
    load: dict[str, int] = {}
    for pid in res.placements.values():
        if pid:
            load[pid] = load.get(pid, 0) + 1
    assert all(load[p] <= caps[p] for p in load)
    assert res.n_placed >= res.greedy.n_assigned
    assert len(res.explanations) == len(workers)
    assert {e.status for e in res.explanations} <= {"placed", "no_feasible_place", "places_taken"}
    again = assign_places(workers, places, on_date=TODAY, allow_stretch=True, max_per_employer=2)
    assert dict(again.placements) == dict(res.placements)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"require_cutoff": True}, ValidationError, "handles the cut-off itself"),
        ({"allow_stretch": "yes"}, ValidationError, "allow_stretch must be True or False"),
        ({"max_stretch_distance": -1}, ValidationError, "max_stretch_distance must be >= 0"),
        ({"max_per_employer": 0}, ValidationError, "max_per_employer must be >= 1"),
        ({"priority_mode": "first"}, ValidationError, "priority_mode must be one of"),
        ({"priority_weight": -1}, ValidationError, "priority_weight must be >= 0"),
        ({"bvs_history": [("Acme", "x")]}, ValidationError, "bvs_history must be a mapping"),
        ({"bvs_history": {"W1": "Acme"}}, ValidationError, "bvs_history of worker 'W1' must"),
        ({"bvs_history": {"W1": [("Acme",)]}}, ValidationError, "each entry must be"),
        ({"priorities": [1]}, ValidationError, "priorities must be a mapping"),
        ({"priorities": {"W1": 1.5}}, ValidationError, r"priorities\['W1'\] must be an integer"),
        ({"on_date": "tomorrow"}, ValidationError, "on_date must be a date"),
        ({"method": "fast"}, ValidationError, "method must be one of"),
    ],
)
def test_assign_places_bad_input(kwargs, error, match):
    ws = [worker("W1")]
    ps = [place("B1", kind="bvs", employer="Acme")]
    with pytest.raises(error, match=match):
        run(ws, ps, **kwargs)


def test_assign_places_empty_and_duplicates():
    with pytest.raises(EmptyInputError, match="workers"):
        run([], [place("P1")])
    with pytest.raises(EmptyInputError, match="vacancies"):
        run([worker("W1")], [])
    with pytest.raises(DuplicateIdError):
        run([worker("W1"), worker("W1")], [place("P1")])
    res = run([worker("W1")], [place("P1")])
    with pytest.raises(ValidationError, match="'W9' is not part"):
        res.explain("W9")


def test_on_date_forms():
    ws, ps = [worker("W1")], [place("P1")]
    for d in (dt.date(2026, 11, 23), dt.datetime(2026, 11, 23, 8), TODAY):
        assert run(ws, ps, on_date=d).placements["W1"] == "P1"
    assert assign_places(ws, ps, max_km=None).placements["W1"] == "P1"  # today


def test_docstring_examples():
    import doctest

    result = doctest.testmod(asg, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0


def test_benchmark_smoke(capsys):
    import json

    from benchmarks import assignment as bench

    rc = bench.main(
        ["--workers", "300", "--places", "30", "--degree", "8", "--repeat", "1",
         "--baseline-repeat", "1", "--json"]
    )  # fmt: skip
    out = capsys.readouterr().out.strip().splitlines()
    assert rc == 0
    payload = json.loads(out[-1])
    assert payload["benchmark"] == "assignment"
    assert [r["scenario"] for r in payload["results"]] == ["goal", "oversubscribed"]
    assert all(r["exact"] for r in payload["results"])
    assert payload["results"][1]["placed"]["library"] < 300  # some must stay out
