"""Pure array functions: levels and requirements as arrays, shortfall, cut-off, blocked top-k.

The distance between a worker and a vacancy is the weighted sum of shortfalls,

    distance(w, v) = sum_c weight[v, c] * max(0, required[v, c] - level[w, c]),

where a level of 0 means *not rated* (so a required competence that was never measured counts
its full requirement) and a requirement of 0 means *not required*. Because levels are discrete
(0..4), the shortfall is a sum of threshold indicators,

    max(0, r - l) = sum_{t=1..4} [r >= t] * [l < t],

so the whole W x V distance matrix is one matrix product of a (W, 4C) 0/1 matrix with a
(V, 4C) weight matrix, which runs at BLAS speed. A worker passes a vacancy's cut-off exactly
when the distance is 0: every term is a non-negative product and the sum of exact zeros is an
exact zero, also in float32.

With numba installed (the ``fast`` extra) the same distances come faster from lookup tables
(``method="lut"``): a worker's levels on a *pair* of competences take one of 5 x 5 = 25
values, so per vacancy and pair of competences a table holds the summed weighted shortfall for
each of the 25 codes, and a distance is the sum of ceil(C / 2) table entries, one load and one
add per pair of competences, against 4 multiply-adds per competence in the product. The
tables cost ``50 * C`` bytes per vacancy; the summation order is fixed, so the result does not
depend on blocks or threads, and a pass is still an exact 0.

Everything here works in row blocks, so memory stays bounded however large W x V is.

Speed (``benchmarks/README.md``, sections Core and Scaling): the table kernel runs one tile
per thread on a pool kept between calls (it releases the GIL), about 1.3 ns per pair per
thread against 2.7 ns for the product; :func:`topk_by_distance` by default fuses it with the
selection (:func:`_lut_topk_kernel`), so that no score block goes through memory at all. The
product runs in tiles of up to 256 workers on ``n_jobs`` threads, each with single-threaded
BLAS (numpy releases the GIL), which on flat products like this one beats one multi-threaded
BLAS call. The exact top-k selection of the score-block path bounds each row's k-th smallest
value by the k-th smallest of strided group minima, so only a few candidates per row are
ranked, and rows with many ties at that bound (a strong worker passes most vacancies) need
only a prefix of the columns; selecting costs a fraction of the product. The plain
argpartition path (:func:`_select_smallest_partition`) stays the reference.
"""

from __future__ import annotations

import functools
import numbers
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._cpus import usable_cpus
from ._exceptions import BackendUnavailableError, EmptyInputError, ValidationError
from ._jit import compiled
from ._validation import check_int, check_level_array, check_number, check_weight_array

__all__ = [
    "encode_levels",
    "encode_requirements",
    "level_features",
    "requirement_features",
    "distance_matrix",
    "distance_blocks",
    "cutoff_matrix",
    "shortfall_matrix",
    "pair_shortfall",
    "TopK",
    "blocked_topk",
    "topk_by_distance",
    "default_block_rows",
    "METHODS",
]

N_LEVELS = 4
# one score block (float32) stays under this: below glibc's largest mmap threshold (32 MiB),
# so malloc recycles a freed block for the next call instead of mapping (and page-faulting)
# fresh memory every time, which cost 10-40 ms per 64 MB block
_BLOCK_BYTES = 30 * 2**20
METHODS = ("auto", "gemm", "lut")
_LUT_CODES = (N_LEVELS + 1) ** 2  # levels 0..4 on a pair of competences
_LUT_BUDGET_BYTES = 512 * 2**20  # "auto" uses the tables while they stay under this
_LUT_COLS = 2048  # vacancies per pass of the table kernel: its rows stay in L2


# --------------------------------------------------------------------------- encoding


def encode_levels(workers: Sequence, competence_ids: Sequence[str]) -> np.ndarray:
    """Levels of many workers as an array.

    Parameters
    ----------
    workers : sequence of WorkerProfile
    competence_ids : sequence of str
        Column order (usually ``dictionary.ids`` plus any ad-hoc ids).

    Returns
    -------
    levels : ndarray of shape (n_workers, n_competences), dtype int8
        0 where a competence was not rated.
    """
    col = {c: j for j, c in enumerate(competence_ids)}
    out = np.zeros((len(workers), len(col)), dtype=np.int8)
    for i, w in enumerate(workers):
        for cid, level in w.competences.items():
            j = col.get(cid)
            if j is not None:
                out[i, j] = level
    return out


def encode_requirements(
    vacancies: Sequence, competence_ids: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Requirements and weights of many vacancies as arrays.

    Returns
    -------
    requirements : ndarray of shape (n_vacancies, n_competences), dtype int8
        Minimum level, 0 where a competence is not required.
    weights : ndarray of shape (n_vacancies, n_competences), dtype float32
        Weight of a shortfall, 0 where a competence is not required.

    Raises
    ------
    ValidationError
        A vacancy requires a competence that is not among ``competence_ids``.
    """
    req, wts = _encode_requirements(vacancies, competence_ids)
    return req, wts.astype(np.float32)


def _encode_requirements(
    vacancies: Sequence, competence_ids: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`encode_requirements` with the weights as given (float64): the engine computes
    in float32, explanations (``Gap.weight``) use the weights as given."""
    col = {c: j for j, c in enumerate(competence_ids)}
    req = np.zeros((len(vacancies), len(col)), dtype=np.int8)
    wts = np.zeros((len(vacancies), len(col)), dtype=np.float64)
    for i, v in enumerate(vacancies):
        for cid, level in v.requirements.items():
            j = col.get(cid)
            if j is None:
                raise ValidationError(
                    f"vacancy {v.id!r} requires competence {cid!r}, which is not among the "
                    f"{len(col)} competence columns"
                )
            req[i, j] = level
            wts[i, j] = v.weights[cid]
    return req, wts


def _check_core_inputs(levels, requirements, weights):
    levels = check_level_array(levels, "levels")
    requirements = check_level_array(requirements, "requirements")
    if levels.shape[1] != requirements.shape[1]:
        raise ValidationError(
            f"levels and requirements must have the same number of competences, got "
            f"{levels.shape[1]} and {requirements.shape[1]}"
        )
    if weights is None:
        weights = np.ones(requirements.shape, dtype=np.float32)
    weights = check_weight_array(weights, "weights", requirements.shape)
    return levels, requirements, weights


def level_features(levels: np.ndarray) -> np.ndarray:
    """Threshold indicators of the levels: ``[level < t]`` for t = 1..4.

    Parameters
    ----------
    levels : ndarray of shape (n_workers, n_competences), values 0..4

    Returns
    -------
    ndarray of shape (n_workers, 4 * n_competences), dtype float32
        Block t-1 holds ``levels < t``.
    """
    levels = np.asarray(levels)
    return np.concatenate([(levels < t).astype(np.float32) for t in range(1, N_LEVELS + 1)], axis=1)


def requirement_features(requirements: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted threshold indicators of the requirements: ``weight * [required >= t]``.

    Parameters
    ----------
    requirements : ndarray of shape (n_vacancies, n_competences), values 0..4
    weights : ndarray of shape (n_vacancies, n_competences)

    Returns
    -------
    ndarray of shape (n_vacancies, 4 * n_competences), dtype float32
    """
    requirements = np.asarray(requirements)
    weights = np.asarray(weights, dtype=np.float32)
    return np.concatenate(
        [np.where(requirements >= t, weights, np.float32(0)) for t in range(1, N_LEVELS + 1)],
        axis=1,
    ).astype(np.float32, copy=False)


def distance_matrix(
    levels: np.ndarray,
    requirements: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    n_jobs: int | None = -1,
    method: str = "auto",
) -> np.ndarray:
    """Weighted shortfall distance of every worker to every vacancy.

    Parameters
    ----------
    levels : ndarray of shape (n_workers, n_competences)
        Levels 1..4, 0 = not rated.
    requirements : ndarray of shape (n_vacancies, n_competences)
        Minimum levels 1..4, 0 = not required.
    weights : ndarray of shape (n_vacancies, n_competences), optional
        Non-negative weights of each shortfall; 1 when omitted.
    n_jobs : int or None, default=-1
        Threads, each computing row blocks with single-threaded BLAS (faster than one
        multi-threaded product of this flat shape). ``-1``: every CPU when there are at least
        about a million pairs per thread; ``None`` or ``1``: one BLAS call in the calling
        thread. The result does not depend on it.
    method : {"auto", "gemm", "lut"}, default="auto"
        ``"gemm"``: the matrix product of threshold indicators; ``"lut"``: lookup tables per
        pair of competences (needs numba, about 2x faster); ``"auto"``: ``"lut"`` when numba
        is installed and the tables (``50 * C`` bytes per vacancy) stay under 512 MB. Both
        give the same distances up to float32 rounding of the summation order, and 0 exactly
        for a pass.

    Returns
    -------
    ndarray of shape (n_workers, n_vacancies), dtype float32
        0 exactly where the worker passes the cut-off (when required weights are > 0).

    Examples
    --------
    >>> distance_matrix([[3, 1]], [[2, 3], [4, 0]])
    array([[2., 1.]], dtype=float32)
    """
    levels, requirements, weights = _check_core_inputs(levels, requirements, weights)
    n_jobs = _auto_jobs(n_jobs, levels.shape[0] * requirements.shape[0])
    out = np.empty((levels.shape[0], requirements.shape[0]), dtype=np.float32)
    fill = _distance_filler(levels, requirements, weights, method, n_jobs)
    fill(slice(0, levels.shape[0]), slice(0, requirements.shape[0]), out)
    return out


def distance_blocks(
    levels: np.ndarray,
    requirements: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    block_rows: int | None = None,
    n_jobs: int | None = -1,
    method: str = "auto",
) -> Iterator[tuple[slice, np.ndarray]]:
    """:func:`distance_matrix` one block of workers at a time, in bounded memory.

    For streaming over more pairs than fit in memory; the inputs are checked and encoded
    once, and every block is written into the same buffer (no new pages per block).

    Parameters
    ----------
    levels, requirements, weights, n_jobs, method
        As for :func:`distance_matrix`.
    block_rows : int, optional
        Workers per block; by default as many as fit in 30 MB (at most 4096).

    Yields
    ------
    rows : slice
        The workers of this block.
    block : ndarray of shape (rows.stop - rows.start, n_vacancies), dtype float32
        Their distances. A view of a buffer that the next block overwrites: copy it to
        keep it.

    Examples
    --------
    >>> [(rows.start, block.tolist()) for rows, block in
    ...  distance_blocks([[3, 1], [1, 1]], [[2, 3]], block_rows=1)]
    [(0, [[2.0]]), (1, [[3.0]])]
    """
    levels, requirements, weights = _check_core_inputs(levels, requirements, weights)
    n_w, n_v = levels.shape[0], requirements.shape[0]
    if block_rows is None:
        block_rows = default_block_rows(n_v)
    block_rows = min(max(1, n_w), check_int(block_rows, "block_rows", low=1))
    n_jobs = _auto_jobs(n_jobs, block_rows * n_v)
    fill = _distance_filler(levels, requirements, weights, method, n_jobs)
    buf = np.empty((block_rows, n_v), dtype=np.float32)
    for r0 in range(0, n_w, block_rows):
        rows = slice(r0, min(n_w, r0 + block_rows))
        out = buf[: rows.stop - r0]
        fill(rows, slice(0, n_v), out)
        yield rows, out


class DistanceEngine:
    """The vacancy side of the distance engine, prepared once, for many calls.

    :func:`distance_matrix`, :func:`distance_blocks` and the ranking all go through it: the
    lookup tables (``"lut"``) or the threshold factors (``"gemm"``) of the vacancies are built
    here once; :meth:`filler` then only encodes the workers' levels.

    Parameters
    ----------
    requirements : ndarray of shape (n_vacancies, n_competences), int8
        Checked minimum levels (0 = not required).
    weights : ndarray of shape (n_vacancies, n_competences), float32
    method : {"auto", "gemm", "lut"}
    """

    def __init__(self, requirements: np.ndarray, weights: np.ndarray, method: str = "auto"):
        self.method = _resolve_method(method, *requirements.shape)
        self.n_vacancies, self.n_competences = requirements.shape
        if self.method == "lut":
            self._tables = _lut_tables(requirements, weights)
        else:
            self._req, self._wts = requirements, weights
            self._rft: np.ndarray | None = None

    def filler(
        self, levels: np.ndarray, n_jobs: int = 1
    ) -> Callable[[slice, slice, np.ndarray], None]:
        """``fill(rows, cols, out)``: distances of workers ``rows`` (of ``levels``, shape
        (n_workers, n_competences), checked) to vacancies ``cols`` written into ``out``.

        ``rows`` is a slice; with the lookup tables it may also be an integer array of any
        rows (``fill.any_rows`` is then True): a row's distances do not depend on the other
        rows of the call, so one call gives the bits of one call per row. The product's rows
        go through BLAS, whose summation can depend on the shape, so it takes slices only.
        """
        if self.method == "lut":
            lut = _Lut(self._tables, _lut_codes(levels, self.n_competences))

            def fill(rows: slice | np.ndarray, cols: slice, out: np.ndarray) -> None:
                _lut_rows(lut, rows, out, n_jobs, col0=cols.start)

            fill.any_rows = True  # type: ignore[attr-defined]
            return fill
        lf, rft = _factors(levels, self._req, self._wts)

        def fill(rows: slice, cols: slice, out: np.ndarray) -> None:
            _gemm_rows(lf[rows], rft[:, cols], out, n_jobs)

        return fill


def _distance_filler(
    levels: np.ndarray, requirements: np.ndarray, weights: np.ndarray, method: str, n_jobs: int
) -> Callable[[slice, slice, np.ndarray], None]:
    """Encode once for ``method``; return ``fill(rows, cols, out)`` that writes the distances
    of workers ``rows`` to vacancies ``cols`` into ``out`` on ``n_jobs`` threads."""
    return DistanceEngine(requirements, weights, method).filler(levels, n_jobs)


def _gemm_rows(lf: np.ndarray, rft: np.ndarray, out: np.ndarray, n_jobs: int) -> None:
    """``out[...] = lf @ rft``; with several jobs, tiles on threads with 1-thread BLAS.

    Tiles of up to 256 rows (so packing the vacancy factor pays off), split by columns as
    well when there are too few row tiles to keep every thread busy.
    """
    n_rows, n_cols = out.shape
    rows = _balanced_rows(n_rows, n_jobs, low=1)
    n_row_tiles = -(-n_rows // rows)
    n_col_tiles = max(1, min(-(-2 * n_jobs // n_row_tiles), n_cols // 1024))
    cols = -(-n_cols // n_col_tiles)
    tiles = [(r0, c0) for r0 in range(0, n_rows, rows) for c0 in range(0, n_cols, cols)]
    if n_jobs == 1 or len(tiles) < 2:
        np.matmul(lf, rft, out=out)
        return

    def one_tile(tile: tuple[int, int]) -> None:
        r, c = slice(tile[0], tile[0] + rows), slice(tile[1], tile[1] + cols)
        np.matmul(lf[r], rft[:, c], out=out[r, c])

    _run_threads(one_tile, tiles, n_jobs)


# --------------------------------------------------------------------------- lookup tables


def _lut_build_kernel(requirements_t, weights_t, tables):
    """``tables[g, 5 * a + b, v]``: shortfall of levels (a, b) on competences (2g, 2g + 1).

    Plain Python that numba compiles (the inner loop over vacancies vectorises);
    ``requirements_t`` (C, V) int8 and ``weights_t`` (C, V) float32, competence-major;
    ``tables`` (ceil(C / 2), 25, V) float32, filled in place.
    """
    n_comp, n_vac = requirements_t.shape
    for g in range(tables.shape[0]):
        c1 = 2 * g
        c2 = c1 + 1
        for a in range(5):
            for b in range(5):
                row = tables[g, 5 * a + b]
                for v in range(n_vac):
                    s = weights_t[c1, v] * np.float32(max(0, np.int32(requirements_t[c1, v]) - a))
                    if c2 < n_comp:
                        s += weights_t[c2, v] * np.float32(
                            max(0, np.int32(requirements_t[c2, v]) - b)
                        )
                    row[v] = s


def _lut_fill_kernel(tables, codes, out, col0, step):
    """``out[i, j] = sum_g tables[g, codes[i, g], col0 + j]``, summed in a fixed order.

    Plain Python that numba compiles (the inner loops vectorise). Columns go in passes of
    ``step`` so that the table rows in use stay in cache; the groups are added four at a
    time, so each output element is loaded and stored once per four table rows.
    :func:`_lut_topk_kernel` repeats this summation inline (``compiled`` makes one function
    at a time, so a shared helper would have to be a numba object at import); keep the two in
    step: ``test_fused_topk_equals_the_blocked_path`` compares their bits.
    """
    n_groups = tables.shape[0]
    n_rows, n_cols = out.shape
    for v0 in range(0, n_cols, step):
        n = min(n_cols, v0 + step) - v0
        a0 = col0 + v0
        for i in range(n_rows):
            acc = out[i, v0 : v0 + n]
            t0 = tables[0, codes[i, 0], a0 : a0 + n]
            if n_groups >= 2:
                t1 = tables[1, codes[i, 1], a0 : a0 + n]
                for j in range(n):
                    acc[j] = t0[j] + t1[j]
                g = 2
            else:
                for j in range(n):
                    acc[j] = t0[j]
                g = 1
            while g + 4 <= n_groups:
                t0 = tables[g, codes[i, g], a0 : a0 + n]
                t1 = tables[g + 1, codes[i, g + 1], a0 : a0 + n]
                t2 = tables[g + 2, codes[i, g + 2], a0 : a0 + n]
                t3 = tables[g + 3, codes[i, g + 3], a0 : a0 + n]
                for j in range(n):
                    acc[j] += (t0[j] + t1[j]) + (t2[j] + t3[j])
                g += 4
            while g < n_groups:
                t0 = tables[g, codes[i, g], a0 : a0 + n]
                for j in range(n):
                    acc[j] += t0[j]
                g += 1


def _lut_topk_kernel(tables, codes, n_cols, step, bound, out_idx, out_val):
    """The ``k`` smallest distances per row, summed and selected in one pass over the tables.

    Plain Python that numba compiles. ``codes`` (n, G) int32, ``tables`` (G, 25, V) float32;
    ``out_idx`` (n, k) int64 and ``out_val`` (n, k) float32 come filled with -1 and nan and
    leave sorted by (distance, column). Distances are summed exactly as in
    :func:`_lut_fill_kernel` (so equal bits), ``step`` columns at a time into one row buffer
    that stays in L1; a distance enters the list when it beats the list's worst (while the list
    is short: when it is at most ``bound``), so ties keep the lower column and a distance above
    ``bound`` (or nan) is never kept. No score block is written or read.
    """
    n_groups = tables.shape[0]
    n_rows, k = out_idx.shape
    acc = np.empty(step, dtype=np.float32)
    count = np.zeros(n_rows, dtype=np.int64)
    for v0 in range(0, n_cols, step):
        n = min(n_cols, v0 + step) - v0
        for i in range(n_rows):
            t0 = tables[0, codes[i, 0], v0 : v0 + n]
            if n_groups >= 2:
                t1 = tables[1, codes[i, 1], v0 : v0 + n]
                for j in range(n):
                    acc[j] = t0[j] + t1[j]
                g = 2
            else:
                for j in range(n):
                    acc[j] = t0[j]
                g = 1
            while g + 4 <= n_groups:
                t0 = tables[g, codes[i, g], v0 : v0 + n]
                t1 = tables[g + 1, codes[i, g + 1], v0 : v0 + n]
                t2 = tables[g + 2, codes[i, g + 2], v0 : v0 + n]
                t3 = tables[g + 3, codes[i, g + 3], v0 : v0 + n]
                for j in range(n):
                    acc[j] += (t0[j] + t1[j]) + (t2[j] + t3[j])
                g += 4
            while g < n_groups:
                t0 = tables[g, codes[i, g], v0 : v0 + n]
                for j in range(n):
                    acc[j] += t0[j]
                g += 1
            c = count[i]
            worst = out_val[i, k - 1] if c == k else bound
            for j in range(n):
                v = acc[j]
                if v < worst or (c < k and v <= worst):
                    if c < k:
                        p = c
                        c += 1
                    else:
                        p = k - 1
                    while p > 0 and out_val[i, p - 1] > v:
                        out_val[i, p] = out_val[i, p - 1]
                        out_idx[i, p] = out_idx[i, p - 1]
                        p -= 1
                    out_val[i, p] = v
                    out_idx[i, p] = v0 + j
                    if c == k:
                        worst = out_val[i, k - 1]
            count[i] = c


def lut_available() -> bool:
    """Whether the lookup-table method can run fast (numba, the ``fast`` extra, installed)."""
    return compiled(_lut_fill_kernel) is not None


def _lut_bytes(n_vacancies: int, n_competences: int) -> int:
    return 4 * _LUT_CODES * (-(-n_competences // 2)) * n_vacancies


def _resolve_method(method: str, n_vacancies: int, n_competences: int) -> str:
    """``"auto"`` -> ``"lut"`` with numba and tables under 512 MB, else ``"gemm"``."""
    if method not in METHODS:
        raise ValidationError(f"method must be one of {METHODS}, got {method!r}")
    if method == "auto":
        fits = _lut_bytes(n_vacancies, n_competences) <= _LUT_BUDGET_BYTES
        return "lut" if fits and n_competences > 0 and lut_available() else "gemm"
    if method == "lut" and not lut_available():
        raise BackendUnavailableError(
            "method='lut' needs numba; install the 'fast' extra "
            "(pip install 'doorstroom_match[fast]') or use method='gemm'"
        )
    return method


@dataclass(frozen=True)
class _Lut:
    """Lookup tables of the vacancies and pair codes of the workers.

    Attributes
    ----------
    tables : ndarray of shape (ceil(C / 2), 25, n_vacancies), float32
    codes : ndarray of shape (n_workers, ceil(C / 2)), int32
        ``5 * level[2g] + level[2g + 1]`` (an odd last competence pairs with level 4).
    """

    tables: np.ndarray
    codes: np.ndarray


def _lut_codes(levels: np.ndarray, n_comp: int) -> np.ndarray:
    """Pair codes ``5 * level[2g] + level[2g + 1]`` of the workers, shape (n, ceil(C / 2))."""
    n_groups = -(-n_comp // 2)
    lv = np.full((levels.shape[0], 2 * n_groups), N_LEVELS, dtype=np.int32)
    lv[:, :n_comp] = levels
    return np.ascontiguousarray(5 * lv[:, 0::2] + lv[:, 1::2], dtype=np.int32)


def _lut_tables(requirements: np.ndarray, weights: np.ndarray, *, jit: bool = True) -> np.ndarray:
    """The vacancies' lookup tables, shape (ceil(C / 2), 25, n_vacancies), float32."""
    n_vac, n_comp = requirements.shape
    tables = np.empty((-(-n_comp // 2), _LUT_CODES, n_vac), dtype=np.float32)
    build = compiled(_lut_build_kernel) if jit else None
    (build or _lut_build_kernel)(
        np.ascontiguousarray(requirements.T, dtype=np.int8),
        np.ascontiguousarray(weights.T, dtype=np.float32),
        tables,
    )
    return tables


def _lut(levels: np.ndarray, requirements: np.ndarray, weights: np.ndarray, *, jit=True) -> _Lut:
    """Build the tables and codes (checked inputs; ``jit=False`` runs the kernel as Python)."""
    return _Lut(
        _lut_tables(requirements, weights, jit=jit), _lut_codes(levels, requirements.shape[1])
    )


def _lut_rows(
    lut: _Lut,
    rows: slice | np.ndarray,
    out: np.ndarray,
    n_jobs: int,
    *,
    col0: int = 0,
    jit: bool = True,
) -> None:
    """``out[...]`` = distances of workers ``rows`` (a slice or an index array) to vacancies
    ``col0 : col0 + out.shape[1]``, on ``n_jobs`` threads (row tiles; the compiled kernel
    releases the GIL)."""
    fill = compiled(_lut_fill_kernel) if jit else None
    fill = fill or _lut_fill_kernel
    codes = lut.codes[rows]
    n_rows = out.shape[0]
    if lut.tables.shape[0] == 0:  # no competences: nothing can fall short
        out[...] = 0
        return
    # one tile per thread (more tiles re-read the tables more often) on a pool kept between
    # calls: starting threads for every 30 MB block cost about as much as a fifth of the work
    n_jobs = max(1, min(n_jobs, n_rows))
    step = max(1, -(-n_rows // n_jobs))

    def tile(r0: int) -> None:
        r = slice(r0, r0 + step)
        fill(lut.tables, codes[r], out[r], col0, _LUT_COLS)

    _on_shared_pool(tile, range(0, n_rows, step), n_jobs)


# vacancies per pass of the fused kernel: a pass's tables (15 x 25 x 512 floats for 30
# competences, 768 KB) fit a 1 MB L2, so a tile's workers read them from their own core's cache
# and the threads do not share the L3's bandwidth; 256 to 2,048 measured alike on 2 cores
_LUT_TOPK_COLS = 512
_LUT_TOPK_ROWS = 512  # workers per tile: a pass's tables are fetched into L2 once per tile
# above this k the score-block path: the fused kernel inserts into a sorted list of k, which
# costs up to k moves per distance when the distances fall along the columns (k = 1,000 on
# vacancies sorted that way: 4.5 s fused, 1.6 s blocked; k = 100: 0.22 s and 0.30 s)
_LUT_TOPK_MAX_K = 128


def _lut_topk(
    lut: _Lut, k: int, bound: np.float32, n_jobs: int, *, jit: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """The ``min(k, V)`` nearest vacancies per worker through :func:`_lut_topk_kernel`.

    Row tiles of at most 512 workers (at least two per thread when there are enough rows) on
    the shared pool; each tile is independent, so the result does not depend on ``n_jobs``.

    Returns
    -------
    indices : ndarray of shape (n_workers, min(k, V)), int64, -1 where nothing qualifies
    values : ndarray of shape (n_workers, min(k, V)), float32, nan where nothing qualifies
    """
    n_rows = lut.codes.shape[0]
    n_cols = lut.tables.shape[2]
    kk = min(k, n_cols)
    out_idx = np.full((n_rows, kk), -1, dtype=np.int64)
    out_val = np.full((n_rows, kk), np.nan, dtype=np.float32)
    kernel = (compiled(_lut_topk_kernel) if jit else None) or _lut_topk_kernel
    rows = max(1, min(_LUT_TOPK_ROWS, -(-n_rows // (2 * n_jobs))))

    def tile(r0: int) -> None:
        r = slice(r0, r0 + rows)
        kernel(lut.tables, lut.codes[r], n_cols, _LUT_TOPK_COLS, bound, out_idx[r], out_val[r])

    _on_shared_pool(tile, range(0, n_rows, rows), n_jobs)
    return out_idx, out_val


_POOL_PREFIX = "doorstroom-core"


def _on_shared_pool(fn: Callable[[int], None], starts: Sequence[int], n_jobs: int) -> None:
    """``fn(start)`` for every start: on the shared pool of ``n_jobs`` threads, or in the
    calling thread with one job, one start, or from inside the pool (its tasks never wait on
    other tasks)."""
    if n_jobs <= 1 or len(starts) <= 1 or threading.current_thread().name.startswith(_POOL_PREFIX):
        for start in starts:
            fn(start)
        return
    pool = _shared_pool(n_jobs)
    for future in [pool.submit(fn, start) for start in starts]:
        future.result()


@functools.cache
def _shared_pool(n_jobs: int) -> ThreadPoolExecutor:
    """A thread pool of ``n_jobs`` threads for the compiled kernels (which release the GIL).

    Its tasks never wait on other tasks, so callers on several threads can share it; a call
    from inside one of its threads runs inline instead.
    """
    return ThreadPoolExecutor(max_workers=n_jobs, thread_name_prefix=_POOL_PREFIX)


def cutoff_matrix(levels: np.ndarray, requirements: np.ndarray) -> np.ndarray:
    """Whether each worker passes each vacancy's cut-off.

    Returns
    -------
    ndarray of shape (n_workers, n_vacancies), dtype bool
        True exactly when no required competence is below its minimum.
    """
    levels, requirements, _ = _check_core_inputs(levels, requirements, None)
    return distance_matrix(levels, requirements) == 0


def shortfall_matrix(levels_row: np.ndarray, requirements: np.ndarray) -> np.ndarray:
    """Per-competence shortfall of one worker against many vacancies.

    Parameters
    ----------
    levels_row : ndarray of shape (n_competences,)
    requirements : ndarray of shape (n_vacancies, n_competences)

    Returns
    -------
    ndarray of shape (n_vacancies, n_competences), dtype int8
        ``max(0, required - level)``, 0 where not required.
    """
    levels_row = np.asarray(levels_row, dtype=np.int8)
    requirements = np.asarray(requirements, dtype=np.int8)
    return np.maximum(requirements - levels_row[None, :], 0).astype(np.int8) * (requirements > 0)


def _shortfall_rows(levels: np.ndarray, requirements: np.ndarray) -> np.ndarray:
    """Per-competence shortfall of pairs: row ``n`` of ``levels`` against row ``n`` of
    ``requirements`` (both of shape (n_pairs, n_competences)); the same values as
    :func:`shortfall_matrix` for each pair, int8."""
    levels = np.asarray(levels, dtype=np.int8)
    requirements = np.asarray(requirements, dtype=np.int8)
    return np.maximum(requirements - levels, 0).astype(np.int8) * (requirements > 0)


def pair_shortfall(
    levels_row: np.ndarray, requirements_row: np.ndarray, weights_row: np.ndarray
) -> tuple[np.ndarray, float]:
    """Shortfall per competence and the weighted distance for one worker-vacancy pair."""
    sf = shortfall_matrix(levels_row, np.asarray(requirements_row)[None, :])[0]
    return sf, float(np.dot(sf.astype(np.float32), np.asarray(weights_row, dtype=np.float32)))


# --------------------------------------------------------------------------- top-k


@dataclass(frozen=True)
class TopK:
    """Best ``k`` columns per row.

    Attributes
    ----------
    indices : ndarray of shape (n_rows, k), dtype int64
        Column indices, best first; ``-1`` where fewer than ``k`` columns qualified.
    values : ndarray of shape (n_rows, k), dtype float32
        The values at those columns; ``nan`` where the index is ``-1``.
    """

    indices: np.ndarray
    values: np.ndarray


def default_block_rows(n_cols: int, budget_bytes: int = _BLOCK_BYTES) -> int:
    """Rows per block so that one float32 block of ``n_cols`` columns fits the budget."""
    return int(max(1, min(4096, budget_bytes // max(1, 4 * n_cols))))


_PAIRS_PER_THREAD = 2**20  # below this much work per thread, n_jobs=-1 stays single-threaded
_MAX_GROUPS = 512  # column groups whose minima bound the k-th smallest value of a row
_MIN_GROUP_SIZE = 16  # fewer columns per group and the plain partition path is as fast
_FMAX = np.float32(np.finfo(np.float32).max)
_KEY_PAD = np.uint64(0xFFFFFFFFFFFFFFFF)


def _float32_bound(max_value: float | None) -> np.float32:
    """A cut-off as the float32 the kernels compare with: None or anything beyond the float32
    range is the largest float32 (so only inf is out), without numpy's overflow warning."""
    return _FMAX if max_value is None else np.float32(min(float(max_value), float(_FMAX)))


_LOW32 = np.uint64(0xFFFFFFFF)


def _sortable_bits(values: np.ndarray) -> np.ndarray:
    """uint32 codes whose unsigned order is the order of the (non-NaN) float32 values."""
    bits = (values + np.float32(0)).view(np.uint32)  # + 0 turns -0.0 into 0.0: one tie class
    flip = np.where(bits >> np.uint32(31), np.uint32(0xFFFFFFFF), np.uint32(0x80000000))
    return bits ^ flip.astype(np.uint32)


def _select_smallest(
    block: np.ndarray, k: int, *, max_value: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The k smallest values per row with ties broken by lower column index.

    Fast path (exact): split the columns into ``G`` strided groups and take each group's
    minimum (one vectorised pass). The k-th smallest of these minima is an upper bound
    ``thr`` of the row's k-th smallest value, because it bounds k distinct entries. Every
    entry at or below ``thr`` is a candidate (ties included), so the true top-k is among the
    candidates, which are found with one comparison and a word-level ``nonzero`` and then
    ranked by a (value, column) key packed into one uint64. Rows with very many candidates
    (ties at ``thr``) take :func:`_select_ties`, which needs only the entries below ``thr``
    and the first ties. A row is only trusted when it has at least k candidates or ``thr``
    covers every admissible value; other rows take the exact argpartition path.

    Parameters
    ----------
    block : ndarray of shape (rows, cols), float32
        Not modified. Non-finite entries (nan, +inf, -inf) are excluded.
    k : int
        ``1 <= k``.
    max_value : float, optional
        Entries above it are excluded as well.

    Returns
    -------
    indices : ndarray of shape (rows, min(k, cols)), dtype int64
    values : ndarray of shape (rows, min(k, cols)), dtype float32
        Sorted by (value, index); excluded places hold ``+inf`` (and an arbitrary index).
    """
    n_rows, n_cols = block.shape
    n_groups = min(_MAX_GROUPS, n_cols // _MIN_GROUP_SIZE)
    if k >= n_cols or n_groups < 2 * k or n_rows == 0:
        return _select_smallest_reference(block, k, max_value=max_value)
    block = np.ascontiguousarray(block, dtype=np.float32)
    bound = _float32_bound(max_value)
    g = n_cols // n_groups
    # strided groups (column j, j + G, j + 2G, ...): an elementwise fmin over g slices,
    # which numpy vectorises, where a reduction over short contiguous runs would not
    mins = np.fmin.reduce(block[:, : g * n_groups].reshape(n_rows, g, n_groups), axis=1)
    thr = np.partition(mins, k - 1, axis=1)[:, k - 1]
    thr[~np.isfinite(thr)] = _FMAX  # fewer than k finite minima: bound nothing
    np.minimum(thr, bound, out=thr)

    # candidates: a padded bool mask, scanned 8 columns (one uint64 word) at a time
    width = -(-n_cols // 8) * 8
    mask = np.empty((n_rows, width), dtype=bool)
    mask[:, n_cols:] = False
    np.less_equal(block, thr[:, None], out=mask[:, :n_cols])  # nan compares False
    word_hit = (mask.view(np.uint64) != 0).reshape(n_rows, width // 8)
    # rows with very many candidates are ties at thr (a strong worker passes most
    # vacancies): they take the tie path instead of extracting every candidate
    dense = np.count_nonzero(word_hit, axis=1) > max(4 * k, width // 64)
    if dense.any():
        word_hit[dense] = False
    words = np.flatnonzero(word_hit)
    hits = np.flatnonzero(mask.reshape(-1, 8)[words])
    pos = words[hits >> 3] * 8 + (hits & 7)
    row = pos // width
    col = pos - row * width
    vals = block[row, col]
    if not np.isfinite(vals).all():  # -inf passes the comparison but is excluded
        keep = np.isfinite(vals)
        row, col, vals = row[keep], col[keep], vals[keep]
    counts = np.bincount(row, minlength=n_rows)
    # a row is exact when it has k candidates (then everything that could beat the k-th is
    # a candidate) or when thr already admits every admissible value
    redo = (counts < k) & (thr < bound) & ~dense
    # of the ties at thr only the k - (entries below thr) lowest columns can make the top-k;
    # candidates come in (row, column) order, so a running count ranks the ties
    starts = np.zeros(n_rows + 1, dtype=np.int64)
    if row.size:
        below = vals < thr[row]
        need = k - np.bincount(row[below], minlength=n_rows)
        tie_rank = np.zeros(row.size + 1, dtype=np.int64)
        np.cumsum(~below, out=tie_rank[1:])
        np.cumsum(counts, out=starts[1:])
        keep = below | (tie_rank[1:] - tie_rank[starts[:-1]][row] <= need[row])
        keep &= ~redo[row]
        row, col, vals = row[keep], col[keep], vals[keep]
        counts = np.bincount(row, minlength=n_rows)
    np.cumsum(counts, out=starts[1:])
    keys = np.full((n_rows, max(k, int(counts.max()))), _KEY_PAD, dtype=np.uint64)
    keys[row, np.arange(row.size) - starts[row]] = _pack_keys(vals, col)
    if keys.shape[1] > k:
        keys = np.partition(keys, k - 1, axis=1)[:, :k]
    keys.sort(axis=1)
    out_idx = (keys & _LOW32).astype(np.int64)
    empty = keys == _KEY_PAD
    out_idx[empty] = 0
    out_val = np.take_along_axis(block, out_idx, axis=1)
    out_val[empty] = np.inf
    out_idx[empty] = -1
    if dense.any():
        dr = np.flatnonzero(dense)
        row_min = np.fmin.reduce(mins[dr], axis=1)  # fmin skips nan
        if g * n_groups < n_cols:  # the columns left out of the groups
            row_min = np.fmin(row_min, np.fmin.reduce(block[dr, g * n_groups :], axis=1))
        d_idx, d_val, solved = _select_ties(block, dr, thr[dr], row_min, k)
        out_idx[dr[solved]], out_val[dr[solved]] = d_idx, d_val
        redo[dr[~solved]] = True
    if redo.any():
        rr = np.flatnonzero(redo)
        out_idx[rr], out_val[rr] = _select_smallest_reference(block[rr], k, max_value=max_value)
    return out_idx, out_val


def _pack_keys(vals: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """uint64 keys ordered by (value, column): the float's sortable bits, then the column."""
    return (_sortable_bits(vals).astype(np.uint64) << np.uint64(32)) | cols.astype(np.uint64)


def _select_ties(
    block: np.ndarray, rows: np.ndarray, thr: np.ndarray, row_min: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Top-k of the rows ``rows`` of ``block`` where many entries tie at ``thr``.

    ``thr`` (one per row) is an upper bound of the row's k-th smallest value, so the top-k is
    every entry strictly below ``thr`` plus the lowest-index entries equal to it. When
    ``thr`` is the row's minimum (the usual case: distance 0, a pass) nothing is below it and
    only a prefix of the columns is searched for the ties; otherwise the entries below are
    found with one pass over the row. Rows where that does not settle it (k or more entries
    below ``thr``, too few ties) are reported unsolved, for the reference path.

    Returns
    -------
    indices, values : ndarray of shape (n_solved, k)
        Sorted by (value, index).
    solved : ndarray of shape (len(rows),), bool
    """
    n_rows, n_cols = len(rows), block.shape[1]
    n_below = np.zeros(n_rows, dtype=np.int64)
    b_row = np.zeros(0, dtype=np.int64)
    b_col = np.zeros(0, dtype=np.int64)
    mixed = np.flatnonzero(~(row_min >= thr))  # entries (or -inf) below thr
    if mixed.size:
        sub = block[rows[mixed]]
        below = sub < thr[mixed, None]
        below &= sub > -np.inf  # nan and +inf already compare False
        b_pos = np.flatnonzero(below)
        b_row = mixed[b_pos // n_cols]
        b_col = b_pos % n_cols
        n_below = np.bincount(b_row, minlength=n_rows)
    need = k - n_below
    solved = np.zeros(n_rows, dtype=bool)
    t_rows, t_cols = [], []
    todo = np.flatnonzero(n_below < k)
    prefix = min(n_cols, max(1024, 16 * k))
    while todo.size:
        ties = block[rows[todo], :prefix] == thr[todo, None]
        rank = np.cumsum(ties, axis=1, dtype=np.int32)
        ok = rank[:, -1] >= need[todo]
        sel = ties[ok] & (rank[ok] <= need[todo[ok], None])
        pos = np.flatnonzero(sel)
        t_rows.append(todo[ok][pos // prefix])
        t_cols.append(pos % prefix)
        solved[todo[ok]] = True
        if prefix == n_cols:
            break
        todo = todo[~ok]
        prefix = min(n_cols, prefix * 8)
    keep = solved[b_row]
    r = np.concatenate([b_row[keep], *t_rows])
    c = np.concatenate([b_col[keep], *t_cols])
    order = np.argsort(r, kind="stable")  # exactly k per solved row
    r, c = r[order], c[order]
    keys = _pack_keys(block[rows[r], c], c).reshape(-1, k)
    keys.sort(axis=1)
    idx = (keys & _LOW32).astype(np.int64)
    sv = rows[solved]
    return idx, block[sv[:, None], idx], solved


def _select_smallest_reference(
    block: np.ndarray, k: int, *, max_value: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_select_smallest_partition` after excluding non-finite and too-large entries."""
    bad = ~np.isfinite(block)
    if max_value is not None:
        bad |= block > _float32_bound(max_value)
    if bad.any():
        block = np.where(bad, np.float32(np.inf), block)
    return _select_smallest_partition(block, k)


def _select_smallest_partition(block: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k smallest values per row with ties broken by lower column index (reference path).

    ``block`` holds +inf for excluded entries. Returns (indices, values) of shape (rows, k),
    sorted by (value, index).
    """
    n_rows, n_cols = block.shape
    if k >= n_cols:
        idx = np.broadcast_to(np.arange(n_cols), (n_rows, n_cols))
        order = np.lexsort((idx, block), axis=1) if n_cols else idx
        idx = np.take_along_axis(idx, order, axis=1)
        return idx.astype(np.int64), np.take_along_axis(block, order, axis=1)
    part = np.argpartition(block, k - 1, axis=1)[:, :k]
    vals = np.take_along_axis(block, part, axis=1)
    kth = vals.max(axis=1)
    n_le = np.count_nonzero(block <= kth[:, None], axis=1)
    ambiguous = np.flatnonzero(n_le > k)
    if ambiguous.size:
        # Ties straddle the k-th place: keep all strictly better entries, then the
        # lowest-index entries equal to the k-th value (exact, deterministic).
        sub = block[ambiguous]
        thr = kth[ambiguous][:, None]
        less = sub < thr
        need = k - np.count_nonzero(less, axis=1)
        eq = sub == thr
        keep = less | (eq & (np.cumsum(eq, axis=1) <= need[:, None]))
        cols = np.nonzero(keep)[1].reshape(len(ambiguous), k)
        part[ambiguous] = cols
        vals[ambiguous] = np.take_along_axis(sub, cols, axis=1)
    order = np.lexsort((part, vals), axis=1)
    return (
        np.take_along_axis(part, order, axis=1).astype(np.int64),
        np.take_along_axis(vals, order, axis=1),
    )


def _is_plus_inf(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and value == np.inf


def _is_minus_inf(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and value == -np.inf


def _cpu_count() -> int:
    """CPUs this process may use: the affinity mask, capped by a cgroup CPU quota
    (:func:`doorstroom_match._cpus.usable_cpus`)."""
    return usable_cpus()


def _resolve_n_jobs(n_jobs: int | None) -> int:
    """Threads to use: ``None`` -> 1, ``-1`` -> every CPU, ``-2`` -> all but one, ..."""
    if n_jobs is None:
        return 1
    n_jobs = check_int(n_jobs, "n_jobs")
    n_cpu = _cpu_count()
    if n_jobs == 0:
        raise ValidationError(
            "n_jobs must be a positive number of threads or negative (-1 = all CPUs), got 0"
        )
    if n_jobs < 0:
        n_jobs = max(1, n_cpu + 1 + n_jobs)
    return n_jobs


def _auto_jobs(n_jobs: int | None, n_pairs: int) -> int:
    """Resolve ``n_jobs``; a negative one is capped so that each thread gets ~1M pairs."""
    if n_jobs is not None and check_int(n_jobs, "n_jobs") < 0:
        return min(_resolve_n_jobs(n_jobs), max(1, n_pairs // _PAIRS_PER_THREAD))
    return _resolve_n_jobs(n_jobs)


def _run_threads(fn: Callable[[Any], None], starts: Sequence[Any], n_jobs: int) -> None:
    """``fn(start)`` for every start on ``n_jobs`` threads, BLAS limited to its share."""
    n_jobs = min(n_jobs, len(starts))
    with _blas_threads(max(1, (_cpu_count()) // n_jobs)):
        with ThreadPoolExecutor(max_workers=n_jobs) as pool:
            for _ in pool.map(fn, starts):
                pass


_BLAS_LOCK = threading.Lock()
_BLAS_STATE: dict = {"depth": 0, "limiter": None}


@contextmanager
def _blas_threads(n_threads: int) -> Iterator[None]:
    """Limit BLAS to ``n_threads`` per call while the block runs.

    Reference-counted, so overlapping calls from several threads set the limit once and the
    last one out restores the original (threadpoolctl alone would restore out of order). The
    libraries are scanned once, at the first call. A no-op without threadpoolctl.
    """
    with _BLAS_LOCK:
        if _BLAS_STATE["depth"] == 0:
            if "controller" not in _BLAS_STATE:  # scanning the loaded libraries costs ~0.5 ms
                try:
                    from threadpoolctl import ThreadpoolController
                except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
                    _BLAS_STATE["controller"] = None
                else:
                    _BLAS_STATE["controller"] = ThreadpoolController()
            controller = _BLAS_STATE["controller"]
            _BLAS_STATE["limiter"] = (
                None if controller is None else controller.limit(limits=n_threads, user_api="blas")
            )
        _BLAS_STATE["depth"] += 1
    try:
        yield
    finally:
        with _BLAS_LOCK:
            _BLAS_STATE["depth"] -= 1
            if _BLAS_STATE["depth"] == 0 and _BLAS_STATE["limiter"] is not None:
                _BLAS_STATE["limiter"].restore_original_limits()
                _BLAS_STATE["limiter"] = None


def blocked_topk(
    score_block: Callable[[slice, slice], np.ndarray],
    n_rows: int,
    n_cols: int,
    k: int,
    *,
    largest: bool = False,
    block_rows: int | None = None,
    block_cols: int | None = None,
    threshold: float | None = None,
    n_jobs: int | None = 1,
) -> TopK:
    """Streaming top-k per row over a score matrix computed block by block.

    Parameters
    ----------
    score_block : callable (row_slice, col_slice) -> ndarray of shape (rows, cols)
        Computes one block of scores; ``nan`` or an infinity (``-inf`` when ``largest``,
        ``+inf`` otherwise, and the other infinity too) excludes an entry. The returned array
        is not modified. With ``n_jobs > 1`` it is called from several threads at once.
    n_rows, n_cols : int
        Shape of the full (never materialised) score matrix.
    k : int
        How many columns to keep per row; above ``n_cols`` every column is kept (the result
        then has ``n_cols`` columns).
    largest : bool, default=False
        Keep the largest scores instead of the smallest.
    block_rows, block_cols : int, optional
        Block shape; by default all columns and as many rows as fit in 30 MB.
    threshold : float, optional
        Exclude scores worse than this: above it (below it when ``largest``). Cheaper than
        writing infinities into the block.
    n_jobs : int or None, default=1
        Threads that process row blocks concurrently (numpy releases the GIL in the heavy
        steps); ``-1`` uses every CPU, ``None`` means 1. With more than one, BLAS is limited
        to ``cpu_count // n_jobs`` threads per call while this runs (process-wide, through
        threadpoolctl), so the threads do not oversubscribe the cores.

    Returns
    -------
    TopK
        Ties are broken by the lower column index, so the result does not depend on the
        block shape or the number of threads.
    """
    k = check_int(k, "k", low=1)
    if n_rows == 0 or n_cols == 0:
        raise EmptyInputError(
            f"top-k needs at least one row and one column, got {n_rows} x {n_cols}"
        )
    n_jobs = _resolve_n_jobs(n_jobs)
    if threshold is not None:
        bad_end = _is_minus_inf(threshold) if largest else _is_plus_inf(threshold)
        threshold = None if bad_end else check_number(threshold, "threshold")
    max_value = None if threshold is None else (-threshold if largest else threshold)
    block_cols = n_cols if block_cols is None else max(1, int(block_cols))
    block_rows = default_block_rows(block_cols) if block_rows is None else max(1, int(block_rows))
    # k above the number of columns keeps every column: the result has min(k, n_cols)
    # columns, never padding that a caller could mistake for results (nor a k-sized buffer)
    kk = min(k, n_cols)
    out_idx = np.full((n_rows, kk), -1, dtype=np.int64)
    out_val = np.full((n_rows, kk), np.nan, dtype=np.float32)

    def one_row_block(r0: int) -> None:
        rows = slice(r0, min(n_rows, r0 + block_rows))
        best_idx = best_val = None
        for c0 in range(0, n_cols, block_cols):
            cols = slice(c0, min(n_cols, c0 + block_cols))
            block = np.asarray(score_block(rows, cols), dtype=np.float32)
            if largest:
                block = -block
            idx, val = _select_smallest(block, min(kk, block.shape[1]), max_value=max_value)
            idx += c0
            if best_idx is None:
                best_idx, best_val = idx, val
            else:
                # merge: candidates of earlier blocks have lower column indices, so a
                # (value, index) sort keeps the global lowest-index tie-break
                cat_i = np.concatenate([best_idx, idx], axis=1)
                cat_v = np.concatenate([best_val, val], axis=1)
                order = np.lexsort((cat_i, cat_v), axis=1)[:, :kk]
                best_idx = np.take_along_axis(cat_i, order, axis=1)
                best_val = np.take_along_axis(cat_v, order, axis=1)
        excluded = ~np.isfinite(best_val)
        best_idx[excluded] = -1
        best_val = best_val.astype(np.float32)
        best_val[excluded] = np.nan
        if largest:
            best_val = -best_val
        out_idx[rows, : best_idx.shape[1]] = best_idx
        out_val[rows, : best_val.shape[1]] = best_val

    starts = range(0, n_rows, block_rows)
    if n_jobs == 1 or len(starts) == 1:
        for r0 in starts:
            one_row_block(r0)
    else:
        _run_threads(one_row_block, starts, n_jobs)
    return TopK(out_idx, out_val)


_TOPK_BLOCK_ROWS = 256  # GEMM rows per block: enough to amortise packing the vacancy factor
_TOPK_BLOCK_COLS = 16384  # at most this many vacancies per block: 16 MB blocks per thread


def _balanced_rows(n_rows: int, n_jobs: int, *, low: int) -> int:
    """Rows per tile: at most 256, and a tile count that is a multiple of ``n_jobs`` (at
    least ``2 * n_jobs`` when there are enough rows), so the threads finish together."""
    n_tiles = max(-(-n_rows // _TOPK_BLOCK_ROWS), min(2 * n_jobs, -(-n_rows // low)))
    n_tiles = -(-max(1, n_tiles) // n_jobs) * n_jobs
    return max(1, -(-n_rows // n_tiles))


def _topk_blocks(n_rows: int, n_cols: int, n_jobs: int) -> tuple[int, int]:
    """Default (block_rows, block_cols) of :func:`topk_by_distance`.

    Row blocks of up to 256 workers (fewer when that would leave a thread idle) and column
    blocks of equal width, at most 16384 vacancies, so that one block stays under 16 MB.
    """
    rows = _balanced_rows(n_rows, n_jobs, low=16)
    n_col_blocks = max(1, -(-n_cols // _TOPK_BLOCK_COLS))
    return rows, max(1, -(-n_cols // n_col_blocks))


def _factors(
    levels: np.ndarray, requirements: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The GEMM factors on the active columns: ``distances = lf @ rft``.

    Same values as ``level_features(levels)[:, cols]`` and
    ``requirement_features(requirements, weights)[:, cols].T`` (``cols`` the columns that are
    non-zero in both), built directly in the layouts BLAS wants.

    Returns
    -------
    lf : ndarray of shape (n_workers, n_active), float32, C-contiguous
    rft : ndarray of shape (n_active, n_vacancies), float32, C-contiguous
        At least one active column (a zero one when nothing can fall short).
    """
    n_vac, n_comp = requirements.shape
    req_t = np.ascontiguousarray(requirements.T)
    w_t = np.ascontiguousarray(weights.T, dtype=np.float32)
    rft = np.empty((N_LEVELS, n_comp, n_vac), dtype=np.float32)
    for t in range(1, N_LEVELS + 1):
        np.multiply(w_t, req_t >= t, out=rft[t - 1])
    rft = rft.reshape(N_LEVELS * n_comp, n_vac)
    lf = level_features(levels)
    cols = np.flatnonzero(lf.any(axis=0) & rft.any(axis=1))
    if cols.size == 0:  # nothing can fall short: every distance is 0
        return (
            np.zeros((levels.shape[0], 1), np.float32),
            np.zeros((1, requirements.shape[0]), np.float32),
        )
    if cols.size == rft.shape[0]:
        return lf, rft
    return np.ascontiguousarray(lf[:, cols]), rft[cols]


def topk_by_distance(
    levels: np.ndarray,
    requirements: np.ndarray,
    weights: np.ndarray | None = None,
    k: int = 10,
    *,
    max_distance: float | None = None,
    block_rows: int | None = None,
    block_cols: int | None = None,
    n_jobs: int | None = -1,
    method: str = "auto",
) -> TopK:
    """The ``k`` nearest vacancies per worker by weighted shortfall distance.

    Parameters
    ----------
    levels : ndarray of shape (n_workers, n_competences)
    requirements : ndarray of shape (n_vacancies, n_competences)
    weights : ndarray of shape (n_vacancies, n_competences), optional
    k : int, default=10
    max_distance : float, optional
        Exclude pairs farther than this; ``0`` keeps only pairs that pass the cut-off.
    block_rows, block_cols : int, optional
        Block shape (memory bound) of the score-block path; the result does not depend on
        it. By default, with the lookup tables, no score block is made at all: one compiled
        kernel sums each worker's distances 512 vacancies at a time and keeps the
        ``k`` best as it goes (rows in tiles of up to 512 workers, so a pass's tables are
        fetched into cache once per tile). Naming either block size, or a ``k`` above 128,
        takes the score-block path.
    n_jobs : int or None, default=-1
        Threads working on row tiles at once (see :func:`blocked_topk`). ``-1``: every CPU
        for problems of at least about a million pairs per thread (smaller ones run in the
        calling thread, where threads cost more than they save); ``None`` or ``1``: the
        calling thread only. The result does not depend on it.
    method : {"auto", "gemm", "lut"}, default="auto"
        How the distances are computed, as for :func:`distance_matrix`.

    Returns
    -------
    TopK
        ``indices`` of shape (n_workers, k) into the vacancies, nearest first, ties by
        lower vacancy index; ``values`` the distances.

    Examples
    --------
    >>> top = topk_by_distance([[3, 1]], [[2, 3], [4, 0], [1, 1]], k=2)
    >>> top.indices, top.values
    (array([[2, 1]]), array([[0., 1.]], dtype=float32))
    """
    levels, requirements, weights = _check_core_inputs(levels, requirements, weights)
    k = check_int(k, "k", low=1)
    if max_distance is not None:
        max_distance = (
            None
            if _is_plus_inf(max_distance)
            else check_number(max_distance, "max_distance", low=0.0)
        )
    n_vac = requirements.shape[0]
    n_jobs = _auto_jobs(n_jobs, levels.shape[0] * n_vac)
    fused = (
        block_rows is None
        and block_cols is None
        and k <= _LUT_TOPK_MAX_K
        and levels.shape[0] > 0
        and n_vac > 0
        and requirements.shape[1] > 0
        and _resolve_method(method, n_vac, requirements.shape[1]) == "lut"
    )
    if fused:
        bound = _float32_bound(max_distance)
        return TopK(*_lut_topk(_lut(levels, requirements, weights), k, bound, n_jobs))
    # the threads work on row blocks below; each block's distances in its own thread
    fill = _distance_filler(levels, requirements, weights, method, n_jobs=1)
    auto_rows, auto_cols = _topk_blocks(levels.shape[0], n_vac, n_jobs)
    if block_cols is None and block_rows is None:
        block_rows, block_cols = auto_rows, auto_cols
    elif block_rows is None:
        block_rows = auto_rows
    buffers = threading.local()  # one reused score block per thread: no page faults per block

    def block(rows: slice, cs: slice) -> np.ndarray:
        shape = (rows.stop - rows.start, cs.stop - cs.start)
        buf = getattr(buffers, "buf", None)
        if buf is None or buf.size < shape[0] * shape[1]:
            buf = buffers.buf = np.empty(shape[0] * shape[1], dtype=np.float32)
        out = buf[: shape[0] * shape[1]].reshape(shape)
        fill(rows, cs, out)
        return out

    return blocked_topk(
        block,
        levels.shape[0],
        n_vac,
        k,
        block_rows=block_rows,
        block_cols=block_cols,
        threshold=max_distance,
        n_jobs=n_jobs,
    )


# --------------------------------------------------------------------------- exact inner products


def _exact_bits(dim: int) -> int:
    """Bits per quantised entry so that every partial sum of ``dim`` products is an integer
    of at most 2**53 (exact in float64): ``dim * 2**(2 * bits) <= 2**53``."""
    return (53 - max(1, int(dim - 1).bit_length())) // 2


def _quantise(rows: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Integer-valued float64 rows and the power of two that scales each back.

    Each row is scaled by a power of two taken from its own largest magnitude, so the result
    depends on that row alone: ``rows[i] ~= q[i] * scale[i]`` with ``|q| <= 2**bits``.
    """
    top = np.abs(rows).max(axis=1) if rows.shape[1] else np.zeros(len(rows), np.float32)
    exp = np.frexp(top.astype(np.float64))[1]  # top < 2**exp (0 for a zero row)
    q = np.rint(np.ldexp(rows.astype(np.float64), (bits - exp)[:, None]))
    return q, np.ldexp(1.0, exp - bits)


def distinct_rows(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of ``a``, compared by their bytes.

    Parameters
    ----------
    a : ndarray of shape (n, m), n >= 1, m >= 1

    Returns
    -------
    first : ndarray of shape (n_distinct,), int64
        The first row of each distinct row, in the order of their bytes.
    inverse : ndarray of shape (n,), int64
        The distinct row of each row: ``a[first][inverse]`` equals ``a``.
    """
    a = np.ascontiguousarray(a)
    keys = a.view(np.dtype((np.void, a.dtype.itemsize * a.shape[1]))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return first.astype(np.int64), np.asarray(inverse, dtype=np.int64).ravel()


class ExactDot:
    """Inner products with fixed rows whose bits do not depend on blocks, threads or BLAS.

    A float32 matrix product sums in an order that depends on the shapes BLAS is handed, so
    the same pair of rows can differ in the last bit between a block of 78 workers and one of
    22, and a ranking then breaks a near tie differently with another block size (or with
    only some workers ranked, as the weekly increment does). Here each row is quantised to
    integers with ``(53 - ceil(log2(dim))) // 2`` bits (23 for 128 dimensions) under a
    power-of-two scale of its own; every partial sum of the float64 product is then an exact
    integer, so *any* order gives the same sum, and one final rounding to float32 gives a
    value that depends on the two rows alone. Quantising costs at most 2**-(bits + 1) of a
    row's largest entry, about float32's own rounding.

    Rows with equal bytes (vacancies with the same title) share one column of the product.

    Parameters
    ----------
    right : ndarray of shape (n, dim)
        The fixed side (vacancy vectors), finite.

    Examples
    --------
    >>> import numpy as np
    >>> v = np.array([[1.0, 0.0], [0.6, 0.8], [1.0, 0.0]], np.float32)
    >>> ExactDot(v)(np.array([[0.6, 0.8]], np.float32), slice(0, 3)).astype(float).round(6).tolist()
    [[0.6, 1.0, 0.6]]
    """

    def __init__(self, right: np.ndarray) -> None:
        right = np.ascontiguousarray(right, dtype=np.float32)
        n, dim = right.shape
        self.n, self.dim = n, dim
        self.bits = _exact_bits(dim)
        if n and dim:
            first, inverse = distinct_rows(right)
            uniq = right[first]
        else:
            uniq, inverse = right, np.arange(n)
        q, scale = _quantise(uniq, self.bits)
        self._qt = np.ascontiguousarray(q.T)  # (dim, n_unique), integer-valued float64
        self._scale = scale
        self._inverse = np.asarray(inverse, dtype=np.int64).ravel()

    def subset(self, cols: np.ndarray) -> ExactDot:
        """The same products restricted to the rows ``cols`` (same bits)."""
        out = object.__new__(ExactDot)
        out.n, out.dim, out.bits = len(cols), self.dim, self.bits
        used, inverse = np.unique(self._inverse[cols], return_inverse=True)
        out._qt = np.ascontiguousarray(self._qt[:, used])
        out._scale = self._scale[used]
        out._inverse = inverse.astype(np.int64).ravel()
        return out

    def __call__(self, left: np.ndarray, cols: slice | np.ndarray) -> np.ndarray:
        """``left @ right[cols].T`` as float32, shape (len(left), n_cols).

        Parameters
        ----------
        left : ndarray of shape (n_left, dim)
        cols : slice or ndarray of int
            Rows of ``right``.
        """
        inv = self._inverse[cols]
        n_unique = self._qt.shape[1]
        if len(inv) < n_unique // 2:  # a few columns: only the distinct rows they use
            used, inv = np.unique(inv, return_inverse=True)
            prod = self._products(left, self._qt[:, used], self._scale[used])
        else:
            prod = self._products(left, self._qt, self._scale)
        return np.take(prod, inv.ravel(), axis=1)

    @property
    def inverse(self) -> np.ndarray:
        """ndarray of shape (n,), int64: the column of :meth:`distinct` of each right row."""
        return self._inverse

    def distinct(self, left: np.ndarray) -> np.ndarray:
        """Products with each distinct right row, shape (len(left), n_distinct), float32:
        ``self(left, cols)`` is ``distinct(left)[:, inverse[cols]]``, bit for bit."""
        return self._products(left, self._qt, self._scale)

    def _products(self, left: np.ndarray, qt: np.ndarray, scale: np.ndarray) -> np.ndarray:
        ql, lscale = _quantise(np.asarray(left, dtype=np.float32), self.bits)
        prod = ql @ qt  # exact: integers below 2**53
        prod *= lscale[:, None]  # powers of two: exact
        prod *= scale[None, :]
        return prod.astype(np.float32)
