"""``forget_worker`` on every kind of output file, from its docstring, on a hand-built folder.

The rule: with ``out_dir``, the worker's rows of ``matches.jsonl`` (``worker_id``),
``assignments.jsonl`` (the worker's row, and rows whose reason names the worker) and
``rejected.jsonl`` (a row whose id or raw line names the worker, however escaped) go; the
bulletin pages lose the worker's section, overview-table row and navigation entry; a page that
still mentions the worker after that is deleted; pages that never mentioned the worker are
left alone. Everything else stays byte for byte. ``file_rows`` counts what was removed per
file. A worker is named by the whole id: ``W7`` is not ``W70`` nor ``W7-2``.

No batch run is needed: the folder is written here, line by line.
"""

from __future__ import annotations

import html
import json

import pytest

from doorstroom_match.batch import forget_worker
from doorstroom_match.bulletin import _slug  # the bulletin's own anchor of an id

OTHERS = ("W70", "W7-2", "xW7")


def jl(*rows) -> str:
    return "".join(
        (r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows
    )


def section(wid: str, body: str = "") -> str:
    return (
        # elements span lines, as the bulletin writes them
        f'<section class="w" data-worker="{html.escape(wid, quote=True)}">\n<h2>{body}</h2>\n'
        "</section>"
    )


def build(out, wid: str) -> dict[str, str]:
    """An output folder naming ``wid`` and three look-alike ids; returns what must stay."""
    e = html.escape(wid, quote=True)
    keep: dict[str, str] = {}
    (out / "matches.jsonl").write_text(
        jl(
            {"worker_id": wid, "vacancy_id": "V1"},
            {"worker_id": "W70", "vacancy_id": "V1"},
            {"worker_id": wid, "vacancy_id": "V2"},
            {"worker_id": "W7-2", "vacancy_id": "V2"},
            '{"worker_id": ' + json.dumps(wid) + ', "vacancy_id": "V3"',  # damaged, names wid
            # damaged, the id written as JSON keeps it without ensure_ascii (é stays, " escaped)
            '{"worker_id": ' + json.dumps(wid, ensure_ascii=False) + ', "vacancy_id": "V4"',
            '{"worker_id": "W70", "vacancy_id": "V3"',  # damaged, another worker
        ),
        "utf-8",
    )
    keep["matches.jsonl"] = jl(
        {"worker_id": "W70", "vacancy_id": "V1"},
        {"worker_id": "W7-2", "vacancy_id": "V2"},
        '{"worker_id": "W70", "vacancy_id": "V3"',
    )
    (out / "assignments.jsonl").write_text(
        jl(
            {"worker_id": wid, "place": "P1", "reason": "placed"},
            {"worker_id": "W70", "place": None, "reason": f"P1 taken by {wid}"},
            {"worker_id": "W7-2", "place": None, "reason": "P1 taken by W70"},
            {"worker_id": "xW7", "place": "P2", "reason": "placed"},
        ),
        "utf-8",
    )
    keep["assignments.jsonl"] = jl(
        {"worker_id": "W7-2", "place": None, "reason": "P1 taken by W70"},
        {"worker_id": "xW7", "place": "P2", "reason": "placed"},
    )
    (out / "rejected.jsonl").write_text(
        jl(
            {"id": wid, "raw": "", "reason": "invalid_value"},
            {"id": None, "raw": json.dumps({"id": wid, "x": 1}), "reason": "bad"},
            {"id": None, "raw": f"{wid},kok,{{}},extra", "reason": "malformed"},
            {"id": None, "raw": json.dumps({"id": "W70"}), "reason": "bad"},
            {"id": "W7-2", "raw": "", "reason": "invalid_value"},
            {"id": None, "raw": "W70,kok,{},extra", "reason": "malformed"},
        ),
        "utf-8",
    )
    keep["rejected.jsonl"] = jl(
        {"id": None, "raw": json.dumps({"id": "W70"}), "reason": "bad"},
        {"id": "W7-2", "raw": "", "reason": "invalid_value"},
        {"id": None, "raw": "W70,kok,{},extra", "reason": "malformed"},
    )
    b = out / "bulletin"
    b.mkdir()
    # the worker's own page parts: section, table row, navigation entry; other workers stay
    (b / "week.html").write_text(
        "<html><body><ul>"
        f'<li><a href="#w-W70">W70</a></li>'
        f'<li> <a class="n" href="week.html#w-{html.escape(_slug(wid))}">{e}</a> </li>'
        "</ul><table>"
        f'<tr data-worker="{e}">\n<td>{e}</td>\n</tr>'
        '<tr data-worker="W70"><td>W70</td></tr>'
        "</table>"
        + section(wid, e)
        + section("W70", "W70")
        + section("W7-2", "W7-2")
        + "</body></html>",
        "utf-8",
    )
    keep["bulletin/week.html"] = (
        "<html><body><ul>"
        '<li><a href="#w-W70">W70</a></li>'
        "</ul><table>"
        '<tr data-worker="W70"><td>W70</td></tr>'
        "</table>" + section("W70", "W70") + section("W7-2", "W7-2") + "</body></html>"
    )
    # a page that names the worker outside the worker's elements: deleted
    (b / "team.html").write_text(f"<p>{e} is met verlof</p>" + section(wid), "utf-8")
    # ... also when the text escapes the id without quotes (element text, not an attribute)
    (b / "notes.html").write_text(f"<p>{html.escape(wid, quote=False)} belt</p>", "utf-8")
    # a page about someone else: untouched
    other = "<p>W70 and W7-2 and xW7</p>" + section("W70")
    (b / "other.html").write_text(other, "utf-8")
    keep["bulletin/other.html"] = other
    return keep


@pytest.mark.parametrize(
    "wid", ["W7", "W7é", 'W<7>&"q', 'W7é"q'], ids=["plain", "accent", "html", "accent-quote"]
)
def test_forget_every_output_file(tmp_path, wid):
    out = tmp_path / "out"
    out.mkdir()
    keep = build(out, wid)
    res = forget_worker(wid, tmp_path / "state.sqlite", out_dir=out)
    for name, text in keep.items():
        assert (out / name).read_text("utf-8") == text, name
    assert not (out / "bulletin" / "team.html").exists()
    assert not (out / "bulletin" / "notes.html").exists()
    assert res.files_deleted == [str(out / "bulletin" / n) for n in ("notes.html", "team.html")]
    assert res.file_rows == {
        str(out / "matches.jsonl"): 4,
        str(out / "assignments.jsonl"): 2,
        str(out / "rejected.jsonl"): 3,
        str(out / "bulletin" / "week.html"): 3,
    }


def test_forget_someone_absent_changes_nothing(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    build(out, "W7")

    def files():  # the lock file (empty, dot-named) aside
        return {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name[0] != "."}

    before = files()
    res = forget_worker("W8", tmp_path / "state.sqlite", out_dir=out)
    assert files() == before
    assert res.files_deleted == []
    assert all(n == 0 for n in res.file_rows.values())
    assert str(out / "bulletin" / "week.html") not in res.file_rows  # never rewritten


def test_forget_without_an_output_folder_touches_no_file(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    build(out, "W7")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    res = forget_worker("W7", tmp_path / "state.sqlite")
    assert res.file_rows == {} and res.files_deleted == []
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("wid", ["None", "XXXX", "W7"])
def test_rows_of_other_workers_stay_whatever_they_lack(tmp_path, wid):
    """A row of another worker without a reason, or a last line without its newline, stays;
    damaged lines (also not UTF-8) go exactly when they name the worker."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "assignments.jsonl").write_bytes(
        (
            jl(
                {"worker_id": "A1", "place": "P1"},  # no reason at all
                {"worker_id": "A2", "place": None, "reason": None},
                {"worker_id": "A3", "place": None, "reason": f"P1 taken by {wid}"},
                '{"worker_id": ' + json.dumps(wid) + ', "place": "P9"',  # damaged, names wid
            )
            + '{"worker_id": "A4", "place": "P2"}'  # the last line, without a newline
        ).encode()
    )
    (out / "rejected.jsonl").write_text(
        jl(
            {"id": None, "raw": f"Jan;{wid};9000", "reason": "malformed"},  # a CSV cell
            {"id": None, "raw": "Jan;A9;9000", "reason": "malformed"},
            '{"id": null, "raw": ' + json.dumps(json.dumps({"id": wid})) + ', "rea',  # damaged
            '{"id": null, "raw": "A9", "rea',
        ),
        "utf-8",
    )
    (out / "matches.jsonl").write_bytes(
        b'{"worker_id": "A1", "vacancy_id": "Jos\xe9"}\n'  # not UTF-8: kept (replaced)
        + b'{"worker_id": "'
        + wid.encode()
        + b'", "vacancy_id": "Jos\xe9"}\n'
        + b'{"worker_id": "A2", "vacancy_id": "V1"}'
    )
    res = forget_worker(wid, tmp_path / "state.sqlite", out_dir=out)
    rows = (out / "assignments.jsonl").read_text("utf-8").splitlines()
    assert [json.loads(r)["worker_id"] for r in rows] == ["A1", "A2", "A4"]
    assert res.file_rows[str(out / "assignments.jsonl")] == 2
    kept = (out / "matches.jsonl").read_text("utf-8").splitlines()
    assert [json.loads(r)["worker_id"] for r in kept] == ["A1", "A2"]
    assert json.loads(kept[0])["vacancy_id"] == "Jos\ufffd"
    assert res.file_rows[str(out / "matches.jsonl")] == 1
    left = (out / "rejected.jsonl").read_text("utf-8").splitlines()
    assert left == [jl({"id": None, "raw": "Jan;A9;9000", "reason": "malformed"}).strip(),
                    '{"id": null, "raw": "A9", "rea']  # fmt: skip
    assert res.file_rows[str(out / "rejected.jsonl")] == 2


def test_a_numeric_id_in_a_rejected_row_names_the_worker(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "rejected.jsonl").write_text(
        jl({"id": 7, "raw": "", "reason": "x"}, {"id": 70, "raw": "", "reason": "x"}), "utf-8"
    )
    res = forget_worker("7", tmp_path / "state.sqlite", out_dir=out)
    assert [json.loads(r)["id"] for r in (out / "rejected.jsonl").read_text().splitlines()] == [70]
    assert res.file_rows[str(out / "rejected.jsonl")] == 1
