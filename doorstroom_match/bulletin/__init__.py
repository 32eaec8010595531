"""The weekly vacancy bulletin (*vacaturekrant*) as self-contained HTML, and the outcomes page.

:func:`render_bulletin` writes ``OUT_DIR/bulletin/index.html`` (an overview per coach: each worker
with their best suggestion and how many suggestions are new this week) and one page per coach,
``OUT_DIR/bulletin/coach-<id>.html`` (workers without a coach on ``coach-zonder-coach.html``).
A coach page holds, per worker, the best vacancies and partner internship places with their kind,
whether they are new this week, the commute, what fits and which gaps remain, drawn as a small
chart (:mod:`doorstroom_match.bulletin.charts`).

The pages are meant to be opened on an offline machine and printed: no external CSS, script or
font; a print style sheet puts one worker per page, hides the navigation and never splits a match
over two pages. Every text that comes from a feed is HTML-escaped. The only personal data shown
is the worker's id and job target. Output is deterministic (the same input gives byte-identical
files; there is no timestamp unless the caller passes one in ``week``) and each file is written
atomically (a temporary file in the same folder, then :func:`os.replace`).

:func:`render_outcomes` writes ``OUT_DIR/bulletin/outcomes.html``: the outcome rates of the
after-care monitoring (applied, internship started, hired, employed after 3 and 6 months), each
with its own denominator.
"""

from __future__ import annotations

import functools
import hashlib
import html
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .._exceptions import DuplicateIdError, ValidationError
from ..profiles import Vacancy, WorkerProfile
from . import charts

__all__ = [
    "render_bulletin",
    "render_outcomes",
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
@functools.lru_cache(maxsize=8192)
def _escape_str(text: str) -> str:
    return html.escape(text, quote=True)


def _e(text: object) -> str:
    # cached for str only (1, 1.0 and True hash alike): labels, verdicts and titles repeat
    # thousands of times in a bulletin
    return _escape_str(text) if type(text) is str else html.escape(str(text), quote=True)


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


def _natural_key(text: str) -> tuple:
    """Sort key that puts W2 before W10."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part.lower())
        for part in re.split(r"(\d+)", text)
        if part
    ) + ((2, 0, text),)


def _write_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path``: readers see the old or the new file, never half."""
    data = text.encode("utf-8")
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
.match{margin:0 0 .5rem;break-inside:avoid;page-break-inside:avoid}
.coach{break-inside:auto}
tr{break-inside:avoid;page-break-inside:avoid}
footer{display:none}
}
"""


def _page(title: str, header: str, nav: str, body: str, footer: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="nl">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}{charts.SVG_CSS}</style>\n</head>\n<body>\n"
        f"{charts.svg_defs()}\n"
        '<a class="skip" href="#inhoud">Naar de inhoud</a>\n'
        f'<header class="top">{header}</header>\n{nav}\n'
        f'<main id="inhoud">\n{body}\n</main>\n<footer>{footer}</footer>\n</body>\n</html>\n'
    )


def _kind_badge(kind: str) -> str:
    text, explain = KIND_BADGES.get(kind, (kind, kind))
    return (
        f'<span class="badge kind-{_e(kind)}" title="{_e(explain)}">{_e(text)}'
        f'<span class="sr-only"> ({_e(explain)})</span></span>'
    )


_NEW_BADGE = '<span class="badge new">nieuw deze week</span>'


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
def _match_card(
    m: Any,
    worker: WorkerProfile,
    vacancy: Vacancy | None,
    new_ids: frozenset[str],
    chart_id: str,
) -> str:
    is_new = m.vacancy_id in new_ids
    kind = vacancy.kind if vacancy is not None else (m.kind or "vacancy")
    title = vacancy.title if vacancy is not None else (m.title or m.vacancy_id)
    employer = vacancy.employer if vacancy is not None else m.employer
    if vacancy is not None:
        d = vacancy.dictionary
        labels = {c: d.label(c) for c in vacancy.requirements}
        groups = {c: (d.get(c).group if d.get(c) else "") for c in vacancy.requirements}
        requirements = vacancy.requirements
    else:
        labels, groups, requirements = {}, {}, {}
    rows = charts.chart_rows(requirements, worker.competences, m.gaps, labels=labels, groups=groups)
    n_req = len(rows)
    fits = [r for r in rows if r.status == "met"]
    gaps = [r for r in rows if r.status != "met"]
    head_id = f"{chart_id}-titel"

    where = []
    if employer:
        where.append(f'<span class="employer">{_e(employer)}</span>')
    if m.commute_km is not None:
        where.append(f'<span class="km">{_km(m.commute_km)} van thuis (vogelvlucht)</span>')
    elif vacancy is not None and vacancy.postcode:
        where.append(f"postcode {_e(vacancy.postcode)}")
    if vacancy is not None:
        if vacancy.bvs_days:
            where.append(f"{vacancy.bvs_days} dag{'en' if vacancy.bvs_days > 1 else ''}")
        if vacancy.regime:
            where.append(_e(vacancy.regime))
        if vacancy.valid_until is not None:
            where.append(f"open tot {vacancy.valid_until.isoformat()}")
    where.append(f'<span class="vid">ref. {_e(m.vacancy_id)}</span>')

    if not n_req:
        verdict = '<p class="verdict ok">Geen minimumniveaus gevraagd</p>'
        chart = ""
    else:
        if not gaps:
            verdict = f'<p class="verdict ok">Voldoet aan alle {n_req} minimumniveaus</p>'
        else:
            verdict = (
                f'<p class="verdict gap">Voldoet aan {len(fits)} van {n_req} minimumniveaus '
                f"&middot; {len(gaps)} werkpunt{'en' if len(gaps) > 1 else ''}</p>"
            )
        svg = charts.gap_chart_svg(
            rows,
            chart_id=chart_id,
            title=f"Gemeten niveau tegenover het minimum voor {title}",
        )
        chart = f'<figure class="chart">{svg}</figure>'
    parts = [
        f'<article class="match{" new" if is_new else ""}" aria-labelledby="{head_id}" '
        f'data-vacancy="{_e(m.vacancy_id)}">',
        '<div class="match-head">'
        f'<span class="rank" title="rang">{int(m.rank)}</span>'
        f'<h4 id="{head_id}">{_e(title)}</h4> {_kind_badge(kind)}'
        + (f" {_NEW_BADGE}" if is_new else "")
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
            + ", ".join(_e(r.label) for r in fits)
            + "</p>"
        )
    if gaps:
        parts.append(
            '<p class="gaps"><strong>Werkpunten:</strong> '
            + "; ".join(f"{_e(r.label)} ({_e(r.verdict())})" for r in gaps)
            + "</p>"
        )
    why = [r for r in m.reasons if "jobdoelwit" in r]  # text and occupation signals
    if why:
        text = "; ".join(why)
        parts.append(f'<p class="why">{_e(text[:1].upper() + text[1:])}</p>')
    if vacancy is not None and vacancy.description:
        desc = vacancy.description
        if len(desc) > 600:
            desc = desc[:599].rstrip() + "…"
        parts.append(f"<details><summary>Beschrijving</summary><p>{_e(desc)}</p></details>")
    parts.append("</div></div></article>")
    return "\n".join(p for p in parts if p)


def _worker_section(
    worker: WorkerProfile,
    wmatches: Sequence[Any],
    vacancies: Mapping[str, Vacancy],
    new_ids: frozenset[str],
    wslug: str,
    counter: list[int],
) -> str:
    head_id = f"wh-{wslug}"
    target = worker.job_target
    n_new = sum(1 for m in wmatches if m.vacancy_id in new_ids)
    n_pass = sum(1 for m in wmatches if m.passes_cutoff)
    summary = (
        f"{len(wmatches)} suggestie{'s' if len(wmatches) != 1 else ''} &middot; "
        f"{n_new} nieuw deze week &middot; {n_pass} voldoe{'n' if n_pass != 1 else 't'} aan "
        "alle minimumniveaus"
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
        + "</div>",
        f'<p class="summary">{summary}</p>',
    ]
    if not wmatches:
        parts.append('<p class="none">Deze week geen passende vacatures of stageplaatsen.</p>')
    else:
        parts.append(charts.legend_html())

        def kind_of(m):
            v = vacancies.get(m.vacancy_id)
            return v.kind if v is not None else (m.kind or "vacancy")

        jobs = [m for m in wmatches if kind_of(m) == "vacancy"]
        places = [m for m in wmatches if kind_of(m) != "vacancy"]
        sections = [
            ("Vacatures", jobs),
            ("Stageplaatsen bij partners (TBS, BVS, enclave)", places),
        ]
        # the group holding the best suggestion comes first
        sections.sort(key=lambda s: min((int(m.rank) for m in s[1]), default=1 << 30))
        for heading, group in sections:
            if not group:
                continue
            parts.append(f"<h3>{heading}</h3>")
            parts.append('<div class="cards">')
            for m in group:
                counter[0] += 1
                parts.append(
                    _match_card(m, worker, vacancies.get(m.vacancy_id), new_ids, f"g{counter[0]}")
                )
            parts.append("</div>")
    parts.append("</section>")
    return "\n".join(parts)


def _sorted_matches(ms: Iterable[Any]) -> list[Any]:
    return sorted(ms, key=lambda m: (int(m.rank), -float(m.score), str(m.vacancy_id)))


def render_bulletin(
    out_dir: str | os.PathLike[str],
    workers: list[WorkerProfile],
    matches: dict[str, list[Any]],
    vacancies: dict[str, Vacancy],
    *,
    new_ids: set[str] = frozenset(),
    week: str = "",
    title: str = "Vacaturekrant",
) -> list[Path]:
    """Write the weekly vacancy bulletin as HTML: an overview and one page per coach.

    Parameters
    ----------
    out_dir : path
        The batch's output folder; the pages go to ``out_dir/bulletin/`` (created).
    workers : list of WorkerProfile
        Unique ids. Grouped by ``coach``; workers without a coach go to
        ``coach-zonder-coach.html``. Only the id and the job target are shown.
    matches : dict of str to list of Match
        Worker id -> that worker's ranked matches (:func:`doorstroom_match.match`). A worker
        without an entry is listed with "no suggestions"; entries for unknown workers are
        ignored.
    vacancies : dict of str to Vacancy
        Vacancy id -> vacancy or place, for kind, employer, requirements and dates. A match
        whose vacancy is missing is still shown from the fields of the match (its chart then
        only shows the gaps).
    new_ids : set of str, optional
        Vacancy ids that are new this week: flagged "nieuw deze week" and counted.
    week : str, optional
        Shown in the title ("2026-W48"); the only place a date can enter the output.
    title : str, default="Vacaturekrant"
        Title of the pages.

    Returns
    -------
    list of pathlib.Path
        ``index.html`` first, then the coach pages in coach order.

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
    ['index.html', 'coach-C1.html']
    """
    wks = _check_inputs(workers, matches, vacancies, new_ids, week, title)
    new = frozenset(str(x) for x in new_ids)
    out = Path(out_dir) / "bulletin"
    out.mkdir(parents=True, exist_ok=True)

    by_coach: dict[str | None, list[WorkerProfile]] = {}
    for w in wks:
        by_coach.setdefault(w.coach, []).append(w)
    coaches = sorted((c for c in by_coach if c is not None), key=_natural_key)
    if None in by_coach:
        coaches.append(None)
    page_of = _page_names(coaches)
    wslug = {w.id: _slug(w.id) for w in wks}
    # "2026-W48" reads "week 2026-W48"; a text that already names the week is kept as is
    week_label = (week if "week" in week.lower() else f"week {week}") if week else ""
    week_txt = f" &middot; {_e(week_label)}" if week else ""
    n_new_all = len(
        {m.vacancy_id for w in wks for m in matches.get(w.id, ()) if m.vacancy_id in new}
    )

    paths: list[Path] = []
    index_rows: dict[str | None, list[str]] = {}
    new_per_coach: dict[str | None, int] = {}
    for coach in coaches:
        members = sorted(by_coach[coach], key=lambda w: _natural_key(w.id))
        coach_name = "zonder coach" if coach is None else f"coach {coach}"
        counter = [0]
        sections = []
        rows = []
        n_new_coach: set[str] = set()
        for w in members:
            wm = _sorted_matches(matches.get(w.id, ()))
            sections.append(_worker_section(w, wm, vacancies, new, wslug[w.id], counter))
            n_new = sum(1 for m in wm if m.vacancy_id in new)
            n_new_coach.update(m.vacancy_id for m in wm if m.vacancy_id in new)
            link = f"{page_of[coach]}#w-{wslug[w.id]}"
            if wm:
                best = wm[0]
                v = vacancies.get(best.vacancy_id)
                btitle = v.title if v is not None else (best.title or best.vacancy_id)
                bemp = v.employer if v is not None else best.employer
                bkind = v.kind if v is not None else (best.kind or "vacancy")
                fit = (
                    '<span class="verdict ok">voldoet</span>'
                    if best.passes_cutoff
                    else f'<span class="verdict gap">{len(best.gaps)} werkpunt'
                    f"{'en' if len(best.gaps) != 1 else ''}</span>"
                )
                best_html = (
                    f"<strong>{_e(btitle)}</strong>"
                    + (f" &middot; {_e(bemp)}" if bemp else "")
                    + f" {_kind_badge(bkind)}"
                    + (f" {_NEW_BADGE}" if best.vacancy_id in new else "")
                    + (f" &middot; {_km(best.commute_km)}" if best.commute_km is not None else "")
                    + f" &middot; {fit}"
                )
            else:
                best_html = '<span class="none">geen suggesties</span>'
            rows.append(
                f'<tr data-worker="{_e(w.id)}"><td><a href="{_e(link)}">{_e(w.id)}</a></td>'
                f"<td>{_e(w.job_target or '')}</td><td>{best_html}</td>"
                f'<td class="num">{len(wm)}</td><td class="num">{n_new}</td></tr>'
            )
        index_rows[coach] = rows
        new_per_coach[coach] = len(n_new_coach)
        worker_links = "".join(
            f'<li><a href="#w-{wslug[w.id]}">{_e(w.id)}'
            + (f" &middot; {_e(w.job_target)}" if w.job_target else "")
            + "</a></li>"
            for w in members
        )
        nav = (
            '<nav class="pages" aria-label="Navigatie">'
            '<a href="index.html">&larr; Overzicht van alle coaches</a>'
            f'<ul aria-label="Werknemers">{worker_links}</ul></nav>'
        )
        header = (
            f"<h1>{_e(title)} &middot; {_e(coach_name)}</h1>"
            f"<p>{len(members)} werknemer{'s' if len(members) != 1 else ''}"
            f" &middot; {len(n_new_coach)} nieuwe vacature"
            f"{'s' if len(n_new_coach) != 1 else ''} deze week{week_txt}</p>"
        )
        page = _page(
            f"{title} – {coach_name}" + (f" – {week_label}" if week else ""),
            header,
            nav,
            "\n".join(sections),
            "Vertrouwelijk: enkel voor de doorstroomcoach. Gemaakt met doorstroom_match.",
        )
        path = out / page_of[coach]
        _write_atomic(path, page)
        paths.append(path)

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
            '<table><thead><tr><th scope="col">Werknemer</th><th scope="col">Jobdoelwit</th>'
            '<th scope="col">Beste suggestie</th><th scope="col">Suggesties</th>'
            '<th scope="col">Nieuw deze week</th></tr></thead><tbody>'
            + "".join(index_rows[coach])
            + "</tbody></table></section>"
        )
    n_sugg = len({m.vacancy_id for w in wks for m in matches.get(w.id, ())})
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
        f"<h1>{_e(title)}</h1><p>Overzicht per coach{week_txt}</p>",
        nav,
        body,
        "Vertrouwelijk: enkel voor de doorstroomcoaches. Gemaakt met doorstroom_match.",
    )
    index_path = out / "index.html"
    _write_atomic(index_path, index)

    # pages of coaches who are no longer in this week's input would mislead: remove them
    keep = {p.name for p in paths}
    for old in sorted(out.glob("coach-*.html")):
        if old.name not in keep:
            old.unlink()
    return [index_path, *paths]


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
            of = value.get("denominator_label") or default_of or value.get("meaning") or ""
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
