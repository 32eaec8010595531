from __future__ import annotations

import datetime as dt
import math

import pytest

from doorstroom_match import (
    DuplicateIdError,
    LevelError,
    Rating,
    UnknownCompetenceError,
    Vacancy,
    ValidationError,
    WorkerProfile,
    aggregate_ratings,
)


def test_levels_as_numbers_and_labels():
    w = WorkerProfile(
        "W1",
        {
            "samenwerken": 3,
            "initiatief": "Matig",
            "stiptheid": "ZEER GOED",
            "houding": "onvoldoende",
            "werktempo": 2.0,
            "motivatie": "4",
        },
    )
    assert dict(w.competences) == {
        "samenwerken": 3,
        "initiatief": 2,
        "stiptheid": 4,
        "houding": 1,
        "werktempo": 2,
        "motivatie": 4,
    }
    assert w.level("zelfstandigheid") == 0


@pytest.mark.parametrize("bad", [0, 5, 2.5, -1, math.nan, True, None, "uitstekend", [3]])
def test_levels_out_of_range_are_rejected(bad):
    with pytest.raises(LevelError, match=r"level for 'samenwerken' of worker 'W1'"):
        WorkerProfile("W1", {"samenwerken": bad})


def test_level_message_names_allowed_values_and_received():
    with pytest.raises(
        LevelError, match=r"== 5, must be one of 1\.\.4 \(onvoldoende\.\.zeer goed\)"
    ):
        WorkerProfile("W1", {"samenwerken": 5})
    with pytest.raises(LevelError, match=r"'uitstekend' is not a known level label"):
        Vacancy("V1", "x", requirements={"samenwerken": "uitstekend"})


def test_unknown_competence_in_profile_suggests():
    with pytest.raises(UnknownCompetenceError, match="did you mean 'samenwerken'"):
        WorkerProfile("W1", {"samenwerkn": 3})


def test_two_names_for_one_competence_is_an_error():
    with pytest.raises(DuplicateIdError, match="both name competence 'zelfstandigheid'"):
        WorkerProfile("W1", {"zelfstandigheid": 3, "zelfredzaamheid": 2})


def test_personal_data_stays_out_of_repr():
    w = WorkerProfile("W7", {"samenwerken": 3}, limits=("geen zware lasten",))
    assert "zware" not in repr(w) and "samenwerken" not in repr(w)
    assert "W7" in repr(w)


def test_worker_field_checks():
    with pytest.raises(ValidationError, match="worker id must be a non-empty string"):
        WorkerProfile("", {})
    with pytest.raises(ValidationError, match="competences of worker 'W1' must be a mapping"):
        WorkerProfile("W1", [("samenwerken", 3)])
    with pytest.raises(ValidationError, match="lde_end_date of worker 'W1' must be an ISO date"):
        WorkerProfile("W1", {}, lde_end_date="volgend jaar")
    with pytest.raises(ValidationError, match="max_commute_km of worker 'W1' must be >= 0"):
        WorkerProfile("W1", {}, max_commute_km=-3)
    w = WorkerProfile(12, {}, lde_end_date="2027-03-01")
    assert w.id == "12" and w.lde_end_date == dt.date(2027, 3, 1)


def test_vacancy_defaults_and_checks():
    v = Vacancy(
        "V1",
        "magazijnier",
        requirements={"samenwerken": "goed", "stiptheid": 2},
        weights={"stiptheid": 3},
    )
    assert dict(v.weights) == {"samenwerken": 1.5, "stiptheid": 3.0}
    assert v.kind == "vacancy" and v.capacity == 1 and not v.is_internship
    assert Vacancy("V2", "x", kind="TBS").kind == "tbs"
    with pytest.raises(
        ValidationError,
        match=r"kind of vacancy 'V1' must be one of \('vacancy', 'tbs', 'bvs', 'enclave'\), got 'stage'",
    ):
        Vacancy("V1", "x", kind="stage")
    with pytest.raises(ValidationError, match="capacity of vacancy 'V1' must be >= 0, got -1"):
        Vacancy("V1", "x", capacity=-1)
    with pytest.raises(
        ValidationError, match="capacity of vacancy 'V1' must be an integer, got 1.5"
    ):
        Vacancy("V1", "x", capacity=1.5)
    with pytest.raises(ValidationError, match="title of vacancy 'V1' must be a non-empty string"):
        Vacancy("V1", "  ")
    with pytest.raises(
        ValidationError, match="weight for 'samenwerken' of vacancy 'V1' must be > 0.0"
    ):
        Vacancy("V1", "x", requirements={"samenwerken": 3}, weights={"samenwerken": 0})
    with pytest.raises(
        ValidationError, match="competence 'stiptheid' has a weight but is not in the requirements"
    ):
        Vacancy("V1", "x", requirements={"samenwerken": 3}, weights={"stiptheid": 1})
    with pytest.raises(ValidationError, match="bvs_days of vacancy 'V1' must be <= 5"):
        Vacancy("V1", "x", kind="bvs", bvs_days=6)


def test_records_round_trip():
    rec = {
        "id": "W1",
        "competences": {"samenwerken": "goed"},
        "job_target": "magazijnier",
        "postcode": 9000,
        "coach": "C1",
        "lde_end_date": "2027-01-31",
        "foo": "bar",
    }
    w = WorkerProfile.from_record(rec)
    assert w.postcode == "9000" and w.extra["foo"] == "bar"
    assert WorkerProfile.from_record(w.to_record()) == w
    vrec = {
        "id": "V1",
        "title": "poetshulp",
        "kind": "bvs",
        "requirements": {"stiptheid": 3},
        "bvs_days": 3,
        "post": "linnenkamer",
        "valid_until": "2026-12-31",
        "x": 1,
    }
    v = Vacancy.from_record(vrec)
    assert Vacancy.from_record(v.to_record()) == v
    with pytest.raises(ValidationError, match="worker record has no 'id'"):
        WorkerProfile.from_record({"competences": {}})
    with pytest.raises(ValidationError, match="has neither 'competences' nor 'ratings'"):
        WorkerProfile.from_record({"id": "W1"})
    with pytest.raises(ValidationError, match="vacancy record 'V1' has no 'title'"):
        Vacancy.from_record({"id": "V1"})
    with pytest.raises(ValidationError, match="a vacancy record must be an object"):
        Vacancy.from_record(["V1"])


def test_ratings_self_assessment_counts_least_and_disagreement_is_flagged():
    ratings = [
        Rating("assessor", "initiatief", 2),
        Rating("begeleider", "initiatief", 2),
        Rating("zelf", "initiatief", 4),
        Rating("assessor", "samenwerken", "goed", indicator="helpt collega's"),
        Rating("assessor", "samenwerken", "zeer goed", indicator="deelt informatie"),
        Rating("begeleider", "samenwerken", 3),
    ]
    agg = aggregate_ratings(ratings)
    # (2 + 2 + 0.5*4) / 2.5 = 2.4 -> matig
    assert agg.levels["initiatief"] == 2
    assert agg.means["initiatief"] == pytest.approx(2.4)
    assert agg.disagreements == ("initiatief",)
    # indicators averaged first: assessor 3.5, begeleider 3 -> 3.25 -> goed
    assert agg.levels["samenwerken"] == 3
    w = WorkerProfile.from_ratings("W1", ratings, job_target="magazijnier")
    assert w.disagreements == ("initiatief",) and w.level("initiatief") == 2


def test_ratings_half_way_rounds_down():
    agg = aggregate_ratings(
        [
            {"rater": "assessor", "competence": "stiptheid", "level": 2},
            {"rater": "begeleider", "competence": "stiptheid", "level": 3},
        ]
    )
    assert agg.levels["stiptheid"] == 2 and agg.disagreements == ()


def test_rating_errors():
    with pytest.raises(ValidationError, match="rater of a rating for worker 'W1' must be one of"):
        aggregate_ratings(
            [{"rater": "buurman", "competence": "stiptheid", "level": 2}], worker_id="W1"
        )
    with pytest.raises(ValidationError, match="has no 'level'"):
        aggregate_ratings([{"rater": "zelf", "competence": "stiptheid"}])
    with pytest.raises(ValidationError, match="ratings for worker 'W1' are empty"):
        aggregate_ratings([], worker_id="W1")
    with pytest.raises(LevelError, match="level of rating 0"):
        aggregate_ratings([{"rater": "zelf", "competence": "stiptheid", "level": 7}])
    with pytest.raises(ValidationError, match="rater weight for 'zelf' must be > 0.0"):
        aggregate_ratings(
            [{"rater": "zelf", "competence": "stiptheid", "level": 2}], rater_weights={"zelf": 0}
        )


def test_worker_record_with_ratings():
    rec = {
        "id": "W2",
        "ratings": [{"rater": "assessor", "competence": "stiptheid", "level": 3}],
        "coach": "C1",
    }
    w = WorkerProfile.from_record(rec)
    assert w.level("stiptheid") == 3 and w.coach == "C1"


def test_record_with_levels_and_ratings_keeps_levels_and_flags_disagreement():
    rec = {
        "id": "W3",
        "competences": {"initiatief": 3},
        "ratings": [
            {"rater": "assessor", "competence": "initiatief", "level": 2},
            {"rater": "zelf", "competence": "initiatief", "level": 4},
        ],
    }
    w = WorkerProfile.from_record(rec)
    assert w.level("initiatief") == 3 and w.disagreements == ("initiatief",)


def test_known_requirements_copy_equals_dataclasses_replace():
    """The ranking's fast copy for inferred cut-offs (thousands per week) gives the vacancy
    dataclasses.replace gives: every field, the default weights, frozen mappings."""
    import dataclasses
    from types import MappingProxyType

    from doorstroom_match import Vacancy
    from doorstroom_match.synthetic import generate_sample

    _, vacancies, places = generate_sample(5, 60, 10, 2)
    req = {"samenwerken": 3, "stiptheid": 2, "nauwkeurigheid": 4}
    for rec in vacancies + places:
        v = Vacancy.from_record(rec)
        slow = dataclasses.replace(v, requirements=req, weights=None)
        fast = v._with_known_requirements(req)
        assert fast == slow
        assert {f.name: getattr(fast, f.name) for f in dataclasses.fields(Vacancy)} == {
            f.name: getattr(slow, f.name) for f in dataclasses.fields(Vacancy)
        }
        assert isinstance(fast.requirements, MappingProxyType)
        assert isinstance(fast.weights, MappingProxyType)
        assert fast.weights == slow.weights and fast.dictionary is v.dictionary
        assert v.requirements == Vacancy.from_record(rec).requirements  # the original is kept
