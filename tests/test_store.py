"""The SQLite store: the week in one transaction, new-this-week, outcomes, forget."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from doorstroom_match import FeedError, ValidationError
from doorstroom_match.store import OUTCOME_EVENTS, Store


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


def test_outcome_report_each_rate_over_its_own_denominator(tmp_path):
    with Store(tmp_path / "s.sqlite") as st:
        matches = [(f"W{i}", "V1", 1, 0.5, False) for i in range(1, 11)]
        _week(st, "2026-01-05", ["V1"], matches=matches)
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
            ("W99", "applied", "2026-01-10"),  # never matched by a batch run
        ]
        for w, e, d in ev:
            st.record_outcome(w, "V1", e, d)
        rep = {r.name: (r.numerator, r.denominator) for r in st.outcome_report("2026-07-01")}
        assert rep == {
            "applied / matched": (4, 10),
            "internship_started / applied": (2, 5),
            "hired / matched": (2, 10),
            "hired / internship_started": (1, 2),
            "employed_3m / hired_3m_ago": (1, 1),  # W3 was hired 30 days ago: not yet eligible
            "employed_6m / hired_6m_ago": (0, 0),
        }
        rates = st.outcome_report("2026-07-01")
        assert rates[0].rate == pytest.approx(0.4)
        assert rates[-1].rate is None and rates[-1].to_record()["rate"] is None
        assert set(OUTCOME_EVENTS) == {
            "applied",
            "internship_started",
            "hired",
            "employed_3m",
            "employed_6m",
        }


def test_forget_worker_removes_every_row_and_the_bytes(tmp_path):
    path = tmp_path / "s.sqlite"
    with Store(path) as st:
        _week(
            st,
            "2026-11-02",
            ["V1"],
            matches=[("WX-77", "V1", 1, 0.5, True)],
            workers=[("WX-77", "h1"), ("W2", "h2")],
        )
        st.record_outcome("WX-77", "V1", "applied", "2026-11-03")
        assert st.mentions("WX-77") == ["workers", "matches", "outcomes"]
        removed = st.forget_worker("WX-77")
        assert removed == {"workers": 1, "matches": 1, "outcomes": 1}
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
