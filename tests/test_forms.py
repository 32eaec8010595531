"""doorstroom_match.forms: the ratings form and .xlsx workers/vacancies (openpyxl, forms extra)."""

from __future__ import annotations

import csv
import json

import pytest
from hypothesis import given, settings

from doorstroom_match import WorkerProfile, cli
from doorstroom_match._exceptions import FeedError, ValidationError
from doorstroom_match.competences import LEVEL_LABELS, default_dictionary
from doorstroom_match.feeds import read_records, read_vacancies, read_workers

from .strategies import ratings_form_cells

openpyxl = pytest.importorskip(
    "openpyxl", reason="the .xlsx forms need openpyxl (the 'forms' extra)"
)
from doorstroom_match import forms  # noqa: E402

D = default_dictionary()


def _fill(path, rows, start_row=2):
    """Write cells into the form sheet of an existing template, from ``start_row``."""
    wb = openpyxl.load_workbook(path)
    ws = wb["beoordelingen"]
    for i, row in enumerate(rows):
        for j, value in enumerate(row, start=1):
            ws.cell(row=start_row + i, column=j, value=value)
    wb.save(path)


def _blank_template(tmp_path, name="r.xlsx", **kw):
    return forms.write_ratings_template(tmp_path / name, **kw)


# ------------------------------------------------------------------ the template
def test_template_has_dropdowns_and_the_competence_list(tmp_path):
    path = forms.write_ratings_template(tmp_path / "r.xlsx", ["W1", "W2"])
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["beoordelingen", "competenties", "uitleg"]
    ws = wb["beoordelingen"]
    assert [c.value for c in ws[1]] == list(forms.RATINGS_COLUMNS)
    n = len(D.ids)
    assert ws.max_row == 1 + 2 * 3 * n  # worker x rater x competence, levels blank
    assert {ws.cell(r, 1).value for r in range(2, ws.max_row + 1)} == {"W1", "W2"}
    assert all(ws.cell(r, 5).value is None for r in range(2, ws.max_row + 1))
    dv = {str(v.sqref).split(":")[0]: v for v in ws.data_validations.dataValidation}
    levels = dv["E2"].formula1.strip('"').split(",")
    assert levels == [LEVEL_LABELS[k] for k in (1, 2, 3, 4)]
    assert dv["E2"].type == "list" and dv["E2"].showErrorMessage
    assert dv["B2"].formula1.strip('"').split(",") == list(forms.RATERS)
    assert dv["C2"].formula1 == f"=competenties!$B$2:$B${1 + n}"
    for v in dv.values():  # the drop-downs reach well past the prefilled rows
        assert int(str(v.sqref).split(":")[1][1:]) >= ws.max_row + 100
    cs = wb["competenties"]
    header = [c.value for c in cs[1]]
    assert header[:3] == ["id", "competentie", "groep"]
    assert header[-4:] == ["onvoldoende", "matig", "goed", "zeer goed"]
    rows = list(cs.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == list(D.ids)
    for r, comp in zip(rows, D, strict=True):
        assert r[1] == comp.label and r[2] == comp.group
        assert all(isinstance(x, str) and x for x in r[-4:])


def test_template_without_workers_and_bad_raters(tmp_path):
    path = forms.write_ratings_template(tmp_path / "r.xlsx")
    form = forms.read_ratings_form(path)
    assert form.ratings == {} and form.rejected == []
    with pytest.raises(ValidationError, match="raters must be among"):
        forms.write_ratings_template(tmp_path / "x.xlsx", raters=["baas"])


def test_cli_template(tmp_path, capsys):
    out = tmp_path / "ratings.xlsx"
    assert cli.main(["template", "ratings", "--out", str(out), "--worker", "W7"]) == 0
    assert "wrote" in capsys.readouterr().out
    ws = openpyxl.load_workbook(out)["beoordelingen"]
    assert ws.cell(2, 1).value == "W7"
    with pytest.raises(SystemExit):
        cli.main(["template", "plan", "--out", str(out)])


# ------------------------------------------------------------------ round trip
def test_ratings_round_trip_with_quarantine(tmp_path):
    path = _blank_template(tmp_path)
    rows = [
        ["W1", "assessor", "Samenwerken", None, "goed"],
        ["W1", "zelf", "samenwerken", "vraagt hulp", "Zeer Goed"],
        ["W1", "begeleider", "nauwkeurigheid/orde", None, 2],
        ["W1", "assessor", "initiatief", None, None],  # not rated: skipped
        ["W2", "begeleider", "motivatie", None, 3.0],
        ["W2", "assessor", "samenwerkn", None, "goed"],  # unknown competence
        ["W2", "assessor", "motivatie", None, "heel goed"],  # not a level
        ["W2", "assessor", "motivatie", None, 5],  # out of range
        ["W2", "baas", "motivatie", None, "goed"],  # unknown rater
        [None, "assessor", "motivatie", None, "goed"],  # no worker
        ["W3", "assessor", None, None, "goed"],  # no competence
    ]
    _fill(path, rows)
    form = forms.read_ratings_form(path)
    assert form.ratings == {
        "W1": [
            {"rater": "assessor", "competence": "samenwerken", "level": 3},
            {"rater": "zelf", "competence": "samenwerken", "level": 4, "indicator": "vraagt hulp"},
            {"rater": "begeleider", "competence": "nauwkeurigheid", "level": 2},
        ],
        "W2": [{"rater": "begeleider", "competence": "motivatie", "level": 3}],
    }
    assert form.rows == {"W1": [2, 3, 4], "W2": [6]}
    got = [(r.line, r.kind, r.id) for r in form.rejected]
    assert got == [
        (7, "unknown_competence", "W2"),
        (8, "level_out_of_range", "W2"),
        (9, "level_out_of_range", "W2"),
        (10, "invalid_value", "W2"),
        (11, "missing_id", None),
        (12, "invalid_value", "W3"),
    ]
    assert "did you mean" in form.rejected[0].reason
    for r in form.rejected:  # reasons name the row, never a level
        assert f"row {r.line}" in r.reason
        assert "heel goed" not in r.reason and "5" not in r.reason.replace(f"row {r.line}", "")
        assert json.loads(r.raw)
    assert form.n_blank == 1
    profiles = form.profiles()
    assert [p.id for p in profiles] == ["W1", "W2"]
    expected = WorkerProfile.from_ratings("W1", form.ratings["W1"])
    assert (
        profiles[0].competences
        == expected.competences
        == {
            "samenwerken": 3,  # (3 + 0.5 * 4) / 1.5 = 3.33 -> 3
            "nauwkeurigheid": 2,
        }
    )


@settings(max_examples=15)
@given(ratings_form_cells())
def test_ratings_round_trip_property(tmp_path_factory, cells):
    rows, expected = cells
    path = _blank_template(tmp_path_factory.mktemp("form"))
    _fill(path, rows)
    form = forms.read_ratings_form(path)
    want: dict[str, list[dict]] = {}
    for worker, rating in expected:
        if rating is not None:
            want.setdefault(worker, []).append(rating)
    assert form.ratings == want
    assert form.rejected == []
    assert form.n_blank == sum(r is None for _, r in expected)


def test_ratings_form_as_workers_file(tmp_path):
    path = _blank_template(tmp_path)
    _fill(
        path,
        [
            ["W1", "assessor", "samenwerken", None, "goed"],
            ["W2", "assessor", "motivatie", None, "matig"],
            ["W1", "begeleider", "samenwerken", None, "goed"],
            ["W2", "assessor", "samenwerkn", None, "goed"],
        ],
    )
    res = read_workers(path)
    assert [w.id for w in res.items] == ["W1", "W2"]
    assert res.items[0].competences == {"samenwerken": 3}
    assert res.lines == [2, 3]
    assert [(r.line, r.kind) for r in res.rejected] == [(5, "unknown_competence")]
    assert len(res.items) + len(res.rejected) == res.n_lines
    with pytest.raises(FeedError, match="ratings form; it can only be read as workers"):
        read_vacancies(path)


# ------------------------------------------------------------------ worker and vacancy tables
WORKER_HEADER = [
    "id",
    "job_target",
    "postcode",
    "max_commute_km",
    "comp_samenwerken",
    "comp_initiatief",
    "competences",
]


def _table(path, header, rows, sheet="werknemers"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_worker_table_reads_like_the_same_csv(tmp_path):
    rows = [
        ["W1", "magazijnier", 9000, 20, "goed", 3, None],
        ["W2", "poetshulp", "2000", 12.5, None, None, '{"motivatie": "matig"}'],
        [None, None, None, None, None, None, None],  # an empty row
        ["W3", "kok", "8000", 15, 5, None, None],  # level out of range
        [None, "kok", "8000", 15, 2, None, None],  # no id
        ["W1", "kok", "8000", 15, 2, None, None],  # duplicate id
        ["W4", "kok", "8000", 15, 2, None, '{"motivatie": '],  # malformed JSON cell
    ]
    xlsx = read_workers(_table(tmp_path / "w.xlsx", WORKER_HEADER, rows))
    with open(tmp_path / "w.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(WORKER_HEADER)
        for row in rows:
            w.writerow(["" if c is None else c for c in row])
    csv_res = read_workers(tmp_path / "w.csv")
    assert [p.to_record() for p in xlsx.items] == [p.to_record() for p in csv_res.items]
    assert [p.id for p in xlsx.items] == ["W1", "W2"]
    assert xlsx.items[0].postcode == "9000"  # a postcode typed as a number stays a code
    assert (
        [(r.line, r.kind) for r in xlsx.rejected]
        == [(r.line, r.kind) for r in csv_res.rejected]
        == [
            (5, "level_out_of_range"),
            (6, "missing_id"),
            (7, "duplicate_id"),
            (8, "malformed_json"),
        ]
    )
    assert xlsx.n_blank == 1 and len(xlsx.items) + len(xlsx.rejected) == xlsx.n_lines


def test_vacancy_table_and_dates(tmp_path):
    import datetime as dt

    header = ["id", "title", "kind", "postcode", "capacity", "valid_until", "req_samenwerken"]
    rows = [
        ["V1", "Magazijnier (m/v/x)", "vacancy", 9000, 2, dt.datetime(2026, 12, 31), "goed"],
        ["V2", None, "vacancy", 9000, 1, None, None],  # no title
    ]
    res = read_records(_table(tmp_path / "f.xlsx", header, rows, "vacatures"), "vacancy")
    (v,) = res.items
    assert v.requirements == {"samenwerken": 3} and v.capacity == 2
    assert str(v.valid_until) == "2026-12-31"
    assert [(r.line, r.kind) for r in res.rejected] == [(3, "missing_title")]


def test_unreadable_workbooks(tmp_path):
    with pytest.raises(FeedError, match="does not exist"):
        read_workers(tmp_path / "missing.xlsx")
    bad = tmp_path / "bad.xlsx"
    bad.write_text("id,title\n", encoding="utf-8")
    with pytest.raises(FeedError, match="not a readable .xlsx workbook"):
        read_workers(bad)
    with pytest.raises(FeedError, match="no sheet has an 'id' column"):
        read_workers(_table(tmp_path / "t.xlsx", ["naam", "doel"], [["x", "y"]]))
    with pytest.raises(FeedError, match="no sheet has the columns worker, competence and level"):
        forms.read_ratings_form(tmp_path / "t.xlsx")


def test_doctests():
    import doctest

    result = doctest.testmod(forms, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
