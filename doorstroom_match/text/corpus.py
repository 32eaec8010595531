"""Occupation corpora for job-title normalisation: readers and the Dutch ESCO loader.

A *corpus* is a table of rows ``id, uri, text, description``: each row is one surface form
(``text``) of one occupation (``uri``); several rows may share a uri, and ``description`` may be
empty. :class:`TitleCorpus` holds it as parallel tuples.

The Dutch ESCO catalogue (``occupations.csv``: ``uri, code, isco_group, preferred_label,
alt_labels, description, split``) becomes such a corpus with :func:`load_esco_corpus`: one row per
preferred label and one per alternative label (``|``-separated), and each occupation's ISCO-08
group in :attr:`TitleCorpus.isco_groups`. A corpus read from CSV has no ISCO column; for ESCO
uris :func:`esco_isco_group` knows the group from ``doorstroom_match/data/esco_isco_groups.csv``
(uri and ISCO-08 group of the 3,039 occupations of ESCO v1.2, © European Union, reused under
the European Commission's reuse policy).
"""

from __future__ import annotations

import csv
import functools
import os
import random
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from doorstroom_match._exceptions import EmptyInputError, FeedError, ValidationError

__all__ = [
    "TitleCorpus",
    "Occupation",
    "read_corpus_csv",
    "write_corpus_csv",
    "read_queries_csv",
    "write_queries_csv",
    "read_esco_occupations",
    "load_esco_corpus",
    "esco_data_dir",
    "esco_isco_group",
    "split_by_occupation",
    "is_group_uri",
    "esco_preferred_label",
    "isco_group_labels",
]

#: Prefix of the uris ESCO gives ISCO-08 groups (``…/esco/isco/C2654``), published beside the
#: occupations and often found in corpora as rows of their own.
ISCO_URI_MARK = "/esco/isco/c"

CORPUS_COLUMNS = ("id", "uri", "text", "description")
QUERY_COLUMNS = ("query", "uri")
ESCO_COLUMNS = ("uri", "code", "isco_group", "preferred_label", "alt_labels", "description")


@functools.lru_cache(maxsize=1)
def _esco_isco_table() -> dict[str, str]:
    from doorstroom_match.resources import open_resource

    with open_resource("esco_isco") as fh:
        return {r["uri"]: r["isco_group"] for r in csv.DictReader(fh)}


def esco_isco_group(uri: str) -> str:
    """The ISCO-08 group of an ESCO occupation uri, "" for any other uri.

    Examples
    --------
    >>> esco = "http://data.europa.eu/esco/occupation/"
    >>> esco_isco_group(esco + "00030d09-2b3a-4efd-87cc-c4ea39d27c34")
    '2654'
    >>> esco_isco_group("u1")
    ''
    """
    return _esco_isco_table().get(str(uri), "")


def is_group_uri(uri: str) -> bool:
    """Whether ``uri`` names an ISCO-08 group rather than an occupation (ESCO's ``isco/C…``).

    Examples
    --------
    >>> is_group_uri("http://data.europa.eu/esco/isco/C2654")
    True
    >>> is_group_uri("http://data.europa.eu/esco/occupation/00030d09")
    False
    """
    return ISCO_URI_MARK in str(uri).lower()


def group_code_of_uri(uri: str) -> str:
    """The ISCO-08 code of a group uri (``…/isco/C2654`` -> ``"2654"``), else ""."""
    u = str(uri)
    i = u.lower().find(ISCO_URI_MARK)
    if i < 0:
        return ""
    code = u[i + len(ISCO_URI_MARK) :]
    return code if code.isdigit() else ""


@functools.lru_cache(maxsize=1)
def _esco_preferred_table() -> dict[str, str]:
    try:
        return {o.uri: o.preferred_label for o in read_esco_occupations()}
    except (FeedError, OSError):  # pragma: no cover - the catalogue ships in the package
        return {}


def esco_preferred_label(uri: str) -> str:
    """The Dutch preferred label of an ESCO occupation uri (the catalogue in use), else ""."""
    return _esco_preferred_table().get(str(uri), "")


@functools.lru_cache(maxsize=1)
def isco_group_labels() -> frozenset[str]:
    """Normalised labels of the ISCO-08 groups (the reference table in use)."""
    from doorstroom_match.resources import resource_path
    from doorstroom_match.text.normalise import normalise_title

    try:
        rows = _open_csv(resource_path("isco_groups"), ("code", "preferred_label"), "ISCO groups")
    except (FeedError, OSError):  # pragma: no cover - the table ships in the package
        return frozenset()
    return frozenset(normalise_title(r["preferred_label"]) for r in rows)


@dataclass(frozen=True)
class TitleCorpus:
    """Rows of surface forms of occupations.

    Attributes
    ----------
    ids, uris, texts, descriptions : tuple of str, each of length n_rows
    isco_groups : mapping uri -> ISCO-08 group code ("" when unknown)
    labels : mapping uri -> display label (the first row's text unless given)
    """

    ids: tuple[str, ...]
    uris: tuple[str, ...]
    texts: tuple[str, ...]
    descriptions: tuple[str, ...]
    isco_groups: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.ids)
        for name in ("uris", "texts", "descriptions"):
            if len(getattr(self, name)) != n:
                raise ValidationError(
                    f"TitleCorpus.{name} must have one entry per id ({n}), "
                    f"got {len(getattr(self, name))}"
                )

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_rows(
        cls,
        rows: Iterable[Mapping[str, str]],
        isco_groups: Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> TitleCorpus:
        """Build from mappings with keys ``uri`` and ``text`` (``id``, ``description`` optional)."""
        ids, uris, texts, descs = [], [], [], []
        for i, row in enumerate(rows):
            uri, text = row.get("uri"), row.get("text")
            if not uri or text is None:
                raise ValidationError(
                    f"corpus row {i} must have a non-empty 'uri' and a 'text', got keys "
                    f"{sorted(row)}"
                )
            ids.append(str(row.get("id") or i))
            uris.append(str(uri))
            texts.append(str(text))
            descs.append(str(row.get("description") or ""))
        lab = dict(labels or {})
        for u, t in zip(uris, texts, strict=True):
            lab.setdefault(u, t)
        return cls(
            tuple(ids), tuple(uris), tuple(texts), tuple(descs), dict(isco_groups or {}), lab
        )


@dataclass(frozen=True)
class Occupation:
    """One row of the ESCO catalogue."""

    uri: str
    code: str
    isco_group: str
    preferred_label: str
    alt_labels: tuple[str, ...]
    description: str
    split: str


def _open_csv(path: str | os.PathLike, required: Sequence[str], what: str) -> list[dict]:
    path = Path(path)
    try:
        with _open_text(path) as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            missing = [c for c in required if c not in header]
            if missing:
                raise FeedError(
                    f"{what} {path.name!r} must have columns {list(required)}, missing {missing} "
                    f"(header: {header})"
                )
            return list(reader)
    except OSError as exc:
        raise FeedError(f"cannot read {what} {str(path)!r}: {exc.strerror}") from exc


def read_corpus_csv(path: str | os.PathLike) -> TitleCorpus:
    """Read a corpus CSV with columns ``id,uri,text,description``.

    Raises
    ------
    FeedError
        The file cannot be read or lacks a column.
    EmptyInputError
        The file has no rows.
    """
    rows = _open_csv(path, ("uri", "text"), "corpus")
    if not rows:
        raise EmptyInputError(f"corpus {Path(path).name!r} has no rows")
    return TitleCorpus.from_rows(rows)


def write_corpus_csv(corpus: TitleCorpus, path: str | os.PathLike) -> None:
    """Write ``corpus`` as ``id,uri,text,description``."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(CORPUS_COLUMNS)
        w.writerows(zip(corpus.ids, corpus.uris, corpus.texts, corpus.descriptions, strict=True))


def read_queries_csv(path: str | os.PathLike) -> tuple[list[str], list[str]]:
    """Read ``query,uri`` rows; returns (queries, gold uris)."""
    rows = _open_csv(path, QUERY_COLUMNS, "queries")
    if not rows:
        raise EmptyInputError(f"queries {Path(path).name!r} has no rows")
    return [r["query"] for r in rows], [r["uri"] for r in rows]


def write_queries_csv(queries: Sequence[str], uris: Sequence[str], path: str | os.PathLike) -> None:
    """Write ``query,uri`` rows."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(QUERY_COLUMNS)
        w.writerows(zip(queries, uris, strict=True))


def _open_text(path: Path):
    if path.suffix == ".gz":
        import gzip
        import io

        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return open(path, newline="", encoding="utf-8-sig")


def esco_occupations_path(path: str | os.PathLike | None = None) -> Path:
    """The Dutch ESCO ``occupations`` table: ``path``, else the environment, else the package.

    See :func:`doorstroom_match.resources.resource_path` (``$DOORSTROOM_ESCO_OCCUPATIONS``,
    ``$DOORSTROOM_DATA_DIR``/``$DOORSTROOM_SHARED_DATA`` + ``esco_nl/occupations.csv``,
    ``$DOORSTROOM_ESCO_DIR`` + ``occupations.csv``, then the catalogue shipped in the package).
    """
    from doorstroom_match.resources import resource_path

    return resource_path("esco_occupations", path)


def esco_data_dir() -> Path:
    """Folder of the Dutch ESCO occupations table in use (see :func:`esco_occupations_path`)."""
    return esco_occupations_path().parent


def read_esco_occupations(path: str | os.PathLike | None = None) -> list[Occupation]:
    """Read ESCO ``occupations.csv`` (default: :func:`esco_occupations_path`)."""
    path = esco_occupations_path(path)
    rows = _open_csv(path, ESCO_COLUMNS, "ESCO occupations")
    return [
        Occupation(
            uri=r["uri"],
            code=r["code"],
            isco_group=r["isco_group"],
            preferred_label=r["preferred_label"],
            alt_labels=tuple(a.strip() for a in (r["alt_labels"] or "").split("|") if a.strip()),
            description=r["description"] or "",
            split=r.get("split", "") or "",
        )
        for r in rows
    ]


def load_esco_corpus(
    path: str | os.PathLike | Sequence[Occupation] | None = None,
    *,
    alt_labels: bool = True,
    exclude_alt_labels_of: Collection[str] = (),
) -> TitleCorpus:
    """The ESCO catalogue as a title corpus: a preferred-label row and one row per alt label.

    Parameters
    ----------
    path : path, list of Occupation or None
        ``occupations.csv`` (default: the catalogue shipped in the package, see
        :func:`esco_occupations_path`), or occupations already read.
    alt_labels : bool, default True
        Add a row per alternative label.
    exclude_alt_labels_of : collection of str
        Uris whose alternative labels are left out (evaluation occupations in a dev split).

    Returns
    -------
    TitleCorpus
        With ``isco_groups`` (uri -> ISCO-08 group) and ``labels`` (uri -> preferred label).
    """
    occs = (
        path
        if isinstance(path, Sequence) and not isinstance(path, str)
        else (read_esco_occupations(path))
    )
    excluded = set(exclude_alt_labels_of)
    rows: list[dict[str, str]] = []
    for o in occs:
        rows.append(
            {
                "id": f"{o.code}#0",
                "uri": o.uri,
                "text": o.preferred_label,
                "description": o.description,
            }
        )
        if alt_labels and o.uri not in excluded:
            for j, a in enumerate(o.alt_labels, start=1):
                rows.append(
                    {"id": f"{o.code}#{j}", "uri": o.uri, "text": a, "description": o.description}
                )
    return TitleCorpus.from_rows(
        rows,
        isco_groups={o.uri: o.isco_group for o in occs},
        labels={o.uri: o.preferred_label for o in occs},
    )


def split_by_occupation(
    uris: Iterable[str], fractions: Sequence[float] = (0.6, 0.2, 0.2), seed: int = 0
) -> list[set[str]]:
    """Split distinct uris into disjoint parts (train / tune / test), reproducibly.

    Parameters
    ----------
    uris : iterable of str
        Duplicates are ignored; the order does not matter.
    fractions : sequence of float
        Positive, summing to 1.
    seed : int

    Returns
    -------
    list of set of str, one per fraction
    """
    if any(f <= 0 for f in fractions) or abs(sum(fractions) - 1) > 1e-9:
        raise ValidationError(f"fractions must be positive and sum to 1, got {list(fractions)}")
    distinct = sorted(set(uris))
    random.Random(seed).shuffle(distinct)
    parts, start, acc = [], 0, 0.0
    for i, f in enumerate(fractions):
        acc += f
        stop = len(distinct) if i == len(fractions) - 1 else round(acc * len(distinct))
        parts.append(set(distinct[start:stop]))
        start = stop
    return parts
