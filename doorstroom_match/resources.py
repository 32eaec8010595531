"""Every file the product reads at run time, found in one place.

Reference data (the Dutch ESCO catalogue, ISCO-08 groups, Belgian postcodes, the ESCO-O*NET
crosswalk and O*NET work styles) and the trained title models ship inside the package
(``doorstroom_match/data``). Each resource is resolved in one order:

1. an explicit path given by the caller;
2. the resource's own environment variable (e.g. ``$DOORSTROOM_TITLES_ADAPTER``), or, for
   reference tables, a folder laid out like the team's reference data (``esco_nl/``,
   ``onet/``, ``geo/``) named by ``$DOORSTROOM_DATA_DIR`` (``$DOORSTROOM_SHARED_DATA`` is read
   as an older name of the same variable; ``$DOORSTROOM_ESCO_DIR`` names an ``esco_nl`` folder);
3. the package data.

An environment variable that is set must point at an existing file: an explicit setting is
never silently replaced by the package copy. Nothing here reads ``../shared`` or the
repository's ``models/``.

Sources and licences are listed in the project's ``NOTICE``: ESCO © European Union (CC BY 4.0),
O*NET © U.S. Department of Labor/ETA (CC BY 4.0), postcodes after bpost's list geocoded with
OpenStreetMap (© OpenStreetMap contributors, ODbL).
"""

from __future__ import annotations

import gzip
import io
import os
from dataclasses import dataclass
from importlib import resources as _ilr
from pathlib import Path
from typing import IO

from ._exceptions import DoorstroomError

__all__ = ["RESOURCES", "Resource", "resource_path", "open_resource", "ResourceNotFoundError"]


class ResourceNotFoundError(DoorstroomError, FileNotFoundError):
    """A run-time resource is missing where it was asked for."""


@dataclass(frozen=True)
class Resource:
    """One run-time file: where it lies in the package and how to point elsewhere.

    Attributes
    ----------
    name : str
    package_path : str
        Path inside ``doorstroom_match/`` (``.gz`` files are decompressed on reading).
    env_var : str or None
        Environment variable naming a file to use instead.
    data_dir_path : str or None
        Path inside a reference-data folder (``$DOORSTROOM_DATA_DIR``).
    """

    name: str
    package_path: str
    env_var: str | None = None
    data_dir_path: str | None = None


_R = [
    Resource(
        "esco_occupations",
        "data/reference/esco_occupations.csv.gz",
        "DOORSTROOM_ESCO_OCCUPATIONS",
        "esco_nl/occupations.csv",
    ),
    Resource(
        "isco_groups",
        "data/reference/isco_groups.csv.gz",
        "DOORSTROOM_ISCO_GROUPS",
        "esco_nl/isco_groups.csv",
    ),
    Resource("esco_isco", "data/esco_isco_groups.csv", None, None),
    Resource("postcodes", "data/be_postcodes.csv", None, None),
    Resource(
        "postcode_places",
        "data/reference/be_postcode_places.csv.gz",
        "DOORSTROOM_POSTCODES",
        "geo/be_postcodes.csv",
    ),
    Resource(
        "onet_work_styles",
        "data/reference/onet_work_styles.tsv.gz",
        "DOORSTROOM_ONET_WORK_STYLES",
        "onet/work_styles.tsv",
    ),
    Resource(
        "onet_crosswalk",
        "data/reference/esco_onet_crosswalk.csv.gz",
        "DOORSTROOM_ONET_CROSSWALK",
        "onet/esco_onet_crosswalk.csv",
    ),
    Resource("title_adapter", "data/models/title-adapter.npz", "DOORSTROOM_TITLES_ADAPTER"),
    Resource("title_reranker", "data/models/title-reranker.json", "DOORSTROOM_TITLES_RERANKER"),
    Resource("title_static", "data/models/title-static.npz", "DOORSTROOM_TITLES_STATIC"),
    # all-MiniLM-L6-v2 quantised to int8 (onnxruntime), the default query encoder of titles
    Resource("title_int8", "data/models/title-minilm-int8.onnx", "DOORSTROOM_TITLES_INT8"),
    # the weekly batch's "tfidf" text encoder, fitted on the shipped catalogue
    Resource("batch_encoder", "data/models/batch-tfidf.npz", "DOORSTROOM_BATCH_ENCODER"),
    Resource(
        "title_substitutions",
        "data/models/title-substitutions.json",
        "DOORSTROOM_TITLES_SUBSTITUTIONS",
    ),
    # query words the catalogue lacks (Belgian Dutch, English loans) -> the catalogue's words
    Resource("title_lexicon", "data/reference/be_title_words.csv", "DOORSTROOM_TITLES_LEXICON"),
    # the optional fine-tuned sentence-transformers folder (not shipped: ~90 MB)
    Resource("title_model", "data/models/titles-minilm-nl", "DOORSTROOM_TITLES_MODEL"),
]

#: Every run-time resource by name.
RESOURCES: dict[str, Resource] = {r.name: r for r in _R}

_DATA_DIR_VARS = ("DOORSTROOM_DATA_DIR", "DOORSTROOM_SHARED_DATA")


def _package_file(rel: str) -> Path:
    return Path(str(_ilr.files("doorstroom_match").joinpath(rel)))


def resource_path(name: str, path: str | os.PathLike | None = None, *, must_exist: bool = True):
    """Where resource ``name`` is read from: ``path``, then its environment, then the package.

    Parameters
    ----------
    name : str
        A key of :data:`RESOURCES`.
    path : path-like, optional
        An explicit file; wins over everything else.
    must_exist : bool, default=True
        Raise when the resolved file does not exist (False: return the path anyway, for the
        optional fine-tuned model folder).

    Returns
    -------
    Path

    Raises
    ------
    ResourceNotFoundError
        The resolved file does not exist; the message names where it was looked for.
    KeyError
        ``name`` is not a known resource.
    """
    res = RESOURCES[name]
    where: str
    if path is not None:
        p, where = Path(path), "the path given"
    elif res.env_var and os.environ.get(res.env_var):
        p, where = Path(os.environ[res.env_var]), f"${res.env_var}"
    else:
        p, where = None, ""
        if res.data_dir_path:
            for var in _DATA_DIR_VARS:
                if os.environ.get(var):
                    p, where = Path(os.environ[var]) / res.data_dir_path, f"${var}"
                    break
            if p is None and res.data_dir_path.startswith("esco_nl/"):
                if os.environ.get("DOORSTROOM_ESCO_DIR"):
                    p = Path(os.environ["DOORSTROOM_ESCO_DIR"]) / res.data_dir_path.split("/")[1]
                    where = "$DOORSTROOM_ESCO_DIR"
        if p is None:
            p, where = _package_file(res.package_path), "the package data"
    if must_exist and not p.exists():
        raise ResourceNotFoundError(
            f"{name} not found: {where} points at {str(p)!r}, which does not exist"
        )
    return p


def open_resource(name: str, path: str | os.PathLike | None = None) -> IO[str]:
    """Open resource ``name`` as UTF-8 text (``.gz`` decompressed); see :func:`resource_path`."""
    p = resource_path(name, path)
    if p.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(p, "rb"), encoding="utf-8-sig", newline="")
    return open(p, encoding="utf-8-sig", newline="")
