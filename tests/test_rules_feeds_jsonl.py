"""The JSON Lines feed format and the reader's bookkeeping, from the ``feeds.py`` docstrings.

One JSON object per line (UTF-8; lines end with ``\\n``, ``\\r\\n`` or a lone ``\\r``; a BOM at
the start of the file is dropped); a line that is not UTF-8, not JSON, or holds a lone
surrogate escape is rejected with its line number, raw text and reason (``malformed JSON:
<json's message> (column N)``); an id used twice is rejected on the later line, naming where it
was first (also across files read with the same ``seen``); ``what`` names the file in messages.
"""

from __future__ import annotations

import json

import pytest

from doorstroom_match import Competence, CompetenceDictionary, FeedError, default_dictionary
from doorstroom_match.feeds import iter_lines, read_records, read_vacancies, read_workers


def _v(vid, **kw):
    return json.dumps({"id": vid, "title": "kok", **kw}, ensure_ascii=False)


def test_line_endings_bom_and_undecodable_lines(tmp_path):
    p = tmp_path / "f.jsonl"
    p.write_bytes(
        b"\xef\xbb\xbf"
        + _v("V1").encode()
        + b"\r\n"
        + _v("V2").encode()
        + b"\r"  # a lone CR ends a line (old Mac files)
        + b"\r"  # and an empty one
        + _v("V3").encode()
        + b"\n"
        + b'{"id": "V4", "title": "Jos\xe9"}\n'  # not UTF-8
        + b"\xef\xbb\xbf"
        + _v("V5").encode()  # a BOM inside the file is no BOM: malformed
        + b"\n"
        + _v("V6").encode()  # no line ending at the end
    )
    assert list(iter_lines(p))[:4] == [
        (1, _v("V1"), _v("V1")),
        (2, _v("V2"), _v("V2")),
        (3, "", ""),
        (4, _v("V3"), _v("V3")),
    ]
    assert list(iter_lines(p))[4] == (5, None, '{"id": "V4", "title": "Jos\ufffd"}')
    res = read_vacancies(p)
    assert [v.id for v in res.items] == ["V1", "V2", "V3", "V6"]
    assert res.lines == [1, 2, 4, 7]
    assert [(r.line, r.kind) for r in res.rejected] == [(5, "encoding"), (6, "malformed_json")]
    assert res.rejected[0].reason == "line is not valid UTF-8 text"
    assert res.rejected[0].raw == '{"id": "V4", "title": "Jos\ufffd"}'
    assert res.rejected[1].reason == (  # json's own words (Python 3.11)
        "malformed JSON: Unexpected UTF-8 BOM (decode using utf-8-sig) (column 1)"
    )
    assert res.n_blank == 1 and res.n_lines == 6 and res.n_recoded == 0
    assert res.source == str(p)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('{"id": "V1", "title": "kok",}', "malformed JSON: Expecting property name enclosed "
         "in double quotes (column 29)"),
        ('{"id": "V1" "title": "kok"}', "malformed JSON: Expecting ',' delimiter (column 13)"),
        ("[" * 100_000, "malformed JSON: the JSON is nested too deeply"),
        ('{"id": "V1", "capacity": 1' + "0" * 5000 + "}", "malformed JSON: a value cannot be "
         "held (Exceeds the limit (4300 digits) for integer string conversion: value has 5001 "
         "digits)"),
    ],
)  # fmt: skip
def test_malformed_json_says_why(tmp_path, line, reason):
    p = tmp_path / "f.jsonl"
    p.write_text(_v("V0") + "\n" + line + "\n", "utf-8")
    res = read_vacancies(p)
    assert [v.id for v in res.items] == ["V0"]
    assert [(r.line, r.kind, r.reason) for r in res.rejected] == [(2, "malformed_json", reason)]
    assert res.rejected[0].id == ("V1" if line.startswith("{") else None)


def test_json_with_nan_and_a_lone_surrogate(tmp_path):
    p = tmp_path / "f.jsonl"
    p.write_text(
        _v("V1", description="a") + "\n"
        '{"id": "V2", "title": "kok", "description": "\\ud800"}\n'
        '{"id": "\\ud800", "title": "kok"}\n'
        '{"id": "V3", "title": "kok", "capacity": NaN}\n'
        '{"id": "V\\u0034", "title": "k\\u00f6k"}\n',
        "utf-8",
    )
    res = read_vacancies(p)
    assert [(v.id, v.title) for v in res.items] == [("V1", "kok"), ("V4", "kök")]
    r = res.rejected
    assert [(x.line, x.kind, x.id) for x in r[:2]] == [(2, "encoding", "V2"), (3, "encoding", None)]
    assert r[0].reason == (
        "a string holds a lone surrogate escape (such as \\ud800), which is no character"
    )
    assert r[2].line == 4 and r[2].kind != "malformed_json"  # NaN parses (as json does)


def test_duplicate_ids_within_and_across_files(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text(_v("V1") + "\n" + _v("V2") + "\n" + _v("V1") + "\n", "utf-8")
    places = tmp_path / "places.jsonl"
    places.write_text(_v("V2") + "\n" + _v("P1") + "\n", "utf-8")
    seen: dict = {}
    res = read_vacancies(feed, seen=seen)
    assert [v.id for v in res.items] == ["V1", "V2"]
    assert res.rejected[0].reason == (
        "duplicate vacancy id 'V1': first on line 1; this later line is rejected"
    )
    assert (res.rejected[0].kind, res.rejected[0].id, res.rejected[0].line) == (
        "duplicate_id",
        "V1",
        3,
    )
    res2 = read_vacancies(places, seen=seen, what="places")
    assert [v.id for v in res2.items] == ["P1"]
    assert res2.rejected[0].reason == (
        f"duplicate vacancy id 'V2': first on line 2 of {str(feed)}; this later line is rejected"
    )
    assert seen == {"V1": (str(feed), 1), "V2": (str(feed), 2), "P1": (str(places), 2)}
    workers = tmp_path / "w.jsonl"
    workers.write_text(
        '{"id": "W1", "competences": {"samenwerken": 3}}\n'
        '{"id": "W1", "competences": {"samenwerken": 2}}\n',
        "utf-8",
    )
    assert read_workers(workers).rejected[0].reason.startswith("duplicate worker id 'W1'")


def test_what_names_the_file_and_kind_is_checked(tmp_path):
    with pytest.raises(FeedError, match=r"^places file not found: "):
        read_vacancies(tmp_path / "x.jsonl", what="places")
    with pytest.raises(FeedError, match=r"^feed file not found: "):
        read_vacancies(tmp_path / "x.jsonl")
    with pytest.raises(FeedError, match=r"^workers file not found: "):
        read_workers(tmp_path / "x.jsonl")
    with pytest.raises(FeedError, match=r"^workers must be a file, got the directory "):
        read_workers(tmp_path)
    with pytest.raises(ValueError, match=r"^kind must be 'worker' or 'vacancy', got 'place'$"):
        read_records(tmp_path / "x.jsonl", "place")
    p = tmp_path / "w.csv"
    p.write_text("id;comp_samenwerken\nW1;3\n", "utf-8")
    assert [dict(w.competences) for w in read_workers(p, delimiter=";").items] == [
        {"samenwerken": 3}
    ]


def test_a_custom_dictionary_and_names_resolved_once_per_spelling(tmp_path):
    d = CompetenceDictionary([Competence("lassen", "Lassen", aliases=("lassen mig",))])
    p = tmp_path / "w.jsonl"
    p.write_text(
        "\n".join(
            json.dumps({"id": f"W{i}", "competences": {name: 3}})
            for i, name in enumerate(["lassen", "Lassen MIG", "lassen", "lasen", "Lassen MIG"])
        )
        + "\n",
        "utf-8",
    )
    res = read_workers(p, dictionary=d)
    assert [(w.id, dict(w.competences)) for w in res.items] == [
        ("W0", {"lassen": 3}),
        ("W1", {"lassen": 3}),
        ("W2", {"lassen": 3}),
        ("W4", {"lassen": 3}),
    ]
    assert [(r.line, r.kind) for r in res.rejected] == [(4, "unknown_competence")]
    assert "lassen" in res.rejected[0].reason  # the did-you-mean
    # the default dictionary does not know it
    assert [r.kind for r in read_workers(p).rejected] == ["unknown_competence"] * 5
    assert default_dictionary().resolve("Samenwerken") == "samenwerken"


VACANCY_LINES = [
    ("null", "wrong_type", None, "a vacancy line must be a JSON object, got null"),
    ("[1, 2]", "wrong_type", None, "a vacancy line must be a JSON object, got list"),
    ('"text"', "wrong_type", None, "a vacancy line must be a JSON object, got str"),
    ("3", "wrong_type", None, "a vacancy line must be a JSON object, got int"),
    ('{"title": "kok"}', "missing_id", None, "vacancy line has no 'id'"),
    ('{"id": "  ", "title": "k"}', "missing_id", "  ", "vacancy line has no 'id'"),
    ('{"id": true, "title": "x"}', "wrong_type", None,
     "vacancy id must be a non-empty string, got True"),
    ('{"id": "V1"}', "missing_title", "V1", "vacancy 'V1' has no 'title'"),
    ('{"id": "V2", "title": "  "}', "missing_title", "V2", "vacancy 'V2' has no 'title'"),
    ('{"id": "V3", "title": "k", "requirements": {"samenwerken": 3, "Samenwerken": 2}}',
     "invalid_value", "V3", "requirements of vacancy 'V3': 'Samenwerken' and 'samenwerken' "
     "both name competence 'samenwerken'"),
    ('{"id": "V5", "title": "k", "valid_until": [1]}', "wrong_type", "V5",
     "valid_until of vacancy 'V5' must be an ISO date (YYYY-MM-DD), got [1]"),
    ('{"id": "V7", "title": {"a": 1}}', "wrong_type", "V7",
     "title of vacancy 'V7' must be a non-empty string, got {'a': 1}"),
]  # fmt: skip


def test_every_kind_of_unusable_record_says_why(tmp_path):
    p = tmp_path / "f.jsonl"
    p.write_text("\n".join(line for line, *_ in VACANCY_LINES) + "\n" + _v(7) + "\n", "utf-8")
    res = read_vacancies(p)
    assert [v.id for v in res.items] == ["7"]  # an int id is its decimal string
    got = [(r.line, r.kind, r.id, r.reason) for r in res.rejected]
    want = [(i + 1, kind, rid, reason) for i, (_, kind, rid, reason) in enumerate(VACANCY_LINES)]
    assert got == want
    w = tmp_path / "w.jsonl"
    w.write_text(
        'null\n{"competences": {}}\n'
        '{"id": "W1", "competences": {"samenwerken": 3, "Samenwerken": 2}}\n',
        "utf-8",
    )
    assert [(r.kind, r.reason) for r in read_workers(w).rejected] == [
        ("wrong_type", "a worker line must be a JSON object, got null"),
        ("missing_id", "worker line has no 'id'"),
        ("invalid_value", "competences of worker 'W1': 'Samenwerken' and 'samenwerken' both "
         "name competence 'samenwerken'"),
    ]  # fmt: skip


def test_vacancies_read_with_a_custom_dictionary(tmp_path):
    d = CompetenceDictionary([Competence("lassen", "Lassen", aliases=("lassen mig",))])
    p = tmp_path / "f.jsonl"
    p.write_text(_v("V1", requirements={"Lassen MIG": 3}) + "\n", "utf-8")
    res = read_vacancies(p, dictionary=d)
    assert [dict(v.requirements) for v in res.items] == [{"lassen": 3}]
    assert [r.kind for r in read_vacancies(p).rejected] == ["unknown_competence"]


def test_a_rejected_line_keeps_its_raw_text_and_the_field_is_named(tmp_path):
    p = tmp_path / "f.jsonl"
    p.write_bytes(b"broken X  \r\n{oops X\n" + _v("V1", requirements={"lasen": 3}).encode() + b"\n")
    res = read_vacancies(p)
    assert [r.raw for r in res.rejected][:2] == ["broken X  ", "{oops X"]
    assert res.rejected[2].reason.startswith(
        "unknown competence in requirements of vacancy 'V1' 'lasen'; did you mean"
    )
