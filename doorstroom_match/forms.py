"""Excel workbooks (``.xlsx``) as offices use them: worker tables and the ratings form.

Two kinds of sheet are read (through openpyxl, the ``forms`` extra):

- **A table** with a header row, one record per row, the same columns as the CSV format of
  :mod:`doorstroom_match.feeds` (``id``, ``job_target``, ``postcode``, ... ;
  ``comp_<competence>`` / ``req_<competence>`` level columns, or a ``competences`` /
  ``requirements`` cell holding JSON). :func:`doorstroom_match.feeds.read_records` reads an
  ``.xlsx`` file this way, so ``doorstroom-match batch --workers workers.xlsx`` works.
- **The ratings form** (:func:`write_ratings_template`): a long table ``worker, rater,
  competence, indicator, level``, one rating per row, with drop-down lists for the rater, the
  competence and the four levels (``onvoldoende``, ``matig``, ``goed``, ``zeer goed``), and a
  sheet with the competence list (group, a short description of each level).
  :func:`read_ratings_form` turns it into :meth:`WorkerProfile.from_ratings` input per worker;
  every unusable row (no worker, an unknown rater or competence, a level that is not one of
  the four) is quarantined as a :class:`~doorstroom_match.feeds.Rejected` with its reason and
  the row number; a row without a level is an unfilled cell and is skipped. A workers file
  that *is* a filled-in ratings form is read the same way by ``read_records``: one worker
  record with ``ratings`` per worker (on the row of the worker's first rating).

Messages name the row and the worker id, never a level.

Examples
--------
>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "ratings.xlsx"
>>> _ = write_ratings_template(path, workers=["W1"])
>>> form = read_ratings_form(path)
>>> form.ratings, form.rejected, form.n_blank  # nothing filled in yet: 3 raters x 23 rows
({}, [], 69)
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._exceptions import (
    BackendUnavailableError,
    FeedError,
    LevelError,
    UnknownCompetenceError,
    ValidationError,
)
from ._validation import check_id, check_level
from .competences import LEVEL_LABELS, CompetenceDictionary, default_dictionary
from .feeds import (
    _FLOAT_FIELDS,
    _INT_FIELDS,
    _JSON_CELLS,
    _LEVELS_FIELD,
    _PREFIX,
    Rejected,
    _csv_value,
    _merge_levels,
)
from .profiles import _RATER_ALIASES, WorkerProfile

__all__ = [
    "RATINGS_COLUMNS",
    "RATERS",
    "LEVEL_DESCRIPTIONS",
    "RatingsForm",
    "write_ratings_template",
    "read_ratings_form",
    "iter_xlsx_rows",
]

#: Columns of the ratings form, in order.
RATINGS_COLUMNS: tuple[str, ...] = ("worker", "rater", "competence", "indicator", "level")
#: The raters of the drop-down, as :func:`~doorstroom_match.profiles.aggregate_ratings` knows them.
RATERS: tuple[str, ...] = ("assessor", "begeleider", "zelf")
#: What each level means, in a coach's words (the competence sheet repeats it per competence).
LEVEL_DESCRIPTIONS: dict[int, str] = {
    1: "lukt nog niet, ook niet met begeleiding",
    2: "lukt soms, met veel sturing en opvolging",
    3: "lukt meestal zelfstandig, met af en toe een tip",
    4: "lukt altijd, ook onder druk; kan het anderen tonen",
}
_FORM_SHEET = "beoordelingen"
_COMP_SHEET = "competenties"
_HELP_SHEET = "uitleg"
_GROUP_NL = {"kern": "kern", "bijkomend": "bijkomend", "extra": "extra"}


def _openpyxl():
    try:
        import openpyxl
    except ImportError:
        raise BackendUnavailableError(
            "reading or writing .xlsx needs openpyxl: pip install 'doorstroom_match[forms]'"
        ) from None
    return openpyxl


# ----------------------------------------------------------------------------- writing
def write_ratings_template(
    path: str | os.PathLike,
    workers: Iterable[str] = (),
    *,
    raters: Sequence[str] = RATERS,
    dictionary: CompetenceDictionary | None = None,
    blank_rows: int = 500,
) -> Path:
    """Write the ratings form: a long table with drop-downs and the competence list.

    Parameters
    ----------
    path : path-like
        The ``.xlsx`` file to write (replaced when it exists).
    workers : iterable of str, optional
        Worker ids to prefill: one row per worker, rater and competence, the level left blank.
        Without ids the table has ``blank_rows`` empty rows to fill in.
    raters : sequence of str
        The raters offered in the drop-down.
    dictionary : CompetenceDictionary, optional
        The competences offered (default: :func:`default_dictionary`).
    blank_rows : int, default 500
        Empty rows (with the drop-downs) after the prefilled ones.

    Returns
    -------
    Path

    Raises
    ------
    BackendUnavailableError
        openpyxl is not installed (the ``forms`` extra).
    """
    openpyxl = _openpyxl()
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    d = dictionary or default_dictionary()
    ids = [check_id(w, "worker id") for w in workers]
    for r in raters:
        if str(r).strip().lower().replace("-", "").replace(" ", "") not in _RATER_ALIASES:
            raise ValidationError(
                f"raters must be among {sorted(set(_RATER_ALIASES.values()))}, got {r!r}"
            )
    comps = list(d)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = _FORM_SHEET
    ws.append(list(RATINGS_COLUMNS))
    for wid in ids:
        for rater in raters:
            for comp in comps:
                ws.append([wid, rater, comp.label, None, None])
    last = 1 + len(ids) * len(raters) * len(comps) + int(blank_rows)
    bold = Font(bold=True)
    for cell in ws[1]:
        cell.font = bold
    ws.freeze_panes = "A2"
    for col, width in zip("ABCDE", (12, 14, 38, 40, 14), strict=True):
        ws.column_dimensions[col].width = width

    cs = wb.create_sheet(_COMP_SHEET)
    cs.append(
        ["id", "competentie", "groep", "omschrijving", *(LEVEL_LABELS[k] for k in (1, 2, 3, 4))]
    )
    for comp in comps:
        cs.append(
            [
                comp.id,
                comp.label,
                _GROUP_NL.get(comp.group, comp.group),
                comp.description or "",
                *(LEVEL_DESCRIPTIONS[k] for k in (1, 2, 3, 4)),
            ]
        )
    for cell in cs[1]:
        cell.font = bold
    cs.freeze_panes = "C2"
    for col, width in zip("ABCDEFGH", (24, 38, 11, 30, 30, 30, 30, 30), strict=True):
        cs.column_dimensions[col].width = width
    for row in cs.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    levels = ",".join(LEVEL_LABELS[k] for k in (1, 2, 3, 4))
    rater_list = ",".join(raters)
    for rng, formula, what in (
        (f"B2:B{last}", f'"{rater_list}"', "een beoordelaar uit de lijst"),
        (f"C2:C{last}", f"={_COMP_SHEET}!$B$2:$B${1 + len(comps)}", "een competentie"),
        (f"E2:E{last}", f'"{levels}"', "onvoldoende, matig, goed of zeer goed"),
    ):
        dv = DataValidation(type="list", formula1=formula, allow_blank=True)
        dv.error = f"Kies {what}."
        dv.errorTitle = "Ongeldige waarde"
        dv.showErrorMessage = True
        dv.add(rng)
        ws.add_data_validation(dv)

    hs = wb.create_sheet(_HELP_SHEET)
    for line in (
        "Beoordelingsformulier doorstroom",
        "",
        "Eén rij per beoordeling: werknemer (id), beoordelaar, competentie, indicator "
        "(optioneel: het gedrag dat je beoordeelt) en niveau.",
        "Beoordelaars: assessor (assessment), begeleider (werkvloer), zelf (zelfbeoordeling).",
        "Niveaus: onvoldoende < matig < goed < zeer goed. Laat het niveau leeg als je een "
        "competentie niet beoordeelt.",
        "Het blad 'competenties' zegt per competentie de groep en wat elk niveau betekent.",
        "Meerdere indicatoren van één competentie: één rij per indicator; ze worden gemiddeld.",
    ):
        hs.append([line])
    hs.column_dimensions["A"].width = 110
    path = Path(path)
    wb.save(path)
    return path


# ----------------------------------------------------------------------------- reading
def _cell(value: Any) -> Any:
    """An Excel cell as the CSV reader would see it: text stripped, integral floats as int."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        return text or None
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _raw(header: Sequence[str], cells: Sequence[Any]) -> str:
    return json.dumps(
        {h: c for h, c in zip(header, cells, strict=False) if h and c is not None},
        ensure_ascii=False,
        default=str,
    )


def _load(path: Path, what: str):
    openpyxl = _openpyxl()
    if not path.is_file():
        raise FeedError(f"{what} file {str(path)!r} does not exist")
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException, ...
        raise FeedError(
            f"{what} file {str(path)!r} is not a readable .xlsx workbook ({type(exc).__name__})"
        ) from None


def _sheet_rows(ws) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    rows = ws.iter_rows(values_only=True)
    header: list[str] = []
    for first in rows:
        header = [str(h).strip() if h is not None else "" for h in first]
        break

    def body() -> Iterator[tuple[int, list[Any]]]:
        for no, row in enumerate(rows, start=2):
            yield no, [_cell(v) for v in row]

    return header, body()


def _is_form(header: Sequence[str]) -> bool:
    names = {h.lower() for h in header}
    return {"worker", "competence", "level"} <= names


def _pick_sheet(wb, what: str, path: Path):
    """The ratings-form sheet or the first sheet with an ``id`` column."""
    for ws in wb.worksheets:
        header, _ = _sheet_rows(ws)
        if _is_form(header) or "id" in header:
            return ws
    raise FeedError(
        f"{what} file {str(path)!r}: no sheet has an 'id' column or the ratings-form columns "
        f"{', '.join(RATINGS_COLUMNS)}"
    )


@dataclass
class RatingsForm:
    """What a filled-in ratings form gave.

    Attributes
    ----------
    source : str
    ratings : dict of str to list of dict
        Worker id -> its usable ratings (``rater``, ``competence``, ``level`` and, when given,
        ``indicator``), in row order: the input of :meth:`WorkerProfile.from_ratings`.
    rows : dict of str to list of int
        Worker id -> the row numbers of its ratings.
    rejected : list of Rejected
        Every unusable row, with its row number and reason.
    n_blank : int
        Rows without a level (not rated) or entirely empty.
    """

    source: str
    ratings: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    rows: dict[str, list[int]] = field(default_factory=dict)
    rejected: list[Rejected] = field(default_factory=list)
    n_blank: int = 0

    def profiles(self, dictionary: CompetenceDictionary | None = None) -> list[WorkerProfile]:
        """One :class:`WorkerProfile` per worker, from its ratings (see ``from_ratings``)."""
        return [
            WorkerProfile.from_ratings(wid, rs, dictionary=dictionary)
            for wid, rs in self.ratings.items()
        ]


def _form_rows(
    path: Path, header: list[str], body: Iterator[tuple[int, list[Any]]], d: CompetenceDictionary
) -> RatingsForm:
    form = RatingsForm(source=str(path))
    col = {h.lower(): i for i, h in enumerate(header) if h}

    def get(cells: list[Any], name: str) -> Any:
        i = col.get(name)
        return cells[i] if i is not None and i < len(cells) else None

    for no, cells in body:
        if all(c is None for c in cells):
            form.n_blank += 1
            continue
        worker, rater, comp = get(cells, "worker"), get(cells, "rater"), get(cells, "competence")
        indicator, level = get(cells, "indicator"), get(cells, "level")
        if level is None:
            form.n_blank += 1  # a prefilled row nobody rated
            continue
        raw = _raw(header, cells)
        wid = None
        try:
            wid = check_id(worker, "worker") if worker is not None else None
        except Exception:
            wid = None
        if wid is None:
            form.rejected.append(
                Rejected(str(path), no, raw, f"row {no} has no usable worker id", "missing_id")
            )
            continue
        reason, kind = "", ""
        key = str(rater or "").strip().lower().replace("-", "").replace(" ", "")
        if key not in _RATER_ALIASES:
            reason = (
                f"row {no} of worker {wid!r}: rater must be one of "
                f"{', '.join(sorted(set(_RATER_ALIASES.values())))}"
                + ("" if rater is None else f", got {rater!r}")
            )
            kind = "invalid_value"
        elif comp is None:
            reason, kind = f"row {no} of worker {wid!r} names no competence", "invalid_value"
        else:
            try:
                cid = d.resolve(str(comp))
            except UnknownCompetenceError as exc:
                reason, kind = f"row {no} of worker {wid!r}: {exc}", "unknown_competence"
            else:
                try:
                    lv = check_level(level, "level")
                except LevelError:
                    reason = (
                        f"row {no} of worker {wid!r}: the level of {cid!r} is not one of "
                        "onvoldoende, matig, goed, zeer goed (or 1-4)"
                    )
                    kind = "level_out_of_range"
        if reason:
            form.rejected.append(Rejected(str(path), no, raw, reason, kind, wid))
            continue
        rating: dict[str, Any] = {"rater": _RATER_ALIASES[key], "competence": cid, "level": lv}
        if indicator is not None:
            rating["indicator"] = str(indicator)
        form.ratings.setdefault(wid, []).append(rating)
        form.rows.setdefault(wid, []).append(no)
    return form


def read_ratings_form(
    path: str | os.PathLike, *, dictionary: CompetenceDictionary | None = None
) -> RatingsForm:
    """Read a filled-in ratings form (see :func:`write_ratings_template`).

    Parameters
    ----------
    path : path-like
        An ``.xlsx`` workbook with a sheet whose header has ``worker``, ``competence`` and
        ``level`` (``rater`` and ``indicator`` too, in the template).
    dictionary : CompetenceDictionary, optional
        Resolves competence names and labels (default: :func:`default_dictionary`).

    Returns
    -------
    RatingsForm

    Raises
    ------
    FeedError
        The file is missing, not a workbook, or has no ratings-form sheet.
    BackendUnavailableError
        openpyxl is not installed (the ``forms`` extra).
    """
    path = Path(path)
    wb = _load(path, "ratings form")
    try:
        for ws in wb.worksheets:
            header, body = _sheet_rows(ws)
            if _is_form(header):
                return _form_rows(path, header, body, dictionary or default_dictionary())
    finally:
        wb.close()
    raise FeedError(
        f"ratings form {str(path)!r}: no sheet has the columns worker, competence and level"
    )


def iter_xlsx_rows(
    path: Path, what: str, kind: str
) -> Iterator[tuple[int, str | None, Any, Rejected | None]]:
    """Rows of an ``.xlsx`` file as :func:`doorstroom_match.feeds.read_records` takes them.

    Yields ``(row number, raw text, record or None, Rejected or None)``; ``(no, raw, None,
    None)`` marks an empty row. A table sheet gives one record per row (the CSV columns); a
    ratings-form sheet (workers only) one record ``{"id", "ratings"}`` per worker, on the row
    of its first rating, after the rejected rows.
    """
    path = Path(path)
    wb = _load(path, what)
    try:
        ws = _pick_sheet(wb, what, path)
        header, body = _sheet_rows(ws)
        if _is_form(header) and "id" not in header:
            if kind != "worker":
                raise FeedError(
                    f"{what} file {str(path)!r} is a ratings form; it can only be read as workers"
                )
            form = _form_rows(path, header, body, default_dictionary())
            for _ in range(form.n_blank):
                yield 0, None, None, None
            for rej in form.rejected:
                yield rej.line, rej.raw, None, rej
            for wid, ratings in form.ratings.items():
                yield (
                    form.rows[wid][0],
                    json.dumps({"id": wid}),
                    {"id": wid, "ratings": ratings},
                    None,
                )
            return
        dupes = sorted({h for h in header if h and header.count(h) > 1})
        if dupes:
            raise FeedError(
                f"{what} file {str(path)!r}: the header must name each column once, "
                f"got duplicates {dupes!r}"
            )
        prefix, levels_field = _PREFIX[kind], _LEVELS_FIELD[kind]
        for no, cells in body:
            if all(c is None for c in cells):
                yield no, None, None, None
                continue
            raw = _raw(header, cells)
            rec: dict[str, Any] = {}
            levels: dict[str, Any] = {}
            bad: Rejected | None = None
            for name, cell in zip(header, cells, strict=False):
                if cell is None or not name:
                    continue
                if name.startswith(prefix):
                    levels[name[len(prefix) :]] = cell
                elif name in _JSON_CELLS and isinstance(cell, str):
                    try:
                        rec[name] = json.loads(cell)
                    except json.JSONDecodeError as exc:
                        bad = Rejected(
                            str(path),
                            no,
                            raw,
                            f"malformed JSON in the {name!r} cell: {exc.msg} (column {exc.colno})",
                            "malformed_json",
                            rec.get("id"),
                        )
                        break
                elif isinstance(cell, str):
                    rec[name] = _csv_value(name, cell)
                elif isinstance(cell, int) and name not in _INT_FIELDS | _FLOAT_FIELDS:
                    rec[name] = str(cell)  # an id or a postcode typed as a number
                else:
                    rec[name] = cell
            if bad is None and levels:
                bad = _merge_levels(rec, levels, levels_field, prefix, str(path), no, raw)
            yield no, raw, (None if bad else rec), bad
    finally:
        wb.close()
