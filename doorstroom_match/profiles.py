"""Worker profiles, vacancies and internship places, and ratings from several raters.

A :class:`WorkerProfile` holds what a coach measured: a level 1..4 per competence. A
:class:`Vacancy` holds what a regular job (``kind="vacancy"``) or a partner internship place
(``"tbs"``, ``"bvs"``, ``"enclave"``) demands: a minimum level per competence, the cut-off score.
Both resolve competence names against a :class:`~doorstroom_match.competences.CompetenceDictionary`
on construction, so a typo fails early with a did-you-mean.

Worker profiles are personal data: their ``repr`` shows only the id.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math
import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ._exceptions import ValidationError
from ._validation import (
    check_date,
    check_id,
    check_int,
    check_level,
    check_levels_mapping,
    check_number,
    check_weights_mapping,
    quick_level,
)
from .competences import CompetenceDictionary, default_dictionary

__all__ = [
    "KINDS",
    "RATER_WEIGHTS",
    "WorkerProfile",
    "Vacancy",
    "Rating",
    "AggregatedRatings",
    "aggregate_ratings",
]

#: The kinds of place: a regular vacancy and the three kinds of partner internship place.
KINDS: tuple[str, ...] = ("vacancy", "tbs", "bvs", "enclave")

#: Default weight of each rater in :func:`aggregate_ratings`: the self-assessment counts least.
RATER_WEIGHTS: dict[str, float] = {"assessor": 1.0, "begeleider": 1.0, "zelf": 0.5}

_RATER_ALIASES = {
    "assessor": "assessor",
    "assessment": "assessor",
    "assessmentcentrum": "assessor",
    "begeleider": "begeleider",
    "werkvloerbegeleider": "begeleider",
    "supervisor": "begeleider",
    "zelf": "zelf",
    "zelfbeoordeling": "zelf",
    "self": "zelf",
}


def _freeze(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


def _parse_date(value: Any, field_name: str) -> _dt.date | None:
    return check_date(value, field_name)


def _optional_str(value: Any, field_name: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise ValidationError(f"{field_name} must be a string, got {type(value).__name__}")
    return value.strip() or None


# ------------------------------------------------------------------ the quick record path
# ``from_record`` first tries a quick path for the common, plainly valid record: exact JSON
# types, levels as ints or usual labels, known names. It never raises: at the first value that
# is anything else it returns None and the record goes through the full checks (the reference
# path: the dataclass's ``__post_init__``), which accept or refuse it with their own message.
# So the quick path changes speed only (tests/test_fast_records.py checks both agree).
_OFF = object()  # a value the quick path leaves to the full checks


def _quick_str(value: Any) -> Any:
    """``_optional_str`` for None and a string; _OFF for anything else."""
    if value is None:
        return None
    if type(value) is str:
        return value.strip() or None
    return _OFF


def _quick_levels(mapping: Any, dictionary: CompetenceDictionary) -> dict[str, int] | None:
    """``check_levels_mapping`` for a dict of known names and plain levels; None otherwise."""
    if type(mapping) is not dict:
        return None
    out: dict[str, int] = {}
    for name, value in mapping.items():
        level = quick_level(value)
        if level is None or type(name) is not str:
            return None
        try:
            cid = dictionary.resolve(name)
        except Exception:  # the full check raises it with the field's name in the message
            return None
        if cid in out:
            return None
        out[cid] = level
    return out


def _quick_date(value: Any) -> Any:
    """``check_date`` (None, or _OFF for what it refuses), a plain YYYY-MM-DD without its regex."""
    if value is None:
        return None
    if (
        type(value) is str
        and len(value) == 10
        and value[4] == "-" == value[7]
        and value.isascii()
        and (value[:4] + value[5:7] + value[8:]).isdigit()
    ):
        try:
            return _dt.date.fromisoformat(value)
        except ValueError:  # 2026-02-30
            return _OFF
    try:
        return check_date(value, "date")
    except ValidationError:
        return _OFF


def _assemble(cls: type, values: dict[str, Any]) -> Any:
    """An instance of the frozen dataclass ``cls`` from checked field values (every field,
    in order), without running ``__post_init__`` again."""
    obj = cls.__new__(cls)
    obj.__dict__.update(values)
    return obj


@dataclass(frozen=True, eq=True, repr=False)
class WorkerProfile:
    """A worker's measured competences and the facts that decide a match.

    Parameters
    ----------
    id : str
        The worker's id; the only personal field that may appear in logs and messages.
    competences : mapping of str to int or str
        Competence name (any known name, label or alias) -> level, as 1..4 or the Dutch
        labels ``onvoldoende``, ``matig``, ``goed``, ``zeer goed`` (case-insensitive).
        A competence left out is *not rated*: a vacancy that requires it sees it as not
        demonstrated.
    job_target : str, optional
        The job target (*jobdoelwit*) in the coach's words ("magazijnier").
    postcode : str, optional
        Home postcode, for commute filters.
    contract : str, optional
        ``"maatwerk"`` or ``"LDE"``.
    lde_end_date : date or ISO str, optional
        End of the five-year LDE term; assignment can give priority to terms ending soon.
    regime, transport : str, optional
        Working-time regime (``voltijds``, ``4/5``, ``halftijds``) and means of transport.
    max_commute_km : float, optional
        The farthest the worker can travel, as the crow flies.
    coach : str, optional
        The coach's id, to group the weekly bulletin.
    limits : sequence of str
        Physical or medical limits (personal data: never logged).
    priority : int, default=0
        A coach's priority; higher goes first in assignment.
    disagreements : sequence of str
        Competences on which raters disagreed by two levels or more (set by
        :meth:`from_ratings`).
    extra : mapping
        Any other field of the input record, kept as is.
    dictionary : CompetenceDictionary, optional
        Resolves names; the default dictionary when None.

    Examples
    --------
    >>> w = WorkerProfile("W1", {"samenwerken": "goed", "Zelfredzaamheid": 2})
    >>> dict(w.competences)
    {'samenwerken': 3, 'zelfstandigheid': 2}
    """

    id: str
    competences: Mapping[str, int]
    job_target: str | None = None
    postcode: str | None = None
    contract: str | None = None
    lde_end_date: _dt.date | None = None
    regime: str | None = None
    transport: str | None = None
    max_commute_km: float | None = None
    coach: str | None = None
    limits: tuple[str, ...] = ()
    priority: int = 0
    disagreements: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)
    dictionary: CompetenceDictionary | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        wid = check_id(self.id, "worker id")
        set_ = object.__setattr__
        set_(self, "id", wid)
        dictionary = self.dictionary or default_dictionary()
        set_(self, "dictionary", dictionary)
        owner = f"worker {wid!r}"
        set_(
            self,
            "competences",
            _freeze(check_levels_mapping(self.competences, dictionary, "competences", owner=owner)),
        )
        set_(self, "job_target", _optional_str(self.job_target, f"job_target of {owner}"))
        set_(self, "postcode", _optional_str(self.postcode, f"postcode of {owner}"))
        set_(self, "contract", _optional_str(self.contract, f"contract of {owner}"))
        set_(self, "regime", _optional_str(self.regime, f"regime of {owner}"))
        set_(self, "transport", _optional_str(self.transport, f"transport of {owner}"))
        set_(self, "coach", _optional_str(self.coach, f"coach of {owner}"))
        set_(self, "lde_end_date", _parse_date(self.lde_end_date, f"lde_end_date of {owner}"))
        if self.max_commute_km is not None:
            set_(
                self,
                "max_commute_km",
                check_number(self.max_commute_km, f"max_commute_km of {owner}", low=0.0),
            )
        set_(self, "priority", check_int(self.priority, f"priority of {owner}"))
        set_(self, "limits", tuple(str(x) for x in (self.limits or ())))
        set_(
            self,
            "disagreements",
            tuple(dictionary.resolve(c) for c in (self.disagreements or ())),
        )
        set_(self, "extra", _freeze(self.extra or {}))

    def __repr__(self) -> str:  # personal data stays out of logs and tracebacks
        return f"WorkerProfile(id={self.id!r}, {len(self.competences)} competences rated)"

    def level(self, competence: str) -> int:
        """The worker's level on a competence, 0 when not rated."""
        return self.competences.get(self.dictionary.resolve(competence), 0)

    @classmethod
    def from_ratings(
        cls,
        id: str,
        ratings: Iterable[Rating | Mapping[str, Any]],
        *,
        rater_weights: Mapping[str, float] | None = None,
        dictionary: CompetenceDictionary | None = None,
        calibration: Any = None,
        **fields: Any,
    ) -> WorkerProfile:
        """Build a profile from ratings by several raters (see :func:`aggregate_ratings`).

        Competences on which raters disagree by two levels or more are listed in
        ``disagreements`` so the coach sees them.

        With ``calibration`` (a :class:`~doorstroom_match.calibration.RaterCalibration` fitted
        on ratings that include this worker's), the levels are the calibrated fair levels: what
        an average rater would most probably give, each rating adjusted for the severity of
        whoever gave it. ``ratings`` (possibly empty) are then only checked to be covered by
        the calibration, and the disagreements are the calibration's raw ones.
        """
        if calibration is not None:
            from .calibration import RaterCalibration

            if not isinstance(calibration, RaterCalibration):
                raise ValidationError(
                    "calibration must be a RaterCalibration (from calibrate_raters), "
                    f"got {type(calibration).__name__}"
                )
            dictionary = dictionary or default_dictionary()
            fair = {dictionary.resolve(c): v for c, v in calibration.fair_levels(id).items()}
            for i, r in enumerate(ratings):
                comp = r.competence if isinstance(r, Rating) else dict(r).get("competence")
                if comp is None or dictionary.resolve(comp) not in fair:
                    raise ValidationError(
                        f"rating {i} for worker {str(id)!r} is for a competence the calibration "
                        "did not see for this worker; calibrate over all ratings first"
                    )
            return cls(
                id,
                fair,
                disagreements=tuple(dictionary.resolve(c) for c in calibration.disagreements(id)),
                dictionary=dictionary,
                **fields,
            )
        agg = aggregate_ratings(
            ratings, rater_weights=rater_weights, dictionary=dictionary, worker_id=str(id)
        )
        return cls(
            id,
            agg.levels,
            disagreements=agg.disagreements,
            dictionary=dictionary,
            **fields,
        )

    @classmethod
    def from_record(
        cls, record: Mapping[str, Any], *, dictionary: CompetenceDictionary | None = None
    ) -> WorkerProfile:
        """Build a profile from a JSON-like record (a line of ``workers.jsonl``).

        The record has ``id`` and ``competences`` (or ``ratings``); known optional fields are
        taken over, any other field lands in ``extra``.
        """
        if cls is WorkerProfile:  # a subclass may check more in its own __post_init__
            item = _quick_worker(record, dictionary)
            if item is not None:
                return item
        return cls._from_record_reference(record, dictionary=dictionary)

    @classmethod
    def _from_record_reference(
        cls, record: Mapping[str, Any], *, dictionary: CompetenceDictionary | None = None
    ) -> WorkerProfile:
        """:meth:`from_record` through the full checks of ``__post_init__`` (the reference the
        quick path is tested against)."""
        if not isinstance(record, Mapping):
            raise ValidationError(f"a worker record must be an object, got {type(record).__name__}")
        if "id" not in record:
            raise ValidationError("worker record has no 'id'")
        known = {f for f in cls.__dataclass_fields__ if f not in ("dictionary", "extra")}
        kwargs = {k: v for k, v in record.items() if k in known}
        extra = {k: v for k, v in record.items() if k not in known and k != "ratings"}
        if "limits" in kwargs and isinstance(kwargs["limits"], str):
            kwargs["limits"] = (kwargs["limits"],)
        if record.get("ratings") and not record.get("competences"):
            wid = kwargs.pop("id")
            kwargs.pop("competences", None)
            return cls.from_ratings(
                wid, record["ratings"], dictionary=dictionary, extra=extra, **kwargs
            )
        if "competences" not in record:
            raise ValidationError(
                f"worker record {check_id(record['id'], 'worker id')!r} has neither "
                "'competences' nor 'ratings'"
            )
        if record.get("ratings") and "disagreements" not in kwargs:
            # The consolidated levels are the coach's; the raw ratings still tell where raters
            # disagree, which the coach must see.
            agg = aggregate_ratings(
                record["ratings"], dictionary=dictionary, worker_id=str(record["id"])
            )
            kwargs["disagreements"] = agg.disagreements
        return cls(dictionary=dictionary, extra=extra, **kwargs)

    def to_record(self) -> dict[str, Any]:
        """The profile as a JSON-serialisable record (inverse of :meth:`from_record`)."""
        rec: dict[str, Any] = {"id": self.id, "competences": dict(self.competences)}
        for name in (
            "job_target",
            "postcode",
            "contract",
            "regime",
            "transport",
            "max_commute_km",
            "coach",
        ):
            value = getattr(self, name)
            if value is not None:
                rec[name] = value
        if self.lde_end_date is not None:
            rec["lde_end_date"] = self.lde_end_date.isoformat()
        if self.limits:
            rec["limits"] = list(self.limits)
        if self.priority:
            rec["priority"] = self.priority
        if self.disagreements:
            rec["disagreements"] = list(self.disagreements)
        rec.update(self.extra)
        return rec


@dataclass(frozen=True, eq=True)
class Vacancy:
    """A regular vacancy or a partner internship place, with its cut-off score.

    Parameters
    ----------
    id : str
        Unique id of the vacancy or place.
    title : str
        Job title as the employer wrote it.
    description : str, default=""
        Free text.
    kind : {'vacancy', 'tbs', 'bvs', 'enclave'}, default='vacancy'
        A regular vacancy, or a partner internship place: *terbeschikkingstelling*,
        *beroepsverkennende stage* (observation, 1 to 5 days) or an *enclave*.
    requirements : mapping of str to int or str
        The cut-off score: competence -> minimum level (1..4 or a Dutch label).
    weights : mapping of str to float, optional
        Weight of a shortfall per required competence; defaults to the dictionary's weight.
    capacity : int, default=1
        How many workers the place can take (>= 0).
    employer, postcode, post, occupation_uri, regime : str, optional
        ``post`` is the work post (a BVS worker does at most two at one company, on different
        posts); ``occupation_uri`` an ESCO occupation, when known.
    valid_until : date or ISO str, optional
        Last day the vacancy is open.
    bvs_days : int, optional
        Length of a BVS in days (1..5).
    url, contact : str, optional
        Where to apply: the vacancy's web address and a contact (name, phone or e-mail of the
        employer's contact person), as the feed gives them; shown on the worker's sheet.
    extra : mapping
        Any other field of the input record.
    dictionary : CompetenceDictionary, optional
        Resolves names; the default dictionary when None.

    Examples
    --------
    >>> v = Vacancy("V1", "magazijnier", requirements={"samenwerken": "goed"})
    >>> dict(v.requirements), dict(v.weights)
    ({'samenwerken': 3}, {'samenwerken': 1.5})
    """

    id: str
    title: str
    description: str = ""
    kind: str = "vacancy"
    requirements: Mapping[str, int] = field(default_factory=dict)
    weights: Mapping[str, float] | None = None
    capacity: int = 1
    employer: str | None = None
    postcode: str | None = None
    post: str | None = None
    occupation_uri: str | None = None
    regime: str | None = None
    valid_until: _dt.date | None = None
    bvs_days: int | None = None
    url: str | None = None
    contact: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    dictionary: CompetenceDictionary | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        vid = check_id(self.id, "vacancy id")
        set_ = object.__setattr__
        set_(self, "id", vid)
        owner = f"vacancy {vid!r}"
        dictionary = self.dictionary or default_dictionary()
        set_(self, "dictionary", dictionary)
        if not isinstance(self.title, str) or not self.title.strip():
            raise ValidationError(
                f"title of {owner} must be a non-empty string, got {self.title!r}"
            )
        if self.description is None:
            set_(self, "description", "")
        elif not isinstance(self.description, str):
            raise ValidationError(
                f"description of {owner} must be a string, got {type(self.description).__name__}"
            )
        kind = self.kind.strip().lower() if isinstance(self.kind, str) else self.kind
        if kind not in KINDS:
            raise ValidationError(f"kind of {owner} must be one of {KINDS}, got {self.kind!r}")
        set_(self, "kind", kind)
        req = check_levels_mapping(self.requirements, dictionary, "requirements", owner=owner)
        set_(self, "requirements", _freeze(req))
        given = check_weights_mapping(self.weights, dictionary, req, owner=owner)
        set_(self, "weights", _freeze({c: given.get(c, dictionary.weight(c)) for c in req}))
        set_(self, "capacity", check_int(self.capacity, f"capacity of {owner}", low=0))
        for name in ("employer", "postcode", "post", "occupation_uri", "regime", "url", "contact"):
            set_(self, name, _optional_str(getattr(self, name), f"{name} of {owner}"))
        set_(self, "valid_until", _parse_date(self.valid_until, f"valid_until of {owner}"))
        if self.bvs_days is not None:
            set_(self, "bvs_days", check_int(self.bvs_days, f"bvs_days of {owner}", low=1, high=5))
        set_(self, "extra", _freeze(self.extra or {}))

    def _with_known_requirements(
        self, requirements: Mapping[str, int], frozen: tuple[Any, Any] | None = None
    ) -> Vacancy:
        """This vacancy with ``requirements`` and the dictionary's default weights, as
        ``dataclasses.replace(self, requirements=requirements, weights=None)`` gives it,
        without checking every field again.

        Only for requirements the library made itself (canonical ids of this vacancy's
        dictionary, int levels 1..4: the cut-offs inferred from an occupation, thousands per
        week); anything else goes through :func:`dataclasses.replace`. ``frozen`` is
        :meth:`_frozen_requirements` of the same requirements and dictionary, shared by the
        vacancies of one occupation (the maps are read-only).
        """
        if type(self) is not Vacancy:  # a subclass may check more in its own __post_init__
            return dataclasses.replace(self, requirements=requirements, weights=None)
        if frozen is None:
            frozen = self._frozen_requirements(requirements)
        out = object.__new__(Vacancy)
        out.__dict__.update(self.__dict__)
        set_ = object.__setattr__
        set_(out, "requirements", frozen[0])
        set_(out, "weights", frozen[1])
        return out

    def _frozen_requirements(self, requirements: Mapping[str, int]) -> tuple[Any, Any]:
        """(requirements, default weights of this vacancy's dictionary), frozen."""
        dictionary = self.dictionary
        return _freeze(requirements), _freeze({c: dictionary.weight(c) for c in requirements})

    @property
    def is_internship(self) -> bool:
        """True for partner internship places (TBS, BVS, enclave)."""
        return self.kind != "vacancy"

    @property
    def text(self) -> str:
        """Title and description, for text matching."""
        return f"{self.title}. {self.description}".strip() if self.description else self.title

    @classmethod
    def from_record(
        cls, record: Mapping[str, Any], *, dictionary: CompetenceDictionary | None = None
    ) -> Vacancy:
        """Build a vacancy from a JSON-like record (a line of ``feed.jsonl``)."""
        if cls is Vacancy:  # a subclass may check more in its own __post_init__
            item = _quick_vacancy(record, dictionary)
            if item is not None:
                return item
        return cls._from_record_reference(record, dictionary=dictionary)

    @classmethod
    def _from_record_reference(
        cls, record: Mapping[str, Any], *, dictionary: CompetenceDictionary | None = None
    ) -> Vacancy:
        """:meth:`from_record` through the full checks of ``__post_init__`` (the reference the
        quick path is tested against)."""
        if not isinstance(record, Mapping):
            raise ValidationError(
                f"a vacancy record must be an object, got {type(record).__name__}"
            )
        if "id" not in record:
            raise ValidationError("vacancy record has no 'id'")
        if "title" not in record:
            raise ValidationError(
                f"vacancy record {check_id(record['id'], 'vacancy id')!r} has no 'title'"
            )
        known = {f for f in cls.__dataclass_fields__ if f not in ("dictionary", "extra")}
        kwargs = {k: v for k, v in record.items() if k in known and v is not None}
        extra = {k: v for k, v in record.items() if k not in known}
        return cls(dictionary=dictionary, extra=extra, **kwargs)

    def to_record(self) -> dict[str, Any]:
        """The vacancy as a JSON-serialisable record (inverse of :meth:`from_record`)."""
        rec: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "kind": self.kind,
            "requirements": dict(self.requirements),
            "capacity": self.capacity,
        }
        if any(w != self.dictionary.weight(c) for c, w in self.weights.items()):
            rec["weights"] = dict(self.weights)
        for name in (
            "employer",
            "postcode",
            "post",
            "occupation_uri",
            "regime",
            "bvs_days",
            "url",
            "contact",
        ):
            value = getattr(self, name)
            if value is not None:
                rec[name] = value
        if self.valid_until is not None:
            rec["valid_until"] = self.valid_until.isoformat()
        rec.update(self.extra)
        return rec


_WORKER_KNOWN = frozenset(f for f in WorkerProfile.__dataclass_fields__) - {"dictionary", "extra"}
_WORKER_KNOWN_RATINGS = _WORKER_KNOWN | {"ratings"}
_VACANCY_KNOWN = frozenset(f for f in Vacancy.__dataclass_fields__) - {"dictionary", "extra"}
_WORKER_STRS = ("job_target", "postcode", "contract")
_VACANCY_STRS = ("employer", "postcode", "post", "occupation_uri", "regime")


def _quick_worker(record: Any, dictionary: CompetenceDictionary | None) -> WorkerProfile | None:
    """``WorkerProfile.from_record`` for a plainly valid record; None to take the full path."""
    if type(record) is not dict or "disagreements" in record:
        return None
    wid = record.get("id")
    if type(wid) is not str or not wid.strip():
        return None
    dictionary = dictionary or default_dictionary()
    ratings = record.get("ratings")
    comps = record.get("competences")
    disagreements: tuple[str, ...] = ()
    try:
        if ratings and not comps:  # the levels are the raters' aggregate (from_ratings)
            agg = _quick_aggregate(ratings, dictionary)
            if agg is None:
                return None
            levels: dict[str, int] | None = agg.levels
            disagreements = agg.disagreements
        else:
            if "competences" not in record:
                return None
            levels = _quick_levels(comps, dictionary)
            if levels is not None and ratings:  # raters' disagreements, as from_record keeps
                flagged = _quick_disagreements(ratings, dictionary)
                if flagged is None:
                    return None
                disagreements = flagged
    except Exception:  # the full path raises it (with the same message)
        return None
    if levels is None:
        return None
    values: dict[str, Any] = {"id": wid, "competences": MappingProxyType(levels)}
    for name in _WORKER_STRS:
        values[name] = _quick_str(record.get(name))
    values["lde_end_date"] = _quick_date(record.get("lde_end_date"))
    values["regime"] = _quick_str(record.get("regime"))
    values["transport"] = _quick_str(record.get("transport"))
    km = record.get("max_commute_km")
    if type(km) is int and 0 <= km < 2**53:
        km = float(km)
    elif km is not None and not (type(km) is float and 0.0 <= km < math.inf):
        return None
    values["max_commute_km"] = km
    values["coach"] = _quick_str(record.get("coach"))
    limits = record.get("limits")
    if limits is None:
        limits = ()
    elif type(limits) is str:
        limits = (limits,)
    elif type(limits) is list and all(type(x) is str for x in limits):
        limits = tuple(limits)
    else:
        return None
    values["limits"] = limits
    priority = record.get("priority", 0)
    if type(priority) is not int:
        return None
    values["priority"] = priority
    values["disagreements"] = disagreements
    if any(v is _OFF for v in values.values()):
        return None
    values["extra"] = MappingProxyType(
        {}
        if record.keys() <= _WORKER_KNOWN_RATINGS
        else {k: v for k, v in record.items() if k not in _WORKER_KNOWN_RATINGS}
    )
    values["dictionary"] = dictionary
    return _assemble(WorkerProfile, values)


def _quick_vacancy(record: Any, dictionary: CompetenceDictionary | None) -> Vacancy | None:
    """``Vacancy.from_record`` for a plainly valid record; None to take the full path."""
    if type(record) is not dict:
        return None
    vid = record.get("id")
    title = record.get("title")
    if type(vid) is not str or not vid.strip() or type(title) is not str or not title.strip():
        return None
    dictionary = dictionary or default_dictionary()
    description = record.get("description")
    if description is None:
        description = ""
    elif type(description) is not str:
        return None
    kind = record.get("kind")
    if kind is None:
        kind = "vacancy"
    elif type(kind) is str and kind.strip().lower() in KINDS:
        kind = kind.strip().lower()
    else:
        return None
    req = record.get("requirements")
    req = {} if req is None else _quick_levels(req, dictionary)
    if req is None:
        return None
    given: dict[str, float] = {}
    if record.get("weights") is not None:
        try:
            given = check_weights_mapping(record["weights"], dictionary, req, owner="vacancy")
        except Exception:  # the full path raises it with the vacancy's id in the message
            return None
    capacity = record.get("capacity")
    if capacity is None:
        capacity = 1
    elif type(capacity) is not int or capacity < 0:
        return None
    bvs_days = record.get("bvs_days")
    if bvs_days is not None and not (type(bvs_days) is int and 1 <= bvs_days <= 5):
        return None
    values: dict[str, Any] = {
        "id": vid,
        "title": title,
        "description": description,
        "kind": kind,
        "requirements": MappingProxyType(req),
        "weights": MappingProxyType({c: given.get(c, dictionary.weight(c)) for c in req}),
        "capacity": capacity,
    }
    for name in _VACANCY_STRS:
        text = record.get(name)
        if text is not None:
            if type(text) is not str:
                return None
            text = text.strip() or None
        values[name] = text
    valid_until = _quick_date(record.get("valid_until"))
    url, contact = _quick_str(record.get("url")), _quick_str(record.get("contact"))
    if valid_until is _OFF or url is _OFF or contact is _OFF:
        return None
    values["valid_until"] = valid_until
    values["bvs_days"] = bvs_days
    values["url"] = url
    values["contact"] = contact
    values["extra"] = MappingProxyType(
        {}
        if record.keys() <= _VACANCY_KNOWN
        else {k: v for k, v in record.items() if k not in _VACANCY_KNOWN}
    )
    values["dictionary"] = dictionary
    return _assemble(Vacancy, values)


# --------------------------------------------------------------------------- ratings


@dataclass(frozen=True)
class Rating:
    """One rating: a rater's level for a competence, optionally for one behavioural indicator.

    Parameters
    ----------
    rater : {'assessor', 'begeleider', 'zelf'}
        Assessment centre, work-floor supervisor, or the worker's self-assessment.
    competence : str
        Competence name.
    level : int or str
        1..4 or a Dutch label.
    indicator : str, optional
        The behavioural indicator ("reports when a task is finished"); ratings of several
        indicators of one competence by one rater are averaged first.
    day : str, optional
        When it was observed, for the record.
    """

    rater: str
    competence: str
    level: int | str
    indicator: str | None = None
    day: str | None = None


@dataclass(frozen=True)
class AggregatedRatings:
    """Result of :func:`aggregate_ratings`.

    Attributes
    ----------
    levels : dict of str to int
        Competence id -> aggregated level 1..4.
    means : dict of str to float
        Competence id -> the weighted mean before rounding.
    by_rater : dict of str to dict of str to float
        Competence id -> rater -> that rater's (indicator-averaged) level.
    disagreements : tuple of str
        Competence ids where two raters differ by two levels or more.
    """

    levels: dict[str, int]
    means: dict[str, float]
    by_rater: dict[str, dict[str, float]]
    disagreements: tuple[str, ...]


def _rater_key(rater: Any, worker_id: str) -> str:
    if type(rater) is str:  # the usual spelling is already a key
        hit = _RATER_ALIASES.get(rater)
        if hit is not None:
            return hit
    key = str(rater).strip().lower().replace("-", "").replace(" ", "")
    if key not in _RATER_ALIASES:
        raise ValidationError(
            f"rater of a rating for worker {worker_id!r} must be one of "
            f"{sorted(set(_RATER_ALIASES.values()))}, got {rater!r}"
        )
    return _RATER_ALIASES[key]


def aggregate_ratings(
    ratings: Iterable[Rating | Mapping[str, Any]],
    *,
    rater_weights: Mapping[str, float] | None = None,
    dictionary: CompetenceDictionary | None = None,
    worker_id: str = "?",
) -> AggregatedRatings:
    """Aggregate ratings by several raters into one level per competence.

    The rule, in a coach's words: first each rater's indicator scores for a competence are
    averaged; then the raters' levels are averaged with weights (assessor 1, work-floor
    supervisor 1, self-assessment 0.5 by default, because self-assessment is the least
    objective source); the mean is rounded to the nearest level, and a mean exactly half-way
    is rounded *down*, so a cut-off is never passed on a coin toss. A competence on which two
    raters differ by two levels or more is flagged in ``disagreements`` instead of being
    silently averaged away.

    Parameters
    ----------
    ratings : iterable of Rating or mapping
        Each with ``rater``, ``competence``, ``level`` and optionally ``indicator``.
    rater_weights : mapping of str to float, optional
        Overrides :data:`RATER_WEIGHTS`.

    Examples
    --------
    >>> agg = aggregate_ratings([
    ...     {"rater": "assessor", "competence": "initiatief", "level": 2},
    ...     {"rater": "zelf", "competence": "initiatief", "level": 4},
    ... ])
    >>> agg.levels, agg.disagreements
    ({'initiatief': 3}, ('initiatief',))
    """
    dictionary = dictionary or default_dictionary()
    weights = dict(RATER_WEIGHTS)
    if rater_weights:
        for rater, w in rater_weights.items():
            weights[_rater_key(rater, worker_id)] = check_number(
                w, f"rater weight for {rater!r}", low=0.0, low_open=True
            )
    scores: dict[str, dict[str, list[int]]] = {}
    resolve = dictionary.resolve
    for i, r in enumerate(ratings):
        if type(r) is dict:  # a line of a JSON feed: skip the ABC checks
            rec: Mapping[str, Any] = r
        elif isinstance(r, Rating):
            rec = r.__dict__
        elif isinstance(r, Mapping):
            rec = r
        else:
            raise ValidationError(
                f"rating {i} for worker {worker_id!r} must be a Rating or a mapping, "
                f"got {type(r).__name__}"
            )
        if "rater" not in rec or "competence" not in rec or "level" not in rec:
            for key in ("rater", "competence", "level"):
                if key not in rec:
                    raise ValidationError(f"rating {i} for worker {worker_id!r} has no {key!r}")
        try:
            cid = resolve(rec["competence"])
        except Exception:  # again, to raise it with the rating's number in the message
            cid = resolve(rec["competence"], field_name=f"competence of rating {i}")
        rater = _rater_key(rec["rater"], worker_id)
        level = quick_level(rec["level"])  # the message is only built for a value that needs it
        if level is None:
            level = check_level(
                rec["level"], f"level of rating {i} for {cid!r} of worker {worker_id!r}"
            )
        per_rater = scores.get(cid)
        if per_rater is None:
            scores[cid] = {rater: [level]}
        elif rater in per_rater:
            per_rater[rater].append(level)
        else:
            per_rater[rater] = [level]
    if not scores:
        raise ValidationError(f"ratings for worker {worker_id!r} are empty")
    return _combine(scores, weights)


def _combine(scores: dict[str, dict[str, list[int]]], weights: Mapping[str, float]):
    """The aggregate of checked levels, competence -> rater -> levels (insertion order kept)."""
    levels: dict[str, int] = {}
    means: dict[str, float] = {}
    by_rater: dict[str, dict[str, float]] = {}
    flagged = []
    for cid, per_rater in scores.items():
        # a handful of small ints: plain Python (numpy's mean costs ~50 us a call here); the
        # sum is exact and the division rounds once, as np.mean does
        avg = {r: v[0] / 1 if len(v) == 1 else sum(v) / len(v) for r, v in per_rater.items()}
        by_rater[cid] = avg
        # the sums of the rule, in C (map) but in the same order and with the same sum()
        w = list(map(weights.__getitem__, avg))
        mean = sum(map(operator.mul, w, avg.values())) / sum(w)
        means[cid] = mean
        # round half down: 2.5 -> 2 (conservative for a cut-off)
        levels[cid] = min(4, max(1, math.ceil(mean - 0.5 - 1e-9)))
        if len(avg) > 1 and max(avg.values()) - min(avg.values()) >= 2:
            flagged.append(cid)
    return AggregatedRatings(levels, means, by_rater, tuple(flagged))


def _quick_scores(ratings: Any, dictionary: CompetenceDictionary) -> dict | None:
    """Competence -> rater -> levels of a list of plain rating dicts (usual rater names, known
    competences, plain levels), as :func:`aggregate_ratings` collects them; None for anything
    else (which :func:`aggregate_ratings` then accepts or refuses with its message)."""
    if type(ratings) is not list or not ratings:
        return None
    resolve = dictionary.resolve
    aliases = _RATER_ALIASES
    scores: dict[str, dict[str, list[int]]] = {}
    try:
        for r in ratings:
            if type(r) is not dict:
                return None
            rater = aliases[r["rater"]]  # KeyError: not a usual spelling; TypeError: a list
            level = r["level"]
            if type(level) is int:
                if not 1 <= level <= 4:
                    return None
            else:
                level = quick_level(level)
                if level is None:
                    return None
            cid = resolve(r["competence"])
            per_rater = scores.get(cid)
            if per_rater is None:
                scores[cid] = {rater: [level]}
            elif rater in per_rater:
                per_rater[rater].append(level)
            else:
                per_rater[rater] = [level]
    except Exception:  # the full path raises it with the rating's number in the message
        return None
    return scores


def _quick_aggregate(ratings: Any, dictionary: CompetenceDictionary) -> AggregatedRatings | None:
    """:func:`aggregate_ratings` (default rater weights) of plain ratings; None otherwise."""
    scores = _quick_scores(ratings, dictionary)
    return None if scores is None else _combine(scores, RATER_WEIGHTS)


def _quick_disagreements(ratings: Any, dictionary: CompetenceDictionary) -> tuple | None:
    """``_quick_aggregate(...).disagreements`` without the means (what a record with both
    ``competences`` and ``ratings`` keeps of its ratings)."""
    scores = _quick_scores(ratings, dictionary)
    if scores is None:
        return None
    flagged = []
    for cid, per_rater in scores.items():
        if len(per_rater) > 1:
            avg = [v[0] / 1 if len(v) == 1 else sum(v) / len(v) for v in per_rater.values()]
            if max(avg) - min(avg) >= 2:
                flagged.append(cid)
    return tuple(flagged)


def as_list(items: Sequence[Any] | Any) -> list[Any]:
    """A list of items; a single object becomes a one-element list."""
    if isinstance(items, WorkerProfile | Vacancy):
        return [items]
    return list(items)
