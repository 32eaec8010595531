"""The quick paths of reading (issue 17) against the reference paths they stand in for.

``WorkerProfile.from_record`` / ``Vacancy.from_record`` try a quick path for the plainly valid
record and fall back to the full checks; ``feeds._loads`` tries msgspec and falls back to
``json``. Each must accept and refuse exactly what its reference does, with the same result
and the same message, and a whole feed must give the same items and the same quarantine.
"""

from __future__ import annotations

import dataclasses
import json
import math
from contextlib import ExitStack
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doorstroom_match import Vacancy, WorkerProfile
from doorstroom_match import feeds as feeds_mod
from doorstroom_match._validation import check_level, quick_level
from doorstroom_match.competences import default_dictionary
from doorstroom_match.feeds import read_vacancies, read_workers
from doorstroom_match.profiles import (
    _OFF,
    _quick_aggregate,
    _quick_date,
    _quick_disagreements,
    _quick_vacancy,
    _quick_worker,
    aggregate_ratings,
)

from .strategies import (
    _odd_values,
    _plain_dates,
    _ratings_lists,
    edge_vacancy_records,
    edge_worker_records,
    hostile_jsonl,
    hostile_records,
    json_texts,
)


def _shape(value):
    """A comparable picture of a value: repr shows types (1 vs 1.0 vs True, list vs tuple),
    key order and NaN alike."""
    return type(value).__name__, repr(value)


def _outcome(fn, *args, **kwargs):
    try:
        item = fn(*args, **kwargs)
    except Exception as exc:  # the reference raises builtins too; _build turns them into rows
        return ("raised", type(exc), str(exc))
    if dataclasses.is_dataclass(item):
        fields = [f.name for f in dataclasses.fields(item) if f.name != "dictionary"]
        return ("item", type(item), [(f, _shape(getattr(item, f))) for f in fields])
    return ("value", _shape(item))


@given(st.one_of(edge_worker_records(), hostile_records()))
def test_worker_quick_path_matches_reference(rec):
    assert _outcome(WorkerProfile.from_record, rec) == _outcome(
        WorkerProfile._from_record_reference, rec
    )


@given(st.one_of(edge_vacancy_records(), hostile_records()))
def test_vacancy_quick_path_matches_reference(rec):
    assert _outcome(Vacancy.from_record, rec) == _outcome(Vacancy._from_record_reference, rec)


def test_quick_path_takes_the_plain_records_and_leaves_the_rest():
    # the test above would pass if the quick path never took anything: pin that it does
    plain_w = {"id": "W1", "competences": {"samenwerken": "goed", "motivatie": 2}, "coach": "C"}
    plain_v = {"id": "V1", "title": "kok", "requirements": {"initiatief": 3}, "capacity": 2}
    w, v = _quick_worker(plain_w, None), _quick_vacancy(plain_v, None)
    assert w == WorkerProfile._from_record_reference(plain_w)
    assert v == Vacancy._from_record_reference(plain_v)
    rated = {"id": "W2", "ratings": [{"rater": "zelf", "competence": "motivatie", "level": 4}]}
    assert _quick_worker(rated, None) == WorkerProfile._from_record_reference(rated)
    for odd in ({**plain_w, "competences": {"samenwerken": 5}}, {**plain_w, "priority": "1"}):
        assert _quick_worker(odd, None) is None
    for odd in ({**plain_v, "capacity": 1.0}, {**plain_v, "requirements": {"initiatief": "3 "}}):
        assert _quick_vacancy(odd, None) is None


@given(_ratings_lists(max_size=8))
def test_quick_aggregate_matches_aggregate_ratings(ratings):
    quick = _quick_aggregate(ratings, default_dictionary())
    try:
        ref = aggregate_ratings(ratings)
    except Exception:
        assert quick is None
        return
    if quick is not None:
        assert _shape(quick) == _shape(ref)
        flagged = _quick_disagreements(ratings, default_dictionary())
        assert flagged == ref.disagreements


def test_quick_aggregate_takes_plain_ratings():
    ratings = [
        {"rater": "assessor", "competence": "motivatie", "level": 1},
        {"rater": "zelf", "competence": "Motivatie", "level": "zeer goed"},
        {"rater": "begeleider", "competence": "initiatief", "level": 3},
    ]
    assert _shape(_quick_aggregate(ratings, default_dictionary())) == _shape(
        aggregate_ratings(ratings)
    )
    for odd in (0, 5, 2.0, True, "3 "):
        bad = [*ratings, {"rater": "zelf", "competence": "initiatief", "level": odd}]
        assert _quick_aggregate(bad, default_dictionary()) is None


@given(st.one_of(_plain_dates, _odd_values, st.text(alphabet="0123456789-T: ", max_size=12)))
def test_quick_date_matches_check_date(value):
    from doorstroom_match._validation import check_date

    try:
        ref = check_date(value, "date")
    except Exception:
        ref = _OFF
    assert _quick_date(value) is _OFF if ref is _OFF else _quick_date(value) == ref


@pytest.mark.parametrize(
    "km", [15, 0, 12.5, -0.0, -3, -0.5, 2**60, 10**400, float("nan"), float("inf"), "5", True]
)
def test_quick_worker_commute_matches_reference(km):
    rec = {"id": "W1", "competences": {}, "max_commute_km": km}
    assert _outcome(WorkerProfile.from_record, rec) == _outcome(
        WorkerProfile._from_record_reference, rec
    )


class _Strict(WorkerProfile):
    def __post_init__(self):
        super().__post_init__()
        if self.coach is None:
            raise ValueError("a coach is required here")


def test_subclass_keeps_its_own_post_init():
    with pytest.raises(ValueError, match="coach is required"):
        _Strict.from_record({"id": "W1", "competences": {}})


@given(st.one_of(st.integers(-10, 10), st.text(max_size=12), st.sampled_from([True, 3.0, None])))
def test_quick_level_agrees_with_check_level(value):
    level = quick_level(value)
    if level is not None:
        assert type(level) is int and level == check_level(value, "level")


@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "rater": st.sampled_from(["assessor", "begeleider", "zelf"]),
                "competence": st.sampled_from(["motivatie", "initiatief", "samenwerken"]),
                "level": st.integers(1, 4),
            },
            optional={"indicator": st.sampled_from(["a", "b"])},
        ),
        min_size=1,
        max_size=12,
    )
)
def test_aggregate_ratings_against_numpy_mean(ratings):
    # the reference rule, with numpy as it was computed before
    import numpy as np

    w = {"assessor": 1.0, "begeleider": 1.0, "zelf": 0.5}
    got = aggregate_ratings(ratings)
    per: dict[str, dict[str, list[int]]] = {}
    for r in ratings:
        per.setdefault(r["competence"], {}).setdefault(r["rater"], []).append(r["level"])
    for cid, by in per.items():
        avg = {rater: float(np.mean(v)) for rater, v in by.items()}
        mean = sum(w[r] * v for r, v in avg.items()) / sum(w[r] for r in avg)
        assert got.by_rater[cid] == avg
        assert got.means[cid] == mean
        assert got.levels[cid] == int(min(4, max(1, np.ceil(mean - 0.5 - 1e-9))))
        assert type(got.levels[cid]) is int


@given(json_texts())
def test_loads_matches_json(text):
    assert _outcome(feeds_mod._loads, text) == _outcome(feeds_mod._loads_reference, text)


@pytest.mark.parametrize(
    "text", ["NaN", "[1e400]", "9" * 5000, '"\\ud800"', "[" * 300 + "]" * 300, "[" * 5000, "{"]
)
def test_loads_falls_back_to_json_word_for_word(text):
    assert _outcome(feeds_mod._loads, text) == _outcome(feeds_mod._loads_reference, text)
    if text == "NaN":
        assert math.isnan(feeds_mod._loads(text))


def _picture(reader, path):
    try:
        res = reader(path)
    except Exception as exc:  # a file-level FeedError (one JSON array): the same either way
        return ("raised", type(exc), str(exc))
    return (
        [_shape(i.to_record()) for i in res.items],
        res.lines,
        [r.to_record() for r in res.rejected],
        res.n_lines,
        res.n_blank,
    )


def _read_both(tmp_path, data, reader):
    path = tmp_path / "in.jsonl"
    path.write_bytes(data)
    quick = _picture(reader, path)
    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(feeds_mod, "_loads", feeds_mod._loads_reference))
        for cls in (WorkerProfile, Vacancy):
            stack.enter_context(mock.patch.object(cls, "from_record", cls._from_record_reference))
        ref = _picture(reader, path)
    return quick, ref


@given(hostile_jsonl(max_lines=8), st.sampled_from([read_workers, read_vacancies]))
def test_feed_quarantine_is_the_same_either_way(tmp_path_factory, file, reader):
    data, _ = file
    quick, ref = _read_both(tmp_path_factory.mktemp("feed"), data, reader)
    assert quick == ref


@given(st.lists(st.one_of(edge_worker_records(), edge_vacancy_records()), max_size=8))
def test_feed_of_edge_records_is_the_same_either_way(tmp_path_factory, recs):
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs).encode(
        "utf-8", "surrogatepass"
    )
    for reader in (read_workers, read_vacancies):
        quick, ref = _read_both(tmp_path_factory.mktemp("feed"), data, reader)
        assert quick == ref
