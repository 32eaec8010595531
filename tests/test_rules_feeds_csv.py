"""The CSV feed format, from the ``feeds.py`` module docstring, on hand-built files.

Every non-blank line ends up as a record or as a rejected row naming the file, the line, the
raw text and the reason (``len(items) + len(rejected) == n_lines``); the delimiter is sniffed
from the header (``,``, ``;``, tab or ``|``, the most frequent outside quotes, ``,`` on a tie)
or given; each line is UTF-8 (with or without BOM) or else Windows-1252, and a line that is
neither (or holds a NUL byte) is quarantined alone; a decimal comma is a decimal point; a row
must have as many cells as the header; a quote that is never closed rejects only its own line;
levels go in ``req_<competence>`` / ``comp_<competence>`` columns or one JSON cell, not both;
empty cells are left out; ``limits`` is ``|``-separated.
"""

from __future__ import annotations

import re

import pytest

from doorstroom_match import FeedError, ValidationError
from doorstroom_match.feeds import read_records, read_vacancies, read_workers, sniff_delimiter


def _write(tmp_path, data: bytes, name="feed.csv"):
    p = tmp_path / name
    p.write_bytes(data)
    return p


def _rej(res):
    return [(r.line, r.kind, r.id) for r in res.rejected]


def test_a_semicolon_feed_with_every_kind_of_line(tmp_path):
    lines = [
        b"\xef\xbb\xbf\r\n",  # BOM, then a blank line before the header
        b"  \r\n",
        b"id;title;capacity;req_samenwerken;description\r\n",  # header on line 3
        b"V1;Kok; 2 ;3;gewoon\r\n",
        b"V2;Caf\xe9baas;1;2;oud\r\n",  # Windows-1252: recoded
        b"V3;Kok\x81;1;2;x\r\n",  # 0x81: neither UTF-8 nor Windows-1252
        b"V4;Kok\x00;1;2;x\r\n",  # a NUL byte
        b'V5;Kok;1;2;"twee\r\n',  # a quoted cell over two lines, the row complete
        b'regels"\r\n',
        b'V6;Kok;"1\r\n',  # a quoted cell over two lines into too few cells
        b'x";y\r\n',  # then read on its own: two cells
        b"V7;Kok;1;2\r\n",  # one cell short
        b";;;;\r\n",  # only empty cells: blank
        b"V8;Kok;;;\r\n",  # empty cells left out
    ]
    p = _write(tmp_path, b"".join(lines))
    res = read_vacancies(p)
    assert [v.id for v in res.items] == ["V1", "V2", "V5", "V8"]
    assert res.lines == [4, 5, 8, 14]
    v1, v2, v5, v8 = res.items
    assert v1.capacity == 2 and dict(v1.requirements) == {"samenwerken": 3}
    assert v2.title == "Cafébaas" and v2.description == "oud"
    assert v5.description == "twee\r\nregels"
    assert v8.capacity == 1 and dict(v8.requirements) == {} and v8.description == ""
    assert _rej(res) == [
        (6, "encoding", None),
        (7, "encoding", None),
        (10, "malformed_csv", None),
        (11, "malformed_csv", 'x"'),
        (12, "malformed_csv", "V7"),
    ]
    r = {x.line: x for x in res.rejected}
    assert r[6].reason == r[7].reason == "line is neither UTF-8 nor Windows-1252 text"
    assert r[6].raw == "V3;Kok\ufffd;1;2;x" and r[7].raw == "V4;Kok\x00;1;2;x"
    assert r[10].reason == (
        "malformed CSV: a quoted cell runs over 2 lines into a row of 4 cells (the header "
        "has 5): a quote is not closed"
    )
    assert r[10].raw == 'V6;Kok;"1'
    assert r[11].raw == 'x";y'
    assert r[11].reason == "malformed CSV: the row has 2 cells, the header has 5"
    assert r[12].reason == "malformed CSV: the row has 4 cells, the header has 5"
    assert all(x.source == str(p) for x in res.rejected)
    assert res.n_recoded == 1 and res.n_blank == 1  # the lines before the header are not counted
    assert res.n_lines == len(res.items) + len(res.rejected) == 9


def test_an_unclosed_quote_rejects_only_its_own_line(tmp_path):
    p = _write(
        tmp_path,
        b'id,title\nV1,"Kok\nV2,Schilder\nV3,"Bak""ker"\nV4,a"b\n',
    )
    res = read_vacancies(p)
    # the quote of line 2 would swallow the file: only line 2 goes
    assert [(v.id, v.title) for v in res.items] == [("V2", "Schilder"), ("V3", 'Bak"ker'),
                                                   ("V4", 'a"b')]  # fmt: skip
    assert _rej(res) == [(2, "malformed_csv", None)]
    assert res.rejected[0].raw == 'V1,"Kok'
    assert res.rejected[0].reason == (
        "malformed CSV: ',' expected after '\"'; a quote is probably not closed"
    )
    assert res.n_lines == len(res.items) + len(res.rejected)


def test_workers_csv_values(tmp_path):
    p = _write(
        tmp_path,
        (
            b"id\tjob_target\tmax_commute_km\tlimits\tcomp_samenwerken\tpriority\n"
            b"W1\tkok\t12,5\t rug | tillen || \tgoed\t 3 \n"
            b"W2\tkok\t-7\t\t2\t-1\n"
            b"W3\tkok\t1,2,3\t\t2\t\n"
            b"W4\tkok\t 20 \t\t2\t4.5\n"
            b"W5\tkok\t 20 \t\t2\t\n"
        ),
        name="workers.csv",
    )
    res = read_workers(p)
    got = {w.id: w for w in res.items}
    assert list(got) == ["W1", "W5"]
    assert got["W1"].max_commute_km == 12.5 and got["W1"].limits == ("rug", "tillen")
    assert dict(got["W1"].competences) == {"samenwerken": 3}
    assert got["W1"].priority == 3 and got["W5"].max_commute_km == 20.0
    assert [(r.line, r.kind, r.id) for r in res.rejected] == [
        (3, "invalid_value", "W2"),  # -7 km
        (4, "wrong_type", "W3"),  # "1,2,3" is no number
        (5, "wrong_type", "W4"),  # a priority of 4.5
    ]
    assert res.rejected[1].reason == (
        "max_commute_km of worker 'W3' must be a finite number, got '1,2,3'"
    )
    assert res.n_lines == 5 == len(res.items) + len(res.rejected)


def test_levels_as_columns_or_one_json_cell_not_both(tmp_path):
    p = _write(
        tmp_path,
        (
            b"id,title,requirements,req_motivatie\n"
            b'V1,Kok,"{""samenwerken"": 3}",\n'
            b'V2,Kok,"{""samenwerken"": 3}",2\n'
            b'V3,Kok,"{""samenwerken"": 3",\n'
            b"V4,Kok,,2\n"
        ),
    )
    res = read_vacancies(p)
    assert [v.id for v in res.items] == ["V1", "V4"]
    assert dict(res.items[1].requirements) == {"motivatie": 2}
    r = {x.line: x for x in res.rejected}
    assert r[3].reason == (
        "give requirements either as one JSON cell or as req_<competence> columns, not both"
    )
    assert (r[3].kind, r[3].id) == ("invalid_value", "V2")
    assert r[4].kind == "malformed_json" and r[4].id == "V3"
    assert r[4].reason.startswith("malformed JSON in the 'requirements' cell: ")


@pytest.mark.parametrize(
    ("header", "delimiter"),
    [
        ("id;title;req_x", ";"),
        ("id,title", ","),
        ("id\ttitle\treq_a", "\t"),
        ("id|title|req_a|req_b", "|"),
        ('id;"a,b,c";d', ";"),  # commas inside quotes do not count
        ('"a;b;c",d', ","),
        ("id", ","),  # none at all
        ("a,b;c", ","),  # a tie: the first of , ; tab |
        ("a;b\tc", ";"),
        ("a\tb|c", "\t"),
    ],
)
def test_the_delimiter_is_the_most_frequent_outside_quotes(header, delimiter):
    assert sniff_delimiter(header) == delimiter


def test_a_given_delimiter(tmp_path):
    # as many commas as semicolons in the header: sniffed as ',' (no 'id' column then)
    p = _write(tmp_path, b"id;title;x,y,z\nV1;Kok;1,2,3\n")
    res = read_vacancies(p)
    assert res.items == [] and [r.kind for r in res.rejected] == ["missing_id"]
    for name in ("semicolon", "SEMICOLON", ";"):
        res = read_records(p, "vacancy", delimiter=name)
        assert [(v.id, v.title, dict(v.extra)) for v in res.items] == [
            ("V1", "Kok", {"x,y,z": "1,2,3"})
        ]
    p2 = _write(tmp_path, b"id|title\nV1|Kok\n", name="pipe.csv")
    for name in ("pipe", "|"):
        assert [v.title for v in read_records(p2, "vacancy", delimiter=name).items] == ["Kok"]
    p3 = _write(tmp_path, b"id\ttitle\nV1\tKok\n", name="tab.csv")
    for name in ("tab", "\\t", "\t"):
        assert [v.title for v in read_records(p3, "vacancy", delimiter=name).items] == ["Kok"]
    for bad in ("", ";;", '"', "\n", 3):
        with pytest.raises(ValidationError, match="delimiter must be one character"):
            read_records(p, "vacancy", delimiter=bad)


def test_header_errors_in_full(tmp_path):
    p = tmp_path / "feed.csv"
    p.write_bytes(b'id,"title\nV1,Kok\n')
    with pytest.raises(FeedError, match=r"the header row is not valid CSV \("):
        read_vacancies(p)
    p.write_bytes(b"id,title,title,x,x\nV1,a,b,c,d\n")
    with pytest.raises(
        FeedError, match=r"must name each column once, got duplicates \['title', 'x'\]$"
    ):
        read_vacancies(p)
    p.write_bytes(b" , \nV1,a\n")
    with pytest.raises(FeedError, match=r"got duplicates \[''\]$"):
        read_vacancies(p)
    p.write_bytes(b'""\nV1\n')
    with pytest.raises(FeedError, match="got an empty header$"):
        read_vacancies(p)
    p.write_bytes(b"titel:omschrijving\nKok:x\n")
    with pytest.raises(FeedError, match=r"header has one column 'titel:omschrijving' and no 'id'"):
        read_vacancies(p)
    p.write_bytes(b"\n\n  \n")  # nothing but blank lines: nothing read
    res = read_vacancies(p)
    assert res.items == [] and res.rejected == [] and res.n_lines == 0


def test_excel_unicode_text_and_a_bom(tmp_path):
    text = "id\ttitle\nV1\tCafébaas\n"
    p = _write(tmp_path, b"\xff\xfe" + text.encode("utf-16-le"))
    assert [v.title for v in read_vacancies(p).items] == ["Cafébaas"]
    p = _write(tmp_path, b"\xef\xbb\xbf" + text.encode())
    res = read_vacancies(p)
    assert [v.id for v in res.items] == ["V1"] and res.n_recoded == 0


def test_cells_ids_and_raw_lines_are_kept_as_written(tmp_path):
    # the last cell of an unquoted line ends in X; a header whose quoted cell runs over two
    # lines is refused as an unclosed quote; ids of short rows come from the id column only
    # when it is there, not empty and at most 200 characters
    p = _write(tmp_path, b"id,title\nV1,BOX\nV2,MAX \n")
    assert [v.title for v in read_vacancies(p).items] == ["BOX", "MAX"]
    p.write_bytes(b'id,"title\nx",y\nV1,a,b\n')
    with pytest.raises(FeedError, match=r"header row is not valid CSV \(a quote is not closed\)$"):
        read_vacancies(p)
    long_id = "V" * 200
    p.write_bytes(
        (
            "title,id,x\n"
            "Kok\n"  # the id column is beyond the row
            "Kok,,y,z\n"  # an empty id cell
            f"Kok,{long_id},y,z\n"
            f"Kok,{long_id}W,y,z\n"
            "Kok, V9 ,y,z\n"
        ).encode()
    )
    res = read_vacancies(p)
    assert [r.id for r in res.rejected] == [None, None, long_id, None, "V9"]
    assert [r.kind for r in res.rejected] == ["malformed_csv"] * 5


def test_sniffing_counts_every_delimiter_outside_quotes(tmp_path):
    # three semicolons against one comma, with a quoted cell in the header
    assert sniff_delimiter('id;"a";b;c,d') == ";"
    assert sniff_delimiter('"x",a|b|c;d') == "|"


def test_the_json_cell_rejection_names_the_file_and_line(tmp_path):
    p = _write(tmp_path, b'id,title,requirements,req_motivatie\nV2,Kok,"{""samenwerken"": 3}",2\n')
    r = read_vacancies(p).rejected[0]
    assert (r.source, r.line, r.raw) == (str(p), 2, 'V2,Kok,"{""samenwerken"": 3}",2')


def test_the_delimiter_is_passed_on_by_both_readers(tmp_path):
    p = _write(tmp_path, b"id;title;x,y,z\nV1;Kok;1,2,3\n")
    assert [v.id for v in read_vacancies(p, delimiter="semicolon").items] == ["V1"]
    w = _write(tmp_path, b"id;comp_samenwerken;a,b,c\nW1;3;1,2,3\n", name="w.csv")
    assert [x.id for x in read_workers(w, delimiter=";").items] == ["W1"]
    assert read_workers(w).items == []  # sniffed as ',' (a tie): no 'id' column


def test_only_the_integer_columns_become_integers(tmp_path):
    p = _write(tmp_path, b"id,title,postcode,capacity\n2024,2024,0900, 3 \n")
    v = read_vacancies(p).items[0]
    assert (v.id, v.title, v.postcode, v.capacity) == ("2024", "2024", "0900", 3)


def test_blank_lines_among_the_rows_and_messages_name_the_file(tmp_path):
    p = _write(tmp_path, b"id,title\n\nV1,Kok\n   \nV2,Bakker\n\n")
    res = read_vacancies(p)
    assert [v.id for v in res.items] == ["V1", "V2"] and res.lines == [3, 5]
    assert res.n_blank == 3 and res.n_lines == 2 and res.source == str(p)
    assert res.n_recoded == 0
    f = str(p)
    for data, message in [
        (b'id,"title\nx",y\n', r"the header row is not valid CSV \(a quote is not closed\)$"),
        (b"id,id\n", r"the CSV header must name each column once, got duplicates \['id'\]$"),
        (
            b"titel:omschrijving\n",
            r"the CSV header has one column 'titel:omschrijving' and no 'id'; if the file uses "
            r"another delimiter than \(',', ';', '\\t', '\|'\), pass it \(--delimiter\)$",
        ),
        (b"\n\x81\n", r"the header row \(line 2\) is neither UTF-8 nor Windows-1252 text; save "
         r"the file as CSV UTF-8$"),
    ]:  # fmt: skip
        p.write_bytes(data)
        with pytest.raises(FeedError, match=rf"^feed file {re.escape(repr(f))}: " + message):
            read_vacancies(p)
        with pytest.raises(FeedError, match=rf"^places file {re.escape(repr(f))}: "):
            read_vacancies(p, what="places")
    p.write_bytes(b"id\nV1\n")  # one column, but it is the id: read (and rejected: no title)
    assert [r.kind for r in read_vacancies(p).rejected] == ["missing_title"]
