"""Commute reach as column ranges: the ranking scores only vacancies a block can reach.

Most pairs of a Flemish week lie beyond the worker's commute limit (about 88% of the pairs of
the benchmark's 25,000 workers and 100,000 vacancies, with limits of 5 to 50 km), and the
ranking gives them ``-inf`` after scoring them. :class:`ReachIndex` orders the vacancies by
place (a Hilbert curve over their postcodes' coordinates, vacancies of one postcode together in
input order), so the vacancies one block of nearby workers can reach lie in a few contiguous
runs of that order; :func:`reach_topk` scores a block of workers (ordered by commute limit,
then place) against those runs only and selects each worker's best ``k`` exactly as
:func:`doorstroom_match.core.blocked_topk` does over every column.

Exactness: a pair left out is one whose worker cannot reach the vacancy's postcode, tested per
(worker, postcode) with a slack (:data:`_SLACK`) that makes the runs a superset of the pairs the
score block's own test lets through; the score block still decides every pair it sees. Ties
are broken by the lower *input* column, as everywhere (:func:`select_smallest_by` settles
the rows whose k-th value is tied with a column left out). ``tests/test_reach.py`` checks the
indices and the score bits against the unpruned ranking.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .core import TopK, _resolve_n_jobs, _run_threads, _select_smallest
from .geo import unit_inner

__all__ = [
    "ReachIndex",
    "hilbert_keys",
    "near_runs",
    "place_runs",
    "reach_topk",
    "select_smallest_by",
]

#: Slack on the inner-product test of a (worker, place) run: a run is kept when the inner
#: product reaches ``cos_min - _SLACK`` (about 0.3 km at 50 km). The score block's own test is
#: the same formula (:func:`doorstroom_match.geo.unit_inner`), so this is only a margin: the
#: runs stay a superset of the pairs the score block lets through.
_SLACK = 1e-9

#: Workers per block of the pruned ranking: small blocks of nearby workers with the same
#: limit reach few vacancies (20.8% of the pairs at 64 on the benchmark's week, 26.4% at 128).
REACH_ROWS = 64


def hilbert_keys(xyz: np.ndarray, bits: int = 10) -> np.ndarray:
    """Position of each point on a Hilbert curve over the points' bounding box.

    Parameters
    ----------
    xyz : ndarray of shape (n, 3), float64
        Unit vectors (:func:`doorstroom_match.geo.unit_vectors`); ``nan`` rows get key -1.
    bits : int, default=10
        Cells per side ``2**bits`` (10: about 200 m in Flanders).

    Returns
    -------
    ndarray of shape (n,), int64
        Points close on the curve are close on the map.
    """
    xyz = np.asarray(xyz, dtype=np.float64)
    n = len(xyz)
    keys = np.full(n, -1, dtype=np.int64)
    known = ~np.isnan(xyz[:, 0]) if n else np.zeros(0, bool)
    if not known.any():
        return keys
    p = xyz[known]
    lat = np.arcsin(np.clip(p[:, 2], -1.0, 1.0))
    lon = np.arctan2(p[:, 1], p[:, 0])
    side = 1 << bits

    def grid(a: np.ndarray) -> np.ndarray:
        span = float(a.max() - a.min())
        if span == 0.0:
            return np.zeros(len(a), np.int64)
        return np.minimum(((a - a.min()) / span * side).astype(np.int64), side - 1)

    x, y = grid(lon), grid(lat)
    d = np.zeros(len(p), np.int64)
    s = side >> 1
    while s > 0:
        rx = (x & s) > 0
        ry = (y & s) > 0
        d += s * s * ((3 * rx.astype(np.int64)) ^ ry.astype(np.int64))
        flip = ~ry & rx
        x = np.where(flip, side - 1 - x, x)
        y = np.where(flip, side - 1 - y, y)
        swap = ~ry
        x, y = np.where(swap, y, x), np.where(swap, x, y)
        s >>= 1
    keys[known] = d
    return keys


class ReachIndex:
    """The vacancies in place order, as runs of one postcode each.

    Parameters
    ----------
    vac_xyz : ndarray of shape (n, 3), float64
        The vacancies' unit vectors; ``nan`` rows (unknown postcode) are within everyone's
        reach and form the first run.
    runs : tuple, optional
        ``place_runs(vac_xyz)`` where the caller has it already (a run without vacancies is
        allowed and left out).

    Attributes
    ----------
    perm : ndarray of shape (n,), int64
        Input column of each position in place order.
    starts, stops : ndarray of shape (n_runs,), int64
        The runs, as positions in place order.
    xyz : ndarray of shape (n_runs, 3), float64
        The unit vector of each run (zeros for the unknown run).
    always : ndarray of shape (n_runs,), bool
        The run of unknown postcodes.
    """

    def __init__(self, vac_xyz: np.ndarray, runs: tuple | None = None) -> None:
        run_of, run_xyz, unknown = place_runs(vac_xyz) if runs is None else runs
        n = len(run_of)
        key = hilbert_keys(np.where(unknown[:, None], np.nan, run_xyz))
        run_rank = np.empty(len(run_xyz), np.int64)
        run_rank[np.lexsort((np.arange(len(run_xyz)), key))] = np.arange(len(run_xyz))
        rank = run_rank[run_of]
        self.perm = np.lexsort((np.arange(n), rank)).astype(np.int64)
        sorted_rank = rank[self.perm]
        edges = np.flatnonzero(np.diff(sorted_rank)) + 1
        self.starts = np.concatenate([[0], edges]).astype(np.int64) if n else np.zeros(0, np.int64)
        self.stops = np.concatenate([edges, [n]]).astype(np.int64) if n else np.zeros(0, np.int64)
        first = self.perm[self.starts]
        self.xyz = run_xyz[run_of[first]]
        self.always = unknown[run_of[first]]
        self.n = n

    def ranges(self, wxyz: np.ndarray, cos_min: np.ndarray) -> list[slice]:
        """Positions (in place order) that some of these workers may reach, as sorted slices.

        Parameters
        ----------
        wxyz : ndarray of shape (n_rows, 3), float64
            The workers' unit vectors, zeros for an unknown postcode (reaches everything).
        cos_min : ndarray of shape (n_rows,), float64
            Their limits (:func:`doorstroom_match.geo.cos_limit`).
        """
        if len(wxyz) == 0 or self.n == 0:
            return []
        if (wxyz == 0).all(axis=1).any() or (cos_min <= -1.0).any():
            return [slice(0, self.n)]
        near = (unit_inner(wxyz, self.xyz) >= (cos_min - _SLACK)[:, None]).any(axis=0)
        near |= self.always
        runs = np.flatnonzero(near)
        if runs.size == 0:
            return []
        breaks = np.flatnonzero(np.diff(runs) != 1) + 1
        first = runs[np.concatenate([[0], breaks])]
        last = runs[np.concatenate([breaks - 1, [runs.size - 1]])]
        return [
            slice(int(self.starts[a]), int(self.stops[b]))
            for a, b in zip(first.tolist(), last.tolist(), strict=True)
        ]


def place_runs(vac_xyz: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct places of the vacancies: the commute test is the same for every vacancy
    of one place.

    Parameters
    ----------
    vac_xyz : ndarray of shape (n, 3), float64
        Unit vectors, ``nan`` rows for unknown postcodes.

    Returns
    -------
    run_of : ndarray of shape (n,), int64
        The place of each vacancy.
    run_xyz : ndarray of shape (n_places, 3), float64
        Each place's unit vector (zeros for the unknown place), bit for bit a vacancy's.
    unknown : ndarray of shape (n_places,), bool
        The place of the unknown postcodes (within everyone's reach).
    """
    vac_xyz = np.asarray(vac_xyz, dtype=np.float64).reshape(-1, 3)
    coords = np.nan_to_num(vac_xyz, nan=0.0)
    if len(coords) == 0:
        return np.zeros(0, np.int64), np.zeros((0, 3)), np.zeros(0, bool)
    run_xyz, run_of = np.unique(coords, axis=0, return_inverse=True)
    return run_of.astype(np.int64).ravel(), run_xyz, (run_xyz == 0).all(axis=1)


def near_runs(
    wxyz: np.ndarray, cos_min: np.ndarray, run_xyz: np.ndarray, unknown: np.ndarray
) -> np.ndarray:
    """Whether each worker reaches each place, shape (n_rows, n_places), uint8.

    The ranking's commute test (:func:`doorstroom_match.geo.unit_inner` against
    :func:`doorstroom_match.geo.cos_limit`); a worker with an unknown postcode (zero vector)
    and the unknown place are within reach.
    """
    near = unit_inner(wxyz, run_xyz) >= cos_min[:, None]
    near |= (wxyz == 0).all(axis=1)[:, None]
    near |= unknown[None, :]
    return near.view(np.uint8)


def select_smallest_by(block: np.ndarray, ids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` smallest values per row, ties broken by the lower ``ids`` of their columns.

    :func:`doorstroom_match.core._select_smallest` breaks ties by the lower column; here the
    columns are in place order and ``ids`` (input columns) are not sorted. Rows whose k-th
    value is tied with a column left out are settled by ``ids`` (one comparison pass finds
    them; the ties of a week are mostly vacancies of one occupation and title).

    Parameters
    ----------
    block : ndarray of shape (n_rows, n_cols), float32
        Non-finite entries are excluded.
    ids : ndarray of shape (n_cols,), int64
        Distinct.
    k : int
        ``1 <= k <= n_cols``.

    Returns
    -------
    ids : ndarray of shape (n_rows, k), int64
    values : ndarray of shape (n_rows, k), float32
        Sorted by (value, id); excluded places hold ``+inf``.
    """
    idx, val = _select_smallest(block, k)
    got = ids[idx]
    kth = val[:, -1]
    n_le = np.count_nonzero(block <= kth[:, None], axis=1)
    for r in np.flatnonzero(np.isfinite(kth) & (n_le > k)).tolist():
        row = block[r]
        less = np.flatnonzero(row < kth[r])
        tied = np.flatnonzero(row == kth[r])
        tied = tied[np.argsort(ids[tied], kind="stable")[: k - len(less)]]
        pick = np.concatenate([less, tied])
        got[r], val[r] = ids[pick], row[pick]
    order = np.lexsort((got, val), axis=1)
    return np.take_along_axis(got, order, axis=1), np.take_along_axis(val, order, axis=1)


def worker_order(wxyz: np.ndarray, cos_min: np.ndarray) -> np.ndarray:
    """Rows by commute limit, then place: consecutive rows reach much the same vacancies.

    Returns
    -------
    ndarray of shape (n_rows,), int64
    """
    unknown = (wxyz == 0).all(axis=1)
    key = hilbert_keys(np.where(unknown[:, None], np.nan, wxyz))
    return np.lexsort((np.arange(len(wxyz)), key, -cos_min, unknown)).astype(np.int64)


def reach_topk(
    prepare: Callable[[np.ndarray], Any],
    score: Callable[[np.ndarray, slice, Any], np.ndarray],
    index: ReachIndex,
    wxyz: np.ndarray,
    cos_min: np.ndarray,
    k: int,
    *,
    block_rows: int = REACH_ROWS,
    n_jobs: int | None = 1,
) -> TopK:
    """The ``k`` largest scores per row, scoring only the runs each block of rows may reach.

    Parameters
    ----------
    prepare : callable (rows) -> parts
        Per-block work shared by the block's runs (the text and occupation products).
    score : callable (rows, positions, parts) -> ndarray of shape (len(rows), n_positions)
        Scores of rows ``rows`` against the vacancies at ``positions`` (a slice in place
        order), ``-inf`` where a pair may not be suggested; called from several threads
        with ``n_jobs > 1``.
    index : ReachIndex
    wxyz : ndarray of shape (n_rows, 3), float64
        The workers' unit vectors (zeros: unknown).
    cos_min : ndarray of shape (n_rows,), float64
    k : int
    block_rows : int, default=REACH_ROWS
    n_jobs : int or None, default=1

    Returns
    -------
    TopK
        What :func:`doorstroom_match.core.blocked_topk` with ``largest=True`` returns over
        every column, when ``score`` gives ``-inf`` to every pair beyond reach: indices in
        input columns, ties broken by the lower input column.
    """
    n_rows, n_cols = len(wxyz), index.n
    kk = min(k, n_cols)
    out_idx = np.full((n_rows, kk), -1, dtype=np.int64)
    # blocked_topk's excluded places hold nan negated (its largest=True): the same bits here
    out_val = np.full((n_rows, kk), -np.float32(np.nan), dtype=np.float32)
    order = worker_order(wxyz, cos_min)
    block_rows = max(1, int(block_rows))

    def one_block(r0: int) -> None:
        rows = np.sort(order[r0 : r0 + block_rows])  # ascending: contiguous runs fill at once
        ranges = index.ranges(wxyz[rows], cos_min[rows])
        width = sum(r.stop - r.start for r in ranges)
        if width == 0:
            return
        parts = prepare(rows)
        block = np.empty((len(rows), width), np.float32)
        at = 0
        for r in ranges:
            block[:, at : at + r.stop - r.start] = score(rows, r, parts)
            at += r.stop - r.start
        ids = np.concatenate([index.perm[r] for r in ranges])
        np.negative(block, out=block)
        idx, val = select_smallest_by(block, ids, min(kk, width))
        bad = ~np.isfinite(val)
        idx[bad] = -1
        val = val.astype(np.float32)
        val[bad] = np.nan
        val = -val
        out_idx[rows, : idx.shape[1]] = idx
        out_val[rows, : val.shape[1]] = val

    starts = range(0, n_rows, block_rows)
    n_jobs = _resolve_n_jobs(n_jobs)
    if n_jobs == 1 or len(starts) <= 1:
        for r0 in starts:
            one_block(r0)
    else:
        _run_threads(one_block, starts, n_jobs)
    return TopK(out_idx, out_val)
