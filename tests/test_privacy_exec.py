"""Privacy and code execution: forget finds every spelling of an id, nothing read back runs
code, exports cannot carry formulas, messages carry no levels or limits (issue 13)."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from doorstroom_match import Vacancy, ValidationError, WorkerProfile, development_plan
from doorstroom_match._export import csv_text, safe_cell
from doorstroom_match.batch import (
    _encoder_from_blob,
    _encoder_to_blob,
    batch_encoder,
    forget_worker,
    run_batch,
)
from doorstroom_match.feeds import read_workers
from doorstroom_match.store import Store
from doorstroom_match.text.encoders import TfidfEncoder

WEEK1 = "2026-11-02"
HOSTILE = 'W<1>&"x"\'é'  # needs HTML escapes, JSON escapes and a non-ASCII character


def _files_mentioning(root: Path, forms: list[str]) -> list[str]:
    hits = []
    for f in root.rglob("*"):
        if f.is_file() and f.suffix != ".sqlite" and ".sqlite" not in f.name:
            data = f.read_bytes()
            if any(x.encode() in data for x in forms):
                hits.append(str(f))
    return hits


def _forms(wid: str) -> list[str]:
    import html

    return [
        wid,
        html.escape(wid, quote=True),
        json.dumps(wid)[1:-1],
        json.dumps(wid, ensure_ascii=False)[1:-1],
    ]


def test_forget_finds_an_escaped_id_everywhere(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    workers = d / "workers.jsonl"
    workers.write_text(
        json.dumps({"id": HOSTILE, "competences": {"samenwerken": 3}, "coach": "C1",
                    "job_target": "kok"}) + "\n"
        + json.dumps({"id": "W2", "competences": {"samenwerken": 2}, "coach": "C1"}) + "\n"
        # a rejected line of the worker, written with JSON escapes of every character
        + '{"id": "' + "".join(f"\\u{ord(c):04x}" for c in HOSTILE) + '", "competences": 7}\n',
        "utf-8",
    )  # fmt: skip
    feed = d / "feed.jsonl"
    feed.write_text(
        "".join(
            json.dumps({"id": f"V{j}", "title": "kok", "requirements": {"samenwerken": 2}}) + "\n"
            for j in range(3)
        ),
        "utf-8",
    )
    out = tmp_path / "out"
    res = run_batch(workers, feed, out, run_date=WEEK1, encoder="none")
    assert res.n_rejected == 1  # the line with the escaped id
    assert _files_mentioning(out, _forms(HOSTILE))  # it is there, in several spellings
    # a leftover temporary file of an interrupted render holds the worker too
    (out / "bulletin" / ".coach-C1.html.abc123.tmp").write_text(f"<p>{HOSTILE}</p>", "utf-8")
    result = forget_worker(HOSTILE, res.store_path, out_dir=out)
    assert result.store_rows["workers"] == 1
    assert _files_mentioning(out, _forms(HOSTILE)) == []
    assert not list(out.rglob(".*.tmp"))
    with Store(res.store_path) as st:
        assert st.mentions(HOSTILE) == []
    # the other worker is untouched
    assert "W2" in (out / "matches.jsonl").read_text("utf-8")
    assert 'data-worker="W2"' in (out / "bulletin" / "coach-C1.html").read_text("utf-8")


def test_forget_removes_csv_rejected_rows_that_carry_no_json_id(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    workers = d / "workers.csv"
    workers.write_text(
        "id;job_target;comp_samenwerken\r\nW7;kok;3\r\nW8;kok;9\r\nW9;kok\r\nW10;kok;2\r\n",
        "utf-8",
    )
    feed = d / "feed.jsonl"
    feed.write_text(json.dumps({"id": "V1", "title": "kok"}) + "\n", "utf-8")
    out = tmp_path / "out"
    res = run_batch(workers, feed, out, run_date=WEEK1, encoder="none", bulletin=False)
    rejected = [json.loads(x) for x in (out / "rejected.jsonl").read_text().splitlines()]
    assert [r["raw"] for r in rejected] == ["W8;kok;9", "W9;kok"]
    forget_worker("W9", res.store_path, out_dir=out)
    rejected = [json.loads(x) for x in (out / "rejected.jsonl").read_text().splitlines()]
    assert [r["raw"] for r in rejected] == ["W8;kok;9"]  # W9's row gone, W8's kept


# ----------------------------------------------------------------------------- no pickle
def test_encoder_state_is_data_and_encodes_the_same():
    enc = TfidfEncoder(n_components=3).fit(["kok", "hulpkok", "magazijnier", "poetser", "tuinier"])
    blob = _encoder_to_blob(enc)
    assert blob[:2] == b"PK"  # a zip of .npy arrays and a JSON string
    again = _encoder_from_blob(blob)
    assert again.fingerprint == enc.fingerprint
    q = ["kok", "magazijn", "iets anders"]
    np.testing.assert_array_equal(again.encode(q), enc.encode(q))


class _Boom:
    def __reduce__(self):
        import os

        return (os.mkdir, ("/tmp/doorstroom-pickle-ran",))  # noqa: S108 - a marker only


def test_a_planted_pickle_in_the_store_is_never_run(tmp_path, monkeypatch):
    import shutil

    marker = Path("/tmp/doorstroom-pickle-ran")  # noqa: S108
    shutil.rmtree(marker, ignore_errors=True)
    texts = ["kok", "hulpkok", "magazijnier", "poetser"]
    monkeypatch.setattr("doorstroom_match.batch._catalogue_path", lambda: None)
    with Store(tmp_path / "state.sqlite") as st:
        first = batch_encoder("tfidf", st, fallback_texts=texts)
        (key,) = [r[0] for r in st._db.execute("SELECT key FROM artifacts")]
        # an attacker with write access to the folder swaps in a pickle under the same key
        st.put_artifact(key, pickle.dumps(_Boom()))
        again = batch_encoder("tfidf", st, fallback_texts=texts)
    assert not marker.exists()
    assert again.fingerprint == first.fingerprint  # refitted from the texts instead


def test_no_pickle_is_read_anywhere_in_the_package():
    root = Path(__file__).resolve().parents[1] / "doorstroom_match"
    for f in root.rglob("*.py"):
        text = f.read_text("utf-8")
        assert "pickle.load" not in text and "import pickle" not in text, f
        assert "allow_pickle=True" not in text, f


# ----------------------------------------------------------------------------- CSV exports
@pytest.mark.parametrize("cell", ["=1+1", "+31", "-2+3", "@SUM(A1)", "\tx", "\rx",
                                  '=HYPERLINK("http://x","klik")'])  # fmt: skip
def test_formula_cells_are_neutralised(cell):
    assert safe_cell(cell) == "'" + cell
    text = csv_text(["a"], [[cell]])
    assert not text.splitlines()[1].lstrip('"').startswith(("=", "+", "-", "@"))


def test_plain_cells_and_numbers_are_unchanged():
    assert [safe_cell(x) for x in ["goed", "", " =x", -1, 2.5, None]] == [
        "goed", "", " =x", -1, 2.5, None,
    ]  # fmt: skip


def test_development_plan_csv_neutralises_hostile_ids_and_titles():
    w = WorkerProfile("=cmd|' /C calc'!A0", {"samenwerken": 1})
    v = Vacancy("@V1", '=HYPERLINK("http://x")', requirements={"samenwerken": 3})
    text = development_plan(w, v).to_csv()
    for line in text.splitlines()[1:]:
        assert line.startswith(("\"'", "'")), line


# ----------------------------------------------------------------------------- messages
def test_rejection_reasons_quote_no_health_limits(tmp_path):
    p = tmp_path / "workers.jsonl"
    p.write_text(
        json.dumps({"id": "W1", "competences": {"samenwerken": 3}, "limits": 31415}) + "\n",
        "utf-8",
    )
    res = read_workers(p)
    assert len(res.rejected) == 1
    # an unforeseen error is named by its type only: its text could quote a limit or a level
    assert res.rejected[0].reason == "worker 'W1': a value could not be used (TypeError)"


def test_validation_messages_cut_what_they_quote():
    with pytest.raises(ValidationError) as info:
        Vacancy("V1", "kok", capacity="9" * 10_000)
    assert len(str(info.value)) < 200


def test_export_docstring_examples():
    import doctest

    import doorstroom_match._export as mod

    result = doctest.testmod(mod)
    assert result.failed == 0 and result.attempted > 0


@pytest.mark.parametrize("blob", [b"", b"PK\x03\x04 truncated", b"\x93NUMPY garbage", b"{}"])
def test_a_damaged_encoder_state_is_refitted(tmp_path, monkeypatch, blob):
    texts = ["kok", "hulpkok", "magazijnier", "poetser"]
    monkeypatch.setattr("doorstroom_match.batch._catalogue_path", lambda: None)
    with Store(tmp_path / "state.sqlite") as st:
        first = batch_encoder("tfidf", st, fallback_texts=texts)
        (key,) = [r[0] for r in st._db.execute("SELECT key FROM artifacts")]
        st.put_artifact(key, blob)
        assert batch_encoder("tfidf", st, fallback_texts=texts).fingerprint == first.fingerprint


def test_forget_keeps_other_rows_whole_when_they_hold_unicode_line_separators(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    workers = d / "workers.jsonl"
    odd = json.dumps({"id": "W3", "job_target": "kok\u2028\x85", "competences": 9},
                     ensure_ascii=False)  # fmt: skip
    workers.write_text(
        json.dumps({"id": "W1", "competences": {"samenwerken": 3}}) + "\n" + odd + "\n"
        + json.dumps({"id": "W2", "competences": 9}) + "\n",
        "utf-8",
    )  # fmt: skip
    feed = d / "feed.jsonl"
    feed.write_text(json.dumps({"id": "V1", "title": "kok"}) + "\n", "utf-8")
    out = tmp_path / "out"
    res = run_batch(workers, feed, out, run_date=WEEK1, encoder="none", bulletin=False)
    forget_worker("W2", res.store_path, out_dir=out)
    rows = (out / "rejected.jsonl").read_text("utf-8").split("\n")
    assert rows[-1] == "" and [json.loads(x)["raw"] for x in rows[:-1]] == [odd]
