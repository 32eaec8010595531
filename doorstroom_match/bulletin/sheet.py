"""The worker's one-page sheet (*werkblad*), in easy-to-read Dutch, and what it is built from.

One A4 page a coach prints and takes into Monday's conversation, written for the worker: short
sentences and everyday words (B1 level), no coach jargon (no "cut-off", "TBS" or "werkpunt";
those stay on the coach's page), and pictograms that print in black and white
(:mod:`doorstroom_match.bulletin.icons`). It holds:

- the three best suggestions *within reach* (within the worker's commute limit; a pair the
  coach marked ``niet_relevant`` is left out): title, employer, place, distance, kind, working
  time, what already fits, one or two things to practise, and how to apply (the feed's ``url``
  and ``contact``); a suggestion the worker applied to says so;
- the internship place assigned to the worker, if any;
- "Wat oefen ik nog?": the competence whose next level opens most vacancies within reach
  (:func:`doorstroom_match.opening_gaps`) first, then the gaps of the suggestions.

:func:`ordered_suggestions` is the one rank order per worker that the coach page uses too.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from ..profiles import Vacancy, WorkerProfile
from . import icons
from .charts import _competence_table, _e, _e_once, _escape_str

__all__ = [
    "EASY_WORDS",
    "Suggestion",
    "ordered_suggestions",
    "within_reach",
    "sheet_body",
    "SHEET_CSS",
]

#: Competence id -> what it means in everyday words (B1), as the worker reads it.
EASY_WORDS: dict[str, str] = {
    "samenwerken": "samenwerken met collega's",
    "zelfstandigheid": "alleen werken, zonder hulp",
    "initiatief": "zelf iets doen als je ziet dat het nodig is",
    "flexibiliteit": "omgaan met veranderingen",
    "leervermogen": "nieuwe dingen leren",
    "motivatie": "zin hebben in het werk",
    "nauwkeurigheid": "nauwkeurig en ordelijk werken",
    "discipline": "je aan regels en afspraken houden",
    "gezag_aanvaarden": "luisteren naar je baas",
    "stressbestendigheid": "rustig blijven als het druk is",
    "conflicthantering": "ruzie oplossen op een goede manier",
    "voorkomen": "verzorgd naar het werk komen",
    "fysieke_mogelijkheden": "wat je lichaam aankan",
    "lezen_schrijven_rekenen": "lezen, schrijven en rekenen",
    "communicatie": "duidelijk zeggen wat je bedoelt",
    "taalkennis_nederlands": "Nederlands spreken en begrijpen",
    "werkorganisatie": "je werk en je tijd plannen",
    "verantwoordelijkheid": "zorgen voor je eigen taak",
    "houding": "een goede houding op het werk",
    "werktempo": "snel genoeg werken",
    "stiptheid": "op tijd komen",
    "assertiviteit": "zeggen wat je nodig hebt",
    "klantvriendelijkheid": "vriendelijk zijn voor klanten",
}

# Not a thing to "practise" on a sheet that may lie on a table: health stays with the coach.
_NOT_PRACTISED = frozenset({"fysieke_mogelijkheden"})


def easy_word(competence: str, label: str = "") -> str:
    """A competence in everyday words (its label, lower-cased, when no easy phrase is known)."""
    return EASY_WORDS.get(competence) or (label or competence.replace("_", " ")).lower()


@dataclass(frozen=True)
class Suggestion:
    """One suggestion of a worker, in the single rank order of the sheet and the coach page.

    Attributes
    ----------
    position : int
        1, 2, ... across vacancies and internship places alike (no separate numbering).
    match : Match
    vacancy : Vacancy or None
        None when the vacancy is not in the bulletin's mapping.
    within : bool
        Within the worker's commute limit (or no limit / distance known).
    status : str or None
        The coach's feedback (``gesolliciteerd``, ``besproken``, ...).
    """

    position: int
    match: Any
    vacancy: Vacancy | None
    within: bool
    status: str | None

    @property
    def kind(self) -> str:
        return self.vacancy.kind if self.vacancy is not None else (self.match.kind or "vacancy")

    @property
    def title(self) -> str:
        v = self.vacancy
        return v.title if v is not None else (self.match.title or self.match.vacancy_id)

    @property
    def employer(self) -> str | None:
        return self.vacancy.employer if self.vacancy is not None else self.match.employer


def within_reach(m: Any, worker: WorkerProfile) -> bool:
    """Whether a match lies within the worker's commute limit.

    The ranking's own verdict (``within_commute``) when the match carries one; otherwise the
    distance against ``max_commute_km`` (an unknown distance or limit is within reach).
    """
    flag = getattr(m, "within_commute", None)
    if isinstance(flag, bool):
        return flag
    km, limit = getattr(m, "commute_km", None), worker.max_commute_km
    return km is None or limit is None or km <= limit + 1e-9


def ordered_suggestions(
    worker: WorkerProfile,
    matches: Sequence[Any],
    vacancies: Mapping[str, Vacancy],
    statuses: Mapping[str, str] | None = None,
) -> list[Suggestion]:
    """A worker's matches in one rank order, numbered 1, 2, ... across kinds of place.

    Order: the matches' ``rank`` (then score, then id); pairs the coach marked
    ``niet_relevant`` are dropped.
    """
    statuses = statuses or {}
    ms = list(matches)
    ranks = [m.rank for m in ms]
    # in the ranking's own order (ranks 1, 2, ...) the sort would keep the list as it is
    if not (
        all(type(r) is int for r in ranks)
        and all(a < b for a, b in zip(ranks, ranks[1:], strict=False))
    ):
        ms.sort(key=lambda m: (int(m.rank), -float(m.score), str(m.vacancy_id)))
    out = []
    for m in ms:
        status = statuses.get(m.vacancy_id)
        if status == "niet_relevant":
            continue
        out.append(
            Suggestion(
                len(out) + 1, m, vacancies.get(m.vacancy_id), within_reach(m, worker), status
            )
        )
    return out


class _Place(NamedTuple):
    """The HTML of a vacancy or place that is the same for every worker (escaped; ``""``
    for a part the vacancy lacks): built once per render and process, on first use."""

    vid: str  # the vacancy id
    title: str
    employer: str
    employer_span: str  # '<span class="employer">...</span>'
    postcode: str  # "postcode 9000"
    tail: tuple[str, ...]  # days of a BVS, regime, open until: the end of the "where" line


def _place(s: Suggestion) -> _Place:
    """The worker-independent HTML of a suggestion's vacancy (or of the match's own fields)."""
    v = s.vacancy
    if v is None:  # the match's own fields, whatever their type
        employer = _e(s.match.employer) if s.match.employer else ""
        span = f'<span class="employer">{employer}</span>' if employer else ""
        return _Place(_e(s.match.vacancy_id), _e(s.title), employer, span, "", ())
    # a Vacancy's texts are str (checked when it was made): the escape cache is called directly
    employer = _escape_str(v.employer) if v.employer else ""
    parts = []
    if v.bvs_days:
        parts.append(f"{v.bvs_days} dag{'en' if v.bvs_days > 1 else ''}")
    if v.regime:
        parts.append(_escape_str(v.regime))
    if v.valid_until is not None:
        parts.append(f"open tot {v.valid_until.isoformat()}")
    return _Place(
        _e_once(s.match.vacancy_id),  # the key of the vacancy in the mapping, as before
        _escape_str(v.title),
        employer,
        f'<span class="employer">{employer}</span>' if employer else "",
        f"postcode {_escape_str(v.postcode)}" if v.postcode else "",
        tuple(parts),
    )


class _Places(dict):
    """Vacancy id -> :class:`_Place`, filled on first use (one per render and process).

    A suggestion whose vacancy is not in the bulletin's mapping is rendered from its match,
    whose fields may differ from one worker to the next: never cached. Also holds the
    :func:`~doorstroom_match.bulletin.charts._competence_table` of each dictionary.
    """

    def __init__(self) -> None:
        super().__init__()
        self._tables: dict[int, tuple[Any, dict[str, tuple[str, int]]]] = {}

    def competences(self, dictionary: Any) -> dict[str, tuple[str, int]]:
        """Label and group rank of each competence of ``dictionary`` (built once)."""
        hit = self._tables.get(id(dictionary))
        if hit is None or hit[0] is not dictionary:
            hit = self._tables[id(dictionary)] = (dictionary, _competence_table(dictionary))
        return hit[1]

    def of(self, s: Suggestion) -> _Place:
        if s.vacancy is None:
            return _place(s)
        p = self.get(s.match.vacancy_id)
        if p is None:
            p = self[s.match.vacancy_id] = _place(s)
        return p


def _km_words(km: float | None) -> str:
    if km is None:
        return "Afstand: vraag het aan je coach"
    if km < 0.5:
        return "Minder dan 1 km van thuis"
    return f"{km:.0f} km van thuis"


def _fits_and_gaps(s: Suggestion, worker: WorkerProfile) -> tuple[list[str], list[str]]:
    """Competence ids that fit, and the gaps (most important first), of one suggestion."""
    v = s.vacancy
    gaps = [g.competence for g in s.match.gaps]
    if v is None:
        return [], gaps
    fits = [c for c in v.requirements if worker.competences.get(c, 0) >= v.requirements[c]]
    return fits, gaps


def _words(ids: Sequence[str], worker: WorkerProfile) -> str:
    label = worker.dictionary.label
    return ", ".join([_easy_html(c, label(c)) for c in ids])


@functools.lru_cache(maxsize=4096)
def _easy_html(competence: str, label: str) -> str:
    """:func:`easy_word`, escaped."""
    return _e(easy_word(competence, label))


def _apply_html(v: Vacancy | None) -> str:
    if v is None or not (v.url or v.contact):
        return '<p class="apply"><strong>Solliciteren:</strong> je coach helpt je.</p>'
    parts = []
    if v.url:
        parts.append(f'<a class="url" href="{_e(v.url)}">{_e(v.url)}</a>')
    if v.contact:
        parts.append(f'<span class="contact">{_e(v.contact)}</span>')
    return f'<p class="apply"><strong>Solliciteren:</strong> {" · ".join(parts)}</p>'


def _facts(kind: str, km: float | None, regime: str | None) -> str:
    """Kind of place, distance and working time, each a pictogram and the same in words."""
    # the distance shows as whole km: a few hundred different lists in a week, built once
    return _facts_html(kind, None if km is None else (f"{km:.0f}", km < 0.5), regime)


@functools.lru_cache(maxsize=4096)
def _facts_html(kind: str, km: tuple[str, bool] | None, regime: str | None) -> str:
    """:func:`_facts` of a distance given as (whole km in digits, less than 0.5 km)."""
    if km is None:
        distance = (icons.distance_icon(None), _km_words(None))
    else:
        whole, near = km
        distance = (
            icons._distance_icon_titled(f"{whole} km van thuis"),
            "Minder dan 1 km van thuis" if near else f"{whole} km van thuis",
        )
    items = [
        (icons.kind_icon(kind), icons.KIND_WORDS.get(kind, icons.KIND_WORDS["vacancy"])),
        distance,
        (icons.regime_icon(regime), icons.regime_words(regime) or "Werkuren: vraag het"),
    ]
    return (
        '<ul class="facts">'
        + "".join(f"<li>{svg}<span>{_e(text)}</span></li>" for svg, text in items)
        + "</ul>"
    )


_STATUS_WORDS = {
    "gesolliciteerd": "Je hebt hier al gesolliciteerd.",
    "aangenomen": "Je bent hier aangenomen. Proficiat!",
    "besproken": "Je hebt deze job al besproken met je coach.",
}


def _job_card(s: Suggestion, n: int, worker: WorkerProfile, place: _Place) -> str:
    v = s.vacancy
    fits, gaps = _fits_and_gaps(s, worker)
    gaps = [c for c in gaps if c not in _NOT_PRACTISED][:2]
    where = []
    if place.employer:
        where.append(f"Bij <strong>{place.employer}</strong>")
    if place.postcode:
        where.append(place.postcode)
    parts = [
        f'<article class="job" data-vacancy="{place.vid}">',
        f'<h3><span class="num">{n}</span> {place.title}</h3>',
        f'<p class="where">{" · ".join(where)}</p>' if where else "",
        _facts(s.kind, s.match.commute_km, v.regime if v is not None else None),
    ]
    if fits:
        # three at most: a short sentence reads better than a complete list
        more = " en meer" if len(fits) > 3 else ""
        parts.append(
            f'<p class="fits"><strong>Dit kan je al:</strong> {_words(fits[:3], worker)}{more}.</p>'
        )
    if gaps:
        parts.append(
            '<p class="practise"><strong>Hier werk je nog aan:</strong> '
            f"{_words(gaps, worker)}.</p>"
        )
    elif v is not None and v.requirements:
        parts.append('<p class="practise"><strong>Je kan alles wat deze job vraagt.</strong></p>')
    parts.append(_apply_html(v))
    if s.status in _STATUS_WORDS:
        parts.append(f'<p class="status">{_e(_STATUS_WORDS[s.status])}</p>')
    parts.append("</article>")
    return "".join(p for p in parts if p)


def _place_html(
    assignment: Mapping[str, Any] | None, vacancies: Mapping[str, Vacancy], km: float | None
) -> str:
    if not assignment or not assignment.get("place_id"):
        return ""
    v = vacancies.get(str(assignment["place_id"]))
    title = v.title if v is not None else str(assignment["place_id"])
    kind = v.kind if v is not None else "tbs"
    who = f" bij <strong>{_e(v.employer)}</strong>" if v is not None and v.employer else ""
    return (
        '<section class="place" aria-labelledby="s-place"><h2 id="s-place">Jouw stageplaats</h2>'
        f'<p class="place-title" data-place="{_e(assignment["place_id"])}">'
        f"<strong>{_e(title)}</strong>{who}</p>"
        + _facts(kind, km, v.regime if v is not None else None)
        + "<p>Je coach maakt de afspraken met het bedrijf.</p>"
        + "</section>"
    )


def _practice_html(worker: WorkerProfile, top: Sequence[Suggestion], opening: Any | None) -> str:
    items: list[str] = []
    seen: set[str] = set()
    d = worker.dictionary
    if opening is not None and getattr(opening, "competence", None):
        c = opening.competence
        seen.add(c)
        n = opening.n_opened
        items.append(
            f'<li class="opening" data-competence="{_e(c)}"><strong>'
            f"{_e(easy_word(c, d.label(c)))}</strong>. "
            f"Lukt dit beter? Dan kan je voor {n} job{'s' if n != 1 else ''} meer "
            "solliciteren.</li>"
        )
    for n_job, s in enumerate(top, start=1):
        for g in s.match.gaps:
            if g.competence in seen or g.competence in _NOT_PRACTISED or len(items) >= 4:
                continue
            seen.add(g.competence)
            items.append(
                f'<li data-competence="{_e(g.competence)}"><strong>'
                f"{_e(easy_word(g.competence, g.label))}</strong>. "
                f"Dat is nodig voor job {n_job}.</li>"
            )
    if not items:
        items.append("<li>Je kan al veel. Praat met je coach over wat je nog wil leren.</li>")
    return (
        '<section class="practice" aria-labelledby="s-practice">'
        '<h2 id="s-practice">Wat oefen ik nog?</h2>'
        f"<ul>{''.join(items)}</ul></section>"
    )


def sheet_body(
    worker: WorkerProfile,
    suggestions: Sequence[Suggestion],
    vacancies: Mapping[str, Vacancy],
    *,
    assignment: Mapping[str, Any] | None = None,
    opening: Any | None = None,
    week: str = "",
    n_best: int = 3,
) -> str:
    """The inner HTML of a worker's sheet (the caller wraps it in a page).

    Parameters
    ----------
    worker : WorkerProfile
    suggestions : sequence of Suggestion
        From :func:`ordered_suggestions`.
    vacancies : mapping of str to Vacancy
    assignment : mapping, optional
        ``{"place_id": ..., ...}`` of the internship place assigned to the worker.
    opening : OpeningGap, optional
    week : str, optional
    n_best : int, default=3
        Suggestions within reach shown.
    """
    return _sheet_body(
        worker,
        suggestions,
        vacancies,
        assignment=assignment,
        opening=opening,
        week=week,
        n_best=n_best,
        places=_Places(),
    )


def _sheet_body(
    worker: WorkerProfile,
    suggestions: Sequence[Suggestion],
    vacancies: Mapping[str, Vacancy],
    *,
    assignment: Mapping[str, Any] | None,
    opening: Any | None,
    week: str,
    places: _Places,
    n_best: int = 3,
) -> str:
    """:func:`sheet_body`, with the HTML of the vacancies shared across the sheets of a render."""
    top = [s for s in suggestions if s.within][:n_best]
    head = (
        f'<section class="sheet" data-worker="{_e(worker.id)}" aria-labelledby="s-title">'
        f'<header class="sheet-head"><h1 id="s-title">Werkblad van {_e(worker.id)}</h1>'
        + (f'<p class="week">{_e(week)}</p>' if week else "")
        + "</header>"
        + (
            f'<p class="goal">Jouw doel: <strong>{_e(worker.job_target)}</strong></p>'
            if worker.job_target
            else '<p class="goal">Jouw doel kies je samen met je coach.</p>'
        )
    )
    if top:
        n = len(top)
        jobs_head = "Drie jobs voor jou" if n == 3 else ("Een job" if n == 1 else f"{n} jobs")
        if n != 3:
            jobs_head += " voor jou"
        jobs = (
            '<section class="jobs" aria-labelledby="s-jobs">'
            f'<h2 id="s-jobs">{jobs_head}</h2>'
            + "".join([_job_card(s, i, worker, places.of(s)) for i, s in enumerate(top, start=1)])
            + (
                '<p class="none">Er zijn deze week niet meer jobs dicht bij huis.</p>'
                if n < n_best
                else ""
            )
            + "</section>"
        )
    else:
        jobs = (
            '<section class="jobs" aria-labelledby="s-jobs"><h2 id="s-jobs">Jobs voor jou</h2>'
            '<p class="none">Deze week is er geen job dicht bij huis. Je coach zoekt verder.</p>'
            "</section>"
        )
    place_km = None
    if assignment and assignment.get("place_id"):
        hit = next(
            (s for s in suggestions if s.match.vacancy_id == str(assignment["place_id"])), None
        )
        place_km = hit.match.commute_km if hit is not None else None
    return "".join(
        [
            head,
            jobs,
            _place_html(assignment, vacancies, place_km),
            _practice_html(worker, top, opening),
            '<p class="foot">Vragen? Praat erover met je coach.</p></section>',
        ]
    )


#: Style of the sheet: large type, high contrast, one A4 page.
SHEET_CSS = """
.sheet{max-width:760px;margin:0 auto;background:#fff;padding:1rem 1.4rem;font-size:17px;
line-height:1.4;color:#000}
.sheet-head{display:flex;justify-content:space-between;align-items:baseline;
border-bottom:3px solid #000;margin-bottom:.3rem}
.sheet h1{font-size:1.5rem;margin:0}
.sheet h2{font-size:1.2rem;margin:.7rem 0 .3rem}
.sheet h3{font-size:1.08rem;margin:0 0 .1rem}
.sheet .goal{margin:.2rem 0 .2rem;font-size:1.05rem}
.sheet .job{border:2px solid #000;border-radius:6px;padding:.35rem .6rem;margin:0 0 .4rem;
break-inside:avoid;page-break-inside:avoid}
.sheet .num{display:inline-block;min-width:1.5em;text-align:center;border:2px solid #000;
border-radius:50%;font-weight:700;margin-right:.2rem}
.sheet p{margin:.1rem 0}
.sheet .facts{list-style:none;margin:.15rem 0;padding:0;display:flex;flex-wrap:wrap;gap:.1rem 1rem}
.sheet .facts li{display:flex;align-items:center;gap:.3rem}
.sheet .icon{flex:none;color:#000}
.sheet .status{font-weight:700;border-left:4px solid #000;padding-left:.4rem}
.sheet .practice ul{margin:.2rem 0;padding-left:1.2rem}
.sheet .practice li{margin:.15rem 0}
.sheet .place{border:2px dashed #000;border-radius:6px;padding:.3rem .6rem;margin:.5rem 0}
.sheet .place h2{margin-top:0}
.sheet .foot{margin-top:.6rem;font-style:italic}
.sheet a{color:#000}
.sheet .contact{white-space:nowrap}
@media print{.sheet{max-width:none;padding:0;font-size:11pt;line-height:1.3}
.sheet .job{padding:.2rem .5rem;margin-bottom:.3rem}
.sheet h2{margin:.45rem 0 .2rem}
.sheet .icon{width:22px;height:22px}}
"""
