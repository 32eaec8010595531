"""The SQLite store: the week in one transaction, new-this-week, outcomes, forget."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sqlite3

import pytest

from doorstroom_match import FeedError, UnknownIdError, ValidationError
from doorstroom_match.store import (
    OUTCOME_EVENTS,
    WORKER_EVENTS,
    Store,
    StoredCandidates,
    outcome_csv,
)


def _week(st: Store, day: str, vac_ids: list[str], matches=(), workers=(("W1", "h"),), **kw):
    run = st.begin_run(day, "enc")
    st.finish_week(
        run,
        day,
        vacancies=[(v, f"h-{v}", None, "vacancy", None, False) for v in vac_ids],
        workers=list(workers),
        matches=list(matches),
        **kw,
    )
    return run


def test_week_state_first_seen_and_gone(tmp_path):
    with Store(tmp_path / "s.sqlite") as st:
        _week(st, "2026-11-02", ["V1", "V2"])
        _week(st, "2026-11-09", ["V2", "V3"])
        states = st.vacancy_states()
        assert {k: (s.first_seen, s.last_seen, s.status) for k, s in states.items()} == {
            "V1": ("2026-11-02", "2026-11-02", "gone"),
            "V2": ("2026-11-02", "2026-11-09", "active"),
            "V3": ("2026-11-09", "2026-11-09", "active"),
        }
        # doing week 1 again keeps the earliest first_seen
        _week(st, "2026-11-02", ["V2"])
        assert st.vacancy_states()["V2"].first_seen == "2026-11-02"
        assert [r["status"] for r in st.runs()] == ["done"] * 3
        assert st.integrity_ok()


def test_finish_week_is_all_or_nothing(tmp_path):
    with Store(tmp_path / "s.sqlite") as st:
        run = st.begin_run("2026-11-02")
        with pytest.raises(sqlite3.ProgrammingError):
            st.finish_week(
                run,
                "2026-11-02",
                vacancies=[("V1", "h", None, "vacancy", None, False)],
                workers=[("W1", "h")],
                matches=[("W1", "V1", 1, object(), False)],  # cannot be stored: rolls back
            )
        assert st.count("vacancies") == st.count("workers") == st.count("matches") == 0
        assert st.runs()[0]["status"] == "running"
        st.begin_run("2026-11-02")
        assert [r["status"] for r in st.runs()] == ["interrupted", "running"]


def test_outcomes_record_and_validate(tmp_path):
    with Store(tmp_path / "s.sqlite") as st:
        _week(st, "2026-11-02", ["V1"])
        st.record_outcome("W1", "V1", "applied", "2026-11-10")
        st.record_outcome("W1", "V1", "applied", dt.date(2026, 11, 12))  # replaces the date
        assert st.outcomes() == [
            {"worker_id": "W1", "vacancy_id": "V1", "event": "applied", "date": "2026-11-12"}
        ]
        with pytest.raises(ValidationError, match="event must be one of"):
            st.record_outcome("W1", "V1", "hired_forever", "2026-11-10")
        with pytest.raises(ValidationError, match="date must be an ISO date"):
            st.record_outcome("W1", "V1", "hired", "10/11/2026")
        with pytest.raises(ValidationError, match="worker id must be a non-empty string"):
            st.record_outcome("", "V1", "hired")
        # ids no batch run has seen are refused, naming the id and what was expected
        with pytest.raises(UnknownIdError, match="worker id 'W2' is not in the store"):
            st.record_outcome("W2", "V1", "applied", "2026-11-10")
        with pytest.raises(UnknownIdError, match="vacancy id 'V9' is not in the store"):
            st.record_outcome("W1", "V9", "applied", "2026-11-10")
        with pytest.raises(ValidationError, match="vacancy id is required for event 'hired'"):
            st.record_outcome("W1", None, "hired", "2026-11-10")
        st.record_outcome("W1", None, "job_target_clarified", "2026-11-11")
        assert st.outcomes("W1")[0] == {
            "worker_id": "W1",
            "vacancy_id": None,
            "event": "job_target_clarified",
            "date": "2026-11-11",
        }


def test_outcome_report_each_rate_over_its_own_denominator(tmp_path):
    with Store(tmp_path / "s.sqlite") as st:
        matches = [(f"W{i}", "V1", 1, 0.5, False) for i in range(1, 11)]
        seen = [(f"W{i}", "h") for i in range(1, 11)] + [("W99", "h")]
        _week(st, "2026-01-05", ["V1"], matches=matches, workers=seen)
        ev = [
            ("W1", "applied", "2026-01-10"),
            ("W2", "applied", "2026-01-10"),
            ("W3", "applied", "2026-01-10"),
            ("W4", "applied", "2026-01-10"),
            ("W1", "internship_started", "2026-01-20"),
            ("W2", "internship_started", "2026-01-20"),
            ("W1", "hired", "2026-02-01"),
            ("W3", "hired", "2026-06-01"),
            ("W1", "employed_3m", "2026-05-02"),
            ("W99", "applied", "2026-01-10"),  # seen, never matched by a batch run
            ("W1", "internship_completed", "2026-01-30"),
            ("W1", "aftercare_3m", "2026-05-03"),
            ("W5", "internal_move", "2026-03-01"),
            ("W6", "job_target_clarified", "2026-02-01"),
            ("W2", "returned_after_try", "2026-03-01"),
            ("W7", "hired", "2026-08-01"),  # after the report date: not counted
        ]
        for w, e, d in ev:
            st.record_outcome(w, None if e in WORKER_EVENTS else "V1", e, d)
        # the coach's feedback counts: W8 applied (gesolliciteerd), W9 hired (aangenomen)
        st.record_feedback("W8", "V1", "gesolliciteerd", date="2026-01-12")
        st.record_feedback("W9", "V1", "aangenomen", date="2026-01-12")
        st.record_feedback("W10", "V1", "niet_relevant", date="2026-01-12")
        rates = st.outcome_report("2026-07-01")
        rep = {r.name: (r.numerator, r.denominator) for r in rates}
        assert rep == {
            "applied / matched": (6, 10),  # W1-W4, W8, W9
            "discussed / matched": (3, 10),
            "internship_started / applied": (2, 7),  # applied: also W99 and W9
            "internship_completed / internship_started": (1, 2),
            "hired / matched": (3, 10),  # W1, W3, W9
            "hired / internship_started": (1, 2),
            "employed_3m / hired_3m_ago": (1, 2),  # W1 and W9; W3 hired 30 days ago
            "employed_6m / hired_6m_ago": (0, 0),
            "aftercare_3m / hired_3m_ago": (1, 2),
            "aftercare_6m / hired_6m_ago": (0, 0),
            "internal_move / followed": (1, 11),
            "job_target_clarified / followed": (1, 11),
            "returned_after_try / tried": (1, 4),  # tried: W1, W2, W3, W9
            "any_success / followed": (5, 11),  # W1, W3, W9 hired; W5 moved; W6 target
        }
        assert rates[0].rate == pytest.approx(0.6)
        assert all(r.of for r in rates)  # every rate names its denominator
        assert rates[7].rate is None and rates[7].to_record()["rate"] is None
        assert set(OUTCOME_EVENTS) >= {
            "applied",
            "internship_started",
            "hired",
            "employed_3m",
            "employed_6m",
            "internship_completed",
            "internal_move",
            "job_target_clarified",
            "returned_after_try",
            "aftercare_3m",
            "aftercare_6m",
        }
        text = outcome_csv(rates, tmp_path / "o.csv")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [r["rate"] for r in rows] == [r.name for r in rates]
        assert rows[0]["numerator"] == "6" and rows[0]["denominator"] == "10"
        assert rows[0]["denominator_is"] == "workers proposed a match by a completed batch run"
        assert (tmp_path / "o.csv").read_text("utf-8") == text


def test_forget_worker_removes_every_row_and_the_bytes(tmp_path):
    path = tmp_path / "s.sqlite"
    with Store(path) as st:
        _week(
            st,
            "2026-11-02",
            ["V1"],
            matches=[("WX-77", "V1", 1, 0.5, True)],
            workers=[("WX-77", "h1"), ("W2", "h2")],
            candidates=[StoredCandidates("WX-77", 0, "h1", "c", (), True, ("V1",), [0.5])],
        )
        assert st.candidate_lists()["WX-77"].vacancy_ids == ("V1",)
        st.record_outcome("WX-77", "V1", "applied", "2026-11-03")
        st.record_feedback("WX-77", "V1", "besproken", note="WX-77 wil liever 's morgens")
        assert st.mentions("WX-77") == ["workers", "matches", "outcomes", "candidates", "feedback"]
        removed = st.forget_worker("WX-77")
        assert removed == {
            "workers": 1,
            "matches": 1,
            "outcomes": 1,
            "feedback": 1,
            "candidates": 1,
        }
        assert st.candidate_lists() == {}
        assert st.mentions("WX-77") == []
        assert st.mentions("W2") == ["workers"]
    for f in tmp_path.iterdir():
        assert b"WX-77" not in f.read_bytes(), f


def test_artifacts_round_trip(tmp_path):
    with Store(tmp_path / "s.sqlite") as st:
        assert st.get_artifact("k") is None
        st.put_artifact("k", b"\x00blob")
        assert st.get_artifact("k") == b"\x00blob"


def test_not_a_store(tmp_path):
    p = tmp_path / "s.sqlite"
    p.write_text("not a database at all, just text " * 100)
    with pytest.raises(FeedError, match="not an SQLite database"):
        Store(p)


def test_count_refuses_unknown_tables(tmp_path):
    with Store(":memory:") as st:
        with pytest.raises(ValidationError, match="table must be one of"):
            st.count("sqlite_master; DROP TABLE runs")


def test_docstring_examples():
    import doctest

    import doorstroom_match.store as mod

    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0


def test_feedback_round_trip_and_validation(tmp_path):
    with Store(tmp_path / "s.sqlite") as st:
        _week(st, "2026-11-02", ["V1", "V2", "V3"], workers=[("W1", "h"), ("W2", "h")])
        st.record_feedback("W1", "V1", "niet_relevant", note="  te ver  ", date="2026-11-03")
        st.record_feedback("W1", "V2", "besproken", date="2026-11-03")
        st.record_feedback("W1", "V2", "gesolliciteerd", date="2026-11-04")  # latest counts
        st.record_feedback("W2", "V1", "besproken", date="2026-11-04")
        assert st.feedback("W1") == [
            {
                "worker_id": "W1",
                "vacancy_id": "V1",
                "status": "niet_relevant",
                "note": "te ver",
                "date": "2026-11-03",
            },
            {
                "worker_id": "W1",
                "vacancy_id": "V2",
                "status": "gesolliciteerd",
                "note": None,
                "date": "2026-11-04",
            },
        ]
        assert st.feedback_exclusions() == {"W1": {"V1"}}
        assert st.feedback_statuses() == {
            "W1": {"V1": "niet_relevant", "V2": "gesolliciteerd"},
            "W2": {"V1": "besproken"},
        }
        assert st.count("feedback") == 3
        with pytest.raises(ValidationError, match="status must be one of"):
            st.record_feedback("W1", "V1", "irrelevant")
        with pytest.raises(UnknownIdError, match="worker id 'W3' is not in the store"):
            st.record_feedback("W3", "V1", "besproken")
        with pytest.raises(UnknownIdError, match="vacancy id 'V4' is not in the store"):
            st.record_feedback("W1", "V4", "besproken")
        with pytest.raises(ValidationError, match="note must be a string, got int"):
            st.record_feedback("W1", "V1", "besproken", note=3)
        # an error is also the builtin the caller expects
        with pytest.raises(LookupError):
            st.record_feedback("W3", "V1", "besproken")
