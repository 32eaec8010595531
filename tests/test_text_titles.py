from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from doorstroom_match._exceptions import (
    EmptyInputError,
    FeedError,
    NotFittedError,
    ValidationError,
)
from doorstroom_match.text import titles as titles_mod
from doorstroom_match.text.corpus import (
    TitleCorpus,
    load_esco_corpus,
    read_corpus_csv,
    read_esco_occupations,
    split_by_occupation,
)
from doorstroom_match.text.encoders import AdaptedEncoder, TfidfEncoder
from doorstroom_match.text.titles import TitleNormalizer

REPO = Path(__file__).resolve().parents[1]

ROWS = [
    (
        "1",
        "u:magazijn",
        "magazijnmedewerker",
        "Magazijnmedewerkers ontvangen en slaan goederen op.",
    ),
    ("2", "u:magazijn", "magazijnier", ""),
    ("3", "u:kassa", "kassamedewerker", "Kassamedewerkers rekenen af met klanten."),
    ("4", "u:kassa", "kassier", ""),
    ("5", "u:kok", "kok", "Koks bereiden maaltijden."),
    ("6", "u:kok", "hulpkok", ""),
    ("7", "u:poets", "schoonmaker", "Schoonmakers poetsen gebouwen."),
    ("8", "u:heftruck", "heftruckchauffeur", ""),
    ("9", "u:coord", "coördinator onderhoud", "Coördinatoren plannen onderhoud."),
]
QUERIES = [
    ("magazijnmedewerkster", "u:magazijn"),
    ("kassierster", "u:kassa"),
    ("schoonmaakster", "u:poets"),
    ("Coördinatrice onderhoud (m/v/x)", "u:coord"),
    ("hulpkokkin", "u:kok"),
    ("chauffeur heftruck", "u:heftruck"),
]


def corpus_of(rows):
    """A corpus from ``(id, uri, text, description)`` tuples."""
    return TitleCorpus.from_rows(
        [dict(zip(("id", "uri", "text", "description"), r, strict=True)) for r in rows]
    )


def corpus():
    return corpus_of(ROWS)


class FakeDense:
    """A cheap deterministic 'dense' encoder: word TF-IDF (tests the custom-encoder path)."""

    name = "fake"

    def __init__(self):
        self.inner = TfidfEncoder(analyzer="word", ngram_range=(1, 1))

    @property
    def fingerprint(self):
        return "fake:" + self.inner.fingerprint

    def fit(self, texts):
        self.inner.fit(list(texts) + [q for q, _ in QUERIES])
        return self

    def encode(self, texts):
        return self.inner.encode(texts)


def write_fixture(tmp_path):
    cpath, qpath = tmp_path / "corpus.csv", tmp_path / "queries.csv"
    with open(cpath, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "uri", "text", "description"])
        w.writerows(ROWS)
    with open(qpath, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["query", "uri"])
        w.writerows(QUERIES)
    return cpath, qpath


@pytest.mark.parametrize("model", [None, "fake"])
def test_predicts_gold_on_fixture(model):
    tn = TitleNormalizer(model=FakeDense() if model else None).fit(corpus())
    preds = tn.predict([q for q, _ in QUERIES], k=3)
    for (q, gold), pred in zip(QUERIES, preds, strict=True):
        assert pred[0].uri == gold, q
        assert len(pred) == 3 and pred[0].score >= pred[1].score >= pred[2].score
    assert preds[0][0].label == "magazijnmedewerker"


def test_scores_match_plain_loop_reference():
    tn = TitleNormalizer(
        model=FakeDense(), weights={"char": 0.7, "dense": 0.9, "desc": 0.4}, chunk_size=2
    ).fit(corpus())
    queries = [q for q, _ in QUERIES]
    fast = tn.score_occupations(queries)
    c = corpus()
    char = tn.char_encoder_.encode(list(c.texts))
    dense = tn.dense_encoder_.encode(list(c.texts))
    desc_text = {}
    for u, d in zip(c.uris, c.descriptions, strict=True):
        if d and u not in desc_text:
            desc_text[u] = titles_mod._first_sentence(d)
    for qi, q in enumerate(queries):
        qc, qd = tn.char_encoder_.encode([q])[0], tn.dense_encoder_.encode([q])[0]
        qdesc = tn.desc_encoder_.encode([q])[0]
        for oi, uri in enumerate(tn.uris_):
            best = max(
                0.7 * float(qc @ char[r]) + 0.9 * float(qd @ dense[r])
                for r in range(len(c))
                if c.uris[r] == uri
            )
            best -= tn.row_penalty * np.log(sum(u == uri for u in c.uris))
            exact = [r for r in range(len(c)) if c.uris[r] == uri and float(qc @ char[r]) >= 0.9999]
            if exact:  # an exact (normalised) match to one of its rows goes first
                best += 10.0  # the tier (first row: preferred label) orders in predict only
            if uri in desc_text:
                best += 0.4 * float(qdesc @ tn.desc_encoder_.encode([desc_text[uri]])[0])
            assert fast[qi, oi] == pytest.approx(best, abs=1e-5)
    s, i = tn.predict_topk(queries, k=100)
    assert s.shape == (len(queries), len(tn.uris_))
    np.testing.assert_allclose(s, -np.sort(-fast, axis=1), atol=1e-6)


def test_title_scores_by_hand():
    """The fused score worked out by hand (an independent check of the plain-loop reference
    above): char n-grams only, so a title equal to a label has cosine 1 and one that shares
    no character pair with any label of an occupation 0; an exact label adds the bonus of 10
    (more than every other signal together); ``row_penalty`` (0.2) is taken off per unit of
    log(number of labels); an occupation scores by its best label, not by the sum."""
    rows = [
        ("1", "u:a", "kok", ""),
        ("2", "u:a", "hulpkok", ""),
        ("3", "u:b", "schilder", ""),
        ("4", "u:c", "schilder", ""),
        ("5", "u:c", "verver", ""),
        ("6", "u:d", "kok", ""),
    ]
    c = corpus_of(rows)
    tn = TitleNormalizer(
        model=None,
        weights={"char": 1.0, "dense": 0.0, "desc": 0.0},
        reranker=None,
        substitutions=None,
    ).fit(c)
    assert tn.uris_.tolist() == ["u:a", "u:b", "u:c", "u:d"]
    s = tn.score_occupations(["kok", "Kok (m/v/x)", "verver", "zzz"])
    two_labels = -0.2 * 0.6931471805599453  # -0.2 * ln 2
    # "kok" (also as a posting writes it): u:a holds it among two labels, u:d as its only one
    for q in (0, 1):
        np.testing.assert_allclose(
            s[q, [0, 1, 2, 3]], [11 + two_labels, 0.0, two_labels, 11.0], atol=1e-5
        )
    # "verver": u:c's best label is exact; "schilder" shares only "er" with it (0 < cos < 1)
    assert s[2, 2] == pytest.approx(11 + two_labels, abs=1e-5)
    assert s[2, 0] == pytest.approx(two_labels, abs=1e-5) and s[2, 3] == 0.0
    assert 0.0 < s[2, 1] < 0.5
    np.testing.assert_allclose(s[3], [two_labels, 0.0, two_labels, 0.0], atol=1e-6)
    # the best first: the one-label occupation before the two-label one
    assert [p.uri for p in tn.predict(["kok"], k=2)[0]] == ["u:d", "u:a"]
    flat = TitleNormalizer(
        model=None,
        weights={"char": 1.0, "dense": 0.0, "desc": 0.0},
        reranker=None,
        substitutions=None,
        row_penalty=0.0,
    ).fit(c)
    np.testing.assert_allclose(
        flat.score_occupations(["kok"])[0], [11.0, 0.0, 0.0, 11.0], atol=1e-5
    )


def test_auto_model_falls_back_to_base_with_warning(monkeypatch, tmp_path):
    pytest.importorskip("sentence_transformers", reason="needs the 'embeddings' extra")
    monkeypatch.setattr(titles_mod, "adapter_path", lambda: tmp_path / "absent.npz")
    monkeypatch.setattr(titles_mod, "trained_model_path", lambda: tmp_path / "absent")
    tn = TitleNormalizer()
    with pytest.warns(UserWarning, match="title adapter is absent.*train_title_adapter"):
        enc, kind = tn._make_dense()
    assert kind == "base" and enc.model is None


def test_auto_model_is_the_committed_adapter():
    assert titles_mod.adapter_path().is_file(), "models/title-adapter.npz is committed"
    enc, kind = TitleNormalizer()._make_dense()
    assert kind == "adapted" and isinstance(enc, AdaptedEncoder)
    assert enc.adapter == titles_mod.adapter_path()
    with np.load(enc.adapter) as npz:
        assert npz["matrix"].shape == (384, 384) and npz["matrix"].dtype == np.float32


def test_description_dense_signal_matches_plain_loop_reference():
    """desc_dense: the query's dense vector against the whole description's, per occupation."""
    w = {"char": 1.0, "dense": 0.0, "desc": 0.0, "desc_dense": 0.8}
    tn = TitleNormalizer(model=FakeDense(), weights=w, row_penalty=0.0).fit(corpus())
    queries = [q for q, _ in QUERIES]
    fast = tn.score_occupations(queries)
    c = corpus()
    desc = {}
    for u, d in zip(c.uris, c.descriptions, strict=True):
        desc.setdefault(u, d) if d else None
    for qi, q in enumerate(queries):
        qc, qd = tn.char_encoder_.encode([q])[0], tn.dense_encoder_.encode([q])[0]
        for oi, uri in enumerate(tn.uris_):
            sims = {
                r: float(qc @ tn.char_encoder_.encode([c.texts[r]])[0])
                for r in range(len(c))
                if c.uris[r] == uri
            }
            char = max(sims.values())
            extra = 0.8 * float(qd @ tn.dense_encoder_.encode([desc[uri]])[0]) if uri in desc else 0
            extra += 10.0 if char >= 0.9999 else 0.0
            assert fast[qi, oi] == pytest.approx(char + extra, abs=1e-5)


def test_errors():
    with pytest.raises(NotFittedError, match="TitleNormalizer is not fitted"):
        TitleNormalizer(model=None).predict(["kok"])
    with pytest.raises(EmptyInputError, match="at least one row"):
        TitleNormalizer(model=None).fit(TitleCorpus((), (), (), ()))
    with pytest.raises(ValidationError, match="weights keys must be among"):
        TitleNormalizer(model=None, weights={"bm25": 1.0}).fit(corpus())
    with pytest.raises(ValidationError, match="weights must be >= 0"):
        TitleNormalizer(model=None, weights={"char": -1.0}).fit(corpus())
    with pytest.raises(ValidationError, match="model must be 'auto', 'base', None"):
        TitleNormalizer(model=3.5).fit(corpus())
    with pytest.raises(ValidationError, match="row_penalty must be >= 0"):
        TitleNormalizer(model=None, row_penalty=-1).fit(corpus())
    with pytest.raises(ValidationError, match="chunk_size must be >= 1"):
        TitleNormalizer(model=None, chunk_size=0).fit(corpus())
    tn = TitleNormalizer(model=None).fit(corpus())
    with pytest.raises(ValidationError, match="k must be an int >= 1"):
        tn.predict(["kok"], k=0)
    with pytest.raises(ValidationError, match="must have a non-empty 'uri'"):
        TitleCorpus.from_rows([{"text": "kok"}])


def test_corpus_csv_roundtrip_and_errors(tmp_path):
    cpath, _ = write_fixture(tmp_path)
    c = read_corpus_csv(cpath)
    assert len(c) == len(ROWS) and c.uris[0] == "u:magazijn" and c.descriptions[1] == ""
    bad = tmp_path / "bad.csv"
    bad.write_text("id,label\n1,kok\n", encoding="utf-8")
    with pytest.raises(FeedError, match=r"must have columns \['uri', 'text'\]"):
        read_corpus_csv(bad)
    with pytest.raises(FeedError, match="cannot read corpus"):
        read_corpus_csv(tmp_path / "nope.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("id,uri,text,description\n", encoding="utf-8")
    with pytest.raises(EmptyInputError, match="has no rows"):
        read_corpus_csv(empty)


def test_esco_loader(tmp_path):
    path = tmp_path / "occupations.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            ["uri", "code", "isco_group", "preferred_label", "alt_labels", "description", "split"]
        )
        w.writerow(
            [
                "u1",
                "4321.1",
                "4321",
                "magazijnmedewerker",
                "magazijnier|orderpicker",
                "Doet dingen.",
                "dev",
            ]
        )
        w.writerow(["u2", "5120.1", "5120", "kok", "", "Kookt.", "heldout"])
    occs = read_esco_occupations(path)
    assert occs[0].alt_labels == ("magazijnier", "orderpicker") and occs[1].alt_labels == ()
    c = load_esco_corpus(path)
    assert c.texts == ("magazijnmedewerker", "magazijnier", "orderpicker", "kok")
    assert c.isco_groups == {"u1": "4321", "u2": "5120"} and c.labels["u1"] == "magazijnmedewerker"
    assert load_esco_corpus(occs, alt_labels=False).texts == ("magazijnmedewerker", "kok")
    assert load_esco_corpus(occs, exclude_alt_labels_of={"u1"}).texts == (
        "magazijnmedewerker",
        "kok",
    )
    tn = TitleNormalizer(model=None).fit(c)
    assert tn.predict(["orderpickster"], k=1)[0][0].isco_group == "4321"


def test_split_by_occupation():
    uris = [f"u{i}" for i in range(100)] * 2
    a, b, c = split_by_occupation(uris, (0.6, 0.2, 0.2), seed=1)
    assert (len(a), len(b), len(c)) == (60, 20, 20)
    assert not (a & b or a & c or b & c)
    assert split_by_occupation(uris, (0.6, 0.2, 0.2), seed=1)[0] == a
    with pytest.raises(ValidationError, match="fractions must be positive and sum to 1"):
        split_by_occupation(uris, (0.5, 0.2))


def test_evaluation_entry_point_in_process(tmp_path, capsys):
    from benchmarks.titles import main

    cpath, qpath = write_fixture(tmp_path)
    assert (
        main(
            [
                "--corpus",
                str(cpath),
                "--queries",
                str(qpath),
                "--json",
                "--model",
                "none",
                "--baseline",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out.strip().splitlines()
    result = json.loads(out[-1])
    for key in ("acc@1", "acc@10", "mrr@10", "queries_per_s"):
        assert key in result
    assert result["acc@1"] == 1.0 and result["mrr@10"] == 1.0 and result["acc@10"] == 1.0
    assert 0 <= result["baseline_char_tfidf"]["acc@1"] <= 1
    assert any("acc@1" in line for line in out[:-1])


def test_evaluation_entry_point_cli(tmp_path):
    cpath, qpath = write_fixture(tmp_path)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.titles",
            "--corpus",
            str(cpath),
            "--queries",
            str(qpath),
            "--json",
            "--model",
            "none",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert set(result) >= {"acc@1", "acc@10", "mrr@10", "queries_per_s"}
    assert result["acc@10"] == 1.0


@pytest.mark.slow
def test_evaluation_entry_point_default_model(tmp_path):
    """The outside checks' call: default model (fine-tuned if built, else base)."""
    cpath, qpath = write_fixture(tmp_path)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.titles",
            "--corpus",
            str(cpath),
            "--queries",
            str(qpath),
            "--json",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["acc@10"] == 1.0


def test_a_title_equal_to_a_known_label_names_that_occupation():
    """However many labels the occupation has (the row prior) and whatever the re-ranker says."""
    rows = [
        {"uri": "u:many", "text": t}
        for t in ("magazijnier", "opslagmedewerker", "picker", "orderpicker", "voorraadbeheerder")
    ]
    rows += [{"uri": "u:one", "text": "magazijnmedewerker"}]
    c = TitleCorpus.from_rows(rows)
    for reranker in (None, PreferLastCandidate()):
        tn = TitleNormalizer(model=None, row_penalty=2.0, reranker=reranker).fit(c)
        top = tn.predict(["Magazijnierster (m/v/x)", "magazijnier"], k=2)
        assert [t[0].uri for t in top] == ["u:many", "u:many"]
        if reranker is not None:
            assert top[0][0].score == 1.0


class PreferLastCandidate:
    n_candidates = 2

    def predict_scores(self, features):
        return np.tile(np.arange(features.shape[1], dtype=np.float32), (features.shape[0], 1))


GROUP_URI = "http://data.europa.eu/esco/isco/C5120"


def test_an_occupation_goes_before_a_group_row():
    """A group row (ESCO's isco/C… uri) wins only when no occupation comes close."""
    rows = [
        {"uri": GROUP_URI, "text": "koks"},
        {"uri": "u:kok", "text": "kok"},
        {"uri": "u:chef", "text": "chef-kok"},
    ]
    c = TitleCorpus.from_rows(rows)
    tn = TitleNormalizer(model=None, reranker=None, group_penalty=0.5).fit(c)
    assert tn.is_group_.tolist() == [True, False, False]
    assert tn.isco_groups_[0] == "5120"
    plain = TitleNormalizer(model=None, reranker=None, group_penalty=0.0).fit(c)
    # the penalty is exactly a subtraction from the group's column
    for q in ("koksmaat", "keukenhulp", "koks (m/v/x)"):
        delta = plain.score_occupations([q]) - tn.score_occupations([q])
        np.testing.assert_allclose(delta, [[0.5, 0.0, 0.0]], atol=1e-6)
    # close to the group's plural label and to an occupation: the occupation
    assert plain.predict(["koksmaat"], k=1)[0][0].uri == GROUP_URI
    assert tn.predict(["koksmaat"], k=1)[0][0].uri == "u:kok"
    # a title equal to the group's label has no exact-label precedence over an occupation
    assert plain.score_occupations(["koks"])[0, 0] < 2.0
    # far from every occupation: the group still wins
    assert tn.predict(["hulpkoks"], k=1)[0][0].uri == GROUP_URI


def test_a_group_label_without_an_esco_uri_is_a_group():
    c = TitleCorpus.from_rows([{"uri": "g1", "text": "Koks"}, {"uri": "u:kok", "text": "kok"}])
    assert TitleNormalizer(model=None, reranker=None).fit(c).is_group_.tolist() == [True, False]


@pytest.mark.parametrize("reranker", [None, "last"])
def test_exact_ties_go_to_the_preferred_label_then_other_labels(reranker):
    """A label shared by several rows: the occupation it names first (its preferred label)."""
    rows = [
        {"uri": GROUP_URI, "text": "boekhouder"},
        {"uri": "u:fin", "text": "financieel medewerker"},
        {"uri": "u:fin", "text": "boekhouder"},  # an alternative label of u:fin
        {"uri": "u:boek", "text": "boekhouder"},  # the preferred (first) label of u:boek
        {"uri": "u:other", "text": "boekhoudkundig assistent"},
    ]
    rr = PreferLastCandidate() if reranker else None
    if rr is not None:
        rr.n_candidates = 4
    tn = TitleNormalizer(model=None, reranker=rr, row_penalty=0.0).fit(TitleCorpus.from_rows(rows))
    top = [m.uri for m in tn.predict(["Boekhouder (m/v/x)"], k=4)[0]]
    assert top[:2] == ["u:boek", "u:fin"]  # the group holds the label too, but comes later
    assert GROUP_URI in top[2:]


def test_an_esco_uri_takes_its_preferred_label_from_the_catalogue():
    occ = read_esco_occupations()[0]
    other = next(o for o in read_esco_occupations()[1:] if o.alt_labels)
    shared = other.alt_labels[0]
    rows = [
        {"uri": occ.uri, "text": shared},  # first row, but not occ's preferred label
        {"uri": occ.uri, "text": occ.preferred_label},
        {"uri": other.uri, "text": other.preferred_label},
        {"uri": other.uri, "text": shared},
    ]
    tn = TitleNormalizer(model=None, reranker=None, row_penalty=0.0).fit(
        TitleCorpus.from_rows(rows)
    )
    assert tn.predict([occ.preferred_label], k=1)[0][0].uri == occ.uri
    # the shared label is an alternative label of both: the tie is the fused order, equal here
    assert {m.uri for m in tn.predict([shared], k=2)[0]} == {occ.uri, other.uri}


def test_variants_scored_on_candidates_match_every_row_where_it_counts():
    """variant_candidates=C: the C occupations best without variants get exactly the scores of
    scoring variants against every row; the others are never above their full score."""
    from doorstroom_match.text.synonyms import TitleSubstitutions

    rows = [
        {"uri": f"u:{u}", "text": t}
        for u, t in enumerate(
            [
                "magazijn medewerker",
                "magazijnier",
                "opslag medewerker",
                "kassa medewerker",
                "kassier",
                "winkel bediende",
                "verkoper",
                "verantwoordelijke magazijn",
                "hoofd magazijn",
                "manager winkel",
                "orderpicker",
                "heftruck chauffeur",
                "chauffeur bestelwagen",
                "schoonmaker",
                "poetshulp",
                "onderhoud technicus",
            ]
        )
    ]
    c = TitleCorpus.from_rows(rows)
    subs = TitleSubstitutions(
        {
            "medewerker": ["bediende", "hulp"],
            "verantwoordelijke": ["hoofd", "manager"],
            "magazijn": ["opslag"],
            "chauffeur": ["bestuurder"],
        }
    )
    queries = [
        "verantwoordelijke opslag",
        "magazijn bediende",
        "winkel medewerker",
        "bestelwagen chauffeur",
        "kassa hulp",
        "poets medewerker",
    ]
    kw = {
        "model": None,
        "reranker": None,
        "substitutions": subs,
        "weights": {"char": 1, "char_sub": 1},
    }
    full = TitleNormalizer(variant_candidates=None, **kw).fit(c).score_occupations(queries)
    without = TitleNormalizer(**{**kw, "substitutions": None}).fit(c).score_occupations(queries)
    for cand in (1, 3, 5):
        fast = TitleNormalizer(variant_candidates=cand, chunk_size=4, **kw).fit(c)
        got = fast.score_occupations(queries)
        assert (got <= full + 1e-6).all()
        for i in range(len(queries)):
            top = np.argsort(-without[i], kind="stable")[:cand]
            np.testing.assert_allclose(got[i, top], full[i, top], atol=1e-6)
        if cand == 1:  # outside the candidates the variants are really skipped
            assert (got < full - 1e-6).any()
    assert not np.allclose(full, without)  # the variants do change scores here


def test_variant_kernel_equals_the_scipy_reference():
    """The numba kernel of the candidate variants computes the scipy path's very numbers."""
    pytest.importorskip("numba", reason="needs the 'fast' extra")
    from doorstroom_match.text.normalise import normalise_titles
    from doorstroom_match.text.synonyms import TitleSubstitutions

    words = ["magazijn", "medewerker", "kassa", "hulp", "verantwoordelijke", "winkel", "kok"]
    rng = np.random.default_rng(0)
    rows = [
        {"uri": f"u:{int(u)}", "text": " ".join(rng.choice(words, size=rng.integers(1, 4)))}
        for u in rng.integers(0, 12, size=80)
    ]
    subs = TitleSubstitutions(  # 1 to 7 variants a query: the kernel takes them 4 at a time
        {
            "medewerker": ["bediende", "hulp", "arbeider", "kracht", "assistent"],
            "verantwoordelijke": ["hoofd"],
            "kassa": ["kas", "kassier"],
        }
    )
    tn = TitleNormalizer(model=None, reranker=None, substitutions=subs).fit(
        TitleCorpus.from_rows(rows)
    )
    queries = normalise_titles(
        ["magazijn medewerker", "verantwoordelijke winkel", "kassa medewerker hulp", "kok"]
    )
    owners, variants = [], []
    for i, q in enumerate(queries):
        v = tn.substitutions_.variants(q)
        owners += [i] * len(v)
        variants += v
    assert len(set(owners)) >= 2 and max(np.bincount(owners)) > 4
    owner = np.asarray(owners)
    n_occ = len(tn.uris_)
    cands = np.stack([rng.permutation(n_occ)[:5] for _ in queries])
    fast = np.zeros((len(queries), len(rows)), dtype=np.float32)
    ref = np.zeros_like(fast)
    tn._variant_char_candidates(variants, owner, cands, fast, jit=True)
    tn._variant_char_candidates(variants, owner, cands, ref, jit=False)
    assert (ref > 0).any()
    np.testing.assert_array_equal(fast, ref)


@pytest.mark.parametrize("dense_weight", [0.0, 0.5])
def test_occupation_maxima_kernel_equals_the_numpy_reference(dense_weight):
    """One pass over the rows gives the numbers of ``_fuse`` and ``np.maximum.reduceat``."""
    pytest.importorskip("numba", reason="needs the 'fast' extra")
    from doorstroom_match.text.synonyms import TitleSubstitutions

    words = ["magazijn", "medewerker", "kassa", "hulp", "verantwoordelijke", "winkel", "kok"]
    rng = np.random.default_rng(1)
    rows = [
        {"uri": f"u:{int(u)}", "text": " ".join(rng.choice(words, size=rng.integers(1, 4)))}
        for u in rng.integers(0, 15, size=90)
    ]
    subs = TitleSubstitutions({"medewerker": ["bediende", "hulp"], "kassa": ["kas"]})
    weights = {"char": 0.9, "dense": dense_weight, "desc": 0.5, "desc_dense": 0, "char_sub": 1}
    tn = TitleNormalizer(model=FakeDense(), weights=weights, reranker=None, substitutions=subs)
    tn.fit(TitleCorpus.from_rows(rows))
    texts = ["magazijn medewerker", "kassa", "winkel hulp kok", rows[3]["text"], "Kassa (m/v/x)"]
    n, n_rows, n_occ = len(texts), len(rows), len(tn.uris_)
    char = rng.random((n, n_rows), dtype=np.float32)
    char[3, 5] = char[4, 0] = 1.0  # exact label matches, one of them maybe a preferred label
    dense = rng.normal(size=(n, n_rows)).astype(np.float32)
    sub = np.where(rng.random((n, n_rows)) < 0.3, rng.random((n, n_rows)), 0).astype(np.float32)
    extra = rng.normal(size=(n, n_occ)).astype(np.float32)
    for d, s in ((dense, sub), (None, sub), (dense, None), (None, None)):
        fast = tn._occupation_maxima(char, d, s, extra, jit=True)
        ref = tn._occupation_maxima(char, d, s, extra, jit=False)
        for a, b in zip(fast, ref, strict=True):
            if isinstance(a, dict):
                assert a.keys() == b.keys()
                for k in a:
                    np.testing.assert_array_equal(a[k], b[k])
            else:
                np.testing.assert_array_equal(a, b)
    assert ref[2].any()
    # and through the whole scoring path (real signals): the same outputs
    real = list(tn._iter_scores(texts, parts=True))
    tn._occupation_maxima = lambda *a: TitleNormalizer._occupation_maxima(tn, *a, jit=False)
    for (_, occ_a, info_a), (_, occ_b, info_b) in zip(
        real, tn._iter_scores(texts, parts=True), strict=True
    ):
        np.testing.assert_array_equal(occ_a, occ_b)
        for k in info_a:
            if k != "normed":
                np.testing.assert_array_equal(info_a[k], info_b[k])


def test_threads_give_the_same_topk():
    """``n_jobs``: chunks scored on threads give the single-thread results, row for row."""
    texts = [q for q, _ in QUERIES] * 7 + ["kok", "Kassa (m/v/x)"]
    one = TitleNormalizer(model=FakeDense(), reranker=None, n_jobs=1, chunk_size=5)
    one.fit(corpus())
    two = TitleNormalizer(model=FakeDense(), reranker=None, n_jobs=2, chunk_size=5)
    two.fit(corpus())
    assert two._n_threads() == 2 and one._n_threads() == 1
    for a, b in zip(one.predict_topk(texts, k=3), two.predict_topk(texts, k=3), strict=True):
        np.testing.assert_array_equal(a, b)
    assert TitleNormalizer(cache=object(), n_jobs=2)._n_threads() == 1  # SQLite: one thread
    with pytest.raises(ValidationError, match="n_jobs"):
        TitleNormalizer(model=None, n_jobs=0).fit(corpus())


@pytest.mark.parametrize("model", [None, "fake"])
def test_texts_spelled_alike_are_scored_once_with_the_same_results(model):
    """predict_topk scores each normalised text once (each text, with a dense encoder) and
    gives every text what scoring it alone gives (the plain reference)."""
    texts = [
        "Kassierster (m/v/x)",
        "kassierster",
        "KASSIERSTER",
        "Coördinatrice onderhoud (m/v/x)",
        "coordinatrice  onderhoud",
        "kassierster",
        "hulpkokkin",
        "",
    ]
    tn = TitleNormalizer(model=FakeDense() if model else None, reranker=None, chunk_size=3)
    tn.fit(corpus())
    scored = []
    inner = tn._predict_topk
    tn._predict_topk = lambda t, k, j, nd: (scored.append(list(t)), inner(t, k, j, nd))[1]
    scores, idx = tn.predict_topk(texts, k=3)
    alone = [tn.predict_topk([t], k=3) for t in texts]
    np.testing.assert_array_equal(scores, np.concatenate([s for s, _ in alone]))
    np.testing.assert_array_equal(idx, np.concatenate([i for _, i in alone]))
    assert len(scored[0]) == (4 if model is None else 7)  # first of each group, in order
    assert scored[0][0] == "Kassierster (m/v/x)"


def test_fit_loads_what_the_first_prediction_needs():
    """A fitted normaliser answers at full speed from its first call: fit has loaded the
    kernels (from numba's cache) that the first prediction would otherwise load."""
    pytest.importorskip("numba")
    from doorstroom_match._jit import compiled
    from doorstroom_match.text.titles import _occupation_maxima_kernel

    compiled.cache_clear()  # fresh dispatchers: nothing loaded yet
    assert not compiled(_occupation_maxima_kernel).signatures
    compiled.cache_clear()
    tn = TitleNormalizer(model=None, reranker=None).fit(corpus())
    assert compiled(_occupation_maxima_kernel).signatures
    assert tn.predict_topk(["kok"], k=1)[1].shape == (1, 1)


def test_a_title_in_its_setting_is_also_scored_without_it():
    from doorstroom_match.text.titles import _without_setting

    setting = frozenset({"in", "bij"})
    assert _without_setting("kok in een restaurant", setting) == "kok"
    assert _without_setting("medewerker bij een bouwbedrijf", setting) == "medewerker"
    assert _without_setting("verkoper in", setting) is None  # nothing after it
    assert _without_setting("in de bouw", setting) is None  # nothing before it
    assert _without_setting("hulpkok", setting) is None
    rows = [
        ("1", "u/kok", "kok", ""),
        ("2", "u/rm", "manager van een restaurant", ""),
        ("3", "u/ober", "ober", ""),
    ]
    query = ["kok in een restaurant"]

    def top(**kw):
        tn = TitleNormalizer(model=None, reranker=None, **kw).fit(corpus_of(rows))
        return tn.uris_[tn.predict_topk(query, k=1)[1][0, 0]]

    assert top() == "u/rm"  # the setting's letters outweigh the job's
    assert top(setting_words=("in", "bij")) == "u/kok"
    assert top(setting_words=("in",), substitutions=None) == "u/rm"  # a variant: needs them
    assert top(setting_words=["In"]) == "u/kok"  # words are normalised as the titles are
    for bad in ("in", ["in", ""], [3]):
        with pytest.raises(ValidationError, match="setting_words must be a sequence of words"):
            TitleNormalizer(model=None, reranker=None, setting_words=bad).fit(corpus_of(rows))
