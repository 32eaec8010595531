"""The weekly increment: rank only what changed, merged with last week's candidate lists.

A full week ranks every worker against every vacancy. Most of that work repeats itself: a
worker whose profile did not change, against vacancies whose content did not change, under the
same settings, scores exactly as last week. So each week the store keeps, per worker, a
*candidate list*: the best ``top + MARGIN`` vacancies within the commute limit (vacancy id and
score, best first), an exact prefix of that week's ranking, with a digest of everything that
decides the scores (:func:`config_digest`) and of the worker's record.

Next week a worker is *merged* when their record, the settings and the week the list was made
(the store's last completed run) are the same, and no vacancy they had marked ``niet_relevant``
has been released since. The *delta* columns are the vacancies not in last week's active pool
with the same content: new, changed, back after being gone or expired, and every internship
place (places are re-assigned every week). A merged worker is scored only against the delta
(one block of the delta columns, through the same fitted :class:`~doorstroom_match.Matcher`
restricted to them) and the surviving candidates (still active, unchanged, not excluded now)
keep last week's scores. The two sorted lists merge under the ranking's own order (score
descending, then vacancy position, which is vacancy id order); the merged order is exact up to
where the shorter known prefix ends, because every unchanged vacancy missing from last week's
list ranked below all of it. When that exact prefix holds fewer than ``top`` rows (too many
candidates left, or the worker needs places beyond the commute limit), the worker is ranked
in full after all. Every worker the store has no list for is ranked in full.

The outputs are the same as a full run's, byte for byte: each pair's score depends on that
pair alone (the core's distance tables sum in a fixed order, the text similarity is exact
:class:`~doorstroom_match.core.ExactDot`), and ties break on the vacancy id in both.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .profiles import WorkerProfile
from .ranking import Match, Matcher

__all__ = [
    "MARGIN",
    "BlockRanked",
    "CandidateList",
    "WorkerRanked",
    "config_digest",
    "rank_block",
    "rank_block_rows",
    "Previous",
]

#: Candidates kept per worker beyond ``top``: room for vacancies that expire or change.
MARGIN = 10


@dataclass(frozen=True)
class CandidateList:
    """A worker's candidates of one week: an exact prefix of the within-commute ranking.

    Attributes
    ----------
    vacancy_ids : tuple of str
        Best first.
    scores : tuple of float
        The scores (float32 values), in the same order.
    complete : bool
        The list holds every vacancy within the commute limit that the worker may be
        offered (fewer than asked for existed), so nothing unlisted can rank.
    """

    vacancy_ids: tuple[str, ...]
    scores: tuple[float, ...]
    complete: bool


@dataclass(frozen=True)
class Previous:
    """What a merged worker brings from last week: the surviving candidates.

    Attributes
    ----------
    cols : ndarray of shape (n,), int64
        Columns of this week's fitted Matcher (vacancy id order), best first.
    scores : ndarray of shape (n,), float32
    complete : bool
        Last week's list was complete (see :class:`CandidateList`).
    """

    cols: np.ndarray
    scores: np.ndarray
    complete: bool


@dataclass(frozen=True)
class WorkerRanked:
    """One worker's rows of the week and the candidates to keep for next week.

    Attributes
    ----------
    pairs : list of (Match, bool)
        The rows, best first, with their within-commute flag.
    candidates : CandidateList
    merged : bool
        Ranked against the delta and merged with last week's list (False: in full).
    """

    pairs: list[tuple[Match, bool]]
    candidates: CandidateList
    merged: bool


def config_digest(matcher: Matcher, *, top: int, margin: int = MARGIN, **extra: Any) -> str:
    """A digest of everything besides the two records that decides a pair's score and rank.

    The library, numpy and scipy versions, every parameter of the fitted ``matcher`` (the
    weights, the dictionary, the competence columns, the distance engine chosen, the text
    encoder's and the occupation model's fingerprints, the job targets' prior), ``top`` and
    ``margin``, and the caller's ``extra`` settings (JSON-able).

    Returns
    -------
    str
        32 hexadecimal characters.
    """
    import scipy

    from . import __version__

    params = {}
    for name in (
        "text_field",
        "kinds",
        "max_km",
        "fill_beyond",
        "hard_competences",
        "require_cutoff",
        "infer_requirements",
        "requirement_profiles",
        "high_skill_rule",
        "on_date",
    ):
        params[name] = getattr(matcher, name)
    weights = {
        f.name: getattr(matcher.weights_, f.name) for f in dataclasses.fields(matcher.weights_)
    }
    weights["kind"] = dict(matcher.weights_.kind)
    occ = matcher.occupations_
    dictionary = matcher.dictionary_
    state = {
        "library": __version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "params": params,
        "weights": weights,
        "dictionary": [dictionary.to_records(), dictionary.allow_unknown],
        "competences": list(matcher.competence_ids_),
        "engine": matcher._engine.method,
        "hard_engine": matcher._hard_engine.method if matcher.hard_ else None,
        "encoder": None
        if matcher.encoder_ is None
        else getattr(matcher.encoder_, "fingerprint", "?"),
        "occupations": None if occ is None else occ.fingerprint_,
        # the job targets' prior reorders stored guesses, so it is not in the fingerprint
        "target_prior": None
        if occ is None
        else [
            getattr(occ, "target_high_skill_penalty", None),
            getattr(occ, "target_manager_penalty", None),
        ],
        "top": top,
        "margin": margin,
        "extra": extra,
    }
    text = json.dumps(state, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _candidates(matcher: Matcher, cols: np.ndarray, scores: np.ndarray, complete: bool):
    # map over the lists (``tolist`` gives Python floats already) rather than a generator
    # per element: about half the time, for the same tuples
    return CandidateList(
        tuple(map(matcher.vacancy_ids_.__getitem__, cols.tolist())),
        tuple(scores.tolist()),
        bool(complete),
    )


def _merge(
    prev: Sequence[Previous],
    delta_cols: np.ndarray,
    delta_idx: np.ndarray,
    delta_val: np.ndarray,
    k: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Merge each worker's survivors with their delta top-k under the ranking's order.

    Returns
    -------
    cols : ndarray of shape (n, width), int64
        Merged columns best first, ``-1`` padded.
    scores : ndarray of shape (n, width), float32
    exact : ndarray of shape (n,), int64
        How many leading entries are exact (the known prefix of both sources).
    complete : ndarray of shape (n,), bool
        Both sources were complete: the merged list is the whole pool.
    """
    n = len(prev)
    n_s = max((len(p.cols) for p in prev), default=0)
    width = n_s + delta_idx.shape[1]
    cols = np.full((n, width), np.iinfo(np.int64).max, dtype=np.int64)
    neg = np.full((n, width), np.inf, dtype=np.float32)  # -score: ascending is best first
    src = np.zeros((n, width), dtype=np.int8)  # 0 padding, 1 survivor, 2 delta
    for i, p in enumerate(prev):
        m = len(p.cols)
        cols[i, :m] = p.cols
        neg[i, :m] = -p.scores
        src[i, :m] = 1
    ok = delta_idx >= 0
    ok &= len(delta_cols) > 0
    safe = np.minimum(np.maximum(delta_idx, 0), max(len(delta_cols) - 1, 0))
    took = delta_cols[safe] if len(delta_cols) else np.zeros_like(delta_idx)
    dcols = np.where(ok, took, np.iinfo(np.int64).max)
    cols[:, n_s:] = dcols
    neg[:, n_s:] = np.where(ok, -delta_val, np.inf)
    src[:, n_s:] = np.where(ok, 2, 0)
    order = np.lexsort((cols, neg), axis=1)
    cols = np.take_along_axis(cols, order, axis=1)
    neg = np.take_along_axis(neg, order, axis=1)
    src = np.take_along_axis(src, order, axis=1)
    pos = np.arange(width)[None, :]
    s_complete = np.array([p.complete for p in prev], dtype=bool)
    d_count = ok.sum(axis=1)
    d_complete = d_count < k
    total = (src > 0).sum(axis=1)
    # the known prefix of a source ends at its last entry (nothing known below it)
    last_s = np.where(src == 1, pos, -1).max(axis=1) + 1
    last_d = np.where(src == 2, pos, -1).max(axis=1) + 1
    exact = total.copy()
    exact = np.where(s_complete, exact, np.minimum(exact, last_s))
    exact = np.where(d_complete, exact, np.minimum(exact, last_d))
    cols[src == 0] = -1
    return cols, -neg, exact, s_complete & d_complete


@dataclass(frozen=True)
class BlockRanked:
    """One block of workers ranked: its rows explained as arrays, and what to keep.

    Attributes
    ----------
    ranked : doorstroom_match.ranking._Ranked
        The rows of every worker, best first (:meth:`Matcher._explain_rows`): the batch
        writes its lines from these arrays, :meth:`~doorstroom_match.ranking._Ranked.matches`
        gives the :class:`Match` objects.
    candidates : list of CandidateList
        Per worker, in order: the candidates to keep for next week.
    merged : list of bool
        Per worker: ranked against the delta and merged with last week's list.
    """

    ranked: Any
    candidates: list[CandidateList]
    merged: list[bool]


@dataclass(frozen=True)
class Preselected:
    """Top-k lists found for every worker of a week at once (:func:`preselect`).

    Attributes
    ----------
    near : dict of str to (ndarray, ndarray)
        Worker id -> (columns, scores) of the full ranking within the commute limit, for the
        workers not merged: shape (k,) each, as :meth:`Matcher._topk` gives them.
    delta : dict of str to (ndarray, ndarray)
        Worker id -> the same against the delta columns, for the workers to merge.
    """

    near: dict[str, tuple[np.ndarray, np.ndarray]]
    delta: dict[str, tuple[np.ndarray, np.ndarray]]


def _from(found: Mapping[str, tuple[np.ndarray, np.ndarray]] | None, workers, k: int):
    """The preselected TopK of ``workers`` (all of them, with ``k`` columns), or None."""
    from .core import TopK

    if not found or not workers:
        return None
    rows = [found.get(w.id) for w in workers]
    if any(r is None or r[0].shape[0] != k for r in rows):
        return None
    return TopK(np.stack([r[0] for r in rows]), np.stack([r[1] for r in rows]))


def preselect(
    matcher: Matcher,
    workers: list[WorkerProfile],
    top: int,
    *,
    margin: int = MARGIN,
    exclude: Mapping[str, Any] | None = None,
    previous: Mapping[str, Previous] | None = None,
    delta: tuple[Matcher, np.ndarray] | None = None,
    n_jobs: int | None = 1,
) -> Preselected:
    """The top-k lists :func:`rank_block_rows` needs, for every worker of the week at once.

    Ranked one block at a time, the workers of a block live all over Flanders and reach
    most vacancies together; ranked at once, the place-ordered ranking
    (:mod:`doorstroom_match.reach`) puts neighbours with the same commute limit in one
    block, and scores about a fifth of the pairs at the week's scale. The lists are the
    same either way (ties included), so blocks given them write the same bytes.

    Parameters
    ----------
    matcher, workers, top, margin, exclude, previous, delta
        As :func:`rank_block_rows` gets them.
    n_jobs : int or None, default=1
        Threads of the ranking.

    Returns
    -------
    Preselected
    """
    previous = previous or {}
    n_vac = len(matcher.vacancies_)
    top = min(top, n_vac)
    k = min(top + margin, n_vac)
    near: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    found_delta: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    full = [w for w in workers if w.id not in previous]
    if full:
        res = matcher._topk(matcher._worker_context(full, exclude), k, far=False, n_jobs=n_jobs)
        near = {w.id: (res.indices[i], res.values[i]) for i, w in enumerate(full)}
    merge = [w for w in workers if w.id in previous]
    sub, delta_cols = delta if delta is not None else (None, np.zeros(0, np.int64))
    if merge and sub is not None and len(delta_cols):
        kd = min(k, len(delta_cols))
        res = sub._topk(sub._worker_context(merge, exclude), kd, far=False, n_jobs=n_jobs)
        found_delta = {w.id: (res.indices[i], res.values[i]) for i, w in enumerate(merge)}
    return Preselected(near, found_delta)


def rank_block_rows(
    matcher: Matcher,
    workers: list[WorkerProfile],
    top: int,
    *,
    margin: int = MARGIN,
    exclude: Mapping[str, Any] | None = None,
    previous: Mapping[str, Previous] | None = None,
    delta: tuple[Matcher, np.ndarray] | None = None,
    preselected: Preselected | None = None,
) -> BlockRanked:
    """Rank one block of workers: merged where ``previous`` has them, in full otherwise.

    Parameters
    ----------
    matcher : Matcher
        Fitted on every active vacancy of the week (ids in ascending order).
    workers : list of WorkerProfile
    top : int
        Rows per worker.
    margin : int, default=MARGIN
        Candidates kept beyond ``top``.
    exclude : mapping of str to iterable of str, optional
        This week's exclusions (as :meth:`Matcher.rank`).
    previous : mapping of str to Previous, optional
        The surviving candidates of the workers to merge.
    delta : (Matcher, ndarray of int), optional
        ``matcher`` restricted to the delta columns, and those columns (ascending); needed
        with ``previous``.
    preselected : Preselected, optional
        The top-k lists of these workers, found for every worker of the week at once
        (:func:`preselect`, same ``matcher``, ``top``, ``margin``, ``exclude``,
        ``previous`` and ``delta``); workers it lacks are ranked here.

    Returns
    -------
    BlockRanked
        The rows of a full ranking (:meth:`Matcher.rank`), explained in bulk, whichever way
        each worker was ranked.
    """
    previous = previous or {}
    n_vac = len(matcher.vacancies_)
    top = min(top, n_vac)
    k = min(top + margin, n_vac)
    ctx = matcher._worker_context(workers, exclude)
    rows: list[list[tuple[int, float, bool]]] = [[] for _ in workers]
    cands: list[CandidateList | None] = [None] * len(workers)
    merged = [False] * len(workers)
    merge = [i for i, w in enumerate(workers) if w.id in previous]
    full = [i for i, w in enumerate(workers) if w.id not in previous]
    if merge:
        mw = [workers[i] for i in merge]
        prev = [previous[w.id] for w in mw]
        sub, delta_cols = delta if delta is not None else (None, np.zeros(0, np.int64))
        if sub is not None and len(delta_cols):
            kd = min(k, len(delta_cols))
            res = _from(preselected and preselected.delta, mw, kd)
            if res is None:
                res = sub._topk(sub._worker_context(mw, exclude), kd, far=False)
            d_idx, d_val = res.indices, res.values.astype(np.float32)
        else:
            kd = 1
            d_idx = np.full((len(mw), 0), -1, dtype=np.int64)
            d_val = np.zeros((len(mw), 0), dtype=np.float32)
        cols, scores, exact, complete = _merge(prev, delta_cols, d_idx, d_val, kd)
        for n, i in enumerate(merge):
            if exact[n] < top:  # too little is known: rank this worker in full
                full.append(i)
                continue
            keep = min(int(exact[n]), k)
            c, s = cols[n, :keep], scores[n, :keep].astype(np.float32)
            rows[i] = [(int(j), float(v), True) for j, v in zip(c[:top], s[:top], strict=True)]
            whole = bool(complete[n]) and keep == int(exact[n])
            cands[i] = _candidates(matcher, c, s, whole)
            merged[i] = True
    if full:
        full.sort()
        near = _from(preselected and preselected.near, [workers[i] for i in full], k)
        if near is None:
            near = matcher._topk(ctx, k, far=False, subset=np.array(full, dtype=np.int64))
        for i, ix, vs in zip(full, near.indices, near.values, strict=True):
            ok = ix >= 0
            c, s = ix[ok], vs[ok].astype(np.float32)
            cands[i] = _candidates(matcher, c, s, len(c) < k)
            rows[i] = [(int(j), float(v), True) for j, v in zip(c[:top], s[:top], strict=True)]
    # workers with fewer than ``top`` within the commute limit (always ranked in full) are
    # topped up with the nearest beyond it; merged workers have ``top`` rows already
    matcher._fill_far(ctx, rows, top)
    flat = [(i, j, v, w) for i, r in enumerate(rows) for j, v, w in r]
    row = np.array([x[0] for x in flat], dtype=np.int64)
    col = np.array([x[1] for x in flat], dtype=np.int64)
    score = np.array([x[2] for x in flat], dtype=np.float32)
    within = np.array([x[3] for x in flat], dtype=bool)
    ranked = matcher._explain_rows(ctx, row, col, score, within)
    return BlockRanked(ranked, cands, merged)  # type: ignore[arg-type]


def rank_block(
    matcher: Matcher,
    workers: list[WorkerProfile],
    top: int,
    *,
    margin: int = MARGIN,
    exclude: Mapping[str, Any] | None = None,
    previous: Mapping[str, Previous] | None = None,
    delta: tuple[Matcher, np.ndarray] | None = None,
) -> list[WorkerRanked]:
    """:func:`rank_block_rows` as one :class:`WorkerRanked` per worker (with Match objects).

    Returns
    -------
    list of WorkerRanked
        In the order of ``workers``.
    """
    b = rank_block_rows(
        matcher, workers, top, margin=margin, exclude=exclude, previous=previous, delta=delta
    )
    return [
        WorkerRanked([(m, m.within_commute) for m in ms], c, mg)
        for ms, c, mg in zip(b.ranked.matches(portable=True), b.candidates, b.merged, strict=True)
    ]


def plan_merges(
    stored: Mapping[str, Any],
    worker_hashes: Mapping[str, str],
    config: str,
    last_run: int | None,
    col_of: Mapping[str, int],
    unchanged: np.ndarray,
    excluded_now: Mapping[str, Any],
) -> dict[str, Previous]:
    """The workers to merge this week, with their surviving candidates.

    Parameters
    ----------
    stored : mapping of str to StoredCandidates
        Last week's lists (:meth:`Store.candidate_lists`).
    worker_hashes : mapping of str to str
        This week's workers and the digests of their records.
    config : str
        This week's :func:`config_digest`.
    last_run : int or None
        The store's last completed run: the week the vacancy states describe.
    col_of : mapping of str to int
        Vacancy id -> column of this week's Matcher.
    unchanged : ndarray of shape (n_vacancies,), bool
        Columns in last week's active pool with the same content (never a place).
    excluded_now : mapping of str to set of str
        This week's ``niet_relevant`` exclusions per worker.

    Returns
    -------
    dict of str to Previous
        Only workers whose list is usable: same run, settings and record, and no exclusion
        released since (the list cannot know where a released vacancy ranks).
    """
    out = {}
    for wid, h in worker_hashes.items():
        rec = stored.get(wid)
        if rec is None or last_run is None or rec.run_id != last_run:
            continue
        if rec.config != config or rec.worker_hash != h:
            continue
        now = excluded_now.get(wid, ())
        if not set(rec.excluded) <= set(now):
            continue
        cols, keep = [], []
        for n, vid in enumerate(rec.vacancy_ids):
            j = col_of.get(vid)
            if j is not None and unchanged[j] and vid not in now:
                cols.append(j)
                keep.append(n)
        if not cols and not rec.complete:
            continue
        out[wid] = Previous(
            np.array(cols, dtype=np.int64),
            np.asarray(rec.scores, dtype=np.float32)[keep],
            rec.complete,
        )
    return out
