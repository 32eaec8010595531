"""Profiles and vacancies: each field's rule and each documented error, in full.

Written field by field from the docstrings of ``WorkerProfile``, ``Vacancy`` and
``aggregate_ratings``: optional text fields are stripped (empty means unknown, a number is
taken as its text), dates are ISO dates, records round-trip, rater names have aliases, and
every error message names the field, its owner, what was allowed and what was received. The
messages are matched whole (``fullmatch``), so a changed or missing part is caught.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from doorstroom_match import LevelError, UnknownCompetenceError, ValidationError
from doorstroom_match.profiles import (
    RATER_WEIGHTS,
    Rating,
    Vacancy,
    WorkerProfile,
    aggregate_ratings,
    as_list,
)


def raises(exc, message):
    """pytest.raises matching the whole message."""
    return pytest.raises(exc, match="^" + re.escape(message) + "$")


# --- WorkerProfile fields -------------------------------------------------------------------
TEXT_FIELDS = ["job_target", "postcode", "contract", "regime", "transport", "coach"]


@pytest.mark.parametrize("name", TEXT_FIELDS)
def test_worker_text_fields_are_stripped_and_checked(name):
    assert getattr(WorkerProfile("W1", {}, **{name: "  a b  "}), name) == "a b"
    assert getattr(WorkerProfile("W1", {}, **{name: "   "}), name) is None
    assert getattr(WorkerProfile("W1", {}, **{name: None}), name) is None
    assert getattr(WorkerProfile("W1", {}, **{name: 9000}), name) == "9000"
    assert getattr(WorkerProfile("W1", {}, **{name: 2.5}), name) == "2.5"
    with raises(ValidationError, f"{name} of worker 'W1' must be a string, got list"):
        WorkerProfile("W1", {}, **{name: ["x"]})
    with raises(ValidationError, f"{name} of worker 'W1' must be a string, got bool"):
        WorkerProfile("W1", {}, **{name: True})


def test_worker_dates_numbers_limits_and_disagreements():
    d = dt.date(2027, 5, 31)
    assert WorkerProfile("W1", {}, lde_end_date="2027-05-31").lde_end_date == d
    assert WorkerProfile("W1", {}, lde_end_date=" 2027-05-31T08:00 ").lde_end_date == d
    assert WorkerProfile("W1", {}, lde_end_date=dt.datetime(2027, 5, 31, 9)).lde_end_date == d
    assert WorkerProfile("W1", {}, lde_end_date=d).lde_end_date == d
    assert WorkerProfile("W1", {}, lde_end_date="").lde_end_date is None
    msg = "lde_end_date of worker 'W1' must be an ISO date (YYYY-MM-DD), got 'morgen'"
    with raises(ValidationError, msg):
        WorkerProfile("W1", {}, lde_end_date="morgen")
    with raises(
        ValidationError, "lde_end_date of worker 'W1' must be an ISO date (YYYY-MM-DD), got 5"
    ):
        WorkerProfile("W1", {}, lde_end_date=5)
    assert WorkerProfile("W1", {}, max_commute_km=0).max_commute_km == 0.0
    with raises(ValidationError, "max_commute_km of worker 'W1' must be >= 0.0, got -1"):
        WorkerProfile("W1", {}, max_commute_km=-1)
    assert WorkerProfile("W1", {}, priority=2).priority == 2
    with raises(ValidationError, "priority of worker 'W1' must be an integer, got 1.5"):
        WorkerProfile("W1", {}, priority=1.5)
    w = WorkerProfile("W1", {}, limits=["rug", 3], disagreements=["Samenwerking"])
    assert w.limits == ("rug", "3")
    assert w.disagreements == ("samenwerken",)
    assert WorkerProfile("W1", {}, limits=None).limits == ()
    with pytest.raises(UnknownCompetenceError, match="^unknown competence 'samenwerkn'; "):
        WorkerProfile("W1", {}, disagreements=["samenwerkn"])
    w = WorkerProfile(7, {"samenwerken": 2}, extra={"a": 1})
    assert w.id == "7" and dict(w.extra) == {"a": 1}
    with pytest.raises(TypeError):
        w.extra["b"] = 2  # frozen
    assert dict(WorkerProfile("W1", {}, extra=None).extra) == {}
    assert w.level("Samenwerking") == 2 and w.level("initiatief") == 0
    assert repr(w) == "WorkerProfile(id='7', 1 competences rated)"


def test_worker_record_round_trip_with_every_field():
    rec = {
        "id": "W1",
        "competences": {"samenwerken": 3, "initiatief": 1},
        "job_target": "magazijnier",
        "postcode": "9000",
        "contract": "LDE",
        "regime": "4/5",
        "transport": "fiets",
        "max_commute_km": 12.5,
        "coach": "C1",
        "lde_end_date": "2027-05-31",
        "limits": ["rug"],
        "priority": 2,
        "disagreements": ["initiatief"],
        "taal": "nl",
    }
    w = WorkerProfile.from_record(rec)
    assert w.to_record() == rec
    assert WorkerProfile.from_record(w.to_record()) == w
    assert dict(w.extra) == {"taal": "nl"}
    # defaults are left out of the record
    assert WorkerProfile("W2", {"samenwerken": 2}).to_record() == {
        "id": "W2",
        "competences": {"samenwerken": 2},
    }


def test_worker_from_record_rules():
    assert WorkerProfile.from_record({"id": "W1", "competences": {}, "limits": "rug"}).limits == (
        "rug",
    )
    ratings = [
        {"rater": "assessor", "competence": "samenwerken", "level": 2},
        {"rater": "begeleider", "competence": "samenwerken", "level": 4},
    ]
    # ratings only: levels from the aggregation, other fields kept, ratings not in extra
    w = WorkerProfile.from_record({"id": "W1", "ratings": ratings, "coach": "C1", "x": 1})
    assert dict(w.competences) == {"samenwerken": 3}
    assert w.disagreements == ("samenwerken",) and w.coach == "C1"
    assert dict(w.extra) == {"x": 1}
    # the coach's consolidated levels win; the ratings still say where raters disagree
    w = WorkerProfile.from_record(
        {"id": "W1", "competences": {"samenwerken": 2}, "ratings": ratings}
    )
    assert dict(w.competences) == {"samenwerken": 2} and w.disagreements == ("samenwerken",)
    w = WorkerProfile.from_record(
        {"id": "W1", "competences": {"samenwerken": 2}, "ratings": ratings, "disagreements": []}
    )
    assert w.disagreements == ()
    with raises(ValidationError, "a worker record must be an object, got list"):
        WorkerProfile.from_record(["W1"])
    with raises(ValidationError, "worker record has no 'id'"):
        WorkerProfile.from_record({"competences": {}})
    with raises(ValidationError, "worker record 'W3' has neither 'competences' nor 'ratings'"):
        WorkerProfile.from_record({"id": "W3"})


def test_worker_from_ratings_passes_weights_and_fields():
    ratings = [
        {"rater": "assessor", "competence": "samenwerken", "level": 2},
        {"rater": "zelf", "competence": "samenwerken", "level": 4},
    ]
    # default weights: (2 + 0.5 * 4) / 1.5 = 2.67 -> 3; self-assessment at 0.1: 2.18 -> 2
    assert WorkerProfile.from_ratings("W1", ratings).competences["samenwerken"] == 3
    w = WorkerProfile.from_ratings("W1", ratings, rater_weights={"zelf": 0.1}, coach="C1")
    assert w.competences["samenwerken"] == 2 and w.coach == "C1"
    assert w.disagreements == ("samenwerken",)
    with raises(ValidationError, "ratings for worker 'W1' are empty"):
        WorkerProfile.from_ratings("W1", [])


# --- Vacancy fields ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["employer", "postcode", "post", "occupation_uri", "regime"])
def test_vacancy_text_fields_are_stripped_and_checked(name):
    assert getattr(Vacancy("V1", "kok", **{name: " Acme "}), name) == "Acme"
    assert getattr(Vacancy("V1", "kok", **{name: " "}), name) is None
    assert getattr(Vacancy("V1", "kok", **{name: 9000}), name) == "9000"
    with raises(ValidationError, f"{name} of vacancy 'V1' must be a string, got list"):
        Vacancy("V1", "kok", **{name: [1]})


def test_vacancy_fields():
    with raises(ValidationError, "title of vacancy 'V1' must be a non-empty string, got ' '"):
        Vacancy("V1", " ")
    with raises(ValidationError, "title of vacancy 'V1' must be a non-empty string, got None"):
        Vacancy("V1", None)
    assert Vacancy("V1", "kok", description=None).description == ""
    with raises(ValidationError, "description of vacancy 'V1' must be a string, got int"):
        Vacancy("V1", "kok", description=3)
    assert Vacancy("V1", "kok", kind=" TBS ").kind == "tbs"
    msg = "kind of vacancy 'V1' must be one of ('vacancy', 'tbs', 'bvs', 'enclave'), got 'stage'"
    with raises(ValidationError, msg):
        Vacancy("V1", "kok", kind="stage")
    with raises(ValidationError, msg.replace("'stage'", "3")):
        Vacancy("V1", "kok", kind=3)
    assert Vacancy("V1", "kok", capacity=0).capacity == 0
    with raises(ValidationError, "capacity of vacancy 'V1' must be >= 0, got -1"):
        Vacancy("V1", "kok", capacity=-1)
    assert Vacancy("V1", "kok", bvs_days=5).bvs_days == 5
    assert Vacancy("V1", "kok", bvs_days=1).bvs_days == 1
    with raises(ValidationError, "bvs_days of vacancy 'V1' must be <= 5, got 6"):
        Vacancy("V1", "kok", bvs_days=6)
    with raises(ValidationError, "bvs_days of vacancy 'V1' must be >= 1, got 0"):
        Vacancy("V1", "kok", bvs_days=0)
    assert Vacancy("V1", "kok", valid_until="2026-12-31").valid_until == dt.date(2026, 12, 31)
    with raises(
        ValidationError, "valid_until of vacancy 'V1' must be an ISO date (YYYY-MM-DD), got 'x'"
    ):
        Vacancy("V1", "kok", valid_until="x")
    # weights: the dictionary's default (core 1.5, others 1) unless given
    v = Vacancy("V1", "kok", requirements={"samenwerken": 3, "nauwkeurigheid": 2, "stiptheid": 2},
                weights={"stiptheid": 2.0})  # fmt: skip
    assert dict(v.weights) == {"samenwerken": 1.5, "nauwkeurigheid": 1.0, "stiptheid": 2.0}
    assert Vacancy("V2", "kok", kind="tbs").is_internship
    assert not Vacancy("V2", "kok").is_internship
    assert Vacancy("V2", "kok").text == "kok"
    assert Vacancy("V2", "kok", description="soep").text == "kok. soep"
    assert dict(Vacancy("V2", "kok", extra=None).extra) == {}


def test_vacancy_record_round_trip_with_every_field():
    rec = {
        "id": "V1",
        "title": "magazijnier",
        "description": "orderpicking",
        "kind": "bvs",
        "requirements": {"samenwerken": 3, "nauwkeurigheid": 2},
        "capacity": 2,
        "weights": {"samenwerken": 1.5, "nauwkeurigheid": 3.0},
        "employer": "Acme",
        "postcode": "9000",
        "post": "inpak",
        "occupation_uri": "http://data.europa.eu/esco/occupation/x",
        "regime": "voltijds",
        "bvs_days": 3,
        "valid_until": "2026-12-31",
        "bron": "vdab",
    }
    v = Vacancy.from_record(rec)
    assert v.to_record() == rec
    assert Vacancy.from_record(v.to_record()) == v
    # default weights are not written; a None field is as good as absent
    v = Vacancy.from_record({"id": "V2", "title": "kok", "employer": None, "capacity": None})
    assert v.to_record() == {
        "id": "V2",
        "title": "kok",
        "description": "",
        "kind": "vacancy",
        "requirements": {},
        "capacity": 1,
    }
    with raises(ValidationError, "a vacancy record must be an object, got list"):
        Vacancy.from_record(["V1"])
    with raises(ValidationError, "vacancy record has no 'id'"):
        Vacancy.from_record({"title": "kok"})
    with raises(ValidationError, "vacancy record 'V1' has no 'title'"):
        Vacancy.from_record({"id": "V1"})


def test_as_list():
    w = WorkerProfile("W1", {})
    v = Vacancy("V1", "kok")
    assert as_list(w) == [w] and as_list(v) == [v]
    assert as_list((w, w)) == [w, w]


# --- raters ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "rater"),
    [
        ("Assessor", "assessor"),
        ("assessment centrum", "assessor"),
        ("Assessment-Centrum", "assessor"),
        ("werkvloer-begeleider", "begeleider"),
        ("Werkvloer Begeleider", "begeleider"),
        ("supervisor", "begeleider"),
        (" Zelf ", "zelf"),
        ("zelf-beoordeling", "zelf"),
        ("self", "zelf"),
    ],
)
def test_rater_aliases(name, rater):
    agg = aggregate_ratings([{"rater": name, "competence": "samenwerken", "level": 2}])
    assert set(agg.by_rater["samenwerken"]) == {rater}
    # a weight given under an alias applies to the rater
    ratings = [
        {"rater": "assessor", "competence": "samenwerken", "level": 1},
        {"rater": rater, "competence": "samenwerken", "level": 4},
    ]
    if rater != "assessor":
        agg = aggregate_ratings(ratings, rater_weights={name: 3.0})
        assert agg.means["samenwerken"] == pytest.approx((1 + 3 * 4) / 4)


def test_rater_weights_default_and_errors():
    assert RATER_WEIGHTS == {"assessor": 1.0, "begeleider": 1.0, "zelf": 0.5}
    one = [{"rater": "zelf", "competence": "samenwerken", "level": 2}]
    with raises(ValidationError, "rater weight for 'self' must be > 0.0, got 0"):
        aggregate_ratings(one, rater_weights={"self": 0}, worker_id="W9")
    allowed = "['assessor', 'begeleider', 'zelf']"
    msg = f"rater of a rating for worker 'W9' must be one of {allowed}, got 'baas'"
    with raises(ValidationError, msg):
        aggregate_ratings(one, rater_weights={"baas": 1}, worker_id="W9")
    with raises(ValidationError, msg):
        aggregate_ratings(
            [{"rater": "baas", "competence": "samenwerken", "level": 2}], worker_id="W9"
        )
    with raises(ValidationError, msg.replace("'W9'", "'?'")):
        aggregate_ratings([{"rater": "baas", "competence": "samenwerken", "level": 2}])


def test_rating_errors_name_the_rating_and_the_worker():
    ok = {"rater": "zelf", "competence": "samenwerken", "level": 2}
    with raises(ValidationError, "rating 1 for worker 'W9' must be a Rating or a mapping, got int"):
        aggregate_ratings([ok, 3], worker_id="W9")
    for key in ("rater", "competence", "level"):
        bad = {k: v for k, v in ok.items() if k != key}
        with raises(ValidationError, f"rating 1 for worker 'W9' has no {key!r}"):
            aggregate_ratings([ok, bad], worker_id="W9")
    with pytest.raises(
        UnknownCompetenceError, match="^unknown competence of rating 0 'samenwerkn'; "
    ):
        aggregate_ratings([dict(ok, competence="samenwerkn")], worker_id="W9")
    with pytest.raises(LevelError, match="^level of rating 0 for 'samenwerken' of worker 'W9' =="):
        aggregate_ratings([dict(ok, level=7)], worker_id="W9")
    with raises(ValidationError, "ratings for worker 'W9' are empty"):
        aggregate_ratings([], worker_id="W9")
    # Rating objects and labels work as mappings do
    agg = aggregate_ratings([Rating("assessor", "Samenwerking", "goed"), ok])
    assert agg.by_rater["samenwerken"] == {"assessor": 3.0, "zelf": 2.0}


def test_from_ratings_uses_the_given_dictionary(tmp_path):
    from doorstroom_match import CompetenceDictionary

    path = tmp_path / "d.csv"
    path.write_text(
        "id,label,group,weight,type,aliases\nheftruck,heftruck rijden,extra,2,technisch,vorkheftruck\n",
        encoding="utf-8",
    )
    d = CompetenceDictionary.from_csv(path)
    ratings = [
        {"rater": "assessor", "competence": "vorkheftruck", "level": 3},
        {"rater": "begeleider", "competence": "heftruck", "level": 1},
    ]
    w = WorkerProfile.from_ratings("W1", ratings, dictionary=d)
    assert dict(w.competences) == {"heftruck": 2}
    assert w.disagreements == ("heftruck",)
    assert w.dictionary is d
    assert w.level("vorkheftruck") == 2


def test_values_are_normalised_to_their_documented_types():
    import numpy as np

    w = WorkerProfile(7, {}, priority=np.int64(2), max_commute_km=5)
    assert type(w.priority) is int and type(w.max_commute_km) is float and w.id == "7"
    v = Vacancy(8, "kok", capacity=np.int64(2), bvs_days=np.int64(3),
                requirements={"Samenwerking": "goed"})  # fmt: skip
    assert v.id == "8" and type(v.capacity) is int and type(v.bvs_days) is int
    assert dict(v.requirements) == {"samenwerken": 3}
    with raises(ValidationError, "vacancy id must be a non-empty string, got None"):
        Vacancy(None, "kok")
    with raises(ValidationError, "vacancy id must be a non-empty string, got None"):
        Vacancy.from_record({"id": None})
    with raises(ValidationError, "worker id must be a non-empty string, got None"):
        WorkerProfile.from_record({"id": None})
    msg = (
        "requirements level for 'samenwerken' of vacancy 'V1' == 7, "
        "must be one of 1..4 (onvoldoende..zeer goed)"
    )
    with raises(LevelError, msg):
        Vacancy("V1", "kok", requirements={"samenwerken": 7})


def test_records_keep_fields_named_extra_or_dictionary_in_extra():
    w = WorkerProfile.from_record({"id": "W1", "competences": {}, "extra": 5, "dictionary": "x"})
    assert dict(w.extra) == {"extra": 5, "dictionary": "x"}
    v = Vacancy.from_record({"id": "V1", "title": "kok", "extra": 5, "dictionary": "x"})
    assert dict(v.extra) == {"extra": 5, "dictionary": "x"}
    # ratings with an empty competences field: the ratings decide
    ratings = [{"rater": "assessor", "competence": "samenwerken", "level": 3}]
    w = WorkerProfile.from_record({"id": "W1", "competences": {}, "ratings": ratings})
    assert dict(w.competences) == {"samenwerken": 3}
    # a bad rating next to consolidated levels names the worker
    bad = [{"rater": "baas", "competence": "samenwerken", "level": 3}]
    with pytest.raises(ValidationError, match="^rater of a rating for worker 'W5' must be"):
        WorkerProfile.from_record({"id": "W5", "competences": {"samenwerken": 2}, "ratings": bad})


def test_from_record_uses_the_given_dictionary(tmp_path):
    from doorstroom_match import CompetenceDictionary

    path = tmp_path / "d.csv"
    path.write_text(
        "id,label,group,weight,type,aliases\nheftruck,heftruck rijden,extra,2,technisch,vorkheftruck\n",
        encoding="utf-8",
    )
    d = CompetenceDictionary.from_csv(path)
    ratings = [
        {"rater": "assessor", "competence": "vorkheftruck", "level": 4},
        {"rater": "begeleider", "competence": "heftruck", "level": 2},
    ]
    w = WorkerProfile.from_record({"id": "W1", "ratings": ratings}, dictionary=d)
    assert dict(w.competences) == {"heftruck": 3} and w.dictionary is d
    w = WorkerProfile.from_record(
        {"id": "W1", "competences": {"vorkheftruck": 2}, "ratings": ratings}, dictionary=d
    )
    assert dict(w.competences) == {"heftruck": 2} and w.disagreements == ("heftruck",)
    v = Vacancy.from_record(
        {"id": "V1", "title": "chauffeur", "requirements": {"vorkheftruck": 3}}, dictionary=d
    )
    assert dict(v.requirements) == {"heftruck": 3} and dict(v.weights) == {"heftruck": 2.0}


def test_vacancy_record_writes_weights_only_when_one_differs_from_the_default():
    # the dictionary's default weights (core 1.5, others 1) are not written, also when given
    req = {"samenwerken": 3, "nauwkeurigheid": 2}
    for weights in (None, {"samenwerken": 1.5}, {"samenwerken": 1.5, "nauwkeurigheid": 1.0}):
        rec = Vacancy("V1", "kok", requirements=req, weights=weights).to_record()
        assert "weights" not in rec, weights
    # one weight that differs, first or last: every weight is written, and read back
    for weights in ({"samenwerken": 2.0}, {"nauwkeurigheid": 0.5}):
        v = Vacancy("V1", "kok", requirements=req, weights=weights)
        rec = v.to_record()
        assert rec["weights"] == {"samenwerken": 1.5, "nauwkeurigheid": 1.0, **weights}
        assert Vacancy.from_record(rec) == v
