"""The rater-calibration page for coordinators (``bulletin/kalibratie.html``).

One self-contained, printable page in the bulletin's style (:mod:`doorstroom_match.bulletin`):
how strict each rater is (in logits and in levels, with a small chart of the estimate and its
95% interval), who rates erratically (mean-square at or above the misfit limit), how
self-assessments compare with raters, how hard each competence is to rate highly, the
rating-scale thresholds, what the data do not support (raters in separate subsets, raters with
little data, levels nobody used) and, when given, the workers whose pass/fail on a cut-off
changes after calibration (by id only).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from .._exceptions import ValidationError
from ..calibration import CutoffChange, RaterCalibration
from . import _e, _page, _write_atomic

__all__ = ["calibration_html", "render_calibration", "PAGE_NAME"]

#: File name of the page inside ``OUT_DIR/bulletin/``.
PAGE_NAME = "kalibratie.html"

_EXTRA_CSS = (
    "<style>main h2{margin:1.4rem 0 .5rem}.sev{width:180px;height:18px;display:block}"
    ".sev line.axis{stroke:#9ca3af}"
    ".sev line.ci{stroke:#1e3a8a;stroke-width:2}.sev circle{fill:#1e3a8a}"
    "tr.misfit td{background:#fff7ed}.flag{font-weight:600;color:#9a3412}"
    ".note{background:#fffbeb;border:1px solid #f59e0b;border-radius:6px;padding:.5rem .8rem;"
    "margin:.6rem 0}</style>"
)


def _num(x: float | None, digits: int = 2, sign: bool = False) -> str:
    if x is None or x != x:  # None or NaN
        return "–"
    return f"{x:+.{digits}f}" if sign else f"{x:.{digits}f}"


def _sev_svg(value: float, se: float, lim: float, label: str) -> str:
    """A dot with its 95% interval on a shared axis from -lim to +lim."""

    def px(v: float) -> float:
        return 10 + 160 * (min(max(v, -lim), lim) + lim) / (2 * lim)

    lo, hi = value - 1.96 * se, value + 1.96 * se
    return (
        f'<svg class="sev" viewBox="0 0 180 18" role="img" aria-label="{_e(label)}">'
        f'<line class="axis" x1="{px(0):.1f}" y1="2" x2="{px(0):.1f}" y2="16"/>'
        f'<line class="ci" x1="{px(lo):.1f}" y1="9" x2="{px(hi):.1f}" y2="9"/>'
        f'<circle cx="{px(value):.1f}" cy="9" r="4"/></svg>'
    )


def _in_levels(lv: float) -> str:
    if lv != lv:
        return "–"
    if abs(lv) < 0.05:
        return "zoals collega's"
    return f"{abs(lv):.1f} niveau {'lager' if lv > 0 else 'hoger'}"


def calibration_html(
    calibration: RaterCalibration,
    *,
    changes: Sequence[CutoffChange] | None = None,
    title: str = "Kalibratie van de beoordelaars",
    period: str | None = None,
) -> str:
    """The page as an HTML string (see :func:`render_calibration`)."""
    if not isinstance(calibration, RaterCalibration):
        raise ValidationError(
            f"calibration must be a RaterCalibration, got {type(calibration).__name__}"
        )
    cal = calibration
    ch = cal.checks
    stats = (
        '<ul class="stats">'
        f"<li><strong>{ch.n_ratings}</strong> beoordelingen</li>"
        f"<li><strong>{ch.n_workers}</strong> werknemers</li>"
        f"<li><strong>{ch.n_raters}</strong> beoordelaars</li>"
        f"<li><strong>{ch.n_competences}</strong> competenties</li>"
        f"<li><strong>{len(cal.misfits)}</strong> met onregelmatige scores</li>"
        "</ul>"
    )
    intro = (
        "<p>Elke beoordeling is aangepast voor de strengheid van wie ze gaf (het many-facet "
        "Rasch-model: werknemer, competentie en beoordelaar op één schaal). <em>Strengheid</em> "
        "is in logit (0 = gemiddelde beoordelaar, positief = strenger) en in niveaus: hoeveel "
        "lager of hoger iemand gemiddeld scoort dan een gemiddelde collega voor dezelfde "
        "werknemers. De lijn toont het 95%-interval. <em>Infit</em> en <em>outfit</em> zijn 1 "
        f"als de scores zo regelmatig zijn als verwacht; vanaf {cal.misfit:.1f} zijn ze "
        "onregelmatig: bespreek dan de criteria met die beoordelaar. Beoordelaars tellen in de "
        "eerlijke niveaus mee naar hun fit (gewicht).</p>"
    )
    notes = []
    if len(ch.subsets) > 1:
        sizes = ", ".join(str(len(s)) for s in ch.subsets)
        how = (
            "Ze zijn enkel via de zelfbeoordelingen op één schaal gezet."
            if ch.linked_by_self
            else "Hun strengheid is enkel binnen een groep vergelijkbaar."
        )
        notes.append(
            f"De beoordelaars vallen uiteen in {len(ch.subsets)} groepen zonder gemeenschappelijke "
            f"werknemer (groottes {sizes}). {how} Laat enkele werknemers door beoordelaars uit "
            "verschillende groepen beoordelen."
        )
    if ch.thin_raters:
        notes.append(
            f"{len(ch.thin_raters)} beoordelaar(s) met weinig beoordelingen: hun strengheid is "
            f"onzeker ({', '.join(_e(r) for r in ch.thin_raters[:20])}"
            f"{' …' if len(ch.thin_raters) > 20 else ''})."
        )
    if ch.extreme_workers:
        notes.append(
            f"{len(ch.extreme_workers)} werknemer(s) kregen overal het hoogste of overal het "
            "laagste niveau: hun meting steunt op de spreiding van de anderen."
        )
    if ch.unused_levels:
        notes.append(f"Niveau(s) {', '.join(map(str, ch.unused_levels))} werden nooit gegeven.")
    if not ch.converged:
        notes.append("De schatting is niet volledig geconvergeerd.")
    note_html = "".join(f'<p class="note">{n}</p>' for n in notes)

    sev = cal.severity
    lim = max([1.0] + [abs(v) + 2 * cal.severity_se[r] for r, v in sev.items()])
    lim = min(lim, 4.0)
    subset_of = {r: k for k, sub in enumerate(ch.subsets, start=1) for r in sub}
    rows = []
    for r in sorted(cal.raters, key=lambda q: (-sev[q], str(q))):
        fit = cal.fit[r]
        flags = []
        if r in cal.misfits:
            flags.append('<span class="flag">onregelmatig</span>')
        if r in ch.thin_raters:
            flags.append("weinig data")
        if len(ch.subsets) > 1:
            flags.append(f"groep {subset_of.get(r, '?')}")
        cls = ' class="misfit"' if r in cal.misfits else ""
        rows.append(
            f'<tr{cls} data-rater="{_e(r)}"><th scope="row">{_e(r)}</th>'
            f'<td class="num">{cal.n_ratings[r]}</td>'
            f'<td class="num">{_num(sev[r], sign=True)} ± {_num(cal.severity_se[r])}</td>'
            f"<td>{_sev_svg(sev[r], cal.severity_se[r], lim, f'strengheid {sev[r]:+.2f}')}</td>"
            f"<td>{_e(_in_levels(cal.severity_levels[r]))}</td>"
            f'<td class="num">{_num(fit["infit"])}</td><td class="num">{_num(fit["outfit"])}</td>'
            f'<td class="num">{_num(cal.weights[r])}</td><td>{", ".join(flags)}</td></tr>'
        )
    raters = (
        "<h2>Beoordelaars</h2>"
        '<table><thead><tr><th scope="col">Beoordelaar</th><th scope="col">Beoordelingen</th>'
        '<th scope="col">Strengheid (logit ± SE)</th><th scope="col">Grafiek</th>'
        '<th scope="col">Scoort gemiddeld</th><th scope="col">Infit</th>'
        '<th scope="col">Outfit</th><th scope="col">Gewicht</th><th scope="col">Signaal</th>'
        "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )
    own = ""
    s = cal.self_assessment
    if s is not None:
        how = (
            "even hoog als een gemiddelde beoordelaar"
            if abs(s.severity_levels) < 0.05
            else (
                f"gemiddeld {abs(s.severity_levels):.1f} niveau "
                f"{'hoger' if s.severity_levels < 0 else 'lager'} dan een gemiddelde beoordelaar"
            )
        )
        own = (
            "<h2>Zelfbeoordeling</h2>"
            f"<p>Werknemers scoren zichzelf {how} (strengheid {s.severity:+.2f} ± {s.se:.2f} "
            f"logit, {s.n_ratings} zelfbeoordelingen, infit {s.infit:.2f}, outfit "
            f"{s.outfit:.2f}). De zelfbeoordeling blijft een aparte bron en telt mee met "
            f"gewicht {s.weight:.2f}.</p>"
        )
    crow = []
    for comp in sorted(cal.competences, key=lambda q: (-cal.difficulty[q], str(q))):
        fit = cal.competence_fit[comp]
        crow.append(
            f'<tr data-competence="{_e(comp)}"><th scope="row">{_e(comp)}</th>'
            f'<td class="num">{cal.competence_ratings[comp]}</td>'
            f'<td class="num">{_num(cal.difficulty[comp], sign=True)} ± '
            f"{_num(cal.difficulty_se[comp])}</td>"
            f'<td class="num">{_num(fit["infit"])}</td><td class="num">{_num(fit["outfit"])}</td>'
            "</tr>"
        )
    comps = (
        "<h2>Competenties</h2><p>Moeilijkheid: positief = moeilijker om hoog op te scoren.</p>"
        '<table><thead><tr><th scope="col">Competentie</th><th scope="col">Beoordelingen</th>'
        '<th scope="col">Moeilijkheid (logit ± SE)</th><th scope="col">Infit</th>'
        '<th scope="col">Outfit</th></tr></thead><tbody>' + "".join(crow) + "</tbody></table>"
    )
    trow = "".join(
        f'<tr><th scope="row">{k + 1} → {k + 2}</th>'
        f'<td class="num">{_num(float(cal.thresholds[k]), sign=True)} ± '
        f"{_num(float(cal.thresholds_se[k]))}</td></tr>"
        for k in range(3)
    )
    thresholds = (
        "<h2>Drempels van de schaal</h2><p>Waar een volgend niveau even waarschijnlijk wordt "
        "als het vorige (oplopend = de vier niveaus worden elk gebruikt zoals bedoeld).</p>"
        '<table><thead><tr><th scope="col">Overgang</th><th scope="col">Drempel (logit ± SE)'
        "</th></tr></thead><tbody>" + trow + "</tbody></table>"
    )
    change_html = ""
    if changes is not None:
        items = []
        for c in changes:
            verdict = "haalt nu de drempel" if c.passes_after else "haalt de drempel niet meer"
            where = f" voor {_e(c.cutoff)}" if c.cutoff is not None else ""
            comps_txt = ", ".join(_e(x) for x in c.competences)
            items.append(
                f'<tr data-worker="{_e(c.worker)}"><th scope="row">{_e(c.worker)}</th>'
                f"<td>{verdict}{where}</td><td>{comps_txt}</td></tr>"
            )
        change_html = "<h2>Wie verandert van oordeel na kalibratie</h2>" + (
            '<table><thead><tr><th scope="col">Werknemer</th><th scope="col">Na kalibratie</th>'
            '<th scope="col">Competenties</th></tr></thead><tbody>'
            + "".join(items)
            + "</tbody></table>"
            if items
            else '<p class="none">Niemand: de kalibratie verandert geen enkel oordeel.</p>'
        )
    body = _EXTRA_CSS + stats + intro + note_html + raters + own + change_html + comps + thresholds
    return _page(
        title,
        f"<h1>{_e(title)}</h1>" + (f"<p>{_e(period)}</p>" if period else ""),
        '<nav class="pages"><a href="index.html">&larr; Vacaturekrant</a></nav>',
        body,
        "Gemaakt met doorstroom_match.",
    )


def render_calibration(
    out_dir: str | os.PathLike[str],
    calibration: RaterCalibration,
    *,
    changes: Sequence[CutoffChange] | None = None,
    title: str = "Kalibratie van de beoordelaars",
    period: str | None = None,
) -> Path:
    """Write ``out_dir/bulletin/kalibratie.html``: the rater-calibration page.

    Parameters
    ----------
    out_dir : path
        The page goes to ``out_dir/bulletin/`` (created).
    calibration : RaterCalibration
    changes : sequence of CutoffChange, optional
        From :func:`~doorstroom_match.calibration.cutoff_changes`: listed by worker id.
    title, period : str
        Page title and a line under it (e.g. the week).

    Returns
    -------
    pathlib.Path
    """
    page = calibration_html(calibration, changes=changes, title=title, period=period)
    out = Path(out_dir) / "bulletin"
    out.mkdir(parents=True, exist_ok=True)
    path = out / PAGE_NAME
    _write_atomic(path, page)
    return path
