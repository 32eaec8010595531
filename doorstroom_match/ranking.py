"""Ranking vacancies and internship places for workers: ``match()``, ``Match``, ``Gap``.

One score per worker-vacancy pair, a weighted sum of signals that each have a plain meaning
for a coach (the weights are :class:`RankingWeights`):

- ``competence_fit``: ``1 - distance / worst_distance`` — 1 when the worker meets every minimum,
  lower the further they fall short (``worst_distance`` is the vacancy's distance for a worker
  with no rated competence, so the fit is comparable across vacancies);
- ``cutoff``: a bonus when the worker passes the cut-off (every required minimum met), so that
  of two otherwise identical vacancies the one the worker passes ranks higher;
- ``text``: similarity of the worker's job target to the vacancy's title and description;
- ``occupation``: agreement of the occupation (ESCO) recognised in the job target with the
  vacancy's occupation — 1 for the same occupation, half for the same ISCO group;
- ``kind``: a preference per kind of place (by default a small bonus for a TBS, the strongest
  route to a contract).

Hard filters a coach sets exclude a vacancy outright: allowed kinds, commute distance, hard
competences (such as Dutch language level) and, optionally, the cut-off itself.

Scores for many workers are computed in blocks with :func:`~doorstroom_match.core.blocked_topk`,
so ranking all workers against a large feed never materialises the full score matrix.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import repeat
from types import MappingProxyType
from typing import Any

import numpy as np

from ._exceptions import NotFittedError, ValidationError
from ._validation import (
    check_finite_vectors,
    check_int,
    check_non_empty,
    check_number,
    check_unique_ids,
)
from .competences import LEVEL_LABELS, CompetenceDictionary, default_dictionary
from .core import (
    METHODS,
    DistanceEngine,
    ExactDot,
    _encode_requirements,
    _shortfall_rows,
    blocked_topk,
    distinct_rows,
    encode_levels,
    shortfall_matrix,
)
from .geo import EARTH_RADIUS_KM, cos_limit, postcode_coordinates, unit_inner, unit_vectors
from .occupations import HIGH_SKILL_MAJORS
from .profiles import KINDS, Vacancy, WorkerProfile
from .reach import near_runs, place_runs

__all__ = [
    "Gap",
    "Match",
    "RankingWeights",
    "Matcher",
    "match",
    "gaps_for",
    "as_workers",
    "as_vacancies",
    "default_occupation_model",
]

_GROUP_ORDER = {"kern": 0, "bijkomend": 1, "extra": 2}


@dataclass(frozen=True)
class Gap:
    """One required competence on which the worker falls short of the minimum.

    Attributes
    ----------
    competence : str
        Canonical competence id.
    required : int
        The minimum level (1..4).
    actual : int or None
        The worker's level, ``None`` when the competence was never rated.
    shortfall : int
        ``required - actual`` (``required`` when not rated).
    assessed : bool
        False when the competence was never rated: *not demonstrated*, which fails the cut-off.
    weight : float
        The vacancy's weight of this competence; ``weight * shortfall`` adds to the distance.
    label, group, type : str
        Dutch label, group (kern/bijkomend/extra) and type (generiek/technisch).
    """

    competence: str
    required: int
    actual: int | None
    shortfall: int
    assessed: bool
    weight: float = 1.0
    label: str = ""
    group: str = "bijkomend"
    type: str = "generiek"

    @property
    def weighted(self) -> float:
        """This gap's share of the distance."""
        return self.weight * self.shortfall

    def describe(self) -> str:
        """The gap in a coach's words (Dutch)."""
        need = LEVEL_LABELS[self.required]
        if not self.assessed:
            return f"{self.label}: {need} vereist, niet gemeten"
        return f"{self.label}: {need} vereist, {LEVEL_LABELS[self.actual]} gemeten"


@dataclass(frozen=True)
class Match:
    """One vacancy or internship place ranked for a worker.

    Attributes
    ----------
    vacancy_id : str
    score : float
        Higher is better; the sum of ``components``.
    passes_cutoff : bool
        True exactly when every required competence is at or above its minimum.
    distance : float
        Weighted sum of shortfalls; 0 exactly when ``passes_cutoff``.
    gaps : list of Gap
        Required competences below their minimum, most important first.
    rank : int
        1 for the best match.
    kind, title, employer : str
        Of the vacancy.
    worker_id : str
    components : mapping of str to float
        Each signal's weighted contribution to ``score``.
    reasons : tuple of str
        The match explained in a coach's words (Dutch).
    commute_km : float or None
        Distance between the postcodes as the crow flies, when both are known.
    within_commute : bool
        False for a place beyond the worker's commute limit (listed only when fewer than
        ``top`` lie within it).
    requirements_source : {"vacancy", "inferred", "none"}
        Where the cut-off comes from: the vacancy itself, inferred from its occupation, or
        none at all (no requirements and no known occupation).
    occupation_uri : str or None
        The vacancy's occupation (given, or recognised from its title).
    """

    vacancy_id: str
    score: float
    passes_cutoff: bool
    distance: float
    gaps: list[Gap]
    rank: int = 1
    kind: str = "vacancy"
    title: str = ""
    employer: str | None = None
    worker_id: str = ""
    components: Mapping[str, float] = field(default_factory=dict)
    reasons: tuple[str, ...] = ()
    commute_km: float | None = None
    within_commute: bool = True
    requirements_source: str = "vacancy"
    occupation_uri: str | None = None

    def to_record(self) -> dict[str, Any]:
        """JSON-serialisable record (the row format of ``matches.jsonl``)."""
        return {
            "worker_id": self.worker_id,
            "vacancy_id": self.vacancy_id,
            "rank": self.rank,
            "score": round(self.score, 6),
            "passes_cutoff": self.passes_cutoff,
            "distance": round(self.distance, 6),
            "gaps": [
                {
                    "competence": g.competence,
                    "required": g.required,
                    "actual": g.actual,
                    "shortfall": g.shortfall,
                    "assessed": g.assessed,
                }
                for g in self.gaps
            ],
            "kind": self.kind,
            "title": self.title,
            "components": {k: round(v, 6) for k, v in self.components.items()},
            "commute_km": None if self.commute_km is None else round(self.commute_km, 1),
            "within_commute": self.within_commute,
            "requirements_source": self.requirements_source,
            "occupation_uri": self.occupation_uri,
        }


@dataclass(frozen=True)
class RankingWeights:
    """Weights of the ranking signals (see :class:`Matcher` for the ranking in a coach's words).

    The occupation of the job target dominates: a vacancy of the same occupation (1.0) or the
    same ISCO unit group (0.65) outranks one that merely reads alike or that the worker passes.
    Within one occupation, the title's text, the competence fit and the cut-off decide.

    Attributes
    ----------
    competence_fit, cutoff, text, occupation : float
        Weight of each signal (``>= 0``).
    kind : mapping of str to float
        Bonus per kind of place (a small one for a TBS, the strongest route to a contract).
    regime, limits : float
        Subtracted for a part-time worker and a full-time job, and for physical or medical
        limits and a physically demanding occupation.
    beyond_km : float
        Subtracted per km beyond the commute limit, so that places beyond it (listed only
        when too few lie within it) come nearest first.
    """

    competence_fit: float = 0.2
    cutoff: float = 0.1
    text: float = 0.2
    occupation: float = 1.0
    kind: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType(
            {"vacancy": 0.0, "tbs": 0.05, "bvs": 0.0, "enclave": 0.0}
        )
    )
    regime: float = 0.05
    limits: float = 0.1
    beyond_km: float = 0.05

    def __post_init__(self) -> None:
        for name in (
            "competence_fit",
            "cutoff",
            "text",
            "occupation",
            "regime",
            "limits",
            "beyond_km",
        ):
            check_number(getattr(self, name), f"RankingWeights.{name}", low=0.0)
        kind = dict(self.kind)
        for k, v in kind.items():
            if k not in KINDS:
                raise ValidationError(f"RankingWeights.kind keys must be in {KINDS}, got {k!r}")
            check_number(v, f"RankingWeights.kind[{k!r}]")
        object.__setattr__(
            self, "kind", MappingProxyType({k: float(kind.get(k, 0.0)) for k in KINDS})
        )


def as_workers(workers: Any, dictionary: CompetenceDictionary | None = None) -> list[WorkerProfile]:
    """Workers as a list of :class:`WorkerProfile` (records are converted), non-empty, unique."""
    if isinstance(workers, WorkerProfile | Mapping):
        workers = [workers]
    out = [
        w if isinstance(w, WorkerProfile) else WorkerProfile.from_record(w, dictionary=dictionary)
        for w in check_non_empty(workers, "workers")
    ]
    check_unique_ids(out, "worker")
    return out


def as_vacancies(vacancies: Any, dictionary: CompetenceDictionary | None = None) -> list[Vacancy]:
    """Vacancies as a list of :class:`Vacancy` (records are converted), non-empty, unique."""
    if isinstance(vacancies, Vacancy | Mapping):
        vacancies = [vacancies]
    out = [
        v if isinstance(v, Vacancy) else Vacancy.from_record(v, dictionary=dictionary)
        for v in check_non_empty(vacancies, "vacancies")
    ]
    check_unique_ids(out, "vacancy")
    return out


def gaps_for(worker: WorkerProfile, vacancy: Vacancy) -> list[Gap]:
    """Every required competence on which ``worker`` falls short of ``vacancy``'s minimum.

    Most important first: largest weighted shortfall, then core before additional before
    extra competences, then by id. The shortfalls come from the core
    (:func:`~doorstroom_match.core.shortfall_matrix`), as in ranking.
    """
    ids = tuple(vacancy.requirements)
    if not ids:
        return []
    levels = np.array([worker.competences.get(c) or 0 for c in ids], dtype=np.int8)
    required = np.array([[vacancy.requirements[c] for c in ids]], dtype=np.int8)
    return _gaps_from_row(vacancy, worker, shortfall_matrix(levels, required)[0], ids)


_PART_TIME = frozenset({"4/5", "halftijds", "deeltijds", "deeltijd", "parttime", "part-time"})
_FULL_TIME = frozenset({"voltijds", "voltijd", "fulltime", "full-time"})
#: Importance of physical fitness (1..5, by ISCO major group) from which a worker's physical or
#: medical limits are flagged.
PHYSICAL_LIMIT_FROM = 4.0
_UNKNOWN_FIT = 0.5  # competence fit of a vacancy with no known or inferred requirements


def _regime_kind(value: str | None) -> str | None:
    if not value:
        return None
    v = str(value).strip().casefold()
    if v in _PART_TIME:
        return "part"
    if v in _FULL_TIME:
        return "full"
    return None


@lru_cache(maxsize=2)
def default_occupation_model(normalizer: str = "fast") -> Any:
    """The occupation model fitted on the ESCO catalogue shipped with the package (once).

    ``match()`` and every :class:`Matcher` with ``occupations="auto"`` share it, so the
    catalogue is indexed once per process (a few seconds).
    """
    from .occupations import OccupationModel

    return OccupationModel(normalizer).fit()


class Matcher:
    """Ranks vacancies and internship places for workers.

    Follows the estimator contract: parameters are stored by ``__init__``, :meth:`fit` prepares
    the vacancies (arrays, text vectors, occupations) and :meth:`rank` only reads them.

    The ranking, in a coach's words (see the module docstring for the signals):

    1. only places within the worker's commute limit, of an allowed kind, valid on the date;
       places beyond the limit come after all of those, nearest first, and only when fewer
       than ``top`` lie within reach (``within_commute=False``);
    2. no managers' or professionals' jobs (ISCO 1-2) unless the job target is one;
    3. first the job target's own occupation, then its 4-digit ISCO unit group, then its
       3-digit minor group (``occupation``);
    4. then how well the title reads like the job target (``text``), how close the worker is
       to the cut-off (``competence_fit``, ``cutoff``) and the kind of place (``kind``);
       a part-time worker and a full-time job, or physical limits and a physically demanding
       occupation, cost a little and are named in the reasons;
    5. a vacancy that states no requirements gets the cut-off its occupation usually asks
       (``requirements_source="inferred"``); when not even its occupation is known, its
       competence fit counts as half (``"none"``): it is never preferred for stating nothing.

    Parameters
    ----------
    weights : RankingWeights, optional
        Weights of the signals.
    text : None, str or encoder, default='tfidf'
        Text similarity of job target and vacancy: ``None`` (off), a backend name for
        :func:`doorstroom_match.text.make_encoder` (``"tfidf"``: character n-grams, reduced to
        256 dimensions above 2,000 vacancies; ``"sentence-transformers"``; ``"hybrid"``), or an
        encoder object with ``fit(texts)`` and ``encode(texts)``.
    text_field : {'title', 'text'}, default='title'
        What of the vacancy is compared with the job target.
    occupations : "auto", None, OccupationModel or fitted TitleNormalizer, default="auto"
        Occupations of job targets and vacancies (:mod:`doorstroom_match.occupations`).
        ``"auto"``: the ESCO catalogue shipped with the package (:func:`default_occupation_model`).
        A vacancy's ``occupation_uri`` is used when given, else its title is mapped.
        ``None`` switches the occupation signal, the ISCO 1-2 rule and inferred requirements off.
    kinds : sequence of str, optional
        Only these kinds of place (``vacancy``, ``tbs``, ``bvs``, ``enclave``).
    max_km : float or 'worker' or None, default='worker'
        Commute limit as the crow flies: a number for everyone, ``'worker'`` for each worker's
        own ``max_commute_km`` (when known), ``None`` for no limit. Pairs with an unknown
        postcode are never beyond it.
    fill_beyond : bool, default=True
        When fewer than ``top`` places lie within the limit, complete the list with the
        nearest good ones beyond it (flagged ``within_commute=False``). False: never.
    hard_competences : sequence of str, default=()
        Competences on which any shortfall excludes the vacancy.
    require_cutoff : bool, default=False
        Exclude vacancies whose cut-off the worker does not pass.
    infer_requirements : bool, default=True
        Give a vacancy without requirements the cut-off inferred from its occupation.
    requirement_profiles : mapping of str to mapping, optional
        Occupation uri -> the cut-off (competence -> minimum level) an organisation sets for
        that occupation; used instead of the inferred one for a vacancy that states none.
    high_skill_rule : bool, default=True
        Exclude occupations of ISCO major groups 1-2 unless the job target is in them.
    on_date : date, optional
        Exclude vacancies whose ``valid_until`` lies before this date.
    dictionary : CompetenceDictionary, optional
    fit_text : bool, default=True
        Fit the text encoder on the vacancy texts in :meth:`fit`. Set False for an encoder
        fitted beforehand (a fixed vocabulary keeps cached vectors valid week after week).
    block_rows : int, optional
        Workers per scoring block (memory bound).
    method : {"auto", "gemm", "lut"}, default="auto"
        The core's distance engine (:func:`doorstroom_match.core.distance_matrix`).
    n_jobs : int, default=1
        Threads scoring blocks of workers at once (``-1``: every CPU).
    """

    def __init__(
        self,
        *,
        weights: RankingWeights | None = None,
        text: Any = "tfidf",
        text_field: str = "title",
        occupations: Any = "auto",
        kinds: Sequence[str] | None = None,
        max_km: float | str | None = "worker",
        fill_beyond: bool = True,
        hard_competences: Sequence[str] = (),
        require_cutoff: bool = False,
        infer_requirements: bool = True,
        requirement_profiles: Mapping[str, Mapping[str, Any]] | None = None,
        high_skill_rule: bool = True,
        on_date: _dt.date | None = None,
        dictionary: CompetenceDictionary | None = None,
        fit_text: bool = True,
        block_rows: int | None = None,
        method: str = "auto",
        n_jobs: int | None = 1,
    ) -> None:
        self.weights = weights
        self.text = text
        self.text_field = text_field
        self.occupations = occupations
        self.kinds = kinds
        self.max_km = max_km
        self.fill_beyond = fill_beyond
        self.hard_competences = hard_competences
        self.require_cutoff = require_cutoff
        self.infer_requirements = infer_requirements
        self.requirement_profiles = requirement_profiles
        self.high_skill_rule = high_skill_rule
        self.on_date = on_date
        self.dictionary = dictionary
        self.fit_text = fit_text
        self.block_rows = block_rows
        self.method = method
        self.n_jobs = n_jobs

    # ------------------------------------------------------------------ fit
    def _check_params(self) -> None:
        self.weights_ = self.weights or RankingWeights()
        if not isinstance(self.weights_, RankingWeights):
            raise ValidationError(
                f"weights must be a RankingWeights, got {type(self.weights).__name__}"
            )
        if self.kinds is not None:
            kinds = [self.kinds] if isinstance(self.kinds, str) else list(self.kinds)
            bad = [k for k in kinds if k not in KINDS]
            if bad or not kinds:
                raise ValidationError(
                    f"kinds must be a non-empty subset of {KINDS}, got {self.kinds!r}"
                )
            self.kinds_ = frozenset(kinds)
        else:
            self.kinds_ = frozenset(KINDS)
        if not (self.max_km is None or self.max_km == "worker"):
            check_number(self.max_km, "max_km", low=0.0)
        if self.method not in METHODS:
            raise ValidationError(f"method must be one of {METHODS}, got {self.method!r}")
        self.dictionary_ = self.dictionary or default_dictionary()
        self.hard_ = tuple(self.dictionary_.resolve(c) for c in self.hard_competences)
        occ = self.occupations
        if occ is None or (isinstance(occ, str) and occ == "none"):
            self.occupations_ = None
        elif isinstance(occ, str):
            if occ not in ("auto", "fast", "full"):
                raise ValidationError(
                    "occupations must be 'auto', 'fast', 'full', None, an OccupationModel or a "
                    f"fitted TitleNormalizer, got {occ!r}"
                )
            self.occupations_ = default_occupation_model("full" if occ == "full" else "fast")
        elif hasattr(occ, "features") and hasattr(occ, "guess"):
            self.occupations_ = occ if hasattr(occ, "normalizer_") else occ.fit()
        elif hasattr(occ, "predict_topk") and hasattr(occ, "uris_"):
            from .occupations import OccupationModel

            self.occupations_ = OccupationModel(occ).fit()
        else:
            raise ValidationError(
                "occupations must be 'auto', None, an OccupationModel or a fitted "
                f"TitleNormalizer, got {type(occ).__name__}"
            )

    def fit(
        self,
        vacancies: Sequence[Vacancy | Mapping[str, Any]],
        *,
        vacancy_vectors: np.ndarray | None = None,
    ) -> Matcher:
        """Prepare the vacancies for ranking.

        Parameters
        ----------
        vacancies : sequence of Vacancy or records
            At least one, unique ids.
        vacancy_vectors : ndarray of shape (n_vacancies, d), optional
            Text vectors of the vacancies computed beforehand (e.g. from the embedding cache
            of the weekly batch) with the same encoder as ``text``; skips encoding them.

        Returns
        -------
        self
        """
        self._check_params()
        vacs = as_vacancies(vacancies, self.dictionary)
        self.vacancies_ = vacs
        self.vacancy_ids_ = [v.id for v in vacs]
        n_v = len(vacs)
        w = self.weights_

        # occupations: given uri, else the title's guess
        occ = self.occupations_
        self._vac_feat = None
        self._vac_high = np.zeros(n_v, dtype=bool)
        self._vac_physical = np.zeros(n_v, dtype=bool)
        top_occ = np.full(n_v, -1, dtype=np.int64)
        if occ is not None:
            gi, gp = occ.known([v.occupation_uri for v in vacs])
            need = [j for j in range(n_v) if gi[j, 0] < 0]
            if need:
                ti, tp = occ.guess([vacs[j].title for j in need])
                gi[need], gp[need] = ti, tp
            top_occ = gi[:, 0]
            self._vac_feat = occ.features(gi, gp).tocsr()
            self._vac_feat_t = self._vac_feat.T.tocsr()  # (features, vacancies) for blocks
            # the distinct rows (vacancies with the same guess share one), for the fused
            # score block: a sparse product sums in the order of the worker's own features,
            # so a distinct column has the bits of every vacancy that shares it
            self._occ_u_t, self._occ_inv = _distinct_rows(self._vac_feat, gi, gp)
            # (vacancy, feature) keys in order, for the affinity of single pairs
            f = self._vac_feat
            keys = np.repeat(np.arange(n_v, dtype=np.int64), np.diff(f.indptr)) * f.shape[1]
            keys += f.indices
            order = np.argsort(keys, kind="stable")
            self._feat_keys, self._feat_vals = keys[order], f.data[order]
            isco = occ.isco(gi)
            self._vac_high = np.array([str(g)[:1] in HIGH_SKILL_MAJORS for g in isco])
            self._vac_physical = np.array(
                [j >= 0 and occ.physical_demand(int(j)) >= PHYSICAL_LIMIT_FROM for j in top_occ]
            )
        self.vacancy_occupations_ = (
            tuple(None if j < 0 else str(occ.uris_[j]) for j in top_occ)
            if occ is not None
            else (None,) * n_v
        )

        # requirements: stated, else inferred from the occupation, else none
        source = np.array(["vacancy" if v.requirements else "none" for v in vacs], dtype=object)
        effective = list(vacs)
        if occ is not None and self.infer_requirements:
            core = [c.id for c in self.dictionary_ if c.group == "kern"]
            ids = tuple(self.dictionary_.ids)
            profiles = dict(self.requirement_profiles or {})
            inferred: dict[int, Any] = {}  # per occupation (a vacancy's guess), computed once
            frozen: dict[tuple[int, int], Any] = {}  # and frozen once per dictionary
            for j, v in enumerate(vacs):
                if source[j] == "none" and top_occ[j] >= 0:
                    o = int(top_occ[j])
                    given = profiles.get(str(occ.uris_[o]))
                    if given:  # an organisation's profile: checked like any requirements
                        effective[j] = dataclasses.replace(v, requirements=given, weights=None)
                        source[j] = "inferred"
                        continue
                    req = inferred.get(o)
                    if req is None:
                        req = inferred[o] = occ.inferred_requirements(o, ids, core)
                    if not req:  # an empty inferred cut-off would be passed by anyone: "none"
                        continue
                    # our own table: canonical ids and levels, not checked again
                    key = (o, id(v.dictionary))
                    fz = frozen.get(key)
                    if fz is None:
                        fz = frozen[key] = v._frozen_requirements(req)
                    effective[j] = v._with_known_requirements(req, fz)
                    source[j] = "inferred"
        self.requirements_source_ = tuple(source.tolist())
        #: the vacancies as ranked: an inferred cut-off in place of a missing one
        self.effective_vacancies_ = tuple(effective)
        self._effective = effective
        extra = sorted({c for v in effective for c in v.requirements} - set(self.dictionary_.ids))
        self.competence_ids_ = (*self.dictionary_.ids, *extra)
        req, wts64 = _encode_requirements(effective, self.competence_ids_)
        wts = wts64.astype(np.float32)
        self._req, self._wts = req, wts
        # explanations use the weights as given; kept only where float32 changed one
        self._wts64 = None if np.array_equal(wts, wts64) else wts64
        self._prepare_explain(effective)
        self._engine = DistanceEngine(req, wts, self.method)  # vacancy side, built once
        worst = (req.astype(np.float32) * wts).sum(axis=1)
        self._inv_worst = np.where(worst > 0, 1.0 / np.maximum(worst, 1e-12), 0.0).astype(
            np.float32
        )
        self._unknown_req = source == "none"
        self._kind_bonus = np.array([w.kind[v.kind] for v in vacs], dtype=np.float32)
        self._vac_full = np.array([_regime_kind(v.regime) == "full" for v in vacs])
        allowed = np.array([v.kind in self.kinds_ for v in vacs])
        if self.on_date is not None:
            allowed &= np.array(
                [v.valid_until is None or v.valid_until >= self.on_date for v in vacs]
            )
        self._allowed = allowed
        if self.hard_:
            hc = np.array([self.competence_ids_.index(c) for c in self.hard_])
            self._hard_cols = hc
            self._hard_engine = DistanceEngine(
                np.ascontiguousarray(req[:, hc]), np.ones((n_v, len(hc)), np.float32), self.method
            )
        self._vac_xyz = unit_vectors(postcode_coordinates([v.postcode for v in vacs]))
        self._runs = place_runs(self._vac_xyz)  # the commute test per distinct place
        self.encoder_ = None
        if self.text is not None and w.text > 0:
            if self.text_field not in ("title", "text"):
                raise ValidationError(
                    f"text_field must be 'title' or 'text', got {self.text_field!r}"
                )
            texts = [v.title if self.text_field == "title" else v.text for v in vacs]
            if not isinstance(self.text, str) and hasattr(self.text, "encode"):
                enc = self.text
            else:
                from .text import make_encoder

                params = {}
                if self.text == "tfidf" and n_v > 2000:
                    params["n_components"] = 256  # dense vocabulary vectors would not fit
                enc = make_encoder(self.text, **params)
            if self.fit_text:
                enc.fit(texts)
            self.encoder_ = enc
            if vacancy_vectors is None:
                vacancy_vectors = enc.encode(texts)
            vecs = check_finite_vectors(vacancy_vectors, "vacancy_vectors")  # NaN would drop rows
            if vecs.ndim != 2 or vecs.shape[0] != n_v:
                raise ValidationError(
                    f"vacancy_vectors must have shape ({n_v}, d), got {vecs.shape}"
                )

            self._vac_vecs = vecs
            self._vac_text = ExactDot(vecs)  # the same bits whatever the blocks
        return self

    def _restricted(self, cols: np.ndarray, *, scoring_only: bool = False) -> Matcher:
        """This fitted Matcher on the vacancies ``cols`` only (ascending indices): every
        vacancy-side array is sliced, nothing is fitted again, so each pair scores the same
        bits as in ``self`` (the weekly increment ranks only new and changed vacancies).

        ``scoring_only``: only what the compiled score block reads (the place order of
        :meth:`_reach_index`, any order of ``cols``): no vacancy vectors or occupation
        features for explanations (at 100,000 vacancies they would be 100+ MB more)."""
        self._check_fitted()
        cols = np.asarray(cols, dtype=np.int64)
        sub = object.__new__(Matcher)
        sub.__dict__.update(self.__dict__)
        take = cols.tolist()
        for name in (
            "vacancy_occupations_",
            "requirements_source_",
            "effective_vacancies_",
        ):
            setattr(sub, name, tuple(getattr(self, name)[j] for j in take))
        sub.vacancies_ = [self.vacancies_[j] for j in take]
        sub.vacancy_ids_ = [self.vacancy_ids_[j] for j in take]
        sub._effective = [self._effective[j] for j in take]
        for name in (
            "_vac_high",
            "_vac_physical",
            "_req",
            "_wts",
            "_inv_worst",
            "_unknown_req",
            "_kind_bonus",
            "_vac_full",
            "_allowed",
            "_vac_xyz",
            "_vac_dict",
            "_n_req",
        ):
            setattr(sub, name, np.ascontiguousarray(getattr(self, name)[cols]))
        sub._vac_json = {}  # rendered vacancy fields, cached by column: not shared
        run_of, run_xyz, run_unknown = self._runs  # the places of self: a superset, same bits
        sub._runs = (np.ascontiguousarray(run_of[cols]), run_xyz, run_unknown)
        sub.__dict__.pop("_reach_cache", None)  # the place order of other columns
        if self._vac_feat is not None:
            if scoring_only:
                sub._vac_feat = sub._vac_feat_t = None
            else:
                sub._vac_feat = self._vac_feat[cols]
                sub._vac_feat_t = sub._vac_feat.T.tocsr()
            used, inverse = np.unique(self._occ_inv[cols], return_inverse=True)
            sub._occ_u_t = self._occ_u_t[:, used].tocsr()
            sub._occ_inv = inverse.astype(np.int64).ravel()
        sub._engine = DistanceEngine(sub._req, sub._wts, self._engine.method)
        if self.hard_:
            sub._hard_engine = DistanceEngine(
                np.ascontiguousarray(sub._req[:, self._hard_cols]),
                np.ones((len(cols), len(self._hard_cols)), np.float32),
                self._hard_engine.method,
            )
        if self.encoder_ is not None:
            sub._vac_vecs = None if scoring_only else self._vac_vecs[cols]
            sub._vac_text = self._vac_text.subset(cols)
        return sub

    def _targets_known(self, workers: Sequence[WorkerProfile]) -> np.ndarray:
        """Per worker, whether its job target names an occupation the occupation model
        recognises (its guesses are memoised: the ranking made them already).

        Returns
        -------
        ndarray of shape (n_workers,), bool
        """
        occ = self.occupations_
        if occ is None or not workers:
            return np.zeros(len(workers), dtype=bool)
        # guess, not guess_targets: the prior reorders a target's guesses, never removes them
        index, _ = occ.guess([w.job_target for w in workers])
        return index[:, 0] >= 0

    def _check_fitted(self) -> None:
        if not hasattr(self, "vacancies_"):
            raise NotFittedError(
                "this Matcher is not fitted yet; call fit(vacancies) before rank()/match()"
            )

    # ------------------------------------------------------------------ rank
    def rank(
        self,
        workers: Sequence[WorkerProfile | Mapping[str, Any]],
        top: int = 10,
        *,
        exclude: Mapping[str, Any] | None = None,
    ) -> list[list[Match]]:
        """The best ``top`` vacancies for each worker, best first.

        Parameters
        ----------
        workers : sequence of WorkerProfile or records
        top : int, default=10
        exclude : mapping of str to iterable of str, optional
            Worker id -> vacancy ids never to suggest to that worker (marked not relevant,
            or a scarce place assigned to someone else).

        Returns
        -------
        list of list of Match
            One list per worker, in the order of ``workers``: first the places within the
            commute limit, then (with ``fill_beyond``) the nearest ones beyond it; shorter than
            ``top`` only when fewer vacancies pass the hard filters.
        """
        return self._ranked(workers, top, exclude=exclude).matches()

    def _ranked(
        self,
        workers: Sequence[WorkerProfile | Mapping[str, Any]],
        top: int = 10,
        *,
        exclude: Mapping[str, Any] | None = None,
    ) -> _Ranked:
        """:meth:`rank` as arrays: the selected rows explained in bulk, no per-row objects.

        The weekly batch writes its rows from these arrays (:meth:`_Ranked.jsonl`);
        :meth:`_Ranked.matches` builds the :class:`Match` objects of :meth:`rank`.
        """
        self._check_fitted()
        top = check_int(top, "top", low=1)
        top = min(top, len(self.vacancies_))
        wks = as_workers(workers, self.dictionary)
        ctx = self._worker_context(wks, exclude)
        row, col, score, within = self._select(ctx, top)
        return self._explain_rows(ctx, row, col, score, within)

    def _select(self, ctx: _WorkerContext, top: int):
        """The rows of every worker, best first: (row, col, score, within), arrays of shape
        (n_rows,), grouped by worker. First the places within the commute limit, then (with
        ``fill_beyond``, for workers with fewer than ``top`` of those) the nearest beyond it."""
        near = self._topk(ctx, top, far=False)
        ok = near.indices >= 0  # the places found come first in each row
        r, k = np.nonzero(ok)
        parts = [(r, k, near.indices[r, k], near.values[r, k], np.ones(r.size, bool))]
        n_near = np.count_nonzero(ok, axis=1)
        short = np.flatnonzero(n_near < top)
        if self.fill_beyond and ctx.cos_min is not None and short.size:
            far = self._topk(ctx, top, far=True, subset=short)
            room = (top - n_near[short])[:, None]
            fok = (far.indices >= 0) & (np.arange(far.indices.shape[1])[None, :] < room)
            fr, fk = np.nonzero(fok)
            parts.append(
                (
                    short[fr],
                    top + fk,
                    far.indices[fr, fk],
                    far.values[fr, fk],
                    np.zeros(fr.size, bool),
                )
            )
        row, pos, col, score, within = (np.concatenate(x) for x in zip(*parts, strict=True))
        order = np.lexsort((pos, row))
        return row[order], col[order].astype(np.int64), score[order], within[order]

    def _rank_reference(
        self,
        workers: Sequence[WorkerProfile | Mapping[str, Any]],
        top: int = 10,
        *,
        exclude: Mapping[str, Any] | None = None,
    ) -> list[list[Match]]:
        """:meth:`rank` explained one row at a time (the plain reference of the bulk path)."""
        self._check_fitted()
        top = check_int(top, "top", low=1)
        top = min(top, len(self.vacancies_))
        wks = as_workers(workers, self.dictionary)
        ctx = self._worker_context(wks, exclude)
        near = self._topk(ctx, top, far=False)
        rows = [
            [(int(j), float(s), True) for j, s in zip(ix, vs, strict=True) if j >= 0]
            for ix, vs in zip(near.indices, near.values, strict=True)
        ]
        self._fill_far(ctx, rows, top)
        return [self._explain_reference(ctx, i, r) for i, r in enumerate(rows)]

    def _fill_far(self, ctx: _WorkerContext, rows: list[list[tuple]], top: int) -> None:
        """Top up (in place) the rows of workers with fewer than ``top`` places within the
        commute limit with the nearest ones beyond it (``fill_beyond``)."""
        if self.fill_beyond and ctx.cos_min is not None:
            short = [i for i, r in enumerate(rows) if len(r) < top]
            if short:
                far = self._topk(ctx, top, far=True, subset=np.array(short))
                for n, i in enumerate(short):
                    for j, s in zip(far.indices[n], far.values[n], strict=True):
                        if j < 0 or len(rows[i]) >= top:
                            break
                        rows[i].append((int(j), float(s), False))

    def _worker_context(self, wks: list[WorkerProfile], exclude: Mapping[str, Any] | None):
        n_w = len(wks)
        levels = encode_levels(wks, self.competence_ids_)
        ctx = _WorkerContext(workers=wks, levels=levels)
        ctx.fill = self._engine.filler(levels, 1)
        if self.hard_:
            ctx.hard_fill = self._hard_engine.filler(
                np.ascontiguousarray(levels[:, self._hard_cols]), 1
            )
        if self.max_km is not None:
            ctx.xyz = unit_vectors(postcode_coordinates([x.postcode for x in wks]))
            if self.max_km == "worker":
                km = np.array(
                    [np.inf if x.max_commute_km is None else x.max_commute_km for x in wks]
                )
            else:
                km = np.full(n_w, float(self.max_km))
            ctx.km = km
            ctx.cos_min = cos_limit(km)
        else:
            ctx.xyz = unit_vectors(postcode_coordinates([x.postcode for x in wks]))
        if self.encoder_ is not None:
            targets = [x.job_target or "" for x in wks]
            ctx.vecs = np.zeros((n_w, self._vac_vecs.shape[1]), np.float32)
            has = [i for i, t in enumerate(targets) if t.strip()]
            if has:
                texts = [targets[i] for i in has]
                known = getattr(self, "_target_vectors", None)
                if known:  # given by the weekly batch (its embedding cache): the rest encoded
                    todo = sorted({t for t in texts if t not in known})
                    fresh = dict(zip(todo, self.encoder_.encode(todo), strict=True))
                    tv = np.stack([known[t] if t in known else fresh[t] for t in texts])
                else:
                    tv = self.encoder_.encode(texts)
                if np.shape(tv)[1] != ctx.vecs.shape[1]:  # vectors given to fit by another model
                    raise ValidationError(
                        f"vacancy_vectors given to fit have width {ctx.vecs.shape[1]}, but the "
                        f"encoder gives {np.shape(tv)[1]}: encode both with the same encoder"
                    )
                ctx.vecs[has] = tv
        occ = self.occupations_
        if occ is not None:
            gi, gp = occ.guess_targets([x.job_target for x in wks])
            ctx.feat = occ.features(gi, gp).tocsr()
            isco = occ.isco(gi)
            ctx.low_skill = np.array([str(g)[:1] not in HIGH_SKILL_MAJORS for g in isco])
        ctx.part_time = np.array([_regime_kind(x.regime) == "part" for x in wks])
        ctx.limited = np.array([bool(x.limits) for x in wks])
        if exclude:
            col = {vid: j for j, vid in enumerate(self.vacancy_ids_)}
            for i, x in enumerate(wks):
                ids = exclude.get(x.id)
                if ids:
                    cols = sorted({col[v] for v in ids if v in col})
                    if cols:
                        ctx.excluded[i] = np.array(cols, dtype=np.int64)
        return ctx

    def _score(
        self, ctx: _WorkerContext, rows: np.ndarray, cols: Any, d: np.ndarray | None = None
    ) -> dict[str, np.ndarray]:
        """Each weighted signal of workers ``rows`` against vacancies ``cols``.

        ``cols`` is a slice (a scoring block; distances from the core's engine) or an index
        array (the few rows being explained, with their distances ``d`` given).
        """
        w = self.weights_
        nr = len(rows)
        nc = cols.stop - cols.start if isinstance(cols, slice) else len(cols)
        if d is None:
            d = np.empty((nr, nc), np.float32)
            _fill_rows(ctx.fill, rows, cols, d)
        fit = 1.0 - d * self._inv_worst[cols]
        unknown = self._unknown_req[cols]
        fit[:, unknown] = _UNKNOWN_FIT
        passed = d == 0
        out = {
            "distance": d,
            "passed": passed,
            "competence_fit": np.float32(w.competence_fit) * fit,
            "cutoff": np.float32(w.cutoff) * (passed & ~unknown[None, :]),
            "kind": np.broadcast_to(self._kind_bonus[cols], (nr, nc)),
        }
        if ctx.vecs is not None:
            sim = self._vac_text(ctx.vecs[rows], cols)
            out["text"] = np.float32(w.text) * np.clip(sim, 0.0, 1.0)
        if ctx.feat is not None:
            if isinstance(cols, slice):  # a block: workers x all vacancies, then the columns
                aff = (ctx.feat[rows] @ self._vac_feat_t)[:, cols].toarray()
            else:  # the few explained rows
                aff = (ctx.feat[rows] @ self._vac_feat[cols].T).toarray()
            out["occupation"] = np.float32(w.occupation) * np.minimum(aff, 1.0)
        regime = ctx.part_time[rows, None] & self._vac_full[None, cols]
        limits = ctx.limited[rows, None] & self._vac_physical[None, cols]
        if regime.any():
            out["regime"] = -np.float32(w.regime) * regime
        if limits.any():
            out["limits"] = -np.float32(w.limits) * limits
        return out

    def _topk(
        self,
        ctx: _WorkerContext,
        top: int,
        *,
        far: bool,
        subset: np.ndarray | None = None,
        n_jobs: int | None = None,
    ):
        all_rows = np.arange(len(ctx.workers)) if subset is None else subset
        n_jobs = self.n_jobs if n_jobs is None else n_jobs
        if not far and ctx.cos_min is not None and _REACH and _FUSED and _score_kernel():
            return self._reach_topk(ctx, top, all_rows, n_jobs)
        prepare, score = self._scorer(ctx, far=far)

        def block(rs: slice, cols: slice) -> np.ndarray:
            rows = all_rows[rs]
            return score(rows, cols, prepare(rows))

        return blocked_topk(
            block,
            len(all_rows),
            len(self.vacancies_),
            top,
            largest=True,
            block_rows=self.block_rows,
            n_jobs=n_jobs,
        )

    def _reach_topk(self, ctx: _WorkerContext, top: int, all_rows: np.ndarray, n_jobs: Any):
        """:meth:`_topk` within the commute limit, scoring only the vacancies each block of
        workers can reach (:mod:`doorstroom_match.reach`): the same indices and values."""
        from .reach import reach_topk

        index, placed = self._reach_index()
        back = np.empty(index.n, np.int64)
        back[index.perm] = np.arange(index.n)
        pctx = dataclasses.replace(
            ctx,
            fill=placed._engine.filler(ctx.levels, 1),
            hard_fill=None
            if ctx.hard_fill is None
            else placed._hard_engine.filler(
                np.ascontiguousarray(ctx.levels[:, self._hard_cols]), 1
            ),
            excluded={i: np.sort(back[ex]) for i, ex in ctx.excluded.items()},
        )
        prepare, score = placed._scorer(pctx, far=False)
        return reach_topk(
            lambda p: prepare(all_rows[p]),
            lambda p, cols, parts: score(all_rows[p], cols, parts),
            index,
            np.nan_to_num(ctx.xyz[all_rows], nan=0.0),
            ctx.cos_min[all_rows],
            top,
            n_jobs=n_jobs,
        )

    def _reach_index(self):
        """(the vacancies in place order, this Matcher restricted to that order), built once
        per fitted Matcher (thread-safe: the weekly batch ranks blocks on threads)."""
        cached = self.__dict__.get("_reach_cache")
        if cached is None:
            with _REACH_LOCK:
                cached = self.__dict__.get("_reach_cache")
                if cached is None:
                    from .reach import ReachIndex

                    index = ReachIndex(self._vac_xyz, self._runs)
                    placed = self._restricted(index.perm, scoring_only=True)
                    cached = self._reach_cache = (index, placed)
        return cached

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_reach_cache", None)  # rebuilt where it is needed (a Dask worker)
        return state

    def _scorer(self, ctx: _WorkerContext, *, far: bool):
        """(prepare, score): ``score(rows, cols, prepare(rows))`` is the score block of worker
        rows ``rows`` (ctx rows) against vacancies ``cols`` (a slice), ``-inf`` where a pair
        may not be suggested. ``prepare`` holds what the block's column slices share."""
        w = self.weights_
        allowed = self._allowed
        wk_xyz = np.nan_to_num(ctx.xyz, nan=0.0)

        kernel = None if far or not _FUSED else _score_kernel()
        if kernel is not None:  # one kernel per block (doorstroom_match/_score.py)
            from ._score import column_bits, row_bits, score_block

            col_bits = column_bits(
                self._unknown_req, allowed, self._vac_full, self._vac_physical, self._vac_high
            )
            sig = np.array(
                [w.competence_fit, w.cutoff, w.text, w.occupation, w.regime, w.limits]
                + [_UNKNOWN_FIT],
                np.float32,
            )
            low = ctx.low_skill if ctx.low_skill is not None and self.high_skill_rule else None
            bits_of_rows = row_bits(ctx.part_time, ctx.limited, low)
            run_of, run_xyz, run_unknown = self._runs

            def prepare(rows: np.ndarray) -> tuple[Any, Any, Any]:
                return (
                    None if ctx.vecs is None else self._vac_text.distinct(ctx.vecs[rows]),
                    None if ctx.feat is None else (ctx.feat[rows] @ self._occ_u_t).toarray(),
                    None
                    if ctx.cos_min is None
                    else near_runs(wk_xyz[rows], ctx.cos_min[rows], run_xyz, run_unknown),
                )

            def fused(rows: np.ndarray, cols: slice, parts: tuple[Any, Any, Any]) -> np.ndarray:
                d = np.empty((len(rows), cols.stop - cols.start), np.float32)
                _fill_rows(ctx.fill, rows, cols, d)
                tsim, aff, near = parts
                return score_block(
                    kernel,
                    d,
                    self._inv_worst[cols],
                    self._kind_bonus[cols],
                    col_bits[cols],
                    bits_of_rows[rows],
                    tsim=tsim,
                    tinv=None if tsim is None else self._vac_text.inverse[cols],
                    aff=aff,
                    oinv=None if aff is None else self._occ_inv[cols],
                    near=near,
                    ninv=None if near is None else run_of[cols],
                    require_cutoff=self.require_cutoff,
                    weights=sig,
                )

        else:

            def prepare(rows: np.ndarray) -> None:
                return None

        def score(rows: np.ndarray, cols: slice, parts: Any) -> np.ndarray:
            if kernel is not None:
                s = fused(rows, cols, parts)
            else:  # the numpy block: the reference of the fused one, and the far list
                parts = self._score(ctx, rows, cols)
                s = np.zeros((len(rows), cols.stop - cols.start), np.float32)
                for name in SIGNALS:
                    if name in parts:
                        s += parts[name]
                s[:, ~allowed[cols]] = -np.inf
                if self.require_cutoff:
                    s[~parts["passed"]] = -np.inf
                if ctx.low_skill is not None and self.high_skill_rule:
                    s[ctx.low_skill[rows, None] & self._vac_high[None, cols]] = -np.inf
                if ctx.cos_min is not None:  # per place, then per pair: the kernel's bits
                    run_of, run_xyz, run_unknown = self._runs
                    cos = unit_inner(wk_xyz[rows], run_xyz)[:, run_of[cols]]
                    unknown = (
                        run_unknown[run_of[cols]][None, :]
                        | (wk_xyz[rows] == 0).all(axis=1)[:, None]
                    )
                    near = (cos >= ctx.cos_min[rows, None]) | unknown
                    if not far:
                        s[~near] = -np.inf
                    else:  # beyond the limit only, nearest first: a penalty per km beyond it
                        s[near] = -np.inf
                        km = EARTH_RADIUS_KM * np.arccos(np.clip(cos, -1.0, 1.0))
                        over = np.maximum(km - ctx.km[rows, None], 0.0)
                        s -= np.float32(w.beyond_km) * over.astype(np.float32)
            # -inf stays -inf under the far penalty: these masks may come last
            if ctx.hard_fill is not None:
                hd = np.empty_like(s)
                _fill_rows(ctx.hard_fill, rows, cols, hd)
                s[hd > 0] = -np.inf
            for r, i in enumerate(rows.tolist()):
                ex = ctx.excluded.get(i)
                if ex is not None:
                    hit = ex[(ex >= cols.start) & (ex < cols.stop)] - cols.start
                    s[r, hit] = -np.inf
            return s

        return prepare, score

    def _prepare_explain(self, effective: list[Vacancy]) -> None:
        """Per-vacancy tables the bulk explanation reads (set by :meth:`fit`)."""
        ids = self.competence_ids_
        dicts: dict[int, int] = {}
        tables = []
        vac_dict = np.zeros(len(effective), dtype=np.int32)
        for j, v in enumerate(effective):
            n = dicts.get(id(v.dictionary))
            if n is None:
                n = dicts[id(v.dictionary)] = len(tables)
                comps = [v.dictionary.get(c) for c in ids]
                tables.append(
                    (
                        v.dictionary,
                        np.array(
                            [_GROUP_ORDER.get(c.group if c else "bijkomend", 3) for c in comps]
                        ),
                        [v.dictionary.label(c) for c in ids],
                        [c.group if c else "bijkomend" for c in comps],
                        [c.type if c else "generiek" for c in comps],
                    )
                )
            vac_dict[j] = n
        self._gap_tables = tables
        self._vac_dict = vac_dict
        self._group_order = np.stack([t[1] for t in tables]) if tables else np.zeros((0, len(ids)))
        # the gaps' last tie-break is the competence id
        self._id_rank = np.argsort(np.argsort(np.array(ids, dtype=object), kind="stable"))
        self._n_req = np.count_nonzero(self._req, axis=1)
        self._vac_json: dict[int, tuple[str, str, str, str]] = {}

    def _explain_rows(
        self,
        ctx: _WorkerContext,
        row: np.ndarray,
        col: np.ndarray,
        score: np.ndarray,
        within: np.ndarray,
    ) -> _Ranked:
        """Explain the selected rows in bulk: gaps, components and distances of every pair.

        The same values, bit for bit, as :meth:`_explain_reference` (one worker at a time):
        the elementwise signals are computed on all rows at once; the two products (text
        similarity through :class:`~doorstroom_match.core.ExactDot`, commute cosine through
        BLAS) are taken per worker exactly as there.
        """
        w = self.weights_
        n = row.size
        levels = ctx.levels[row]
        req = self._req[col]
        short = _shortfall_rows(levels, req)  # (n, C) int8
        d = (short.astype(np.float32) * self._wts[col]).sum(axis=1, dtype=np.float32)
        fit = 1.0 - d * self._inv_worst[col]
        unknown = self._unknown_req[col]
        fit[unknown] = _UNKNOWN_FIT
        passed = d == 0
        comps: dict[str, np.ndarray] = {
            "competence_fit": np.float32(w.competence_fit) * fit,
            "cutoff": np.float32(w.cutoff) * (passed & ~unknown),
            "kind": self._kind_bonus[col],
        }
        starts = np.searchsorted(row, np.arange(len(ctx.workers) + 1))
        cos = np.full(n, np.nan)
        sim = np.zeros(n, np.float32) if ctx.vecs is not None else None
        for i in np.flatnonzero(np.diff(starts)).tolist():
            s = slice(int(starts[i]), int(starts[i + 1]))
            idx = col[s]
            cos[s] = ctx.xyz[i] @ self._vac_xyz[idx].T  # nan when a postcode is unknown
            if sim is not None:
                sim[s] = self._vac_text(ctx.vecs[np.array([i])], idx)[0]
        if sim is not None:
            comps["text"] = np.float32(w.text) * np.clip(sim, 0.0, 1.0)
        if ctx.feat is not None:
            comps["occupation"] = np.float32(w.occupation) * np.minimum(
                self._pair_affinity(ctx.feat, row, col), 1.0
            )
        comps["regime"] = -np.float32(w.regime) * (ctx.part_time[row] & self._vac_full[col])
        comps["limits"] = -np.float32(w.limits) * (ctx.limited[row] & self._vac_physical[col])
        km = EARTH_RADIUS_KM * np.arccos(np.clip(cos, -1, 1))

        # gaps: every shortfall, most important first (largest weighted shortfall, then
        # kern/bijkomend/extra, then id), as _gaps_from_row orders them
        gp, gc = np.nonzero(short)
        g_short = short[gp, gc].astype(np.int64)
        wts = self._wts if self._wts64 is None else self._wts64
        g_weight = wts[col[gp], gc].astype(np.float64)
        g_weighted = g_weight * g_short
        group = self._group_order[self._vac_dict[col[gp]], gc]
        order = np.lexsort((self._id_rank[gc], group, -g_weighted, gp))
        gp, gc, g_short, g_weight, g_weighted = (
            x[order] for x in (gp, gc, g_short, g_weight, g_weighted)
        )
        gap_ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(gp, minlength=n), out=gap_ptr[1:])
        return _Ranked(
            matcher=self,
            workers=ctx.workers,
            limit_km=ctx.km,
            row=row,
            col=col,
            rank=np.arange(n) - starts[row] + 1,
            score=score,
            within=within,
            distance=_python_sums(g_weighted, gap_ptr),
            components=comps,
            km=km,
            gap_ptr=gap_ptr,
            gap_col=gc,
            gap_required=req[gp, gc].astype(np.int64),
            gap_level=levels[gp, gc].astype(np.int64),
            gap_short=g_short,
            gap_weight=g_weight,
        )

    def _vacancy_json(self, cols: list[int]) -> list[tuple[str, str, str, str, str]]:
        """JSON of each vacancy's fields in a row: kind, occupation, source, title, id."""
        cache = self._vac_json
        for j in [j for j in set(cols) if j not in cache]:  # other threads may add some
            vac = self.vacancies_[j]
            cache[j] = tuple(
                json.dumps(x, ensure_ascii=False)
                for x in (
                    vac.kind,
                    self.vacancy_occupations_[j],
                    self.requirements_source_[j],
                    vac.title,
                    vac.id,
                )
            )
        return [cache[j] for j in cols]

    def _pair_affinity(self, feat: Any, row: np.ndarray, col: np.ndarray) -> np.ndarray:
        """Occupation affinity of pairs: ``(feat[row[n]] @ vac_feat[col[n]].T)`` for each n.

        Summed over the worker's features in their stored order, as scipy's sparse product
        does, so the values are those of the product, bit for bit.
        """
        dt = np.result_type(feat.dtype, self._vac_feat.dtype)
        n_feat = self._vac_feat.shape[1]
        a0 = feat.indptr[row]
        n_a = feat.indptr[row + 1] - a0
        acc = np.zeros(row.size, dtype=dt)
        keys, vals = self._feat_keys, self._feat_vals
        for t in range(int(n_a.max(initial=0))):
            has = np.flatnonzero(n_a > t)
            at = a0[has] + t
            key = col[has] * n_feat + feat.indices[at]
            pos = np.minimum(np.searchsorted(keys, key), max(keys.size - 1, 0))
            hit = keys[pos] == key if keys.size else np.zeros(has.size, bool)
            b = np.where(hit, vals[pos] if keys.size else 0, 0).astype(dt)
            acc[has] = acc[has] + feat.data[at].astype(dt) * b
        return acc

    def _explain_reference(self, ctx: _WorkerContext, i: int, found: list[tuple[int, float, bool]]):
        if not found:
            return []
        worker = ctx.workers[i]
        idx = np.array([j for j, _, _ in found], dtype=np.int64)
        short = shortfall_matrix(ctx.levels[i], self._req[idx])  # (k, C) int8
        weighted = short.astype(np.float32) * self._wts[idx]
        d = weighted.sum(axis=1, dtype=np.float32)[None, :]
        parts = self._score(ctx, np.array([i]), idx, d=d)
        comps_all = [
            {
                k: float(parts[k][0, n])
                for k in SIGNALS
                if k in parts and (k not in _FLAGS or parts[k][0, n] != 0)
            }
            for n in range(len(idx))
        ]
        cos = ctx.xyz[i] @ self._vac_xyz[idx].T  # nan when a postcode is unknown
        target_known = bool(self._targets_known([worker])[0])
        out = []
        for rank, ((j, score, within), comps, sh, c) in enumerate(
            zip(found, comps_all, short, cos, strict=True), start=1
        ):
            vac = self.vacancies_[j]
            gaps = _gaps_from_row(self._effective[j], worker, sh, self.competence_ids_)
            km = None if np.isnan(c) else EARTH_RADIUS_KM * float(np.arccos(np.clip(c, -1, 1)))
            source = self.requirements_source_[j]
            out.append(
                Match(
                    vacancy_id=vac.id,
                    score=float(score),
                    passes_cutoff=not gaps,
                    distance=float(sum(g.weighted for g in gaps)),
                    gaps=gaps,
                    rank=rank,
                    kind=vac.kind,
                    title=vac.title,
                    employer=vac.employer,
                    worker_id=worker.id,
                    components=MappingProxyType(comps),
                    reasons=_reasons(
                        vac,
                        self._effective[j],
                        gaps,
                        comps,
                        km,
                        source,
                        within,
                        None if ctx.km is None else ctx.km[i],
                        target_known,
                    ),
                    commute_km=km,
                    within_commute=within,
                    requirements_source=source,
                    occupation_uri=self.vacancy_occupations_[j],
                )
            )
        return out


SIGNALS = ("competence_fit", "cutoff", "kind", "text", "occupation", "regime", "limits")
_FLAGS = ("regime", "limits")  # shown only where they apply


@dataclass
class _WorkerContext:
    """Per-rank() arrays of the workers (the fitted Matcher itself is never changed)."""

    workers: list[WorkerProfile]
    levels: np.ndarray
    fill: Any = None
    hard_fill: Any = None
    xyz: np.ndarray | None = None
    km: np.ndarray | None = None
    cos_min: np.ndarray | None = None
    vecs: np.ndarray | None = None
    feat: Any = None
    low_skill: np.ndarray | None = None
    part_time: np.ndarray | None = None
    limited: np.ndarray | None = None
    excluded: dict[int, np.ndarray] = field(default_factory=dict)


#: Whether :meth:`Matcher._topk` scores its blocks with the fused kernel where numba is
#: installed (tests set it to False to run the numpy block, its reference).
_FUSED = True

#: Whether the fused ranking within the commute limit scores only the vacancies a block of
#: workers can reach (:mod:`doorstroom_match.reach`; tests set it to False for the reference).
_REACH = True
_REACH_LOCK = threading.Lock()


def _score_kernel() -> Any:
    from ._score import compiled_kernel

    return compiled_kernel()


def _distinct_rows(feat: Any, gi: np.ndarray, gp: np.ndarray) -> tuple[Any, np.ndarray]:
    """(the distinct rows of ``feat`` transposed, shape (n_features, n_distinct), CSR; the
    column of each row, shape (n,), int64). Rows are the same exactly when their guesses
    ``gi``/``gp`` (shape (n, k)) are: the features are a function of them."""
    n = feat.shape[0]
    if n == 0:
        return feat.T.tocsr(), np.zeros(0, np.int64)
    raw = np.concatenate(
        [
            np.ascontiguousarray(gi, dtype=np.int64).view(np.uint8).reshape(n, -1),
            np.ascontiguousarray(gp, dtype=np.float32).view(np.uint8).reshape(n, -1),
        ],
        axis=1,
    )
    first, inverse = distinct_rows(raw)
    return feat[first].T.tocsr(), inverse


def _fill_rows(fill: Any, rows: np.ndarray, cols: slice, out: np.ndarray) -> None:
    """The core engine's distances for arbitrary worker rows: contiguous rows, or any rows
    with the lookup tables, in one call; otherwise (the product) one call per row.

    The ranking by place (:mod:`doorstroom_match.reach`) scores workers sorted by place, which
    are rarely contiguous: one call per row and place run cost about 5 us each, far more than
    the few hundred distances of the call (58,762 calls for 37 million pairs at 5,000 x
    20,000)."""
    if len(rows) and rows[-1] - rows[0] == len(rows) - 1 and (np.diff(rows) == 1).all():
        fill(slice(int(rows[0]), int(rows[-1]) + 1), cols, out)
        return
    if getattr(fill, "any_rows", False):
        fill(rows, cols, out)
        return
    for r, i in enumerate(rows.tolist()):
        fill(slice(i, i + 1), cols, out[r : r + 1])


def _gaps_from_row(
    vacancy: Vacancy, worker: WorkerProfile, short_row: np.ndarray, competence_ids: Sequence[str]
) -> list[Gap]:
    """Gaps of one pair from the core's shortfall row (columns follow ``competence_ids``)."""
    dictionary = vacancy.dictionary
    gaps = []
    for c in np.flatnonzero(short_row).tolist():
        cid = competence_ids[c]
        required = int(vacancy.requirements[cid])
        actual = worker.competences.get(cid)
        comp = dictionary.get(cid)
        gaps.append(
            Gap(
                competence=cid,
                required=required,
                actual=actual,
                shortfall=int(short_row[c]),
                assessed=actual is not None,
                weight=float(vacancy.weights[cid]),
                label=dictionary.label(cid),
                group=comp.group if comp else "bijkomend",
                type=comp.type if comp else "generiek",
            )
        )
    gaps.sort(key=lambda g: (-g.weighted, _GROUP_ORDER.get(g.group, 3), g.competence))
    return gaps


_KIND_NL = {
    "vacancy": "vacature",
    "tbs": "TBS-plaats (terbeschikkingstelling)",
    "bvs": "BVS (beroepsverkennende stage)",
    "enclave": "enclave",
}


#: A title whose text signal is above this "sluit deels aan bij het jobdoelwit".
_TITLE_PARTLY = 0.04

#: The reason of a match that has nothing to do with a recognised job target.
UNRELATED_REASON = (
    "gekozen op bereik en competenties: geen verwantschap met het jobdoelwit gevonden"
)


def _reasons(
    vac: Vacancy,
    effective: Vacancy,
    gaps: list[Gap],
    comps: Mapping[str, float],
    km: float | None,
    source: str = "vacancy",
    within: bool = True,
    limit_km: float | None = None,
    target_known: bool = False,
) -> tuple[str, ...]:
    """The Dutch reasons of one match, most telling first.

    ``target_known``: the worker's job target names an occupation the model recognises; a
    match then says so when neither its occupation nor its title has anything to do with
    the target (work within reach that a short commute limit leaves, for instance).
    """
    out = []
    occ = comps.get("occupation", 0.0)
    if occ >= 0.8:
        out.append("zelfde beroep als het jobdoelwit")
    elif occ >= 0.35:
        out.append("verwant beroep (zelfde beroepsgroep als het jobdoelwit)")
    elif occ >= 0.1:
        out.append("beroep uit hetzelfde domein als het jobdoelwit")
    elif target_known and comps.get("text", 0) <= _TITLE_PARTLY:
        out.append(UNRELATED_REASON)
    n_req = len(effective.requirements)
    inferred = " (afgeleid van het beroep: de vacature noemt geen minimumniveaus)"
    if source == "none":
        out.append("de vacature noemt geen minimumniveaus en het beroep is onbekend")
    elif not gaps:
        out.append(
            f"voldoet aan alle {n_req} minimumniveaus" + (inferred if source == "inferred" else "")
        )
    else:
        missing = [g for g in gaps if not g.assessed]
        short = [g for g in gaps if g.assessed]
        if short:
            out.append(
                f"{len(short)} van {n_req} competenties onder het minimum"
                + (inferred if source == "inferred" else "")
                + ": "
                + "; ".join(g.describe() for g in short[:3])
                + (" …" if len(short) > 3 else "")
            )
        if missing:
            out.append("niet aangetoond (nooit gemeten): " + ", ".join(g.label for g in missing))
    if comps.get("text", 0) > 0.12:
        out.append("de functietitel sluit goed aan bij het jobdoelwit")
    elif comps.get("text", 0) > _TITLE_PARTLY:
        out.append("de functietitel sluit deels aan bij het jobdoelwit")
    if comps.get("regime", 0) < 0:
        out.append("let op: voltijdse job, de werknemer werkt deeltijds")
    if comps.get("limits", 0) < 0:
        out.append("let op: fysiek zwaar beroep; bekijk de fysieke/medische beperkingen")
    out.append(_KIND_NL[vac.kind])
    if km is not None:
        out.append(f"{km:.0f} km van de woonplaats (vogelvlucht)")
    if not within:
        lim = "" if limit_km is None or not np.isfinite(limit_km) else f" van {limit_km:.0f} km"
        out.append(f"verder dan de pendelgrens{lim}: te weinig plaatsen binnen bereik")
    return tuple(out)


def _python_sums(
    values: np.ndarray, ptr: np.ndarray, compensated: bool | None = None
) -> np.ndarray:
    """``float(sum(values[ptr[n]:ptr[n + 1]]))`` for every n, as Python's ``sum`` adds.

    Python adds floats one by one from the left (3.11) or with Neumaier's compensation
    (3.12 and later); both are done here for all segments at once, so a gap list's
    distance is the one ``sum(g.weighted for g in gaps)`` gives, bit for bit
    (``compensated``: Neumaier's way or not; by default the way of this Python).
    """
    n = ptr.size - 1
    counts = np.diff(ptr)
    total = np.zeros(n, dtype=np.float64)
    comp = np.zeros(n, dtype=np.float64)
    if n == 0 or values.size == 0:
        return total
    seg = np.repeat(np.arange(n), counts)
    pos = np.arange(values.size) - ptr[seg]
    if compensated is None:
        compensated = sys.version_info >= (3, 12)
    for t in range(int(counts.max())):
        at = np.flatnonzero(pos == t)
        r, x = seg[at], values[at]
        s = total[r]
        if t == 0:
            total[r] = 0 + x
            continue
        new = s + x
        if compensated:
            big = np.abs(s) >= np.abs(x)
            comp[r] += np.where(big, (s - new) + x, (x - new) + s)
        total[r] = new
    if compensated:
        fix = (comp != 0) & np.isfinite(comp)
        total[fix] += comp[fix]
    return total


def _json_rounded(values: np.ndarray, ndigits: int, *, few: bool = False) -> list[str]:
    """``json.dumps(round(float(v), ndigits))`` of every value (``nan``: ``null`` instead).

    ``few``: a column with few distinct values (a weight times a flag, a distance): each
    distinct bit pattern is formatted once (-0.0 and 0.0 apart: their text differs).
    """
    if few and values.size > 16:
        bits = np.ascontiguousarray(values, dtype=np.float64).view(np.uint64)
        uniq, inv = np.unique(bits, return_inverse=True)
        text = _json_rounded(uniq.view(np.float64), ndigits)
        return [text[i] for i in inv.reshape(-1).tolist()]
    out = list(map(float.__repr__, map(round, values.tolist(), repeat(ndigits))))
    bad = np.flatnonzero(~np.isfinite(values))
    for i in bad.tolist():
        v = float(values[i])
        out[i] = "null" if np.isnan(v) else json.dumps(round(v, ndigits))
    return out


_JSON_TRUE_FALSE = ("false", "true")
_FEW = frozenset({"cutoff", "kind", "occupation", "regime", "limits"})  # few distinct values
_COMPONENT_KEYS = tuple(sorted(SIGNALS))  # the order of json.dumps(..., sort_keys=True)
_ROW = (
    '{"commute_km": %s, "components": {%s}, "distance": %s, "gaps": [%s], "kind": %s, '
    '"new": %s, "occupation_uri": %s, "passes_cutoff": %s, "rank": %d, '
    '"requirements_source": %s, "score": %s, "title": %s, "vacancy_id": %s, '
    '"within_commute": %s, "worker_id": %s}'
)
_GAP = '{"actual": %s, "assessed": %s, "competence": %s, "required": %d, "shortfall": %d}'


class _RowMatch:
    """One row of a ranked block with the attributes of :class:`Match` (the weekly
    bulletin's view, :meth:`_Ranked.worker_rows`): ``components`` and ``reasons`` are built
    from the block's arrays when first read, and are then the same values as the
    :class:`Match` of that row holds."""

    __slots__ = (
        "vacancy_id", "score", "passes_cutoff", "distance", "gaps", "rank", "kind", "title",
        "employer", "worker_id", "commute_km", "within_commute", "requirements_source",
        "occupation_uri", "_of", "_components", "_reasons",
    )  # fmt: skip

    @property
    def components(self) -> Mapping[str, float]:
        try:
            return self._components
        except AttributeError:
            ranked, n, _, _ = self._of
            self._components = MappingProxyType(ranked._components(n))
            return self._components

    @property
    def reasons(self) -> tuple[str, ...]:
        try:
            return self._reasons
        except AttributeError:
            ranked, _, i, j = self._of
            self._reasons = ranked._reasons_of(
                i,
                j,
                self.gaps,
                self.components,
                self.commute_km,
                self.requirements_source,
                self.within_commute,
            )
            return self._reasons


@dataclass(frozen=True)
class _Ranked:
    """The explained rows of one :meth:`Matcher._ranked` call, as arrays.

    One entry per row (a worker-vacancy pair), grouped by worker, best first; the gaps of
    row ``n`` are entries ``gap_ptr[n]:gap_ptr[n + 1]`` of the ``gap_*`` arrays, most
    important first. Everything :class:`Match` holds is here or in the fitted matcher.
    """

    matcher: Matcher
    workers: list[WorkerProfile]
    limit_km: np.ndarray | None  # (n_workers,) commute limit, when there is one
    row: np.ndarray  # (n,) int64, position of the worker in ``workers``
    col: np.ndarray  # (n,) int64, vacancy index of the matcher
    rank: np.ndarray  # (n,) int64, 1 for a worker's best
    score: np.ndarray  # (n,) float32
    within: np.ndarray  # (n,) bool
    distance: np.ndarray  # (n,) float64, the sum of the gaps' weighted shortfalls
    components: dict[str, np.ndarray]  # signal -> (n,) weighted contribution
    km: np.ndarray  # (n,) float64, nan when a postcode is unknown
    gap_ptr: np.ndarray  # (n + 1,) int64
    gap_col: np.ndarray  # (n_gaps,) competence column
    gap_required: np.ndarray  # (n_gaps,) int64
    gap_level: np.ndarray  # (n_gaps,) int64, 0 when never rated
    gap_short: np.ndarray  # (n_gaps,) int64
    gap_weight: np.ndarray  # (n_gaps,) float64

    @cached_property
    def _gap_values(self) -> dict[tuple, Gap]:
        """The :class:`Gap` objects built so far, by (dictionary, column, minimum, level,
        weight)."""
        return {}

    @cached_property
    def _targets_known(self) -> list[bool]:
        """Per worker, whether the model recognises its job target (for the reasons)."""
        return self.matcher._targets_known(self.workers).tolist()

    @cached_property
    def _shown(self) -> dict[str, np.ndarray | None]:
        """Per signal, where it is shown: everywhere (None), or only where it applies."""
        return {
            k: (v != 0 if k in _FLAGS else None)
            for k, v in self.components.items()
            if k not in _FLAGS or (v != 0).any()
        }

    def matches(self, *, portable: bool = False) -> list[list[Match]]:
        """One list of :class:`Match` per worker, as :meth:`Matcher.rank` returns.

        ``portable``: components as a plain dict, which pickles (a Dask result), instead of
        a read-only mapping."""
        out: list[list[Match]] = [[] for _ in self.workers]
        for i, m in zip(self.row.tolist(), self._build(0, self.row.size, portable), strict=True):
            out[i].append(m)
        return out

    def worker_matches(self, i: int, *, portable: bool = False) -> list[Match]:
        """The :class:`Match` list of ``workers[i]`` alone (``matches()[i]``, built on demand:
        the weekly bulletin builds each worker's list where its page is rendered)."""
        lo, hi = np.searchsorted(self.row, [i, i + 1]).tolist()
        return self._build(lo, hi, portable)

    def worker_rows(self, i: int) -> list[_RowMatch]:
        """The rows of ``workers[i]`` as the weekly bulletin reads them: the attributes of
        :class:`Match`, with the reasons and components built when first read (the bulletin
        reads the reasons of a worker's three cards, not of every row)."""
        lo, hi = np.searchsorted(self.row, [i, i + 1]).tolist()
        if hi <= lo:
            return []
        m = self.matcher
        gaps_all, ptr = self._gaps(lo, hi)
        out: list[_RowMatch] = []
        for n, (j, rank, score, within, dist, km) in enumerate(self._row_values(lo, hi)):
            vac = m.vacancies_[j]
            r = _RowMatch()
            r.vacancy_id, r.score, r.distance, r.rank = vac.id, score, dist, rank
            r.gaps = gaps = gaps_all[ptr[n] : ptr[n + 1]]
            r.passes_cutoff = not gaps
            r.kind, r.title, r.employer = vac.kind, vac.title, vac.employer
            r.worker_id = self.workers[i].id
            r.commute_km = None if km != km else km
            r.within_commute = within
            r.requirements_source = m.requirements_source_[j]
            r.occupation_uri = m.vacancy_occupations_[j]
            r._of = (self, lo + n, i, j)
            out.append(r)
        return out

    def _row_values(self, lo: int, hi: int) -> Any:
        """(vacancy column, rank, score, within, distance, km) of each row of ``lo:hi``, as
        Python values."""
        return zip(
            self.col[lo:hi].tolist(),
            self.rank[lo:hi].tolist(),
            self.score[lo:hi].tolist(),
            self.within[lo:hi].tolist(),
            self.distance[lo:hi].tolist(),
            self.km[lo:hi].tolist(),
            strict=True,
        )

    def _reasons_of(
        self,
        i: int,
        j: int,
        gaps: list[Gap],
        comps: Mapping[str, float],
        km: float | None,
        source: str,
        within: bool,
    ) -> tuple[str, ...]:
        """The reasons of the row of ``workers[i]`` and the matcher's vacancy ``j``."""
        m = self.matcher
        return _reasons(
            m.vacancies_[j],
            m._effective[j],
            gaps,
            comps,
            km,
            source,
            within,
            None if self.limit_km is None else self.limit_km[i],
            self._targets_known[i],
        )

    def _components(self, n: int) -> dict[str, float]:
        """The weighted signals of row ``n`` as :class:`Match` holds them."""
        shown = self._shown
        return {
            k: float(self.components[k][n])
            for k in SIGNALS
            if k in shown and (shown[k] is None or bool(shown[k][n]))
        }

    def _gaps(self, lo: int, hi: int) -> tuple[list[Gap], list[int]]:
        """The :class:`Gap` objects of rows ``lo:hi`` in row order, and where each row's
        start (``ptr[n]:ptr[n + 1]`` for row ``lo + n``)."""
        m = self.matcher
        ids = m.competence_ids_
        g0, g1 = int(self.gap_ptr[lo]), int(self.gap_ptr[hi])
        ptr = (self.gap_ptr[lo : hi + 1] - g0).tolist()
        col = self.col[lo:hi]
        gap_dict = m._vac_dict[np.repeat(col, np.diff(self.gap_ptr[lo : hi + 1]))]
        # a gap is a value: rows with the same (competence, minimum, level, weight) share one,
        # across the calls for the workers of this block
        cache = self._gap_values
        gaps_all = []
        for key in zip(
            gap_dict.tolist(),
            self.gap_col[g0:g1].tolist(),
            self.gap_required[g0:g1].tolist(),
            self.gap_level[g0:g1].tolist(),
            self.gap_weight[g0:g1].tolist(),
            strict=True,
        ):
            g = cache.get(key)
            if g is None:
                t, c, r, lv, wt = key
                g = cache[key] = Gap(
                    competence=ids[c],
                    required=r,
                    actual=lv or None,
                    shortfall=r - lv,
                    assessed=lv != 0,
                    weight=wt,
                    label=m._gap_tables[t][2][c],
                    group=m._gap_tables[t][3][c],
                    type=m._gap_tables[t][4][c],
                )
            gaps_all.append(g)
        return gaps_all, ptr

    def _build(self, lo: int, hi: int, portable: bool) -> list[Match]:
        """The :class:`Match` objects of rows ``lo:hi``, in row order."""
        m = self.matcher
        if hi <= lo:
            return []
        gaps_all, ptr = self._gaps(lo, hi)
        # shown per signal over all rows (a flag appears where it applies), then sliced
        shown = self._shown
        values = {k: self.components[k][lo:hi].tolist() for k in SIGNALS if k in shown}
        masks = {k: v[lo:hi].tolist() for k, v in shown.items() if v is not None}
        out: list[Match] = []
        for n, (i, (j, rank, score, within, dist, km)) in enumerate(
            zip(self.row[lo:hi].tolist(), self._row_values(lo, hi), strict=True)
        ):
            comps = {k: v[n] for k, v in values.items() if k not in masks or masks[k][n]}
            gaps = gaps_all[ptr[n] : ptr[n + 1]]
            vac = m.vacancies_[j]
            source = m.requirements_source_[j]
            km_ = None if km != km else km
            out.append(
                Match(
                    vacancy_id=vac.id,
                    score=score,
                    passes_cutoff=not gaps,
                    distance=dist,
                    gaps=gaps,
                    rank=rank,
                    kind=vac.kind,
                    title=vac.title,
                    employer=vac.employer,
                    worker_id=self.workers[i].id,
                    components=comps if portable else MappingProxyType(comps),
                    reasons=self._reasons_of(i, j, gaps, comps, km_, source, within),
                    commute_km=km_,
                    within_commute=within,
                    requirements_source=source,
                    occupation_uri=m.vacancy_occupations_[j],
                )
            )
        return out

    def jsonl(self, new: np.ndarray) -> tuple[str, list[tuple[str, str, int, float, bool]]]:
        """The rows of ``matches.jsonl`` and of the store, without building any object.

        Parameters
        ----------
        new : ndarray of shape (n_vacancies,), bool
            Whether each of the matcher's vacancies is new this week.

        Returns
        -------
        text : str
            One line per row, the same bytes as ``json.dumps(record, sort_keys=True,
            ensure_ascii=False, separators=(", ", ": "))`` of ``Match.to_record()`` with
            ``new`` and ``within_commute`` added; joined by newlines, no newline at the end
            ("" when there is no row).
        store_rows : list of (worker_id, vacancy_id, rank, score, new)
            ``score`` rounded to 6 decimals, as in the file.
        """
        m = self.matcher
        n = self.row.size
        if not n:
            return "", []
        cols = self.col.tolist()
        vac_json = m._vacancy_json(cols)
        wid = [json.dumps(w.id, ensure_ascii=False) for w in self.workers]
        row_wid = [wid[i] for i in self.row.tolist()]
        # components: ', "key": value' pieces per row, '' where a flag does not apply
        shown = self._shown
        pieces = []
        for k in _COMPONENT_KEYS:
            if k not in shown:
                continue
            head = f', "{k}": '
            vals = [head + x for x in _json_rounded(self.components[k], 6, few=k in _FEW)]
            if shown[k] is not None:
                vals = [x if s else "" for x, s in zip(vals, shown[k].tolist(), strict=True)]
            pieces.append(vals)
        comps = [s[2:] for s in map("".join, zip(*pieces, strict=True))]
        # gaps: one string per (competence, required, level), shared by every row
        ids = m.competence_ids_
        codes = (self.gap_col * 5 + self.gap_required) * 5 + self.gap_level
        uniq, inv = np.unique(codes, return_inverse=True)
        texts = []
        for code in uniq.tolist():
            c, rest = divmod(code, 25)
            r, lv = divmod(rest, 5)
            texts.append(
                _GAP
                % (
                    lv if lv else "null",
                    _JSON_TRUE_FALSE[lv != 0],
                    json.dumps(ids[c], ensure_ascii=False),
                    r,
                    r - lv,
                )
            )
        entries = [texts[x] for x in inv.reshape(-1).tolist()]
        ptr = self.gap_ptr.tolist()
        gaps = [", ".join(entries[a:b]) for a, b in zip(ptr[:-1], ptr[1:], strict=True)]
        passes = [_JSON_TRUE_FALSE[a == b] for a, b in zip(ptr[:-1], ptr[1:], strict=True)]
        scores = list(map(round, self.score.tolist(), repeat(6)))
        is_new = new[self.col].tolist()
        lines = map(
            _ROW.__mod__,
            zip(
                _json_rounded(self.km, 1),
                comps,
                _json_rounded(self.distance, 6, few=True),
                gaps,
                [v[0] for v in vac_json],
                [_JSON_TRUE_FALSE[x] for x in is_new],
                [v[1] for v in vac_json],
                passes,
                self.rank.tolist(),
                [v[2] for v in vac_json],
                _json_rounded(self.score, 6),
                [v[3] for v in vac_json],
                [v[4] for v in vac_json],
                [_JSON_TRUE_FALSE[x] for x in self.within.tolist()],
                row_wid,
                strict=True,
            ),
        )
        text = "\n".join(lines)
        vids = [m.vacancy_ids_[j] for j in cols]
        store = list(
            zip(
                [self.workers[i].id for i in self.row.tolist()],
                vids,
                self.rank.tolist(),
                scores,
                is_new,
                strict=True,
            )
        )
        return text, store


def match(
    worker: WorkerProfile | Mapping[str, Any],
    vacancies: Sequence[Vacancy | Mapping[str, Any]],
    top: int = 10,
    **params: Any,
) -> list[Match]:
    """The best vacancies and internship places for one worker, best first.

    Parameters
    ----------
    worker : WorkerProfile or record
    vacancies : sequence of Vacancy or records
    top : int, default=10
        How many to return (fewer only when fewer pass the hard filters).
    **params
        Any :class:`Matcher` parameter (``text``, ``kinds``, ``max_km``, ``require_cutoff``, ...).

    Returns
    -------
    list of Match

    Examples
    --------
    >>> from doorstroom_match import WorkerProfile, Vacancy, match
    >>> w = WorkerProfile("W1", {"samenwerken": "goed", "nauwkeurigheid": "matig"})
    >>> vs = [Vacancy("V1", "magazijnier", requirements={"samenwerken": 3, "nauwkeurigheid": 3}),
    ...       Vacancy("V2", "magazijnier", requirements={"samenwerken": 3})]
    >>> [(m.vacancy_id, m.passes_cutoff, m.distance) for m in match(w, vs)]
    [('V2', True, 0.0), ('V1', False, 1.0)]
    """
    if isinstance(worker, Sequence) and not isinstance(worker, str | Mapping):
        raise ValidationError(
            "match() ranks for one worker; use Matcher(...).fit(vacancies).rank(workers) for many"
        )
    return Matcher(**params).fit(vacancies).rank([worker], top=top)[0]
