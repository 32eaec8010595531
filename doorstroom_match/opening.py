"""The werkpunt that opens most doors: which competence, raised one level, adds most vacancies.

For a worker with levels ``l`` and a vacancy with minimum levels ``r`` (weights ``w``), the
core's distance is ``sum_c w[c] * max(0, r[c] - l[c])`` and the worker passes exactly when it
is 0. Raising competence ``c`` by one level lowers ``max(0, r[c] - l[c])`` by one where
``r[c] > l[c]`` and changes nothing else, so a vacancy the worker does not pass today is passed
after the raise exactly when the *level count* of shortfalls,

    s(w, v) = sum_c [w[v, c] > 0] * max(0, r[v, c] - l[w, c]),

is 1 and the one missing level is on ``c``. ``s`` is the core's distance with unit weights on
the required competences (:func:`doorstroom_match.core.distance_blocks`): small integers, exact
in float32. A second pass with weight ``c + 1`` on competence ``c`` gives, exactly where
``s == 1``, ``c + 1`` of the one competence short. So two passes of the engine over all workers
and vacancies give for every worker and competence the exact set of vacancies it would open
(:func:`opening_counts`); :func:`opening_gaps` adds the commute limit ("within reach") and
picks, per worker, the competence that opens most.

Examples
--------
>>> from doorstroom_match import WorkerProfile, Vacancy
>>> w = WorkerProfile("W1", {"samenwerken": 2, "stiptheid": 3})
>>> vs = [Vacancy(f"V{i}", "magazijnier", requirements={"samenwerken": 3}) for i in range(2)]
>>> g = opening_gaps(w, vs)
>>> g.competence, g.from_level, g.to_level, g.vacancy_ids
('samenwerken', 2, 3, ('V0', 'V1'))
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._exceptions import ValidationError
from ._jit import compiled
from ._validation import check_level_array, check_weight_array
from .competences import LEVEL_LABELS
from .core import default_block_rows, encode_levels, encode_requirements
from .profiles import Vacancy, WorkerProfile
from .reach import REACH_ROWS, ReachIndex, near_runs, place_runs, worker_order

__all__ = ["OpeningGap", "OpeningCounts", "opening_counts", "opening_gaps", "within_reach"]


@dataclass(frozen=True)
class OpeningCounts:
    """What raising each competence by one level opens, for many workers at once.

    Attributes
    ----------
    counts : ndarray of shape (n_workers, n_competences), dtype int64
        Vacancies (within reach) the worker does not pass now and passes after raising that
        competence by one level.
    workers, vacancies, competences : ndarray of shape (n_opened,), dtype int64
        The opened pairs, one row each: worker row, vacancy row, competence column. Sorted by
        worker, then vacancy.
    passed : ndarray of shape (n_workers,), dtype int64
        Vacancies (within reach) the worker passes already.
    reachable : ndarray of shape (n_workers,), dtype int64
        Vacancies within reach.
    """

    counts: np.ndarray
    workers: np.ndarray
    vacancies: np.ndarray
    competences: np.ndarray
    passed: np.ndarray
    reachable: np.ndarray


def opening_counts(
    levels: np.ndarray,
    requirements: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    within: np.ndarray | None = None,
    block_rows: int | None = None,
) -> OpeningCounts:
    """For every worker and competence, the vacancies one more level would open.

    Parameters
    ----------
    levels : ndarray of shape (n_workers, n_competences)
        Levels 1..4, 0 = not rated (raising it gives level 1).
    requirements : ndarray of shape (n_vacancies, n_competences)
        Minimum levels 1..4, 0 = not required.
    weights : ndarray of shape (n_vacancies, n_competences), optional
        Only whether a weight is > 0 matters (a weight of 0 never blocks a pass, as in the
        core); 1 everywhere when omitted.
    within : ndarray of shape (n_workers, n_vacancies), dtype bool, optional
        Pairs within reach (commute); every pair when omitted.
    block_rows : int, optional
        Workers per block of the distance engine (bounded memory).

    Returns
    -------
    OpeningCounts

    Examples
    --------
    >>> oc = opening_counts([[2, 3]], [[3, 3], [3, 4], [1, 1]])
    >>> oc.counts.tolist(), oc.vacancies.tolist(), oc.passed.tolist()
    ([[1, 0]], [0], [1])
    """
    levels = check_level_array(levels, "levels")
    requirements = check_level_array(requirements, "requirements")
    n_w, n_c = levels.shape
    n_v = requirements.shape[0]
    if requirements.shape[1] != n_c:
        raise ValidationError(
            f"levels and requirements must have the same number of competences, got "
            f"{n_c} and {requirements.shape[1]}"
        )
    if weights is None:
        active = requirements > 0
    else:
        weights = check_weight_array(weights, "weights", requirements.shape)
        active = (weights > 0) & (requirements > 0)
    if within is not None:
        within = np.asarray(within)
        if within.dtype != np.bool_ or within.shape != (n_w, n_v):
            raise ValidationError(
                f"within must be a bool array of shape ({n_w}, {n_v}), got "
                f"{within.dtype} of shape {within.shape}"
            )
    return _Openings(requirements, active, block_rows).counts(levels, within)


class _Openings:
    """The vacancy side of :func:`opening_counts`, prepared once for many blocks of workers
    (the two passes' lookup tables cost as much to build as a block's distances).

    Parameters
    ----------
    requirements : ndarray of shape (n_vacancies, n_competences)
        Checked minimum levels.
    active : ndarray of shape (n_vacancies, n_competences), dtype bool
        Required competences (requirement > 0 with a weight > 0).
    block_rows : int, optional
        Workers per block of the engine.
    """

    def __init__(self, requirements: np.ndarray, active: np.ndarray, block_rows: int | None):
        from .core import DistanceEngine

        self.n_v, self.n_c = requirements.shape
        self.block_rows = block_rows or default_block_rows(self.n_v)
        req = np.where(active, requirements, 0).astype(np.int8)
        unit = active.astype(np.float32)
        # weight c + 1 on competence c: where exactly one level is missing, the weighted sum
        # is c + 1 of that one competence (an exact small integer in float32), so a second
        # pass of the engine names the competence without gathering (pairs x competences)
        col = np.where(active, np.arange(1, self.n_c + 1, dtype=np.float32), np.float32(0))
        self._count = DistanceEngine(req, unit)
        self._req = np.ascontiguousarray(req)
        self._col = col
        self._index: Any = None  # the second pass, built when the kernel is not used

    def counts(self, levels: np.ndarray, within: np.ndarray | None) -> OpeningCounts:
        """:class:`OpeningCounts` of the workers ``levels`` (checked), shape (n, n_c)."""
        from .core import _auto_jobs

        n_w, n_c, n_v = levels.shape[0], self.n_c, self.n_v
        counts = np.zeros((n_w, n_c), dtype=np.int64)
        passed = np.zeros(n_w, dtype=np.int64)
        reachable = np.full(n_w, n_v, dtype=np.int64) if within is None else within.sum(axis=1)
        if n_w == 0 or n_v == 0:
            empty = np.zeros(0, dtype=np.int64)
            return OpeningCounts(counts, empty, empty, empty, passed, reachable.astype(np.int64))
        block_rows = min(n_w, self.block_rows)
        n_jobs = _auto_jobs(-1, block_rows * n_v)
        count_fill = self._count.filler(levels, n_jobs)
        kernel = compiled(_one_level_kernel) if _FUSED else None
        if kernel is None and self._index is None:
            from .core import DistanceEngine

            self._index = DistanceEngine(self._req, self._col)
        index_fill = None if kernel is not None else self._index.filler(levels, n_jobs)
        s_buf = np.empty((block_rows, n_v), dtype=np.float32)
        i_buf = None if kernel is not None else np.empty((block_rows, n_v), dtype=np.float32)
        pw: list[np.ndarray] = []
        pv: list[np.ndarray] = []
        pc: list[np.ndarray] = []
        for r0 in range(0, n_w, block_rows):
            rows = slice(r0, min(n_w, r0 + block_rows))
            # s(w, v): the number of missing levels on required competences (small integers)
            s = s_buf[: rows.stop - r0]
            count_fill(rows, slice(0, n_v), s)
            if kernel is not None:  # one scan of the block instead of the second pass
                inside = None if within is None else np.ascontiguousarray(within[rows])
                wi, vi, ci, passed[rows] = kernel(
                    s, inside, np.ascontiguousarray(levels[rows]), self._req
                )
            else:
                ok = np.ones(s.shape, dtype=bool) if within is None else within[rows]
                passed[rows] = np.count_nonzero((s == 0) & ok, axis=1)
                wi, vi = np.nonzero((s == 1) & ok)
                if wi.size:
                    idx = i_buf[: rows.stop - r0]
                    index_fill(rows, slice(0, n_v), idx)
                    ci = idx[wi, vi].astype(np.int64) - 1
            if not wi.size:
                continue
            wi = wi.astype(np.int64) + rows.start
            counts += np.bincount(wi * n_c + ci, minlength=n_w * n_c).reshape(n_w, n_c)
            pw.append(wi)
            pv.append(vi.astype(np.int64))
            pc.append(ci)

        def cat(parts: list[np.ndarray]) -> np.ndarray:
            return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

        return OpeningCounts(
            counts, cat(pw), cat(pv), cat(pc), passed, np.asarray(reachable, dtype=np.int64)
        )


#: Whether :class:`_Openings` scans a block with :func:`_one_level_kernel` where numba is
#: installed (tests set it to False to run the two engine passes, its reference).
_FUSED = True

#: Whether :func:`opening_gaps` with a commute limit scans blocks of neighbours against the
#: vacancies they can reach only (tests set it to False for the scan of every vacancy).
_REACH = True


def _one_level_kernel(s, within, levels, req):  # pragma: no cover - compiled by numba
    """The pairs of one block that miss exactly one level, and the competence it is on.

    Parameters
    ----------
    s : ndarray of shape (n_rows, n_vacancies), float32
        Missing levels on required competences (the engine with unit weights).
    within : ndarray of shape (n_rows, n_vacancies), bool, or None (every pair)
    levels : ndarray of shape (n_rows, n_competences), int8
    req : ndarray of shape (n_vacancies, n_competences), int8
        Minimum levels, 0 where not required (or weighted 0).

    Returns
    -------
    rows, vacancies, competences : ndarray of shape (n_opened,), int64
        Row-major (by row, then vacancy).
    passed : ndarray of shape (n_rows,), int64
        Pairs within reach with nothing missing.
    """
    n_rows, n_v = s.shape
    n_c = levels.shape[1]
    passed = np.zeros(n_rows, np.int64)
    n_one = 0
    for r in range(n_rows):
        for v in range(n_v):
            if within is not None and not within[r, v]:
                continue
            x = s[r, v]
            if x == 0.0:
                passed[r] += 1
            elif x == 1.0:
                n_one += 1
    out_r = np.empty(n_one, np.int64)
    out_v = np.empty(n_one, np.int64)
    out_c = np.empty(n_one, np.int64)
    k = 0
    for r in range(n_rows):
        for v in range(n_v):
            if s[r, v] != 1.0 or (within is not None and not within[r, v]):
                continue
            for c in range(n_c):  # the one required competence below its minimum
                if req[v, c] > levels[r, c]:
                    out_r[k], out_v[k], out_c[k] = r, v, c
                    k += 1
                    break
    return out_r, out_v, out_c, passed


def within_reach(
    workers: Sequence[WorkerProfile], vacancies: Sequence[Vacancy], max_km: float | str | None
) -> np.ndarray | None:
    """Which vacancies each worker can reach, as the crow flies (the ranking's commute rule).

    Parameters
    ----------
    workers : sequence of WorkerProfile
    vacancies : sequence of Vacancy
    max_km : float or 'worker' or None
        A limit for everyone, each worker's ``max_commute_km`` (``'worker'``; no limit when
        unknown), or None for no limit. A pair with an unknown postcode is within reach.

    Returns
    -------
    ndarray of shape (n_workers, n_vacancies), dtype bool, or None when there is no limit
    """
    reach = _Reach(workers, vacancies, max_km)
    return None if reach.unlimited else reach.rows(slice(0, len(workers)))


class _Reach:
    """The commute test of :func:`within_reach`, a block of workers at a time (the vacancies'
    coordinates are looked up once)."""

    def __init__(
        self,
        workers: Sequence[WorkerProfile],
        vacancies: Sequence[Vacancy],
        max_km: float | str | None,
    ) -> None:
        from .geo import cos_limit, postcode_coordinates, unit_vectors

        self.unlimited = max_km is None
        if max_km is None:
            return
        if max_km == "worker":
            km = np.array(
                [np.inf if w.max_commute_km is None else float(w.max_commute_km) for w in workers]
            )
        elif isinstance(max_km, int | float) and not isinstance(max_km, bool) and max_km >= 0:
            km = np.full(len(workers), float(max_km))
        else:
            raise ValidationError(f"max_km must be a number >= 0, 'worker' or None, got {max_km!r}")
        self.unlimited = not np.isfinite(km).any()
        if self.unlimited:
            return
        # the ranking's test (:class:`doorstroom_match.Matcher`): within ``km`` exactly when
        # the unit vectors' inner product (:func:`~doorstroom_match.geo.unit_inner`, the same
        # bits in any block) reaches cos(km / R); no arccos per pair
        uw = unit_vectors(postcode_coordinates([w.postcode for w in workers]))
        self.uv_nan = unit_vectors(postcode_coordinates([v.postcode for v in vacancies]))
        self.cos_min = cos_limit(km)
        self.uw = np.nan_to_num(uw)
        self.run_of, self.run_xyz, self.run_unknown = place_runs(self.uv_nan)

    def rows(self, block: slice) -> np.ndarray:
        """Reach of the workers in ``block``: shape (block length, n_vacancies), dtype bool."""
        # per place, then per pair: the ranking's test, bit for bit (unknown: zero vectors)
        near = near_runs(self.uw[block], self.cos_min[block], self.run_xyz, self.run_unknown)
        return near.view(np.bool_)[:, self.run_of]


@dataclass(frozen=True)
class OpeningGap:
    """The werkpunt that opens most doors for one worker.

    Attributes
    ----------
    worker_id : str
    competence : str or None
        The competence whose next level opens most vacancies within reach; None when no single
        level opens any.
    label : str
        Its Dutch label ("" when ``competence`` is None).
    from_level, to_level : int
        Today's level (0 = not rated) and the next one.
    vacancy_ids : tuple of str
        The vacancies it opens, in input order.
    n_reachable, n_passed : int
        Vacancies within reach, and those the worker passes already.
    """

    worker_id: str
    competence: str | None
    label: str
    from_level: int
    to_level: int
    vacancy_ids: tuple[str, ...]
    n_reachable: int
    n_passed: int

    @property
    def n_opened(self) -> int:
        """How many vacancies the next level opens."""
        return len(self.vacancy_ids)

    def describe(self) -> str:
        """One Dutch line for a coach ("samenwerken van matig naar goed: 4 vacatures erbij")."""
        if self.competence is None:
            return "Geen enkel niveau erbij opent op zichzelf een vacature binnen bereik."
        now = (
            LEVEL_LABELS.get(self.from_level, "niet gemeten") if self.from_level else "niet gemeten"
        )
        n = self.n_opened
        return (
            f"{self.label} van {now} naar {LEVEL_LABELS[self.to_level]}: "
            f"{n} vacature{'s' if n != 1 else ''} binnen bereik erbij"
        )


def _columns(workers: Sequence[WorkerProfile], vacancies: Sequence[Vacancy]) -> list[str]:
    dictionary = (workers[0].dictionary if workers else None) or (
        vacancies[0].dictionary if vacancies else None
    )
    cols = list(dictionary.ids) if dictionary is not None else []
    seen = set(cols)
    for item in (*workers, *vacancies):
        names = item.competences if isinstance(item, WorkerProfile) else item.requirements
        for c in names:
            if c not in seen:
                seen.add(c)
                cols.append(c)
    return cols


def opening_gaps(
    worker: WorkerProfile | Sequence[WorkerProfile],
    vacancies: Sequence[Vacancy],
    *,
    max_km: float | str | None = "worker",
    exclude: Collection[str] = (),
) -> OpeningGap | list[OpeningGap]:
    """Per worker, the competence whose next level opens most vacancies within reach.

    Exact: a vacancy counts when the worker does not pass its cut-off today and passes it
    after that one competence goes up one level (the core's pass, distance 0); all workers go
    through the distance engine at once (:func:`opening_counts`).

    Parameters
    ----------
    worker : WorkerProfile or sequence of WorkerProfile
    vacancies : sequence of Vacancy
    max_km : float or 'worker' or None, default='worker'
        Reach, as in :class:`doorstroom_match.Matcher`: each worker's ``max_commute_km``, one
        limit for all, or None.
    exclude : collection of str, default=()
        Competence ids never proposed (the bulletin leaves out ``fysieke_mogelijkheden``: a
        physical or medical capability is no werkpunt to practise). Their vacancies still
        count as passed or not.

    Returns
    -------
    OpeningGap, or list of OpeningGap (one per worker, in order) for a sequence

    Notes
    -----
    Ties (two competences opening as many vacancies) go to the competence that comes first in
    the dictionary.
    """
    single = isinstance(worker, WorkerProfile)
    wks = [worker] if single else list(worker)
    for i, w in enumerate(wks):
        if not isinstance(w, WorkerProfile):
            raise ValidationError(f"worker[{i}] must be a WorkerProfile, got {type(w).__name__}")
    vacs = list(vacancies)
    for i, v in enumerate(vacs):
        if not isinstance(v, Vacancy):
            raise ValidationError(f"vacancies[{i}] must be a Vacancy, got {type(v).__name__}")
    cols = _columns(wks, vacs)
    levels = encode_levels(wks, cols)
    req, wts = encode_requirements(vacs, cols)
    skip = [j for j, c in enumerate(cols) if c in set(exclude)]
    active = (wts > 0) & (req > 0)
    out = []
    # a block of workers at a time: the reach mask and the engine's blocks stay bounded
    # (25,000 workers x 35,000 vacancies would be 7 GB of distances at once)
    reach = _Reach(wks, vacs, max_km)
    if not reach.unlimited and _REACH and _FUSED and compiled(_one_level_kernel) is not None:
        # by place: a block of neighbours scans only the vacancies it can reach
        blocks = _place_blocks(reach, levels, req, active)
    else:
        step = default_block_rows(len(vacs))
        openings = _Openings(req, active, None)  # the vacancy side once, for every block
        blocks = (
            (
                np.arange(lo, min(lo + step, len(wks))),
                openings.counts(
                    levels[lo : lo + step],
                    None if reach.unlimited else reach.rows(slice(lo, lo + step)),
                ),
            )
            for lo in range(0, len(wks), step)
        )
    out: list[OpeningGap | None] = [None] * len(wks)
    for rows, oc in blocks:
        bl = levels[rows]
        counts = oc.counts.copy()
        counts[:, skip] = 0
        best = np.argmax(counts, axis=1) if cols else np.zeros(len(bl), dtype=np.int64)
        starts = np.searchsorted(oc.workers, np.arange(len(bl) + 1))
        for i, wi in enumerate(rows.tolist()):
            w = wks[wi]
            c = int(best[i]) if cols else 0
            if not cols or counts[i, c] == 0:
                out[wi] = OpeningGap(
                    w.id, None, "", 0, 0, (), int(oc.reachable[i]), int(oc.passed[i])
                )
                continue
            lo, hi = starts[i], starts[i + 1]
            sel = oc.vacancies[lo:hi][oc.competences[lo:hi] == c]
            cid = cols[c]
            label = w.dictionary.label(cid) if w.dictionary.get(cid) else cid
            out[wi] = OpeningGap(
                w.id,
                cid,
                label,
                int(bl[i, c]),
                int(bl[i, c]) + 1,
                tuple(vacs[j].id for j in np.sort(sel)),
                int(oc.reachable[i]),
                int(oc.passed[i]),
            )
    return out[0] if single else out  # type: ignore[return-value]


def _place_blocks(reach: _Reach, levels: np.ndarray, req: np.ndarray, active: np.ndarray):
    """(worker rows, OpeningCounts of those rows) for blocks of neighbouring workers with
    the same limit, each scanned against the vacancies it can reach only
    (:mod:`doorstroom_match.reach`); the counts are those of every vacancy, the opened
    vacancies input columns in row-major order."""
    run_of, run_xyz, unknown = reach.run_of, reach.run_xyz, reach.run_unknown
    index = ReachIndex(reach.uv_nan, (run_of, run_xyz, unknown))
    run_size = np.bincount(run_of, minlength=len(run_xyz))
    perm = index.perm
    openings = _Openings(req[perm], active[perm], None)  # the vacancy side in place order
    placed_run = run_of[perm]
    kernel = compiled(_one_level_kernel)
    wxyz = reach.uw  # zero vectors where the postcode is unknown
    order = worker_order(wxyz, reach.cos_min)
    n_c = req.shape[1]
    for r0 in range(0, len(order), REACH_ROWS):
        rows = np.sort(order[r0 : r0 + REACH_ROWS])
        near = near_runs(wxyz[rows], reach.cos_min[rows], run_xyz, unknown)
        bl = np.ascontiguousarray(levels[rows])
        fill = openings._count.filler(bl, 1)
        counts = np.zeros((len(rows), n_c), np.int64)
        passed = np.zeros(len(rows), np.int64)
        pw, pv, pc = [], [], []
        for cols in index.ranges(wxyz[rows], reach.cos_min[rows]):
            s = np.empty((len(rows), cols.stop - cols.start), np.float32)
            fill(slice(0, len(rows)), cols, s)
            inside = np.ascontiguousarray(near[:, placed_run[cols]]).view(np.bool_)
            wi, vi, ci, got = kernel(s, inside, bl, openings._req[cols])
            passed += got
            pw.append(wi)
            pv.append(perm[vi + cols.start])
            pc.append(ci)
        wi = np.concatenate(pw) if pw else np.zeros(0, np.int64)
        vi = np.concatenate(pv) if pv else np.zeros(0, np.int64)
        ci = np.concatenate(pc) if pc else np.zeros(0, np.int64)
        by_row = np.argsort(wi, kind="stable")
        wi, vi, ci = wi[by_row], vi[by_row], ci[by_row]
        if wi.size:
            counts += np.bincount(wi * n_c + ci, minlength=len(rows) * n_c).reshape(-1, n_c)
        reachable = near.astype(np.int64) @ run_size
        yield rows, OpeningCounts(counts, wi, vi, ci, passed, reachable)
