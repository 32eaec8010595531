"""Reference data for the generator: ESCO occupations, O*NET work styles, Flemish postcodes.

Every table is read through :mod:`doorstroom_match.resources` (the copies shipped in the package
unless an argument or the environment points elsewhere), or from a folder laid out like the
team's reference data (``esco_nl/``, ``onet/``, ``geo/``) when ``data_dir`` is given. Tables are
parsed once per set of files and cached.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from doorstroom_match.occupations import WORK_STYLE_MAP, importance_table
from doorstroom_match.resources import open_resource, resource_path

__all__ = [
    "WORK_STYLE_MAP",
    "ReferenceData",
    "is_flemish_postcode",
    "load_reference",
]

# Resource name -> path inside a folder laid out like the team's reference data.
_FILES = {
    "esco_occupations": "esco_nl/occupations.csv",
    "onet_work_styles": "onet/work_styles.tsv",
    "onet_crosswalk": "onet/esco_onet_crosswalk.csv",
    "postcode_places": "geo/be_postcodes.csv",
}

# fmt: off
# Main Flemish towns: postcode -> (name shown for the postcode, weight). Other postcodes weigh
# 1 plus 0.5 per extra place (merged municipalities are larger).
_TOWNS: dict[str, tuple[str, float]] = {
    "2000": ("Antwerpen", 40), "9000": ("Gent", 40), "8000": ("Brugge", 15),
    "3000": ("Leuven", 15), "2800": ("Mechelen", 14), "9300": ("Aalst", 12),
    "3500": ("Hasselt", 12), "3600": ("Genk", 12), "8500": ("Kortrijk", 12),
    "9100": ("Sint-Niklaas", 11), "8400": ("Oostende", 11), "8800": ("Roeselare", 9),
    "2300": ("Turnhout", 8), "1800": ("Vilvoorde", 7), "9200": ("Dendermonde", 7),
    "2500": ("Lier", 6), "3800": ("Sint-Truiden", 6), "2200": ("Herentals", 5),
    "2400": ("Mol", 5), "2440": ("Geel", 6), "8900": ("Ieper", 6), "9400": ("Ninove", 5),
    "9700": ("Oudenaarde", 5), "9500": ("Geraardsbergen", 5), "8700": ("Tielt", 4),
    "3300": ("Tienen", 5), "1500": ("Halle", 6), "9600": ("Ronse", 5),
    "3700": ("Tongeren", 5), "2100": ("Deurne", 10), "2140": ("Borgerhout", 9),
    "2600": ("Berchem", 7), "2018": ("Antwerpen", 10), "2060": ("Antwerpen", 9),
    "2170": ("Merksem", 6), "9040": ("Sint-Amandsberg", 5), "9050": ("Gentbrugge", 5),
    "3290": ("Diest", 4), "3200": ("Aarschot", 4), "3580": ("Beringen", 5),
    "3630": ("Maasmechelen", 5), "8200": ("Sint-Andries", 6), "9120": ("Beveren", 6),
    "9160": ("Lokeren", 6), "8870": ("Izegem", 4), "8930": ("Menen", 5),
    "1700": ("Dilbeek", 5), "1730": ("Asse", 4), "2900": ("Schoten", 4),
    "2930": ("Brasschaat", 5), "3530": ("Houthalen-Helchteren", 4), "9800": ("Deinze", 4),
    "2640": ("Mortsel", 4),
}
# fmt: on


def is_flemish_postcode(postcode: str | int) -> bool:
    """True for postcodes of the Flemish Region (1500-3999 and 8000-9999).

    Examples
    --------
    >>> is_flemish_postcode("9000"), is_flemish_postcode(1000), is_flemish_postcode("4000")
    (True, False, False)
    """
    try:
        code = int(postcode)
    except (TypeError, ValueError):
        return False
    return 1500 <= code <= 3999 or 8000 <= code <= 9999


@dataclass(frozen=True)
class ReferenceData:
    """Parsed reference tables, as arrays aligned on occupation / postcode rows.

    Attributes
    ----------
    uri, label, description, isco : ndarray of str, shape (n_occupations,)
        ESCO occupation uri, Dutch preferred label, description and ISCO-08 4-digit group.
    alt_labels : tuple of tuple of str, length n_occupations
        Alternative labels (blank for the held-out rows of the catalogue).
    importance : ndarray of float32, shape (n_occupations, n_competences)
        Importance (1..5) of each competence of ``competence_ids`` for the occupation, from the
        O*NET work styles via the ESCO-O*NET crosswalk; occupations without a crosswalk take
        the mean of their ISCO group (4, 3, 2 or 1 digits, whichever is known first).
    from_crosswalk : ndarray of bool, shape (n_occupations,)
        True where ``importance`` comes from the crosswalk rather than the ISCO fallback.
    competence_ids : tuple of str
        Column order of ``importance``.
    postcode, place : ndarray of str, shape (n_postcodes,)
        Flemish postcodes (unique) and the town shown for each.
    postcode_weight : ndarray of float64, shape (n_postcodes,)
        Sampling weight, higher for the main towns; sums to 1.
    """

    uri: np.ndarray
    label: np.ndarray
    alt_labels: tuple[tuple[str, ...], ...]
    description: np.ndarray
    isco: np.ndarray
    importance: np.ndarray
    from_crosswalk: np.ndarray
    competence_ids: tuple[str, ...]
    postcode: np.ndarray
    place: np.ndarray
    postcode_weight: np.ndarray


def _read_csv(path: Path, name: str, delimiter: str = ",") -> list[dict[str, str]]:
    with open_resource(name, path) as fh:
        return list(csv.DictReader(fh, delimiter=delimiter))


def _importance(
    occ: list[dict[str, str]], files: dict[str, Path], competence_ids: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """Work-style importance per occupation: the one rule of :func:`~doorstroom_match.
    occupations.importance_table`, on the tables the generator was pointed at."""
    return importance_table(
        [r["uri"] for r in occ],
        [r["isco_group"] for r in occ],
        competence_ids,
        _read_csv(files["onet_work_styles"], "onet_work_styles", delimiter="\t"),
        _read_csv(files["onet_crosswalk"], "onet_crosswalk"),
    )


def _postcodes(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    places: dict[str, list[str]] = {}
    for row in _read_csv(path, "postcode_places"):
        if is_flemish_postcode(row["postcode"]):
            places.setdefault(row["postcode"], []).append(row["place"])
    codes = sorted(places)
    names, weights = [], []
    for code in codes:
        town = _TOWNS.get(code)
        if town is not None:
            names.append(town[0])
            weights.append(town[1])
        else:
            names.append(places[code][0])
            weights.append(1.0 + 0.5 * (len(places[code]) - 1))
    w = np.asarray(weights, dtype=np.float64)
    return np.asarray(codes), np.asarray(names), w / w.sum()


@lru_cache(maxsize=4)
def _load(files: tuple[tuple[str, Path], ...], competence_ids: tuple[str, ...]) -> ReferenceData:
    paths = dict(files)
    occ = _read_csv(paths["esco_occupations"], "esco_occupations")
    importance, found = _importance(occ, paths, competence_ids)
    codes, names, weights = _postcodes(paths["postcode_places"])
    return ReferenceData(
        uri=np.asarray([r["uri"] for r in occ]),
        label=np.asarray([r["preferred_label"] for r in occ]),
        alt_labels=tuple(
            tuple(a.strip() for a in r["alt_labels"].split("|") if a.strip()) for r in occ
        ),
        description=np.asarray([r["description"] for r in occ]),
        isco=np.asarray([r["isco_group"] for r in occ]),
        importance=importance,
        from_crosswalk=found,
        competence_ids=competence_ids,
        postcode=codes,
        place=names,
        postcode_weight=weights,
    )


def load_reference(
    competence_ids: tuple[str, ...], data_dir: str | os.PathLike | None = None
) -> ReferenceData:
    """Load (once, then from cache) the reference tables for these competence columns.

    Parameters
    ----------
    competence_ids : tuple of str
        Column order of the importance matrix (usually ``default_dictionary().ids``).
    data_dir : path, optional
        A folder laid out like the team's reference data (``esco_nl/occupations.csv``,
        ``onet/work_styles.tsv``, ``onet/esco_onet_crosswalk.csv``, ``geo/be_postcodes.csv``).
        Default: each table through :func:`doorstroom_match.resources.resource_path` (the
        environment, then the copy shipped in the package).

    Raises
    ------
    ResourceNotFoundError
        A table is missing; the message names where it was looked for.
    """
    files = tuple(
        (
            name,
            resource_path(name, None if data_dir is None else Path(data_dir) / rel).resolve(),
        )
        for name, rel in _FILES.items()
    )
    return _load(files, tuple(competence_ids))
