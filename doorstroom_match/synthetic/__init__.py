"""Synthetic sample data that looks like the field, from the reference data shipped in the package.

* :func:`generate_sample` - seeded workers, regular vacancies and internship places, drawn from
  the Dutch ESCO catalogue, O*NET work styles and Flemish postcodes shipped in the package.
* :func:`write_sample` - the same as files (``doorstroom-match sample --out DIR``), plus later
  weeks of the feed, files with broken lines and ``truth.csv`` (the true occupation of every
  record, for benchmarks).
* :func:`load_sample` - read ``workers.jsonl``, ``feed.jsonl`` and ``places.jsonl`` of a folder
  written that way (the repository bundles one in ``datasets/sample``).
* :func:`synthetic_arrays` - dense level/requirement arrays for the core benchmark.

All people and employers are synthetic; occupation titles and descriptions are real entries of
the Dutch ESCO catalogue.

Examples
--------
>>> from doorstroom_match import synthetic
>>> workers, vacancies, places = synthetic.generate_sample(3, 5, 2, seed=1)
>>> workers[0]["id"], vacancies[0]["kind"], len(places)
('W00001', 'vacancy', 2)
"""

from __future__ import annotations

from pathlib import Path

from doorstroom_match._exceptions import FeedError

from ._reference import is_flemish_postcode, load_reference
from .generate import (
    BROKEN_KINDS,
    NO_REQUIREMENTS_SHARE,
    OCCUPATION_URI_SHARE,
    REFERENCE_DATE,
    generate_places,
    generate_sample,
    generate_vacancies,
    generate_workers,
    inject_broken,
    read_jsonl,
    synthetic_arrays,
    week_feed,
    write_jsonl,
    write_sample,
    write_truth,
)

__all__ = [
    "BROKEN_KINDS",
    "NO_REQUIREMENTS_SHARE",
    "OCCUPATION_URI_SHARE",
    "REFERENCE_DATE",
    "generate_places",
    "generate_sample",
    "generate_vacancies",
    "generate_workers",
    "inject_broken",
    "is_flemish_postcode",
    "load_reference",
    "load_sample",
    "read_jsonl",
    "read_truth",
    "synthetic_arrays",
    "week_feed",
    "write_jsonl",
    "write_sample",
    "write_truth",
]


def load_sample(folder: str | Path) -> tuple[list[dict], list[dict], list[dict]]:
    """Workers, regular vacancies and internship places of a sample folder.

    Parameters
    ----------
    folder : path
        A folder written by :func:`write_sample` (``doorstroom-match sample --out DIR``),
        e.g. the repository's ``datasets/sample``.

    Returns
    -------
    workers, vacancies, places : list of dict
        The records of ``workers.jsonl``, ``feed.jsonl`` and ``places.jsonl``; fresh lists on
        every call.

    Raises
    ------
    FeedError
        A file is missing; the message names the folder and the command that writes one.
    """
    folder = Path(folder)
    paths = [folder / n for n in ("workers.jsonl", "feed.jsonl", "places.jsonl")]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        raise FeedError(
            f"folder must hold a sample, {str(folder)!r} lacks {', '.join(missing)}; "
            "write one with: doorstroom-match sample --out DIR"
        )
    w, v, p = (read_jsonl(path) for path in paths)
    return w, v, p


def read_truth(path: str | Path) -> dict[str, str]:
    """Read a ``truth.csv`` (``id,occupation_uri``) of :func:`write_sample` into a dict."""
    import csv

    with open(path, encoding="utf-8", newline="") as fh:
        return {row["id"]: row["occupation_uri"] for row in csv.DictReader(fh)}
