"""Word substitutions learned from one occupation's labels, and the char_sub signal."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstroom_match._exceptions import ValidationError
from doorstroom_match.text import synonyms as synonyms_mod
from doorstroom_match.text.corpus import TitleCorpus, esco_isco_group, read_corpus_csv
from doorstroom_match.text.normalise import normalise_title, normalise_titles
from doorstroom_match.text.synonyms import TitleSubstitutions
from doorstroom_match.text.titles import TitleNormalizer
from tests.test_text_titles import corpus

GROUPS = [
    ["leerkracht wiskunde secundair onderwijs", "leerkracht wiskunde voortgezet onderwijs"],
    ["leerkracht talen voortgezet onderwijs", "leerkracht talen secundair onderwijs"],
    ["verantwoordelijke logistiek", "manager logistiek", "hoofd logistiek"],
    ["verantwoordelijke aankoop", "manager aankoop"],
    ["Bediener Pers", "operator pers"],  # one-off: seen once each way, below min_count
    ["bakker", "broodbakker in een industriële bakkerij"],  # other word counts: no pair
]


def test_learn_counts_one_word_differences_between_labels_of_one_occupation():
    subs = TitleSubstitutions.learn(GROUPS, min_count=2)
    assert subs.table == {
        "secundair": ("voortgezet",),
        "voortgezet": ("secundair",),
        "verantwoordelijke": ("manager",),
        "manager": ("verantwoordelijke",),
    }
    assert subs.info["occupations"] == len(GROUPS)
    loose = TitleSubstitutions.learn(GROUPS)  # default min_count 1
    assert loose.table["verantwoordelijke"] == ("manager", "hoofd")  # 2 pairs before 1
    assert loose.table["bediener"] == ("operator",)  # normalised: lower case
    assert TitleSubstitutions.learn(GROUPS, per_word=1).table["hoofd"] == ("manager",)


def test_variants_replace_one_word_each_and_respect_the_limit():
    subs = TitleSubstitutions({"a": ["b", "c"], "x": ["y"]}, max_variants=12)
    assert subs.variants("a x a") == ["b x a", "c x a", "a y a", "a x b", "a x c"]
    assert subs.variants("z") == []
    assert TitleSubstitutions({"a": ["b", "c"]}, max_variants=1).variants("a a") == ["b a"]
    assert TitleSubstitutions({"a": ["b"]}, max_variants=0).variants("a") == []
    assert TitleSubstitutions({"a": ["a"]}).variants("a") == []  # never the text itself


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=0, max_size=6),
    st.integers(min_value=0, max_value=5),
)
def test_variants_differ_from_the_text_in_exactly_one_word(words, limit):
    subs = TitleSubstitutions({"a": ["b", "c"], "b": ["a"], "c": ["d"]}, max_variants=limit)
    text = " ".join(words)
    out = subs.variants(text)
    assert len(out) <= limit and len(set(out)) == len(out)
    for v in out:
        diff = [(p, q) for p, q in zip(text.split(), v.split(), strict=True) if p != q]
        assert len(diff) == 1 and diff[0][1] in subs.table[diff[0][0]]


def test_save_load_round_trip_and_errors(tmp_path):
    subs = TitleSubstitutions.learn(GROUPS, min_count=2, max_variants=5)
    path = tmp_path / "subs.json"
    subs.save(path)
    again = TitleSubstitutions.load(path)
    assert again.table == subs.table and again.max_variants == 5 and again.info == subs.info
    assert json.loads(path.read_text())["table"]["secundair"] == ["voortgezet"]
    path.write_text('{"tabel": {}}')
    with pytest.raises(ValidationError, match="is not a title substitution table"):
        TitleSubstitutions.load(path)
    with pytest.raises(ValidationError, match="max_variants must be >= 0"):
        TitleSubstitutions({}, max_variants=-1)
    with pytest.raises(ValidationError, match="min_count and per_word must be >= 1"):
        TitleSubstitutions.learn(GROUPS, min_count=0)


def test_committed_table_and_env_override(monkeypatch, tmp_path):
    subs = TitleSubstitutions.load(synonyms_mod.substitutions_path())
    assert "voortgezet" in subs.table["secundair"]  # Flemish and Dutch school words
    assert "manager" in subs.table["verantwoordelijke"]
    monkeypatch.setenv("DOORSTROOM_TITLES_SUBSTITUTIONS", str(tmp_path / "mine.json"))
    assert synonyms_mod.substitutions_path() == tmp_path / "mine.json"


SCHOOL = [
    {"uri": "u:wis", "text": "leerkracht wiskunde voortgezet onderwijs"},
    {"uri": "u:wis-hoger", "text": "docent wiskunde hoger onderwijs"},
    {"uri": "u:log", "text": "manager logistiek"},
    {"uri": "u:mag", "text": "magazijnier"},
]


def test_char_sub_signal_is_the_best_variant_cosine_per_row():
    subs = TitleSubstitutions.learn(GROUPS, min_count=2)
    tn = TitleNormalizer(model=None, substitutions=subs, weights={"char": 1, "char_sub": 1})
    tn.fit(TitleCorpus.from_rows(SCHOOL))
    texts = ["leraar wiskunde secundair onderwijs", "verantwoordelijke logistiek", "kok"]
    got = tn._variant_char(normalise_titles(texts))
    rows = [r["text"] for r in SCHOOL]
    enc = tn.char_encoder_
    for i, t in enumerate(texts):
        variants = subs.variants(normalise_title(t))
        want = np.zeros(len(rows), dtype=np.float32)
        for v in variants:
            want = np.maximum(
                want, (enc.encode_sparse([v]) @ enc.encode_sparse(rows).T).toarray()[0]
            )
        np.testing.assert_allclose(got[i], want[tn._row_order], atol=1e-6)
    assert tn._variant_char(["kok"]) is None  # no variants at all: no work
    # a Flemish school word reaches the Dutch label, a manager his "verantwoordelijke" form
    top = tn.predict(texts[:2], k=1)
    assert [t[0].uri for t in top] == ["u:wis", "u:log"]
    plain = TitleNormalizer(model=None, substitutions=None, weights={"char": 1}).fit(
        TitleCorpus.from_rows(SCHOOL)
    )
    assert (tn.score_occupations(texts[:2]) >= plain.score_occupations(texts[:2]) - 1e-6).all()


def test_char_sub_in_small_chunks_equals_one_chunk():
    subs = TitleSubstitutions.learn(GROUPS)
    texts = ["verantwoordelijke logistiek", "hoofd logistiek", "kok", "manager aankoop"] * 3
    one = TitleNormalizer(model=None, substitutions=subs).fit(TitleCorpus.from_rows(SCHOOL))
    small = TitleNormalizer(model=None, substitutions=subs, chunk_size=2)
    small.fit(TitleCorpus.from_rows(SCHOOL))
    normed = normalise_titles(texts)
    np.testing.assert_allclose(small._variant_char(normed), one._variant_char(normed), atol=1e-6)
    np.testing.assert_allclose(
        small.score_occupations(texts), one.score_occupations(texts), atol=1e-6
    )


def test_substitutions_argument():
    c = corpus()
    assert TitleNormalizer(model=None, substitutions=None).fit(c).substitutions_ is None
    auto = TitleNormalizer(model=None).fit(c).substitutions_
    assert isinstance(auto, TitleSubstitutions) and len(auto) > 100
    path = synonyms_mod.substitutions_path()
    assert len(TitleNormalizer(model=None, substitutions=path).fit(c).substitutions_) == len(auto)
    with pytest.raises(ValidationError, match="substitutions must be 'auto', None, a file path"):
        TitleNormalizer(model=None, substitutions=3).fit(c)


def test_csv_corpus_of_esco_uris_gets_isco_groups(tmp_path):
    esco = "http://data.europa.eu/esco/occupation/"
    uri = esco + "00030d09-2b3a-4efd-87cc-c4ea39d27c34"
    assert esco_isco_group(uri) == "2654" and esco_isco_group("u:x") == ""
    path = tmp_path / "corpus.csv"
    path.write_text(f"id,uri,text,description\n1,{uri},inspiciënt,\n2,u:x,kok,\n")
    tn = TitleNormalizer(model=None).fit(read_corpus_csv(path))
    assert tn.isco_groups_.tolist() == ["2654", ""]
    assert tn._group_codes[:, 1].tolist() == [-1, -1, -1]


def test_training_command_learns_from_an_esco_file_and_excludes_uris(tmp_path, capsys):
    from models.train_title_substitutions import main

    rows = [
        (
            "u:1",
            "2330",
            "leerkracht wiskunde voortgezet onderwijs",
            "leraar wiskunde secundair onderwijs|docent wiskunde secundair onderwijs",
        ),
        ("u:2", "1324", "manager logistiek", "verantwoordelijke logistiek"),
        ("u:3", "9329", "inpakker", ""),
    ]
    with open(tmp_path / "occupations.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            ["uri", "code", "isco_group", "preferred_label", "alt_labels", "description", "split"]
        )
        for uri, isco, pref, alts in rows:
            w.writerow([uri, isco + ".1", isco, pref, alts, "", "dev" if alts else "heldout"])
    out = tmp_path / "subs.json"
    assert main(["--data", str(tmp_path), "--out", str(out)]) == 0
    subs = TitleSubstitutions.load(out)
    assert subs.table["leraar"] == ("docent",) and subs.table["docent"] == ("leraar",)
    assert subs.table["verantwoordelijke"] == ("manager",)
    assert subs.info["occupations"] == 2 and subs.info["excluded_occupations"] == 0
    (tmp_path / "exclude.txt").write_text("u:2\n")
    main(
        [
            "--data",
            str(tmp_path),
            "--out",
            str(out),
            "--exclude-uris",
            str(tmp_path / "exclude.txt"),
        ]
    )
    assert "verantwoordelijke" not in TitleSubstitutions.load(out).table
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["excluded_occupations"] == 1
