"""``assign()``'s result, field by field, from its documented meaning, for every solver.

``Assignment``'s docstring: ``place_of`` (-1 = unassigned), ``total_cost`` = the sum of
``cost[i, place_of[i]]`` over the placed workers, ``n_assigned``, ``unassigned`` (ascending),
``load`` per place (never above its capacity), ``solver``. ``assign()``: as many workers as
possible, then the least total cost; ``inf`` and costs above ``max_cost`` forbid a pair; a
sparse matrix allows exactly its stored entries. The optimum is checked against exhaustive
enumeration (``enumerate_best`` in ``test_rules_assignment.py``), with capacities above one
(a place with several slots), capacity 0 and places nobody may take.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from doorstroom_match import assign
from doorstroom_match import assignment as asg
from tests.test_rules_assignment import enumerate_best

INF = math.inf
METHODS = ["dense", "lapjvsp", "sparse", "auto"]


def check_result(res, cost, capacity, *, max_cost=None):
    """Every field of ``res`` against its definition and the enumerated optimum."""
    n, m = cost.shape
    allowed = np.isfinite(cost) if max_cost is None else np.isfinite(cost) & (cost <= max_cost)
    masked = np.where(allowed, cost, INF)
    k, c = enumerate_best(masked, capacity)
    place_of = res.place_of
    placed = [i for i in range(n) if place_of[i] >= 0]
    assert all(place_of[i] == -1 for i in range(n) if i not in placed)
    assert all(allowed[i, place_of[i]] for i in placed)
    assert res.n_assigned == len(placed) == k
    assert res.unassigned.tolist() == [i for i in range(n) if place_of[i] < 0]
    assert res.load.tolist() == [sum(1 for i in placed if place_of[i] == j) for j in range(m)]
    assert all(res.load[j] <= capacity[j] for j in range(m))
    assert res.total_cost == math.fsum(cost[i, place_of[i]] for i in placed)
    assert res.total_cost == pytest.approx(c, abs=1e-9)
    for arr in (res.place_of, res.unassigned, res.load):
        assert arr.dtype == np.int64
        assert not arr.flags.writeable


def random_problem(rng, n, m, p_allowed=0.5, high_capacity=3):
    cost = np.where(
        rng.random((n, m)) < p_allowed,
        rng.choice([-4.0, 0.0, 1.0, 2.5, 9.0, 30.0], size=(n, m)),
        INF,
    )
    capacity = rng.integers(0, high_capacity + 1, size=m)
    return cost, capacity


@pytest.mark.parametrize("method", METHODS)
def test_every_field_against_enumeration_with_multi_slot_places(method):
    rng = np.random.default_rng(11)
    for _ in range(25):
        n, m = int(rng.integers(1, 8)), int(rng.integers(1, 5))
        cost, capacity = random_problem(rng, n, m)
        check_result(assign(cost, capacity, method=method), cost, capacity)


@pytest.mark.parametrize("method", METHODS)
def test_max_cost_forbids_dearer_pairs_and_keeps_equal_ones(method):
    rng = np.random.default_rng(12)
    for _ in range(15):
        n, m = int(rng.integers(2, 7)), int(rng.integers(1, 4))
        cost, capacity = random_problem(rng, n, m, p_allowed=0.8)
        for max_cost in (2.5, 0.0, -5.0):
            res = assign(cost, capacity, max_cost=max_cost, method=method)
            check_result(res, cost, capacity, max_cost=max_cost)


@pytest.mark.parametrize("method", METHODS)
def test_sparse_input_allows_exactly_the_stored_entries(method):
    # an explicit zero is an allowed pair at cost 0; an absent entry is forbidden
    dense = np.array([[0.0, INF, 3.0], [INF, INF, 1.0], [2.0, 0.0, INF], [INF, INF, INF]])
    stored = sp.csr_array(
        (
            np.array([0.0, 3.0, 1.0, 2.0, 0.0]),
            (np.array([0, 0, 1, 2, 2]), np.array([0, 2, 2, 0, 1])),
        ),
        shape=(4, 3),
    )
    for capacity in ([1, 1, 1], [2, 0, 1], [0, 0, 2], [1, 1, 0]):
        capacity = np.array(capacity)
        res = assign(stored, capacity, method=method)
        check_result(res, dense, capacity)


def test_solver_names_follow_the_method():
    cost = np.array([[1.0, 2.0], [3.0, INF]])
    assert assign(cost, [1, 1], method="dense").solver == "dense"
    assert assign(cost, [1, 1], method="lapjvsp").solver == "lapjvsp"
    small = assign(cost, [1, 1], method="auto").solver
    assert small == "dense"  # a tiny problem fits the dense solver
    sparse = assign(cost, [1, 1], method="sparse").solver
    assert sparse == ("ssp" if asg.numba_available() else "lapjvsp")


@pytest.mark.parametrize("method", METHODS)
def test_nobody_allowed_anywhere_or_no_capacity(method):
    cost = np.full((3, 2), INF)
    res = assign(cost, [1, 1], method=method)
    check_result(res, cost, np.array([1, 1]))
    cost = np.array([[1.0, 2.0], [0.0, 5.0]])
    res = assign(cost, [0, 0], method=method)
    check_result(res, cost, np.array([0, 0]))
    assert res.place_of.tolist() == [-1, -1]


@pytest.mark.parametrize("method", METHODS)
def test_hand_computed_example_with_a_two_slot_place(method):
    # place 0 takes two; worker 2 is cheapest at place 0 but placing all three needs
    # workers 0 and 1 at place 0 and worker 2 at place 1
    cost = np.array([[1.0, INF], [2.0, INF], [0.0, 10.0]])
    res = assign(cost, [2, 1], method=method)
    assert res.place_of.tolist() == [0, 0, 1]
    assert res.total_cost == 13.0
    assert res.load.tolist() == [2, 1]
    assert res.unassigned.tolist() == []
    # with place 1 closed, two of three fit: the two cheapest at place 0
    res = assign(cost, [2, 0], method=method)
    assert res.place_of.tolist() == [0, -1, 0]
    assert res.total_cost == 1.0
    assert res.unassigned.tolist() == [1]


def test_the_result_check_refuses_a_forbidden_pair_and_an_exceeded_capacity():
    """The last check before a result is returned (it guards against a solver bug): a pair
    the cost matrix forbids, or more workers than a place holds, is an internal error."""
    from doorstroom_match.assignment import _finish, _prepare

    inf = np.inf
    # worker 0 may only take place 0, worker 1 only place 1 (the allowed pair (1, 1) lies
    # right after where (0, 1) would be stored)
    prob = _prepare(np.array([[1.0, inf], [inf, 2.0]]), np.array([1, 1]), None)
    ok = _finish(prob, np.array([0, 1]), "test")
    assert ok.total_cost == 3.0 and ok.n_assigned == 2
    for bad in ([1, -1], [1, 1], [0, 0], [-1, 0]):
        with pytest.raises(
            AssertionError, match=r"^internal error: solver assigned a forbidden pair$"
        ):
            _finish(prob, np.array(bad), "test")
    over = _prepare(np.array([[1.0, 2.0], [1.0, 2.0]]), np.array([1, 1]), None)
    with pytest.raises(AssertionError, match=r"^internal error: solver exceeded a capacity$"):
        _finish(over, np.array([0, 0]), "test")
    assert _finish(over, np.array([0, 1]), "test").load.tolist() == [1, 1]
