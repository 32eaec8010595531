"""Reading the weekly input files, line by line, with a quarantine for lines that cannot be used.

A feed of tens of thousands of lines always holds a few bad ones. One bad line must never stop
the batch nor disappear silently: every non-blank line read ends up either as a usable
:class:`~doorstroom_match.profiles.WorkerProfile` / :class:`~doorstroom_match.profiles.Vacancy`
or as a :class:`Rejected` row that names the file, the line number, the raw text and the reason.
So ``len(items) + len(rejected) == n_lines`` always holds (blank lines are counted apart).

Two formats, chosen by the file name:

- **JSON Lines** (any name not ending in ``.csv``): one JSON object per line (UTF-8; lines end
  with ``\n``, ``\r\n`` or a lone ``\r``), the record format of
  :meth:`WorkerProfile.from_record` / :meth:`Vacancy.from_record`.
- **CSV** (``*.csv``, a header row) as offices write them: the delimiter (``,``, ``;`` as Excel
  writes on a Belgian machine, tab or ``|``) is sniffed from the header or given; each line is
  read as UTF-8 (with or without BOM) or, failing that, as Windows-1252/Latin-1 (an older
  export), and a line that is neither is quarantined alone; a decimal comma (``12,5``) is read
  as a decimal point. A row must have as many cells as the header; a quote that is never
  closed rejects only its own line (the rows after it are read). One column per field (``id``,
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
import json
import re
from collections import Counter
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

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
    "DELIMITERS",
    "REJECT_KINDS",
    "Rejected",
    "ReadResult",
    "read_workers",
    "read_vacancies",
    "read_records",
    "iter_lines",
    "sniff_delimiter",
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
    n_recoded : int
        CSV lines that were not UTF-8 and were read as Windows-1252 (an older export).
    """

    source: str
    items: list[Any] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    n_lines: int = 0
    n_blank: int = 0
    n_recoded: int = 0


# ----------------------------------------------------------------------------- raw lines
#: A row may span at most this many physical lines (a quoted cell with line breaks); more
#: means an unbalanced quote, which would otherwise swallow every later row.
_MAX_ROW_LINES = 200
#: The delimiters :func:`sniff_delimiter` chooses from, in order of preference on a tie.
DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
_NOT_A_RECORD = object()  # a line that parsed but is no record at all (JSON ``null``)


def _open_bytes(path: Path, what: str):
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise FeedError(f"{what} file not found: {str(path)!r}") from None
    except IsADirectoryError:
        raise FeedError(f"{what} must be a file, got the directory {str(path)!r}") from None
    except OSError as exc:
        raise FeedError(f"cannot read {what} file {str(path)!r}: {exc.strerror}") from None


def _split_physical(bline: bytes) -> list[bytes]:
    """One ``\\n``-terminated chunk as lines: a lone ``\\r`` (old Mac files) ends a line too."""
    bline = bline.rstrip(b"\n")
    if bline.endswith(b"\r"):
        bline = bline[:-1]
    return bline.split(b"\r") if b"\r" in bline else [bline]


def iter_lines(path: str | Path, what: str = "input") -> Iterator[tuple[int, str | None, str]]:
    """The lines of a JSON Lines file as ``(line_number, text or None, raw)``.

    ``text`` is None when the line is not valid UTF-8 (``raw`` then holds it with replacement
    characters). Line endings (``\\n``, ``\\r\\n`` and a lone ``\\r``) and a leading
    byte-order mark are removed.

    Raises
    ------
    FeedError
        The file cannot be opened.
    """
    path = Path(path)
    no = 0
    with _open_bytes(path, what) as fh:
        for chunk in fh:
            for bline in _split_physical(chunk):
                no += 1
                if no == 1 and bline.startswith(b"\xef\xbb\xbf"):
                    bline = bline[3:]
                try:
                    text = bline.decode("utf-8")
                except UnicodeDecodeError:
                    yield no, None, bline.decode("utf-8", "replace")
                    continue
                yield no, text, text


def _encodable(value: Any) -> bool:
    """No lone surrogate (``"\\ud800"`` parses as JSON but cannot be written as UTF-8)."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, ValueError, TypeError, RecursionError):
        return False
    return True


#: msgspec's JSON decoder: 1.7x (worker lines) to 3x (feed lines) the records/s of
#: ``json.loads`` on our feeds (benchmarks/reading.py). It reads exactly what it accepts as
#: ``json`` would (checked in tests/test_fast_records.py); what it refuses (NaN, 1e400, a lone
#: surrogate escape, malformed text) goes to ``json``, which reads it or says why, word for word.
_DECODE = msgspec.json.Decoder().decode
#: Lines with this many brackets go to ``json`` directly: its nesting limit (the interpreter's
#: recursion limit) decides, as before, whether a deep line is "nested too deeply".
_DEEP = 256


def _loads(text: str) -> Any:
    """Parse one JSON text; every way it can fail on hostile text is a ValueError with the
    standard library's message (see :func:`_loads_reference`)."""
    if text.count("[") + text.count("{") < _DEEP:
        try:
            return _DECODE(text)
        except (msgspec.DecodeError, RecursionError, UnicodeError):  # UnicodeError: a lone
            # surrogate in the str itself (never from a decoded line, but _loads is general)
            pass
    return _loads_reference(text)


def _loads_reference(text: str) -> Any:
    """``json.loads`` with every way it can fail on hostile text turned into ValueError."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise ValueError("the JSON is nested too deeply") from None
    except ValueError as exc:  # an integer beyond Python's digit limit
        raise ValueError(f"a value cannot be held ({str(exc).split(';')[0]})") from None


def _json_reason(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} (column {exc.colno})"
    return str(exc)


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
            rec = _loads(text)
        except ValueError as exc:
            yield (
                no,
                raw,
                None,
                Rejected(
                    str(path),
                    no,
                    raw,
                    f"malformed JSON: {_json_reason(exc)}",
                    "malformed_json",
                    _sniff_id(text),
                ),
            )
            continue
        yield no, raw, (_NOT_A_RECORD if rec is None else rec), None


def _sniff_id(text: str) -> str | None:
    """The id of a broken JSON line, when it can be seen, so a coach can find the record."""
    m = re.search(r'"id"\s*:\s*"([^"\\]{1,200})"', text)
    return m.group(1) if m else None


def _csv_value(name: str, cell: str) -> Any:
    if name in _INT_FIELDS and re.fullmatch(r"\s*-?[0-9]{1,18}\s*", cell):
        return int(cell)
    if name in _FLOAT_FIELDS:
        # a Belgian spreadsheet writes 12,5 for 12.5
        text = cell.replace(",", ".", 1) if re.fullmatch(r"\s*-?[0-9]+,[0-9]+\s*", cell) else cell
        if re.fullmatch(r"\s*-?[0-9]{1,15}(\.[0-9]{1,15})?\s*", text):
            return float(text)
        return cell
    if name == "limits":
        return [part.strip() for part in cell.split("|") if part.strip()]
    return cell


def _decode_csv_line(bline: bytes) -> tuple[str | None, bool]:
    """(text, recoded): UTF-8, else Windows-1252 (what older Belgian exports write).

    A line that is neither (bytes Windows-1252 leaves undefined, which Latin-1 would turn into
    control characters) or that holds a NUL byte gives ``None``: it is quarantined alone.
    """
    if b"\x00" in bline:
        return None, False
    try:
        return bline.decode("utf-8"), False
    except UnicodeDecodeError:
        pass
    try:
        return bline.decode("cp1252"), True
    except UnicodeDecodeError:
        return None, False


def _count_outside_quotes(text: str, char: str) -> int:
    if '"' not in text:
        return text.count(char)
    n, quoted = 0, False
    for c in text:
        if c == '"':
            quoted = not quoted
        elif c == char and not quoted:
            n += 1
    return n


def sniff_delimiter(header: str) -> str:
    """The delimiter of a CSV file from its header line: the one of :data:`DELIMITERS` that
    occurs most often outside quotes (``,`` when none does).

    Examples
    --------
    >>> sniff_delimiter("id;title;req_samenwerken"), sniff_delimiter("id,title")
    (';', ',')
    """
    counts = [(_count_outside_quotes(header, d), -i, d) for i, d in enumerate(DELIMITERS)]
    best = max(counts)
    return best[2] if best[0] > 0 else ","


def _check_delimiter(delimiter: str | None) -> str | None:
    if delimiter is None:
        return None
    names = {"comma": ",", "semicolon": ";", "tab": "\t", "\\t": "\t", "pipe": "|"}
    if isinstance(delimiter, str) and delimiter.lower() in names:
        return names[delimiter.lower()]
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '"\r\n':
        raise ValidationError(
            "delimiter must be one character other than a quote or a line break (or 'comma', "
            f"'semicolon', 'tab', 'pipe'), got {delimiter!r}"
        )
    return delimiter


def _csv_physical_lines(data: bytes) -> tuple[list[str | None], list[bytes], int]:
    """The file's physical lines (with their line endings), decoded line by line.

    Returns the lines (None for a line that cannot be decoded), the same lines as bytes, and
    how many were read as Windows-1252.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode text": UTF-16 with a BOM
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            pass  # then each line is quarantined on its own below
    out: list[str | None] = []
    n_recoded = 0
    blines = data.splitlines(keepends=True)
    for bline in blines:
        text, recoded = _decode_csv_line(bline)
        out.append(text)
        n_recoded += recoded
    return out, blines, n_recoded


def _parse_row(
    lines: list[str | None], i: int, delimiter: str
) -> tuple[list[str] | None, int, str]:
    """The CSV row starting at physical line ``i``: (cells, lines it spans, error)."""
    text = lines[i]
    if text is not None and '"' not in text:  # no quote: the line is the row (the common case)
        return text.rstrip("\r\n").split(delimiter), 1, ""

    def feed() -> Iterator[str]:
        for j in range(i, min(len(lines), i + _MAX_ROW_LINES)):
            text = lines[j]
            if text is None:  # an undecodable line ends any quoted cell that runs into it
                return
            yield text

    source = feed()
    reader = csv.reader(source, delimiter=delimiter, strict=True)
    try:
        row = next(reader)
    except StopIteration:
        return None, 1, "empty row"
    except csv.Error as exc:
        return None, 1, str(exc)
    return row, max(1, reader.line_num), ""


def _iter_csv(
    path: Path, what: str, kind: str, delimiter: str | None = None, stats: dict | None = None
) -> Iterator[tuple[int, str, Any, Rejected | None]]:
    with _open_bytes(path, what) as fh:
        data = fh.read()
    lines, blines, n_recoded = _csv_physical_lines(data)
    del data
    if stats is not None:
        stats["n_recoded"] = n_recoded
    # the header: the first line that is not blank
    h = 0
    while h < len(lines) and lines[h] is not None and not lines[h].strip():
        h += 1
    if h == len(lines):
        return
    if lines[h] is None:
        raise FeedError(
            f"{what} file {str(path)!r}: the header row (line {h + 1}) is neither UTF-8 nor "
            "Windows-1252 text; save the file as CSV UTF-8"
        )
    delim = delimiter or sniff_delimiter(lines[h])
    header, span, err = _parse_row(lines, h, delim)
    if header is None or span != 1:
        raise FeedError(
            f"{what} file {str(path)!r}: the header row is not valid CSV "
            f"({err or 'a quote is not closed'})"
        )
    header = [c.strip() for c in header]
    dupes = sorted(c for c, n in Counter(header).items() if n > 1)[:10]  # linear: hostile headers
    if dupes or not any(header):
        raise FeedError(
            f"{what} file {str(path)!r}: the CSV header must name each column once, "
            f"got {'duplicates ' + repr(dupes) if dupes else 'an empty header'}"
        )
    if "id" not in header and len(header) == 1 and delimiter is None:
        raise FeedError(
            f"{what} file {str(path)!r}: the CSV header has one column {header[0][:40]!r} and "
            f"no 'id'; if the file uses another delimiter than {DELIMITERS}, pass it "
            "(--delimiter)"
        )
    prefix = _PREFIX[kind]
    levels_field = _LEVELS_FIELD[kind]
    src = str(path)
    i = h + 1
    while i < len(lines):
        no = i + 1
        text = lines[i]
        if text is None:
            raw = blines[i].rstrip(b"\r\n").decode("utf-8", "replace")
            yield (
                no,
                raw,
                None,
                Rejected(src, no, raw, "line is neither UTF-8 nor Windows-1252 text", "encoding"),
            )
            i += 1
            continue
        if not text.strip():
            yield no, "", None, None
            i += 1
            continue
        row, span, err = _parse_row(lines, i, delim)
        if row is not None and span > 1 and len(row) != len(header):
            row, err = (
                None,
                (
                    f"a quoted cell runs over {span} lines into a row of {len(row)} cells "
                    f"(the header has {len(header)}): a quote is not closed"
                ),
            )
        if row is None:
            raw = text.rstrip("\r\n")
            reason = err if "quote" in err else f"{err}; a quote is probably not closed"
            yield no, raw, None, Rejected(src, no, raw, f"malformed CSV: {reason}", "malformed_csv")
            i += 1
            continue
        raw = "".join(t or "" for t in lines[i : i + span]).rstrip("\r\n")
        i += span
        if not any(cell.strip() for cell in row):
            yield no, raw, None, None
            continue
        if len(row) != len(header):
            yield (
                no,
                raw,
                None,
                Rejected(
                    src,
                    no,
                    raw,
                    f"malformed CSV: the row has {len(row)} cells, the header has {len(header)}",
                    "malformed_csv",
                    _first_cell_id(header, row),
                ),
            )
            continue
        rec: dict[str, Any] = {}
        levels: dict[str, str] = {}
        bad: Rejected | None = None
        for name, cell in zip(header, row, strict=True):
            cell = cell.strip()
            if not cell or not name:
                continue
            if name.startswith(prefix):
                levels[name[len(prefix) :]] = cell
            elif name in _JSON_CELLS:
                try:
                    rec[name] = _loads(cell)
                except ValueError as exc:
                    bad = Rejected(
                        src,
                        no,
                        raw,
                        f"malformed JSON in the {name!r} cell: {_json_reason(exc)}",
                        "malformed_json",
                        rec.get("id"),
                    )
                    break
            else:
                rec[name] = _csv_value(name, cell)
        if bad is None and levels:
            bad = _merge_levels(rec, levels, levels_field, prefix, src, no, raw)
        yield no, raw, (None if bad else rec), bad


def _merge_levels(
    rec: dict[str, Any],
    levels: dict[str, Any],
    levels_field: str,
    prefix: str,
    src: str,
    no: int,
    raw: str,
) -> Rejected | None:
    """Put ``<prefix><competence>`` columns into ``rec[levels_field]`` (CSV and .xlsx rows);
    the rejection when the row gives the levels as a JSON cell too."""
    if levels_field in rec:
        return Rejected(
            src,
            no,
            raw,
            f"give {levels_field} either as one JSON cell or as {prefix}<competence> "
            "columns, not both",
            "invalid_value",
            rec.get("id"),
        )
    rec[levels_field] = levels
    return None


def _first_cell_id(header: list[str], row: list[str]) -> str | None:
    """The id of a row with the wrong number of cells, when its id column can be trusted."""
    if "id" in header:
        k = header.index("id")
        if k < len(row) and row[k].strip() and len(row[k]) <= 200:
            return row[k].strip()
    return None


def _rows(path: Path, what: str, kind: str, delimiter: str | None, stats: dict[str, int]):
    if path.suffix.lower() == ".xlsx":  # Excel workbooks: doorstroom_match.forms (openpyxl)
        from .forms import iter_xlsx_rows

        return iter_xlsx_rows(path, what, kind)
    if path.suffix.lower() == ".csv":
        return _iter_csv(path, what, kind, delimiter, stats)
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
    if rec is _NOT_A_RECORD:
        return None, "wrong_type", f"a {noun} line must be a JSON object, got null"
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
    except (TypeError, ValueError, AttributeError, ArithmeticError, RecursionError) as exc:
        # a shape no check foresaw: still one rejected line, never a stopped batch; the
        # message is not quoted (it could hold a level or a limit), only its type
        return (
            None,
            "wrong_type" if isinstance(exc, TypeError) else "invalid_value",
            f"{noun} {rid!r}: a value could not be used ({type(exc).__name__})",
        )
    return item, "", ""


def read_records(
    path: str | Path,
    kind: str,
    *,
    dictionary: CompetenceDictionary | None = None,
    seen: MutableMapping[str, tuple[str, int]] | None = None,
    what: str | None = None,
    delimiter: str | None = None,
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
    delimiter : str, optional
        The CSV delimiter (``","``, ``";"``, a tab, or ``"comma"``, ``"semicolon"``, ...);
        sniffed from the header line when None (see :func:`sniff_delimiter`).

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
    delimiter = _check_delimiter(delimiter)
    path = Path(path)
    base = dictionary or default_dictionary()
    dictionary = base if isinstance(base, _MemoDictionary) else _MemoDictionary(base)
    what = what or ("workers" if kind == "worker" else "feed")
    seen = {} if seen is None else seen
    res = ReadResult(source=str(path))
    noun = "worker" if kind == "worker" else "vacancy"
    stats: dict[str, int] = {}
    for no, raw, rec, rejected in _rows(path, what, kind, delimiter, stats):
        if rejected is not None:
            res.n_lines += 1
            res.rejected.append(rejected)
            continue
        if rec is None:
            res.n_blank += 1
            continue
        res.n_lines += 1
        if "\\u" in raw and not _encodable(rec):
            rid = rec.get("id") if isinstance(rec, Mapping) else None
            res.rejected.append(
                Rejected(
                    str(path),
                    no,
                    raw,
                    "a string holds a lone surrogate escape (such as \\ud800), which is no "
                    "character",
                    "encoding",
                    rid if isinstance(rid, str) and _encodable(rid) else None,
                )
            )
            continue
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
    res.n_recoded = stats.get("n_recoded", 0)
    return res


def read_workers(
    path: str | Path,
    *,
    dictionary: CompetenceDictionary | None = None,
    delimiter: str | None = None,
) -> ReadResult:
    """Read a workers file (JSON Lines or CSV); see :func:`read_records`."""
    return read_records(path, "worker", dictionary=dictionary, delimiter=delimiter)


def read_vacancies(
    path: str | Path,
    *,
    dictionary: CompetenceDictionary | None = None,
    seen: MutableMapping[str, tuple[str, int]] | None = None,
    what: str = "feed",
    delimiter: str | None = None,
) -> ReadResult:
    """Read a vacancy feed or a file of internship places; see :func:`read_records`."""
    return read_records(
        path, "vacancy", dictionary=dictionary, seen=seen, what=what, delimiter=delimiter
    )
