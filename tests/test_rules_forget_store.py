"""``forget_worker`` and the store, the locks and a killed run, from its docstring.

- every store row about the worker goes (the rows deleted are counted per table), the
  other workers' rows stay, and the worker is nowhere in the file afterwards;
- the store is locked while this runs (and the output folder, when given): a second run
  gets a ``BusyError`` that names what is in use;
- a week that a killed run left half-switched is first brought back to one consistent week
  (the store says whether that run was committed), so the worker is removed from the files
  that week actually holds;
- the worker id is checked (an empty id is refused, naming the parameter).
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from doorstroom_match import BusyError, ValidationError
from doorstroom_match._atomic import JOURNAL_NAME, LOCK_NAME, exclusive, store_lock_path
from doorstroom_match.batch import forget_worker
from doorstroom_match.store import Store

TABLES = ("workers", "matches", "outcomes", "feedback", "candidates")


def _store(path):
    """A store holding rows of W7 and X9 in every table that names a worker."""
    Store(path).close()  # the schema
    with sqlite3.connect(path) as db:
        for wid in ("W7", "X9"):
            db.execute("INSERT INTO workers VALUES (?, 'h', '2026-11-02', '2026-11-30')", (wid,))
        db.executemany(
            "INSERT INTO matches(run_id, worker_id, vacancy_id, rank, score) VALUES (?,?,?,?,?)",
            [(1, "W7", "V1", 0, 0.9), (1, "W7", "V2", 1, 0.8), (2, "W7", "V1", 0, 0.9),
             (1, "X9", "V1", 0, 0.7)],
        )  # fmt: skip
        db.executemany(
            "INSERT INTO outcomes VALUES (?, ?, ?, '2026-11-02')",
            [("W7", "V1", "hired"), ("W7", "V2", "invited"), ("X9", "V1", "invited")],
        )
        db.executemany(
            "INSERT INTO feedback VALUES (?, ?, 'not_interested', NULL, '2026-11-03')",
            [("W7", "V3"), ("X9", "V2")],
        )
        db.executemany(
            "INSERT INTO candidates VALUES (?, 1, 'h', 'c', '', 1, 'V1', x'00')",
            [("W7",), ("X9",)],
        )
    db.close()
    return path


def test_forget_deletes_every_store_row_of_the_worker_and_no_other(tmp_path):
    store = _store(tmp_path / "state.sqlite")
    res = forget_worker("W7", store)
    assert res.store_rows == {"workers": 1, "matches": 3, "outcomes": 2, "feedback": 1,
                              "candidates": 1}  # fmt: skip
    assert res.file_rows == {} and res.files_deleted == []
    with Store(store) as st:
        assert st.mentions("W7") == []
        assert [r["worker_id"] for r in st.outcomes()] == ["X9"]
        assert [r["worker_id"] for r in st.feedback()] == ["X9"]
        assert st.count("workers") == 1 and st.count("matches") == 1
    # not in the file either (deleted pages rewritten)
    assert b"W7" not in store.read_bytes()
    # a second time: nothing left to delete
    assert set(forget_worker("W7", store).store_rows.values()) == {0}


def test_forget_with_an_output_folder_also_empties_the_store(tmp_path):
    store = _store(tmp_path / "state.sqlite")
    out = tmp_path / "out"
    out.mkdir()
    (out / "matches.jsonl").write_text(
        '{"worker_id": "W7", "vacancy_id": "V1"}\n{"worker_id": "X9", "vacancy_id": "V1"}\n',
        "utf-8",
    )
    res = forget_worker("W7", store, out_dir=out)
    assert res.store_rows["outcomes"] == 2 and res.store_rows["matches"] == 3
    assert res.file_rows == {str(out / "matches.jsonl"): 1}
    with Store(store) as st:
        assert st.mentions("W7") == [] and len(st.outcomes()) == 1


def test_forget_waits_for_nobody_a_locked_store_or_folder_is_busy(tmp_path):
    store = _store(tmp_path / "state.sqlite")
    with exclusive(store_lock_path(store), "test"):
        with pytest.raises(BusyError, match=rf"^the store {str(store)!r} is in use by another"):
            forget_worker("W7", store)
    out = tmp_path / "out"
    out.mkdir()
    with exclusive(out / LOCK_NAME, "test"):
        with pytest.raises(BusyError, match=rf"^the output folder {str(out)!r} is in use"):
            forget_worker("W7", store, out_dir=out)
    with exclusive(store_lock_path(store), "test"):  # the folder free, the store not
        with pytest.raises(BusyError, match=r"is in use by another"):
            forget_worker("W7", store, out_dir=out)
    with Store(store) as st:  # nothing was deleted while busy
        assert len(st.outcomes("W7")) == 2


def _half_switched_week(out, store, done: bool):
    """An output folder whose run was killed between staging the week and moving it in."""
    with Store(store) as st:
        run_id = st.begin_run("2026-11-30")
    if done:
        with sqlite3.connect(store) as db:
            db.execute("UPDATE runs SET status='done' WHERE run_id=?", (run_id,))
        db.close()
    staging = out / ".week-killed"
    staging.mkdir(parents=True)
    (staging / "matches.jsonl").write_text(
        '{"worker_id": "W7", "vacancy_id": "V9"}\n{"worker_id": "X9", "vacancy_id": "V9"}\n',
        "utf-8",
    )
    (out / "matches.jsonl").write_text('{"worker_id": "W7", "vacancy_id": "old"}\n', "utf-8")
    journal = {"staging": staging.name, "run_id": run_id, "files": ["matches.jsonl"]}
    (out / JOURNAL_NAME).write_text(json.dumps(journal), "utf-8")
    return staging


@pytest.mark.parametrize("done", [True, False])
def test_forget_first_finishes_or_undoes_a_killed_week(tmp_path, done):
    store = _store(tmp_path / "state.sqlite")
    out = tmp_path / "out"
    staging = _half_switched_week(out, store, done)
    res = forget_worker("W7", store, out_dir=out)
    assert not staging.exists() and not (out / JOURNAL_NAME).exists()
    rows = [json.loads(x) for x in (out / "matches.jsonl").read_text("utf-8").splitlines()]
    if done:  # the committed week moved in, then the worker left it
        assert rows == [{"worker_id": "X9", "vacancy_id": "V9"}]
    else:  # the old week stays, without the worker
        assert rows == []
    assert res.file_rows == {str(out / "matches.jsonl"): 1}


def test_forget_leaves_a_line_in_the_log(tmp_path, caplog):
    store = _store(tmp_path / "state.sqlite")
    with caplog.at_level("INFO", logger="doorstroom_match"):
        forget_worker("W7", store)
    assert "forgot worker W7" in [r.getMessage() for r in caplog.records]


def test_forget_checks_the_worker_id(tmp_path):
    store = _store(tmp_path / "state.sqlite")
    with pytest.raises(ValidationError, match=r"^worker id"):
        forget_worker("  ", store)
    with pytest.raises(ValidationError, match=r"^worker id"):
        forget_worker(None, store)
    assert set(TABLES) == set(forget_worker("X9", store).store_rows)
