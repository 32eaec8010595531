from __future__ import annotations

import json

import pytest

from doorstroom_match import (
    Competence,
    CompetenceDictionary,
    DuplicateIdError,
    EmptyInputError,
    UnknownCompetenceError,
    ValidationError,
    default_dictionary,
)
from doorstroom_match.competences import GROUP_WEIGHTS, normalise_name


def test_default_dictionary_covers_the_field_lists():
    d = default_dictionary()
    core = [c.id for c in d if c.group == "kern"]
    assert core == [
        "samenwerken",
        "zelfstandigheid",
        "initiatief",
        "flexibiliteit",
        "leervermogen",
        "motivatie",
    ]
    for cid in (
        "nauwkeurigheid",
        "discipline",
        "gezag_aanvaarden",
        "stressbestendigheid",
        "conflicthantering",
        "voorkomen",
        "fysieke_mogelijkheden",
        "lezen_schrijven_rekenen",
        "communicatie",
        "taalkennis_nederlands",
        "werkorganisatie",
        "verantwoordelijkheid",
        "houding",
        "werktempo",
        "stiptheid",
        "assertiviteit",
        "klantvriendelijkheid",
    ):
        assert cid in d
    for comp in d:
        assert comp.weight == GROUP_WEIGHTS[comp.group]


@pytest.mark.parametrize(
    "name, cid",
    [
        ("zelfstandigheid", "zelfstandigheid"),
        ("Zelfredzaamheid", "zelfstandigheid"),
        ("leergierigheid", "leervermogen"),
        ("interesse", "leervermogen"),
        ("DISCIPLINE", "discipline"),
        ("regels en afspraken", "discipline"),
        ("gezag aanvaarden", "gezag_aanvaarden"),
        ("gezag_aanvaarden", "gezag_aanvaarden"),
        ("  stress   bestendigheid ".replace("stress   best", "stressbest"), "stressbestendigheid"),
        ("rekenvaardigheid", "lezen_schrijven_rekenen"),
        ("lees-, schrijf- en rekenvaardigheden", "lezen_schrijven_rekenen"),
        ("Communicatievaardigheden", "communicatie"),
        ("werkorganisatie/tijdsbeheer", "werkorganisatie"),
        ("tijdsbeheer", "werkorganisatie"),
        ("nauwkeurigheid/orde", "nauwkeurigheid"),
        ("Stiptheid", "stiptheid"),
        ("klantvriendelijkheid", "klantvriendelijkheid"),
    ],
)
def test_names_aliases_case_and_accents_resolve(name, cid):
    assert default_dictionary().resolve(name) == cid


def test_accents_are_normalised():
    assert normalise_name("Flexibilitéit") == "flexibiliteit"
    assert default_dictionary().resolve("flexibilitéit") == "flexibiliteit"


def test_unknown_name_suggests_closest():
    with pytest.raises(
        UnknownCompetenceError, match=r"unknown competence 'samenwerkn'; did you mean 'samenwerken'"
    ):
        default_dictionary().resolve("samenwerkn")
    with pytest.raises(ValueError, match="stressbestendigheid"):
        default_dictionary().resolve("stresbestendig")


def test_unknown_name_without_close_match():
    with pytest.raises(UnknownCompetenceError, match="no close match"):
        default_dictionary().resolve("qqqqq")


def test_empty_name_is_an_error():
    with pytest.raises(UnknownCompetenceError, match="name is empty"):
        default_dictionary().resolve("  ")


def test_opt_in_accepts_own_competences():
    d = default_dictionary().with_options(allow_unknown=True)
    assert d.resolve("Heftruck rijden") == "heftruck_rijden"
    assert d.resolve("samenwerking") == "samenwerken"


def test_custom_dictionary_from_csv_and_json(tmp_path):
    csv_path = tmp_path / "d.csv"
    csv_path.write_text(
        "id,label,group,weight,type,aliases\n"
        "heftruck,heftruck rijden,extra,2,technisch,heftruckrijbewijs|vorkheftruck\n"
        "samenwerken,samenwerken,kern,,generiek,\n",
        encoding="utf-8",
    )
    d = CompetenceDictionary.from_csv(csv_path)
    assert d.ids == ("heftruck", "samenwerken")
    assert d.resolve("vorkheftruck") == "heftruck"
    assert d["heftruck"].type == "technisch"
    assert d.weight("samenwerken") == GROUP_WEIGHTS["kern"]
    json_path = tmp_path / "d.json"
    json_path.write_text(json.dumps(d.to_records()), encoding="utf-8")
    d2 = CompetenceDictionary.from_json(json_path)
    assert d2.to_records() == d.to_records()
    with pytest.raises(UnknownCompetenceError, match="did you mean 'heftruck'"):
        d.resolve("heftrck")


def test_dictionary_errors():
    with pytest.raises(EmptyInputError, match="at least one competence"):
        CompetenceDictionary([])
    with pytest.raises(DuplicateIdError, match="appears more than once"):
        CompetenceDictionary([Competence("a", "a"), Competence("a", "b")])
    with pytest.raises(DuplicateIdError, match="resolves to both"):
        CompetenceDictionary([Competence("a", "x"), Competence("b", "x")])
    with pytest.raises(ValidationError, match="group of competence 'a' must be one of"):
        Competence("a", "a", group="kernig")
    with pytest.raises(
        ValidationError, match="weight of competence 'a' must be a finite number > 0"
    ):
        Competence("a", "a", weight=0)
    with pytest.raises(ValidationError, match="type of competence 'a'"):
        Competence("a", "a", type="soft")
    with pytest.raises(ValidationError, match="competence id must be lower-case"):
        Competence("Samen Werken", "x")
    with pytest.raises(ValidationError, match="has no 'id'"):
        CompetenceDictionary.from_records([{"label": "x"}])
    with pytest.raises(ValidationError, match="weight of competence 'a' must be a number"):
        CompetenceDictionary.from_records([{"id": "a", "weight": "veel"}])
    with pytest.raises(ValidationError, match="competence name must be a string"):
        normalise_name(3)
