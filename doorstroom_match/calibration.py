"""Rater calibration with the many-facet Rasch model: a strict and a lenient assessor mean the same.

:func:`calibrate_raters` puts workers, competences and raters on one logit scale (the
rating-scale many-facet Rasch model for the four levels ``onvoldoende`` < ``matig`` < ``goed`` <
``zeer goed``) and returns a :class:`RaterCalibration`:

- ``severity``: each rater's severity in logits (mean 0 over the raters, positive = stricter),
  with standard errors, and ``severity_levels``: the same in levels ("rates on average 0.4 level
  lower than colleagues would for the same workers");
- ``fit``: infit and outfit mean-squares per rater (1 = as the model expects; ``misfits`` lists
  the raters at or above 1.4: they rate erratically);
- ``fair_levels(worker)``: per competence, the level an average rater would most probably give,
  after adjusting each rating for the severity of whoever gave it. Workers differ by competence,
  so each (worker, competence) cell has its own measure; a thinly rated cell is shrunk towards
  the worker's general level only as far as its data are thin (an empirical-Bayes prior whose
  spread is estimated from the data), and raters are weighed by their fit;
- competence difficulties and the rating-scale thresholds, with standard errors; a summary table
  (:meth:`RaterCalibration.to_records`, :meth:`RaterCalibration.to_csv`) and a coordinator's
  page (:func:`doorstroom_match.bulletin.calibration.render_calibration`);
- checks: raters who share no worker fall into separate subsets whose severities cannot be
  compared (a :class:`CalibrationWarning` says so), workers with only extreme ratings, raters
  with fewer ratings than ``min_ratings``, levels nobody used.

Self-assessment is its own facet element (``"zelf"``, see :data:`SELF`): its severity is
reported in :attr:`RaterCalibration.self_assessment` (a negative value means workers rate
themselves higher than an average rater would) and it never enters the raters' mean.

:func:`cutoff_changes` lists the workers whose pass/fail on a cut-off score changes when their
calibrated (fair) levels replace the plain mean of their raters.

The estimation (see :mod:`doorstroom_match._mfrm`) is joint penalised maximum likelihood with an
exact, structured Newton method: convex, so it converges from any start, typically in five to ten
Newton steps, on 25,000 workers x 25 competences x 3 raters in well under a minute.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import numbers
import os
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import _mfrm
from ._exceptions import EmptyInputError, ValidationError
from ._validation import check_int, check_level, check_number
from .competences import CompetenceDictionary
from .core import _blas_threads

__all__ = [
    "SELF",
    "SELF_NAMES",
    "MISFIT",
    "CalibrationWarning",
    "CalibrationChecks",
    "SelfAssessment",
    "RaterCalibration",
    "CutoffChange",
    "calibrate_raters",
    "cutoff_changes",
    "read_ratings",
    "with_fair_levels",
    "simulate_ratings",
    "SimulatedRatings",
]

#: The facet element that stands for every self-assessment.
SELF = "zelf"
#: Rater names read as self-assessment (case-insensitive). Only these: a rater id that happens to
#: equal a worker id (both numbered from 0, say) stays a rater.
SELF_NAMES = frozenset({"zelf", "self", "zelfbeoordeling", "zelfevaluatie", "zelfassessment"})
#: Mean-square at or above which a rater is flagged as misfitting (erratic).
MISFIT = 1.4

_LEVELS = np.arange(1, _mfrm.N_CATEGORIES + 1)
_RECORD_COLUMNS = (
    "facet",
    "element",
    "ratings",
    "measure",
    "se",
    "levels",
    "infit",
    "outfit",
    "weight",
    "flags",
)


class CalibrationWarning(UserWarning):
    """The data support only part of the calibration (disconnected raters, unused levels)."""


@dataclass(frozen=True)
class CalibrationChecks:
    """What the data allow: connectedness, extremes, thin raters, convergence.

    Attributes
    ----------
    n_ratings, n_workers, n_raters, n_competences : int
        ``n_raters`` counts raters, not the self-assessment facet.
    subsets : tuple of tuple
        Raters grouped by the workers they share (ignoring self-assessment). More than one
        subset: severities are comparable only within a subset.
    linked_by_self : bool
        The subsets are linked only through self-assessments (which assumes workers judge
        themselves alike everywhere); the severities are then put on one scale through them.
    thin_raters : tuple
        Raters with fewer than ``min_ratings`` ratings: their severity is imprecise.
    extreme_workers : tuple
        Workers whose every rating is the top level (or every one the bottom level): their
        measure rests on the prior, their fair level is that extreme.
    n_extreme_cells : int
        (worker, competence) cells whose ratings are all at one extreme.
    unused_levels : tuple of int
        Levels nobody gave: the thresholds next to them rest on the prior.
    converged : bool
    newton_steps : int
    cell_sd, worker_sd : float
        Estimated spread (logits) of a worker's competences around their general level, and of
        the general levels.
    """

    n_ratings: int
    n_workers: int
    n_raters: int
    n_competences: int
    subsets: tuple[tuple[Any, ...], ...]
    linked_by_self: bool
    thin_raters: tuple[Any, ...]
    extreme_workers: tuple[Any, ...]
    n_extreme_cells: int
    unused_levels: tuple[int, ...]
    converged: bool
    newton_steps: int
    cell_sd: float
    worker_sd: float

    @property
    def connected(self) -> bool:
        """True when every rater can be compared with every other through shared workers."""
        return len(self.subsets) <= 1


@dataclass(frozen=True)
class SelfAssessment:
    """The self-assessment facet: how workers rate themselves compared with an average rater.

    ``severity`` < 0 (and ``severity_levels`` < 0): workers rate themselves higher than an
    average rater would. ``weight`` is the weight of self-ratings in the fair levels.
    """

    severity: float
    se: float
    severity_levels: float
    infit: float
    outfit: float
    n_ratings: int
    weight: float


@dataclass(frozen=True)
class CutoffChange:
    """A worker whose pass/fail on a cut-off score changes after calibration.

    Attributes
    ----------
    worker : hashable
        Worker id as given in the records.
    cutoff : str or None
        The vacancy or cut-off id (None for a single unnamed cut-off).
    passes_before, passes_after : bool
        Whether every required competence is at or above its minimum with the plain mean of the
        raters, and with the fair levels.
    competences : tuple of str
        The required competences whose level crossed the minimum.
    """

    worker: Any
    cutoff: str | None
    passes_before: bool
    passes_after: bool
    competences: tuple[Any, ...]


def _check_key(value: Any, field: str, i: int) -> Any:
    t = type(value)
    if t is str:
        if value.strip():
            return value.strip()
    elif t is int or (isinstance(value, numbers.Integral) and not isinstance(value, bool)):
        return int(value)
    raise ValidationError(
        f"{field} of rating {i} must be a non-empty string or an int, got {type(value).__name__}"
    )


def _parse(
    records: Iterable[Mapping[str, Any]], dictionary: CompetenceDictionary | None
) -> tuple[list[Any], list[Any], list[Any], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Records -> (workers, raters, competences, w, r, c, level) with integer codes."""
    if records is None or isinstance(records, str | bytes | Mapping):
        raise ValidationError(
            "records must be an iterable of mappings with 'worker', 'rater', 'competence' and "
            f"'level', got {type(records).__name__}"
        )
    wix: dict[Any, int] = {}
    rix: dict[Any, int] = {SELF: 0}
    cix: dict[Any, int] = {}
    resolved: dict[Any, Any] = {}
    ws: list[int] = []
    rs: list[int] = []
    cs: list[int] = []
    ls: list[int] = []
    self_names = SELF_NAMES
    for i, rec in enumerate(records):
        try:
            worker, rater, comp, level = (
                rec["worker"],
                rec["rater"],
                rec["competence"],
                rec["level"],
            )
        except (KeyError, TypeError):
            if not isinstance(rec, Mapping):
                raise ValidationError(
                    f"rating {i} must be a mapping, got {type(rec).__name__}"
                ) from None
            missing = [k for k in ("worker", "rater", "competence", "level") if k not in rec]
            raise ValidationError(
                f"rating {i} has no {missing[0]!r}; each rating needs 'worker', 'rater', "
                "'competence' and 'level'"
            ) from None
        worker = _check_key(worker, "worker", i)
        rater = _check_key(rater, "rater", i)
        if type(rater) is str and rater.lower() in self_names:
            rater = SELF
        if comp in resolved:
            comp = resolved[comp]
        else:
            key = comp
            if dictionary is not None:
                comp = dictionary.resolve(comp, field_name=f"competence of rating {i}")
            else:
                comp = _check_key(comp, "competence", i)
            resolved[key] = comp
        if not (type(level) is int and 1 <= level <= 4):
            level = check_level(level, f"level of rating {i}")
        w = wix.get(worker)
        if w is None:
            w = wix[worker] = len(wix)
        r = rix.get(rater)
        if r is None:
            r = rix[rater] = len(rix)
        c = cix.get(comp)
        if c is None:
            c = cix[comp] = len(cix)
        ws.append(w)
        rs.append(r)
        cs.append(c)
        ls.append(level)
    if not ws:
        raise EmptyInputError("records must hold at least one rating, got 0")
    return (
        list(wix),
        list(rix),
        list(cix),
        np.asarray(ws, dtype=np.int64),
        np.asarray(rs, dtype=np.int64),
        np.asarray(cs, dtype=np.int64),
        np.asarray(ls, dtype=np.int64),
    )


def _components(w: np.ndarray, r: np.ndarray, n_w: int, n_r: int, skip: int | None) -> np.ndarray:
    """Connected component of each rater in the worker-rater graph (-1 for a skipped rater)."""
    # imported here: scipy.sparse adds a warnings filter at import (see _mfrm.newton_step)
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    keep = np.ones(w.size, dtype=bool) if skip is None else r != skip
    graph = sp.coo_matrix(
        (np.ones(int(keep.sum())), (w[keep], n_w + r[keep])), shape=(n_w + n_r, n_w + n_r)
    )
    _, labels = connected_components(graph, directed=False)
    lab = labels[n_w:].copy()
    present = np.bincount(r[keep], minlength=n_r) > 0
    lab[~present] = -1
    return lab


def _fit_stats(x, e, var, groups, n, keep=None) -> tuple[np.ndarray, np.ndarray]:
    """Infit and outfit mean-squares per group (unweighted by the fit weights).

    ``keep`` (n,) is ``1 - leverage`` of each rating: the share of its model variance left in
    its residual once its own cell's measure is fitted. With two or three ratings per cell the
    cell measure absorbs a fifth to a third of each residual, and uncorrected mean-squares of
    well-behaved raters sit near 0.8 instead of 1 (studentised residuals, as in regression).
    """
    res2 = (x - e) ** 2
    if keep is not None:
        var = var * keep
    var = np.maximum(var, 1e-12)
    count = np.bincount(groups, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        outfit = np.bincount(groups, res2 / var, n) / count
        infit = np.bincount(groups, res2, n) / np.bincount(groups, var, n)
    return infit, outfit


def _expected(eta: np.ndarray, tau: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    cols, _ = _mfrm._columns(eta, tau)
    e = cols[1] + 2.0 * cols[2] + 3.0 * cols[3]
    var = cols[1] + 4.0 * cols[2] + 9.0 * cols[3] - e * e
    return e, var


def _cell_variance(
    d: _mfrm.Design, p: _mfrm.Params, omega: np.ndarray, cells_per_worker: np.ndarray
) -> float:
    """Moment (ANOVA) estimate of the spread of a worker's competences around their level.

    For each cell, the weighted mean residual of its ratings against the worker's general
    level has variance ``v * slope^2 + noise``; the noise is estimated from how the raters of
    the same cell differ from one another (pooled per rater, so an erratic rater's larger
    noise is accounted for), ``slope`` is the model's d E[level] / d logit, and the
    ``k / (k - 1)`` factor corrects for the general level being the mean of the worker's own
    ``k`` cells. The mode-based fixed points (EM, MacKay) are nearly flat in ``v`` with three
    ratings per cell and drift towards 0, which shrinks every worker to one level; noise
    predicted by the model itself underestimates ``v`` the same way.
    """
    eta0 = p.mu[d.cell_worker][d.cell] - p.delta[d.comp] - p.sigma[d.rater]
    e, var = _expected(eta0, p.tau)
    res = d.x - e
    n = np.bincount(d.cell, minlength=d.n_cells).astype(np.float64)
    cmean = np.bincount(d.cell, res, d.n_cells) / n
    nc = n[d.cell]
    multi = nc > 1
    dev2 = np.where(multi, (res - cmean[d.cell]) ** 2 * nc / np.maximum(nc - 1, 1), 0.0)
    r_n = np.bincount(d.rater, multi, d.n_raters)
    r_var = np.bincount(d.rater, dev2, d.n_raters)
    pooled = r_var.sum() / max(r_n.sum(), 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        r_var = np.where(r_n > 0, r_var / np.maximum(r_n, 1), pooled)
    if not np.any(multi):
        r_var[:] = float(np.mean(var))  # one rating per cell: only the model can say
    sw = np.bincount(d.cell, omega, d.n_cells)
    m = np.bincount(d.cell, omega * res, d.n_cells) / sw
    noise = np.bincount(d.cell, omega * omega * r_var[d.rater], d.n_cells) / sw**2
    slope = np.bincount(d.cell, omega * var, d.n_cells) / sw
    k = cells_per_worker[d.cell_worker].astype(np.float64)
    f = np.where(k > 1, k / np.maximum(k - 1, 1), 0.0)
    den = float(f @ (slope * slope))
    if den <= 0:
        return 1e-3
    return float(np.clip((f @ (m * m - noise)) / den, 1e-3, 25.0))


def _round_half_down(mean: np.ndarray) -> np.ndarray:
    # aggregate_ratings' rule: nearest level, a mean exactly half-way rounds down
    return np.clip(np.ceil(mean - 0.5 - 1e-9), 1, 4).astype(np.int64)


class RaterCalibration:
    """The result of :func:`calibrate_raters`. Read-only; see the module docstring.

    Attributes
    ----------
    severity, severity_se : dict
        Rater -> severity in logits (mean 0 over the raters of a connected subset, positive =
        stricter) and its standard error.
    severity_levels : dict
        Rater -> how many levels lower (negative: higher) the rater rates on average than an
        average rater would for the same workers and competences.
    fit : dict
        Rater -> ``{"infit": float, "outfit": float}`` mean-squares.
    weights : dict
        Rater -> weight of their ratings in the fair levels (1, or 1/mean-square when above 1).
    misfits : tuple
        Raters with infit or outfit >= ``misfit`` (default 1.4).
    difficulty, difficulty_se : dict
        Competence -> difficulty in logits (sum 0; higher = harder to rate highly) and its SE.
    thresholds, thresholds_se : ndarray of shape (3,)
        Andrich thresholds between levels 1|2, 2|3, 3|4 (logits, sum 0) and their SEs.
    self_assessment : SelfAssessment or None
        The self-assessment facet, when the records hold self-ratings.
    checks : CalibrationChecks
    workers, raters, competences : tuple
        The ids as given (``raters`` without the self-assessment facet).
    """

    def __init__(self, **state: Any) -> None:
        self.__dict__.update(state)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a RaterCalibration is read-only")

    def __repr__(self) -> str:
        c = self.checks
        return (
            f"RaterCalibration({c.n_raters} raters, {c.n_workers} workers, "
            f"{c.n_competences} competences, {c.n_ratings} ratings, "
            f"{len(self.misfits)} misfitting)"
        )

    # ----------------------------------------------------------------- per worker
    def _cells(self, worker: Any) -> slice:
        key = worker.strip() if isinstance(worker, str) else worker
        w = self._worker_index.get(key)
        if w is None:
            raise ValidationError(
                f"worker {str(worker)!r} has no ratings in this calibration; calibrate over "
                "all ratings (of the week or a stored history) first"
            )
        return slice(self._worker_start[w], self._worker_start[w + 1])

    def _per_cell(self, worker: Any, values: np.ndarray) -> dict[Any, Any]:
        cells = self._cells(worker)
        comps = self._cell_comp[cells]
        return {self.competences[c]: v for c, v in zip(comps, values[cells].tolist(), strict=True)}

    def fair_levels(self, worker: Any) -> dict[Any, int]:
        """Per rated competence, the level 1..4 an average rater would most probably give.

        Parameters
        ----------
        worker : str or int
            Worker id as in the records.

        Returns
        -------
        dict of competence to int
            Only the competences the worker was rated on.
        """
        return self._per_cell(worker, self._fair)

    def plain_levels(self, worker: Any) -> dict[Any, int]:
        """Per rated competence, the plain mean of the raters (self-assessment at half weight,
        rounded as :func:`~doorstroom_match.profiles.aggregate_ratings` rounds)."""
        return self._per_cell(worker, self._plain)

    def measures(self, worker: Any) -> dict[Any, tuple[float, float]]:
        """Per rated competence, the worker's measure in logits and its standard error."""
        cells = self._cells(worker)
        comps = self._cell_comp[cells]
        return {
            self.competences[c]: (float(m), float(s))
            for c, m, s in zip(comps, self._theta[cells], self._theta_se[cells], strict=True)
        }

    def disagreements(self, worker: Any) -> tuple[Any, ...]:
        """Competences on which two raters' raw levels differ by two or more."""
        cells = self._cells(worker)
        comps = self._cell_comp[cells]
        spread = self._spread[cells]
        return tuple(self.competences[c] for c, s in zip(comps, spread, strict=True) if s >= 2)

    def feedback(self, rater: Any) -> str:
        """One sentence a coordinator can give a rater (Dutch), with severity in levels."""
        if rater not in self.severity:
            raise ValidationError(f"rater {str(rater)!r} is not in this calibration")
        lv = self.severity_levels[rater]
        fit = self.fit[rater]
        if abs(lv) < 0.05:
            how = "scoort gemiddeld zoals collega's"
        elif lv > 0:
            how = f"scoort gemiddeld {lv:.1f} niveau lager dan collega's"
        else:
            how = f"scoort gemiddeld {-lv:.1f} niveau hoger dan collega's"
        text = (
            f"{rater} {how} (strengheid {self.severity[rater]:+.2f} logit, "
            f"SE {self.severity_se[rater]:.2f})"
        )
        if rater in self.misfits:
            text += (
                f"; de scores passen slecht bij die van collega's (infit {fit['infit']:.2f}, "
                f"outfit {fit['outfit']:.2f}): bespreek de criteria"
            )
        return text + "."

    # ----------------------------------------------------------------- tables
    def to_records(self) -> list[dict[str, Any]]:
        """The summary table: one row per rater, the self-assessment, competence and threshold.

        Columns: ``facet`` (``rater``, ``self``, ``competence``, ``threshold``), ``element``,
        ``ratings``, ``measure`` (logits), ``se``, ``levels`` (severity in levels for raters),
        ``infit``, ``outfit``, ``weight`` and ``flags`` (``misfit``, ``thin``, ``subset N``).
        """
        rows: list[dict[str, Any]] = []
        subset_of = {r: k for k, sub in enumerate(self.checks.subsets, start=1) for r in sub}
        thin = set(self.checks.thin_raters)
        for r in sorted(self.raters, key=lambda r: -self.severity[r]):
            flags = []
            if r in self.misfits:
                flags.append("misfit")
            if r in thin:
                flags.append("thin")
            if len(self.checks.subsets) > 1:
                flags.append(f"subset {subset_of.get(r, '?')}")
            rows.append(
                {
                    "facet": "rater",
                    "element": r,
                    "ratings": self.n_ratings[r],
                    "measure": self.severity[r],
                    "se": self.severity_se[r],
                    "levels": self.severity_levels[r],
                    "infit": self.fit[r]["infit"],
                    "outfit": self.fit[r]["outfit"],
                    "weight": self.weights[r],
                    "flags": " ".join(flags),
                }
            )
        s = self.self_assessment
        if s is not None:
            rows.append(
                {
                    "facet": "self",
                    "element": SELF,
                    "ratings": s.n_ratings,
                    "measure": s.severity,
                    "se": s.se,
                    "levels": s.severity_levels,
                    "infit": s.infit,
                    "outfit": s.outfit,
                    "weight": s.weight,
                    "flags": "misfit" if max(s.infit, s.outfit) >= self.misfit else "",
                }
            )
        for c in self.competences:
            rows.append(
                {
                    "facet": "competence",
                    "element": c,
                    "ratings": self.competence_ratings[c],
                    "measure": self.difficulty[c],
                    "se": self.difficulty_se[c],
                    "levels": None,
                    "infit": self.competence_fit[c]["infit"],
                    "outfit": self.competence_fit[c]["outfit"],
                    "weight": None,
                    "flags": "",
                }
            )
        for k in range(3):
            rows.append(
                {
                    "facet": "threshold",
                    "element": f"{k + 1}|{k + 2}",
                    "ratings": None,
                    "measure": float(self.thresholds[k]),
                    "se": float(self.thresholds_se[k]),
                    "levels": None,
                    "infit": None,
                    "outfit": None,
                    "weight": None,
                    "flags": "",
                }
            )
        return rows

    def to_csv(self, path: str | os.PathLike[str] | None = None) -> str:
        """The summary table as CSV (numbers rounded to 4 decimals); written to ``path`` when
        given. Returns the CSV text."""
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=_RECORD_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in self.to_records():
            writer.writerow(
                {k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()}
            )
        text = buf.getvalue()
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def fair_level_records(self) -> list[dict[str, Any]]:
        """One row per rated (worker, competence): ``worker``, ``competence``, ``fair_level``,
        ``plain_level``, ``measure``, ``se``, ``ratings``. Personal data: keep it with the
        coach's files."""
        out = []
        for w, worker in enumerate(self.workers):
            for j in range(self._worker_start[w], self._worker_start[w + 1]):
                out.append(
                    {
                        "worker": worker,
                        "competence": self.competences[self._cell_comp[j]],
                        "fair_level": int(self._fair[j]),
                        "plain_level": int(self._plain[j]),
                        "measure": float(self._theta[j]),
                        "se": float(self._theta_se[j]),
                        "ratings": int(self._cell_n[j]),
                    }
                )
        return out


def calibrate_raters(
    records: Iterable[Mapping[str, Any]],
    *,
    dictionary: CompetenceDictionary | None = None,
    self_weight: float = 0.5,
    weigh_by_fit: bool = True,
    misfit: float = MISFIT,
    min_ratings: int = 30,
    prior_sd: float = 3.0,
    tol: float = 1e-8,
    max_iter: int = 60,
) -> RaterCalibration:
    """Calibrate raters with the rating-scale many-facet Rasch model.

    Parameters
    ----------
    records : iterable of mapping
        Each ``{"worker", "rater", "competence", "level"}``; ``level`` is 1..4 or a Dutch
        label. Several ratings of one cell by one rater (indicators, days) are all used. A
        rater named ``"zelf"`` (or another of :data:`SELF_NAMES`, any case) is a
        self-assessment. Ids are kept as given (strings are stripped).
    dictionary : CompetenceDictionary, optional
        When given, competence names are resolved (aliases, did-you-mean on a typo) and the
        results use the dictionary's ids; otherwise competences are labels kept as given.
    self_weight : float, default=0.5
        Weight of self-ratings in the measures (as in :data:`~doorstroom_match.profiles.
        RATER_WEIGHTS`); the self-assessment's severity is estimated either way.
    weigh_by_fit : bool, default=True
        Weigh each rater's ratings by ``min(1, 1 / mean-square)`` (the larger of infit and
        outfit), re-estimated until stable, so erratic raters count less.
    misfit : float, default=1.4
        Mean-square at or above which a rater is listed in ``misfits``.
    min_ratings : int, default=30
        Raters with fewer ratings are listed in ``checks.thin_raters``.
    prior_sd : float, default=3.0
        Standard deviation (logits) of the weak priors on severities, difficulties and
        thresholds; they only keep extreme or tiny data finite.
    tol : float, default=1e-8
        Convergence: Newton decrement per rating.
    max_iter : int, default=60
        Most Newton steps while the prior spreads and fit weights settle (a final solve at
        the settled values adds a few).

    Returns
    -------
    RaterCalibration

    Raises
    ------
    ValidationError
        A record without a field, a bad id or level, or a bad parameter.
    EmptyInputError
        No ratings.
    UnknownCompetenceError
        With a dictionary: an unknown competence (with close names).

    Warns
    -----
    CalibrationWarning
        Raters fall into subsets that share no worker, or a level was never used.

    Examples
    --------
    >>> sim = simulate_ratings(n_workers=60, n_competences=4, n_raters=6, seed=1)
    >>> cal = calibrate_raters(sim.records)
    >>> abs(sum(cal.severity.values())) < 1e-9
    True
    >>> sorted(cal.fair_levels("W0001"))
    ['C01', 'C02', 'C03', 'C04']
    """
    self_weight = check_number(self_weight, "self_weight", low=0.0, low_open=True, high=1.0)
    misfit = check_number(misfit, "misfit", low=1.0, low_open=True)
    min_ratings = check_int(min_ratings, "min_ratings", low=1)
    prior_sd = check_number(prior_sd, "prior_sd", low=0.0, low_open=True)
    tol = check_number(tol, "tol", low=0.0, low_open=True)
    max_iter = check_int(max_iter, "max_iter", low=1)

    workers, rater_ids, comps, w, r, c, level = _parse(records, dictionary)
    n_w, n_r, n_c = len(workers), len(rater_ids), len(comps)
    x = level - 1

    # cells sorted by worker, then competence
    cell_key = w * n_c + c
    ukey, cell = np.unique(cell_key, return_inverse=True)
    cell = cell.ravel()
    cell_worker, cell_comp = ukey // n_c, ukey % n_c

    # connectedness: subsets of raters who share workers; the identifying constraint is one
    # mean-zero per connected part of the full graph (self-assessment included)
    full = _components(w, r, n_w, n_r, None)
    constraints = []
    for lab in np.unique(full[full >= 0]):
        members = np.flatnonzero(full == lab)
        others = members[members != 0]
        constraints.append(others if others.size else members)
    no_self = _components(w, r, n_w, n_r, 0)
    subsets = []
    for lab in np.unique(no_self[1:][no_self[1:] >= 0]):
        members = np.flatnonzero(no_self == lab)
        members = members[members != 0]
        subsets.append(tuple(rater_ids[i] for i in members))
    subsets.sort(key=lambda s: (-len(s), str(s[0])))
    linked_by_self = len(subsets) > 1 and len(constraints) < len(subsets)
    if len(subsets) > 1:
        how = (
            "they are put on one scale only through the self-assessments"
            if linked_by_self
            else "severities are comparable only within a subset"
        )
        warnings.warn(
            f"the raters fall into {len(subsets)} subsets that share no worker "
            f"(sizes {', '.join(str(len(s)) for s in subsets)}); {how}",
            CalibrationWarning,
            stacklevel=2,
        )
    used = np.bincount(x, minlength=4) > 0
    unused = tuple(int(k + 1) for k in np.flatnonzero(~used))
    if unused:
        warnings.warn(
            f"level(s) {', '.join(map(str, unused))} were never given; the thresholds next to "
            "them rest on the prior",
            CalibrationWarning,
            stacklevel=2,
        )

    d = _mfrm.Design.build(x, cell, r, cell_worker, cell_comp, n_r, tuple(constraints))
    # the dense algebra here is small: BLAS threads only contend with each other
    with _blas_threads(1):
        return _estimate(
            d,
            workers,
            rater_ids,
            comps,
            w,
            r,
            c,
            level,
            subsets,
            linked_by_self,
            unused,
            self_weight=self_weight,
            weigh_by_fit=weigh_by_fit,
            misfit=misfit,
            min_ratings=min_ratings,
            prior_sd=prior_sd,
            tol=tol,
            max_iter=max_iter,
        )


def _estimate(
    d: _mfrm.Design,
    workers: list[Any],
    rater_ids: list[Any],
    comps: list[Any],
    w: np.ndarray,
    r: np.ndarray,
    c: np.ndarray,
    level: np.ndarray,
    subsets: list[tuple[Any, ...]],
    linked_by_self: bool,
    unused: tuple[int, ...],
    *,
    self_weight: float,
    weigh_by_fit: bool,
    misfit: float,
    min_ratings: int,
    prior_sd: float,
    tol: float,
    max_iter: int,
) -> RaterCalibration:
    n_w, n_r, n_c = len(workers), len(rater_ids), len(comps)
    x = d.x
    cell, cell_worker, cell_comp = d.cell, d.cell_worker, d.cell_comp
    worker_start = np.searchsorted(cell_worker, np.arange(n_w + 1))
    has_self = bool(np.any(r == 0))
    base = np.where(r == 0, self_weight, 1.0)
    rater_w = np.ones(n_r)
    v_cell, v_worker = 0.5, 1.0
    p = _mfrm.Params.zeros(d)
    steps = 0
    n_obs = x.size
    cells_per_worker = np.bincount(cell_worker, minlength=n_w)
    # outer loop: a couple of Newton steps, then re-estimate the prior spreads and the fit
    # weights, until they settle. The worker spread uses MacKay's fixed point (faster than
    # EM); the cell spread a moment estimator (see _cell_variance)
    for _outer in range(max_iter):
        h = _mfrm.Hyper(v_cell, v_worker, prior_sd**2, base * rater_w[r])
        budget = max(1, min(3, max_iter - steps))
        p, red, k, conv = _mfrm.solve(d, p, h, tol=tol, max_iter=budget)
        steps += k
        new_cell = _cell_variance(d, p, h.omega, cells_per_worker)
        mdev = p.mu - p.m
        gamma_w = max(1e-3, n_w - float(red.e_mu.sum()) / v_worker)
        new_worker = float(np.clip(mdev @ mdev / gamma_w, 1e-3, 25.0))
        if weigh_by_fit:
            e, var = _expected(_mfrm._eta(d, p), p.tau)
            keep = 1.0 - h.omega * var * red.dinv[cell]
            infit, outfit = _fit_stats(x, e, var, r, n_r, keep)
            msq = np.fmax(np.nan_to_num(infit, nan=1.0), np.nan_to_num(outfit, nan=1.0))
            new_w = np.minimum(1.0, 1.0 / np.maximum(msq, 1e-6))
        else:
            new_w = rater_w
        change = max(
            abs(math.log(new_cell / v_cell)),
            abs(math.log(new_worker / v_worker)),
            float(np.max(np.abs(new_w - rater_w))),
        )
        v_cell, v_worker, rater_w = new_cell, new_worker, new_w
        if conv and change < 1e-3:
            break
        if steps >= max_iter:
            break
    # final solve at the settled spreads and weights (one or two steps when they settled)
    h = _mfrm.Hyper(v_cell, v_worker, prior_sd**2, base * rater_w[r])
    p, red, k, converged = _mfrm.solve(d, p, h, tol=tol, max_iter=max(3, max_iter // 4))
    steps += k
    if not converged:
        warnings.warn(
            f"the calibration did not converge in {steps} Newton steps",
            CalibrationWarning,
            stacklevel=3,
        )

    # ---- standard errors of the global parameters: the constrained inverse of the reduced
    # Newton matrix (exact for up to a few thousand raters, else the diagonal approximation)
    import scipy.sparse as sp

    nG = red.S.shape[0]
    A = _mfrm._constraint_matrix(d)
    if nG <= 4000:
        kkt = sp.bmat([[red.S, A.T], [A, None]]).toarray()
        cov_diag = np.diag(np.linalg.inv(kkt))[:nG]
    else:
        cov_diag = 1.0 / red.S.diagonal()
    se_g = np.sqrt(np.maximum(cov_diag, 0.0))
    oD, oS, oT = 1, 1 + n_c, 1 + n_c + n_r
    # cell measures and their SE (cell curvature plus the worker level's uncertainty)
    theta_se = np.sqrt(red.dinv + (red.dinv / v_cell) ** 2 * red.e_mu[cell_worker])

    # ---- fit statistics, severity in levels
    eta = _mfrm._eta(d, p)
    e, var = _expected(eta, p.tau)
    keep = 1.0 - h.omega * var * red.dinv[cell]
    infit, outfit = _fit_stats(x, e, var, r, n_r, keep)
    c_infit, c_outfit = _fit_stats(x, e, var, d.comp, n_c, keep)
    e_avg, _ = _expected(eta + p.sigma[r], p.tau)
    n_by_rater = np.bincount(r, minlength=n_r)
    with np.errstate(invalid="ignore", divide="ignore"):
        sev_levels = np.bincount(r, e_avg - e, n_r) / n_by_rater

    # ---- fair and plain levels per cell
    fair_probs = _mfrm.probabilities(p.theta - p.delta[cell_comp], p.tau)
    fair = np.argmax(fair_probs, axis=1) + 1
    # plain: each rater's ratings of a cell averaged, then raters averaged (self at half weight)
    pair_n = np.bincount(d.pair, minlength=d.pair_cell.size)
    pair_mean = np.bincount(d.pair, level, d.pair_cell.size) / pair_n
    pair_wt = np.where(d.pair_rater == 0, 0.5, 1.0)
    plain_mean = np.bincount(d.pair_cell, pair_wt * pair_mean, d.n_cells) / np.bincount(
        d.pair_cell, pair_wt, d.n_cells
    )
    plain = _round_half_down(plain_mean)
    pair_max = np.full(d.n_cells, -np.inf)
    pair_min = np.full(d.n_cells, np.inf)
    np.maximum.at(pair_max, d.pair_cell, pair_mean)
    np.minimum.at(pair_min, d.pair_cell, pair_mean)
    spread = pair_max - pair_min
    cell_n = np.bincount(cell, minlength=d.n_cells)

    # ---- checks
    cell_hi = np.bincount(cell, x == 3, d.n_cells) == cell_n
    cell_lo = np.bincount(cell, x == 0, d.n_cells) == cell_n
    w_n = np.bincount(w, minlength=n_w)
    w_hi = np.bincount(w, x == 3, n_w) == w_n
    w_lo = np.bincount(w, x == 0, n_w) == w_n
    real = range(1, n_r)
    raters = tuple(rater_ids[i] for i in real)
    checks = CalibrationChecks(
        n_ratings=int(n_obs),
        n_workers=n_w,
        n_raters=len(raters),
        n_competences=n_c,
        subsets=tuple(subsets),
        linked_by_self=linked_by_self,
        thin_raters=tuple(rater_ids[i] for i in real if n_by_rater[i] < min_ratings),
        extreme_workers=tuple(workers[i] for i in np.flatnonzero(w_hi | w_lo)),
        n_extreme_cells=int(np.sum(cell_hi | cell_lo)),
        unused_levels=unused,
        converged=bool(converged),
        newton_steps=int(steps),
        cell_sd=math.sqrt(v_cell),
        worker_sd=math.sqrt(v_worker),
    )
    weights_eff = rater_w if weigh_by_fit else np.ones(n_r)
    self_assessment = None
    if has_self:
        self_assessment = SelfAssessment(
            severity=float(p.sigma[0]),
            se=float(se_g[oS]),
            severity_levels=float(sev_levels[0]),
            infit=float(infit[0]),
            outfit=float(outfit[0]),
            n_ratings=int(n_by_rater[0]),
            weight=float(self_weight * weights_eff[0]),
        )
    fit = {rater_ids[i]: {"infit": float(infit[i]), "outfit": float(outfit[i])} for i in real}
    return RaterCalibration(
        severity={rater_ids[i]: float(p.sigma[i]) for i in real},
        severity_se={rater_ids[i]: float(se_g[oS + i]) for i in real},
        severity_levels={rater_ids[i]: float(sev_levels[i]) for i in real},
        fit=fit,
        weights={rater_ids[i]: float(weights_eff[i]) for i in real},
        misfits=tuple(rater_ids[i] for i in real if max(infit[i], outfit[i]) >= misfit),
        misfit=misfit,
        n_ratings={rater_ids[i]: int(n_by_rater[i]) for i in real},
        difficulty={comps[k]: float(p.delta[k]) for k in range(n_c)},
        difficulty_se={comps[k]: float(se_g[oD + k]) for k in range(n_c)},
        competence_fit={
            comps[k]: {"infit": float(c_infit[k]), "outfit": float(c_outfit[k])} for k in range(n_c)
        },
        competence_ratings={comps[k]: int(v) for k, v in enumerate(np.bincount(c, minlength=n_c))},
        thresholds=p.tau.copy(),
        thresholds_se=se_g[oT : oT + 3].copy(),
        self_assessment=self_assessment,
        checks=checks,
        workers=tuple(workers),
        raters=raters,
        competences=tuple(comps),
        _worker_index={wk: i for i, wk in enumerate(workers)},
        _worker_start=worker_start,
        _cell_comp=cell_comp,
        _fair=fair,
        _plain=plain,
        _theta=p.theta,
        _theta_se=theta_se,
        _spread=spread,
        _cell_n=cell_n,
    )


def _requirement_sets(requirements: Any) -> list[tuple[str | None, dict[Any, int]]]:
    from .profiles import Vacancy

    if isinstance(requirements, Vacancy):
        return [(requirements.id, dict(requirements.requirements))]
    if isinstance(requirements, Mapping):
        return [(None, {k: check_level(v, f"cut-off for {k!r}") for k, v in requirements.items()})]
    out = []
    for i, v in enumerate(requirements):
        if not isinstance(v, Vacancy):
            raise ValidationError(
                f"requirements item {i} must be a Vacancy, got {type(v).__name__}"
            )
        out.append((v.id, dict(v.requirements)))
    return out


def cutoff_changes(
    calibration: RaterCalibration,
    requirements: Mapping[Any, Any] | Any,
    *,
    workers: Iterable[Any] | None = None,
) -> list[CutoffChange]:
    """The workers whose pass/fail on a cut-off score changes after calibration.

    A worker passes a cut-off when every required competence is at or above its minimum (a
    competence not rated does not pass). "Before" uses the plain mean of the raters
    (:meth:`RaterCalibration.plain_levels`), "after" the fair levels.

    Parameters
    ----------
    calibration : RaterCalibration
    requirements : mapping, Vacancy or iterable of Vacancy
        A cut-off score (competence -> minimum level, with the calibration's competence names),
        or vacancies whose ``requirements`` are the cut-offs.
    workers : iterable, optional
        Workers to check; default every calibrated worker.

    Returns
    -------
    list of CutoffChange
        In worker order, then cut-off order.
    """
    if not isinstance(calibration, RaterCalibration):
        raise ValidationError(
            f"calibration must be a RaterCalibration, got {type(calibration).__name__}"
        )
    sets = _requirement_sets(requirements)
    ids = calibration.workers if workers is None else list(workers)
    out = []
    for wk in ids:
        fair = calibration.fair_levels(wk)
        plain = calibration.plain_levels(wk)
        for name, req in sets:
            crossed = tuple(
                comp
                for comp, lo in req.items()
                if (plain.get(comp, 0) >= lo) != (fair.get(comp, 0) >= lo)
            )
            before = all(plain.get(comp, 0) >= lo for comp, lo in req.items())
            after = all(fair.get(comp, 0) >= lo for comp, lo in req.items())
            if before != after:
                out.append(CutoffChange(wk, name, before, after, crossed))
    return out


# --------------------------------------------------------------------------- files and profiles
def read_ratings(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> list[dict]:
    """Read ratings files: CSV (``*.csv``) or JSON Lines, one rating per row.

    The format (documented in the README): the columns or keys ``worker``, ``rater``,
    ``competence`` and ``level`` (1..4 or a Dutch label); other columns (``date``,
    ``indicator``) are ignored. Several files (a stored history of weeks) are read in order.

    Raises
    ------
    FeedError
        A file cannot be read, a JSON line does not parse, or a column is missing.
    ValidationError
        A row with an empty field (named with its file and line).
    """
    from ._exceptions import FeedError

    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    out: list[dict] = []
    need = ("worker", "rater", "competence", "level")
    for path in paths:
        path = Path(path)
        try:
            with path.open(encoding="utf-8-sig", newline="") as fh:
                if path.suffix.lower() == ".csv":
                    reader = csv.DictReader(fh)
                    missing = [k for k in need if k not in (reader.fieldnames or ())]
                    if missing:
                        raise FeedError(
                            f"ratings file {str(path)!r} has no column {missing[0]!r}; "
                            f"needed: {', '.join(need)}"
                        )
                    rows = ((no, row) for no, row in enumerate(reader, start=2))
                    items = [(no, row) for no, row in rows]
                else:
                    items = []
                    for no, line in enumerate(fh, start=1):
                        if not line.strip():
                            continue
                        try:
                            rec = json.loads(line)
                        except json.JSONDecodeError as exc:
                            raise FeedError(
                                f"ratings file {str(path)!r} line {no} is not JSON: {exc.msg}"
                            ) from None
                        if not isinstance(rec, dict):
                            raise FeedError(
                                f"ratings file {str(path)!r} line {no} must be a JSON object, "
                                f"got {type(rec).__name__}"
                            )
                        items.append((no, rec))
        except OSError as exc:
            raise FeedError(f"cannot read ratings file {str(path)!r}: {exc.strerror}") from None
        for no, rec in items:
            for k in need:
                if rec.get(k) in (None, ""):
                    raise ValidationError(
                        f"ratings file {str(path)!r} line {no}: {k!r} is missing or empty"
                    )
            # ids from files are text, as worker profiles' ids are
            out.append(
                {
                    "worker": str(rec["worker"]).strip(),
                    "rater": str(rec["rater"]).strip(),
                    "competence": rec["competence"],
                    "level": rec["level"],
                }
            )
    return out


def with_fair_levels(workers: Iterable[Any], calibration: RaterCalibration) -> list[Any]:
    """Worker profiles with their rated competences replaced by the calibrated fair levels.

    Competences the calibration did not see for a worker keep their level; a worker without
    ratings is returned unchanged. The disagreements become the calibration's raw ones.
    """
    from .profiles import WorkerProfile

    out = []
    for wk in workers:
        if not isinstance(wk, WorkerProfile):
            raise ValidationError(f"workers must be WorkerProfile objects, got {type(wk).__name__}")
        if wk.id not in calibration._worker_index:
            out.append(wk)
            continue
        dictionary = wk.dictionary
        fair = {dictionary.resolve(c): v for c, v in calibration.fair_levels(wk.id).items()}
        levels = {**dict(wk.competences), **fair}
        dis = tuple(dictionary.resolve(c) for c in calibration.disagreements(wk.id))
        out.append(dataclasses.replace(wk, competences=levels, disagreements=dis))
    return out


# --------------------------------------------------------------------------- simulation
@dataclass(frozen=True)
class SimulatedRatings:
    """Ratings drawn from the model, with the truth they were drawn from.

    Attributes
    ----------
    records : list of dict
    severity : dict
        Rater -> true severity (mean 0), logits.
    difficulty : dict
        Competence -> true difficulty.
    thresholds : ndarray of shape (3,)
    true_levels : dict
        (worker, competence) -> the level an average rater would most probably give.
    true_measures : dict
        (worker, competence) -> the worker's measure (logits, before the difficulty).
    erratic : tuple
        Raters who rate at random part of the time.
    self_severity : float or None
    """

    records: list[dict[str, Any]]
    severity: dict[str, float]
    difficulty: dict[str, float]
    thresholds: np.ndarray
    true_levels: dict[tuple[str, str], int]
    true_measures: dict[tuple[str, str], float]
    erratic: tuple[str, ...]
    self_severity: float | None


def simulate_ratings(
    n_workers: int = 300,
    n_competences: int = 12,
    n_raters: int = 20,
    raters_per_worker: int = 3,
    *,
    n_erratic: int = 1,
    erratic_share: float = 0.7,
    severity_sd: float = 0.6,
    worker_sd: float = 1.0,
    cell_sd: float = 0.6,
    difficulty_sd: float = 0.5,
    thresholds: tuple[float, float, float] = (-1.8, 0.0, 1.8),
    design: str = "random",
    self_assessment: bool = False,
    self_severity: float = -0.6,
    seed: int = 0,
) -> SimulatedRatings:
    """Draw ratings from the rating-scale many-facet Rasch model (for tests and benchmarks).

    Every rater of a worker rates all of the worker's competences. An erratic rater gives a
    uniformly random level in ``erratic_share`` of their ratings.

    Parameters
    ----------
    design : {'random', 'chain'}
        ``random``: each worker gets ``raters_per_worker`` raters at random. ``chain``: sparse
        linking; raters sit in a ring and each worker is rated by neighbouring raters, so two
        raters share workers only when they are neighbours.
    self_assessment : bool
        Add the worker's own rating of every competence (severity ``self_severity``).
    """
    n_workers = check_int(n_workers, "n_workers", low=1)
    n_competences = check_int(n_competences, "n_competences", low=1)
    n_raters = check_int(n_raters, "n_raters", low=1)
    raters_per_worker = check_int(raters_per_worker, "raters_per_worker", low=1, high=n_raters)
    if design not in ("random", "chain"):
        raise ValidationError(f"design must be 'random' or 'chain', got {design!r}")
    rng = np.random.default_rng(seed)
    wid = [f"W{i + 1:04d}" for i in range(n_workers)]
    cid = [f"C{k + 1:02d}" for k in range(n_competences)]
    rid = [f"R{k + 1:03d}" for k in range(n_raters)]
    sev = rng.normal(0, severity_sd, n_raters)
    sev -= sev.mean()
    diff = rng.normal(0, difficulty_sd, n_competences)
    diff -= diff.mean()
    tau = np.asarray(thresholds, dtype=np.float64)
    ability = rng.normal(0, worker_sd, n_workers)[:, None] + rng.normal(
        0, cell_sd, (n_workers, n_competences)
    )
    erratic = set(rng.choice(n_raters, n_erratic, replace=False).tolist()) if n_erratic else set()
    if design == "random":
        assign = np.stack(
            [rng.choice(n_raters, raters_per_worker, replace=False) for _ in range(n_workers)]
        )
    else:
        start = rng.integers(0, n_raters, n_workers)
        assign = (start[:, None] + np.arange(raters_per_worker)) % n_raters
    wi = np.repeat(np.arange(n_workers), raters_per_worker * n_competences)
    ri = np.repeat(assign, n_competences, axis=1).ravel()
    ci = np.tile(np.arange(n_competences), n_workers * raters_per_worker)
    eta = ability[wi, ci] - diff[ci] - sev[ri]
    src = [rid[i] for i in ri]
    if self_assessment:
        ws = np.repeat(np.arange(n_workers), n_competences)
        cs = np.tile(np.arange(n_competences), n_workers)
        wi = np.concatenate([wi, ws])
        ci = np.concatenate([ci, cs])
        eta = np.concatenate([eta, ability[ws, cs] - diff[cs] - self_severity])
        ri = np.concatenate([ri, np.full(ws.size, -1)])
        src += [SELF] * ws.size
    probs = _mfrm.probabilities(eta, tau)
    u = rng.random(eta.size)
    lev = 1 + (u[:, None] > np.cumsum(probs, axis=1)[:, :-1]).sum(axis=1)
    if erratic:
        mask = np.isin(ri, list(erratic)) & (rng.random(eta.size) < erratic_share)
        lev[mask] = rng.integers(1, 5, int(mask.sum()))
    records = [
        {"worker": wid[a], "rater": s, "competence": cid[b], "level": int(lv)}
        for a, s, b, lv in zip(wi.tolist(), src, ci.tolist(), lev.tolist(), strict=True)
    ]
    true_probs = _mfrm.probabilities((ability - diff[None, :]).ravel(), tau)
    true_lv = (np.argmax(true_probs, axis=1) + 1).reshape(n_workers, n_competences)
    return SimulatedRatings(
        records=records,
        severity={rid[k]: float(sev[k]) for k in range(n_raters)},
        difficulty={cid[k]: float(diff[k]) for k in range(n_competences)},
        thresholds=tau,
        true_levels={
            (wid[a], cid[b]): int(true_lv[a, b])
            for a in range(n_workers)
            for b in range(n_competences)
        },
        true_measures={
            (wid[a], cid[b]): float(ability[a, b])
            for a in range(n_workers)
            for b in range(n_competences)
        },
        erratic=tuple(rid[k] for k in sorted(erratic)),
        self_severity=self_severity if self_assessment else None,
    )
