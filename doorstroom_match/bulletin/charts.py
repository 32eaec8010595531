"""Small, deterministic inline SVG charts for the vacancy bulletin.

No plotting library: each chart is a few dozen SVG elements written by hand, so the bulletin
renders fast, has no heavy dependency in the hot path, and the same input gives byte-identical
markup (every coordinate is an integer or a fixed-decimal string).

The main chart, :func:`gap_chart_svg`, shows for one match every competence the vacancy requires
on the four-level scale: a bar up to the worker's measured level (green when the minimum is met,
orange when it is not), the missing part up to the minimum as a dashed outline, a hatched outline
for a competence that was never measured, and a black tick at the minimum. Colour is never the
only cue: each row also says in words whether it fits.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..competences import LEVEL_LABELS

__all__ = [
    "HATCH_ID",
    "SVG_CSS",
    "svg_defs",
    "ChartRow",
    "chart_rows",
    "gap_chart_svg",
    "legend_html",
    "rate_bar_svg",
    "short_label",
]

# Colours chosen for contrast on white (WCAG AA for text >= 4.5:1) and for colour-blind readers
# (green/orange differ in lightness too, and every row carries a text verdict).
MET = "#15803d"  # green-700
GAP = "#c2410c"  # orange-700
GAP_LIGHT = "#ffedd5"  # orange-100
UNMEASURED = "#92400e"  # amber-800
INK = "#111827"
MUTED = "#4b5563"
GRID = "#d1d5db"

LABEL_W = 240  # competence label column
CELL = 64  # width of one level on the scale
ANN_W = 136  # verdict column
ROW_H = 20
HEAD_H = 18
WIDTH = LABEL_W + 4 * CELL + ANN_W
_MAX_LABEL = 40

_GROUP_ORDER = {"kern": 0, "bijkomend": 1, "extra": 2}


@dataclass(frozen=True)
class ChartRow:
    """One required competence in a gap chart.

    Attributes
    ----------
    competence : str
        Canonical competence id.
    label : str
        Dutch label.
    required : int
        Minimum level 1..4.
    actual : int or None
        Measured level 1..4, None when never measured.
    """

    competence: str
    label: str
    required: int
    actual: int | None

    @property
    def status(self) -> str:
        """``'met'``, ``'gap'`` (measured, below the minimum) or ``'unmeasured'``."""
        if self.actual is None:
            return "unmeasured"
        return "met" if self.actual >= self.required else "gap"

    @property
    def shortfall(self) -> int:
        """Levels missing up to the minimum (the minimum itself when never measured)."""
        return max(0, self.required - (self.actual or 0))

    def verdict(self) -> str:
        """The row's status in words (Dutch)."""
        if self.status == "met":
            return "voldoet"
        if self.status == "unmeasured":
            return "niet gemeten"
        n = self.shortfall
        return f"{n} niveau{'s' if n > 1 else ''} te laag"

    def describe(self) -> str:
        """One sentence for screen readers: minimum, measured level and verdict."""
        need = LEVEL_LABELS[self.required]
        if self.actual is None:
            return f"{self.label}: minimum {need}, nog niet gemeten"
        got = LEVEL_LABELS[self.actual]
        return f"{self.label}: minimum {need}, gemeten {got} ({self.verdict()})"


def chart_rows(
    requirements: Mapping[str, int],
    levels: Mapping[str, int],
    gaps: Sequence = (),
    *,
    labels: Mapping[str, str] | None = None,
    groups: Mapping[str, str] | None = None,
) -> list[ChartRow]:
    """Rows of a gap chart: the gaps first (in the given order), then the competences that fit.

    Parameters
    ----------
    requirements : mapping of str to int
        Competence id -> minimum level of the vacancy. May be empty when the vacancy itself is
        unknown; the gaps are then the only rows.
    levels : mapping of str to int
        The worker's measured levels (competence id -> 1..4).
    gaps : sequence of Gap
        The match's gaps, most important first (:attr:`doorstroom_match.Match.gaps`).
    labels, groups : mapping of str to str, optional
        Dutch label and group per competence id, for the rows that fit.

    Returns
    -------
    list of ChartRow
        Gaps in the order given, then the competences that fit by group (kern, bijkomend,
        extra) and label.
    """
    labels = labels or {}
    groups = groups or {}
    rows: list[ChartRow] = []
    seen: set[str] = set()
    for g in gaps:
        rows.append(
            ChartRow(
                g.competence,
                g.label or labels.get(g.competence, g.competence.replace("_", " ")),
                int(g.required),
                None if g.actual is None or not g.assessed else int(g.actual),
            )
        )
        seen.add(g.competence)
    fits = []
    for cid, required in requirements.items():
        if cid in seen:
            continue
        actual = levels.get(cid)
        row = ChartRow(
            cid,
            labels.get(cid, cid.replace("_", " ")),
            int(required),
            None if actual is None else int(actual),
        )
        if row.status == "met":
            fits.append(row)
        else:  # a gap the match did not list (vacancy changed since): still show it
            rows.append(row)
    fits.sort(
        key=lambda r: (_GROUP_ORDER.get(groups.get(r.competence, ""), 3), r.label, r.competence)
    )
    return rows + fits


def _competence_table(dictionary: Any) -> dict[str, tuple[str, int]]:
    """Competence id -> (label, rank of its group as :func:`chart_rows` sorts the rows that
    fit) for every competence of ``dictionary``; an id it lacks has the label
    ``id.replace("_", " ")`` and rank 3 there (:meth:`CompetenceDictionary.label`)."""
    return {comp.id: (comp.label, _GROUP_ORDER.get(comp.group, 3)) for comp in dictionary}


def _card_rows(
    requirements: Mapping[str, int],
    table: Mapping[str, tuple[str, int]],
    levels: Mapping[str, int],
    gaps: Sequence,
) -> list[Row]:
    """:func:`chart_rows` of a vacancy, with the labels and groups of the
    :func:`_competence_table` of its dictionary, as plain rows (the same rows in the same
    order)."""
    rows: list[Row] = []
    seen: set[str] = set()
    for g in gaps:
        c = g.competence
        label = g.label
        if not label:
            label = table[c][0] if c in requirements and c in table else c.replace("_", " ")
        required, actual = int(g.required), g.actual
        rows.append((c, label, required, None if actual is None or not g.assessed else int(actual)))
        seen.add(c)
    fits: list[tuple[int, str, str, int, int]] = []
    for c, required in requirements.items():
        if c in seen:
            continue
        label, group = table.get(c) or (c.replace("_", " "), 3)
        actual = levels.get(c)
        if actual is not None and int(actual) >= int(required):
            fits.append((group, label, c, int(required), int(actual)))
        else:  # a gap the match did not list (vacancy changed since): still show it
            rows.append((c, label, int(required), None if actual is None else int(actual)))
    if fits:
        fits.sort()  # group, label, id: the id is unique, so nothing further is compared
        rows.extend([(c, label, required, actual) for _, label, c, required, actual in fits])
    return rows


def short_label(label: str, limit: int = _MAX_LABEL) -> str:
    """A label that fits the chart's label column, cut with an ellipsis when too long."""
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


_SPECIAL = re.compile("[&<>\"']").search


def _e_once(text: object) -> str:
    """:func:`_e` of a text shown about once (an id, a description): not worth a cache entry."""
    if type(text) is not str:
        return _e(text)
    # most texts hold nothing to escape: one scan instead of html.escape's five
    return html.escape(text) if _SPECIAL(text) else text


#: :func:`_e_once` of a str, cached: labels, titles and employers repeat thousands of times in
#: a bulletin (a 25,000 x 100,000 week shows some 10,000 titles).
_escape_str = functools.lru_cache(maxsize=32768)(_e_once)


def _e(text: object) -> str:
    """``text`` escaped for HTML text and attributes (the one helper of the bulletin's pages)."""
    # cached for str only (1, 1.0 and True hash alike)
    return _escape_str(text) if type(text) is str else html.escape(str(text), quote=True)


#: id of the hatch pattern that :func:`svg_defs` defines once per page.
HATCH_ID = "bulletin-hatch"

#: Style sheet of the charts, for the page's ``<style>``: the charts carry classes instead of
#: repeated presentation attributes, which halves the size of a bulletin.
SVG_CSS = f"""
.gapchart text{{font-family:inherit}}
.gapchart .hd{{font-size:10px;fill:{MUTED};text-anchor:middle}}
.gapchart .grid{{stroke:{GRID};stroke-width:1;fill:none}}
.gapchart .band{{fill:#f3f4f6;fill-opacity:.6}}
.gapchart .lb{{font-size:11px;fill:{INK};text-anchor:end}}
.gapchart .an{{font-size:11px}}
.gapchart .met .bar,.key .met{{fill:{MET}}}
.gapchart .gap .bar,.key .gap{{fill:{GAP}}}
.gapchart .miss,.key .miss{{fill:{GAP_LIGHT};stroke:{GAP};stroke-width:1.5;stroke-dasharray:4 2}}
.gapchart .unm,.key .unm{{stroke:{UNMEASURED};stroke-width:1.5;stroke-dasharray:4 2}}
.gapchart .tk,.key .tk{{fill:{INK};stroke:#ffffff;stroke-width:1.5}}
.gapchart .met .an{{fill:#166534}}
.gapchart .gap .an{{fill:#9a3412;font-weight:700}}
.gapchart .unmeasured .an{{fill:{UNMEASURED};font-weight:700}}
"""


def svg_defs() -> str:
    """A hidden SVG with the definitions the charts of one page share (the hatch pattern).

    Put it once near the top of the page; it is sized 0 rather than ``display:none``, because
    browsers do not paint patterns from an undisplayed SVG.
    """
    return (
        '<svg width="0" height="0" style="position:absolute" aria-hidden="true" focusable="false">'
        f'<defs><pattern id="{HATCH_ID}" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff7ed"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{UNMEASURED}" stroke-width="2"/>'
        "</pattern></defs></svg>"
    )


def gap_chart_svg(rows: Sequence[ChartRow], *, chart_id: str, title: str) -> str:
    """Inline SVG of required versus measured level per required competence.

    The chart is styled by :data:`SVG_CSS` and fills unmeasured rows with the pattern of
    :func:`svg_defs`; the page includes both once.

    Parameters
    ----------
    rows : sequence of ChartRow
        One row per required competence (see :func:`chart_rows`).
    chart_id : str
        Unique within the page (used for the ``<title>``/``<desc>`` ids); letters, digits and
        ``-`` only.
    title : str
        Accessible title ("Competenties voor magazijnier"); escaped here.

    Returns
    -------
    str
        An ``<svg role="img">`` element with a ``<title>`` and a ``<desc>`` that spells every
        row out in words, so screen readers and text-only views miss nothing.
    """
    plain = [(r.competence, r.label, r.required, r.actual) for r in rows]
    return "".join(_gap_chart_parts(plain, chart_id, _e(title)))


#: A chart row as the bulletin builds it: (competence, label, required, actual or None).
Row = tuple[str, str, int, "int | None"]


def _gap_chart_parts(
    rows: Sequence[Row], chart_id: str, title_html: str, ints: bool = False
) -> list[str]:
    """:func:`gap_chart_svg` of plain rows and an already escaped title, in parts to join.

    ``ints``: the caller vouches that every minimum and measured level is an int or None
    (:func:`_card_rows` makes them so). A chart is its frame (zebra bands, scale, grid: one
    per number of rows) and one snippet per row; both are built once and reused, since a
    bulletin draws tens of thousands of charts from a few hundred distinct rows (a
    competence, its minimum, the measured level).
    """
    if ints or all(type(r[2]) is int and (r[3] is None or type(r[3]) is int) for r in rows):
        row_svg, row_desc = _row_svg_cached, _row_desc_cached
    else:  # never cached: 3 and 3.0 are the same key but not the same markup
        row_svg, row_desc = _row_svg, _row_desc
    return [
        _chart_head(rows, chart_id, title_html, row_desc),
        _chart_frame(len(rows)),
        *[row_svg(i, *r) for i, r in enumerate(rows)],
        "</svg>",
    ]


def _gap_chart_utf8(
    rows: Sequence[Row], chart_id: str, title_html: str, before: str, after: str
) -> bytes:
    """``before``, the chart and ``after``, UTF-8 encoded, for rows of ints (:func:`_card_rows`).

    The cached parts are kept encoded: a page of charts is written as bytes without first
    being copied into (and encoded from) one large two-byte string (the ✓ of a row makes the
    text two-byte).
    """
    return b"".join(
        [
            (before + _chart_head(rows, chart_id, title_html, _row_desc_cached)).encode(),
            _chart_frame_utf8(len(rows)),
            *[_row_svg_utf8(i, *r) for i, r in enumerate(rows)],
            ("</svg>" + after).encode(),
        ]
    )


def _chart_head(rows: Sequence[Row], chart_id: str, title_html: str, row_desc: Any) -> str:
    """The chart's opening tag, ``<title>`` and ``<desc>`` (every row in words)."""
    n = len(rows)
    height = HEAD_H + n * ROW_H + 6
    desc = "; ".join([row_desc(r[1], r[2], r[3]) for r in rows]) or "geen minimumniveaus gevraagd"
    return (
        f'<svg class="gapchart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" data-rows="{n}">'
        f'<title id="{chart_id}-t">{title_html}</title>'
        f'<desc id="{chart_id}-d">{desc}</desc>'
    )


@functools.lru_cache(maxsize=256)
def _chart_frame(n: int) -> str:
    """The part of a chart of ``n`` rows that does not depend on the rows: bands, scale, grid."""
    x0 = LABEL_W
    bottom = HEAD_H + n * ROW_H
    # zebra bands first, so that the grid lines are drawn over them
    out = [
        f'<rect class="band" x="0" y="{HEAD_H + i * ROW_H}" width="{WIDTH}" height="{ROW_H}"/>'
        for i in range(0, n, 2)
    ]
    # scale header: the four level labels, centred on their cells; then the level grid
    out.extend(
        f'<text class="hd" x="{x0 + (2 * k - 1) * CELL // 2}" y="12">{_e(LEVEL_LABELS[k])}</text>'
        for k in range(1, 5)
    )
    grid = "".join(f"M{x0 + k * CELL} {HEAD_H}V{bottom}" for k in range(5))
    out.append(f'<path class="grid" d="{grid}"/>')
    return "".join(out)


def _row_desc(label: str, required: int, actual: int | None) -> str:
    """A row in words for the chart's ``<desc>``, escaped (:meth:`ChartRow.describe`)."""
    return _e(ChartRow("", label, required, actual).describe())


def _row_svg(i: int, competence: str, label: str, required: int, actual: int | None) -> str:
    """The ``<g>`` of row ``i`` of a chart: label, bar, missing part, minimum and verdict."""
    r = ChartRow(competence, label, required, actual)
    x0 = LABEL_W
    y = HEAD_H + i * ROW_H
    status = r.status
    short = short_label(r.label)
    tip = f"<title>{_e(r.label)}</title>" if short != r.label else ""
    out = [
        f'<g class="row {status}" data-competence="{_e(r.competence)}">'
        f'<text class="lb" x="{LABEL_W - 8}" y="{y + 14}">{tip}{_e(short)}</text>'
    ]
    by, bh = y + 4, ROW_H - 8
    req_x = x0 + r.required * CELL
    if status == "unmeasured":
        out.append(
            f'<rect class="unm" x="{x0}" y="{by}" width="{r.required * CELL}" '
            f'height="{bh}" fill="url(#{HATCH_ID})"/>'
        )
    else:
        act_w = r.actual * CELL
        out.append(f'<rect class="bar" x="{x0}" y="{by}" width="{act_w}" height="{bh}"/>')
        if status == "gap":
            out.append(
                f'<rect class="miss" x="{x0 + act_w}" y="{by}" '
                f'width="{req_x - x0 - act_w}" height="{bh}"/>'
            )
    # the minimum: a black tick with a white halo, visible on any bar colour
    mark = "✓ " if status == "met" else "! "
    out.append(
        f'<rect class="tk" x="{req_x - 2}" y="{y + 1}" width="4" height="{ROW_H - 2}"/>'
        f'<text class="an" x="{x0 + 4 * CELL + 8}" y="{y + 14}">{mark}{_e(r.verdict())}</text>'
        "</g>"
    )
    return "".join(out)


# Rows repeat across charts: about 25 competences x 4 minimums x 5 measured levels x the
# row's position; large enough for a 25,000 x 100,000 week, bounded for hostile labels.
_row_svg_cached = functools.lru_cache(maxsize=32768)(_row_svg)
_row_desc_cached = functools.lru_cache(maxsize=8192)(_row_desc)


@functools.lru_cache(maxsize=32768)
def _row_svg_utf8(i: int, competence: str, label: str, required: int, actual: int | None) -> bytes:
    """:func:`_row_svg`, UTF-8 encoded."""
    return _row_svg(i, competence, label, required, actual).encode()


@functools.lru_cache(maxsize=256)
def _chart_frame_utf8(n: int) -> bytes:
    """:func:`_chart_frame`, UTF-8 encoded."""
    return _chart_frame(n).encode()


def legend_html() -> str:
    """A one-line legend of the gap chart, as HTML with tiny inline SVG swatches.

    Uses :data:`SVG_CSS` and the pattern of :func:`svg_defs`, like the charts.
    """

    def swatch(body: str, label: str) -> str:
        return (
            '<span class="key"><svg width="26" height="12" viewBox="0 0 26 12" aria-hidden="true">'
            f"{body}</svg> {label}</span>"
        )

    box = 'x="1" y="1" width="24" height="10"'
    return (
        '<p class="legend"><span class="legend-title">Zo lees je de grafiek:</span> '
        + swatch(f'<rect class="met" {box}/>', "gemeten niveau, voldoet")
        + swatch(f'<rect class="gap" {box}/>', "gemeten niveau, te laag")
        + swatch(f'<rect class="miss" {box}/>', "wat nog ontbreekt")
        + swatch(f'<rect class="unm" {box} fill="url(#{HATCH_ID})"/>', "niet gemeten")
        + swatch('<rect class="tk" x="11" y="0" width="4" height="12"/>', "minimum van de vacature")
        + "</p>"
    )


def rate_bar_svg(count: int, denominator: int, *, label: str) -> str:
    """A horizontal bar of ``count / denominator`` with its percentage, for the outcomes page.

    Parameters
    ----------
    count, denominator : int
        ``denominator`` may be 0: the bar is then empty and reads "geen gegevens".
    label : str
        Accessible name of the chart ("Gesolliciteerd"); escaped here.
    """
    w, h, bar = 300, 18, 200
    if denominator > 0:
        frac = min(1.0, max(0.0, count / denominator))
        text = f"{100 * frac:.0f}%"
    else:
        frac, text = 0.0, "geen gegevens"
    fill = round(bar * frac)
    aria = f"{label}: {count} van {denominator}" + (f" ({text})" if denominator > 0 else "")
    return (
        f'<svg class="ratebar" xmlns="http://www.w3.org/2000/svg" role="img" width="{w}" '
        f'height="{h}" viewBox="0 0 {w} {h}" aria-label="{_e(aria)}">'
        f'<rect x="0" y="3" width="{bar}" height="12" fill="#e5e7eb" stroke="{GRID}"/>'
        f'<rect x="0" y="3" width="{fill}" height="12" fill="#1d4ed8"/>'
        f'<text x="{bar + 6}" y="14" font-size="11" fill="{INK}">{_e(text)}</text>'
        "</svg>"
    )
