"""Competences, the four-level scale and name normalisation.

A :class:`CompetenceDictionary` is the shared competence language of SEC and NEC: every
competence has a canonical id, a Dutch label, aliases, a group (``kern``, ``bijkomend``,
``extra``), a type (``generiek`` or ``technisch``) and a default weight. The default dictionary
holds the lists used in the field (the SW/LDE profile and the sheltered-workshop competence map);
teams load their own from CSV or JSON.

Levels are the four-level scale ``onvoldoende`` (1) < ``matig`` (2) < ``goed`` (3) <
``zeer goed`` (4). Internally, 0 means *not rated* (a worker) or *not required* (a vacancy).
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ._exceptions import (
    DuplicateIdError,
    EmptyInputError,
    UnknownCompetenceError,
    ValidationError,
)

__all__ = [
    "LEVELS",
    "LEVEL_LABELS",
    "GROUP_WEIGHTS",
    "Competence",
    "CompetenceDictionary",
    "default_dictionary",
    "normalise_name",
]

#: The four-level scale, level -> Dutch label.
LEVEL_LABELS: dict[int, str] = {1: "onvoldoende", 2: "matig", 3: "goed", 4: "zeer goed"}
#: The valid levels, lowest first.
LEVELS: tuple[int, ...] = (1, 2, 3, 4)
#: Default weight of a competence by group: core competences weigh most in a distance.
GROUP_WEIGHTS: dict[str, float] = {"kern": 1.5, "bijkomend": 1.0, "extra": 1.0}
_GROUPS = tuple(GROUP_WEIGHTS)
_TYPES = ("generiek", "technisch")


def normalise_name(name: str) -> str:
    """Normalise a competence name for lookup.

    Lower case, accents removed, punctuation and runs of whitespace turned into single spaces.

    Examples
    --------
    >>> normalise_name("  Zelfstandigheid/Zelfredzaamheid ")
    'zelfstandigheid zelfredzaamheid'
    >>> normalise_name("Stressbestendígheid")
    'stressbestendigheid'
    """
    if not isinstance(name, str):
        raise ValidationError(
            f"competence name must be a string, got {type(name).__name__} {name!r}"
        )
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^0-9a-z]+", " ", text.lower())
    return text.strip()


@dataclass(frozen=True)
class Competence:
    """One competence of a dictionary.

    Parameters
    ----------
    id : str
        Canonical id, lower-case ascii with underscores (``gezag_aanvaarden``).
    label : str
        Dutch label shown to coaches.
    group : {'kern', 'bijkomend', 'extra'}
        Core, additional or extra competence of the SW/LDE profile.
    weight : float
        Default weight of a shortfall on this competence, > 0.
    type : {'generiek', 'technisch'}
        Generic (attitude) or technical (job-specific) competence; a development plan
        treats them differently.
    aliases : tuple of str
        Other names that resolve to this competence.
    """

    id: str
    label: str
    group: str = "bijkomend"
    weight: float = 1.0
    type: str = "generiek"
    aliases: tuple[str, ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z0-9_]+", self.id or ""):
            raise ValidationError(
                f"competence id must be lower-case ascii letters, digits or '_', got {self.id!r}"
            )
        if self.group not in _GROUPS:
            raise ValidationError(
                f"group of competence {self.id!r} must be one of {_GROUPS}, got {self.group!r}"
            )
        if self.type not in _TYPES:
            raise ValidationError(
                f"type of competence {self.id!r} must be one of {_TYPES}, got {self.type!r}"
            )
        w = self.weight
        if (
            isinstance(w, bool)
            or not isinstance(w, int | float)
            or not (w > 0)
            or w == float("inf")
        ):
            raise ValidationError(
                f"weight of competence {self.id!r} must be a finite number > 0, got {w!r}"
            )


# (id, label, group, aliases). Every part of a combined field name is an alias.
_DEFAULT: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    # SW/LDE profile: core
    ("samenwerken", "samenwerken", "kern", ("samenwerking", "teamwerk", "in team werken")),
    (
        "zelfstandigheid",
        "zelfstandigheid/zelfredzaamheid",
        "kern",
        ("zelfstandigheid", "zelfredzaamheid", "zelfstandig werken"),
    ),
    ("initiatief", "initiatief", "kern", ("initiatief nemen", "initiatiefname")),
    ("flexibiliteit", "flexibiliteit", "kern", ("flexibel", "aanpassingsvermogen")),
    (
        "leervermogen",
        "leervermogen/leergierigheid/interesse",
        "kern",
        ("leervermogen", "leergierigheid", "interesse", "leerbaarheid"),
    ),
    ("motivatie", "motivatie", "kern", ("gemotiveerdheid", "inzet")),
    # SW/LDE profile: additional
    (
        "nauwkeurigheid",
        "nauwkeurigheid/orde",
        "bijkomend",
        ("nauwkeurigheid", "orde", "ordelijkheid"),
    ),
    (
        "discipline",
        "discipline (regels en afspraken)",
        "bijkomend",
        ("discipline", "regels en afspraken", "regels naleven", "afspraken nakomen"),
    ),
    (
        "gezag_aanvaarden",
        "gezag aanvaarden",
        "bijkomend",
        ("gezag aanvaarden", "omgaan met gezag", "gezag"),
    ),
    (
        "stressbestendigheid",
        "stressbestendigheid",
        "bijkomend",
        ("stressbestendig", "omgaan met stress"),
    ),
    (
        "conflicthantering",
        "conflicthantering",
        "bijkomend",
        ("omgaan met conflicten", "conflicten"),
    ),
    # SW/LDE profile: extra
    ("voorkomen", "voorkomen/uiterlijk", "extra", ("voorkomen", "uiterlijk", "verzorgd voorkomen")),
    (
        "fysieke_mogelijkheden",
        "fysieke/medische mogelijkheden",
        "extra",
        ("fysieke mogelijkheden", "medische mogelijkheden", "fysiek", "fysieke belastbaarheid"),
    ),
    (
        "lezen_schrijven_rekenen",
        "lees-, schrijf- en rekenvaardigheden",
        "extra",
        (
            "leesvaardigheid",
            "leesvaardigheden",
            "schrijfvaardigheid",
            "schrijfvaardigheden",
            "rekenvaardigheid",
            "rekenvaardigheden",
            "lezen schrijven rekenen",
        ),
    ),
    (
        "communicatie",
        "communicatievaardigheden",
        "extra",
        ("communicatievaardigheden", "communicatievaardigheid", "communiceren"),
    ),
    (
        "taalkennis_nederlands",
        "taalkennis Nederlands",
        "extra",
        ("nederlands", "taalkennis", "kennis nederlands", "nederlandse taal"),
    ),
    (
        "werkorganisatie",
        "werkorganisatie/tijdsbeheer",
        "extra",
        ("werkorganisatie", "tijdsbeheer", "planning", "organisatie van het werk"),
    ),
    # Sheltered-workshop competence map (MELBA/VLAB based), beyond the SW/LDE profile
    ("verantwoordelijkheid", "verantwoordelijkheid", "bijkomend", ("verantwoordelijkheidszin",)),
    ("houding", "houding", "bijkomend", ("werkhouding", "attitude")),
    ("werktempo", "werktempo", "bijkomend", ("tempo", "werksnelheid")),
    ("stiptheid", "stiptheid", "bijkomend", ("punctualiteit", "op tijd komen")),
    ("assertiviteit", "assertiviteit", "bijkomend", ("assertief",)),
    (
        "klantvriendelijkheid",
        "klantvriendelijkheid",
        "bijkomend",
        ("klantgerichtheid", "klantvriendelijk"),
    ),
)


class CompetenceDictionary:
    """An ordered set of competences with name resolution.

    The order of :attr:`ids` fixes the columns of the level and requirement arrays.

    Parameters
    ----------
    competences : iterable of Competence
        At least one; ids and aliases must be unique after normalisation.
    allow_unknown : bool, default=False
        When True, :meth:`resolve` accepts an unknown name and returns a new id made from it
        (lower case, ``_`` for spaces) instead of raising. For teams that add their own
        competences on the fly; prefer a custom dictionary.

    Examples
    --------
    >>> d = default_dictionary()
    >>> d.resolve("Zelfredzaamheid")
    'zelfstandigheid'
    >>> d.resolve("samenwerkn")
    Traceback (most recent call last):
    ...
    doorstroom_match._exceptions.UnknownCompetenceError: unknown competence 'samenwerkn'; ...
    """

    def __init__(self, competences: Iterable[Competence], *, allow_unknown: bool = False) -> None:
        comps = tuple(competences)
        if not comps:
            raise EmptyInputError("a competence dictionary needs at least one competence, got 0")
        self._by_id: dict[str, Competence] = {}
        self._lookup: dict[str, str] = {}
        for comp in comps:
            if not isinstance(comp, Competence):
                raise ValidationError(
                    f"dictionary entries must be Competence objects, got {type(comp).__name__}"
                )
            if comp.id in self._by_id:
                raise DuplicateIdError(f"competence id {comp.id!r} appears more than once")
            self._by_id[comp.id] = comp
        for comp in comps:
            for name in (comp.id, comp.label, *comp.aliases):
                key = normalise_name(name.replace("_", " "))
                owner = self._lookup.get(key)
                if owner is not None and owner != comp.id:
                    raise DuplicateIdError(
                        f"name {name!r} resolves to both {owner!r} and {comp.id!r}"
                    )
                self._lookup[key] = comp.id
        self.allow_unknown = bool(allow_unknown)
        self._choices = list(self._lookup)

    # ------------------------------------------------------------------ access
    @property
    def ids(self) -> tuple[str, ...]:
        """Canonical ids in column order."""
        return tuple(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self):
        return iter(self._by_id.values())

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        return normalise_name(name.replace("_", " ")) in self._lookup

    def __getitem__(self, name: str) -> Competence:
        return self._by_id[self.resolve(name)]

    def __repr__(self) -> str:
        return f"CompetenceDictionary({len(self)} competences)"

    def get(self, competence_id: str) -> Competence | None:
        """The competence with this canonical id, or None (also for ad-hoc ids)."""
        return self._by_id.get(competence_id)

    def weight(self, competence_id: str) -> float:
        """Default weight of a competence id (1.0 for ad-hoc competences)."""
        comp = self._by_id.get(competence_id)
        return comp.weight if comp is not None else 1.0

    def label(self, competence_id: str) -> str:
        """Dutch label of a competence id (the id itself for ad-hoc competences)."""
        comp = self._by_id.get(competence_id)
        return comp.label if comp is not None else competence_id.replace("_", " ")

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        """Canonical ids whose names are closest to ``name`` (rapidfuzz), best first."""
        from rapidfuzz import fuzz, process, utils

        key = normalise_name(name)
        # every name scored (a dictionary holds a few hundred): a cap on names would let one
        # competence's many aliases crowd out another competence that is as close
        hits = process.extract(
            key, self._choices, scorer=fuzz.WRatio, processor=utils.default_process, limit=None
        )
        out: list[str] = []
        best = hits[0][1] if hits else 0
        for choice, score, _ in hits:
            cid = self._lookup[choice]
            # only names about as close as the best one: one clear hint beats three vague ones
            if score >= max(60, best - 8) and cid not in out:
                out.append(cid)
            if len(out) == limit:
                break
        return out

    def resolve(self, name: str, *, field_name: str = "competence") -> str:
        """Resolve any known name, label or alias to the canonical id.

        Raises
        ------
        UnknownCompetenceError
            The name is unknown and the dictionary does not allow unknown names; the message
            suggests the closest known names.
        """
        key = normalise_name(name.replace("_", " ") if isinstance(name, str) else name)
        if not key:
            raise UnknownCompetenceError(f"{field_name} name is empty, got {name!r}")
        cid = self._lookup.get(key)
        if cid is not None:
            return cid
        if self.allow_unknown:
            return key.replace(" ", "_")
        hints = self.suggest(name)
        hint = (
            "did you mean " + " or ".join(repr(h) for h in hints) + "?"
            if hints
            else "no close match"
        )
        raise UnknownCompetenceError(
            f"unknown {field_name} {name!r}; {hint} Known competences: {', '.join(self.ids)}. "
            "Use a custom dictionary (CompetenceDictionary.from_csv/from_json) or "
            "allow_unknown=True to add your own."
        )

    # ------------------------------------------------------------------ I/O
    @classmethod
    def from_records(
        cls, records: Iterable[Mapping[str, object]], *, allow_unknown: bool = False
    ) -> CompetenceDictionary:
        """Build a dictionary from mappings with keys id, label, group, weight, type, aliases.

        ``aliases`` is a list or a ``|``-separated string. ``weight`` defaults to the group's
        weight in :data:`GROUP_WEIGHTS`.
        """
        comps = []
        for i, rec in enumerate(records):
            if "id" not in rec or not rec["id"]:
                raise ValidationError(f"competence record {i} has no 'id': {dict(rec)!r}")
            group = str(rec.get("group") or "bijkomend")
            aliases = rec.get("aliases") or ()
            if isinstance(aliases, str):
                aliases = tuple(a.strip() for a in aliases.split("|") if a.strip())
            weight = rec.get("weight")
            try:
                weight = (
                    float(weight) if weight not in (None, "") else GROUP_WEIGHTS.get(group, 1.0)
                )
            except (TypeError, ValueError):
                raise ValidationError(
                    f"weight of competence {rec['id']!r} must be a number, got {weight!r}"
                ) from None
            comps.append(
                Competence(
                    id=str(rec["id"]),
                    label=str(rec.get("label") or rec["id"]),
                    group=group,
                    weight=weight,
                    type=str(rec.get("type") or "generiek"),
                    aliases=tuple(aliases),
                    description=str(rec.get("description") or ""),
                )
            )
        return cls(comps, allow_unknown=allow_unknown)

    @classmethod
    def from_csv(cls, path: str | Path, *, allow_unknown: bool = False) -> CompetenceDictionary:
        """Load a dictionary from CSV with columns id,label,group,weight,type,aliases."""
        with open(path, newline="", encoding="utf-8") as fh:
            return cls.from_records(list(csv.DictReader(fh)), allow_unknown=allow_unknown)

    @classmethod
    def from_json(cls, path: str | Path, *, allow_unknown: bool = False) -> CompetenceDictionary:
        """Load a dictionary from a JSON list of records (see :meth:`from_records`)."""
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        if isinstance(data, dict):
            data = data.get("competences", [])
        return cls.from_records(data, allow_unknown=allow_unknown)

    def to_records(self) -> list[dict[str, object]]:
        """The dictionary as a list of plain records (JSON-serialisable)."""
        return [
            {
                "id": c.id,
                "label": c.label,
                "group": c.group,
                "weight": c.weight,
                "type": c.type,
                "aliases": list(c.aliases),
            }
            for c in self
        ]

    def with_options(self, *, allow_unknown: bool) -> CompetenceDictionary:
        """A copy of this dictionary with another ``allow_unknown`` setting."""
        return CompetenceDictionary(self, allow_unknown=allow_unknown)


_DEFAULT_DICT: list[CompetenceDictionary] = []


def default_dictionary() -> CompetenceDictionary:
    """The default competence dictionary built from the field's lists (see DOMAIN.md).

    23 generic competences: the six core and five additional competences and six extra
    competences of the SW/LDE profile, and the six further competences of the
    sheltered-workshop competence map.
    """
    if not _DEFAULT_DICT:
        _DEFAULT_DICT.append(
            CompetenceDictionary(
                Competence(
                    id=cid, label=label, group=group, weight=GROUP_WEIGHTS[group], aliases=al
                )
                for cid, label, group, al in _DEFAULT
            )
        )
    return _DEFAULT_DICT[0]
