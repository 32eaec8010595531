"""Optimal assignment of workers to scarce places (internship places, vacancies).

Ranking per worker is not enough when places are scarce: two workers must not both be told that
the same single place is their best option. :func:`assign` places every worker at once.

The problem
-----------
``cost[i, j]`` is what it costs to place worker ``i`` at place ``j``; ``inf`` (or any value above
``max_cost``) forbids the pair. Place ``j`` takes at most ``capacity[j]`` workers. Among all
assignments that respect capacities and forbidden pairs, :func:`assign` returns one that places
**as many workers as possible** and, among those, has the **least total cost** (a lexicographic
objective: nobody is left out to save cost).

Solvers (``method=``)
---------------------
``"dense"``
    :func:`scipy.optimize.linear_sum_assignment` on the cost matrix with places expanded into
    slots (place ``j`` gets ``min(capacity[j], number of workers allowed at j)`` slots).
    Forbidden cells hold 0 and every allowed cell ``cost - cmin - M`` with a big constant ``M``,
    so the rectangular problem needs no padding: a worker matched to a forbidden cell is simply
    unassigned, and because ``M`` exceeds any cost difference an augmenting path can make, the
    optimum places as many workers as possible first. Good for small problems.
``"lapjvsp"``
    The straightforward sparse formulation: the same slot expansion as a sparse matrix for
    :func:`scipy.sparse.csgraph.min_weight_full_bipartite_matching`, one private "unassigned"
    column per worker with cost ``M`` so that a full matching always exists, and costs shifted
    to ``>= 1`` because sparse storage cannot hold an explicit zero. Exact, but slow on large,
    tight problems (about 4 s at 20,000 x 2,000 on the reference machine).
``"ssp"``
    Successive shortest paths on the *compact* graph (no slot expansion): places keep their
    capacity, a greedy start puts every worker whose cheapest place still has room there
    (reduced costs stay non-negative, so the start is dual-feasible), and every other worker is
    added by a Dijkstra search over places with Jonker-Volgenant style dual updates (pruned by
    the best terminal label found so far, over cost-sorted rows). Unassigned
    is a private dummy option of cost ``M`` per worker, so "as many as possible, then cheapest"
    holds exactly as in the other formulations. Needs numba (the ``fast`` extra) to be fast;
    the tests also run the very same function as plain Python against brute force.
``"sparse"``
    ``"ssp"`` when numba is available, else ``"lapjvsp"``.
``"auto"``
    ``"dense"`` for small problems (``n_workers * n_slots <= 1e6``), else ``"sparse"``.

All solvers are deterministic and exact (no approximation parameter; float64 arithmetic). The
tests check them against brute-force enumeration and against each other, and
``benchmarks/assignment.py`` checks them at scale. The "unassigned" penalty ``M`` is about
``2 * n_workers * cost range``; with extreme inputs (a cost range of 1e12 with differences of
1e-6 that matter) float64 rounding can blur near-ties, so scale such costs first.

A greedy "best pair first" allocation (:func:`assign_greedy`) and :func:`compare_with_greedy`
show a coach what the optimal assignment buys.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from ._exceptions import BackendUnavailableError, EmptyInputError, ValidationError
from ._jit import compiled

__all__ = [
    "Alternative",
    "Assignment",
    "AssignmentComparison",
    "PlacementExplanation",
    "PlacesAssignment",
    "assign",
    "assign_greedy",
    "assign_places",
    "compare_with_greedy",
    "numba_available",
]

METHODS = ("auto", "dense", "sparse", "ssp", "lapjvsp")
_DENSE_MAX_CELLS = 1_000_000


# --------------------------------------------------------------------------------------------
# result types
# --------------------------------------------------------------------------------------------
def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class Assignment:
    """The result of :func:`assign` or :func:`assign_greedy`.

    Attributes
    ----------
    place_of : ndarray of shape (n_workers,), int64
        The place index of every worker, ``-1`` when unassigned. Read-only.
    total_cost : float
        Sum of ``cost[i, place_of[i]]`` over the assigned workers (``math.fsum``, so it does
        not depend on summation order).
    n_assigned : int
        Number of workers placed.
    unassigned : ndarray of shape (n_workers - n_assigned,), int64
        Indices of the workers left without a place, ascending. Read-only.
    load : ndarray of shape (n_places,), int64
        Number of workers at each place (never above its capacity). Read-only.
    solver : str
        The solver that produced the result: ``"dense"``, ``"lapjvsp"``, ``"ssp"``,
        ``"ssp-python"`` (the same algorithm without numba) or ``"greedy"``.
    """

    place_of: np.ndarray
    total_cost: float
    n_assigned: int
    unassigned: np.ndarray
    load: np.ndarray
    solver: str

    @property
    def n_workers(self) -> int:
        """Number of workers (rows of the cost matrix)."""
        return int(self.place_of.shape[0])

    @property
    def n_places(self) -> int:
        """Number of places (columns of the cost matrix)."""
        return int(self.load.shape[0])

    def workers_at(self, place: int) -> np.ndarray:
        """Indices of the workers assigned to ``place``, ascending."""
        return np.flatnonzero(self.place_of == place)

    def pairs(self) -> np.ndarray:
        """The assigned ``(worker, place)`` pairs as an int64 array of shape (n_assigned, 2)."""
        w = np.flatnonzero(self.place_of >= 0)
        return np.stack([w, self.place_of[w]], axis=1)

    def __repr__(self) -> str:
        return (
            f"Assignment(n_workers={self.n_workers}, n_places={self.n_places}, "
            f"n_assigned={self.n_assigned}, total_cost={self.total_cost:.6g}, "
            f"solver={self.solver!r})"
        )


@dataclass(frozen=True, eq=False)
class AssignmentComparison:
    """Optimal versus greedy "best pair first" allocation of the same problem.

    Attributes
    ----------
    optimal, greedy : Assignment
        The two results.
    extra_placed : int
        ``optimal.n_assigned - greedy.n_assigned`` (never negative).
    cost_saving : float
        ``greedy.total_cost - optimal.total_cost``. Meaningful as a saving when both place the
        same number of workers (then it is never negative); when the optimum places more
        workers, its total includes their costs and can be higher.
    mean_cost_optimal, mean_cost_greedy : float
        Total cost per placed worker (``nan`` when nobody is placed).
    n_changed : int
        Number of workers whose place differs between the two.
    """

    optimal: Assignment
    greedy: Assignment
    extra_placed: int
    cost_saving: float
    mean_cost_optimal: float
    mean_cost_greedy: float
    n_changed: int

    def summary(self) -> str:
        """A few lines for a coach."""
        o, g = self.optimal, self.greedy
        lines = [
            f"optimal: {o.n_assigned} of {o.n_workers} placed, total cost {o.total_cost:.4g}"
            f" (mean {self.mean_cost_optimal:.4g})",
            f"greedy:  {g.n_assigned} of {g.n_workers} placed, total cost {g.total_cost:.4g}"
            f" (mean {self.mean_cost_greedy:.4g})",
        ]
        if self.extra_placed > 0:
            lines.append(f"optimal assignment places {self.extra_placed} more worker(s)")
        elif self.cost_saving > 0:
            lines.append(f"optimal assignment saves {self.cost_saving:.4g} in total cost")
        else:
            lines.append("greedy allocation is already optimal here")
        lines.append(f"{self.n_changed} worker(s) get a different place than under greedy")
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# validation and extraction of the feasible pairs
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Problem:
    n: int
    m: int
    indptr: np.ndarray  # (n + 1,) int64, CSR over workers
    cols: np.ndarray  # (E,) int64, ascending within a row
    vals: np.ndarray  # (E,) float64
    capacity: np.ndarray  # (m,) int64

    @property
    def rows(self) -> np.ndarray:
        return np.repeat(np.arange(self.n, dtype=np.int64), np.diff(self.indptr))


def _check_capacity(capacity: Any, m: int) -> np.ndarray:
    cap = np.asarray(capacity)
    if cap.ndim != 1:
        raise ValidationError(
            f"capacity must be a 1-d array of shape (n_places,) = ({m},), got shape {cap.shape}"
        )
    if cap.shape[0] != m:
        raise ValidationError(
            f"capacity has {cap.shape[0]} entries but cost has {m} places (columns); "
            "they must be equal"
        )
    if cap.dtype.kind == "b" or cap.dtype.kind not in "iuf":
        raise ValidationError(f"capacity must hold integers >= 0, got dtype {cap.dtype}")
    if cap.dtype.kind == "f":
        if not np.all(np.isfinite(cap)):
            raise ValidationError("capacity contains NaN or inf; capacities must be integers >= 0")
        frac = np.flatnonzero(np.mod(cap, 1) != 0)
        if frac.size:
            raise ValidationError(
                f"capacity[{frac[0]}] == {cap[frac[0]].item()!r} is fractional; "
                "capacities must be integers >= 0"
            )
    neg = np.flatnonzero(cap < 0)
    if neg.size:
        raise ValidationError(
            f"capacity[{neg[0]}] == {cap[neg[0]].item()!r} is negative; "
            "capacities must be integers >= 0"
        )
    return cap.astype(np.int64)


def _check_max_cost(max_cost: Any) -> float | None:
    if max_cost is None:
        return None
    if isinstance(max_cost, bool) or not isinstance(
        max_cost, (int, float, np.integer, np.floating)
    ):
        raise ValidationError(f"max_cost must be None or a number, got {max_cost!r}")
    value = float(max_cost)
    if math.isnan(value):
        raise ValidationError("max_cost must be None or a number, got nan")
    return value


def _prepare(cost: Any, capacity: Any, max_cost: Any) -> _Problem:
    """Validate the input and extract the allowed pairs as CSR arrays over the workers."""
    max_cost_f = _check_max_cost(max_cost)
    if cost is None:
        raise EmptyInputError("cost must be an array of shape (n_workers, n_places), got None")
    try:
        import scipy.sparse as sp

        is_sparse = sp.issparse(cost)
    except ImportError:  # pragma: no cover - scipy is a core dependency
        is_sparse = False
    if is_sparse:
        if cost.ndim != 2:
            raise ValidationError(f"cost must be 2-d (n_workers, n_places), got {cost.shape}")
        n, m = cost.shape
    else:
        cost = np.asarray(cost)
        if cost.ndim != 2:
            raise ValidationError(
                f"cost must be a 2-d array of shape (n_workers, n_places), got shape {cost.shape}"
            )
        n, m = cost.shape
    if n == 0 or m == 0:
        raise EmptyInputError(
            f"cost must hold at least one worker and one place, got shape ({n}, {m})"
        )
    cap = _check_capacity(capacity, m)

    if is_sparse:
        # stored entries (explicit zeros included) are the allowed pairs
        csr = sp.csr_array(cost, dtype=np.float64)
        csr.sum_duplicates()
        csr.sort_indices()
        data = csr.data
        if np.isnan(data).any():
            raise ValidationError("cost contains NaN; use inf to forbid a pair")
        if np.isneginf(data).any():
            raise ValidationError("cost contains -inf; costs must be finite or +inf (forbidden)")
        rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(csr.indptr))
        keep = data < np.inf if max_cost_f is None else data <= max_cost_f
        rows, cols, vals = rows[keep], csr.indices[keep].astype(np.int64), data[keep]
    else:
        if cost.dtype.kind not in "iuf" or cost.dtype.kind == "b":
            raise ValidationError(f"cost must hold real numbers, got dtype {cost.dtype}")
        cost = cost.astype(np.float64, copy=False)
        lowest = cost.min()  # NaN propagates through min: one pass checks NaN and -inf
        if math.isnan(lowest):
            raise ValidationError("cost contains NaN; use inf to forbid a pair")
        if lowest == -math.inf:
            raise ValidationError("cost contains -inf; costs must be finite or +inf (forbidden)")
        mask = cost < np.inf if max_cost_f is None else cost <= max_cost_f
        flat = np.flatnonzero(mask)  # row-major, so rows come out sorted
        rows = flat // m
        cols = flat - rows * m
        vals = cost.ravel()[flat] if cost.flags.c_contiguous else cost[rows, cols]
    counts = np.bincount(rows, minlength=n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return _Problem(
        n=n,
        m=m,
        indptr=indptr,
        cols=np.ascontiguousarray(cols, dtype=np.int64),
        vals=np.ascontiguousarray(vals, dtype=np.float64),
        capacity=cap,
    )


def _big_m(vals: np.ndarray, n: int) -> float:
    """A penalty for "unassigned" larger than any cost change an alternating path can make."""
    if vals.size == 0:
        return 1.0
    lo, hi = float(vals.min()), float(vals.max())
    return 2.0 * (n + 2) * (hi - lo + 1.0) + abs(hi) + abs(lo) + 1.0


def _finish(prob: _Problem, place_of: np.ndarray, solver: str) -> Assignment:
    place_of = np.asarray(place_of, dtype=np.int64)
    assigned = np.flatnonzero(place_of >= 0)
    if assigned.size:
        # the cost of each assigned pair, looked up in the CSR rows (cols sorted per row)
        starts = prob.indptr[assigned]
        ends = prob.indptr[assigned + 1]
        # (row, col) keys are globally sorted because cols ascend within each row
        key_cols = prob.cols + prob.rows * (prob.m + 1)
        target = place_of[assigned] + assigned * (prob.m + 1)
        pos = np.searchsorted(key_cols, target)
        ok = (pos >= starts) & (pos < ends)
        if not np.all(ok) or not np.array_equal(prob.cols[pos], place_of[assigned]):
            raise AssertionError("internal error: solver assigned a forbidden pair")
        total = math.fsum(prob.vals[pos].tolist())
    else:
        total = 0.0
    load = np.bincount(place_of[assigned], minlength=prob.m).astype(np.int64)
    if np.any(load > prob.capacity):  # pragma: no cover - guarded by the tests
        raise AssertionError("internal error: solver exceeded a capacity")
    return Assignment(
        place_of=_readonly(place_of),
        total_cost=float(total),
        n_assigned=int(assigned.size),
        unassigned=_readonly(np.flatnonzero(place_of < 0).astype(np.int64)),
        load=_readonly(load),
        solver=solver,
    )


def _slots(prob: _Problem) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Slot expansion: place j gets min(capacity[j], workers allowed at j) slots.

    Returns the slot start per place (m + 1,), and for every (worker, slot) edge its worker,
    slot and cost.
    """
    listers = np.bincount(prob.cols, minlength=prob.m)
    nslots = np.minimum(prob.capacity, listers)
    slot_start = np.zeros(prob.m + 1, dtype=np.int64)
    np.cumsum(nslots, out=slot_start[1:])
    rows = prob.rows
    reps = nslots[prob.cols]
    total = int(reps.sum())
    first = np.cumsum(reps) - reps
    within = np.arange(total, dtype=np.int64) - np.repeat(first, reps)
    er = np.repeat(rows, reps)
    es = np.repeat(slot_start[prob.cols], reps) + within
    ev = np.repeat(prob.vals, reps)
    return slot_start, er, es, ev


def _slot_to_place(slot_start: np.ndarray, slots: np.ndarray) -> np.ndarray:
    return np.searchsorted(slot_start, slots, side="right") - 1


# --------------------------------------------------------------------------------------------
# solvers
# --------------------------------------------------------------------------------------------
def _solve_dense(prob: _Problem) -> np.ndarray:
    from scipy.optimize import linear_sum_assignment

    place_of = np.full(prob.n, -1, dtype=np.int64)
    if prob.vals.size == 0:
        return place_of
    slot_start, er, es, ev = _slots(prob)
    n_slots = int(slot_start[-1])
    if n_slots == 0:
        return place_of
    big = _big_m(prob.vals, prob.n)
    # Allowed cells are all < 0, forbidden cells 0: matching a worker to a forbidden cell is the
    # same as leaving them out, so the rectangular problem needs no padding columns.
    mat = np.zeros((prob.n, n_slots), dtype=np.float64)
    mat[er, es] = (ev - float(prob.vals.min())) - big
    ri, ci = linear_sum_assignment(mat)
    real = mat[ri, ci] < 0
    place_of[ri[real]] = _slot_to_place(slot_start, ci[real])
    return place_of


def _solve_lapjvsp(prob: _Problem) -> np.ndarray:
    import scipy.sparse as sp
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    n = prob.n
    place_of = np.full(n, -1, dtype=np.int64)
    if prob.vals.size == 0:
        return place_of
    slot_start, er, es, ev = _slots(prob)
    n_slots = int(slot_start[-1])
    lo = float(prob.vals.min())
    big = _big_m(prob.vals, n)
    # costs shifted to >= 1: the sparse format cannot hold an explicit zero
    data = np.concatenate([ev - lo + 1.0, np.full(n, big + 1.0)])
    rows = np.concatenate([er, np.arange(n, dtype=np.int64)])
    cols = np.concatenate([es, n_slots + np.arange(n, dtype=np.int64)])
    mat = sp.csr_array((data, (rows, cols)), shape=(n, n_slots + n))
    ri, ci = min_weight_full_bipartite_matching(mat)
    real = ci < n_slots
    place_of[ri[real]] = _slot_to_place(slot_start, ci[real])
    return place_of


def _ssp_kernel(indptr, cols_in, vals_in, cap, big):  # noqa: C901 - one tight loop, kept together
    """Successive shortest paths with capacities on the compact worker-place graph.

    Written in the subset of Python that numba compiles; runs unchanged as plain Python.

    Duals: ``v[p] <= 0`` per place (0 while the place has room; it only ever decreases),
    ``u[w] = cost of w's edge - v[its place]`` implicit. Reduced costs ``c[w, p] - u[w] - v[p]``
    stay >= 0 throughout. Two prunings keep each Dijkstra short without changing its result:
    a place is only labelled below ``ub``, the best terminal (place with room, or a dummy) seen
    so far; and each worker's edges are scanned in increasing cost, stopping once
    ``key + c - u_w`` (a lower bound, as ``-v >= 0``) reaches ``ub``.
    Returns ``place_of`` (-1 = unassigned).
    """
    n = indptr.shape[0] - 1
    m = cap.shape[0]
    inf = np.inf
    # each row sorted by cost (stable insertion sort: rows are short)
    cols = cols_in.copy()
    vals = vals_in.copy()
    for w in range(n):
        a = indptr[w]
        for i in range(a + 1, indptr[w + 1]):
            x = vals[i]
            y = cols[i]
            j = i - 1
            while j >= a and vals[j] > x:
                vals[j + 1] = vals[j]
                cols[j + 1] = cols[j]
                j -= 1
            vals[j + 1] = x
            cols[j + 1] = y
    v = np.zeros(m)
    load = np.zeros(m, dtype=np.int64)
    slot_start = np.zeros(m + 1, dtype=np.int64)
    for p in range(m):
        slot_start[p + 1] = slot_start[p] + cap[p]
    slots = np.full(slot_start[m], -1, dtype=np.int64)
    place_of = np.full(n, -1, dtype=np.int64)
    slot_of = np.full(n, -1, dtype=np.int64)
    cost_of = np.zeros(n)

    # greedy start: a worker whose cheapest place has room goes there (v = 0 keeps it feasible)
    pending = np.empty(n, dtype=np.int64)
    n_pending = 0
    for w in range(n):
        best = inf
        bp = -1
        for e in range(indptr[w], indptr[w + 1]):
            if vals[e] < best:
                best = vals[e]
                bp = cols[e]
        if bp >= 0 and load[bp] < cap[bp]:
            s = slot_start[bp] + load[bp]
            load[bp] += 1
            slots[s] = w
            place_of[w] = bp
            slot_of[w] = s
            cost_of[w] = best
        elif bp >= 0:
            pending[n_pending] = w
            n_pending += 1
        # a worker without any allowed place stays unassigned

    d = np.full(m, inf)
    done = np.zeros(m, dtype=np.bool_)
    pred = np.full(m, -1, dtype=np.int64)
    pred_cost = np.zeros(m)
    touched = np.empty(m, dtype=np.int64)
    heap_cap = vals.shape[0] + m + 1
    hkey = np.empty(heap_cap)
    hval = np.empty(heap_cap, dtype=np.int64)

    for k in range(n_pending):
        w0 = pending[k]
        n_touched = 0
        hsize = 0
        best_dummy = big  # reduced cost of w0 staying unassigned (u[w0] taken as 0)
        dummy_worker = w0
        for e in range(indptr[w0], indptr[w0 + 1]):
            p = cols[e]
            nd = vals[e] - v[p]
            if nd < d[p]:
                if d[p] == inf:
                    touched[n_touched] = p
                    n_touched += 1
                d[p] = nd
                pred[p] = w0
                pred_cost[p] = vals[e]
                # heap push
                i = hsize
                hsize += 1
                while i > 0:
                    parent = (i - 1) >> 1
                    if hkey[parent] <= nd:
                        break
                    hkey[i] = hkey[parent]
                    hval[i] = hval[parent]
                    i = parent
                hkey[i] = nd
                hval[i] = p
        terminal = -1
        d_end = best_dummy
        ub = best_dummy  # best terminal label so far
        for e in range(indptr[w0], indptr[w0 + 1]):
            p = cols[e]
            if load[p] < cap[p] and d[p] < ub:
                ub = d[p]
        while hsize > 0:
            key = hkey[0]
            p = hval[0]
            # heap pop
            hsize -= 1
            lk = hkey[hsize]
            lv = hval[hsize]
            i = 0
            while True:
                c = 2 * i + 1
                if c >= hsize:
                    break
                if c + 1 < hsize and hkey[c + 1] < hkey[c]:
                    c += 1
                if hkey[c] >= lk:
                    break
                hkey[i] = hkey[c]
                hval[i] = hval[c]
                i = c
            if hsize > 0:
                hkey[i] = lk
                hval[i] = lv
            if done[p] or key > d[p]:
                continue
            if key > best_dummy:
                break
            done[p] = True
            if load[p] < cap[p]:
                terminal = p
                d_end = key
                break
            # full place: every worker there may move on to another place (or drop out)
            for s in range(slot_start[p], slot_start[p + 1]):
                w = slots[s]
                u_w = cost_of[w] - v[p]
                nd_dummy = key + big - u_w
                if nd_dummy < best_dummy:
                    best_dummy = nd_dummy
                    dummy_worker = w
                    if nd_dummy < ub:
                        ub = nd_dummy
                for e in range(indptr[w], indptr[w + 1]):
                    if key + vals[e] - u_w >= ub:
                        break  # this and every later edge of w would label at or above ub
                    p2 = cols[e]
                    if done[p2]:
                        continue
                    nd = key + vals[e] - v[p2] - u_w
                    if nd < d[p2] and nd < ub:
                        if load[p2] < cap[p2]:
                            ub = nd
                        if d[p2] == inf:
                            touched[n_touched] = p2
                            n_touched += 1
                        d[p2] = nd
                        pred[p2] = w
                        pred_cost[p2] = vals[e]
                        i = hsize
                        hsize += 1
                        while i > 0:
                            parent = (i - 1) >> 1
                            if hkey[parent] <= nd:
                                break
                            hkey[i] = hkey[parent]
                            hval[i] = hval[parent]
                            i = parent
                        hkey[i] = nd
                        hval[i] = p2
        if terminal < 0:
            d_end = best_dummy
        # dual update on the places whose distance is final
        for t in range(n_touched):
            p = touched[t]
            if done[p] and p != terminal:
                v[p] += d[p] - d_end
        # augment along the shortest path
        if terminal >= 0:
            p = terminal
            s = slot_start[p] + load[p]
            load[p] += 1
        else:
            w = dummy_worker
            if w == w0:
                p = -1
            else:
                p = place_of[w]
                s = slot_of[w]
                place_of[w] = -1
                slot_of[w] = -1
                cost_of[w] = 0.0
        while p >= 0:
            w = pred[p]
            old_p = place_of[w]
            old_s = slot_of[w]
            place_of[w] = p
            slot_of[w] = s
            slots[s] = w
            cost_of[w] = pred_cost[p]
            if w == w0:
                break
            p = old_p
            s = old_s
        for t in range(n_touched):
            p = touched[t]
            d[p] = inf
            done[p] = False
            pred[p] = -1
    return place_of


def numba_available() -> bool:
    """Whether numba is installed (the ``fast`` extra), which makes ``method="ssp"`` fast."""
    return compiled(_ssp_kernel) is not None


def _solve_ssp(prob: _Problem, *, jit: bool = True) -> tuple[np.ndarray, str]:
    kernel = compiled(_ssp_kernel) if jit else None
    args = (prob.indptr, prob.cols, prob.vals, prob.capacity, _big_m(prob.vals, prob.n))
    if kernel is None:
        return _ssp_kernel(*args), "ssp-python"
    return kernel(*args), "ssp"


def _resolve_method(method: str, prob: _Problem) -> str:
    if not isinstance(method, str) or method not in METHODS:
        raise ValidationError(
            f"method must be one of {', '.join(map(repr, METHODS))}, got {method!r}"
        )
    if method == "auto":
        listers = np.bincount(prob.cols, minlength=prob.m)
        n_slots = int(np.minimum(prob.capacity, listers).sum())
        method = "dense" if prob.n * max(n_slots, 1) <= _DENSE_MAX_CELLS else "sparse"
    if method == "sparse":
        method = "ssp" if numba_available() else "lapjvsp"
    return method


def assign(
    cost: Any, capacity: Any, max_cost: float | None = None, *, method: str = "auto"
) -> Assignment:
    """Assign workers to places: as many as possible, then at the least total cost.

    Parameters
    ----------
    cost : array-like of shape (n_workers, n_places), or a scipy sparse matrix
        Cost of placing worker ``i`` at place ``j`` (lower is better). ``inf`` forbids a pair.
        For a sparse matrix the stored entries are the allowed pairs (explicit zeros included)
        and everything else is forbidden.
    capacity : array-like of int, shape (n_places,)
        How many workers each place takes, ``>= 0``.
    max_cost : float, optional
        Pairs costing more than this are forbidden too.
    method : {"auto", "dense", "sparse", "ssp", "lapjvsp"}, default "auto"
        The solver; see the module docstring. All give an optimal assignment (when several
        assignments tie, they may pick different ones).

    Returns
    -------
    Assignment
        ``place_of`` (``-1`` = unassigned), ``total_cost``, ``n_assigned``, ``unassigned``,
        ``load`` and the ``solver`` used. An instance where not everyone fits is not an error:
        the unassigned workers are reported.

    Raises
    ------
    EmptyInputError
        No workers or no places.
    ValidationError
        ``cost`` not 2-d, NaN or -inf in ``cost``, ``capacity`` of the wrong shape, negative or
        fractional, ``max_cost`` NaN, or an unknown ``method``.
    BackendUnavailableError
        ``method="ssp"`` without numba installed.

    Examples
    --------
    >>> import numpy as np
    >>> from doorstroom_match import assign
    >>> inf = np.inf
    >>> cost = np.array([[1.0, 2.0], [1.0, inf], [1.5, 3.0]])
    >>> a = assign(cost, capacity=[1, 1])
    >>> a.place_of.tolist(), a.total_cost
    ([1, 0, -1], 3.0)
    """
    prob = _prepare(cost, capacity, max_cost)
    method = _resolve_method(method, prob)
    if method == "dense":
        return _finish(prob, _solve_dense(prob), "dense")
    if method == "lapjvsp":
        return _finish(prob, _solve_lapjvsp(prob), "lapjvsp")
    if not numba_available():
        raise BackendUnavailableError(
            "method='ssp' needs numba; install the 'fast' extra (pip install "
            "'doorstroom_match[fast]') or use method='sparse' / 'lapjvsp'"
        )
    place_of, solver = _solve_ssp(prob)
    return _finish(prob, place_of, solver)


def _greedy_place_of(prob: _Problem) -> np.ndarray:
    rows = prob.rows
    # cheapest pair first; ties by worker, then place: deterministic
    order = np.lexsort((prob.cols, rows, prob.vals))
    place_of = np.full(prob.n, -1, dtype=np.int64)
    left = prob.capacity.copy()
    r_sorted = rows[order].tolist()
    c_sorted = prob.cols[order].tolist()
    po = [-1] * prob.n
    lf = left.tolist()
    remaining = prob.n
    for w, p in zip(r_sorted, c_sorted, strict=True):
        if po[w] < 0 and lf[p] > 0:
            po[w] = p
            lf[p] -= 1
            remaining -= 1
            if remaining == 0:
                break
    place_of[:] = po
    return place_of


def assign_greedy(cost: Any, capacity: Any, max_cost: float | None = None) -> Assignment:
    """Greedy "best pair first" allocation, the baseline a coach would do by hand.

    All allowed (worker, place) pairs are taken in order of increasing cost (ties: lower worker
    index, then lower place index); a pair is granted when the worker has no place yet and the
    place still has room. Same parameters, errors and result type as :func:`assign`
    (``solver == "greedy"``). It never places more workers than :func:`assign`, and when it
    places as many, it never costs less.
    """
    prob = _prepare(cost, capacity, max_cost)
    return _finish(prob, _greedy_place_of(prob), "greedy")


def compare_with_greedy(
    cost: Any, capacity: Any, max_cost: float | None = None, *, method: str = "auto"
) -> AssignmentComparison:
    """Solve optimally and greedily and report the difference.

    Parameters are those of :func:`assign`. Returns an :class:`AssignmentComparison`; its
    ``summary()`` gives a few lines for a coach.
    """
    opt = assign(cost, capacity, max_cost, method=method)
    gre = assign_greedy(cost, capacity, max_cost)
    return _comparison(opt, gre)


def _comparison(opt: Assignment, gre: Assignment) -> AssignmentComparison:
    def mean(a: Assignment) -> float:
        return a.total_cost / a.n_assigned if a.n_assigned else math.nan

    return AssignmentComparison(
        optimal=opt,
        greedy=gre,
        extra_placed=opt.n_assigned - gre.n_assigned,
        cost_saving=gre.total_cost - opt.total_cost,
        mean_cost_optimal=mean(opt),
        mean_cost_greedy=mean(gre),
        n_changed=int(np.sum(opt.place_of != gre.place_of)),
    )


# ============================================================================================
# assign_places: workers and places, match() scores, the rules of the internship kinds
# ============================================================================================
_BLOCK_REASONS = {
    "kind": "soort plaats niet gevraagd",
    "expired": "niet meer open (einddatum voorbij)",
    "commute": "te ver van de woonplaats",
    "hard_filter": "harde competentie niet gehaald",
    "cutoff": "cut-off niet gehaald",
    "stretch_too_far": "cut-off niet gehaald en te ver eronder voor een stretchplaatsing",
    "bvs_company": "al twee BVS bij deze werkgever gedaan",
    "bvs_post": "al een BVS op deze post bij deze werkgever gedaan",
    "no_capacity": "de plaats heeft geen capaciteit",
}
PRIORITY_MODES = ("tier", "weight")


@dataclass(frozen=True)
class Alternative:
    """The next-best option of a worker, and why it is not theirs.

    Attributes
    ----------
    place_id : str
    score : float or None
        The worker's ``match()`` score there (``None`` when a hard filter excluded it).
    status : str
        ``"had_room"`` (allowed, and it still had room), ``"taken"`` (allowed, but full - see
        ``taken_by``), ``"employer_full"`` (allowed, but its employer reached
        ``max_per_employer``) or ``"forbidden"`` (a rule excludes the pair - see ``blocked``).
    taken_by : tuple of str
        Worker ids placed there (only ids, never other personal data).
    blocked : str or None
        The rule that excludes the pair: the matcher's hard filters ``kind``, ``expired``,
        ``commute``, ``hard_filter`` (a hard competence); ``cutoff``, ``stretch_too_far``,
        ``bvs_company``, ``bvs_post`` or ``no_capacity``.
    why : str
        The same in a coach's words (Dutch).
    """

    place_id: str
    score: float | None
    status: str
    taken_by: tuple[str, ...] = ()
    blocked: str | None = None
    why: str = ""


@dataclass(frozen=True)
class PlacementExplanation:
    """Why a worker got their place, or why none.

    Attributes
    ----------
    worker_id : str
    place_id : str or None
        The assigned place, ``None`` when unassigned.
    status : str
        ``"placed"``; ``"no_feasible_place"`` (every place is excluded by a rule - see
        ``blocked``); or ``"places_taken"`` (allowed places exist, but each went to other
        workers or hit its employer's limit in the best overall assignment - see ``taken_by``).
    score : float or None
        The ``match()`` score at the assigned place.
    stretch : bool
        Placed although the cut-off is not met (only with ``allow_stretch=True``).
    priority : int
        The priority the assignment used for this worker (higher went first).
    message : str
        One or two sentences for a coach (Dutch).
    reasons : tuple of str
        ``match()``'s reasons at the assigned place (empty when unassigned).
    alternative : Alternative or None
        The next-best option: the best other allowed place (or, with none, the closest
        excluded one) and why it is not this worker's.
    blocked : mapping of str to int
        How many places each rule excluded for this worker.
    taken_by : mapping of str to tuple of str
        For an unassigned worker: each allowed place and the worker ids placed there.
    """

    worker_id: str
    place_id: str | None
    status: str
    score: float | None
    stretch: bool
    priority: int
    message: str
    reasons: tuple[str, ...] = ()
    alternative: Alternative | None = None
    blocked: Mapping[str, int] = field(default_factory=dict)
    taken_by: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class PlacesAssignment:
    """The result of :func:`assign_places`.

    Attributes
    ----------
    placements : mapping of str to str or None
        Worker id -> place id (``None`` = no place), in the order of the input workers.
    explanations : tuple of PlacementExplanation
        One per worker, same order.
    assignment : Assignment
        The index-level result; its ``total_cost`` is minus the total ``match()`` score.
    greedy : Assignment
        The greedy "best pair first" allocation under the same rules.
    comparison : AssignmentComparison
        Optimal versus greedy (costs are minus scores).
    worker_ids, place_ids : tuple of str
        Row and column order of the index-level results.
    total_score : float
        Sum of the ``match()`` scores of the assigned pairs.
    n_stretch : int
        Number of stretch placements (cut-off not met).
    """

    placements: Mapping[str, str | None]
    explanations: tuple[PlacementExplanation, ...]
    assignment: Assignment
    greedy: Assignment
    comparison: AssignmentComparison
    worker_ids: tuple[str, ...]
    place_ids: tuple[str, ...]
    total_score: float
    n_stretch: int

    @property
    def n_placed(self) -> int:
        """Number of workers placed."""
        return self.assignment.n_assigned

    def explain(self, worker_id: str) -> PlacementExplanation:
        """The explanation for one worker id."""
        for e in self.explanations:
            if e.worker_id == worker_id:
                return e
        raise ValidationError(f"worker id {worker_id!r} is not part of this assignment")

    def summary(self) -> str:
        """A few lines for a coach: placed, stretch placements, and what optimal buys."""
        g = self.greedy
        return (
            f"{self.n_placed} of {len(self.worker_ids)} workers placed on "
            f"{len(self.place_ids)} places ({self.n_stretch} stretch placement(s)), "
            f"total score {self.total_score:.3f}\n"
            f"greedy best-pair-first: {g.n_assigned} placed, total score {-g.total_cost:.3f}"
        )

    def to_records(self) -> list[dict[str, Any]]:
        """One JSON-serialisable row per worker."""
        rows = []
        for e in self.explanations:
            alt = e.alternative
            rows.append(
                {
                    "worker_id": e.worker_id,
                    "place_id": e.place_id,
                    "status": e.status,
                    "score": None if e.score is None else round(e.score, 6),
                    "stretch": e.stretch,
                    "priority": e.priority,
                    "message": e.message,
                    "alternative": None
                    if alt is None
                    else {
                        "place_id": alt.place_id,
                        "status": alt.status,
                        "score": None if alt.score is None else round(alt.score, 6),
                        "taken_by": list(alt.taken_by),
                        "blocked": alt.blocked,
                    },
                }
            )
        return rows


def _bvs_key(entry: Any, worker_id: str) -> tuple[str | None, str | None]:
    if isinstance(entry, Mapping):
        employer, post = entry.get("employer"), entry.get("post")
    elif isinstance(entry, (tuple, list)) and len(entry) == 2:
        employer, post = entry
    else:
        raise ValidationError(
            f"bvs_history of worker {worker_id!r}: each entry must be (employer, post) or "
            f"{{'employer': ..., 'post': ...}}, got {type(entry).__name__}"
        )
    norm = [None if x is None else str(x).strip().casefold() or None for x in (employer, post)]
    return norm[0], norm[1]


def _worker_bvs_history(worker: Any, bvs_history: Mapping[str, Any] | None) -> list:
    if bvs_history is not None and worker.id in bvs_history:
        entries = bvs_history[worker.id]
    else:
        entries = worker.extra.get("bvs_history", ()) if worker.extra else ()
    if entries is None:
        return []
    if isinstance(entries, (str, bytes, Mapping)):
        raise ValidationError(
            f"bvs_history of worker {worker.id!r} must be a list of (employer, post) entries, "
            f"got {type(entries).__name__}"
        )
    return [_bvs_key(e, worker.id) for e in entries]


def _tiers(
    workers: list,
    priorities: Mapping[str, int] | None,
    on_date: Any,
    lde_horizon_days: int,
) -> np.ndarray:
    """Priority per worker: the profile's ``priority`` (or the ``priorities`` override), plus
    one when an LDE term ends within ``lde_horizon_days`` of ``on_date``."""
    from ._validation import check_int

    today = on_date
    out = np.zeros(len(workers), dtype=np.int64)
    for i, w in enumerate(workers):
        if priorities is not None and w.id in priorities:
            base = check_int(priorities[w.id], f"priorities[{w.id!r}]")
        else:
            base = int(w.priority)
        urgent = (
            w.lde_end_date is not None
            and (w.contract or "").upper() == "LDE"
            and (w.lde_end_date - today).days <= lde_horizon_days
        )
        out[i] = base + int(urgent)
    return out


def _tier_costs(cost: np.ndarray, tiers: np.ndarray) -> np.ndarray:
    """Costs under which "most placed, then cheapest" means "most placed, then the most of the
    highest priority, then of the next, ..., then cheapest".

    A linear bonus per priority rank is enough for this lexicographic result: the sets of
    workers that can be placed together form a matroid (a gammoid, also with per-employer
    limits), whose greedy basis places the most workers at or above every priority level at
    once (it is Gale-optimal). So every maximiser of the summed ranks is lexicographically best,
    and a step larger than any difference in total cost makes the ranks decide before the costs.
    """
    if np.unique(tiers).size <= 1:
        return cost
    n = cost.shape[0]
    _, rank = np.unique(tiers, return_inverse=True)
    fin = cost[np.isfinite(cost)]
    spread = float(fin.max() - fin.min()) + 1.0 if fin.size else 1.0
    return cost - ((n + 1) * spread * rank)[:, None]


def _as_date(on_date: Any) -> Any:
    import datetime as dt

    if on_date is None:
        return dt.date.today()
    if isinstance(on_date, dt.datetime):
        return on_date.date()
    if isinstance(on_date, dt.date):
        return on_date
    if isinstance(on_date, str):
        try:
            return dt.date.fromisoformat(on_date.strip())
        except ValueError:
            pass
    raise ValidationError(f"on_date must be a date or an ISO date string, got {on_date!r}")


def _commute_km(wks: list, vacs: list) -> np.ndarray:
    """Crow-flies km between every worker and place (nan where a postcode is unknown)."""
    from .geo import haversine_km, postcode_coordinates

    a = postcode_coordinates([w.postcode for w in wks])
    b = postcode_coordinates([v.postcode for v in vacs])
    return haversine_km(a, b)


def _filter_reasons(
    wks: list, vacs: list, km: np.ndarray, params: Mapping[str, Any], today: Any
) -> np.ndarray:
    """Which of the matcher's hard filters excludes each pair (the last that applies wins)."""
    n, m = len(wks), len(vacs)
    out = np.full((n, m), "hard_filter", dtype=object)
    kinds = params.get("kinds")
    if kinds is not None:
        kinds = {kinds} if isinstance(kinds, str) else set(kinds)
    max_km = params.get("max_km", "worker")
    if max_km is None:
        limit = np.full(n, np.inf)
    elif max_km == "worker":
        limit = np.array([np.inf if w.max_commute_km is None else w.max_commute_km for w in wks])
    else:
        limit = np.full(n, float(max_km))
    far = np.nan_to_num(km, nan=0.0) > limit[:, None]
    out[far] = "commute"
    for j, v in enumerate(vacs):
        if v.valid_until is not None and today is not None and v.valid_until < today:
            out[:, j] = "expired"
        if kinds is not None and v.kind not in kinds:
            out[:, j] = "kind"
    return out


def _solve_grouped(
    cost: np.ndarray, capacity: np.ndarray, group: np.ndarray, group_cap: int
) -> np.ndarray:
    """Most placed, then least cost, with at most ``group_cap`` workers per group of places.

    Places and their groups (employers) form a laminar family, so the constraint matrix is
    totally unimodular and a basic optimal solution of the linear programme is integral. Two
    phases (most placed, then least cost at that count) avoid a big-M objective; HiGHS' dual
    simplex returns a basic (vertex) solution.
    """
    import scipy.sparse as sp
    from scipy.optimize import linprog

    n, m = cost.shape
    place_of = np.full(n, -1, dtype=np.int64)
    r, c = np.nonzero(np.isfinite(cost))
    if r.size == 0:
        return place_of
    e = r.size
    cols = np.arange(e)
    groups = np.unique(group[c][group[c] >= 0])
    gidx = np.searchsorted(groups, group[c])
    has_g = group[c] >= 0
    blocks = [
        sp.csr_array((np.ones(e), (r, cols)), shape=(n, e)),
        sp.csr_array((np.ones(e), (c, cols)), shape=(m, e)),
        sp.csr_array((np.ones(has_g.sum()), (gidx[has_g], cols[has_g])), shape=(len(groups), e)),
    ]
    a_ub = sp.vstack(blocks).tocsr()
    b_ub = np.concatenate([np.ones(n), capacity.astype(float), np.full(len(groups), group_cap)])
    opts = {"presolve": True}
    res1 = linprog(
        -np.ones(e), A_ub=a_ub, b_ub=b_ub, bounds=(0, 1), method="highs-ds", options=opts
    )
    if res1.status != 0:  # pragma: no cover - the LP is always feasible and bounded
        raise AssertionError(f"internal error: placement LP failed ({res1.message})")
    k = round(-res1.fun)
    if k == 0:
        return place_of
    res2 = linprog(
        cost[r, c],
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=np.ones((1, e)),
        b_eq=[k],
        bounds=(0, 1),
        method="highs-ds",
        options=opts,
    )
    if res2.status != 0:  # pragma: no cover
        raise AssertionError(f"internal error: placement LP failed ({res2.message})")
    x = res2.x
    chosen = x > 0.5
    if np.any(np.abs(x - chosen) > 1e-6):  # pragma: no cover - TU guarantees integrality
        raise AssertionError("internal error: fractional placement LP solution")
    place_of[r[chosen]] = c[chosen]
    return place_of


def _greedy_grouped(
    cost: np.ndarray, capacity: np.ndarray, group: np.ndarray, group_cap: int | None
) -> np.ndarray:
    n, m = cost.shape
    r, c = np.nonzero(np.isfinite(cost))
    order = np.lexsort((c, r, cost[r, c]))
    place_of = np.full(n, -1, dtype=np.int64)
    left = capacity.astype(np.int64).copy()
    g_used: dict[int, int] = {}
    for i, j in zip(r[order].tolist(), c[order].tolist(), strict=True):
        if place_of[i] >= 0 or left[j] <= 0:
            continue
        g = int(group[j])
        if group_cap is not None and g >= 0 and g_used.get(g, 0) >= group_cap:
            continue
        place_of[i] = j
        left[j] -= 1
        if g >= 0:
            g_used[g] = g_used.get(g, 0) + 1
    return place_of


def assign_places(
    workers: Any,
    places: Any,
    *,
    allow_stretch: bool = False,
    max_stretch_distance: float = 1.5,
    max_per_employer: int | None = None,
    bvs_history: Mapping[str, Any] | None = None,
    priorities: Mapping[str, int] | None = None,
    priority_mode: str = "tier",
    priority_weight: float = 0.1,
    lde_horizon_days: int = 365,
    on_date: Any = None,
    method: str = "auto",
    vacancy_vectors: Any = None,
    **match_params: Any,
) -> PlacesAssignment:
    """Assign workers to internship places and vacancies, with the rules of the field.

    Scores come from :class:`~doorstroom_match.Matcher` (the same signals as ``match()``); the
    cost of a pair is minus its score. Then :func:`assign` places as many workers as possible
    and, among those, maximises the total score, under these rules:

    - **Cut-off**: a pair whose cut-off is not met is excluded, unless ``allow_stretch=True``
      and its distance (weighted shortfall) is at most ``max_stretch_distance``: a *stretch
      placement*, to be bridged by a development plan. Stretch pairs keep their lower score
      (no cut-off bonus), so a passing place is preferred when one is free.
    - **Hard filters** of the matcher (``kinds``, ``max_km`` commute - by default each worker's
      own ``max_commute_km`` -, ``hard_competences``, ``on_date`` validity) exclude pairs.
    - **BVS** (beroepsverkennende stage, 1-5 days): a worker does at most two BVS at the same
      company, and then on different posts. ``bvs_history`` gives each worker's past BVS; a BVS
      place is excluded when the worker already did two at its employer, or one on the same
      post there. A place without a known employer counts as its own company; one without a
      known post as its own post.
    - **Capacity** of each place, and at most ``max_per_employer`` workers per employer in one
      round (then solved as a linear programme over the places and employers, which is
      integral because the constraints are laminar).
    - **Priorities**: a worker's ``priority`` (or ``priorities[worker_id]``), plus one when an
      LDE term (``contract="LDE"``) ends within ``lde_horizon_days`` of ``on_date``.
      ``priority_mode="tier"`` (default) is lexicographic: the assignment first places as many
      workers of the highest priority as it can, then of the next, and only then looks at
      scores. We chose tiers because the LDE deadline is a legal one: a soft bonus could be
      outweighed by a slightly better fit for someone else. Placing priority workers first
      never lowers the number placed overall (the sets of workers that can be placed together
      form a matroid), but it can lower the total score; the priority worker gets *a* place,
      not necessarily their best one. ``priority_mode="weight"`` instead adds
      ``priority_weight * priority`` to the score of each of the worker's pairs (a soft
      preference that trades against fit).

    Parameters
    ----------
    workers : sequence of WorkerProfile or records
    places : sequence of Vacancy or records
        Internship places and/or vacancies, with ``capacity``, ``employer``, ``post``.
    allow_stretch : bool, default=False
    max_stretch_distance : float, default=1.5
        Largest distance (``match()``'s weighted shortfall) of a stretch placement.
    max_per_employer : int, optional
    bvs_history : mapping of str to sequence, optional
        Worker id -> past BVS as ``(employer, post)`` pairs or ``{"employer", "post"}`` records.
        When a worker is not in it, ``worker.extra["bvs_history"]`` is used, if present.
    priorities : mapping of str to int, optional
        Worker id -> priority, overriding the profiles' ``priority``.
    priority_mode : {"tier", "weight"}, default="tier"
    priority_weight : float, default=0.1
        Score per priority level with ``priority_mode="weight"``.
    lde_horizon_days : int, default=365
    on_date : date or ISO str, optional
        "Today" for the LDE horizon (default: the current date).
    method : str, default="auto"
        Solver of :func:`assign` (without ``max_per_employer``).
    vacancy_vectors : ndarray of shape (n_places, d), optional
        Text vectors of the places computed beforehand (see :meth:`Matcher.fit`).
    **match_params
        Any :class:`~doorstroom_match.Matcher` parameter (``text``, ``kinds``, ``max_km``,
        ``hard_competences``, ``weights``, ...) except ``require_cutoff`` (use
        ``allow_stretch``).

    Returns
    -------
    PlacesAssignment
        Placements, an explanation per worker, and the comparison with a greedy "best pair
        first" allocation under the same rules.

    Raises
    ------
    EmptyInputError
        No workers or no places.
    DuplicateIdError
        Two workers or two places share an id.
    ValidationError
        A bad parameter (names the parameter, what is allowed and what was received).

    Notes
    -----
    Made for a coaching team's scale (hundreds of workers, hundreds of places): every pair is
    scored and explained by the matcher (about 3 s for 400 x 150 on the reference machine, nearly
    all of it in ranking). For tens of thousands, build a cost matrix yourself and call
    :func:`assign`.

    Examples
    --------
    >>> from doorstroom_match import WorkerProfile, Vacancy, assign_places
    >>> ws = [WorkerProfile("W1", {"samenwerken": 3}), WorkerProfile("W2", {"samenwerken": 4})]
    >>> ps = [Vacancy("P1", "magazijnier", kind="tbs", requirements={"samenwerken": 3}),
    ...       Vacancy("P2", "magazijnier", kind="tbs", requirements={"samenwerken": 4})]
    >>> res = assign_places(ws, ps, max_km=None, on_date="2026-01-01")
    >>> dict(res.placements)
    {'W1': 'P1', 'W2': 'P2'}
    """
    from ._validation import check_int, check_number
    from .ranking import Matcher, as_vacancies, as_workers

    if "require_cutoff" in match_params:
        raise ValidationError(
            "assign_places handles the cut-off itself: pass allow_stretch=True/False and "
            "max_stretch_distance instead of require_cutoff"
        )
    if not isinstance(allow_stretch, (bool, np.bool_)):
        raise ValidationError(f"allow_stretch must be True or False, got {allow_stretch!r}")
    max_stretch_distance = check_number(max_stretch_distance, "max_stretch_distance", low=0.0)
    if max_per_employer is not None:
        max_per_employer = check_int(max_per_employer, "max_per_employer", low=1)
    if priority_mode not in PRIORITY_MODES:
        raise ValidationError(
            f"priority_mode must be one of {PRIORITY_MODES}, got {priority_mode!r}"
        )
    priority_weight = check_number(priority_weight, "priority_weight", low=0.0)
    lde_horizon_days = check_int(lde_horizon_days, "lde_horizon_days")
    if bvs_history is not None and not isinstance(bvs_history, Mapping):
        raise ValidationError(
            f"bvs_history must be a mapping worker id -> list of (employer, post), "
            f"got {type(bvs_history).__name__}"
        )
    if priorities is not None and not isinstance(priorities, Mapping):
        raise ValidationError(
            f"priorities must be a mapping worker id -> int, got {type(priorities).__name__}"
        )

    today = _as_date(on_date)
    match_params.setdefault("on_date", today)
    wks = as_workers(workers, match_params.get("dictionary"))
    vacs = as_vacancies(places, match_params.get("dictionary"))
    n, m = len(wks), len(vacs)
    place_index = {v.id: j for j, v in enumerate(vacs)}

    # --- scores of every pair that passes the matcher's hard filters
    match_params.setdefault("fill_beyond", False)  # a place beyond the limit is never assigned
    ranked = Matcher(**match_params).fit(vacs, vacancy_vectors=vacancy_vectors).rank(wks, top=m)
    score = np.full((n, m), np.nan)
    matches: list[dict[int, Any]] = []
    for i, row in enumerate(ranked):
        by_place = {}
        for mt in row:
            j = place_index[mt.vacancy_id]
            score[i, j] = mt.score
            by_place[j] = mt
        matches.append(by_place)

    # --- the rules, as a reason code per excluded pair ("" = allowed)
    block = np.full((n, m), "", dtype=object)
    km = _commute_km(wks, vacs)
    if np.isnan(score).any():
        reasons = _filter_reasons(wks, vacs, km, match_params, today)
        block[np.isnan(score)] = reasons[np.isnan(score)]
    for i in range(n):
        for j, mt in matches[i].items():
            # an inferred cut-off (the place states none) ranks, but never excludes
            if not mt.passes_cutoff and mt.requirements_source == "vacancy":
                if not allow_stretch:
                    block[i, j] = "cutoff"
                elif mt.distance > max_stretch_distance:
                    block[i, j] = "stretch_too_far"
    bvs_places = [j for j, v in enumerate(vacs) if v.kind == "bvs"]
    if bvs_places:
        for i, w in enumerate(wks):
            history = _worker_bvs_history(w, bvs_history)
            if not history:
                continue
            for j in bvs_places:
                v = vacs[j]
                company = (v.employer or f"\x00{v.id}").strip().casefold()
                post = (v.post or f"\x00{v.id}").strip().casefold()
                at_company = [p for e, p in history if e == company]
                if block[i, j] in ("", "cutoff", "stretch_too_far"):
                    if len(at_company) >= 2:
                        block[i, j] = "bvs_company"
                    elif post in at_company:
                        block[i, j] = "bvs_post"
    capacity = np.array([v.capacity for v in vacs], dtype=np.int64)
    block[:, capacity == 0] = np.where(
        block[:, capacity == 0] == "", "no_capacity", block[:, capacity == 0]
    )
    allowed = block == ""

    # --- costs: minus the score, priorities as tiers or weights
    tiers = _tiers(wks, priorities, today, lde_horizon_days)
    raw = np.where(allowed, -np.nan_to_num(score, nan=0.0), np.inf)
    work = raw.copy()
    if priority_mode == "weight":
        work -= priority_weight * tiers[:, None]
    else:
        work = _tier_costs(work, tiers)

    # --- optimal and greedy, under the same rules
    group = np.full(m, -1, dtype=np.int64)
    if max_per_employer is not None:
        employers = {}
        for j, v in enumerate(vacs):
            if v.employer is not None:
                group[j] = employers.setdefault(v.employer.strip().casefold(), len(employers))
        place_of = _solve_grouped(work, capacity, group, max_per_employer)
        solver = "lp"
    else:
        res = assign(work, capacity, method=method)
        place_of, solver = np.array(res.place_of), res.solver
    greedy_of = _greedy_grouped(work, capacity, group, max_per_employer)
    raw_prob = _prepare(raw, capacity, None)
    opt = _finish(raw_prob, place_of, solver)
    gre = _finish(raw_prob, greedy_of, "greedy")
    comparison = _comparison(opt, gre)

    # --- explanations
    worker_ids = tuple(w.id for w in wks)
    holders: list[list[int]] = [[] for _ in range(m)]
    for i, j in enumerate(place_of.tolist()):
        if j >= 0:
            holders[j].append(i)
    employer_load: dict[int, int] = {}
    for j in range(m):
        if group[j] >= 0:
            employer_load[int(group[j])] = employer_load.get(int(group[j]), 0) + len(holders[j])

    def place_status(i: int, j: int) -> tuple[str, tuple[str, ...]]:
        taken = tuple(worker_ids[h] for h in holders[j] if h != i)
        if len(holders[j]) - (i in holders[j]) < capacity[j]:
            g = int(group[j])
            if max_per_employer is not None and g >= 0:
                others = employer_load.get(g, 0) - (
                    1 if place_of[i] >= 0 and group[place_of[i]] == g else 0
                )
                if others >= max_per_employer:
                    return "employer_full", taken
            return "had_room", taken
        return "taken", taken

    def why_taken(i: int, j: int, taken: tuple[str, ...]) -> str:
        vid = vacs[j].id
        if not taken:
            return f"{vid}: werkgever heeft al {max_per_employer} medewerker(s) in deze ronde"
        others = [h for h in holders[j] if h != i]
        better = [h for h in others if score[h, j] > score[i, j]]
        as_good = [h for h in others if score[h, j] >= score[i, j]]
        prior = [h for h in others if tiers[h] > tiers[i]]
        names = ", ".join(taken)
        if prior and priority_mode == "tier":
            return f"{vid} ging naar {names} (voorrang)"
        if len(better) == len(others):
            return f"{vid} ging naar {names}, voor wie de plaats beter past"
        if len(as_good) == len(others):
            return f"{vid} ging naar {names}, voor wie de plaats even goed past"
        return (
            f"{vid} ging naar {names}; deze medewerker daar plaatsen laat elders iemand zonder "
            "plaats of verlaagt de totale score"
        )

    explanations = []
    n_stretch = 0
    for i, w in enumerate(wks):
        j0 = int(place_of[i])
        blocked_counts: dict[str, int] = {}
        for j in range(m):
            if block[i, j]:
                blocked_counts[block[i, j]] = blocked_counts.get(block[i, j], 0) + 1
        feasible = [j for j in np.flatnonzero(allowed[i]).tolist() if j != j0]
        feasible.sort(key=lambda j: (-score[i, j], j))
        alt = None
        if feasible:
            j = feasible[0]
            st, taken = place_status(i, j)
            why = {
                "had_room": f"{vacs[j].id} had nog plaats, maar scoort niet hoger"
                if j0 >= 0
                else f"{vacs[j].id} had nog plaats",
                "taken": why_taken(i, j, taken),
                "employer_full": why_taken(i, j, ()),
            }[st]
            alt = Alternative(vacs[j].id, float(score[i, j]), st, taken, None, why)
        else:
            excluded = [j for j in range(m) if block[i, j] and j != j0]
            if excluded:
                excluded.sort(
                    key=lambda j: (
                        np.isnan(score[i, j]),
                        -np.nan_to_num(score[i, j]),
                        np.nan_to_num(km[i, j], nan=np.inf),
                        j,
                    )
                )
                j = excluded[0]
                code = block[i, j]
                why = f"{vacs[j].id}: {_BLOCK_REASONS[code]}"
                if code == "commute":
                    why += f" ({km[i, j]:.0f} km)"
                if code in ("cutoff", "stretch_too_far") and j in matches[i]:
                    gaps = matches[i][j].gaps
                    why += " (" + "; ".join(g.describe() for g in gaps[:3]) + ")"
                s = None if np.isnan(score[i, j]) else float(score[i, j])
                alt = Alternative(vacs[j].id, s, "forbidden", (), code, why)
        if j0 >= 0:
            mt = matches[i][j0]
            stretch = not mt.passes_cutoff
            n_stretch += stretch
            msg = f"geplaatst op {vacs[j0].id} ({vacs[j0].title})"
            msg += (
                f", als stretchplaatsing: afstand {mt.distance:g} tot de cut-off"
                if stretch
                else ", voldoet aan de cut-off"
            )
            if alt is not None:
                msg += f"; volgende optie: {alt.why}"
            explanations.append(
                PlacementExplanation(
                    w.id,
                    vacs[j0].id,
                    "placed",
                    float(mt.score),
                    stretch,
                    int(tiers[i]),
                    msg,
                    tuple(mt.reasons),
                    alt,
                    MappingProxyType(blocked_counts),
                    MappingProxyType({}),
                )
            )
            continue
        feasible_all = np.flatnonzero(allowed[i]).tolist()
        if not feasible_all:
            parts = ", ".join(
                f"{k} plaats(en): {_BLOCK_REASONS[c]}" for c, k in sorted(blocked_counts.items())
            )
            msg = f"geen toegelaten plaats: {parts}"
            if alt is not None:
                msg += f"; dichtstbij: {alt.why}"
            status = "no_feasible_place"
            taken_map: dict[str, tuple[str, ...]] = {}
        else:
            taken_map = {vacs[j].id: tuple(worker_ids[h] for h in holders[j]) for j in feasible_all}
            msg = (
                f"geen plaats: alle {len(feasible_all)} toegelaten plaats(en) gingen naar "
                "anderen in de beste totale verdeling"
            )
            if alt is not None:
                msg += f"; beste optie: {alt.why}"
            status = "places_taken"
        explanations.append(
            PlacementExplanation(
                w.id,
                None,
                status,
                None,
                False,
                int(tiers[i]),
                msg,
                (),
                alt,
                MappingProxyType(blocked_counts),
                MappingProxyType(taken_map),
            )
        )

    placements = MappingProxyType(
        {w.id: (vacs[int(place_of[i])].id if place_of[i] >= 0 else None) for i, w in enumerate(wks)}
    )
    return PlacesAssignment(
        placements=placements,
        explanations=tuple(explanations),
        assignment=opt,
        greedy=gre,
        comparison=comparison,
        worker_ids=worker_ids,
        place_ids=tuple(v.id for v in vacs),
        total_score=-opt.total_cost,
        n_stretch=int(n_stretch),
    )
