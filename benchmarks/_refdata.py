"""The team's reference data, for training and evaluation scripts only.

The library reads nothing outside the package at run time (see
:mod:`doorstroom_match.resources`). Training (``models/``) and evaluation (``benchmarks/``)
also need files that are not shipped, above all the dev job-title queries
(``esco_nl/dev_title_queries.csv``). They find them here, and only here:

1. ``$DOORSTROOM_DATA_DIR`` (or its older name ``$DOORSTROOM_SHARED_DATA``): a folder laid out
   like the team's reference data (``esco_nl/``, ``onet/``, ``geo/``);
2. ``<repo>/../shared/data`` (where CI and the team have it);
3. ``<repo>/shared/data``.

A set variable must point at a valid folder: it is never silently replaced by a fallback.
"""

from __future__ import annotations

import os
from pathlib import Path

from doorstroom_match.resources import ResourceNotFoundError

__all__ = ["team_data_dir", "esco_dir"]

_REPO = Path(__file__).resolve().parents[1]
_VARS = ("DOORSTROOM_DATA_DIR", "DOORSTROOM_SHARED_DATA")
_NEED = Path("esco_nl") / "dev_title_queries.csv"


def _candidates() -> list[tuple[str, Path]]:
    for var in _VARS:
        if os.environ.get(var):
            return [(f"${var}", Path(os.environ[var]))]
    return [
        ("<repo>/../shared/data", _REPO.parent / "shared" / "data"),
        ("<repo>/shared/data", _REPO / "shared" / "data"),
    ]


def team_data_dir() -> Path:
    """The folder with the team's reference data (``esco_nl/``, ``onet/``, ``geo/``).

    Raises
    ------
    ResourceNotFoundError
        No candidate holds ``esco_nl/dev_title_queries.csv``; the message names every place
        tried and how to point at the folder.
    """
    tried = []
    for name, path in _candidates():
        if (path / _NEED).is_file():
            return path
        tried.append(f"{name} = {path}")
    raise ResourceNotFoundError(
        "the team's reference data (needed for training and evaluation only, not shipped: "
        f"{_NEED.as_posix()}) not found; tried " + "; ".join(tried) + ". Set "
        "DOORSTROOM_DATA_DIR to the folder, or put shared/data beside the repository."
    )


def esco_dir() -> Path:
    """``team_data_dir() / "esco_nl"``: ``occupations.csv`` and ``dev_title_queries.csv``."""
    return team_data_dir() / "esco_nl"
