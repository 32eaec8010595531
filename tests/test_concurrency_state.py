"""Concurrent runs, kills and corrupt state: nothing lost, nothing run twice, one clear line.

Issue 13, class "concurrency and state". Every case is a real batch run, a real SQLite file
or a real process killed with SIGKILL.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from doorstroom_match import BusyError, StoreError
from doorstroom_match._atomic import (
    JOURNAL_NAME,
    AtomicFile,
    batch_lock,
    recover,
)
from doorstroom_match.batch import forget_worker, run_batch
from doorstroom_match.cli import main
from doorstroom_match.core import blocked_topk
from doorstroom_match.store import Store

ROOT = Path(__file__).resolve().parents[1]
WEEK1, WEEK2 = "2026-11-02", "2026-11-09"


def _inputs(d: Path, n_workers: int = 6, n_vacancies: int = 5, week: int = 1) -> tuple[Path, Path]:
    d.mkdir(parents=True, exist_ok=True)
    workers = d / "workers.jsonl"
    workers.write_text(
        "".join(
            json.dumps(
                {
                    "id": f"W{i}",
                    "competences": {"samenwerken": 1 + i % 4, "initiatief": 1 + (i * 3) % 4},
                    "coach": f"C{i % 2}",
                    "job_target": "magazijnier",
                }
            )
            + "\n"
            for i in range(n_workers)
        ),
        "utf-8",
    )
    feed = d / f"feed{week}.jsonl"
    feed.write_text(
        "".join(
            json.dumps(
                {
                    "id": f"V{week}-{j}",
                    "title": ["magazijnier", "kok", "poetshulp"][j % 3],
                    "requirements": {"samenwerken": 1 + j % 4},
                }
            )
            + "\n"
            for j in range(n_vacancies)
        ),
        "utf-8",
    )
    return workers, feed


def _batch(out: Path, workers: Path, feed: Path, date: str = WEEK1, **kw):
    kw.setdefault("encoder", "none")
    return run_batch(workers, feed, out, run_date=date, **kw)


def _two_weeks(tmp_path: Path) -> tuple[Path, Path, Path, Path]:
    """Inputs of weeks 1 and 2, and a folder ``clean`` where both ran undisturbed."""
    workers, feed = _inputs(tmp_path / "in")
    _, feed2 = _inputs(tmp_path / "in", week=2)
    clean = tmp_path / "clean"
    _batch(clean, workers, feed)
    _batch(clean, workers, feed2, WEEK2)
    return workers, feed, feed2, clean


def _snapshot(out: Path) -> dict[str, bytes]:
    """The visible outputs of a folder (not the store, not hidden bookkeeping)."""
    keep = {}
    for p in sorted(out.rglob("*")):
        rel = p.relative_to(out).as_posix()
        if p.is_file() and not any(part.startswith(".") for part in rel.split("/")):
            if rel not in ("state.sqlite", "summary.json") and not rel.startswith("state.sqlite"):
                keep[rel] = p.read_bytes()
    return keep


def _cli(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    err = capsys.readouterr().err
    return code, err


# ----------------------------------------------------------------------------- locking
def test_second_run_on_the_same_folder_stops_with_one_clear_message(tmp_path, capsys):
    workers, feed = _inputs(tmp_path / "in")
    out = tmp_path / "out"
    with batch_lock(out, out / "state.sqlite"):  # a first run, still going
        with pytest.raises(BusyError, match=r"in use by another doorstroom-match run \(pid \d+"):
            _batch(out, workers, feed)
        code, err = _cli(capsys, "batch", "--workers", str(workers), "--feed", str(feed),
                         "--out", str(out), "--encoder", "none", "--date", WEEK1)  # fmt: skip
        assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
        assert "in use by another doorstroom-match run" in err
    assert not (out / "matches.jsonl").exists()  # the second run wrote nothing
    _batch(out, workers, feed)  # once the first has finished, the folder is free again
    assert (out / "matches.jsonl").is_file()


def test_store_shared_by_two_output_folders_is_locked_too(tmp_path):
    workers, feed = _inputs(tmp_path / "in")
    store = tmp_path / "state" / "shared.sqlite"
    with batch_lock(tmp_path / "a", store):
        with pytest.raises(BusyError, match="the store"):
            _batch(tmp_path / "b", workers, feed, store=store)
        with pytest.raises(BusyError, match="the store"):
            forget_worker("W1", store)


def test_two_processes_at_once_one_runs_one_stops(tmp_path):
    workers, feed = _inputs(tmp_path / "in", n_workers=40, n_vacancies=30)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "doorstroom_match.cli", "batch", "--workers", str(workers),
           "--feed", str(feed), "--out", str(out), "--encoder", "none", "--date", WEEK1]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              env=env, cwd=ROOT) for _ in range(2)]  # fmt: skip
    results = [p.communicate(timeout=300) + (p.returncode,) for p in procs]
    codes = sorted(r[2] for r in results)
    # either both ran one after the other (0, 0) or the second found the first busy (0, 1)
    assert codes in ([0, 0], [0, 1]), results
    for _, err, code in results:
        assert "Traceback" not in err
        if code == 1:
            assert "in use by another doorstroom-match run" in err
    with Store(out / "state.sqlite") as st:
        assert st.integrity_ok()
        assert [r["status"] for r in st.runs()].count("done") == codes.count(0)
        assert st.count("matches") == 40 * 10  # a rerun of the week replaced, not doubled
    assert not list(out.glob(".week-*")) and not list(out.glob(".*.tmp"))


def test_temporary_names_are_unique_per_run(tmp_path):
    a, b = AtomicFile(tmp_path / "matches.jsonl"), AtomicFile(tmp_path / "matches.jsonl")
    assert a.tmp != b.tmp and a.tmp.parent == b.tmp.parent == tmp_path
    a.write_line("a")
    b.write_line("b")
    a.commit()
    b.discard()
    assert (tmp_path / "matches.jsonl").read_text() == "a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["matches.jsonl"]


# ----------------------------------------------------------------------------- the week at once
def test_a_run_failing_after_scoring_is_failed_and_changes_no_output(tmp_path, monkeypatch):
    workers, feed = _inputs(tmp_path / "in")
    out = tmp_path / "out"
    _batch(out, workers, feed)
    before = _snapshot(out)
    _, feed2 = _inputs(tmp_path / "in", week=2)
    import doorstroom_match.bulletin as bulletin_mod

    def broken(*args, **kw):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(bulletin_mod, "render_bulletin", broken)
    with pytest.raises(OSError, match="No space left"):
        _batch(out, workers, feed2, WEEK2)
    assert _snapshot(out) == before
    with Store(out / "state.sqlite") as st:
        assert [r["status"] for r in st.runs()] == ["done", "failed"]
        assert {r["run_id"] for r in st.past_matches()} == {1}
        assert set(st.vacancy_states()) == {f"V1-{j}" for j in range(5)}  # week 2 not written
    assert not list(out.glob(".week-*")) and not (out / JOURNAL_NAME).exists()


_KILL_IN_RENDER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    import doorstroom_match.bulletin as b
    from doorstroom_match.batch import run_batch
    real = b.render_bulletin
    def killing(out, *args, **kw):
        pages = real(out, *args, **kw)           # the new pages are written (staged) ...
        Path(out, "bulletin", ".half.html.tmp").write_text("half")
        os.kill(os.getpid(), signal.SIGKILL)     # ... and the process dies before the switch
    b.render_bulletin = killing
    workers, feed, out = sys.argv[1:4]
    run_batch(workers, feed, out, run_date="2026-11-09", encoder="none")
    """
)

_KILL_IN_SWITCH = textwrap.dedent(
    """
    import os, signal, sys
    import doorstroom_match._atomic as a
    from doorstroom_match.batch import run_batch
    def killing(out, staging, files):
        os.replace(staging / "matches.jsonl", out / "matches.jsonl")   # one file moved ...
        os.kill(os.getpid(), signal.SIGKILL)                           # ... then killed
    a._apply = killing
    workers, feed, out = sys.argv[1:4]
    run_batch(workers, feed, out, run_date="2026-11-09", encoder="none")
    """
)


def _kill(script: str, *args: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", script, *map(str, args)], capture_output=True,
                          text=True, timeout=300, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    assert proc.returncode == -signal.SIGKILL, proc.stderr


def test_kill_during_rendering_leaves_last_week_whole_and_the_store_not_done(tmp_path):
    workers, feed, feed2, clean = _two_weeks(tmp_path)

    out = tmp_path / "out"
    _batch(out, workers, feed)
    before = _snapshot(out)
    _kill(_KILL_IN_RENDER, workers, feed2, out)
    assert _snapshot(out) == before  # no new matches.jsonl beside last week's bulletin
    with Store(out / "state.sqlite") as st:
        assert [r["status"] for r in st.runs()] == ["done", "running"]
    assert list(out.glob(".week-*"))  # the staged week is still on disk ...
    _batch(out, workers, feed2, WEEK2)  # ... until the next run clears it and does the week
    assert _snapshot(out) == _snapshot(clean)
    assert not list(out.glob(".week-*")) and not list(out.rglob(".*.tmp"))
    with Store(out / "state.sqlite") as st:
        assert [r["status"] for r in st.runs()] == ["done", "interrupted", "done"]


def test_kill_during_the_switch_is_finished_by_the_next_command(tmp_path):
    workers, feed, feed2, clean = _two_weeks(tmp_path)

    out = tmp_path / "out"
    _batch(out, workers, feed)
    _kill(_KILL_IN_SWITCH, workers, feed2, out)
    with Store(out / "state.sqlite") as st:
        assert [r["status"] for r in st.runs()] == ["done", "done"]  # committed, then killed
        done = st.run_status
        assert recover(out, lambda run_id: done(run_id) == "done") == "finished"
    assert _snapshot(out) == _snapshot(clean)  # the whole of week 2, not half
    assert not (out / JOURNAL_NAME).exists() and not list(out.glob(".week-*"))


def test_rerunning_a_completed_week_does_not_double_the_history(tmp_path):
    workers, feed = _inputs(tmp_path / "in")
    out = tmp_path / "out"
    first = _batch(out, workers, feed)
    _batch(out, workers, feed)
    with Store(out / "state.sqlite") as st:
        assert st.count("matches") == first.n_rows
        assert len(st.past_matches("W1")) == first.n_rows // first.n_workers
        report = {r.name: r for r in st.outcome_report("2026-12-01")}
        assert report["applied / matched"].denominator == first.n_workers


# ----------------------------------------------------------------------------- corrupt state
def _real_store(tmp_path: Path) -> Path:
    workers, feed = _inputs(tmp_path / "in")
    res = _batch(tmp_path / "seed", workers, feed)
    return res.store_path


def _foreign(p: Path) -> None:
    db = sqlite3.connect(p)
    db.execute("CREATE TABLE people (name TEXT)")
    db.execute("INSERT INTO people VALUES ('x')")
    db.commit()
    db.close()


def _missing_table(p: Path, src: Path) -> None:
    p.write_bytes(src.read_bytes())
    db = sqlite3.connect(p)
    db.execute("DROP TABLE matches")
    db.commit()
    db.close()


def _damaged(p: Path, src: Path) -> None:
    data = bytearray(src.read_bytes())
    assert len(data) >= 4 * 4096
    data[2 * 4096 : 4 * 4096] = os.urandom(2 * 4096)  # garbage pages, header intact
    p.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "kind, message",
    [
        ("zero", "empty file \\(0 bytes\\)"),
        ("text", "not an SQLite database"),
        ("foreign", "another program"),
        ("missing", "missing the table\\(s\\) \\['matches'\\]"),
        ("damaged", "damaged|malformed|not a usable"),
    ],
)
def test_corrupt_store_is_one_line_exit_1_and_left_untouched(tmp_path, capsys, kind, message):
    src = _real_store(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    p = out / "state.sqlite"
    if kind == "zero":
        p.write_bytes(b"")
    elif kind == "text":
        p.write_text("id,title\nV1,kok\n" * 300)
    elif kind == "foreign":
        _foreign(p)
    elif kind == "missing":
        _missing_table(p, src)
    else:
        _damaged(p, src)
    before = p.read_bytes()
    workers, feed = _inputs(tmp_path / "in")
    with pytest.raises(StoreError, match=message):
        Store(p)
    for argv in (
        ["batch", "--workers", str(workers), "--feed", str(feed), "--out", str(out),
         "--encoder", "none", "--date", WEEK1],
        ["outcome", "report", "--store", str(p)],
        ["outcome", "record", "--store", str(p), "W1", "V1", "applied"],
        ["forget", "W1", "--store", str(p), "--out", str(out)],
    ):  # fmt: skip
        code, err = _cli(capsys, *argv)
        assert code == 1, (argv, err)
        assert err.count("\n") == 1 and "Traceback" not in err, err
        assert "store" in err
    assert p.read_bytes() == before  # never a silent fresh start
    assert not (out / "matches.jsonl").exists()


# ----------------------------------------------------------------------------- limits
def test_top_beyond_the_vacancies_is_bounded(tmp_path, capsys):
    workers, feed = _inputs(tmp_path / "in", n_vacancies=4)
    out = tmp_path / "out"
    code = main(["batch", "--workers", str(workers), "--feed", str(feed), "--out", str(out),
                 "--encoder", "none", "--date", WEEK1, "--top", str(10**12)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    rows = [json.loads(x) for x in (out / "matches.jsonl").read_text().splitlines()]
    assert len(rows) == 6 * 4


def test_topk_with_k_above_the_columns_keeps_them_all_without_padding():
    scores = np.array([[3.0, 1.0, 2.0], [0.0, np.nan, 5.0]], dtype=np.float32)
    top = blocked_topk(lambda r, c: scores[r, c], 2, 3, 10**12)
    assert top.indices.shape == (2, 3)
    np.testing.assert_array_equal(top.indices[0], [1, 2, 0])
    # an excluded entry (NaN) is still marked, as documented: only k beyond the columns is cut
    np.testing.assert_array_equal(top.indices[1], [0, 2, -1])


def test_over_long_ids_get_short_file_names(tmp_path):
    d = tmp_path / "in"
    workers, feed = _inputs(d, n_vacancies=3)
    coach, wid = "C" * 300, "W" * 300
    workers.write_text(
        json.dumps({"id": wid, "competences": {"samenwerken": 3}, "coach": coach}) + "\n"
        + json.dumps({"id": "é/" * 150, "competences": {"samenwerken": 2}, "coach": "ü" * 200})
        + "\n",
        "utf-8",
    )  # fmt: skip
    res = _batch(tmp_path / "out", workers, feed)
    sheets = [p for p in res.bulletin if p.name.startswith("werkblad-")]
    assert res.n_workers == 2 and len(res.bulletin) - len(sheets) == 3 and len(sheets) == 2
    for page in res.bulletin:
        assert page.is_file() and len(page.name.encode()) <= 120
    assert forget_worker(wid, res.store_path, out_dir=tmp_path / "out").store_rows["workers"] == 1


def test_a_switch_that_fails_after_the_commit_is_finished_later(tmp_path, monkeypatch):
    import doorstroom_match._atomic as atomic_mod
    from doorstroom_match import FeedError

    workers, feed, feed2, clean = _two_weeks(tmp_path)
    out = tmp_path / "out"
    _batch(out, workers, feed)

    real = atomic_mod._apply

    def failing(out_dir, staging, files):
        os.replace(staging / "matches.jsonl", out_dir / "matches.jsonl")
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(atomic_mod, "_apply", failing)
    with pytest.raises(FeedError, match="the week is stored, but its files could not all be"):
        _batch(out, workers, feed2, WEEK2)
    monkeypatch.setattr(atomic_mod, "_apply", real)
    assert (out / JOURNAL_NAME).is_file() and list(out.glob(".week-*"))  # kept for recovery
    forget_worker("nobody", out / "state.sqlite", out_dir=out)  # any command on the folder
    assert _snapshot(out) == _snapshot(clean)
    assert not (out / JOURNAL_NAME).exists() and not list(out.glob(".week-*"))


def test_prepare_flushes_the_staged_files_before_the_journal_names_them(tmp_path, monkeypatch):
    from doorstroom_match import _atomic

    week = _atomic.WeekOutput(tmp_path, "2026-11-30")
    (week.path / "bulletin").mkdir()
    (week.path / "bulletin" / "coach-C1.html").write_text("<p>plain, not fsynced</p>")
    events: list[str] = []
    monkeypatch.setattr(_atomic.os, "sync", lambda: events.append("sync"), raising=False)
    real = _atomic.write_text_atomic

    def journal(path, text):
        events.append(f"journal {path.name}")
        real(path, text)

    monkeypatch.setattr(_atomic, "write_text_atomic", journal)
    week.prepare(7)
    assert events == ["sync", f"journal {_atomic.JOURNAL_NAME}"]
    week.publish()
    assert (tmp_path / "bulletin" / "coach-C1.html").read_text() == "<p>plain, not fsynced</p>"


def test_last_weeks_files_are_freed_after_the_switch_on_a_thread(tmp_path, monkeypatch):
    # beyond _FREE_INLINE files, last week's pages are hard-linked into a trash folder before
    # they are replaced and the trash is deleted on a thread; the next command waits for it
    from doorstroom_match import _atomic

    monkeypatch.setattr(_atomic, "_FREE_INLINE", 0)
    workers, feed, feed2, clean = _two_weeks(tmp_path)
    out = tmp_path / "out"
    _batch(out, workers, feed)
    old = (out / "bulletin" / "index.html").stat()
    _batch(out, workers, feed2, WEEK2)
    assert (out / "bulletin" / "index.html").stat().st_ino != old.st_ino
    recover(out, lambda run_id: True)  # joins this process's deletions
    assert not list(out.glob(".doorstroom-trash-*"))
    assert _snapshot(out) == _snapshot(clean)


def test_trash_left_by_a_killed_run_is_deleted_by_the_next_command(tmp_path):
    workers, feed = _inputs(tmp_path / "in")
    out = tmp_path / "out"
    _batch(out, workers, feed)
    trash = out / ".doorstroom-trash-killed"
    trash.mkdir()
    (trash / "0").write_text("Werknemer W1 ...", "utf-8")
    forget_worker("W1", out / "state.sqlite", out_dir=out)
    assert not trash.exists()
    trash.mkdir()
    _batch(out, workers, feed)
    assert not trash.exists()
