from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from doorstroom_match import (
    DuplicateIdError,
    EmptyInputError,
    Gap,
    Match,
    Matcher,
    NotFittedError,
    RankingWeights,
    Vacancy,
    ValidationError,
    WorkerProfile,
    match,
)

from .strategies import COMPETENCE_IDS, pass_fail_requirements, vacancies, workers


def reference_distance(worker, vacancy):
    """Plain-loop definition: weighted sum of shortfalls, unrated counts as level 0."""
    total = 0.0
    for cid, required in vacancy.requirements.items():
        level = worker.competences.get(cid, 0)
        if level < required:
            total += vacancy.weights[cid] * (required - level)
    return total


def test_match_contract_fields():
    w = WorkerProfile("W1", {"samenwerken": "goed", "nauwkeurigheid": "matig"})
    vs = [
        Vacancy("V1", "magazijnier", requirements={"samenwerken": 3, "nauwkeurigheid": 3}),
        Vacancy("V2", "magazijnier", requirements={"samenwerken": 3}),
    ]
    out = match(w, vs)
    assert [m.vacancy_id for m in out] == ["V2", "V1"]
    m1 = out[1]
    assert isinstance(m1, Match) and m1.rank == 2 and m1.worker_id == "W1"
    assert not m1.passes_cutoff and m1.distance == 1.0
    assert m1.gaps == [
        Gap("nauwkeurigheid", 3, 2, 1, True, 1.0, "nauwkeurigheid/orde", "bijkomend", "generiek")
    ]
    assert out[0].passes_cutoff and out[0].distance == 0 and out[0].gaps == []
    assert out[0].score > out[1].score
    assert sum(m1.components.values()) == pytest.approx(m1.score, abs=1e-5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        m1.score = 3  # frozen


def test_never_rated_required_competence_is_not_demonstrated():
    w = WorkerProfile("W1", {"samenwerken": 4})
    v = Vacancy("V1", "x", requirements={"samenwerken": 2, "stiptheid": 2})
    (m,) = match(w, [v])
    assert not m.passes_cutoff
    (g,) = m.gaps
    assert g.competence == "stiptheid" and g.assessed is False and g.actual is None
    assert g.shortfall == 2 and m.distance == 2.0
    assert any("niet aangetoond" in r for r in m.reasons)


@given(worker=workers(), vacancy=vacancies())
def test_distance_and_cutoff_match_reference(worker, vacancy):
    # the stated cut-off only (no inferred one, no occupation rule): the core's distance
    (m,) = match(worker, [vacancy], max_km=None, occupations=None)
    ref = reference_distance(worker, vacancy)
    assert m.distance == pytest.approx(ref, rel=1e-6, abs=1e-6)
    passes = all(worker.competences.get(c, 0) >= r for c, r in vacancy.requirements.items())
    assert m.passes_cutoff == passes == (m.distance == 0)


@given(worker=workers(), vacancy=vacancies(), cid=st.sampled_from(COMPETENCE_IDS))
def test_raising_a_level_never_increases_distance(worker, vacancy, cid):
    before = reference_distance(worker, vacancy)
    comps = dict(worker.competences)
    comps[cid] = min(4, comps.get(cid, 0) + 1)
    raised = WorkerProfile("W1", comps)
    (m,) = match(raised, [vacancy], occupations=None)
    assert m.distance <= before + 1e-9


@given(case=pass_fail_requirements())
def test_passing_vacancy_ranks_above_otherwise_identical_failing_one(case):
    comps, passing, failing = case
    w = WorkerProfile("W1", comps)
    # the failing one comes first in the input, so order is not what decides
    vs = [
        Vacancy("fail", "kok", requirements=failing),
        Vacancy("pass", "kok", requirements=passing),
    ]
    out = match(w, vs, text=None)
    assert [m.vacancy_id for m in out] == ["pass", "fail"]


def test_many_workers_rank_equals_one_by_one():
    rng = np.random.default_rng(3)
    vs = [
        Vacancy(
            f"V{i}",
            "job",
            kind=["vacancy", "tbs", "bvs", "enclave"][i % 4],
            requirements={
                c: int(rng.integers(1, 5)) for c in rng.choice(COMPETENCE_IDS, 5, replace=False)
            },
        )
        for i in range(60)
    ]
    ws = [
        WorkerProfile(
            f"W{i}",
            {c: int(rng.integers(1, 5)) for c in rng.choice(COMPETENCE_IDS, 12, replace=False)},
        )
        for i in range(25)
    ]
    together = Matcher(block_rows=7).fit(vs).rank(ws, top=5)
    for w, got in zip(ws, together, strict=True):
        alone = match(w, vs, top=5)
        assert [m.vacancy_id for m in got] == [m.vacancy_id for m in alone]
        # best first, ties by input order
        scores = [m.score for m in got]
        assert scores == sorted(scores, reverse=True)


def test_top_and_fewer_vacancies_than_top():
    w = WorkerProfile("W1", {"samenwerken": 2})
    vs = [Vacancy(f"V{i}", "x") for i in range(3)]
    assert len(match(w, vs, top=2)) == 2
    assert len(match(w, vs, top=10)) == 3


def test_hard_filters():
    w = WorkerProfile(
        "W1", {"samenwerken": 3, "taalkennis_nederlands": 2}, postcode="9000", max_commute_km=20
    )
    vs = [
        Vacancy("near", "x", postcode="9050"),
        Vacancy("far", "x", postcode="3500"),
        Vacancy("nowhere", "x"),
        Vacancy("tbs", "x", kind="tbs", postcode="9000"),
        Vacancy("dutch", "x", postcode="9000", requirements={"taalkennis_nederlands": 3}),
        Vacancy("old", "x", postcode="9000", valid_until="2026-01-01"),
    ]
    ids = lambda **kw: {m.vacancy_id for m in match(w, vs, **kw) if m.within_commute}  # noqa: E731
    assert ids() == {"near", "nowhere", "tbs", "dutch", "old"}
    # beyond the limit only after everything within it, flagged, and never with fill_beyond off
    out = match(w, vs)
    assert [m.vacancy_id for m in out if not m.within_commute] == ["far"] == [out[-1].vacancy_id]
    assert "far" not in {m.vacancy_id for m in match(w, vs, fill_beyond=False)}
    assert "far" in ids(max_km=None)
    assert "far" in ids(max_km=200)
    assert ids(kinds=["tbs"]) == {"tbs"}
    assert "dutch" not in ids(hard_competences=["taalkennis"])
    assert "dutch" not in ids(require_cutoff=True)
    assert "old" not in ids(on_date=dt.date(2026, 11, 23))
    near = match(w, vs, kinds=["vacancy"], max_km=None)
    km = {m.vacancy_id: m.commute_km for m in near}
    assert km["nowhere"] is None and 0 < km["near"] < 20 and km["far"] > 20


def test_kind_weights_prefer_tbs_when_otherwise_equal():
    w = WorkerProfile("W1", {"samenwerken": 3})
    vs = [Vacancy("v", "x"), Vacancy("t", "x", kind="tbs")]
    assert match(w, vs)[0].vacancy_id == "t"
    flat = RankingWeights(kind={"tbs": 0.0})
    assert match(w, vs, weights=flat)[0].vacancy_id == "v"


def test_records_are_accepted():
    out = match(
        {"id": "W1", "competences": {"samenwerken": "goed"}},
        [{"id": "V1", "title": "x", "requirements": {"samenwerken": 3}}],
    )
    assert out[0].passes_cutoff


def test_ranking_errors():
    w = WorkerProfile("W1", {"samenwerken": 3})
    with pytest.raises(EmptyInputError, match="vacancies must hold at least one item, got 0"):
        match(w, [])
    with pytest.raises(DuplicateIdError, match="duplicate vacancy id 'V1'"):
        match(w, [Vacancy("V1", "x"), Vacancy("V1", "y")])
    with pytest.raises(DuplicateIdError, match="duplicate worker id 'W1'"):
        Matcher().fit([Vacancy("V1", "x")]).rank([w, w])
    with pytest.raises(EmptyInputError, match="workers must hold at least one item"):
        Matcher().fit([Vacancy("V1", "x")]).rank([])
    with pytest.raises(NotFittedError, match="not fitted yet"):
        Matcher().rank([w])
    with pytest.raises(ValidationError, match="top must be >= 1, got 0"):
        match(w, [Vacancy("V1", "x")], top=0)
    with pytest.raises(ValidationError, match="kinds must be a non-empty subset"):
        match(w, [Vacancy("V1", "x")], kinds=["stage"])
    with pytest.raises(ValidationError, match="max_km must be >= 0.0"):
        match(w, [Vacancy("V1", "x")], max_km=-1)
    with pytest.raises(ValidationError, match="RankingWeights.text must be >= 0.0"):
        RankingWeights(text=-1)
    with pytest.raises(ValidationError, match="match\\(\\) ranks for one worker"):
        match([w], [Vacancy("V1", "x")])
    with pytest.raises(ValidationError, match=r"vacancy_vectors must have shape \(1, d\)"):
        Matcher(text=_FakeEncoder()).fit([Vacancy("V1", "x")], vacancy_vectors=np.zeros((2, 3)))


class _FakeEncoder:
    """Bag of letters, L2-normalised: enough to test the plumbing of the text signal."""

    name = "letters"

    def fit(self, texts):
        return self

    def encode(self, texts):
        out = np.zeros((len(texts), 26), np.float32)
        for i, t in enumerate(texts):
            for ch in t.lower():
                if "a" <= ch <= "z":
                    out[i, ord(ch) - 97] += 1
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def test_text_signal_orders_by_job_target():
    w = WorkerProfile("W1", {"samenwerken": 3}, job_target="kok")
    vs = [Vacancy("a", "magazijnier"), Vacancy("b", "kok")]
    out = match(w, vs, text=_FakeEncoder())
    assert out[0].vacancy_id == "b"
    assert out[0].components["text"] > out[1].components["text"]
    assert sum(out[0].components.values()) == pytest.approx(out[0].score, abs=1e-5)


def test_occupation_signal_with_a_title_normalizer():
    from doorstroom_match.text import TitleNormalizer

    corpus = [
        {"id": "1", "uri": "u:mag", "text": "magazijnier", "description": ""},
        {"id": "2", "uri": "u:mag", "text": "magazijnmedewerker", "description": ""},
        {"id": "3", "uri": "u:kok", "text": "kok", "description": ""},
    ]
    norm = TitleNormalizer(model=None).fit(corpus)
    w = WorkerProfile("W1", {"samenwerken": 3}, job_target="magazijnmedewerkster")
    vs = [Vacancy("a", "kok", occupation_uri="u:kok"), Vacancy("b", "Magazijnier (m/v)")]
    out = match(w, vs, text=None, occupations=norm)
    assert out[0].vacancy_id == "b" and out[0].components["occupation"] > 0
    assert out[1].components["occupation"] == 0
