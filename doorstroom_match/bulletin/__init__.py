"""The weekly vacancy bulletin (*vacaturekrant*) as self-contained HTML, and the outcomes page.

:func:`render_bulletin` writes into ``OUT_DIR/bulletin/``:

- ``index.html``: per coach, the workers by urgency (LDE term ending soonest, then no suggestion
  within reach, then most new this week) with their limits, regime, LDE end date, rater
  disagreements, best suggestion within reach and assigned internship place;
- ``coach-<id>.html`` (``coach-zonder-coach.html`` for workers without a coach): the same
  overview, then per worker the coach's version of the week: facts, assigned place, the werkpunt
  that opens most doors (:func:`doorstroom_match.opening_gaps`), and the suggestions in one rank
  order across vacancies and partner places, the first three as cards with a chart
  (:mod:`doorstroom_match.bulletin.charts`), the others as table rows; one printed A4 page per
  worker;
- ``werkblad-<worker id>.html``: the worker's one-page sheet in easy Dutch
  (:mod:`doorstroom_match.bulletin.sheet`).

The pages are meant to be opened on an offline machine and printed: no external CSS, script or
font; a print style sheet puts one worker per page, hides the navigation and never splits a match
over two pages. Every text that comes from a feed is HTML-escaped. Of the worker, the pages show
the id, the job target, contract and LDE end date, regime, commute limit and the competences
raters disagreed on: never a name, address or health limit. Output is deterministic (the same
input gives byte-identical files; there is no timestamp unless the caller passes one in
``week``) and each file is written atomically (a temporary file in the same folder, then
:func:`os.replace`). :func:`print_to_pdf` prints a page to PDF with headless Chromium.

:func:`render_outcomes` writes ``OUT_DIR/bulletin/outcomes.html``: the outcome rates of the
after-care monitoring, each with its own, named denominator.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import functools
import hashlib
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .._exceptions import BackendUnavailableError, DuplicateIdError, FeedError, ValidationError
from .._validation import check_int
from ..feedback import FEEDBACK_LABELS
from ..profiles import Vacancy, WorkerProfile
from . import charts
from .charts import _e, _e_once
from .sheet import SHEET_CSS, Suggestion, _Place, _Places, _sheet_body, ordered_suggestions

__all__ = [
    "render_bulletin",
    "render_outcomes",
    "print_to_pdf",
    "NO_COACH",
    "KIND_BADGES",
    "OUTCOME_LABELS",
    "OUTCOME_RATE_LABELS",
]

#: Page name (``coach-<NO_COACH>.html``) for workers without a coach.
NO_COACH = "zonder-coach"

#: Kind of place -> (badge text, explanation shown as tooltip and to screen readers).
KIND_BADGES: dict[str, tuple[str, str]] = {
    "vacancy": ("vacature", "vacature in het reguliere circuit"),
    "tbs": ("TBS", "terbeschikkingstelling: de werknemer doet het echte werk"),
    "bvs": ("BVS", "beroepsverkennende stage: observeren, 1 tot 5 dagen"),
    "enclave": ("enclave", "enclave: een ploeg werkt bij de klant onder eigen begeleiding"),
}

#: Outcome key -> Dutch label, in the order of a trajectory.
OUTCOME_LABELS: dict[str, str] = {
    "applied": "Gesolliciteerd",
    "internship_started": "Stage gestart",
    "hired": "Aangeworven",
    "employed_3m": "Nog aan het werk na 3 maanden",
    "employed_6m": "Nog aan het werk na 6 maanden",
}

_SAFE_ID = re.compile(r"[A-Za-z0-9_-]+")


# --------------------------------------------------------------------------- small helpers
def _slug(value: str) -> str:
    """A file- and id-safe form of ``value``: itself when already safe, else cleaned + hash.

    The hash keeps two ids that clean to the same text apart ("a b" and "a/b"); an id longer
    than 64 characters is cut and hashed too, so a file name never exceeds the file system's
    limit (255 bytes) whatever the id.
    """
    if _SAFE_ID.fullmatch(value) and len(value) <= 64 and value.lower() != NO_COACH:
        return value
    clean = re.sub(r"[^A-Za-z0-9_-]+", "-", value).strip("-")[:40] or "x"
    digest = hashlib.sha1(value.encode("utf-8")).hexdigest()[:8]
    return f"{clean}-{digest}"


def _page_names(coaches: Sequence[str | None]) -> dict[str | None, str]:
    """File name per coach; names that differ only in case get a hash (case-blind disks)."""
    slugs = {c: NO_COACH if c is None else _slug(c) for c in coaches}
    folded = Counter(s.lower() for s in slugs.values())
    for c, s in slugs.items():
        if c is not None and folded[s.lower()] > 1:
            slugs[c] = f"{s}-{hashlib.sha1(c.encode('utf-8')).hexdigest()[:8]}"
    return {c: f"coach-{s}.html" for c, s in slugs.items()}


def _sheet_names(worker_ids: Sequence[str]) -> dict[str, str]:
    """File name of each worker's sheet; ids that differ only in case get a hash."""
    slugs = {w: _slug(w) for w in worker_ids}
    folded = Counter(s.lower() for s in slugs.values())
    for w, s in slugs.items():
        if folded[s.lower()] > 1:
            slugs[w] = f"{s}-{hashlib.sha1(w.encode('utf-8')).hexdigest()[:8]}"
    return {w: f"werkblad-{s}.html" for w, s in slugs.items()}


def _natural_key(text: str) -> tuple:
    """Sort key that puts W2 before W10."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part.lower())
        for part in re.split(r"(\d+)", text)
        if part
    ) + ((2, 0, text),)


def _write_atomic(path: Path, text: str | bytes, durable: bool = True) -> None:
    """Write ``text`` (UTF-8; bytes: already encoded) to ``path``: readers see the old or the
    new file, never half.

    ``durable=False`` writes the file plainly: for a private staging folder that nobody reads
    before its owner makes every staged file durable at once (the weekly batch's
    :meth:`doorstroom_match._atomic.WeekOutput.prepare`); one fsync per page would cost
    seconds per thousand workers.
    """
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    if not durable:
        with open(path, "wb") as fh:
            fh.write(data)
        return
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _km(km: float | None) -> str:
    if km is None:
        return ""
    return "minder dan 1 km" if km < 0.5 else f"{km:.0f} km"


# --------------------------------------------------------------------------- style sheet
_CSS = """
:root{--ink:#111827;--muted:#4b5563;--line:#d1d5db;--bg:#f9fafb;--card:#ffffff;--accent:#1d4ed8}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);
font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","DejaVu Sans",Arial,sans-serif;
font-size:15px;line-height:1.45}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5em;z-index:2}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);
white-space:nowrap}
.skip:focus{left:.5em}
.top{background:#1e3a8a;color:#fff;padding:1rem 1.5rem}
.top h1{margin:0;font-size:1.6rem}
.top p{margin:.25rem 0 0;color:#e0e7ff}
nav.pages{background:#fff;border-bottom:1px solid var(--line);padding:.6rem 1.5rem;font-size:.92rem}
nav.pages a{color:var(--accent)}
nav.pages ul{list-style:none;margin:.3rem 0 0;padding:0;display:flex;flex-wrap:wrap;gap:.3rem .9rem}
main{max-width:1320px;margin:0 auto;padding:1rem 1.5rem 2rem}
a{color:var(--accent)}
a:focus{outline:3px solid #f59e0b;outline-offset:2px}
h2{font-size:1.35rem;margin:0}
h3{font-size:1.05rem;margin:1rem 0 .5rem;color:#1f2937}
.worker{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:1rem 1.25rem;
margin:0 0 1.5rem}
.worker-head{display:flex;flex-wrap:wrap;align-items:baseline;gap:.2rem 1rem;
border-bottom:2px solid #1e3a8a;padding-bottom:.4rem}
.target{font-size:1.05rem}
.summary{color:var(--muted);margin:.4rem 0}
.legend{font-size:.8rem;color:var(--muted);margin:.3rem 0 .6rem;display:flex;flex-wrap:wrap;
gap:.2rem .9rem;align-items:center}
.legend-title{font-weight:600}
.key svg{vertical-align:-1px}
.cards{display:grid;grid-template-columns:1fr;gap:.9rem}
.match{border:1px solid var(--line);border-radius:6px;padding:.6rem .8rem;background:#fff;
break-inside:avoid;page-break-inside:avoid}
.match.new{border-left:5px solid #ca8a04}
.match-head{display:flex;align-items:baseline;gap:.5rem;flex-wrap:wrap}
.match h4{margin:0;font-size:1.05rem}
.rank{display:inline-block;min-width:1.7em;text-align:center;font-weight:700;color:#fff;
background:#374151;border-radius:3px;font-size:.85rem}
.badge{display:inline-block;padding:0 .45em;border-radius:3px;font-size:.78rem;font-weight:700;
letter-spacing:.02em;color:#fff;white-space:nowrap}
.kind-vacancy{background:#1d4ed8}.kind-tbs{background:#6d28d9}.kind-bvs{background:#0f766e}
.kind-enclave{background:#9a3412}
.badge.new{background:#fde047;color:#422006;border:1px solid #a16207}
.where{margin:.15rem 0 .3rem;color:var(--muted);font-size:.9rem}
.verdict{margin:.2rem 0;font-weight:600}
.verdict.ok{color:#166534}.verdict.gap{color:#9a3412}
.match-body{display:flex;flex-wrap:wrap;gap:.3rem 1.2rem;align-items:flex-start}
.match-text{flex:1 1 300px;min-width:0}
figure{margin:.3rem 0;flex:0 1 740px;min-width:0}
.gapchart{width:100%;max-width:740px;height:auto;display:block}
.fits,.gaps,.why{margin:.2rem 0;font-size:.9rem}
details{font-size:.88rem;color:var(--muted);margin-top:.3rem}
.none{color:var(--muted);font-style:italic}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.93rem}
th,td{border-bottom:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#eef2ff}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.coach{margin:0 0 1.8rem}
.coach-head{display:flex;flex-wrap:wrap;gap:.2rem 1rem;align-items:baseline;margin-bottom:.4rem}
.stats{display:flex;flex-wrap:wrap;gap:.5rem 2rem;margin:.6rem 0 1rem;padding:0;list-style:none}
.stats strong{font-size:1.3rem;display:block}
footer{color:var(--muted);font-size:.8rem;text-align:center;padding:1rem}
.badge.fb{background:#fff;color:#111827;border:1px solid #111827}
.badge.fb-gesolliciteerd,.badge.fb-aangenomen{background:#111827;color:#fff}
.match.far{border-style:dashed}
.beyond,.urgent{font-weight:700;color:#9a3412}
.lde.soon{font-weight:700;text-decoration:underline}
.facts-coach{margin:.35rem 0 .1rem;font-size:.92rem}
.disagree{font-style:italic}
.assigned,.opening{margin:.25rem 0;font-size:.93rem}
table.more{margin-top:.5rem;font-size:.88rem}
table.more caption{text-align:left;font-weight:600;padding:.2rem 0}
tr.far td{color:var(--muted)}
table.overview{font-size:.86rem}
.urgency{margin:0 0 1.5rem}
@media (max-width:700px){main{padding:.5rem}}
@page{size:A4;margin:14mm 12mm}
@media print{
body{background:#fff;font-size:11pt;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.skip,nav,.no-print,details{display:none!important}
.top{background:#fff;color:#000;padding:0 0 .3rem;border-bottom:2px solid #000}
.top p{color:#000}
main{max-width:none;padding:0}
a{color:inherit;text-decoration:none}
.worker{border:0;padding:0;margin:0;break-before:page;page-break-before:always}
.worker:first-of-type{break-before:auto;page-break-before:auto}
.worker-head,h3{break-after:avoid;page-break-after:avoid}
.cards{display:block}
body{font-size:9.5pt;line-height:1.3}
h2{font-size:13pt}
.legend{display:none}
.summary{margin:.15rem 0}
.match{margin:0 0 .3rem;padding:.25rem .4rem;break-inside:avoid;page-break-inside:avoid}
.match h4{font-size:10.5pt}
.where,.fits,.gaps,.why{margin:.05rem 0;font-size:8.5pt}
.verdict{margin:.05rem 0}
.match-body{flex-wrap:nowrap;gap:.2rem .6rem}
figure{flex:0 0 40%;margin:0}
.why,.fits{display:none}
.match-head{gap:.3rem}
.worker-head{padding-bottom:.15rem}
.facts-coach,.assigned,.opening{margin:.1rem 0;font-size:8.5pt}
.gapchart{max-width:100%}
table.more{font-size:7.5pt;margin-top:.15rem}
table.more caption{padding:0}
table.more .badge{font-size:6.5pt}
th,td{padding:.12rem .3rem}
table.overview{font-size:7.5pt}
table.overview .emp{display:none}
table.overview{line-height:1.15}
table.overview td,table.overview th{padding:.06rem .2rem}
table.overview .badge{font-size:6pt;padding:0 .25em}
.urgency{break-after:page;page-break-after:always}
.coach{break-inside:auto}
tr{break-inside:avoid;page-break-inside:avoid}
footer{display:none}
}
"""


def _page(title: str, header: str, nav: str, body: str, footer: str) -> str:
    return "\n".join(_page_lines(title, header, nav, [body], footer))


def _page_utf8(title: str, header: str, nav: str, body: list[str | bytes], footer: str) -> bytes:
    """A page from the lines of its body (str, or bytes already UTF-8 encoded), UTF-8 encoded.

    A coach page is megabytes: its lines are encoded one by one and joined as bytes, rather
    than joined into one string first (a copy, and two bytes a character once a chart's ✓
    is in it) and then encoded.
    """
    return b"\n".join(
        [
            line if type(line) is bytes else line.encode()
            for line in _page_lines(title, header, nav, body, footer)
        ]
    )


def _page_lines(title: str, header: str, nav: str, body: list[Any], footer: str) -> list[Any]:
    """The lines of a page: the head up to ``<main>``, the body's lines, the rest; joined
    with newlines."""
    return (
        [
            "<!DOCTYPE html>\n"
            '<html lang="nl">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_e(title)}</title>\n<style>{_CSS}{charts.SVG_CSS}</style>\n</head>\n"
            f"<body>\n{_SVG_DEFS}\n"
            '<a class="skip" href="#inhoud">Naar de inhoud</a>\n'
            f'<header class="top">{header}</header>\n{nav}\n'
            '<main id="inhoud">',
        ]
        + body
        + [f"</main>\n<footer>{footer}</footer>\n</body>\n</html>\n"]
    )


_SVG_DEFS = charts.svg_defs()


@functools.lru_cache(maxsize=64)
def _kind_badge(kind: str) -> str:
    text, explain = KIND_BADGES.get(kind, (kind, kind))
    return (
        f'<span class="badge kind-{_e(kind)}" title="{_e(explain)}">{_e(text)}'
        f'<span class="sr-only"> ({_e(explain)})</span></span>'
    )


_NEW_BADGE = '<span class="badge new">nieuw deze week</span>'
_LEGEND = charts.legend_html()


# --------------------------------------------------------------------------- input checks
def _check_inputs(workers, matches, vacancies, new_ids, week, title) -> list[WorkerProfile]:
    if isinstance(workers, WorkerProfile) or not isinstance(workers, Iterable):
        raise ValidationError(
            f"workers must be a list of WorkerProfile, got {type(workers).__name__}"
        )
    wks = list(workers)
    seen: set[str] = set()
    for i, w in enumerate(wks):
        if not isinstance(w, WorkerProfile):
            raise ValidationError(f"workers[{i}] must be a WorkerProfile, got {type(w).__name__}")
        if w.id in seen:
            raise DuplicateIdError(f"worker id {w.id!r} appears more than once in workers")
        seen.add(w.id)
    if not isinstance(matches, Mapping):
        raise ValidationError(
            "matches must be a mapping of worker id to a list of Match, "
            f"got {type(matches).__name__}"
        )
    if not isinstance(vacancies, Mapping):
        raise ValidationError(
            f"vacancies must be a mapping of vacancy id to Vacancy, got {type(vacancies).__name__}"
        )
    for vid, v in vacancies.items():
        if not isinstance(v, Vacancy):
            raise ValidationError(f"vacancies[{vid!r}] must be a Vacancy, got {type(v).__name__}")
    if isinstance(new_ids, str) or not isinstance(new_ids, Iterable):
        raise ValidationError(f"new_ids must be a set of vacancy ids, got {type(new_ids).__name__}")
    for name, value in (("week", week), ("title", title)):
        if not isinstance(value, str):
            raise ValidationError(f"{name} must be a string, got {type(value).__name__}")
    return wks


# --------------------------------------------------------------------------- bulletin
def _where_parts(
    s: Suggestion, worker: WorkerProfile, place: _Place, short: bool = False
) -> list[str]:
    where = [place.employer_span] if place.employer_span else []
    km = s.match.commute_km
    if km is not None:
        far = "" if short else " van thuis (vogelvlucht)"
        where.append(f'<span class="km">{_km(km)}{far}</span>')
    elif place.postcode:
        where.append(place.postcode)
    if not s.within:
        limit = worker.max_commute_km
        where.append(
            '<span class="beyond">buiten bereik'
            + (f" (grens {limit:.0f} km)" if limit is not None else "")
            + "</span>"
        )
    where.extend(place.tail)
    return where


def _status_badge(status: str | None) -> str:
    if not status:
        return ""
    if type(status) is not str:  # cached for str only
        return _status_badge_html.__wrapped__(status)
    return _status_badge_html(status)


@functools.lru_cache(maxsize=64)
def _status_badge_html(status: str) -> str:
    return (
        f' <span class="badge fb fb-{_e(status)}">{_e(FEEDBACK_LABELS.get(status, status))}</span>'
    )


@functools.lru_cache(maxsize=4096)
def _gap_words(label: str, required: int, actual: int | None) -> str:
    """A gap of a card's "Werkpunten" line: label and verdict, escaped."""
    return f"{_e(label)} ({_e(charts.ChartRow('', label, required, actual).verdict())})"


@functools.lru_cache(maxsize=4096)
def _why_html(reasons: tuple[str, ...]) -> str:
    """The reasons of a match that concern the job target, as a paragraph ("" when none)."""
    why = [r for r in reasons if "jobdoelwit" in r]  # text and occupation signals
    if not why:
        return ""
    text = "; ".join(why)
    return f'<p class="why">{_e(text[:1].upper() + text[1:])}</p>'


def _match_card(
    s: Suggestion,
    worker: WorkerProfile,
    new_ids: frozenset[str],
    chart_id: str,
    places: _Places,
) -> list[str | bytes]:
    """The lines of a suggestion's card (the page joins them with newlines); the chart is
    given UTF-8 encoded."""
    m, vacancy = s.match, s.vacancy
    place = places.of(s)
    is_new = m.vacancy_id in new_ids
    requirements = vacancy.requirements if vacancy is not None else {}
    table = places.competences(vacancy.dictionary) if vacancy is not None else {}
    rows = charts._card_rows(requirements, table, worker.competences, m.gaps)
    n_req = len(rows)
    fits = [r for r in rows if r[3] is not None and r[3] >= r[2]]
    gaps = [r for r in rows if r[3] is None or r[3] < r[2]]
    head_id = f"{chart_id}-titel"
    where = _where_parts(s, worker, place)
    if vacancy is not None and (vacancy.url or vacancy.contact):
        where.append(
            (
                f'<a class="url" href="{_e(vacancy.url)}">{_e(vacancy.url)}</a>'
                if vacancy.url
                else ""
            )
            + (f' <span class="contact">{_e(vacancy.contact)}</span>' if vacancy.contact else "")
        )
    where.append(f'<span class="vid">ref. {place.vid}</span>')

    inferred = not requirements and getattr(m, "requirements_source", "vacancy") == "inferred"
    if not n_req:
        verdict = (
            '<p class="verdict ok">Voldoet aan het minimum afgeleid van het beroep</p>'
            if inferred
            else '<p class="verdict ok">Geen minimumniveaus gevraagd</p>'
        )
        chart = ""
    else:
        if inferred:  # only the gaps are known: the vacancy states no cut-off of its own
            verdict = (
                f'<p class="verdict gap">{len(gaps)} werkpunt{"en" if len(gaps) > 1 else ""} '
                "tegenover het minimum afgeleid van het beroep</p>"
            )
        elif not gaps:
            verdict = f'<p class="verdict ok">Voldoet aan alle {n_req} minimumniveaus</p>'
        else:
            verdict = (
                f'<p class="verdict gap">Voldoet aan {len(fits)} van {n_req} minimumniveaus '
                f"&middot; {len(gaps)} werkpunt{'en' if len(gaps) > 1 else ''}</p>"
            )
        chart = charts._gap_chart_utf8(  # bytes: see _page_utf8
            rows,
            chart_id,
            f"Gemeten niveau tegenover het minimum voor {place.title}",
            '<figure class="chart">',
            "</figure>",
        )
    parts = [
        f'<article class="match{" new" if is_new else ""}{"" if s.within else " far"}" '
        f'aria-labelledby="{head_id}" data-vacancy="{place.vid}">',
        '<div class="match-head">'
        f'<span class="rank" title="rang">{s.position}</span>'
        f'<h4 id="{head_id}">{place.title}</h4> {_kind_badge(s.kind)}'
        + (f" {_NEW_BADGE}" if is_new else "")
        + _status_badge(s.status)
        + "</div>",
        f'<p class="where">{" &middot; ".join(where)}</p>',
        verdict,
        '<div class="match-body">',
        chart,
        '<div class="match-text">',
    ]
    if fits:
        parts.append(
            '<p class="fits"><strong>Wat past:</strong> '
            + ", ".join([_e(r[1]) for r in fits])
            + "</p>"
        )
    if gaps:
        parts.append(
            '<p class="gaps"><strong>Werkpunten:</strong> '
            + "; ".join([_gap_words(r[1], r[2], r[3]) for r in gaps])
            + "</p>"
        )
    reasons = m.reasons
    parts.append(_why_html(reasons) if type(reasons) is tuple else _why_html.__wrapped__(reasons))
    if vacancy is not None and vacancy.description:
        desc = vacancy.description
        if len(desc) > 600:
            desc = desc[:599].rstrip() + "…"
        parts.append(f"<details><summary>Beschrijving</summary><p>{_e_once(desc)}</p></details>")
    parts.append("</div></div></article>")
    return [p for p in parts if p]


def _match_row(s: Suggestion, worker: WorkerProfile, new_ids: frozenset[str], place: _Place) -> str:
    """One more suggestion as a compact table row (same rank order as the cards)."""
    m = s.match
    if m.passes_cutoff:
        verdict = '<span class="verdict ok">voldoet</span>'
    else:
        labels = ", ".join([_e(g.label) for g in m.gaps[:2]]) + ("…" if len(m.gaps) > 2 else "")
        verdict = (
            f'<span class="verdict gap">{len(m.gaps)} werkpunt'
            f"{'en' if len(m.gaps) != 1 else ''}</span>: {labels}"
        )
    where = _where_parts(s, worker, place, short=True)[:3]
    return (
        f'<tr class="more-row{"" if s.within else " far"}" data-vacancy="{place.vid}">'
        f'<td class="num">{s.position}</td>'
        f"<td><strong>{place.title}</strong> {_kind_badge(s.kind)}"
        + (f" {_NEW_BADGE}" if m.vacancy_id in new_ids else "")
        + _status_badge(s.status)
        + f'</td><td class="where">{" &middot; ".join(where)}</td>'
        f"<td>{verdict}</td></tr>"
    )


def _assignment_text(
    record: Mapping[str, Any] | None, vacancies: Mapping[str, Vacancy]
) -> str | None:
    """The coach's line on the internship place assigned this week (None: no record)."""
    if record is None:
        return None
    if not isinstance(record, Mapping):
        raise ValidationError(
            f"assignments values must be mappings with 'place_id', got {type(record).__name__}"
        )
    pid = record.get("place_id")
    reason = record.get("reason")
    if pid is None:
        return "Geen stageplaats toegewezen" + (f": {_e(reason)}" if reason else "")
    v = vacancies.get(str(pid))
    title = v.title if v is not None else str(pid)
    text = f"<strong>{_e(title)}</strong>"
    if v is not None:
        text += f" {_kind_badge(v.kind)}" + (f" &middot; {_e(v.employer)}" if v.employer else "")
    text += f' <span class="vid">ref. {_e(pid)}</span>'
    if reason:
        text += f" &middot; {_e(reason)}"
    return "Stageplaats toegewezen: " + text


def _worker_facts(worker: WorkerProfile, today: _dt.date | None) -> str:
    """Limits, regime, LDE end and rater disagreements: what a coach checks first."""
    d = worker.dictionary
    facts = []
    if worker.contract:
        facts.append(f"contract {_e(worker.contract)}")
    if worker.lde_end_date is not None:
        soon = today is not None and (worker.lde_end_date - today).days <= 183
        facts.append(
            f'<span class="lde{" soon" if soon else ""}">LDE loopt af op '
            f"{worker.lde_end_date.isoformat()}</span>"
        )
    facts.append(f"regime {_e(worker.regime)}" if worker.regime else "regime onbekend")
    facts.append(
        f"max. {worker.max_commute_km:.0f} km"
        if worker.max_commute_km is not None
        else "geen km-grens"
    )
    if worker.disagreements:
        facts.append(
            '<span class="disagree">beoordelaars oneens over '
            + ", ".join(_e(d.label(c)) for c in worker.disagreements)
            + "</span>"
        )
    return '<p class="facts-coach">' + " &middot; ".join(facts) + "</p>"


@dataclasses.dataclass(frozen=True)
class _View:
    """What the pages show of one worker, computed once."""

    worker: WorkerProfile
    suggestions: list[Suggestion]
    n_new: int
    n_within: int
    opening: Any
    assignment: Mapping[str, Any] | None

    def urgency(self) -> tuple:
        # LDE term ending soonest first, then no suggestion within reach, then most new
        end = self.worker.lde_end_date or _dt.date.max
        return (end, self.n_within > 0, -self.n_new, _natural_key(self.worker.id))


def _worker_section(
    view: _View,
    vacancies: Mapping[str, Vacancy],
    new_ids: frozenset[str],
    wslug: str,
    counter: list[int],
    today: _dt.date | None,
    sheet_name: str | None,
    places: _Places,
    n_cards: int = 3,
) -> list[str | bytes]:
    """The lines of a worker's section of the coach page (joined with newlines there)."""
    worker, wmatches = view.worker, view.suggestions
    head_id = f"wh-{wslug}"
    target = worker.job_target
    n_pass = sum(1 for s in wmatches if s.match.passes_cutoff)
    summary = (
        f"{len(wmatches)} suggestie{'s' if len(wmatches) != 1 else ''} &middot; "
        f"{view.n_within} binnen bereik &middot; "
        f"{view.n_new} nieuw deze week &middot; {n_pass} voldoe{'n' if n_pass != 1 else 't'} "
        "aan alle minimumniveaus"
    )
    parts = [
        f'<section class="worker" id="w-{wslug}" aria-labelledby="{head_id}" '
        f'data-worker="{_e(worker.id)}">',
        '<div class="worker-head">'
        f'<h2 id="{head_id}">Werknemer {_e(worker.id)}</h2>'
        + (
            f'<span class="target">Jobdoelwit: <strong>{_e(target)}</strong></span>'
            if target
            else '<span class="target">Jobdoelwit: <em>nog niet vastgelegd</em></span>'
        )
        + (
            f'<a class="no-print" href="{_e(sheet_name)}">Werkblad voor de werknemer</a>'
            if sheet_name
            else ""
        )
        + "</div>",
        _worker_facts(worker, today),
        f'<p class="summary">{summary}</p>',
    ]
    assigned = _assignment_text(view.assignment, vacancies)
    if assigned:
        parts.append(f'<p class="assigned">{assigned}</p>')
    if view.opening is not None and view.opening.competence is not None:
        ids = ", ".join(_e(v) for v in view.opening.vacancy_ids[:5])
        more = "…" if view.opening.n_opened > 5 else ""
        parts.append(
            '<p class="opening"><strong>Werkpunt dat de meeste deuren opent:</strong> '
            f"{_e(view.opening.describe())} ({ids}{more})</p>"
        )
    if not wmatches:
        parts.append('<p class="none">Deze week geen passende vacatures of stageplaatsen.</p>')
    else:
        if view.n_within == 0:
            parts.append(
                '<p class="none">Geen suggestie binnen de km-grens van de werknemer; '
                "hieronder de beste daarbuiten.</p>"
            )
        parts.append(_LEGEND)
        parts.append('<div class="cards">')
        for s in wmatches[:n_cards]:
            counter[0] += 1
            parts += _match_card(s, worker, new_ids, f"g{counter[0]}", places)
        parts.append("</div>")
        rest = wmatches[n_cards:]
        if rest:
            parts.append(
                '<table class="more"><caption>Meer suggesties, in dezelfde rangorde</caption>'
                '<thead><tr><th scope="col">Rang</th><th scope="col">Vacature of plaats</th>'
                '<th scope="col">Waar</th><th scope="col">Oordeel</th></tr></thead><tbody>'
                + "".join([_match_row(s, worker, new_ids, places.of(s)) for s in rest])
                + "</tbody></table>"
            )
    parts.append("</section>")
    return [p for p in parts if p]


def _overview_tables(
    views: Sequence[_View],
    vacancies: Mapping[str, Vacancy],
    new_ids: frozenset[str],
    anchor: Any,
    prefixes: Sequence[str],
    today: _dt.date | None,
    places: _Places,
) -> list[str]:
    """Workers by urgency: LDE end, suggestions within reach, new this week, limits.

    One table per prefix of the links (the coach page links to ``#w-...`` on itself, the
    overview to ``coach-...html#w-...``); the rows are built once, the links put in after.
    """
    with_places = any(v.assignment is not None for v in views)  # a column only when assigned
    heads: list[str] = []
    tails: list[str] = []
    for view in views:
        w = view.worker
        d = w.dictionary
        best = next((s for s in view.suggestions if s.within), None)
        if best is not None:
            fit = (
                '<span class="verdict ok">voldoet</span>'
                if best.match.passes_cutoff
                else f'<span class="verdict gap">{len(best.match.gaps)} werkpunt'
                f"{'en' if len(best.match.gaps) != 1 else ''}</span>"
            )
            place = places.of(best)
            best_html = (
                f"<strong>{place.title}</strong>"
                + (f'<span class="emp"> &middot; {place.employer}</span>' if place.employer else "")
                + f" {_kind_badge(best.kind)}"
                + (f" {_NEW_BADGE}" if best.match.vacancy_id in new_ids else "")
                + _status_badge(best.status)
                + (
                    f" &middot; {_km(best.match.commute_km)}"
                    if best.match.commute_km is not None
                    else ""
                )
                + f" &middot; {fit}"
            )
        else:
            best_html = '<span class="none urgent">geen suggestie binnen bereik</span>'
        lde = ""
        if w.lde_end_date is not None:
            soon = today is not None and (w.lde_end_date - today).days <= 183
            lde = f'<span class="lde{" soon" if soon else ""}">{w.lde_end_date.isoformat()}</span>'
        assigned = ""
        rec = view.assignment
        if rec is not None and isinstance(rec, Mapping):
            pid = rec.get("place_id")
            if pid is not None:
                v = vacancies.get(str(pid))
                assigned = _e(v.title if v is not None else pid)
            else:
                assigned = '<span class="none">geen</span>'
        wid = _e(w.id)
        heads.append(f'<tr data-worker="{wid}"><td><a href="')
        tails.append(
            f'{_e(anchor(w))}">{wid}</a></td>'
            f"<td>{_e(w.job_target or '')}</td><td>{lde}</td>"
            f"<td>{_e(w.regime or '')}</td>"
            f'<td class="num">{"" if w.max_commute_km is None else f"{w.max_commute_km:.0f}"}</td>'
            f"<td>{', '.join([_e(d.label(c)) for c in w.disagreements])}</td>"
            f"<td>{best_html}</td>"
            f'<td class="num">{view.n_within}</td><td class="num">{view.n_new}</td>'
            + (f"<td>{assigned}</td>" if with_places else "")
            + "</tr>"
        )
    head = (
        '<table class="overview"><thead><tr><th scope="col">Werknemer</th>'
        '<th scope="col">Jobdoelwit</th><th scope="col">LDE-einde</th>'
        '<th scope="col">Regime</th><th scope="col">Max. km</th>'
        '<th scope="col">Beoordelaars oneens</th><th scope="col">Beste suggestie binnen bereik</th>'
        '<th scope="col">Binnen bereik</th><th scope="col">Nieuw deze week</th>'
        + ('<th scope="col">Stageplaats</th>' if with_places else "")
        + "</tr></thead><tbody>"
    )
    tables = []
    for prefix in prefixes:
        link = _e(prefix)  # escaping works character by character: _e(a + b) == _e(a) + _e(b)
        rows = "".join([f"{h}{link}{t}" for h, t in zip(heads, tails, strict=True)])
        tables.append(f"{head}{rows}</tbody></table>")
    return tables


def _sorted_matches(ms: Iterable[Any]) -> list[Any]:
    return sorted(ms, key=lambda m: (int(m.rank), -float(m.score), str(m.vacancy_id)))


def _check_optional_maps(assignments, feedback, opening) -> None:
    for name, value in (("assignments", assignments), ("feedback", feedback)):
        if value is not None and not isinstance(value, Mapping):
            raise ValidationError(
                f"{name} must be a mapping keyed by worker id or None, got {type(value).__name__}"
            )
    if not (isinstance(opening, bool) or isinstance(opening, Mapping)):
        raise ValidationError(
            "opening must be True, False or a mapping of worker id to OpeningGap, "
            f"got {type(opening).__name__}"
        )


def _report_date(week: str) -> _dt.date | None:
    m = re.search(r"\d{4}-\d{2}-\d{2}", week)
    if m:
        try:
            return _dt.date.fromisoformat(m.group(0))
        except ValueError:
            return None
    return None


#: Below this many workers the pages are rendered in this process (starting processes would
#: cost more than it saves).
_MIN_PARALLEL_WORKERS = 200


@dataclasses.dataclass(frozen=True)
class _RenderState:
    """Everything the coach pages and sheets are rendered from (shared with forked processes)."""

    matches: Mapping[str, Sequence[Any]]
    feedback: Mapping[str, Mapping[str, str]]
    opening_of: Mapping[str, Any]
    assignments: Mapping[str, Mapping[str, Any]]
    by_coach: Mapping[str | None, list[WorkerProfile]]
    vacancies: Mapping[str, Vacancy]
    new: frozenset[str]
    today: _dt.date | None
    page_of: Mapping[str | None, str]
    wslug: Mapping[str, str]
    sheet_of: Mapping[str, str]
    week: str
    week_label: str
    week_txt: str
    title: str
    out: Path
    durable: bool
    #: HTML of the vacancies, filled as the pages need it (each forked process its own)
    places: _Places = dataclasses.field(default_factory=_Places)


def _view(st: _RenderState, worker: WorkerProfile) -> _View:
    """What the pages show of ``worker``: built where its pages are rendered (in a forked
    process, the worker's matches are built there too, see ``batch._WeekMatches``)."""
    sugg = ordered_suggestions(
        worker, st.matches.get(worker.id, ()), st.vacancies, st.feedback.get(worker.id)
    )
    n_new = n_within = 0
    for s in sugg:
        n_new += s.match.vacancy_id in st.new
        n_within += s.within
    return _View(
        worker, sugg, n_new, n_within, st.opening_of.get(worker.id), st.assignments.get(worker.id)
    )


#: A coach with more workers than this gets their sheets rendered in separate tasks, so that
#: one large group (workers without a coach) does not keep a single process busy.
_SHEETS_PER_TASK = 500


def _coach_page(st: _RenderState, coach: str | None) -> tuple[Path, str, int, frozenset[str]]:
    """Write one coach's page and (when the group is small) the sheets of its workers.

    Returns its path, its overview table, its number of new vacancies and the ids of every
    vacancy suggested on it.
    """
    vacancies, new, today, wslug = st.vacancies, st.new, st.today, st.wslug
    group = st.by_coach[coach]
    members = sorted((_view(st, w) for w in group), key=_View.urgency)
    coach_name = "zonder coach" if coach is None else f"coach {coach}"
    counter = [0]
    places = st.places
    lines: list[str | bytes] = []  # of the worker sections: the page is joined once
    for v in members:
        lines += _worker_section(
            v,
            vacancies,
            new,
            wslug[v.worker.id],
            counter,
            today,
            st.sheet_of.get(v.worker.id),
            places,
        )
    n_new_coach = {
        s.match.vacancy_id for v in members for s in v.suggestions if s.match.vacancy_id in new
    }
    page_name = st.page_of[coach]
    # the same table twice: here with links within the page, on the index to this page
    on_page, overview = _overview_tables(
        members, vacancies, new, lambda w: f"#w-{wslug[w.id]}", ("", page_name), today, places
    )
    worker_links = "".join(
        f'<li><a href="#w-{wslug[v.worker.id]}">{_e(v.worker.id)}'
        + (f" &middot; {_e(v.worker.job_target)}" if v.worker.job_target else "")
        + "</a></li>"
        for v in members
    )
    nav = (
        '<nav class="pages" aria-label="Navigatie">'
        '<a href="index.html">&larr; Overzicht van alle coaches</a>'
        f'<ul aria-label="Werknemers">{worker_links}</ul></nav>'
    )
    header = (
        f"<h1>{_e(st.title)} &middot; {_e(coach_name)}</h1>"
        f"<p>{len(members)} werknemer{'s' if len(members) != 1 else ''}"
        f" &middot; {len(n_new_coach)} nieuwe vacature"
        f"{'s' if len(n_new_coach) != 1 else ''} deze week{st.week_txt}</p>"
    )
    urgent = (
        '<section class="urgency" aria-labelledby="urg"><h2 id="urg">Wie eerst?</h2>'
        '<p class="summary">Eerst wie het snelst uit de LDE moet, dan wie geen suggestie '
        "binnen bereik heeft, dan wie de meeste nieuwe suggesties heeft.</p>"
        + on_page
        + "</section>"
    )
    page = _page_utf8(
        f"{st.title} – {coach_name}" + (f" – {st.week_label}" if st.week else ""),
        header,
        nav,
        [urgent, *lines],
        "Vertrouwelijk: enkel voor de doorstroomcoach. Gemaakt met doorstroom_match.",
    )
    path = st.out / page_name
    _write_atomic(path, page, st.durable)
    if st.sheet_of and len(group) <= _SHEETS_PER_TASK:
        _sheet_pages(st, members)
    suggested = frozenset(s.match.vacancy_id for v in members for s in v.suggestions)
    return path, overview, len(n_new_coach), suggested


def _sheet_pages(st: _RenderState, views: Sequence[_View]) -> list[Path]:
    """Write the sheets of the workers of ``views``; returns their paths in the same order."""
    paths = []
    for view in views:
        wid = view.worker.id
        body = _sheet_body(
            view.worker,
            view.suggestions,
            st.vacancies,
            assignment=view.assignment,
            opening=view.opening,
            week=st.week_label,
            places=st.places,
        )
        page = _sheet_page(f"Werkblad {wid}" + (f" – {st.week_label}" if st.week else ""), body)
        path = st.out / st.sheet_of[wid]
        _write_atomic(path, page, st.durable)
        paths.append(path)
    return paths


#: The state of the render in progress, for forked processes (they inherit it; nothing of a
#: worker is pickled or sent anywhere).
_FORK_STATE: list[_RenderState] = []


def _render_task(st: _RenderState, task: tuple[str, Any]) -> Any:
    kind, arg = task
    if kind == "coach":
        return _coach_page(st, arg)
    by_id = {w.id: w for w in st.by_coach[arg[0]]}
    return _sheet_pages(st, [_view(st, by_id[wid]) for wid in arg[1]])


def _forked_task(task: tuple[str, Any]) -> Any:
    return _render_task(_FORK_STATE[-1], task)


def _map_tasks(st: _RenderState, tasks: list[tuple[str, Any]], jobs: int) -> list[Any]:
    """Results of the render tasks, in order: in ``jobs`` forked processes where the platform
    forks (Linux), otherwise (or with ``jobs=1``) in this process. Each process writes its own
    pages; only paths and overview tables come back."""
    from .._fork import can_fork, forked_pool

    if jobs <= 1 or len(tasks) <= 1 or not can_fork():
        return [_render_task(st, t) for t in tasks]

    _FORK_STATE.append(st)
    try:
        with forked_pool(min(jobs, len(tasks))) as pool:
            return list(pool.map(_forked_task, tasks))
    finally:
        _FORK_STATE.pop()


def bulletin_openings(
    workers: Sequence[WorkerProfile], vacancies: Mapping[str, Vacancy]
) -> dict[str, Any]:
    """The bulletin's werkpunt per worker (``opening=True`` of :func:`render_bulletin`).

    :func:`doorstroom_match.opening_gaps` over the regular vacancies that state their cut-off
    (an inferred one is the ranking's estimate), never proposing ``fysieke_mogelijkheden`` (a
    physical or medical capability is no werkpunt to practise). The weekly batch computes it
    on its own thread while the ranking runs and passes the mapping as ``opening``.

    Returns
    -------
    dict of str to OpeningGap
        Worker id -> gap.
    """
    from ..opening import opening_gaps

    regular = [v for v in vacancies.values() if v.kind == "vacancy" and v.requirements]
    wks = list(workers)
    gaps = opening_gaps(wks, regular, exclude=("fysieke_mogelijkheden",)) if wks else []
    return {g.worker_id: g for g in gaps}


def render_bulletin(
    out_dir: str | os.PathLike[str],
    workers: list[WorkerProfile],
    matches: dict[str, list[Any]],
    vacancies: dict[str, Vacancy],
    *,
    new_ids: set[str] = frozenset(),
    week: str = "",
    title: str = "Vacaturekrant",
    assignments: Mapping[str, Mapping[str, Any]] | None = None,
    feedback: Mapping[str, Mapping[str, str]] | None = None,
    opening: bool | Mapping[str, Any] = True,
    sheets: bool = True,
    durable: bool = True,
    jobs: int = 1,
) -> list[Path]:
    """Write the weekly vacancy bulletin as HTML: an overview, one page per coach, one sheet
    per worker.

    Parameters
    ----------
    out_dir : path
        The batch's output folder; the pages go to ``out_dir/bulletin/`` (created).
    workers : list of WorkerProfile
        Unique ids. Grouped by ``coach``; workers without a coach go to
        ``coach-zonder-coach.html``. Shown: id, job target, contract and LDE end date, regime,
        commute limit, means of transport and rater disagreements; never limits or levels in
        words beyond the charts.
    matches : dict of str to list of Match
        Worker id -> that worker's ranked matches (:func:`doorstroom_match.match`). A worker
        without an entry is listed with "no suggestions"; entries for unknown workers are
        ignored. One rank order per worker across vacancies and places; a match whose
        ``within_commute`` is False (or whose ``commute_km`` exceeds the worker's
        ``max_commute_km``) is shown as beyond reach, with the worker's limit.
    vacancies : dict of str to Vacancy
        Vacancy id -> vacancy or place, for kind, employer, requirements, dates, ``url`` and
        ``contact``. A match whose vacancy is missing is still shown from the fields of the
        match (its chart then only shows the gaps).
    new_ids : set of str, optional
        Vacancy ids that are new this week: flagged "nieuw deze week" and counted.
    week : str, optional
        Shown in the title ("2026-W48", or "2026-11-23 (week 48)": a date in it is the day
        against which "LDE ends within six months" is flagged); the only place a date can
        enter the output.
    title : str, default="Vacaturekrant"
        Title of the pages.
    assignments : mapping of str to mapping, optional
        Worker id -> ``{"place_id": str | None, "cost": float, "reason": str}``: the internship
        place assigned this week (or ``place_id=None`` with the reason why none), shown on the
        coach page, the overview and the worker's sheet.
    feedback : mapping of str to mapping of str to str, optional
        Worker id -> {vacancy id -> status} (:meth:`doorstroom_match.store.Store.
        feedback_statuses`): ``niet_relevant`` pairs are left out, other statuses shown
        ("gesolliciteerd").
    opening : bool or mapping of str to OpeningGap, default=True
        The werkpunt that opens most doors per worker: True computes it with
        :func:`doorstroom_match.opening_gaps` over the regular vacancies of ``vacancies`` that
        state their cut-off (within each worker's commute limit), a mapping gives it (for
        instance computed over the ranking's inferred cut-offs too), False leaves it out.
    sheets : bool, default=True
        Also write one sheet per worker, ``werkblad-<id>.html`` (easy Dutch, one A4 page,
        :mod:`doorstroom_match.bulletin.sheet`).
    durable : bool, default=True
        Write each page through a temporary file and fsync it, so that a reader never sees
        half a page. False writes plainly: only for a private staging folder whose owner makes
        all files durable at once before anyone reads them (the weekly batch does).
    jobs : int, default=1
        Processes that render the coach pages and sheets (forked, on platforms that fork; from
        200 workers on). The pages are the same bytes for any ``jobs``.

    Returns
    -------
    list of pathlib.Path
        ``index.html`` first, then the coach pages in coach order, then the sheets.

    Raises
    ------
    ValidationError
        When an argument has the wrong type (the message names it).
    DuplicateIdError
        When two workers share an id.

    Examples
    --------
    >>> import tempfile
    >>> from doorstroom_match import WorkerProfile, Vacancy, match
    >>> w = WorkerProfile("W1", {"samenwerken": 3}, job_target="magazijnier", coach="C1")
    >>> v = Vacancy("V1", "Magazijnier", employer="Logistiek NV", requirements={"samenwerken": 3})
    >>> paths = render_bulletin(tempfile.mkdtemp(), [w], {"W1": match(w, [v])}, {"V1": v})
    >>> [p.name for p in paths]
    ['index.html', 'coach-C1.html', 'werkblad-W1.html']
    """
    wks = _check_inputs(workers, matches, vacancies, new_ids, week, title)
    _check_optional_maps(assignments, feedback, opening)
    if not isinstance(durable, bool):
        raise ValidationError(f"durable must be True or False, got {type(durable).__name__}")
    jobs = check_int(jobs, "jobs", low=1)
    new = frozenset(str(x) for x in new_ids)
    out = Path(out_dir) / "bulletin"
    out.mkdir(parents=True, exist_ok=True)
    today = _report_date(week)
    assignments = assignments or {}
    feedback = feedback or {}

    if opening is True:
        opening_of: Mapping[str, Any] = bulletin_openings(wks, vacancies)
    elif opening is False:
        opening_of = {}
    else:
        opening_of = opening

    by_coach: dict[str | None, list[WorkerProfile]] = {}
    for w in wks:
        by_coach.setdefault(w.coach, []).append(w)
    coaches = sorted((c for c in by_coach if c is not None), key=_natural_key)
    if None in by_coach:
        coaches.append(None)
    page_of = _page_names(coaches)
    wslug = {w.id: _slug(w.id) for w in wks}
    sheet_of = _sheet_names([w.id for w in wks]) if sheets else {}
    # "2026-W48" reads "week 2026-W48"; a text that already names the week is kept as is
    week_label = (week if "week" in week.lower() else f"week {week}") if week else ""
    week_txt = f" &middot; {_e(week_label)}" if week else ""

    # coach pages and sheets: independent of each other, so rendered in ``jobs`` processes
    # when there is enough to do (the output does not depend on ``jobs``); each task builds
    # the views (and the matches) of its own workers
    state = _RenderState(
        matches=matches,
        feedback=feedback,
        opening_of=opening_of,
        assignments=assignments,
        by_coach=by_coach,
        vacancies=vacancies,
        new=new,
        today=today,
        page_of=page_of,
        wslug=wslug,
        sheet_of=sheet_of,
        week=week,
        week_label=week_label,
        week_txt=week_txt,
        title=title,
        out=out,
        durable=durable,
    )
    tasks: list[tuple[str, Any]] = [("coach", c) for c in coaches]
    if sheets:  # the sheets of a large group in tasks of their own (see _SHEETS_PER_TASK)
        for c in coaches:
            ids = [w.id for w in by_coach[c]]
            if len(ids) > _SHEETS_PER_TASK:
                step = _SHEETS_PER_TASK
                tasks += [("sheets", (c, ids[i : i + step])) for i in range(0, len(ids), step)]
    done = _map_tasks(state, tasks, jobs if len(wks) >= _MIN_PARALLEL_WORKERS else 1)
    paths: list[Path] = []
    overview: dict[str | None, str] = {}
    new_per_coach: dict[str | None, int] = {}
    suggested: set[str] = set()
    for (kind, arg), result in zip(tasks, done, strict=True):
        if kind == "coach":
            path, overview[arg], new_per_coach[arg], ids = result
            paths.append(path)
            suggested |= ids
    sheet_paths = (
        [out / sheet_of[w.id] for w in sorted(wks, key=lambda x: _natural_key(x.id))]
        if sheets
        else []
    )
    n_new_all = len(suggested & new)

    # overview, written last so that it never links to a page that is not there yet
    coach_sections = []
    for coach in coaches:
        coach_name = "Zonder coach" if coach is None else f"Coach {coach}"
        n = len(by_coach[coach])
        coach_sections.append(
            f'<section class="coach" aria-labelledby="c-{_e(page_of[coach][6:-5])}">'
            '<div class="coach-head">'
            f'<h2 id="c-{_e(page_of[coach][6:-5])}">{_e(coach_name)}</h2>'
            f'<a href="{_e(page_of[coach])}">Open de vacaturekrant ({n} werknemer'
            f"{'s' if n != 1 else ''})</a>"
            f'<span class="summary">{new_per_coach[coach]} nieuwe vacature'
            f"{'s' if new_per_coach[coach] != 1 else ''} deze week</span></div>"
            + overview[coach]
            + "</section>"
        )
    n_sugg = len(suggested)
    stats = (
        '<ul class="stats">'
        f"<li><strong>{len(wks)}</strong> werknemers</li>"
        f"<li><strong>{len([c for c in coaches if c is not None])}</strong> coaches</li>"
        f"<li><strong>{n_sugg}</strong> verschillende vacatures en plaatsen voorgesteld</li>"
        f"<li><strong>{n_new_all}</strong> daarvan nieuw deze week</li></ul>"
    )
    nav = (
        '<nav class="pages" aria-label="Coaches"><ul>'
        + "".join(
            f'<li><a href="{_e(page_of[c])}">'
            f"{_e('zonder coach' if c is None else 'coach ' + c)}</a></li>"
            for c in coaches
        )
        + "</ul></nav>"
    )
    body = stats + (
        "\n".join(coach_sections) if coach_sections else '<p class="none">Geen werknemers.</p>'
    )
    index = _page(
        title + (f" – {week_label}" if week else ""),
        f"<h1>{_e(title)}</h1><p>Overzicht per coach, per werknemer op urgentie{week_txt}</p>",
        nav,
        body,
        "Vertrouwelijk: enkel voor de doorstroomcoaches. Gemaakt met doorstroom_match.",
    )
    index_path = out / "index.html"
    _write_atomic(index_path, index, durable)

    # pages of coaches and workers who are no longer in this week's input would mislead
    keep = {p.name for p in [*paths, *sheet_paths]}
    for pattern in ("coach-*.html", "werkblad-*.html"):
        for old in sorted(out.glob(pattern)):
            if old.name not in keep:
                old.unlink()
    return [index_path, *paths, *sheet_paths]


def _sheet_page(title: str, body: str) -> bytes:
    """A worker's sheet, UTF-8 encoded in parts (the style sheet once per render; the title's
    dash would make the whole page a two-byte string)."""
    return b"".join(
        [
            _SHEET_HEAD,
            f"<title>{_e(title)}</title>\n".encode(),
            _sheet_style(),
            body.encode(),
            b"</main>\n</body>\n</html>\n",
        ]
    )


_SHEET_HEAD = (
    b"<!DOCTYPE html>\n"
    b'<html lang="nl">\n<head>\n<meta charset="utf-8">\n'
    b'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
)


@functools.cache
def _sheet_style() -> bytes:
    return f"<style>{_SHEET_BASE_CSS}{SHEET_CSS}</style>\n</head>\n<body>\n<main>".encode()


_SHEET_BASE_CSS = """
*{box-sizing:border-box}
body{margin:0;background:#f3f4f6;color:#000;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","DejaVu Sans",Arial,sans-serif}
main{padding:1rem 0}
@page{size:A4;margin:12mm 14mm}
@media print{body{background:#fff}main{padding:0}}
"""


def print_to_pdf(
    html_path: str | os.PathLike[str],
    pdf_path: str | os.PathLike[str] | None = None,
    *,
    browser: str | None = None,
    timeout: float = 120.0,
) -> Path:
    """Print a page (a worker's sheet, a coach page) to PDF with headless Chromium.

    Parameters
    ----------
    html_path : path
    pdf_path : path, optional
        Default: next to the page, with ``.pdf``.
    browser : str, optional
        The Chromium binary; found on the ``PATH`` (``chromium``, ``chromium-browser``,
        ``google-chrome``) when None.
    timeout : float, default=120
        Seconds before the browser is given up.

    Returns
    -------
    pathlib.Path
        The PDF (A4, the page's print style sheet).

    Raises
    ------
    BackendUnavailableError
        No Chromium found (install Debian's ``chromium``).
    FeedError
        Chromium ran but wrote no PDF.
    """
    import shutil
    import subprocess

    src = Path(html_path).resolve()
    dst = Path(pdf_path) if pdf_path is not None else src.with_suffix(".pdf")
    binary = browser or next(
        (
            found
            for name in ("chromium", "chromium-browser", "google-chrome")
            if (found := shutil.which(name))
        ),
        None,
    )
    if binary is None:
        raise BackendUnavailableError(
            "print_to_pdf needs headless Chromium, found none on the PATH (install the Debian "
            "package 'chromium', or pass browser=)"
        )
    with tempfile.TemporaryDirectory(prefix="dm-chromium-") as profile:
        cmd = [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
            f"--user-data-dir={profile}",
            f"--print-to-pdf={dst.resolve()}",
            src.as_uri(),
        ]
        try:
            subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise FeedError(f"chromium did not print {src.name} within {timeout:.0f} s") from None
    if not dst.is_file() or dst.stat().st_size == 0:
        raise FeedError(f"chromium wrote no PDF for {src.name}")
    return dst


# --------------------------------------------------------------------------- outcomes
#: Rate name of :meth:`doorstroom_match.store.Store.outcome_report` -> (Dutch label, denominator).
OUTCOME_RATE_LABELS: dict[str, tuple[str, str]] = {
    "applied / matched": ("Gesolliciteerd", "werknemers met een voorstel uit de batch"),
    "internship_started / applied": ("Stage gestart", "werknemers die solliciteerden"),
    "hired / matched": ("Aangeworven (doorstroom)", "werknemers met een voorstel uit de batch"),
    "hired / internship_started": ("Aangeworven na stage", "werknemers met een gestarte stage"),
    "employed_3m / hired_3m_ago": (
        "Nog aan het werk na 3 maanden",
        "werknemers die minstens 3 maanden geleden aangeworven werden",
    ),
    "employed_6m / hired_6m_ago": (
        "Nog aan het werk na 6 maanden",
        "werknemers die minstens 6 maanden geleden aangeworven werden",
    ),
    "discussed / matched": (
        "Suggestie besproken (feedback van de coach)",
        "werknemers met een voorstel uit de batch",
    ),
    "internship_completed / internship_started": (
        "Stage afgerond",
        "werknemers met een gestarte stage",
    ),
    "aftercare_3m / hired_3m_ago": (
        "Nazorgcontact na 3 maanden",
        "werknemers die minstens 3 maanden geleden aangeworven werden",
    ),
    "aftercare_6m / hired_6m_ago": (
        "Nazorgcontact na 6 maanden",
        "werknemers die minstens 6 maanden geleden aangeworven werden",
    ),
    "internal_move / followed": (
        "Interne doorstroom naar een zwaardere functie",
        "alle opgevolgde werknemers",
    ),
    "job_target_clarified / followed": ("Duidelijker jobdoelwit", "alle opgevolgde werknemers"),
    "returned_after_try / tried": (
        "Terug naar de werkplaats na een poging",
        "werknemers die een stage begonnen of aangeworven werden",
    ),
    "any_success / followed": (
        "Een succes zoals het veld het telt (aangeworven, stage afgerond, interne doorstroom "
        "of duidelijker jobdoelwit)",
        "alle opgevolgde werknemers",
    ),
}


def _outcome_rows(report: Any) -> list[tuple[str, str, int, int, str]]:
    """(key, label, count, denominator, denominator label) per outcome, in report order.

    Accepts the store's list of rates (``OutcomeRate`` objects or their records, with ``name``,
    ``numerator``, ``denominator``), a mapping of outcome -> counts, or either under ``"rates"``.
    """
    rates = report.get("rates", report) if isinstance(report, Mapping) else report
    items: list[tuple[str, Any]]
    if isinstance(rates, Mapping):
        keys = [k for k in OUTCOME_LABELS if k in rates] + sorted(
            k
            for k, v in rates.items()
            if k not in OUTCOME_LABELS and not isinstance(v, str | int | float | type(None))
        )
        items = [(str(k), rates[k]) for k in keys]
    elif isinstance(rates, Sequence) and not isinstance(rates, str | bytes):
        items = []
        for i, r in enumerate(rates):
            rec = r.to_record() if hasattr(r, "to_record") else r
            if not isinstance(rec, Mapping) or "name" not in rec:
                raise ValidationError(
                    f"report rate {i} must be an OutcomeRate or a mapping with 'name', "
                    f"'numerator' and 'denominator', got {type(r).__name__}"
                )
            items.append((str(rec["name"]), rec))
    else:
        raise ValidationError(
            "report['rates'] must be a mapping of outcome to counts or a list of rates, "
            f"got {type(rates).__name__}"
        )
    out = []
    for key, value in items:
        default_label, default_of = OUTCOME_RATE_LABELS.get(
            key, (OUTCOME_LABELS.get(key, key.replace("_", " ")), "")
        )
        if isinstance(value, Mapping):
            count = next(
                (value[k] for k in ("count", "numerator", "n", "events") if k in value), None
            )
            denom = next(
                (value[k] for k in ("denominator", "total", "of", "base") if k in value), None
            )
            label = value.get("label") or default_label
            of = (
                value.get("denominator_label")
                or default_of
                or value.get("of")
                or value.get("meaning")
                or ""
            )
        elif isinstance(value, tuple | list) and len(value) == 2:
            count, denom = value
            label, of = default_label, default_of
        else:
            raise ValidationError(
                f"report outcome {key!r} must be a mapping with 'count' and 'denominator' "
                f"or a (count, denominator) pair, got {value!r}"
            )
        for name, x in (("count", count), ("denominator", denom)):
            if isinstance(x, bool) or not isinstance(x, int) or x < 0:
                raise ValidationError(f"{name} of outcome {key!r} must be an int >= 0, got {x!r}")
        out.append((key, str(label), count, denom, str(of)))
    return out


def render_outcomes(out_dir: str | os.PathLike[str], report: Mapping[str, Any]) -> Path:
    """Write ``out_dir/bulletin/outcomes.html``: the outcome rates, each with its denominator.

    The field measures success in different ways, so every rate is shown on its own, with the
    group it is a share of ("3 van 12 werknemers met een gestarte stage").

    Parameters
    ----------
    out_dir : path
        The page goes to ``out_dir/bulletin/`` (created).
    report : mapping
        ``{"rates": store.outcome_report(as_of), "as_of": "2026-11-23"}``: the rates as the
        store's list of ``OutcomeRate`` (or their ``to_record()`` dicts: ``name``,
        ``numerator``, ``denominator``), shown in list order with Dutch labels for the store's
        rate names. Also accepted: ``"rates"`` (or the report itself) as a mapping of outcome
        key -> ``{"count": int, "denominator": int}`` (optional ``label`` and
        ``denominator_label``) or a ``(count, denominator)`` pair; known keys ``applied``,
        ``internship_started``, ``hired``, ``employed_3m``, ``employed_6m`` come first in that
        order. Optional: ``"title"``, ``"as_of"`` or ``"period"`` (shown under the title),
        ``"workers"`` (number of workers followed).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ValidationError
        When ``report`` is not a mapping, a rate has no name, or a count is not an int >= 0.
    """
    if not isinstance(report, Mapping):
        raise ValidationError(f"report must be a mapping, got {type(report).__name__}")
    outcomes = _outcome_rows(report)
    title = str(report.get("title") or "Uitkomsten van de doorstroom")
    as_of = report.get("as_of")
    period = str(report.get("period") or (f"Stand op {as_of}" if as_of else ""))
    rows = []
    for key, label, count, denom, of in outcomes:
        pct = f"{100 * count / denom:.0f}%" if denom else "–"
        of = f"{count} van {denom} {of}" if of else of
        rows.append(
            f'<tr data-outcome="{_e(key)}"><th scope="row">{_e(label)}</th>'
            f'<td class="num">{count}</td><td class="num">{denom}</td>'
            f'<td class="num">{pct}</td><td>{_e(of)}</td>'
            f"<td>{charts.rate_bar_svg(count, denom, label=label)}</td></tr>"
        )
    intro = (
        "<p>Elke uitkomst heeft een eigen noemer: de groep werknemers waarvoor die uitkomst al "
        "kon worden vastgesteld. Elke werknemer telt één keer, hoeveel vacatures er ook waren. "
        "De percentages zijn dus niet onderling op te tellen.</p>"
    )
    workers = report.get("workers")
    stats = ""
    if isinstance(workers, int) and not isinstance(workers, bool):
        stats = f'<ul class="stats"><li><strong>{workers}</strong> werknemers opgevolgd</li></ul>'
    table = (
        (
            '<table><thead><tr><th scope="col">Uitkomst</th><th scope="col">Aantal</th>'
            '<th scope="col">Noemer</th><th scope="col">Percentage</th>'
            '<th scope="col">Van</th><th scope="col">Grafiek</th></tr></thead><tbody>'
            + "".join(rows)
            + "</tbody></table>"
        )
        if rows
        else '<p class="none">Nog geen uitkomsten geregistreerd.</p>'
    )
    page = _page(
        title,
        f"<h1>{_e(title)}</h1>" + (f"<p>{_e(period)}</p>" if period else ""),
        '<nav class="pages"><a href="index.html">&larr; Vacaturekrant</a></nav>',
        stats + intro + table,
        "Gemaakt met doorstroom_match.",
    )
    out = Path(out_dir) / "bulletin"
    out.mkdir(parents=True, exist_ok=True)
    path = out / "outcomes.html"
    _write_atomic(path, page)
    return path
