"""Reading input files with a quarantine: every line is used or rejected, none is lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings

from doorstroom_match import FeedError, Vacancy, ValidationError, WorkerProfile
from doorstroom_match.feeds import REJECT_KINDS, read_records, read_vacancies, read_workers

from .strategies import feed_lines

SAMPLE = Path(__file__).resolve().parents[1] / "datasets" / "sample"

GOOD_V = {"id": "V1", "title": "Magazijnier", "requirements": {"samenwerken": 3}}


def _write(tmp_path: Path, name: str, lines: list[str | bytes]) -> Path:
    p = tmp_path / name
    p.write_bytes(
        b"".join((x if isinstance(x, bytes) else x.encode("utf-8")) + b"\n" for x in lines)
    )
    return p


def _j(rec: object) -> str:
    return json.dumps(rec, ensure_ascii=False)


BROKEN_FEED = [
    _j(GOOD_V),  # 1 good
    '{"id": "V2", "title": "Kok", "requirements": {"samenwerken": 3',  # 2 malformed JSON
    _j({"title": "Kok"}),  # 3 missing id
    _j({"id": "V4", "title": "Kok", "requirements": {"initiatief": 5}}),  # 4 level out of range
    _j({"id": "V5", "title": "Kok", "requirements": {"samenwerkn": 2}}),  # 5 unknown competence
    _j({"id": "V1", "title": "Kok"}),  # 6 duplicate id
    _j({"id": "V7", "description": "geen titel"}),  # 7 missing title
    _j({"id": "V8", "title": "Kok", "capacity": "veel"}),  # 8 wrong type
    "",  # 9 blank
    _j([1, 2, 3]),  # 10 not an object
    b'{"id": "V11", "title": "K\xff\xfek"}',  # 11 not UTF-8
    _j({"id": "V12", "title": "Kok", "requirements": {"motivatie": "uitstekend"}}),  # 12 bad label
    _j({"id": "V13", "title": "Kok", "kind": "stage"}),  # 13 invalid value
    _j({"id": "V14", "title": "Heftruckchauffeur", "requirements": {"motivatie": "goed"}}),  # 14
    "   ",  # 15 blank
]


def test_every_kind_of_broken_line_is_reported_and_none_lost(tmp_path):
    path = _write(tmp_path, "feed.jsonl", BROKEN_FEED)
    res = read_vacancies(path)
    assert [v.id for v in res.items] == ["V1", "V14"]
    assert res.lines == [1, 14]
    assert res.n_blank == 2
    assert len(res.items) + len(res.rejected) == res.n_lines == 13
    kinds = {r.line: r.kind for r in res.rejected}
    assert kinds == {
        2: "malformed_json",
        3: "missing_id",
        4: "level_out_of_range",
        5: "unknown_competence",
        6: "duplicate_id",
        7: "missing_title",
        8: "wrong_type",
        10: "wrong_type",
        11: "encoding",
        12: "level_out_of_range",
        13: "invalid_value",
    }
    assert set(kinds.values()) <= set(REJECT_KINDS)
    by_line = {r.line: r for r in res.rejected}
    assert "did you mean 'samenwerken'" in by_line[5].reason
    assert "first on line 1" in by_line[6].reason and by_line[6].id == "V1"
    assert by_line[2].raw == BROKEN_FEED[1] and by_line[2].id == "V2"  # id sniffed from broken JSON
    assert by_line[4].source == str(path)
    for r in res.rejected:
        rec = r.to_record()
        assert set(rec) == {"source", "line", "raw", "reason", "kind", "id"}
        json.dumps(rec)


def test_broken_workers_are_reported_without_crashing(tmp_path):
    lines = [
        _j({"id": "W1", "competences": {"samenwerken": "goed"}}),
        _j({"id": "W2", "competences": {"samenwerken": 0}}),
        _j({"id": "W3", "competences": ["samenwerken"]}),
        _j({"id": "W4"}),
        _j({"id": "W5", "competences": {"samenwerken": 2}, "max_commute_km": "ver"}),
        _j({"id": "W6", "competences": {"samenwerken": 2, "Samenwerken": 3}}),
        _j({"id": True, "competences": {}}),
        _j({"id": "W1", "competences": {"samenwerken": 1}}),
    ]
    res = read_workers(_write(tmp_path, "workers.jsonl", lines))
    assert [w.id for w in res.items] == ["W1"]
    assert len(res.rejected) == 7 and res.n_lines == 8
    kinds = [r.kind for r in res.rejected]
    assert kinds == [
        "level_out_of_range",
        "wrong_type",
        "invalid_value",
        "wrong_type",
        "invalid_value",
        "wrong_type",
        "duplicate_id",
    ]


@pytest.mark.parametrize("stem,kind", [("feed_broken", "vacancy"), ("workers_broken", "worker")])
def test_bundled_broken_files_match_their_manifest(stem, kind):
    manifest = json.loads((SAMPLE / f"{stem}.manifest.json").read_text("utf-8"))
    res = read_records(SAMPLE / f"{stem}.jsonl", kind)
    expect = {
        "malformed_json": "malformed_json",
        "missing_id": "missing_id",
        "level_5": "level_out_of_range",
        "unknown_competence": "unknown_competence",
        "duplicate_id": "duplicate_id",
    }
    assert {r.line: r.kind for r in res.rejected} == {
        m["line"]: expect[m["kind"]] for m in manifest
    }
    assert len(res.items) + len(res.rejected) == res.n_lines
    clean = [
        json.loads(x)
        for x in (SAMPLE / f"{stem.split('_')[0]}.jsonl").read_text("utf-8").splitlines()
    ]
    broken_lines = {m["line"] for m in manifest}
    assert [x.id for x in res.items] == [
        r["id"] for i, r in enumerate(clean, 1) if i not in broken_lines
    ]


def test_duplicate_across_feed_and_places_names_the_file(tmp_path):
    feed = _write(tmp_path, "feed.jsonl", [_j(GOOD_V)])
    places = _write(tmp_path, "places.jsonl", [_j({**GOOD_V, "kind": "tbs"})])
    seen: dict = {}
    read_vacancies(feed, seen=seen)
    res = read_vacancies(places, seen=seen, what="places")
    assert res.items == []
    assert res.rejected[0].kind == "duplicate_id"
    assert f"line 1 of {feed}" in res.rejected[0].reason


# ------------------------------------------------------------------------------ CSV
def test_csv_vacancies_with_level_columns_equal_the_jsonl_form(tmp_path):
    csv_text = (
        "id,title,description,kind,capacity,valid_until,req_samenwerken,req_Nauwkeurigheid,employer\n"
        'V1,Magazijnier,"Orde, netheid\nen tempo",vacancy,2,2026-12-31,goed,3,Depot NV\n'
        "V2,Kok,,bvs,1,,2,,\n"
    )
    p = tmp_path / "feed.csv"
    p.write_text(csv_text, "utf-8")
    res = read_vacancies(p)
    assert res.rejected == [] and res.n_lines == 2
    assert res.lines == [2, 4]  # the quoted cell spans lines 2-3
    v1 = Vacancy.from_record(
        {
            "id": "V1",
            "title": "Magazijnier",
            "description": "Orde, netheid\nen tempo",
            "kind": "vacancy",
            "capacity": 2,
            "valid_until": "2026-12-31",
            "employer": "Depot NV",
            "requirements": {"samenwerken": 3, "nauwkeurigheid": 3},
        }
    )
    assert res.items[0] == v1
    assert dict(res.items[1].requirements) == {"samenwerken": 2} and res.items[1].kind == "bvs"


def test_csv_json_cells_and_bad_rows(tmp_path):
    csv_text = (
        "id,title,requirements,req_motivatie\n"
        'V1,Kok,"{""samenwerken"": 3}",\n'
        'V2,Kok,"{""samenwerken"": 3",\n'
        'V3,Kok,"{""samenwerken"": 3}",2\n'
        "V4,Kok,,5\n"
        "V5,Kok,,2,extra\n"
        ",,,\n"
        "V6,,,2\n"
    )
    p = tmp_path / "feed.csv"
    p.write_text(csv_text, "utf-8")
    res = read_vacancies(p)
    assert [v.id for v in res.items] == ["V1"]
    assert dict(res.items[0].requirements) == {"samenwerken": 3}
    assert [(r.line, r.kind) for r in res.rejected] == [
        (3, "malformed_json"),
        (4, "invalid_value"),
        (5, "level_out_of_range"),
        (6, "malformed_csv"),
        (8, "missing_title"),
    ]
    assert res.n_blank == 1 and res.n_lines == 6
    assert res.rejected[3].raw == "V5,Kok,,2,extra"


def test_csv_workers(tmp_path):
    p = tmp_path / "workers.csv"
    p.write_text(
        "id,job_target,postcode,max_commute_km,coach,comp_samenwerken,comp_initiatief,limits\n"
        "W1,magazijnier,9000,25,C1,goed,2,rug|tillen\n"
        "W2,kok,9000,ver,C1,3,,\n",
        "utf-8",
    )
    res = read_workers(p)
    assert [w.id for w in res.items] == ["W1"]
    w = res.items[0]
    assert isinstance(w, WorkerProfile)
    assert dict(w.competences) == {"samenwerken": 3, "initiatief": 2}
    assert w.max_commute_km == 25.0 and w.limits == ("rug", "tillen")
    assert res.rejected[0].kind == "wrong_type" and res.rejected[0].line == 3


# ------------------------------------------------------------------------------ file errors
def test_missing_file_raises_feed_error(tmp_path):
    with pytest.raises(FeedError, match="feed file not found"):
        read_vacancies(tmp_path / "nope.jsonl")
    with pytest.raises(FeedError, match="must be a file"):
        read_workers(tmp_path)


def test_json_array_file_is_refused(tmp_path):
    p = tmp_path / "feed.json"
    p.write_text(json.dumps([GOOD_V]), "utf-8")
    with pytest.raises(FeedError, match="one JSON array; expected JSON Lines"):
        read_vacancies(p)


def test_csv_header_errors(tmp_path):
    p = tmp_path / "feed.csv"
    p.write_text("id,title,title\nV1,a,b\n", "utf-8")
    with pytest.raises(FeedError, match="name each column once"):
        read_vacancies(p)
    p.write_bytes(b"id,ti\x81tle\nV1,Kok\n")  # 0x81: neither UTF-8 nor Windows-1252
    with pytest.raises(FeedError, match="header row .* neither UTF-8 nor Windows-1252"):
        read_vacancies(p)
    p.write_bytes(b'"id,title\nV1,Kok\n')
    with pytest.raises(FeedError, match="header row is not valid CSV"):
        read_vacancies(p)


def test_bad_kind_parameter(tmp_path):
    with pytest.raises(ValidationError, match="kind must be 'worker' or 'vacancy'"):
        read_records(tmp_path / "x.jsonl", "place")


def test_empty_file_reads_nothing(tmp_path):
    p = _write(tmp_path, "feed.jsonl", [])
    res = read_vacancies(p)
    assert (res.items, res.rejected, res.n_lines) == ([], [], 0)


@settings(max_examples=40)
@given(feed_lines())
def test_no_line_is_ever_lost(tmp_path_factory, case):
    lines, n_good_expected = case
    path = _write(tmp_path_factory.mktemp("feed"), "feed.jsonl", lines)
    res = read_vacancies(path)
    n_blank = sum(1 for x in lines if not x.strip())
    assert res.n_blank == n_blank
    assert len(res.items) + len(res.rejected) == res.n_lines == len(lines) - n_blank
    assert len(res.items) == n_good_expected
    assert sorted(res.lines + [r.line for r in res.rejected]) == [
        i for i, x in enumerate(lines, 1) if x.strip()
    ]


def test_docstring_examples():
    import doctest

    import doorstroom_match.feeds as mod

    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0
