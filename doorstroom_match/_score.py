"""The ranking's score block in one pass over the pairs (issue 17: "score through the core").

:meth:`doorstroom_match.Matcher._topk` scores a block of workers against the vacancies as the
weighted sum of the signals in :data:`doorstroom_match.ranking.SIGNALS`, then writes ``-inf``
where a pair may not be suggested. Written with numpy that is a dozen passes over a
(workers x vacancies) float32 block per signal and mask (fit, cut-off, kind, text, occupation,
regime, limits, the commute test ...): at 25,000 x 100,000 most of the week's ranking time.
:func:`score_block_kernel` does the same arithmetic for each pair once, in the same order and
in float32, so every score has the very same bits as the numpy block
(``tests/test_score_kernel.py`` checks that on every combination of signals and masks).

The text and occupation signals come in per *distinct* vacancy vector (``tsim``, ``aff``:
vacancies with the same title share one column) with the column of each vacancy
(``tinv``, ``oinv``): the products are exact per pair (:class:`doorstroom_match.core.ExactDot`;
a sparse product sums in the order of the worker's own features), so a distinct column gives
the bits of every vacancy that shares it, and the products cost a fifth at realistic titles.
The commute test comes in the same way, per distinct place: ``near`` says whether each worker
reaches each place run of :func:`doorstroom_match.reach.place_runs` (``ninv``: the run of each
vacancy), computed once per block of workers with :func:`doorstroom_match.geo.unit_inner`, so
the test has the bits of the numpy block's per-pair test whatever the block.

Like the core's kernels it is plain Python that numba compiles (``fast`` extra); without numba
the ranking keeps its numpy block.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._jit import compiled

__all__ = ["column_bits", "row_bits", "score_block", "score_block_kernel"]


#: Bits of the per-vacancy flags ``col_bits`` and per-worker flags ``row_bits``. A regime,
#: limits or high-skill penalty applies to a pair when the worker's and the vacancy's bit
#: are both set (the commute test is ``near``, see :func:`score_block_kernel`).
UNKNOWN_REQ, NOT_ALLOWED, FULL_TIME, PHYSICAL, HIGH_SKILL = 1, 2, 4, 8, 16
PART_TIME, LIMITED, LOW_SKILL = FULL_TIME, PHYSICAL, HIGH_SKILL


def score_block_kernel(
    d,
    inv_worst,
    kind_bonus,
    col_bits,
    row_bits,
    tsim,
    tinv,
    aff,
    oinv,
    near,
    ninv,
    require_cutoff,
    weights,
    out,
):  # pragma: no cover - compiled by numba; the plain-Python run is tested on small blocks
    """Scores of one block, ``out[r, c]`` (``-inf`` where the pair may not be suggested).

    Parameters
    ----------
    d : ndarray of shape (n_rows, n_cols), float32
        The core's weighted distances.
    inv_worst, kind_bonus : ndarray of shape (n_cols,), float32
    col_bits : ndarray of shape (n_cols,), uint8
        ``UNKNOWN_REQ | NOT_ALLOWED | FULL_TIME | PHYSICAL | HIGH_SKILL``.
    row_bits : ndarray of shape (n_rows,), uint8
        ``PART_TIME | LIMITED | LOW_SKILL``.
    tsim : ndarray of shape (n_rows, n_text), float32, or None
        Text similarity to each distinct vacancy vector; ``tinv`` (n_cols,) int64 its column.
    aff : ndarray of shape (n_rows, n_occ), float32, or None
        Occupation affinity to each distinct occupation row; ``oinv`` (n_cols,) int64.
    near : ndarray of shape (n_rows, n_runs), uint8, or None
        1 where the worker reaches the place run (an unknown postcode on either side counts
        as within reach); ``ninv`` (n_cols,) int64 the run of each vacancy. None: no
        commute limit.
    require_cutoff : bool
    weights : ndarray of shape (7,), float32
        The competence_fit, cutoff, text, occupation, regime and limits weights, and the fit
        of a vacancy without requirements.
    out : ndarray of shape (n_rows, n_cols), float32

    Notes
    -----
    A row is done in a few simple loops rather than one: a loop without gathers or branches
    is vectorised, and one loop with everything in it was not (about 15 ns a pair instead of
    2-5 on random flags). None arguments are typed away by numba (one compiled kernel per
    combination of signals). Adding a zero of either sign leaves a sum unchanged (the sum is
    never -0.0: it starts as 0.0 + x), so a term that does not apply adds 0 where the numpy
    block adds its zero term or nothing.
    """
    w_fit, w_cut, w_text, w_occ = weights[0], weights[1], weights[2], weights[3]
    m_reg, m_lim, unknown_fit = -weights[4], -weights[5], weights[6]
    zero = np.float32(0.0)
    one = np.float32(1.0)
    minus_inf = np.float32(-np.inf)
    n_rows, n_cols = d.shape
    rc = np.uint8(1) if require_cutoff else np.uint8(0)
    b1 = np.uint8(1)
    for r in range(n_rows):
        rb = row_bits[r]
        orow = out[r]
        drow = d[r]
        for c in range(n_cols):  # fit, cut-off, kind
            cb = col_bits[c]
            dv = drow[c]
            unk = cb & b1
            fit = one - dv * inv_worst[c]
            fit = unknown_fit if unk else fit
            s = zero + w_fit * fit
            s = s + w_cut * np.float32(np.uint8(dv == zero) & (unk ^ b1))
            orow[c] = s + kind_bonus[c]
        if tsim is not None:
            trow = tsim[r]
            for c in range(n_cols):
                orow[c] = orow[c] + w_text * min(max(trow[tinv[c]], zero), one)
        if aff is not None:
            arow = aff[r]
            for c in range(n_cols):
                orow[c] = orow[c] + w_occ * min(arow[oinv[c]], one)
        for c in range(n_cols):  # regime, limits, and the pairs never suggested
            cb = col_bits[c]
            both = rb & cb
            s = orow[c] + m_reg * np.float32((both >> 2) & b1)
            s = s + m_lim * np.float32((both >> 3) & b1)
            failed = np.uint8(drow[c] != zero)
            bad = ((cb >> 1) | (both >> 4) | (rc & failed)) & b1
            orow[c] = minus_inf if bad else s
        if near is not None:
            nrow = near[r]
            for c in range(n_cols):
                orow[c] = orow[c] if nrow[ninv[c]] else minus_inf


def score_block(
    kernel: Any,
    d: np.ndarray,
    inv_worst: np.ndarray,
    kind_bonus: np.ndarray,
    col_bits: np.ndarray,
    row_bits: np.ndarray,
    *,
    tsim: np.ndarray | None,
    tinv: np.ndarray | None,
    aff: np.ndarray | None,
    oinv: np.ndarray | None,
    near: np.ndarray | None,
    ninv: np.ndarray | None,
    require_cutoff: bool,
    weights: np.ndarray,
) -> np.ndarray:
    """Run ``kernel`` (:func:`score_block_kernel`, compiled or not) on one block.

    Returns
    -------
    ndarray of shape d.shape, float32
    """
    out = np.empty(d.shape, np.float32)
    kernel(
        np.ascontiguousarray(d, dtype=np.float32),
        np.ascontiguousarray(inv_worst, dtype=np.float32),
        np.ascontiguousarray(kind_bonus, dtype=np.float32),
        np.ascontiguousarray(col_bits, dtype=np.uint8),
        np.ascontiguousarray(row_bits, dtype=np.uint8),
        tsim,
        tinv,
        aff,
        oinv,
        near,
        ninv,
        bool(require_cutoff),
        weights,
        out,
    )
    return out


def column_bits(
    unknown_req: np.ndarray,
    allowed: np.ndarray,
    full_time: np.ndarray,
    physical: np.ndarray,
    high_skill: np.ndarray,
) -> np.ndarray:
    """The vacancies' flags as :func:`score_block_kernel` reads them, shape (n,), uint8."""
    bits = np.where(unknown_req, UNKNOWN_REQ, 0) | np.where(allowed, 0, NOT_ALLOWED)
    bits |= np.where(full_time, FULL_TIME, 0) | np.where(physical, PHYSICAL, 0)
    bits |= np.where(high_skill, HIGH_SKILL, 0)
    return bits.astype(np.uint8)


def row_bits(
    part_time: np.ndarray,
    limited: np.ndarray,
    low_skill: np.ndarray | None,
) -> np.ndarray:
    """The workers' flags as :func:`score_block_kernel` reads them, shape (n,), uint8."""
    bits = np.where(part_time, PART_TIME, 0) | np.where(limited, LIMITED, 0)
    if low_skill is not None:
        bits |= np.where(low_skill, LOW_SKILL, 0)
    return bits.astype(np.uint8)


def compiled_kernel() -> Any:
    """The compiled kernel, or None without numba (the ranking then uses its numpy block)."""
    return compiled(score_block_kernel)
