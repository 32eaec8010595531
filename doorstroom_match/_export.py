"""Spreadsheet-safe CSV export (development plans, reports).

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as
a formula by Excel and LibreOffice ("CSV injection": a job title such as
``=HYPERLINK("http://evil", "klik")`` in a vacancy feed would become a live link, or worse, in
the coach's spreadsheet). Such text cells get a leading apostrophe, as OWASP recommends and
spreadsheet-safe exporters do; the apostrophe is not shown by the spreadsheet. Numbers are
written as they are (``-1`` stays a number).

Examples
--------
>>> safe_cell("=1+1"), safe_cell("-gevaar"), safe_cell("goed"), safe_cell(-1)
("'=1+1", "'-gevaar", 'goed', -1)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["safe_cell", "csv_text"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` with a leading apostrophe when it is text a spreadsheet would run as a
    formula; anything else unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_text(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> str:
    """CSV text (``\\n`` line ends) with every cell made spreadsheet-safe."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([safe_cell(c) for c in header])
    for row in rows:
        writer.writerow([safe_cell(c) for c in row])
    return buf.getvalue()
