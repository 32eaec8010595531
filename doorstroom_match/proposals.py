"""Propose competence requirements found in a vacancy written in prose.

Employers rarely write a cut-off score; they write "je bent een nauwkeurige teamspeler en
stressbestendig". :func:`propose_requirements` finds the competences of the dictionary in such
text by fuzzy matching (rapidfuzz) of their labels, aliases and the adjectives employers use, and
proposes a minimum level from the words around them ("zeer", "uitstekend" → zeer goed; "basis" →
matig; otherwise goed). The result is a *proposal* for the coach, never applied silently.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .competences import CompetenceDictionary, default_dictionary, normalise_name

__all__ = ["RequirementProposal", "propose_requirements"]

# Words employers use for a competence, beyond the dictionary's own names (normalised form).
_CUES: dict[str, tuple[str, ...]] = {
    "samenwerken": ("teamspeler", "teamplayer", "in team", "collegiaal", "samenwerken"),
    "zelfstandigheid": ("zelfstandig", "zelfredzaam", "autonoom"),
    "initiatief": ("initiatief", "proactief", "neemt initiatief", "zelf initiatief"),
    "flexibiliteit": ("flexibel", "flexibele", "wisselende uren", "ploegen", "aanpasbaar"),
    "leervermogen": ("leergierig", "bereid om bij te leren", "leerbereid", "wil bijleren"),
    "motivatie": ("gemotiveerd", "gedreven", "enthousiast", "werkbereid"),
    "nauwkeurigheid": ("nauwkeurig", "precies", "oog voor detail", "ordelijk", "nauwgezet"),
    "discipline": ("gedisciplineerd", "regels", "procedures", "veiligheidsvoorschriften"),
    "gezag_aanvaarden": ("leiding aanvaarden", "instructies opvolgen", "richtlijnen volgen"),
    "stressbestendigheid": ("stressbestendig", "werkdruk", "onder druk", "piekmomenten"),
    "conflicthantering": ("conflicten", "diplomatisch", "rustig blijven"),
    "voorkomen": ("verzorgd", "representatief", "voorkomen"),
    "fysieke_mogelijkheden": ("fysiek", "zware lasten", "rechtstaand", "lichamelijk", "tillen"),
    "lezen_schrijven_rekenen": ("lezen", "schrijven", "rekenen", "rekenvaardig"),
    "communicatie": ("communicatief", "communicatievaardig", "vlot in de omgang"),
    "taalkennis_nederlands": ("nederlands", "nederlandstalig", "taalkennis"),
    "werkorganisatie": ("planmatig", "organiseren", "georganiseerd", "tijdsbeheer", "plannen"),
    "verantwoordelijkheid": ("verantwoordelijk", "verantwoordelijkheidszin", "betrouwbaar"),
    "houding": ("positieve houding", "werkattitude", "correcte houding"),
    "werktempo": ("snel", "tempo", "vlot werken", "hoog werktempo"),
    "stiptheid": ("stipt", "punctueel", "op tijd"),
    "assertiviteit": ("assertief", "mondig"),
    "klantvriendelijkheid": ("klantvriendelijk", "klantgericht", "servicegericht", "klanten"),
}
_HIGH = {
    "zeer",
    "uiterst",
    "uitstekend",
    "uitstekende",
    "perfect",
    "perfecte",
    "heel",
    "sterk",
    "sterke",
}
_LOW = {"basis", "basiskennis", "beperkt", "beperkte", "enige", "elementair", "elementaire"}


@dataclass(frozen=True)
class RequirementProposal:
    """A competence found in a vacancy's text, proposed as a requirement.

    Attributes
    ----------
    competence : str
        Canonical competence id.
    level : int
        Proposed minimum level (2, 3 or 4).
    matched : str
        The words in the text that matched.
    cue : str
        The dictionary name or cue they matched.
    score : float
        Fuzzy-match score, 0..100.
    proposal : bool
        Always True: a coach confirms before it becomes a cut-off.
    """

    competence: str
    level: int
    matched: str
    cue: str
    score: float
    proposal: bool = True


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return re.findall(r"[a-z0-9]+", text)


def propose_requirements(
    text: str,
    dictionary: CompetenceDictionary | None = None,
    *,
    min_score: float = 88.0,
    default_level: int = 3,
) -> list[RequirementProposal]:
    """Competence requirements proposed from a vacancy text.

    Parameters
    ----------
    text : str
        Title and description of the vacancy.
    dictionary : CompetenceDictionary, optional
        The competences to look for (labels and aliases); the default dictionary adds the
        adjectives employers use ("teamspeler", "stipt", "stressbestendig").
    min_score : float, default=88
        Minimum rapidfuzz ratio between a phrase of the text and a name (0..100); tolerates
        inflections and typos ("nauwkeurige", "stressbestendig").
    default_level : int, default=3
        Proposed level when no intensity word is nearby.

    Returns
    -------
    list of RequirementProposal
        One per competence found, in dictionary order.

    Examples
    --------
    >>> [(p.competence, p.level) for p in propose_requirements(
    ...     "Wij zoeken een zeer nauwkeurige teamspeler die stressbestendig is.")]
    [('samenwerken', 3), ('nauwkeurigheid', 4), ('stressbestendigheid', 3)]
    """
    from rapidfuzz import fuzz, process

    dictionary = dictionary or default_dictionary()
    words = _words(text or "")
    if not words:
        return []
    # phrases of 1..3 words, with their position
    phrases, starts = [], []
    for n in (1, 2, 3):
        for i in range(len(words) - n + 1):
            phrases.append(" ".join(words[i : i + n]))
            starts.append(i)
    cues: list[str] = []
    owners: list[str] = []
    for comp in dictionary:
        names = {normalise_name(x.replace("_", " ")) for x in (comp.label, *comp.aliases)}
        names |= set(_CUES.get(comp.id, ()))
        for name in sorted(names):
            if len(name) >= 4:
                cues.append(name)
                owners.append(comp.id)
    scores = process.cdist(phrases, cues, scorer=fuzz.ratio, score_cutoff=min_score)
    best: dict[str, tuple[float, int, int]] = {}
    for p_idx, c_idx in zip(*scores.nonzero(), strict=True):
        cid = owners[c_idx]
        score = float(scores[p_idx, c_idx])
        if cid not in best or score > best[cid][0]:
            best[cid] = (score, int(p_idx), int(c_idx))
    out = []
    for cid in dictionary.ids:
        if cid not in best:
            continue
        score, p_idx, c_idx = best[cid]
        before = set(words[max(0, starts[p_idx] - 1) : starts[p_idx]])
        level = 4 if before & _HIGH else 2 if before & _LOW else default_level
        out.append(RequirementProposal(cid, level, phrases[p_idx], cues[c_idx], round(score, 1)))
    return out
