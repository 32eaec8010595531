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

import datetime as _dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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
from .competences import CompetenceDictionary, default_dictionary
from .core import (
    blocked_topk,
    encode_levels,
    encode_requirements,
    level_features,
    requirement_features,
)
from .profiles import KINDS, Vacancy, WorkerProfile

__all__ = [
    "Gap",
    "Match",
    "RankingWeights",
    "Matcher",
    "match",
    "gaps_for",
    "as_workers",
    "as_vacancies",
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
        from .competences import LEVEL_LABELS

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
        }


@dataclass(frozen=True)
class RankingWeights:
    """Weights of the ranking signals (see the module docstring).

    The defaults make competence fit the main signal, with the job target's text and
    occupation next; a worker who passes the cut-off gets a clear bonus.
    """

    competence_fit: float = 0.5
    cutoff: float = 0.2
    text: float = 0.3
    occupation: float = 0.15
    kind: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType(
            {"vacancy": 0.0, "tbs": 0.05, "bvs": 0.0, "enclave": 0.0}
        )
    )

    def __post_init__(self) -> None:
        for name in ("competence_fit", "cutoff", "text", "occupation"):
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
    extra competences, then by id.
    """
    dictionary = vacancy.dictionary
    gaps = []
    for cid, required in vacancy.requirements.items():
        actual = worker.competences.get(cid)
        level = actual or 0
        if level >= required:
            continue
        comp = dictionary.get(cid)
        gaps.append(
            Gap(
                competence=cid,
                required=required,
                actual=actual,
                shortfall=required - level,
                assessed=actual is not None,
                weight=float(vacancy.weights[cid]),
                label=dictionary.label(cid),
                group=comp.group if comp else "bijkomend",
                type=comp.type if comp else "generiek",
            )
        )
    gaps.sort(key=lambda g: (-g.weighted, _GROUP_ORDER.get(g.group, 3), g.competence))
    return gaps


class Matcher:
    """Ranks vacancies and internship places for workers.

    Follows the estimator contract: parameters are stored by ``__init__``, :meth:`fit` prepares
    the vacancies (arrays, text vectors) and :meth:`rank` scores workers against them in blocks.

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
        What of the vacancy is compared with the job target: the title (job targets are
        titles too) or title and description.
    occupations : None or fitted title normaliser, default=None
        A fitted :class:`doorstroom_match.text.TitleNormalizer` (or any object with
        ``predict_uris(texts) -> list[str | None]`` and ``isco_group(uri)``); enables the
        occupation-agreement signal. A vacancy's ``occupation_uri`` is used when given, else
        its title is mapped.
    kinds : sequence of str, optional
        Only these kinds of place (``vacancy``, ``tbs``, ``bvs``, ``enclave``).
    max_km : float or 'worker' or None, default='worker'
        Commute filter as the crow flies: a number for everyone, ``'worker'`` for each worker's
        own ``max_commute_km`` (when known), ``None`` for no filter. Pairs with an unknown
        postcode are never excluded.
    hard_competences : sequence of str, default=()
        Competences on which any shortfall excludes the vacancy (e.g.
        ``["taalkennis_nederlands"]`` for a language-level filter).
    require_cutoff : bool, default=False
        Exclude vacancies whose cut-off the worker does not pass.
    on_date : date, optional
        Exclude vacancies whose ``valid_until`` lies before this date.
    dictionary : CompetenceDictionary, optional
    fit_text : bool, default=True
        Fit the text encoder on the vacancy texts in :meth:`fit`. Set False for an encoder
        fitted beforehand (a fixed vocabulary keeps cached vectors valid week after week).
    block_rows : int, optional
        Workers per scoring block (memory bound).
    """

    def __init__(
        self,
        *,
        weights: RankingWeights | None = None,
        text: Any = "tfidf",
        text_field: str = "title",
        occupations: Any = None,
        kinds: Sequence[str] | None = None,
        max_km: float | str | None = "worker",
        hard_competences: Sequence[str] = (),
        require_cutoff: bool = False,
        on_date: _dt.date | None = None,
        dictionary: CompetenceDictionary | None = None,
        fit_text: bool = True,
        block_rows: int | None = None,
    ) -> None:
        self.weights = weights
        self.text = text
        self.text_field = text_field
        self.occupations = occupations
        self.kinds = kinds
        self.max_km = max_km
        self.hard_competences = hard_competences
        self.require_cutoff = require_cutoff
        self.on_date = on_date
        self.dictionary = dictionary
        self.fit_text = fit_text
        self.block_rows = block_rows

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
        self.dictionary_ = self.dictionary or default_dictionary()
        self.hard_ = tuple(self.dictionary_.resolve(c) for c in self.hard_competences)

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
        extra = sorted({c for v in vacs for c in v.requirements} - set(self.dictionary_.ids))
        self.competence_ids_ = (*self.dictionary_.ids, *extra)
        req, wts = encode_requirements(vacs, self.competence_ids_)
        self._req, self._wts = req, wts
        rf = requirement_features(req, wts)
        self._rft = np.ascontiguousarray(rf.T)
        worst = (req.astype(np.float32) * wts).sum(axis=1)
        self._inv_worst = np.where(worst > 0, 1.0 / np.maximum(worst, 1e-12), 0.0).astype(
            np.float32
        )
        w = self.weights_
        self._kind_bonus = np.array([w.kind[v.kind] for v in vacs], dtype=np.float32)
        allowed = np.array([v.kind in self.kinds_ for v in vacs])
        if self.on_date is not None:
            allowed &= np.array(
                [v.valid_until is None or v.valid_until >= self.on_date for v in vacs]
            )
        self._allowed = allowed
        if self.hard_:
            cols = [self.competence_ids_.index(c) for c in self.hard_]
            self._hard_cols = np.array(cols)
            self._hard_rft = np.ascontiguousarray(
                requirement_features(req[:, cols], np.ones((len(vacs), len(cols)), np.float32)).T
            )
        from .geo import postcode_coordinates, unit_vectors

        self._vac_xyz = unit_vectors(postcode_coordinates([v.postcode for v in vacs]))
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
                if self.text == "tfidf" and len(vacs) > 2000:
                    params["n_components"] = 256  # dense vocabulary vectors would not fit
                enc = make_encoder(self.text, **params)
            if self.fit_text:
                enc.fit(texts)
            self.encoder_ = enc
            if vacancy_vectors is None:
                vacancy_vectors = enc.encode(texts)
            vecs = check_finite_vectors(vacancy_vectors, "vacancy_vectors")  # NaN would drop rows
            if vecs.ndim != 2 or vecs.shape[0] != len(vacs):
                raise ValidationError(
                    f"vacancy_vectors must have shape ({len(vacs)}, d), got {vecs.shape}"
                )

            self._vac_vecs = vecs
        self._vac_occ = None
        if self.occupations is not None and w.occupation > 0:
            self._vac_occ = self._occupation_codes(
                [v.occupation_uri for v in vacs], [v.title for v in vacs]
            )
        return self

    def _occupation_codes(self, uris: list[str | None], texts: list[str | None]):
        """(uri code, isco code) per item; unknown occupations get unique negative codes."""
        model = self.occupations
        if not hasattr(model, "predict_uris"):  # a fitted text.TitleNormalizer
            model = _NormalizerOccupations(model)
        todo = [i for i, u in enumerate(uris) if not u and texts[i]]
        if todo:
            predicted = model.predict_uris([texts[i] for i in todo])
            uris = list(uris)
            for i, u in zip(todo, predicted, strict=True):
                uris[i] = u
        if not hasattr(self, "_occ_vocab"):
            self._occ_vocab: dict[str, int] = {}
            self._occ_unknown = 0
        codes = np.empty(len(uris), np.int64)
        groups = np.empty(len(uris), np.int64)

        def unknown() -> int:  # never equal to any other code, of workers or vacancies
            self._occ_unknown -= 1
            return self._occ_unknown

        for i, u in enumerate(uris):
            if u:
                codes[i] = self._occ_vocab.setdefault(u, len(self._occ_vocab))
                g = model.isco_group(u)
                key = f"isco:{g}"
                groups[i] = (
                    self._occ_vocab.setdefault(key, len(self._occ_vocab)) if g else unknown()
                )
            else:
                codes[i] = unknown()
                groups[i] = unknown()
        return codes, groups

    def _check_fitted(self) -> None:
        if not hasattr(self, "vacancies_"):
            raise NotFittedError(
                "this Matcher is not fitted yet; call fit(vacancies) before rank()/match()"
            )

    # ------------------------------------------------------------------ rank
    def rank(
        self, workers: Sequence[WorkerProfile | Mapping[str, Any]], top: int = 10
    ) -> list[list[Match]]:
        """The best ``top`` vacancies for each worker, best first.

        Parameters
        ----------
        workers : sequence of WorkerProfile or records
        top : int, default=10

        Returns
        -------
        list of list of Match
            One list per worker, in the order of ``workers``; shorter than ``top`` only when
            fewer vacancies pass the hard filters.
        """
        self._check_fitted()
        top = check_int(top, "top", low=1)
        wks = as_workers(workers, self.dictionary)
        topk, wk_vecs, wk_occ = self._topk(wks, top)
        return [
            self._explain(
                w,
                topk.indices[i],
                topk.values[i],
                None if wk_vecs is None else wk_vecs[i],
                None if wk_occ is None else (wk_occ[0][i], wk_occ[1][i]),
            )
            for i, w in enumerate(wks)
        ]

    def _topk(self, wks: list[WorkerProfile], top: int):
        w = self.weights_
        levels = encode_levels(wks, self.competence_ids_)
        lf = level_features(levels)
        n_w, n_v = len(wks), len(self.vacancies_)
        wk_xyz = None
        if self.max_km is not None:
            from .geo import EARTH_RADIUS_KM, postcode_coordinates, unit_vectors

            wk_xyz = unit_vectors(postcode_coordinates([x.postcode for x in wks]))
            if self.max_km == "worker":
                km = np.array(
                    [np.inf if x.max_commute_km is None else x.max_commute_km for x in wks]
                )
            else:
                km = np.full(n_w, float(self.max_km))
            # closeness as a cosine threshold: dot(u_w, u_v) >= cos(km / R)
            cos_min = np.where(
                np.isfinite(km), np.cos(np.minimum(km / EARTH_RADIUS_KM, np.pi)), -2.0
            )
            wk_xyz = np.nan_to_num(wk_xyz, nan=0.0)
            vac_xyz = np.nan_to_num(self._vac_xyz, nan=0.0)
            vac_known = ~np.isnan(self._vac_xyz[:, 0])
        if self.hard_:
            hard_lf = level_features(levels[:, self._hard_cols])
        wk_vecs = None
        if self.encoder_ is not None:
            targets = [x.job_target or "" for x in wks]
            wk_vecs = np.zeros((n_w, self._vac_vecs.shape[1]), np.float32)
            has = [i for i, t in enumerate(targets) if t.strip()]
            if has:
                tv = self.encoder_.encode([targets[i] for i in has])
                if np.shape(tv)[1] != wk_vecs.shape[1]:  # vectors given to fit by another model
                    raise ValidationError(
                        f"vacancy_vectors given to fit have width {wk_vecs.shape[1]}, but the "
                        f"encoder gives {np.shape(tv)[1]}: encode both with the same encoder"
                    )
                wk_vecs[has] = tv
        wk_occ = None
        if self._vac_occ is not None:
            wk_occ = self._occupation_codes([None] * n_w, [x.job_target for x in wks])
        inv_worst = self._inv_worst
        bonus = self._kind_bonus + np.float32(w.competence_fit)
        allowed = self._allowed

        def block(rows: slice, cols: slice) -> np.ndarray:
            d = lf[rows] @ self._rft[:, cols]
            s = bonus[cols] - np.float32(w.competence_fit) * d * inv_worst[cols]
            passed = d == 0
            s += np.float32(w.cutoff) * passed
            if wk_vecs is not None:
                sim = wk_vecs[rows] @ self._vac_vecs[cols].T
                s += np.float32(w.text) * np.clip(sim, 0.0, 1.0)
            if wk_occ is not None:
                same = wk_occ[0][rows, None] == self._vac_occ[0][None, cols]
                group = wk_occ[1][rows, None] == self._vac_occ[1][None, cols]
                s += np.float32(w.occupation) * np.where(
                    same, 1.0, np.where(group, 0.5, 0.0)
                ).astype(np.float32)
            s[:, ~allowed[cols]] = -np.inf
            if self.require_cutoff:
                s[~passed] = -np.inf
            if self.hard_:
                s[(hard_lf[rows] @ self._hard_rft[:, cols]) > 0] = -np.inf
            if wk_xyz is not None:
                near = (wk_xyz[rows] @ vac_xyz[cols].T) >= cos_min[rows, None]
                unknown = ~vac_known[cols][None, :] | (wk_xyz[rows] == 0).all(axis=1)[:, None]
                s[~(near | unknown)] = -np.inf
            return s

        topk = blocked_topk(block, n_w, n_v, top, largest=True, block_rows=self.block_rows)
        return topk, wk_vecs, wk_occ

    def _explain(self, worker, idx, scores, wk_vec, wk_occ) -> list[Match]:
        from .geo import EARTH_RADIUS_KM, postcode_coordinates, unit_vectors

        w = self.weights_
        out = []
        wk_xyz = unit_vectors(postcode_coordinates([worker.postcode]))[0]
        for rank, (j, score) in enumerate(zip(idx, scores, strict=True), start=1):
            if j < 0:
                break
            vac = self.vacancies_[j]
            gaps = gaps_for(worker, vac)
            distance = float(sum(g.weighted for g in gaps))
            passes = not gaps
            fit = 1.0 - distance * float(self._inv_worst[j])
            comps = {
                "competence_fit": w.competence_fit * fit,
                "cutoff": w.cutoff if passes else 0.0,
                "kind": float(self._kind_bonus[j]),
            }
            if wk_vec is not None:
                sim = float(np.clip(wk_vec @ self._vac_vecs[j], 0.0, 1.0))
                comps["text"] = w.text * sim
            if wk_occ is not None:
                same = wk_occ[0] == self._vac_occ[0][j]
                group = wk_occ[1] == self._vac_occ[1][j]
                comps["occupation"] = w.occupation * (1.0 if same else 0.5 if group else 0.0)
            km = None
            cos = float(wk_xyz @ self._vac_xyz[j])  # nan when either postcode is unknown
            if not np.isnan(cos):
                km = EARTH_RADIUS_KM * float(np.arccos(np.clip(cos, -1.0, 1.0)))
            out.append(
                Match(
                    vacancy_id=vac.id,
                    score=float(score),
                    passes_cutoff=passes,
                    distance=distance,
                    gaps=gaps,
                    rank=rank,
                    kind=vac.kind,
                    title=vac.title,
                    employer=vac.employer,
                    worker_id=worker.id,
                    components=MappingProxyType(comps),
                    reasons=_reasons(vac, gaps, comps, km),
                    commute_km=km,
                )
            )
        return out


class _NormalizerOccupations:
    """Adapts a fitted TitleNormalizer to the (predict_uris, isco_group) interface."""

    def __init__(self, normalizer: Any) -> None:
        self.normalizer = normalizer
        self._groups = dict(zip(normalizer.uris_, normalizer.isco_groups_, strict=True))

    def predict_uris(self, texts: list[str]) -> list[str | None]:
        return [hits[0].uri if hits else None for hits in self.normalizer.predict(texts, k=1)]

    def isco_group(self, uri: str) -> str | None:
        return self._groups.get(uri) or None


_KIND_NL = {
    "vacancy": "vacature",
    "tbs": "TBS-plaats (terbeschikkingstelling)",
    "bvs": "BVS (beroepsverkennende stage)",
    "enclave": "enclave",
}


def _reasons(
    vac: Vacancy, gaps: list[Gap], comps: Mapping[str, float], km: float | None
) -> tuple[str, ...]:
    out = []
    n_req = len(vac.requirements)
    if not gaps:
        out.append(
            f"voldoet aan alle {n_req} minimumniveaus" if n_req else "geen minimumniveaus gevraagd"
        )
    else:
        missing = [g for g in gaps if not g.assessed]
        short = [g for g in gaps if g.assessed]
        if short:
            out.append(
                f"{len(short)} van {n_req} competenties onder het minimum: "
                + "; ".join(g.describe() for g in short[:3])
                + (" …" if len(short) > 3 else "")
            )
        if missing:
            out.append("niet aangetoond (nooit gemeten): " + ", ".join(g.label for g in missing))
    if comps.get("text", 0) > 0.15:
        out.append("de functie sluit goed aan bij het jobdoelwit")
    elif comps.get("text", 0) > 0.05:
        out.append("de functie sluit deels aan bij het jobdoelwit")
    if comps.get("occupation", 0) > 0:
        out.append("zelfde beroep(sgroep) als het jobdoelwit")
    out.append(_KIND_NL[vac.kind])
    if km is not None:
        out.append(f"{km:.0f} km van de woonplaats (vogelvlucht)")
    return tuple(out)


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
