"""Sample data for doorstroom_match: a seeded generator and a small bundled sample.

* :func:`load_sample` - the bundled sample in ``datasets/sample/`` (no reference data needed).
* :func:`generate_sample` - fresh seeded records from the Dutch ESCO catalogue, O*NET work
  styles and Flemish postcodes in the shared reference data (``shared_data_dir()``).
* :func:`synthetic_arrays` - dense level/requirement arrays for the core benchmark.
* ``python -m datasets.generate --help`` - the same as files, plus later weeks of the feed and
  files with broken lines.

This package is light on purpose: names load on first use, so ``import datasets`` costs
nothing (a library that probes for Hugging Face's ``datasets`` may import this one instead
when it runs from the repository root).

Examples
--------
>>> import datasets
>>> workers, vacancies, places = datasets.load_sample()
>>> workers[0]["id"], vacancies[0]["kind"], sorted({p["kind"] for p in places})
('W00001', 'vacancy', ['bvs', 'enclave', 'tbs'])
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = [
    "BROKEN_KINDS",
    "SAMPLE_DIR",
    "generate_places",
    "generate_sample",
    "generate_vacancies",
    "generate_workers",
    "inject_broken",
    "is_flemish_postcode",
    "load_sample",
    "read_jsonl",
    "sample_path",
    "shared_data_dir",
    "synthetic_arrays",
    "week_feed",
    "write_jsonl",
]

#: Folder of the bundled sample (committed; regenerate with the command in README.md).
SAMPLE_DIR = Path(__file__).resolve().parent / "sample"

_GENERATE = {
    "BROKEN_KINDS",
    "generate_places",
    "generate_sample",
    "generate_vacancies",
    "generate_workers",
    "inject_broken",
    "read_jsonl",
    "synthetic_arrays",
    "week_feed",
    "write_jsonl",
}
_REFERENCE = {"is_flemish_postcode", "shared_data_dir"}


def __getattr__(name: str):
    if name in _GENERATE:
        from . import generate

        return getattr(generate, name)
    if name in _REFERENCE:
        from . import _reference

        return getattr(_reference, name)
    raise AttributeError(f"module 'datasets' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


def sample_path(name: str) -> Path:
    """Path of one file of the bundled sample, e.g. ``sample_path("feed_week2.jsonl")``.

    Raises
    ------
    FileNotFoundError
        No such file in ``datasets/sample/``; the message lists the files there.
    """
    path = SAMPLE_DIR / name
    if not path.is_file():
        have = sorted(p.name for p in SAMPLE_DIR.glob("*")) if SAMPLE_DIR.is_dir() else []
        raise FileNotFoundError(
            f"sample file {name!r} not found in {SAMPLE_DIR}; available: {', '.join(have)}"
        )
    return path


def _read(name: str) -> list[dict]:
    with open(sample_path(name), encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load_sample() -> tuple[list[dict], list[dict], list[dict]]:
    """The bundled sample: 60 workers, 600 regular vacancies, 40 internship places.

    Read from ``datasets/sample/`` (``workers.jsonl``, ``feed.jsonl``, ``places.jsonl``); needs
    no reference data. Every call returns fresh lists, so callers may modify them.

    Returns
    -------
    workers, vacancies, places : list of dict
        Records in the formats documented in ``datasets/README.md``.
    """
    return _read("workers.jsonl"), _read("feed.jsonl"), _read("places.jsonl")
