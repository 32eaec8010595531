"""Dutch job-title normalisation: pure string functions.

Employers and coaches write one occupation in many surface forms: female and male forms
(``kassierster`` / ``kassier``, ``coördinatrice`` / ``coördinator``), accents, hyphens and
slashes, gender tags such as ``(m/v/x)``, and compounds that are written as one word or two
(``magazijnmedewerker`` / ``medewerker magazijn``). :func:`normalise_title` maps them to one
canonical lower-case form so that character and word similarities compare like with like.

The rules are deliberately conservative: they are applied to *both* sides (query and
catalogue), so a rule that maps two different words onto one stem only hurts when those words
name different jobs.

Examples
--------
>>> normalise_title("Medewerkster Magazijn (m/v/x)")
'medewerker magazijn'
>>> normalise_title("Coördinatrice onderhoud")
'coordinator onderhoud'
>>> normalise_title("magazijnmedewerker")
'magazijn medewerker'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

__all__ = ["normalise_title", "normalise_titles", "strip_accents", "COMPOUND_HEADS"]

# Gender and posting tags that carry no occupation information.
_TAG_RE = re.compile(
    r"\(\s*(?:m|v|x|h|f)(?:\s*/\s*(?:m|v|x|h|f))+\s*\)"  # (m/v), (m/v/x), (h/f)
    r"|\b(?:m|v|x|h|f)(?:\s*/\s*(?:m|v|x|h|f)){1,2}\b"  # m/v/x without brackets
)
_SPLIT_RE = re.compile(r"[^0-9a-z]+")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})

# Whole-word mappings of female (and a few irregular) forms onto the male form.
_WORD_MAP = {
    "verkoopster": "verkoper",
    "secretaresse": "secretaris",
    "lerares": "leraar",
    "kapster": "kapper",
    "naaister": "naaier",
    "zangeres": "zanger",
    "danseres": "danser",
    "gastvrouw": "gastheer",
    "hostess": "host",
    "huishoudster": "huishouder",
    "werkster": "werker",
    "weduwe": "weduwnaar",
    "boerin": "boer",
    "vriendin": "vriend",
    "prinses": "prins",
    "actrice": "acteur",
    "ambassadrice": "ambassadeur",
    "directrice": "directeur",
    "inspectrice": "inspecteur",
    "verpleegster": "verpleger",
    "kinderverzorgster": "kinderverzorger",
    "verzorgster": "verzorger",
    "schoonmaakster": "schoonmaker",
    "poetsvrouw": "poetser",
    "kuisvrouw": "kuiser",
}

# Suffix rules (female ending -> male ending), tried longest first. Minimum stem length guards
# short words (``zuster``, ``mens``) against mangling.
_SUFFIXES: tuple[tuple[str, str, int], ...] = (
    ("medewerkster", "medewerker", 0),
    ("arbeidster", "arbeider", 0),
    ("werkster", "werker", 0),
    ("houdster", "houder", 0),
    ("zorgster", "zorger", 0),
    ("leidster", "leider", 0),
    ("bestuurster", "bestuurder", 0),
    ("vrouw", "man", 2),
    ("atrice", "ator", 3),  # coördinatrice -> coördinator
    ("trice", "teur", 3),  # inspectrice -> inspecteur
    ("euse", "eur", 3),  # masseuse -> masseur
    ("ière", "ier", 3),
    ("iere", "ier", 3),
    ("ares", "aar", 3),  # kunstenares -> kunstenaar
    ("eres", "er", 4),  # tovenares handled above; zangeres -> zanger
    ("esse", "es", 4),
    ("ante", "ant", 3),  # laborante -> laborant
    ("ente", "ent", 3),  # assistente -> assistent
    ("iste", "ist", 3),  # journaliste -> journalist
    ("ologe", "oloog", 2),  # psychologe -> psycholoog
    ("agoge", "agoog", 2),  # pedagoge -> pedagoog
    ("ienne", "ien", 3),
    ("ierster", "ier", 3),  # kassierster -> kassier, magazijnierster -> magazijnier
    ("ster", "er", 4),  # verkoopster -> verkoper is in the word map; -ster -> -er otherwise
)

#: Heads of Dutch job-title compounds; ``magazijnmedewerker`` becomes ``magazijn medewerker``.
COMPOUND_HEADS: tuple[str, ...] = (
    "medewerker",
    "arbeider",
    "technicus",
    "operator",
    "bediende",
    "verantwoordelijke",
    "monteur",
    "chauffeur",
    "bestuurder",
    "manager",
    "assistent",
    "begeleider",
    "verzorger",
    "hulp",
    "kracht",
    "werker",
    "leider",
    "meester",
    "adviseur",
    "consultant",
    "specialist",
    "deskundige",
    "ingenieur",
    "inspecteur",
    "controleur",
    "coordinator",
    "analist",
    "ontwerper",
    "installateur",
    "hersteller",
    "kundige",
    "therapeut",
    "docent",
    "leraar",
    "bouwer",
    "maker",
    "snijder",
    "bewerker",
    "bakker",
    "kok",
    "directeur",
    "hoofd",
    "chef",
    "agent",
    "beheerder",
    "planner",
    "verkoper",
    "schilder",
    "lasser",
    "helper",
)
_HEADS_BY_LEN = tuple(sorted(COMPOUND_HEADS, key=len, reverse=True))
_HEAD_SET = frozenset(COMPOUND_HEADS)
_MIN_MODIFIER = 3


def strip_accents(text: str) -> str:
    """Remove diacritics (``coördinator`` -> ``coordinator``, ``inspiciënt`` -> ``inspicient``)."""
    if text.isascii():  # nothing to decompose (most titles): the same string, far faster
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _male_form(token: str) -> str:
    mapped = _WORD_MAP.get(token)
    if mapped is not None:
        return mapped
    for female, male, min_stem in _SUFFIXES:
        if token.endswith(female) and len(token) - len(female) >= min_stem:
            return token[: len(token) - len(female)] + male
    return token


def _split_compound(token: str) -> list[str]:
    if token in _HEAD_SET:
        return [token]
    for head in _HEADS_BY_LEN:
        if token.endswith(head) and len(token) - len(head) >= _MIN_MODIFIER:
            modifier = token[: len(token) - len(head)]
            return [modifier, head]
    return [token]


@lru_cache(maxsize=200_000)
def _token_forms(token: str, gender: bool, compounds: bool) -> tuple[str, ...]:
    if gender:
        token = _male_form(token)
    return tuple(_split_compound(token)) if compounds else (token,)


def normalise_title(text: str, *, gender: bool = True, compounds: bool = True) -> str:
    """Canonical form of one job title.

    Parameters
    ----------
    text : str
        A job title or job target in free text.
    gender : bool, default True
        Map female forms onto male forms (``-ster``, ``-trice``, ``-euse``, ``-e``, ``-es``, ...).
    compounds : bool, default True
        Split a compound ending in a known head (:data:`COMPOUND_HEADS`) into two words.

    Returns
    -------
    str
        Lower-case words without accents or punctuation, separated by single spaces.
    """
    text = text.lower().translate(_QUOTES)
    text = _TAG_RE.sub(" ", text)
    text = strip_accents(text)
    tokens = [t for t in _SPLIT_RE.split(text) if t]
    out: list[str] = []
    for token in tokens:
        out.extend(_token_forms(token, gender, compounds))
    return " ".join(out)


def normalise_titles(texts: Iterable[str], **kwargs: bool) -> list[str]:
    """Apply :func:`normalise_title` to each text; keyword arguments are passed on."""
    return [normalise_title(t, **kwargs) for t in texts]
