"""Reading the weekly input files, line by line, with a quarantine for lines that cannot be used.

A feed of tens of thousands of lines always holds a few bad ones. One bad line must never stop
the batch nor disappear silently: every non-blank line read ends up either as a usable
:class:`~doorstroom_match.profiles.WorkerProfile` / :class:`~doorstroom_match.profiles.Vacancy`
or as a :class:`Rejected` row that names the file, the line number, the raw text and the reason.
So ``len(items) + len(rejected) == n_lines`` always holds (blank lines are counted apart).

Two formats, chosen by the file name:

- **JSON Lines** (any name not ending in ``.csv``): one JSON object per line, the record format
  of :meth:`WorkerProfile.from_record` / :meth:`Vacancy.from_record`.
- **CSV** (``*.csv``, UTF-8, comma-separated, a header row): one column per field (``id``,
  ``title``, ``description``, ``kind``, ``employer``, ``postcode``, ``capacity``,
  ``valid_until``, ... for vacancies; ``id``, ``job_target``, ``postcode``, ``coach``,
  ``max_commute_km``, ... for workers). Levels go either in one column per competence,
  ``req_<competence>`` for a vacancy's minimum levels and ``comp_<competence>`` for a worker's
  levels (an empty cell: not required / not rated), or in one ``requirements`` /
  ``competences`` cell holding a JSON object. ``ratings`` and ``weights`` cells hold JSON;
  ``limits`` is ``|``-separated. Empty cells are left out of the record.

Reasons (the ``kind`` of a rejected row): ``malformed_json``, ``malformed_csv``, ``encoding``,
``wrong_type``, ``missing_id``, ``missing_title``, ``level_out_of_range``,
``unknown_competence`` (the reason carries the did-you-mean), ``duplicate_id`` (the later line
is rejected; the reason names the line that had the id first) and ``invalid_value``.

Examples
--------
>>> import pathlib, tempfile
>>> p = pathlib.Path(tempfile.mkdtemp()) / "feed.jsonl"
>>> _ = p.write_text('{"id": "V1", "title": "magazijnier"}\\n{"id": "V2"}\\n', "utf-8")
>>> res = read_vacancies(p)
>>> [v.id for v in res.items], [(r.line, r.kind) for r in res.rejected]
(['V1'], [(2, 'missing_title')])
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._exceptions import (
    DuplicateIdError,
    FeedError,
    LevelError,
    UnknownCompetenceError,
    ValidationError,
)
from ._validation import check_id
from .competences import CompetenceDictionary, default_dictionary
from .profiles import Vacancy, WorkerProfile

__all__ = [
    "REJECT_KINDS",
    "Rejected",
    "ReadResult",
    "read_workers",
    "read_vacancies",
    "read_records",
    "iter_lines",
]

#: Every ``kind`` a rejected row can have.
REJECT_KINDS: tuple[str, ...] = (
    "malformed_json",
    "malformed_csv",
    "encoding",
    "wrong_type",
    "missing_id",
    "missing_title",
    "level_out_of_range",
    "unknown_competence",
    "duplicate_id",
    "invalid_value",
)

_JSON_CELLS = {"competences", "requirements", "ratings", "weights", "extra"}
_PREFIX = {"worker": "comp_", "vacancy": "req_"}
_LEVELS_FIELD = {"worker": "competences", "vacancy": "requirements"}
_INT_FIELDS = {"capacity", "bvs_days", "priority"}
_FLOAT_FIELDS = {"max_commute_km"}
_WRONG_TYPE_RE = re.compile(r"must be (a|an) |got (list|dict|int|float|bool|NoneType)\b")


@dataclass(frozen=True)
class Rejected:
    """One input line that could not be used.

    Attributes
    ----------
    source : str
        The file it came from, as given.
    line : int
        1-based physical line number (for CSV, the line the row starts on).
    raw : str
        The line's text, without its line ending.
    reason : str
        Why it was rejected, in words.
    kind : str
        One of :data:`REJECT_KINDS`.
    id : str or None
        The id the line carried, when it could be read.
    """

    source: str
    line: int
    raw: str
    reason: str
    kind: str
    id: str | None = None

    def to_record(self) -> dict[str, Any]:
        """The row of ``rejected.jsonl``."""
        return {
            "source": self.source,
            "line": self.line,
            "raw": self.raw,
            "reason": self.reason,
            "kind": self.kind,
            "id": self.id,
        }


@dataclass
class ReadResult:
    """What one input file gave.

    Attributes
    ----------
    source : str
    items : list of WorkerProfile or Vacancy
        The usable records, in file order.
    lines : list of int
        The line number of each item.
    rejected : list of Rejected
    n_lines : int
        Non-blank record lines read (the CSV header excluded); ``len(items) + len(rejected)``.
    n_blank : int
        Blank lines skipped.
    """

    source: str
    items: list[Any] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    n_lines: int = 0
    n_blank: int = 0


# ----------------------------------------------------------------------------- raw lines
def _open_bytes(path: Path, what: str):
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise FeedError(f"{what} file not found: {str(path)!r}") from None
    except IsADirectoryError:
        raise FeedError(f"{what} must be a file, got the directory {str(path)!r}") from None
    except OSError as exc:
        raise FeedError(f"cannot read {what} file {str(path)!r}: {exc.strerror}") from None


def iter_lines(path: str | Path, what: str = "input") -> Iterator[tuple[int, str | None, str]]:
    """The lines of a JSON Lines file as ``(line_number, text or None, raw)``.

    ``text`` is None when the line is not valid UTF-8 (``raw`` then holds it with replacement
    characters). Line endings (``\\n``, ``\\r\\n``) and a leading byte-order mark are removed.

    Raises
    ------
    FeedError
        The file cannot be opened.
    """
    path = Path(path)
    with _open_bytes(path, what) as fh:
        for no, bline in enumerate(fh, 1):
            bline = bline.rstrip(b"\r\n")
            if no == 1 and bline.startswith(b"\xef\xbb\xbf"):
                bline = bline[3:]
            try:
                text = bline.decode("utf-8")
            except UnicodeDecodeError:
                yield no, None, bline.decode("utf-8", "replace")
                continue
            yield no, text, text


def _iter_jsonl(path: Path, what: str) -> Iterator[tuple[int, str, Any, Rejected | None]]:
    """(line, raw, record, rejection) per non-blank line; a blank line gives record None."""
    first = True
    for no, text, raw in iter_lines(path, what):
        if text is None:
            yield (
                no,
                raw,
                None,
                Rejected(str(path), no, raw, "line is not valid UTF-8 text", "encoding"),
            )
            continue
        if not text.strip():
            yield no, raw, None, None
            continue
        if first and text.lstrip().startswith("["):
            raise FeedError(
                f"{what} file {str(path)!r} looks like one JSON array; expected JSON Lines "
                "(one JSON object per line) or a .csv file"
            )
        first = False
        try:
            rec = json.loads(text)
        except json.JSONDecodeError as exc:
            yield (
                no,
                raw,
                None,
                Rejected(
                    str(path),
                    no,
                    raw,
                    f"malformed JSON: {exc.msg} (column {exc.colno})",
                    "malformed_json",
                    _sniff_id(text),
                ),
            )
            continue
        yield no, raw, rec, None


def _sniff_id(text: str) -> str | None:
    """The id of a broken JSON line, when it can be seen, so a coach can find the record."""
    m = re.search(r'"id"\s*:\s*"([^"\\]{1,200})"', text)
    return m.group(1) if m else None


def _csv_value(name: str, cell: str) -> Any:
    if name in _INT_FIELDS and re.fullmatch(r"\s*-?\d+\s*", cell):
        return int(cell)
    if name in _FLOAT_FIELDS:
        try:
            return float(cell)
        except ValueError:
            return cell
    if name == "limits":
        return [part.strip() for part in cell.split("|") if part.strip()]
    return cell


def _iter_csv(path: Path, what: str, kind: str) -> Iterator[tuple[int, str, Any, Rejected | None]]:
    with _open_bytes(path, what) as fh:
        data = fh.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FeedError(
            f"{what} file {str(path)!r} is not UTF-8 text (byte {exc.start}); save it as UTF-8"
        ) from None
    # the same line breaks as the csv reader's line_num (\n, \r, \r\n; not str.splitlines')
    physical = io.StringIO(text, newline="").readlines()
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise FeedError(
            f"{what} file {str(path)!r}: the header row is not valid CSV ({exc})"
        ) from None
    header = [h.strip() for h in header]
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes or not any(header):
        raise FeedError(
            f"{what} file {str(path)!r}: the CSV header must name each column once, "
            f"got {'duplicates ' + repr(dupes) if dupes else 'an empty header'}"
        )
    prefix = _PREFIX[kind]
    levels_field = _LEVELS_FIELD[kind]
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            end = reader.line_num
            raw = "".join(physical[start - 1 : end]).rstrip("\r\n")
            yield (
                start,
                raw,
                None,
                Rejected(str(path), start, raw, f"malformed CSV: {exc}", "malformed_csv"),
            )
            start = end + 1
            continue
        end = reader.line_num
        raw = "".join(physical[start - 1 : end]).rstrip("\r\n")
        no, start = start, end + 1
        if not any(cell.strip() for cell in row):
            yield no, raw, None, None
            continue
        if len(row) > len(header):
            yield (
                no,
                raw,
                None,
                Rejected(
                    str(path),
                    no,
                    raw,
                    f"malformed CSV: the row has {len(row)} cells, the header has {len(header)}",
                    "malformed_csv",
                ),
            )
            continue
        rec: dict[str, Any] = {}
        levels: dict[str, str] = {}
        bad: Rejected | None = None
        for name, cell in zip(header, row, strict=False):
            cell = cell.strip()
            if not cell or not name:
                continue
            if name.startswith(prefix):
                levels[name[len(prefix) :]] = cell
            elif name in _JSON_CELLS:
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
            else:
                rec[name] = _csv_value(name, cell)
        if bad is None and levels:
            if levels_field in rec:
                bad = Rejected(
                    str(path),
                    no,
                    raw,
                    f"give {levels_field} either as one JSON cell or as {prefix}<competence> "
                    "columns, not both",
                    "invalid_value",
                    rec.get("id"),
                )
            else:
                rec[levels_field] = levels
        yield no, raw, (None if bad else rec), bad


def _rows(path: Path, what: str, kind: str):
    if path.suffix.lower() == ".xlsx":  # Excel workbooks: doorstroom_match.forms (openpyxl)
        from .forms import iter_xlsx_rows

        return iter_xlsx_rows(path, what, kind)
    if path.suffix.lower() == ".csv":
        return _iter_csv(path, what, kind)
    return _iter_jsonl(path, what)


# ----------------------------------------------------------------------------- records
class _MemoDictionary(CompetenceDictionary):
    """The same dictionary with successful name resolutions remembered.

    A feed of 100,000 lines names the same two dozen competences over and over; resolving a
    name (Unicode normalisation, a regex) is most of the cost of reading a line.
    """

    def __init__(self, base: CompetenceDictionary) -> None:
        super().__init__(base, allow_unknown=base.allow_unknown)
        self._memo: dict[str, str] = {}

    def resolve(self, name: str, *, field_name: str = "competence") -> str:
        if isinstance(name, str):
            hit = self._memo.get(name)
            if hit is not None:
                return hit
        cid = super().resolve(name, field_name=field_name)
        if isinstance(name, str):
            self._memo[name] = cid
        return cid


def _classify(exc: Exception) -> str:
    if isinstance(exc, LevelError):
        return "level_out_of_range"
    if isinstance(exc, UnknownCompetenceError):
        return "unknown_competence"
    if isinstance(exc, ValidationError) and _WRONG_TYPE_RE.search(str(exc)):
        return "wrong_type"
    return "invalid_value"


def _build(kind: str, rec: Any, dictionary: CompetenceDictionary | None) -> tuple[Any, str, str]:
    """(item, '', '') or (None, kind, reason) for one parsed record."""
    noun = "worker" if kind == "worker" else "vacancy"
    if not isinstance(rec, Mapping):
        return None, "wrong_type", f"a {noun} line must be a JSON object, got {type(rec).__name__}"
    if rec.get("id") is None or (isinstance(rec.get("id"), str) and not rec["id"].strip()):
        return None, "missing_id", f"{noun} line has no 'id'"
    try:
        rid = check_id(rec["id"], f"{noun} id")
    except ValidationError as exc:
        return None, "wrong_type", str(exc)
    if kind == "vacancy":
        title = rec.get("title")
        if title is None or (isinstance(title, str) and not title.strip()):
            return None, "missing_title", f"vacancy {rid!r} has no 'title'"
    try:
        if kind == "worker":
            item = WorkerProfile.from_record(rec, dictionary=dictionary)
        else:
            item = Vacancy.from_record(rec, dictionary=dictionary)
    except DuplicateIdError as exc:  # two names for one competence inside the record
        return None, "invalid_value", str(exc)
    except ValidationError as exc:
        return None, _classify(exc), str(exc)
    except (TypeError, ValueError, AttributeError) as exc:  # a shape no check foresaw
        return (
            None,
            "wrong_type" if isinstance(exc, TypeError) else "invalid_value",
            (f"{noun} {rid!r}: {type(exc).__name__}: {exc}"),
        )
    return item, "", ""


def read_records(
    path: str | Path,
    kind: str,
    *,
    dictionary: CompetenceDictionary | None = None,
    seen: MutableMapping[str, tuple[str, int]] | None = None,
    what: str | None = None,
) -> ReadResult:
    """Read one JSON Lines or CSV file of workers or vacancies, quarantining bad lines.

    Parameters
    ----------
    path : str or Path
        ``*.csv`` is read as CSV (see the module docstring), anything else as JSON Lines.
    kind : {'worker', 'vacancy'}
    dictionary : CompetenceDictionary, optional
        Resolves competence names; the default dictionary when None.
    seen : dict of str to (str, int), optional
        Ids already taken, mapped to (file name, line); updated in place. Pass the same dict
        when reading a feed and a file of internship places, so that an id used twice across
        the two files is caught too.
    what : str, optional
        How the file is named in messages (default: ``"workers"`` / ``"feed"``).

    Returns
    -------
    ReadResult

    Raises
    ------
    FeedError
        The file cannot be read at all (missing, a directory, one JSON array, a CSV header
        naming a column twice). A single bad line never raises: it is rejected.
    """
    if kind not in ("worker", "vacancy"):
        raise ValidationError(f"kind must be 'worker' or 'vacancy', got {kind!r}")
    path = Path(path)
    base = dictionary or default_dictionary()
    dictionary = base if isinstance(base, _MemoDictionary) else _MemoDictionary(base)
    what = what or ("workers" if kind == "worker" else "feed")
    seen = {} if seen is None else seen
    res = ReadResult(source=str(path))
    noun = "worker" if kind == "worker" else "vacancy"
    for no, raw, rec, rejected in _rows(path, what, kind):
        if rejected is not None:
            res.n_lines += 1
            res.rejected.append(rejected)
            continue
        if rec is None:
            res.n_blank += 1
            continue
        res.n_lines += 1
        item, rkind, reason = _build(kind, rec, dictionary)
        if item is None:
            rid = rec.get("id") if isinstance(rec, Mapping) else None
            rid = str(rid) if isinstance(rid, str | int) and not isinstance(rid, bool) else None
            res.rejected.append(Rejected(str(path), no, raw, reason, rkind, rid))
            continue
        if item.id in seen:
            src, first = seen[item.id]
            where = f"line {first}" if src == str(path) else f"line {first} of {src}"
            res.rejected.append(
                Rejected(
                    str(path),
                    no,
                    raw,
                    f"duplicate {noun} id {item.id!r}: first on {where}; this later line is "
                    "rejected",
                    "duplicate_id",
                    item.id,
                )
            )
            continue
        seen[item.id] = (str(path), no)
        res.items.append(item)
        res.lines.append(no)
    return res


def read_workers(path: str | Path, *, dictionary: CompetenceDictionary | None = None) -> ReadResult:
    """Read a workers file (JSON Lines or CSV); see :func:`read_records`."""
    return read_records(path, "worker", dictionary=dictionary)


def read_vacancies(
    path: str | Path,
    *,
    dictionary: CompetenceDictionary | None = None,
    seen: MutableMapping[str, tuple[str, int]] | None = None,
    what: str = "feed",
) -> ReadResult:
    """Read a vacancy feed or a file of internship places; see :func:`read_records`."""
    return read_records(path, "vacancy", dictionary=dictionary, seen=seen, what=what)
