"""Competence names: normalisation, resolution and did-you-mean, from the documented rules.

- ``normalise_name``: lower case, accents removed, punctuation and runs of whitespace turned
  into single spaces (and nothing at either end). Checked against a reference built from
  that sentence, character by character, on names with every kind of separator and accent.
- ``resolve``: any id, label or alias, in any case, with or without accents, ``_`` as a
  space, gives the canonical id; an empty name is an error that names the field; an unknown
  name is an error that names the field and the name, suggests the closest known names and
  lists the known ids; ``allow_unknown`` turns the name into an id (lower case, ``_`` for
  spaces).
- ``suggest``: canonical ids whose names are closest (rapidfuzz ``WRatio``), best first, each
  once, at most ``limit``, and only names about as close as the best (within 8 points, and at
  least 60). The reference scores every name of the dictionary by brute force.
"""

from __future__ import annotations

import unicodedata

import pytest
from rapidfuzz import fuzz, utils

from doorstroom_match import (
    Competence,
    CompetenceDictionary,
    DoorstroomError,
    UnknownCompetenceError,
    default_dictionary,
)
from doorstroom_match.competences import normalise_name


def reference_normalise(name: str) -> str:
    """The docstring's sentence, one character at a time."""
    out: list[str] = []
    for ch in name:
        for part in unicodedata.normalize("NFKD", ch):
            if unicodedata.combining(part):
                continue  # an accent
            low = part.lower()
            if ("a" <= low <= "z") or ("0" <= low <= "9"):
                out.append(low)
            elif out and out[-1] != " ":
                out.append(" ")  # punctuation or whitespace: one space
    return "".join(out).strip()


@pytest.mark.parametrize(
    "name",
    [
        "Samenwerken",
        "  Zelfstandigheid/Zelfredzaamheid ",
        "Stressbestendígheid",
        "lees-, schrijf- en rekenvaardigheden",
        "ÉÈÊË àáâä ÇÑ øœ",
        "a\t\tb\n\nc",
        "__gezag__aanvaarden__",
        "HEFTRUCK-rijbewijs (B) !!",
        "123 abc.def,ghi;jkl",
        "",
        "   ",
        "...",
        "ﬁle",  # a ligature: NFKD splits it into f, i
        "Ångström",
    ],
)
def test_normalise_name_against_the_sentence(name):
    assert normalise_name(name) == reference_normalise(name)


def test_normalise_name_examples_by_hand():
    assert normalise_name("  Zelfstandigheid/Zelfredzaamheid ") == (
        "zelfstandigheid zelfredzaamheid"
    )
    assert normalise_name("Stressbestendígheid") == "stressbestendigheid"
    assert normalise_name("a  -  b") == "a b"
    assert normalise_name("-a-") == "a"
    assert normalise_name("ÀB") == "ab"


@pytest.mark.parametrize("bad", [None, 3, b"samenwerken", ["samenwerken"]])
def test_normalise_name_refuses_what_is_not_a_string(bad):
    with pytest.raises(DoorstroomError, match="competence name must be a string") as info:
        normalise_name(bad)
    assert type(bad).__name__ in str(info.value)


def small_dictionary(**kw) -> CompetenceDictionary:
    return CompetenceDictionary(
        [
            Competence("heftruck", "Heftruck rijden", aliases=("heftruckrijbewijs", "Vorklift")),
            Competence("gezag_aanvaarden", "Gezag aanvaarden", aliases=("Regels volgen",)),
            Competence("kassa", "Kassawerk"),
        ],
        **kw,
    )


@pytest.mark.parametrize(
    ("name", "cid"),
    [
        ("heftruck", "heftruck"),
        ("HEFTRUCK", "heftruck"),
        ("Heftruck rijden", "heftruck"),
        ("heftruck_rijden", "heftruck"),
        ("  heftruck--rijden ", "heftruck"),
        ("vorklift", "heftruck"),
        ("Vörklift", "heftruck"),
        ("gezag_aanvaarden", "gezag_aanvaarden"),
        ("gezag aanvaarden", "gezag_aanvaarden"),
        ("Gezag-Aanvaarden", "gezag_aanvaarden"),
        ("regels volgen", "gezag_aanvaarden"),
        ("regels_volgen", "gezag_aanvaarden"),
        ("kassawerk", "kassa"),
    ],
)
def test_resolve_every_name_of_a_competence(name, cid):
    d = small_dictionary()
    assert d.resolve(name) == cid
    assert name in d
    assert d[name].id == cid


@pytest.mark.parametrize("name", ["", "  ", "__", "-/-"])
def test_empty_name_names_the_field(name):
    d = small_dictionary(allow_unknown=True)
    with pytest.raises(UnknownCompetenceError) as info:
        d.resolve(name, field_name="requirement")
    assert str(info.value) == f"requirement name is empty, got {name!r}"


def test_unknown_name_message_in_full():
    d = small_dictionary()
    with pytest.raises(UnknownCompetenceError) as info:
        d.resolve("kassawrk", field_name="requirement")
    assert str(info.value) == (
        "unknown requirement 'kassawrk'; did you mean 'kassa'? Known competences: "
        "heftruck, gezag_aanvaarden, kassa. Use a custom dictionary "
        "(CompetenceDictionary.from_csv/from_json) or allow_unknown=True to add your own."
    )
    with pytest.raises(UnknownCompetenceError) as info:
        d.resolve("zzzzqqqq")
    assert str(info.value).startswith("unknown competence 'zzzzqqqq'; no close match Known")
    assert "zzzzqqqq" not in d


def test_allow_unknown_makes_an_id_from_the_name():
    d = small_dictionary(allow_unknown=True)
    assert d.resolve("Naaien op  Machine") == "naaien_op_machine"
    assert d.resolve("Strijken/Plooien") == "strijken_plooien"
    assert d.resolve("vorklift") == "heftruck"  # a known name still resolves to its id
    assert small_dictionary().with_options(allow_unknown=True).resolve("x y") == "x_y"


def name_score(d: CompetenceDictionary, query: str, cid: str) -> float:
    """The best WRatio of any name of the competence (every name scored, brute force)."""
    key = normalise_name(query)
    comp = d.get(cid)
    return max(
        fuzz.WRatio(key, normalise_name(n.replace("_", " ")), processor=utils.default_process)
        for n in (comp.id, comp.label, *comp.aliases)
    )


def reference_suggest(d: CompetenceDictionary, name: str, limit: int) -> list[str]:
    """Every competence scored by its best name; within 8 points of the best and >= 60."""
    best_of = {cid: name_score(d, name, cid) for cid in d.ids}
    best = max(best_of.values())
    ok = sorted(
        ((s, cid) for cid, s in best_of.items() if s >= max(60, best - 8)), key=lambda p: -p[0]
    )
    return [cid for _, cid in ok[:limit]]


QUERIES = [
    "samenwerkn",
    "zelfstandig",
    "stresbestendig",
    "communicatie vaardig",
    "flexibel",
    "vermogen",
    "nauwkeurig",
    "qqqqq",
    "stipt",
    "klantvriendelijk",
    "leergierig",
    "hygiene",
    "taal",
]


@pytest.mark.parametrize("limit", [1, 2, 3, 5])
def test_suggest_against_brute_force_scores(limit):
    """Same number of suggestions with the same scores, best first, each id once (ids with
    exactly equal scores may come in either order)."""
    d = default_dictionary()
    for q in QUERIES:
        got = d.suggest(q, limit=limit)
        want = reference_suggest(d, q, limit)
        assert len(set(got)) == len(got), (q, got)
        assert [name_score(d, q, c) for c in got] == [name_score(d, q, c) for c in want], (
            q,
            got,
            want,
        )


def test_suggest_best_first_and_cut_at_eight_points():
    d = CompetenceDictionary(
        [
            Competence("kassa", "kassawerk"),
            Competence("kast", "kastenmaker"),
            Competence("zzz", "qwertyuiop"),
        ]
    )
    got = d.suggest("kassawerk", limit=3)
    assert got[0] == "kassa"
    assert "zzz" not in got
    # an exact name scores 100: only names within 8 points of it may follow
    ref = reference_suggest(d, "kassawerk", 3)
    assert got == ref


@pytest.mark.parametrize("bad", [None, 3, 2.5, ["kassa"]])
def test_resolve_refuses_what_is_not_a_string(bad):
    d = small_dictionary(allow_unknown=True)
    with pytest.raises(DoorstroomError, match="competence name must be a string"):
        d.resolve(bad)


def test_suggest_gives_three_by_default():
    d = default_dictionary()
    for q in ("heid", "ing", "werk"):
        assert len(reference_suggest(d, q, 10)) >= 4, q  # more than three are as close
        got = d.suggest(q)
        assert len(got) == 3, (q, got)
        assert [name_score(d, q, c) for c in got] == [
            name_score(d, q, c) for c in reference_suggest(d, q, 3)
        ]


def test_a_competence_with_many_aliases_does_not_crowd_out_the_next():
    """Twelve aliases of one competence score 95, the only name of another 93.3: both are
    suggested (the rule is per competence, not per name). A cap of 4 x limit names let the
    aliases crowd the second competence out."""
    aliases = tuple(f"heftruk {w}" for w in "abcdefghijkl")
    d = CompetenceDictionary(
        [
            Competence("a_comp", "aaa", aliases=aliases),
            Competence("b_comp", "heftrukk"),
            Competence("kassa", "kassawerk"),
        ]
    )
    assert reference_suggest(d, "heftruk", 3) == ["a_comp", "b_comp"]
    assert d.suggest("heftruk") == ["a_comp", "b_comp"]
    with pytest.raises(UnknownCompetenceError, match="did you mean 'a_comp' or 'b_comp'\\?"):
        d.resolve("heftruk")


@pytest.mark.parametrize(
    ("names", "want"),
    [
        # 96.0 and exactly 96 - 8 = 88.0: both ("within 8 points" includes 8)
        (("magaxzijnwerk", "mpgazijnwerky"), ["c0", "c1"]),
        # 95.65 and 86.96, 8.7 points apart: only the best
        (("magzijnwerk", "mgazzjnwerk"), ["c0"]),
        # exactly 60.0 is enough, 59.26 is not (the floor), however close to the best
        (("oagyzjne", "ragaliheyewerky"), ["c0"]),
    ],
)
def test_suggest_boundaries_of_eight_points_and_sixty(names, want):
    d = CompetenceDictionary([Competence(f"c{i}", n) for i, n in enumerate(names)])
    scores = [name_score(d, "magazijnwerk", f"c{i}") for i in range(len(names))]
    assert [round(x, 2) for x in scores] in ([96.0, 88.0], [95.65, 86.96], [60.0, 59.26])
    assert d.suggest("magazijnwerk") == want
    assert reference_suggest(d, "magazijnwerk", 3) == want
