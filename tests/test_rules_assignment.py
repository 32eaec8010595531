"""``assign()``: "as many workers as possible first, then the least cost", for every solver.

The solvers encode "placed first" with a penalty ``M`` for leaving a worker out; ``M`` must
exceed any cost change an augmenting path can make, and a path can run through every worker.
The instances here are built so that a too small ``M`` gives a visibly wrong answer:

- a *chain*: worker ``i`` may take place ``i`` (cost ``H``) or place ``i + 1`` (cost 0), and
  the last worker only place ``n - 1`` (cost 0). Leaving the last worker out costs 0; placing
  all ``n`` shifts the whole chain, at ``(n - 1) * H``. The rule says: place all ``n``.
- random sparse problems of 6 to 8 workers, checked against exhaustive enumeration (every
  assignment, memoised on the remaining capacities so 8 workers stay quick).
"""

from __future__ import annotations

import functools
import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstroom_match import assignment as asg
from doorstroom_match.assignment import _solve_grouped, _tier_costs, assign

INF = math.inf


def solve_all(cost, capacity):
    """{solver: place_of} for every exact solver, the numba and plain-Python ssp included."""
    out = {}
    methods = ["dense", "lapjvsp", "sparse", "auto"]
    if asg.numba_available():
        methods.append("ssp")
    for method in methods:
        out[method] = assign(cost, capacity, method=method).place_of
    prob = asg._prepare(cost, capacity, None)
    out["ssp-python"] = asg._solve_ssp(prob, jit=False)[0]
    # the grouped LP solver (employer limits), with a limit that binds nothing
    group = np.full(cost.shape[1], -1, dtype=np.int64)
    out["grouped"] = _solve_grouped(np.asarray(cost, float), np.asarray(capacity), group, 10**6)
    return out


def enumerate_best(cost, capacity) -> tuple[int, float]:
    """(most placed, least cost among those) over every feasible assignment."""
    n, m = cost.shape
    options = [[j for j in range(m) if math.isfinite(cost[i, j])] for i in range(n)]

    @functools.cache
    def best(i: int, left: tuple[int, ...]) -> tuple[int, float]:
        if i == n:
            return (0, 0.0)
        k, c = best(i + 1, left)  # worker i left out
        result = (k, c)
        for j in options[i]:
            if left[j] > 0:
                rest = left[:j] + (left[j] - 1,) + left[j + 1 :]
                k2, c2 = best(i + 1, rest)
                cand = (k2 + 1, c2 + cost[i, j])
                if cand[0] > result[0] or (cand[0] == result[0] and cand[1] < result[1]):
                    result = cand
        return result

    return best(0, tuple(int(c) for c in capacity))


def chain(n: int, high: float) -> np.ndarray:
    cost = np.full((n, n), INF)
    for i in range(n - 1):
        cost[i, i] = high
        cost[i, i + 1] = 0.0
    cost[n - 1, n - 1] = 0.0
    return cost


@pytest.mark.parametrize("n", [7, 8])
@pytest.mark.parametrize("high", [1.0, 1000.0, 1e6])
def test_chain_places_every_worker_with_every_solver(n, high):
    cost = chain(n, high)
    capacity = np.ones(n, dtype=np.int64)
    assert enumerate_best(cost, capacity) == (n, (n - 1) * high)
    for solver, place_of in solve_all(cost, capacity).items():
        assert place_of.tolist() == list(range(n)), solver


def test_chain_with_an_offset_and_negative_costs():
    # the same chain shifted: costs in [-5, -5 + H]; M must follow the range, not the values
    n, high = 7, 50.0
    cost = chain(n, high) - 5.0
    capacity = np.ones(n, dtype=np.int64)
    for solver, place_of in solve_all(cost, capacity).items():
        assert place_of.tolist() == list(range(n)), solver


@st.composite
def sparse_problems(draw, min_workers=6, max_workers=8):
    n = draw(st.integers(min_workers, max_workers))
    m = draw(st.integers(2, n))
    cost = np.full((n, m), INF)
    for i in range(n):
        # one to three allowed places per worker, costs on a wide range
        cols = draw(st.lists(st.integers(0, m - 1), min_size=1, max_size=3, unique=True))
        for j in cols:
            cost[i, j] = draw(st.sampled_from([0.0, 1.0, 7.0, 100.0, 1e4, -3.0]))
    capacity = np.array(draw(st.lists(st.integers(0, 2), min_size=m, max_size=m)))
    return cost, capacity


@settings(max_examples=40)
@given(problem=sparse_problems())
def test_every_solver_against_enumeration_up_to_8_workers(problem):
    cost, capacity = problem
    k, c = enumerate_best(cost, capacity)
    for solver, place_of in solve_all(cost, capacity).items():
        placed = np.flatnonzero(place_of >= 0)
        assert placed.size == k, solver
        assert np.all(np.isfinite(cost[placed, place_of[placed]])), solver
        assert np.all(np.bincount(place_of[placed], minlength=cost.shape[1]) <= capacity)
        assert math.fsum(cost[placed, place_of[placed]]) == pytest.approx(c, abs=1e-6), solver


def test_priority_tiers_keep_placed_first_on_a_chain():
    # with priorities the tier bonus must not outweigh "most placed": the chain still fills
    n = 7
    cost = chain(n, 10.0)
    tiers = np.array([0, 0, 0, 0, 0, 0, 1])
    work = _tier_costs(cost, tiers)
    for solver, place_of in solve_all(work, np.ones(n, dtype=np.int64)).items():
        assert place_of.tolist() == list(range(n)), solver


def test_big_m_exceeds_any_augmenting_path_change():
    # the penalty for one worker left out exceeds (n + 1) times the cost range
    rng = np.random.default_rng(0)
    for n in (1, 2, 7, 50):
        vals = rng.uniform(-100, 300, size=20)
        big = asg._big_m(vals, n)
        assert big > (n + 1) * (vals.max() - vals.min()) + abs(vals).max()


def brute_force_lex(cost, capacity, tiers):
    """(placed, placed per priority from the highest down, -cost) of the best assignment,
    by enumerating every assignment: the rule "most placed, then the most of the highest
    priority, then of the next, ..., then the least cost"."""
    n, m = cost.shape
    levels = sorted(set(tiers.tolist()), reverse=True)
    best = None
    options = [[-1] + [j for j in range(m) if np.isfinite(cost[i, j])] for i in range(n)]
    for choice in itertools.product(*options):
        placed = [(i, j) for i, j in enumerate(choice) if j >= 0]
        if np.any(np.bincount([j for _, j in placed], minlength=m) > capacity):
            continue
        key = (
            len(placed),
            *[sum(1 for i, _ in placed if tiers[i] == t) for t in levels],
            -math.fsum(cost[i, j] for i, j in placed),
        )
        best = key if best is None or key > best else best
    return best


def _lex(place_of, cost, tiers):
    levels = sorted(set(tiers.tolist()), reverse=True)
    placed = [(i, j) for i, j in enumerate(place_of) if j >= 0]
    return (
        len(placed),
        *[sum(1 for i, _ in placed if tiers[i] == t) for t in levels],
        -math.fsum(cost[i, j] for i, j in placed),
    )


def test_a_higher_priority_goes_first_whatever_the_cost_difference():
    # one place, two workers: the priority worker costs 100 more. Priority decides before
    # cost, however large the difference (a step of (workers + 1) alone, 3, would not do)
    cost = np.array([[100.0], [0.0]])
    tiers = np.array([1, 0])
    for solver, place_of in solve_all(_tier_costs(cost, tiers), np.ones(1, np.int64)).items():
        assert place_of.tolist() == [0, -1], solver
    # and at the same priority the cheaper one
    same = _tier_costs(cost, np.array([1, 1]))
    assert assign(same, np.ones(1, np.int64)).place_of.tolist() == [-1, 0]


def test_priorities_against_enumeration_with_wide_cost_ranges():
    rng = np.random.default_rng(18)
    for _ in range(40):
        n, m = rng.integers(2, 6), rng.integers(1, 4)
        cost = rng.integers(-500, 1000, size=(n, m)).astype(float)
        cost[rng.random((n, m)) < 0.3] = INF
        capacity = rng.integers(0, 3, size=m)
        tiers = rng.integers(0, 3, size=n)
        want = brute_force_lex(cost, capacity, tiers)
        for solver, place_of in solve_all(_tier_costs(cost, tiers), capacity).items():
            got = _lex(place_of.tolist(), cost, tiers)
            assert got[:-1] == want[:-1], solver
            assert got[-1] == pytest.approx(want[-1], abs=1e-6), solver


@pytest.mark.parametrize("offset", [1000.0, -1000.0, 1e6])
def test_costs_far_from_zero_still_place_everybody(offset):
    # "placed first" does not depend on where the costs lie: a solver that compares the
    # unshifted costs with the penalty for leaving a worker out (ssp) must place all four
    # workers at costs of a million as at costs near zero
    cases = [
        # every worker's cheapest place is the first: the later ones must move on to others
        (np.array([[0.0, 1.0], [0.0, 1.0], [0.0, 2.0]]), np.array([1, 2])),
        (np.array([[0.0, 1.0, INF], [1.0, 0.0, 2.0], [INF, 2.0, 0.0], [0.5, INF, 1.0]]),
         np.array([2, 1, 1])),
    ]  # fmt: skip
    for base, capacity in cases:
        cost = offset + base
        want = enumerate_best(cost, capacity)
        assert want[0] == len(base)
        for solver, place_of in solve_all(cost, capacity).items():
            placed = place_of >= 0
            assert placed.sum() == len(base), solver
            assert math.fsum(cost[placed, place_of[placed]]) == pytest.approx(want[1]), solver
