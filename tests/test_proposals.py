from __future__ import annotations

from doorstroom_match import Competence, CompetenceDictionary
from doorstroom_match.proposals import propose_requirements


def _found(text, **kw):
    return {p.competence: p.level for p in propose_requirements(text, **kw)}


def test_finds_adjectives_employers_use_with_inflections_and_typos():
    got = _found(
        "Je bent stipt, nauwkeurige werker, een echte teamspeller, stressbestendig en klantgerichte."
    )
    assert set(got) == {
        "stiptheid",
        "nauwkeurigheid",
        "samenwerken",
        "stressbestendigheid",
        "klantvriendelijkheid",
    }


def test_levels_follow_intensity_words():
    got = _found("Zeer nauwkeurig, basiskennis Nederlands, flexibel.")
    assert got == {"nauwkeurigheid": 4, "taalkennis_nederlands": 2, "flexibiliteit": 3}


def test_every_result_is_a_proposal_with_its_evidence():
    (p,) = propose_requirements("Wij zoeken iemand die punctueel is.")
    assert p.proposal and p.competence == "stiptheid" and p.matched == "punctueel" and p.score >= 88


def test_nothing_found_in_unrelated_or_empty_text():
    assert propose_requirements("") == []
    assert _found("Vrachtwagenchauffeurs besturen voertuigen zoals vrachtwagens.") == {}


def test_custom_dictionary_names_are_searched():
    d = CompetenceDictionary(
        [Competence("heftruck", "heftruck rijden", type="technisch", aliases=("heftruckattest",))]
    )
    assert _found("Een heftruckattest is een plus.", dictionary=d) == {"heftruck": 3}
