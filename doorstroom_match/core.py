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

Everything here works in row blocks, so memory stays bounded however large W x V is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ._exceptions import EmptyInputError, ValidationError
from ._validation import check_int, check_level_array, check_weight_array

__all__ = [
    "encode_levels",
    "encode_requirements",
    "level_features",
    "requirement_features",
    "distance_matrix",
    "cutoff_matrix",
    "shortfall_matrix",
    "pair_shortfall",
    "TopK",
    "blocked_topk",
    "topk_by_distance",
    "default_block_rows",
]

N_LEVELS = 4
_BLOCK_BYTES = 64 * 2**20  # one score block (float32) stays under this


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
    col = {c: j for j, c in enumerate(competence_ids)}
    req = np.zeros((len(vacancies), len(col)), dtype=np.int8)
    wts = np.zeros((len(vacancies), len(col)), dtype=np.float32)
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
    return np.concatenate(
        [(levels < t).astype(np.float32) for t in range(1, N_LEVELS + 1)], axis=1
    )


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


def _active_columns(lf: np.ndarray, rf: np.ndarray) -> np.ndarray:
    """Columns that can contribute (non-zero somewhere in both factors)."""
    return np.flatnonzero(lf.any(axis=0) & rf.any(axis=0))


def distance_matrix(
    levels: np.ndarray, requirements: np.ndarray, weights: np.ndarray | None = None
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
    lf = level_features(levels)
    rf = requirement_features(requirements, weights)
    cols = _active_columns(lf, rf)
    if cols.size == 0:
        return np.zeros((levels.shape[0], requirements.shape[0]), dtype=np.float32)
    return lf[:, cols] @ rf[:, cols].T


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


_SAMPLE_STRIDE = 8  # 1 in 8 columns estimates the threshold
_MAX_CANDIDATES_PER_ROW = 64  # times k; beyond this (many ties) fall back to argpartition


def _select_smallest(block: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k smallest values per row with ties broken by lower column index.

    Fast path: the k-th smallest value of a column subsample is an upper bound of the row's
    k-th smallest value, so every entry at or below it is a candidate (ties included) and
    the true top-k is among them. Candidates are few (about ``k * stride``), so one
    vectorised comparison replaces a full selection over the row. Rows with too many
    candidates (many ties) take the exact argpartition path.

    ``block`` holds +inf for excluded entries. Returns (indices, values) of shape (rows, k),
    sorted by (value, index).
    """
    n_rows, n_cols = block.shape
    stride = _SAMPLE_STRIDE
    if n_cols < 4 * stride * k or k >= n_cols:
        return _select_smallest_partition(block, k)
    sample = block[:, ::stride]
    thr = np.partition(sample, k - 1, axis=1)[:, k - 1]
    mask = block <= thr[:, None]
    counts = np.count_nonzero(mask, axis=1)
    heavy = counts > max(_MAX_CANDIDATES_PER_ROW * k, n_cols // 8)
    if heavy.any():
        mask[heavy] = False
    rows, cols = np.nonzero(mask)
    vals = block[rows, cols]
    order = np.lexsort((cols, vals, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    starts = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.where(heavy, 0, counts), out=starts[1:])
    take = (starts[:-1, None] + np.arange(k)[None, :])[~heavy]
    out_idx = np.empty((n_rows, k), dtype=np.int64)
    out_val = np.empty((n_rows, k), dtype=block.dtype)
    light = np.flatnonzero(~heavy)
    out_idx[light] = cols[take]
    out_val[light] = vals[take]
    if heavy.any():
        hv = np.flatnonzero(heavy)
        hi, hvals = _select_smallest_partition(block[hv], k)
        out_idx[hv] = hi
        out_val[hv] = hvals
    return out_idx, out_val


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


def blocked_topk(
    score_block: Callable[[slice, slice], np.ndarray],
    n_rows: int,
    n_cols: int,
    k: int,
    *,
    largest: bool = False,
    block_rows: int | None = None,
    block_cols: int | None = None,
) -> TopK:
    """Streaming top-k per row over a score matrix computed block by block.

    Parameters
    ----------
    score_block : callable (row_slice, col_slice) -> ndarray of shape (rows, cols)
        Computes one block of scores; ``nan`` or the wrong infinity (``+inf`` when
        ``largest``, ``-inf`` otherwise) excludes an entry.
    n_rows, n_cols : int
        Shape of the full (never materialised) score matrix.
    k : int
        How many columns to keep per row.
    largest : bool, default=False
        Keep the largest scores instead of the smallest.
    block_rows, block_cols : int, optional
        Block shape; by default all columns and as many rows as fit in 64 MB.

    Returns
    -------
    TopK
        Ties are broken by the lower column index, so the result does not depend on the
        block shape.
    """
    k = check_int(k, "k", low=1)
    if n_rows == 0 or n_cols == 0:
        raise EmptyInputError(
            f"top-k needs at least one row and one column, got {n_rows} x {n_cols}"
        )
    block_cols = n_cols if block_cols is None else max(1, int(block_cols))
    block_rows = default_block_rows(block_cols) if block_rows is None else max(1, int(block_rows))
    kk = min(k, n_cols)
    out_idx = np.full((n_rows, k), -1, dtype=np.int64)
    out_val = np.full((n_rows, k), np.nan, dtype=np.float32)
    for r0 in range(0, n_rows, block_rows):
        rows = slice(r0, min(n_rows, r0 + block_rows))
        best_idx = best_val = None
        for c0 in range(0, n_cols, block_cols):
            cols = slice(c0, min(n_cols, c0 + block_cols))
            block = np.asarray(score_block(rows, cols), dtype=np.float32)
            block = -block if largest else block.copy()
            block[np.isnan(block)] = np.inf
            idx, val = _select_smallest(block, min(kk, block.shape[1]))
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
    return TopK(out_idx, out_val)


def topk_by_distance(
    levels: np.ndarray,
    requirements: np.ndarray,
    weights: np.ndarray | None = None,
    k: int = 10,
    *,
    max_distance: float | None = None,
    block_rows: int | None = None,
    block_cols: int | None = None,
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
        Block shape (memory bound); the result does not depend on it.

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
    if max_distance is not None and not np.isfinite(max_distance):
        max_distance = None
    lf = level_features(levels)
    rf = requirement_features(requirements, weights)
    cols = _active_columns(lf, rf)
    if cols.size == 0:  # nothing can fall short: every distance is 0
        cols = np.arange(1)
        lf = np.zeros((lf.shape[0], 1), np.float32)
        rf = np.zeros((rf.shape[0], 1), np.float32)
    lf = np.ascontiguousarray(lf[:, cols])
    rft = np.ascontiguousarray(rf[:, cols].T)

    def block(rows: slice, cs: slice) -> np.ndarray:
        d = lf[rows] @ rft[:, cs]
        if max_distance is not None:
            d[d > max_distance] = np.inf
        return d

    return blocked_topk(
        block,
        levels.shape[0],
        requirements.shape[0],
        k,
        block_rows=block_rows,
        block_cols=block_cols,
    )
