"""Query words the catalogue lacks (Belgian Dutch), rewritten into the catalogue's words."""

from __future__ import annotations

import csv
import gzip

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstroom_match._exceptions import ValidationError
from doorstroom_match.resources import ResourceNotFoundError, resource_path
from doorstroom_match.text.lexicon import TitleLexicon, lexicon_path
from doorstroom_match.text.normalise import normalise_title
from doorstroom_match.text.titles import TitleNormalizer
from tests.test_text_titles import corpus_of

CATALOGUE = ["slager", "beenhouwer", "schoon maker gebouwen", "vrachtwagen chauffeur"]


def lexicon() -> TitleLexicon:
    return TitleLexicon(
        {"kuisvrouw": "schoonmaker", "beenhouwer": "slager", "camion": "vrachtwagen"},
        inside=["beenhouwer", "camion"],
    ).fit(CATALOGUE)


def test_a_listed_word_the_catalogue_lacks_is_replaced_by_the_catalogues_word():
    lex = lexicon()
    # keys and values are normalised: "kuisvrouw" is read as "kuiser", the male form
    assert lex.table["kuiser"] == "schoon maker"
    assert lex.rewrite("kuiser") == "schoon maker"
    assert lex.rewrite("kuiser gebouwen") == "schoon maker gebouwen"
    assert lex.rewrite("camion chauffeur") == "vrachtwagen chauffeur"


def test_a_word_of_the_catalogue_is_never_rewritten():
    assert lexicon().rewrite("beenhouwer") == "beenhouwer"
    # the same word in another catalogue is rewritten
    other = TitleLexicon({"beenhouwer": "slager"}).fit(["slager"])
    assert other.rewrite("beenhouwer") == "slager"


def test_a_listed_word_inside_a_compound_is_rewritten_with_three_letters_beside_it():
    lex = lexicon()
    assert lex.rewrite("hulpbeenhouwer") == "hulpslager"  # at the end
    assert lex.rewrite("beenhouwerswinkel") == "slagerswinkel"  # at the start
    assert lex.rewrite("xbeenhouwer") == "xbeenhouwer"  # fewer than three letters beside it
    assert lex.rewrite("camionette") == "vrachtwagenette"  # the rule is plain, not clever
    # only words marked "inside", of four letters or more; the longest first; the result is
    # normalised again (compound heads)
    lex2 = TitleLexicon(
        {"technieker": "technicus", "ker": "xyz", "car": "auto", "nieker": "abc"},
        inside=["technieker", "ker", "nieker"],
    ).fit([])
    assert lex2.rewrite("onderhoudstechnieker") == normalise_title("onderhoudstechnicus")
    assert lex2.rewrite("bakker") == "bakker"  # "ker" is too short to be rewritten inside
    assert lex2.rewrite("carpenters") == "carpenters"  # "car" is not marked inside
    assert lex2.rewrite("car") == "auto"
    with pytest.raises(ValidationError, match="not in the table"):
        TitleLexicon({"a": "b"}, inside=["c"])


def test_a_phrase_is_rewritten_as_a_whole_unless_a_label_holds_it():
    lex = TitleLexicon(
        {"truck driver": "vrachtwagenchauffeur", "driver": "chauffeur", "warehouse worker": "x"}
    ).fit(["vrachtwagen chauffeur", "data warehouse designer", "warehouse worker app"])
    assert lex.rewrite("truck driver") == "vrachtwagen chauffeur"  # the phrase first
    assert lex.rewrite("forklift driver") == "forklift chauffeur"  # then the words
    assert lex.rewrite("senior truck driver nacht") == "senior vrachtwagen chauffeur nacht"
    assert lex.rewrite("warehouse worker") == "warehouse worker"  # a label holds it in a row
    assert lex.rewrite("truck") == "truck"


def test_posting_filler_is_dropped_unless_nothing_else_is_left():
    lex = TitleLexicon(
        {
            "ervaren": "-",
            "voltijds": " - ",
            "vast contract": "-",
            "slager": "-",
            "camion": "vrachtwagen",
        }
    ).fit(CATALOGUE + ["vast contract beheerder"])
    assert lex.table["ervaren"] == "" and lex.table["vast contract"] == ""
    assert lex.rewrite("ervaren camion chauffeur voltijds") == "vrachtwagen chauffeur"
    assert lex.rewrite("ervaren voltijds") == "ervaren voltijds"  # nothing else: as it was
    assert lex.rewrite("slager") == "slager"  # a word of the catalogue is never dropped
    assert lex.rewrite("vast contract beheerder") == "vast contract beheerder"  # a label's run
    unfitted = TitleLexicon({"vast contract": "-"}).fit(["kok"])
    assert unfitted.rewrite("kok vast contract") == "kok"
    with pytest.raises(ValidationError, match="dropped word"):
        TitleLexicon({"ervaren": "-"}, inside=["ervaren"])
    kept = lex.without_filler().fit(CATALOGUE)
    assert "ervaren" not in kept.table and kept.table["camion"] == "vrachtwagen"
    assert kept.rewrite("ervaren camion chauffeur") == "ervaren vrachtwagen chauffeur"
    assert (
        TitleLexicon({"ervaren": "-"}).fingerprint() != TitleLexicon({"ervaren": "x"}).fingerprint()
    )


def test_the_shipped_filler_is_dropped_from_queries():
    lex = TitleLexicon.load(lexicon_path()).fit(["lasser", "kassa medewerker", "medewerker"])
    assert lex.rewrite(normalise_title("Ervaren lasser - voltijds")) == "lasser"
    assert lex.rewrite(normalise_title("Kassamedewerker gezocht (m/v/x)")) == "kassa medewerker"
    assert lex.rewrite(normalise_title("allround medewerker")) == "medewerker"


def test_entries_are_checked_and_the_fingerprint_follows_the_entries():
    with pytest.raises(ValidationError, match="one to 3 words"):
        TitleLexicon({"een twee drie vier": "x"})
    with pytest.raises(ValidationError, match="non-empty"):
        TitleLexicon({"woord": " "})
    a = TitleLexicon({"kuis": "schoonmaak"})
    assert a.fingerprint() == TitleLexicon({"kuis": "schoonmaak"}).fingerprint()
    assert a.fingerprint() != TitleLexicon({"kuis": "schoonmaker"}).fingerprint()
    assert a.fingerprint() != TitleLexicon({"kuis": "schoonmaak"}, inside=["kuis"]).fingerprint()
    assert a.copy().fingerprint() == a.fingerprint()


def test_load_reads_comments_and_rejects_a_file_without_the_columns(tmp_path):
    good = tmp_path / "words.csv"
    good.write_text(
        "# a comment\nword,catalogue,inside,note\nkuisvrouw,schoonmaker,,Belgian\n"
        "poets,schoonmaak,yes,\ncall center,callcenter,,English\n"
    )
    lex = TitleLexicon.load(good)
    assert lex.table == {
        "kuiser": "schoon maker",
        "poets": "schoonmaak",
        "call center": "callcenter",
    }
    assert lex.inside == {"poets"}
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(ValidationError, match="is not a title lexicon"):
        TitleLexicon.load(bad)


def test_the_shipped_list_maps_onto_words_of_the_shipped_catalogue():
    lex = TitleLexicon.load(lexicon_path())
    assert len(lex) >= 30
    with gzip.open(resource_path("esco_occupations"), "rt", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    labels = [r["preferred_label"] for r in rows]
    labels += [a for r in rows for a in r["alt_labels"].split("|") if a]
    words = {w for lab in labels for w in normalise_title(lab).split()}
    joined = " ".join(sorted(words))
    for key, value in lex.table.items():
        for w in value.split():  # a word of the catalogue, or part of one (compounds)
            assert w in words or w in joined, (key, value)
        assert key != value
        if not value:  # dropped filler: a word the catalogue lacks, a run no label holds
            if " " in key:
                assert not any(f" {key} " in f" {normalise_title(lab)} " for lab in labels), key
            else:
                assert key not in words, key


def test_the_environment_names_another_list(tmp_path, monkeypatch):
    other = tmp_path / "other.csv"
    other.write_text("word,catalogue\nfoo,bar\n")
    monkeypatch.setenv("DOORSTROOM_TITLES_LEXICON", str(other))
    assert lexicon_path() == other
    # a variable naming a missing file is an error, not a silent fall back on the package's list
    monkeypatch.setenv("DOORSTROOM_TITLES_LEXICON", str(tmp_path / "gone.csv"))
    with pytest.raises(ResourceNotFoundError, match="DOORSTROOM_TITLES_LEXICON"):
        lexicon_path()
    with pytest.raises(ValidationError, match="cannot read the title lexicon"):
        TitleLexicon.load(tmp_path / "gone.csv")


ROWS = [
    ("1", "u:cleaner", "schoonmaker gebouwen", ""),
    ("2", "u:cooper", "kuiper", ""),
    ("3", "u:butcher", "slager", ""),
    ("4", "u:mason", "steenhouwer", ""),
    ("5", "u:truck", "vrachtwagenchauffeur", ""),
    ("6", "u:bus", "buschauffeur", ""),
]


@pytest.fixture(scope="module")
def corpus():
    return corpus_of(ROWS)


def _top(tn, texts):
    _, idx = tn.predict_topk(texts, 1)
    return [tn.uris_[i] for i in idx[:, 0]]


def test_the_normaliser_reads_flemish_words_as_the_catalogues(corpus):
    kw = dict(model=None, reranker=None, substitutions=None)
    queries = ["Kuisvrouw (m/v/x)", "hulpbeenhouwer", "camionchauffeur", "Truck driver"]
    plain = TitleNormalizer(lexicon=None, **kw).fit(corpus)
    # by spelling alone each reads as the wrong job
    assert _top(plain, queries) == ["u:cooper", "u:mason", "u:bus", "u:butcher"]
    lex = TitleNormalizer(**kw).fit(corpus)  # "auto": the shipped list
    assert _top(lex, queries) == ["u:cleaner", "u:butcher", "u:truck", "u:truck"]
    # titles without a listed word score exactly as without the lexicon
    same = ["steenhouwer", "buschauffeur stad", "kuiper"]
    assert (lex.score_occupations(same) == plain.score_occupations(same)).all()
    # posting filler ("gezocht") is dropped by default: the title scores as the job alone
    filler = ["buschauffeur gezocht", "Ervaren buschauffeur - voltijds"]
    alone = plain.score_occupations(["buschauffeur", "buschauffeur"])
    assert lex.drop_filler is True
    assert (lex.score_occupations(filler) == alone).all()
    keeps = TitleNormalizer(drop_filler=False, **kw).fit(corpus)
    assert (keeps.score_occupations(filler) == plain.score_occupations(filler)).all()
    with pytest.raises(ValidationError, match="drop_filler"):
        TitleNormalizer(drop_filler="yes", **kw).fit(corpus)


def test_the_normaliser_takes_a_lexicon_object_a_path_or_rejects_anything_else(corpus, tmp_path):
    kw = dict(model=None, reranker=None, substitutions=None)
    given = TitleLexicon({"kuisvrouw": "schoonmaker"})
    tn = TitleNormalizer(lexicon=given, **kw).fit(corpus)
    assert _top(tn, ["kuisvrouw"]) == ["u:cleaner"]
    assert given._catalogue_words == frozenset()  # the caller's object is not fitted
    path = tmp_path / "w.csv"
    path.write_text("word,catalogue\nkuisvrouw,kuiper\n")
    assert _top(TitleNormalizer(lexicon=str(path), **kw).fit(corpus), ["kuisvrouw"]) == ["u:cooper"]
    with pytest.raises(ValidationError, match="lexicon must be"):
        TitleNormalizer(lexicon=3, **kw).fit(corpus)


_LEX = TitleLexicon(
    {"kuisvrouw": "schoonmaker", "camion": "vrachtwagen", "truck driver": "vrachtwagenchauffeur"},
    inside=["camion"],
).fit(CATALOGUE)
_WORDS = sorted({w for t in CATALOGUE for w in t.split()} | {"kuiser", "camion", "truck", "x"})


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=6))
def test_rewrite_replaces_every_listed_word_and_keeps_the_catalogues(words):
    text = " ".join(words)
    out = _LEX.rewrite(text).split()
    assert "kuiser" not in out and "camion" not in out  # listed, not catalogue words
    kept = [w for w in words if w in _LEX._catalogue_words]
    # catalogue words survive, in order (no listed phrase can form: "driver" is not drawn)
    it = iter(out)
    assert all(any(w == o for o in it) for w in kept)
    assert _LEX.rewrite(" ".join(out)) == " ".join(out)  # a rewritten text stays as it is
