"""Did-you-mean: each suggestion once, the closest first, in the exact words of the message.

A name close to several aliases of one competence must suggest that competence once ("did you
mean 'zelfstandigheid'?"), not once per alias; names about as close to two competences list
both. The messages are matched whole, not by prefix, so a repeated hint cannot hide.
"""

from __future__ import annotations

import re

import pytest

from doorstroom_match import CompetenceDictionary, UnknownCompetenceError, default_dictionary


def hint_of(dictionary, name) -> str:
    with pytest.raises(UnknownCompetenceError) as info:
        dictionary.resolve(name)
    msg = str(info.value)
    m = re.fullmatch(r"unknown competence '[^']*'; (.*?) Known competences: .*", msg, re.S)
    assert m, msg
    return m.group(1)


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        # three aliases of one competence are close: one suggestion
        ("zelfstandigh", "did you mean 'zelfstandigheid'?"),
        ("leergierig", "did you mean 'leervermogen'?"),
        ("taal", "did you mean 'taalkennis_nederlands'?"),
        ("nauwkeurig", "did you mean 'nauwkeurigheid'?"),
        # two competences about as close: both, the closest first
        ("vermogen", "did you mean 'flexibiliteit' or 'leervermogen'?"),
        ("qqqqq", "no close match"),
    ],
)
def test_did_you_mean_lists_each_competence_once(name, hint):
    assert hint_of(default_dictionary(), name) == hint


def test_suggest_never_repeats_and_respects_the_limit():
    d = default_dictionary()
    for name in ("zelfstandigh", "heid", "werk", "vaardigheid", "communicatie vaardig", "gezag"):
        for limit in (1, 2, 3):
            got = d.suggest(name, limit=limit)
            assert len(got) == len(set(got)) <= limit, (name, got)
            assert all(g in d.ids for g in got)


def test_custom_dictionary_with_many_aliases_suggests_once(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(
        "id,label,group,weight,type,aliases\n"
        "heftruck,heftruck rijden,extra,2,technisch,heftruckrijbewijs|heftruck besturen|heftruckchauffeur\n"
        "kassa,kassawerk,extra,1,technisch,\n",
        encoding="utf-8",
    )
    d = CompetenceDictionary.from_csv(path)
    assert d.suggest("heftrck") == ["heftruck"]
    assert hint_of(d, "heftrck") == "did you mean 'heftruck'?"
