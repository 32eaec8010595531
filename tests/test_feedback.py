"""Coach feedback (issue 15): stored, honoured next week, shown, counted, forgotten."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from doorstroom_match.cli import main
from doorstroom_match.feedback import FEEDBACK_STATUSES
from doorstroom_match.store import Store

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "datasets" / "sample"


def test_statuses():
    assert FEEDBACK_STATUSES == ("besproken", "gesolliciteerd", "niet_relevant", "aangenomen")


def _rows(out: Path) -> list[dict]:
    return [json.loads(x) for x in (out / "matches.jsonl").read_text("utf-8").splitlines()]


def _week(out: Path, date: str, store: Path, bulletin: bool = False) -> list[str]:
    return [
        "batch",
        "--workers",
        str(SAMPLE / "workers.jsonl"),
        "--feed",
        str(SAMPLE / "feed.jsonl"),
        "--out",
        str(out),
        "--store",
        str(store),
        "--date",
        date,
        "--encoder",
        "none",
        "--top",
        "4",
        "--no-progress",
        *([] if bulletin else ["--no-bulletin"]),
    ]


@pytest.mark.skipif(not (SAMPLE / "feed.jsonl").is_file(), reason="bundled sample not present")
def test_feedback_round_trip_this_week_niet_relevant_next_week_absent(tmp_path, capsys):
    store = tmp_path / "state.sqlite"
    w1 = tmp_path / "w1"
    assert main(_week(w1, "2026-11-02", store)) == 0
    rows = _rows(w1)
    wid = rows[0]["worker_id"]
    mine = [r for r in rows if r["worker_id"] == wid]
    top, second = mine[0]["vacancy_id"], mine[1]["vacancy_id"]
    capsys.readouterr()
    rc = main(["feedback", wid, top, "--status", "niet_relevant", "--note", "te ver",
               "--store", str(store), "--date", "2026-11-03"])  # fmt: skip
    assert rc == 0 and "recorded niet_relevant" in capsys.readouterr().out
    assert main(["feedback", wid, second, "--status", "gesolliciteerd", "--store", str(store),
                 "--date", "2026-11-04"]) == 0  # fmt: skip

    w2 = tmp_path / "w2"
    assert main(_week(w2, "2026-11-09", store, bulletin=True)) == 0
    mine2 = [r for r in _rows(w2) if r["worker_id"] == wid]
    assert top not in {r["vacancy_id"] for r in mine2}  # not suggested again
    assert len(mine2) == len(mine) == 4  # still a full list
    assert [r["rank"] for r in mine2] == [1, 2, 3, 4]
    assert second in {r["vacancy_id"] for r in mine2}
    # everyone else keeps last week's list
    other = rows[-1]["worker_id"]
    assert [r["vacancy_id"] for r in _rows(w2) if r["worker_id"] == other] == [
        r["vacancy_id"] for r in rows if r["worker_id"] == other
    ]
    # "gesolliciteerd" is shown as such on the coach page and the worker's sheet
    bdir = w2 / "bulletin"
    coach_pages = "".join(p.read_text("utf-8") for p in bdir.glob("coach-*.html"))
    assert ">gesolliciteerd<" in coach_pages
    sheet = next(bdir.glob(f"werkblad-{wid}.html")).read_text("utf-8")
    if f'data-vacancy="{second}"' in sheet:  # when it is among the three within reach
        assert "Je hebt hier al gesolliciteerd." in sheet

    # the outcome report counts it as applied
    capsys.readouterr()
    assert main(["outcome", "report", "--store", str(store), "--date", "2026-11-10",
                 "--json"]) == 0  # fmt: skip
    rates = {r["name"]: r for r in json.loads(capsys.readouterr().out)["rates"]}
    assert rates["applied / matched"]["numerator"] == 1
    assert rates["discussed / matched"]["numerator"] == 1
    assert rates["applied / matched"]["of"]

    # forget removes the feedback too
    assert main(["forget", wid, "--store", str(store)]) == 0
    with Store(store) as st:
        assert st.feedback(wid) == [] and st.mentions(wid) == []


def test_feedback_command_errors(tmp_path, capsys):
    store = tmp_path / "s.sqlite"
    with Store(store) as st:
        run = st.begin_run("2026-11-02")
        st.finish_week(run, "2026-11-02", vacancies=[("V1", "h", None, "vacancy", None, False)],
                       workers=[("W1", "h")], matches=[])  # fmt: skip
    assert main(["feedback", "W9", "V1", "--status", "besproken", "--store", str(store)]) == 1
    assert "worker id 'W9' is not in the store" in capsys.readouterr().err
    assert (
        main(["feedback", "W1", "V1", "--status", "besproken", "--store", str(tmp_path / "x")]) == 1
    )
    assert "no store at" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["feedback", "W1", "V1", "--status", "irrelevant", "--store", str(store)])
    assert exc.value.code == 2
