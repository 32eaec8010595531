"""Tests of the vacancy bulletin (HTML pages and SVG charts) and the outcomes page."""

from __future__ import annotations

import html
import os
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doorstroom_match import (
    DuplicateIdError,
    Gap,
    Match,
    Vacancy,
    ValidationError,
    WorkerProfile,
    match,
)
from doorstroom_match.bulletin import NO_COACH, charts, render_bulletin, render_outcomes
from doorstroom_match.bulletin.charts import ChartRow, chart_rows, gap_chart_svg

from .strategies import vacancies as vacancy_strategy
from .strategies import workers as worker_strategy

SVG_NS = "{http://www.w3.org/2000/svg}"
HOSTILE_TITLE = '<img src=x onerror="alert(1)"> Magazijnier & co'
HOSTILE_EMPLOYER = "Dozen & Co <b>bvba</b>"


# --------------------------------------------------------------------------- fixtures
def _vacancies() -> list[Vacancy]:
    return [
        Vacancy(
            "V1",
            "Magazijnier",
            employer="Logistiek Gent nv",
            postcode="9000",
            requirements={"samenwerken": 3, "nauwkeurigheid": 3, "stiptheid": 2},
            valid_until="2026-12-31",
            description="Orderpicking in een groot magazijn.",
        ),
        Vacancy(
            "V2",
            HOSTILE_TITLE,
            employer=HOSTILE_EMPLOYER,
            postcode="9000",
            requirements={"samenwerken": 2, "taalkennis_nederlands": 3},
        ),
        Vacancy(
            "P1",
            "TBS heftruckchauffeur",
            kind="tbs",
            employer="Transport Vlaanderen",
            postcode="9300",
            requirements={"samenwerken": 2, "werktempo": 3},
        ),
        Vacancy(
            "P2",
            "BVS onthaal",
            kind="bvs",
            employer="Stad Gent",
            postcode="9000",
            bvs_days=3,
            requirements={"klantvriendelijkheid": 2},
        ),
        Vacancy("P3", "Enclave verpakking", kind="enclave", employer="Pack nv"),
    ]


def _workers() -> list[WorkerProfile]:
    return [
        WorkerProfile(
            "W2",
            {"samenwerken": 3, "nauwkeurigheid": 2, "stiptheid": 4, "werktempo": 3},
            job_target="magazijnier",
            postcode="9050",
            coach="C1",
            limits=("geen zware lasten heffen",),
            extra={"name": "Jan Geheimnaam"},
        ),
        WorkerProfile(
            "W10",
            {"samenwerken": 2, "klantvriendelijkheid": 3},
            job_target="<script>alert('x')</script> onthaal",
            postcode="9000",
            coach="C1",
        ),
        WorkerProfile("W3", {"samenwerken": 4}, job_target="heftruckchauffeur", coach="C 2/b"),
        WorkerProfile("W4", {"initiatief": 2}),  # no coach, no postcode
        WorkerProfile("W5", {"samenwerken": 1}, coach="C1"),  # no matches at all
    ]


def _matches(workers, vacancies, top=5):
    out = {}
    for w in workers:
        if w.id == "W5":
            continue
        out[w.id] = match(w, vacancies, top=top, max_km=None, occupations=None)
    return out


@pytest.fixture()
def data():
    vacs = _vacancies()
    wks = _workers()
    return wks, _matches(wks, vacs), {v.id: v for v in vacs}


def _render(tmp_path, data, **kw):
    wks, ms, vd = data
    kw.setdefault("new_ids", {"V2", "P2"})
    kw.setdefault("week", "2026-W48")
    return render_bulletin(tmp_path, wks, ms, vd, **kw)


def _read_all(paths) -> str:
    return "\n".join(Path(p).read_text(encoding="utf-8") for p in paths)


class _Balance(HTMLParser):
    """Checks that every non-void element is closed in order, and collects ids."""

    VOID = {"meta", "link", "br", "img", "input", "hr", "col", "source", "wbr"}
    SVG_SELF = {"rect", "line", "path", "circle", "stop", "use"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k == "id":
                self.ids.append(v)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        for k, v in attrs:
            if k == "id":
                self.ids.append(v)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}>, open: {self.stack[-3:]}")
        else:
            self.stack.pop()


def _check_html(text: str) -> _Balance:
    p = _Balance()
    p.feed(text)
    p.close()
    assert not p.errors, p.errors[:5]
    assert not p.stack, p.stack
    return p


# --------------------------------------------------------------------------- pages
def test_writes_index_and_one_page_per_coach(tmp_path, data):
    paths = _render(tmp_path, data)
    names = [p.name for p in paths]
    assert names[0] == "index.html"
    assert names[1] == "coach-C1.html"
    assert re.fullmatch(r"coach-C-2-b-[0-9a-f]{8}\.html", names[2])  # "C 2/b" made safe
    coach_names = [n for n in names if n.startswith("coach-")]
    assert coach_names[-1] == f"coach-{NO_COACH}.html"  # workers without a coach come last
    # then one sheet per worker, in natural order
    assert names[len(coach_names) + 1 :] == [
        "werkblad-W2.html",
        "werkblad-W3.html",
        "werkblad-W4.html",
        "werkblad-W5.html",
        "werkblad-W10.html",
    ]
    assert all(p.parent == tmp_path / "bulletin" and p.is_file() for p in paths)
    index = paths[0].read_text(encoding="utf-8")
    for p in paths[1 : len(coach_names) + 1]:
        assert f'href="{p.name}"' in index
    c1 = (tmp_path / "bulletin" / "coach-C1.html").read_text(encoding="utf-8")
    for wid in ("W2", "W5", "W10"):  # the coach page links each worker's sheet
        assert f'href="werkblad-{wid}.html"' in c1


def test_coach_page_content(tmp_path, data):
    paths = _render(tmp_path, data)
    c1 = (tmp_path / "bulletin" / "coach-C1.html").read_text(encoding="utf-8")
    # by urgency: W5 has no suggestion within reach; then W2 (1 new) before W10 (1 new), by id
    sec = [c1.index(f'<section class="worker" id="w-{w}"') for w in ("W5", "W2", "W10")]
    assert sec == sorted(sec)
    assert "Werknemer W2" in c1 and "magazijnier" in c1
    assert "Deze week geen passende vacatures" in c1  # W5
    assert "Logistiek Gent nv" in c1
    assert 'class="badge kind-vacancy"' in c1 and ">vacature<" in c1
    assert ">TBS<" in c1 and ">BVS<" in c1
    assert "nieuw deze week" in c1
    assert "van thuis (vogelvlucht)" in c1
    assert "Wat past:" in c1 and "Werkpunten:" in c1
    # one rank order per worker across vacancies and places: 1, 2, 3, ... without jumps
    for sec in re.findall(r'<section class="worker".*?</section>', c1, re.S):
        ranks = [int(x) for x in re.findall(r'<span class="rank" title="rang">(\d+)<', sec)]
        ranks += [
            int(x)
            for x in re.findall(r'<tr class="more-row[^"]*"[^>]*><td class="num">(\d+)<', sec)
        ]
        assert ranks == list(range(1, len(ranks) + 1))
    assert "Stageplaatsen bij partners" not in c1
    nocoach = (tmp_path / "bulletin" / f"coach-{NO_COACH}.html").read_text(encoding="utf-8")
    assert ">enclave<" in nocoach and "Werknemer W4" in nocoach
    assert "Geen minimumniveaus gevraagd" in nocoach  # P3 has no requirements
    for p in paths:
        _check_html(p.read_text(encoding="utf-8"))


def test_index_lists_top_match_and_new_count(tmp_path, data):
    wks, ms, vd = data
    paths = _render(tmp_path, data)
    index = paths[0].read_text(encoding="utf-8")
    for w in wks:
        assert f'data-worker="{w.id}"' in index
    # W2's best match title appears in its row; its new count is the number of new matches
    row = re.search(r'<tr data-worker="W2">(.*?)</tr>', index).group(1)
    best = ms["W2"][0]
    assert f"<strong>{html.escape(best.title)}</strong>" in row
    n_new = sum(m.vacancy_id in {"V2", "P2"} for m in ms["W2"])
    cells = re.findall(r'<td class="num">(\d+)</td>', row)
    assert cells[-2:] == [str(len(ms["W2"])), str(n_new)]  # within reach, new this week
    assert "geen suggestie binnen bereik" in index  # W5
    assert "week 2026-W48" in index


def test_everything_is_escaped(tmp_path, data):
    text = _read_all(_render(tmp_path, data))
    assert "<img" not in text
    assert "<script" not in text
    assert "<b>bvba" not in text
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; Magazijnier &amp; co" in text
    assert "Dozen &amp; Co &lt;b&gt;bvba&lt;/b&gt;" in text
    assert "&lt;script&gt;" in text


def test_no_personal_data_beyond_id_and_job_target(tmp_path, data):
    text = _read_all(_render(tmp_path, data))
    assert "geen zware lasten" not in text  # health limits
    assert "Geheimnaam" not in text  # any extra field
    assert "9050" not in text  # home postcode


def test_self_contained(tmp_path, data):
    text = _read_all(_render(tmp_path, data))
    assert "<link" not in text and "<script" not in text and "@import" not in text
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", text))
    assert urls <= {"http://www.w3.org/2000/svg"}
    assert all(u.startswith("url(#") for u in re.findall(r"url\([^)]*\)", text))


def test_deterministic_and_order_independent(tmp_path, data):
    wks, ms, vd = data
    a = render_bulletin(tmp_path / "a", wks, ms, vd, new_ids={"V2"}, week="w")
    b = render_bulletin(
        tmp_path / "b",
        list(reversed(wks)),
        dict(reversed(list(ms.items()))),
        dict(reversed(list(vd.items()))),
        new_ids=frozenset(["V2"]),
        week="w",
    )
    assert [p.name for p in a] == [p.name for p in b]
    for pa, pb in zip(a, b, strict=True):
        assert pa.read_bytes() == pb.read_bytes(), pa.name


def test_ids_unique_and_charts_reference_their_own_patterns(tmp_path, data):
    for p in _render(tmp_path, data):
        text = p.read_text(encoding="utf-8")
        ids = _check_html(text).ids
        dupes = {i for i in ids if ids.count(i) > 1}
        assert not dupes, (p.name, dupes)
        for ref in re.findall(r"url\(#([^)]+)\)", text):
            assert re.search(rf'<pattern id="{re.escape(ref)}"', text), ref


def test_one_chart_per_match_with_requirements(tmp_path, data):
    wks, ms, vd = data
    _render(tmp_path, data)
    c1 = (tmp_path / "bulletin" / "coach-C1.html").read_text(encoding="utf-8")
    # a chart on each of the three best cards; the other suggestions are table rows
    expected = sum(
        1
        for w in wks
        if w.coach == "C1"
        for m in ms.get(w.id, ())[:3]
        if vd[m.vacancy_id].requirements
    )
    assert c1.count('<svg class="gapchart"') == expected
    assert c1.count('role="img"') == expected


def test_gap_rows_match_the_gaps(tmp_path, data):
    wks, ms, vd = data
    _render(tmp_path, data)
    c1 = (tmp_path / "bulletin" / "coach-C1.html").read_text(encoding="utf-8")
    for svg in re.findall(r'<svg class="gapchart".*?</svg>', c1):
        root = ET.fromstring(svg)
        rows = [g for g in root.iter(f"{SVG_NS}g")]
        assert len(rows) == int(root.get("data-rows"))
    # W2 / V1: nauwkeurigheid 2 < 3 is the only gap
    w2_v1 = re.search(
        r'<section class="worker" id="w-W2".*?data-vacancy="V1"(.*?)</article>', c1, re.S
    ).group(1)
    assert 'class="row gap" data-competence="nauwkeurigheid"' in w2_v1
    assert w2_v1.count('class="row gap"') == 1
    assert w2_v1.count('class="row met"') == 2


def test_missing_vacancy_falls_back_to_match_fields(tmp_path):
    w = WorkerProfile("W1", {"samenwerken": 2}, coach="C1")
    gap = Gap("samenwerken", 3, 2, 1, True, 1.5, "samenwerken", "kern", "generiek")
    m = Match("GONE", 0.5, False, 1.5, [gap], rank=1, kind="bvs", title="Weg <nu>", worker_id="W1")
    paths = render_bulletin(tmp_path, [w], {"W1": [m]}, {})
    text = paths[1].read_text(encoding="utf-8")
    assert "Weg &lt;nu&gt;" in text and ">BVS<" in text
    assert text.count('class="row gap"') == 1


def test_ignores_matches_of_unknown_workers_and_renders_empty(tmp_path):
    paths = render_bulletin(tmp_path, [], {"W9": []}, {})
    assert [p.name for p in paths] == ["index.html"]
    assert "Geen werknemers" in paths[0].read_text(encoding="utf-8")


def test_title_and_week_in_pages(tmp_path, data):
    paths = _render(tmp_path, data, title="Krant <Team Oost>", week="2026-W49")
    for p in paths:
        text = p.read_text(encoding="utf-8")
        assert "2026-W49" in text
        # the bulletin's title is the coach's; a worker's sheet has its own
        assert ("Krant &lt;Team Oost&gt;" in text) == (not p.name.startswith("werkblad-"))
    batch_week = "2026-11-23 (week 48)"
    text = render_bulletin(tmp_path / "y", *data, week=batch_week)[0].read_text(encoding="utf-8")
    assert f"&middot; {batch_week}<" in text and "week 2026-11-23" not in text
    # no week: no date of any kind sneaks in
    paths = render_bulletin(tmp_path / "x", *data)
    assert not re.search(r"20\d\d-W\d\d", _read_all(paths))


def test_print_css_present(tmp_path, data):
    text = _render(tmp_path, data)[1].read_text(encoding="utf-8")
    css = text[text.index("@media print") :]
    assert "break-before:page" in css and "break-inside:avoid" in css
    assert "nav" in css and "display:none" in css


# --------------------------------------------------------------------------- atomic writes
def test_no_temp_files_left_and_stale_coach_pages_removed(tmp_path, data):
    wks, ms, vd = data
    render_bulletin(tmp_path, wks, ms, vd)
    assert (tmp_path / "bulletin" / "coach-C1.html").exists()
    only_c1 = [w for w in wks if w.coach == "C1"]
    paths = render_bulletin(tmp_path, only_c1, ms, vd)
    on_disk = sorted(p.name for p in (tmp_path / "bulletin").iterdir())
    assert on_disk == sorted(p.name for p in paths)
    assert on_disk == [
        "coach-C1.html",
        "index.html",
        "werkblad-W10.html",
        "werkblad-W2.html",
        "werkblad-W5.html",
    ]


def test_failed_write_keeps_the_old_file(tmp_path, data, monkeypatch):
    wks, ms, vd = data
    paths = render_bulletin(tmp_path, wks, ms, vd, week="old")
    before = paths[0].read_bytes()

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="No space left"):
        render_bulletin(tmp_path, wks, ms, vd, week="new")
    monkeypatch.undo()
    assert paths[0].read_bytes() == before
    assert not [p for p in (tmp_path / "bulletin").iterdir() if p.name.endswith(".tmp")]


# --------------------------------------------------------------------------- errors
def test_errors(tmp_path, data):
    wks, ms, vd = data
    with pytest.raises(ValidationError, match="workers must be a list of WorkerProfile"):
        render_bulletin(tmp_path, wks[0], ms, vd)
    with pytest.raises(ValidationError, match=r"workers\[1\] must be a WorkerProfile, got dict"):
        render_bulletin(tmp_path, [wks[0], {"id": "W9"}], ms, vd)
    with pytest.raises(DuplicateIdError, match="worker id 'W2' appears more than once"):
        render_bulletin(tmp_path, [wks[0], wks[0]], ms, vd)
    with pytest.raises(ValidationError, match="matches must be a mapping"):
        render_bulletin(tmp_path, wks, list(ms.values()), vd)
    with pytest.raises(ValidationError, match="vacancies must be a mapping"):
        render_bulletin(tmp_path, wks, ms, list(vd.values()))
    with pytest.raises(ValidationError, match=r"vacancies\['V1'\] must be a Vacancy, got dict"):
        render_bulletin(tmp_path, wks, ms, {"V1": {"id": "V1"}})
    with pytest.raises(ValidationError, match="new_ids must be a set of vacancy ids, got str"):
        render_bulletin(tmp_path, wks, ms, vd, new_ids="V1")
    with pytest.raises(ValidationError, match="week must be a string, got int"):
        render_bulletin(tmp_path, wks, ms, vd, week=48)
    with pytest.raises(ValidationError, match="title must be a string, got NoneType"):
        render_bulletin(tmp_path, wks, ms, vd, title=None)


# --------------------------------------------------------------------------- coach pages
def test_coach_ids_become_safe_distinct_file_names(tmp_path):
    coaches = ["C1", "C 1", "C/1", "zonder-coach", "ZONDER-COACH", "../x", "ab", "AB"]
    wks = [WorkerProfile(f"W{i}", {"samenwerken": 2}, coach=c) for i, c in enumerate(coaches)]
    wks.append(WorkerProfile("W99", {"samenwerken": 2}))
    # worker ids that look like the page's own element ids
    wks += [WorkerProfile(x, {"samenwerken": 2}, coach="C1") for x in ("X", "X-h", "g1", "w-X")]
    paths = render_bulletin(tmp_path, wks, {}, {})
    for p in paths:
        ids = _check_html(p.read_text(encoding="utf-8")).ids
        assert len(ids) == len(set(ids)), p.name
    names = [p.name for p in paths]
    assert len(set(names)) == len(names) == len(coaches) + 2 + len(wks)
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+", n) for n in names)
    assert all(p.parent == tmp_path / "bulletin" for p in paths)
    assert "coach-C1.html" in names
    assert len({n.lower() for n in names}) == len(names)  # also on case-blind disks
    # the real coach "zonder-coach" does not take the page of workers without a coach
    nocoach = (tmp_path / "bulletin" / f"coach-{NO_COACH}.html").read_text(encoding="utf-8")
    assert "W99" in nocoach and 'data-worker="W3"' not in nocoach


# --------------------------------------------------------------------------- charts
def test_chart_rows_order_and_status():
    v = Vacancy("V", "x", requirements={"samenwerken": 3, "initiatief": 2, "stiptheid": 2})
    w = WorkerProfile("W", {"samenwerken": 2, "initiatief": 4})
    m = match(w, [v], max_km=None)[0]
    rows = chart_rows(v.requirements, w.competences, m.gaps, labels={}, groups={})
    assert [(r.competence, r.status) for r in rows[:2]] == [
        (g.competence, "gap" if g.assessed else "unmeasured") for g in m.gaps
    ]
    assert rows[-1] == ChartRow("initiatief", "initiatief", 2, 4)
    assert rows[-1].verdict() == "voldoet"
    assert ChartRow("x", "x", 4, 2).verdict() == "2 niveaus te laag"
    assert ChartRow("x", "x", 3, 2).verdict() == "1 niveau te laag"
    assert ChartRow("x", "x", 3, None).verdict() == "niet gemeten"
    assert ChartRow("x", "x", 3, None).describe() == "x: minimum goed, nog niet gemeten"


def _bars(svg: str):
    """Reference reading of a chart: per row (status, bar end x, tick x)."""
    root = ET.fromstring(svg)
    out = []
    for g in root.iter(f"{SVG_NS}g"):
        (bar,) = [r for r in g.iter(f"{SVG_NS}rect") if r.get("class") in ("bar", "unm")]
        (tick,) = [r for r in g.iter(f"{SVG_NS}rect") if r.get("class") == "tk"]
        assert bar.get("x") == str(charts.LABEL_W)
        if bar.get("class") == "unm":
            assert bar.get("fill") == f"url(#{charts.HATCH_ID})"
        out.append(
            (
                g.get("class").split()[1],
                int(bar.get("x")) + int(bar.get("width")),
                int(tick.get("x")) + int(tick.get("width")) // 2,
            )
        )
    return root, out


@given(worker_strategy(), vacancy_strategy())
def test_chart_geometry_matches_levels(worker, vacancy):
    gaps = match(worker, [vacancy], max_km=None, occupations=None)[0].gaps
    rows = chart_rows(vacancy.requirements, worker.competences, gaps)
    svg = gap_chart_svg(rows, chart_id="c1", title="<t> & t")
    root, bars = _bars(svg)  # well-formed XML, escaped title
    assert root.get("role") == "img" and root.get("aria-labelledby") == "c1-t c1-d"
    assert root.find(f"{SVG_NS}title").text == "<t> & t"
    assert len(bars) == len(vacancy.requirements)
    assert sum(s != "met" for s, _, _ in bars) == len(gaps)
    x0, cell = charts.LABEL_W, charts.CELL
    for r, (status, end, tick) in zip(rows, bars, strict=True):
        assert status == r.status
        assert tick == x0 + r.required * cell
        if status == "unmeasured":
            assert end == tick  # the hatched outline reaches the minimum
        else:
            assert end == x0 + r.actual * cell
    assert gap_chart_svg(rows, chart_id="c1", title="<t> & t") == svg


@given(st.integers(0, 50), st.integers(0, 50))
def test_rate_bar(count, denom):
    svg = charts.rate_bar_svg(count, denom, label="A & B")
    root = ET.fromstring(svg)
    assert root.get("aria-label").startswith(f"A & B: {count} van {denom}")
    fill = int(list(root.iter(f"{SVG_NS}rect"))[1].get("width"))
    assert 0 <= fill <= 200
    if denom == 0:
        assert "geen gegevens" in svg


def test_short_label():
    assert charts.short_label("kort") == "kort"
    long = "x" * 60
    assert len(charts.short_label(long)) == 40 and charts.short_label(long).endswith("…")


# --------------------------------------------------------------------------- outcomes
def test_render_outcomes(tmp_path):
    report = {
        "rates": {
            "hired": {"count": 3, "denominator": 12, "denominator_label": "gestarte stages"},
            "applied": {"count": 20, "denominator": 40},
            "employed_6m": {"count": 0, "denominator": 0},
            "internship_started": (12, 40),
            "employed_3m": {"numerator": 2, "total": 3},
        },
        "period": "2026",
        "workers": 40,
    }
    path = render_outcomes(tmp_path, report)
    assert path == tmp_path / "bulletin" / "outcomes.html"
    text = path.read_text(encoding="utf-8")
    _check_html(text)
    order = [m for m in re.findall(r'data-outcome="([a-z_0-9]+)"', text)]
    assert order == ["applied", "internship_started", "hired", "employed_3m", "employed_6m"]
    # each rate states its denominator in words, with the counts
    assert "Aangeworven" in text and "25%" in text and "<td>3 van 12 gestarte stages</td>" in text
    assert "geen gegevens" in text and "40</strong> werknemers" in text
    assert render_outcomes(tmp_path, report).read_bytes() == text.encode("utf-8")
    # flat shape, no outcomes
    flat = render_outcomes(tmp_path / "b", {"applied": {"count": 1, "denominator": 2}})
    assert "50%" in flat.read_text(encoding="utf-8")
    empty = render_outcomes(tmp_path / "c", {"rates": {}})
    assert "Nog geen uitkomsten" in empty.read_text(encoding="utf-8")


def test_render_outcomes_errors(tmp_path):
    with pytest.raises(ValidationError, match="report must be a mapping, got list"):
        render_outcomes(tmp_path, [])
    with pytest.raises(ValidationError, match=r"report\['rates'\] must be a mapping"):
        render_outcomes(tmp_path, {"rates": 3})
    with pytest.raises(ValidationError, match="report rate 0 must be an OutcomeRate"):
        render_outcomes(tmp_path, {"rates": [{"numerator": 1}]})
    with pytest.raises(ValidationError, match="count of outcome 'hired' must be an int >= 0"):
        render_outcomes(tmp_path, {"rates": {"hired": {"count": -1, "denominator": 2}}})
    with pytest.raises(ValidationError, match="denominator of outcome 'hired'"):
        render_outcomes(tmp_path, {"rates": {"hired": {"count": 1}}})
    with pytest.raises(ValidationError, match="outcome 'hired' must be a mapping"):
        render_outcomes(tmp_path, {"rates": {"hired": 0.5}})


def test_render_outcomes_from_the_store(tmp_path):
    from doorstroom_match import store as store_mod

    store = store_mod.Store(":memory:")
    run = store.begin_run("2026-01-02")
    store.finish_week(
        run,
        "2026-01-02",
        vacancies=[(v, "h", None, "vacancy", None, False) for v in ("V1", "V2", "P1")],
        workers=[("W1", "h"), ("W2", "h")],
        matches=[("W1", "V1", 1, 0.5, True), ("W2", "V2", 1, 0.5, True)],
    )
    store.record_outcome("W1", "V1", "applied", "2026-01-05")
    store.record_outcome("W1", "P1", "internship_started", "2026-02-01")
    store.record_outcome("W1", "P1", "hired", "2026-03-01")
    store.record_outcome("W1", "P1", "employed_3m", "2026-06-01")
    store.record_outcome("W2", "V2", "applied", "2026-01-06")
    rates = store.outcome_report(as_of="2026-11-23")
    for given_rates in (rates, [r.to_record() for r in rates]):
        path = render_outcomes(tmp_path, {"rates": given_rates, "as_of": "2026-11-23"})
        text = path.read_text(encoding="utf-8")
        _check_html(text)
        keys = re.findall(r'data-outcome="([^"]+)"', text)
        assert keys == [html.escape(r.name) for r in rates]
        assert "Stand op 2026-11-23" in text
        assert "Nog aan het werk na 3 maanden" in text and "Stage gestart" in text
        # internship_started / applied: 1 of 2 workers
        row = re.search(r'data-outcome="internship_started / applied">(.*?)</tr>', text).group(1)
        assert '<td class="num">1</td><td class="num">2</td><td class="num">50%</td>' in row


# --------------------------------------------------------------------------- issue 15
def _sheet_data():
    wk = WorkerProfile(
        "W7",
        {"samenwerken": 2, "stiptheid": 4, "nauwkeurigheid": 3, "klantvriendelijkheid": 2},
        job_target="magazijnier",
        postcode="9000",
        max_commute_km=20,
        coach="C1",
        contract="LDE",
        lde_end_date="2027-02-01",
        regime="halftijds",
        disagreements=("samenwerken",),
    )
    vacs = [
        Vacancy(
            "J1",
            "Magazijnier",
            employer="Logistiek Gent nv",
            postcode="9000",
            regime="voltijds",
            url="https://jobs.example.be/j1",
            contact="Els, 09 123 45 67",
            requirements={"stiptheid": 3, "samenwerken": 3},
        ),
        Vacancy("J2", "Orderpicker", employer="Pick bv", postcode="9050",
                requirements={"nauwkeurigheid": 3}),
        Vacancy("J3", "Verpakker", employer="Pack nv", postcode="9000", regime="4/5",
                requirements={"klantvriendelijkheid": 3}),
        Vacancy("J4", "Winkelhulp", employer="Shop nv", postcode="9000",
                requirements={"samenwerken": 3, "klantvriendelijkheid": 2}),
        Vacancy("T1", "TBS magazijn", kind="tbs", employer="Opslag nv", postcode="9000",
                requirements={"stiptheid": 2}),
        Vacancy("FAR", "Magazijnier kust", employer="Kust nv", postcode="8400",
                requirements={"stiptheid": 2}),
    ]  # fmt: skip
    ms = match(wk, vacs, top=10)  # FAR comes last, flagged beyond the commute limit
    return wk, ms, {v.id: v for v in vacs}


def test_worker_sheet_is_easy_dutch_with_pictograms_links_and_place(tmp_path):
    wk, ms, vd = _sheet_data()
    ms = [m for m in ms if m.vacancy_id != "FAR"] + [m for m in ms if m.vacancy_id == "FAR"]
    # the store's feedback: J2 not relevant (left out), J1 applied to
    feedback = {"W7": {"J2": "niet_relevant", "J1": "gesolliciteerd"}}
    assignments = {"W7": {"place_id": "T1", "cost": 0.4, "reason": "dichtst bij huis"}}
    paths = render_bulletin(
        tmp_path, [wk], {"W7": ms}, vd, feedback=feedback, assignments=assignments, week="w48"
    )
    sheet = (tmp_path / "bulletin" / "werkblad-W7.html").read_text(encoding="utf-8")
    assert paths[-1].name == "werkblad-W7.html"
    _check_html(sheet)
    jobs = re.findall(r'<article class="job" data-vacancy="([^"]+)"', sheet)
    assert len(jobs) == 3 and "J2" not in jobs and "FAR" not in jobs  # within reach, relevant
    assert "Drie jobs voor jou" in sheet and "Jouw doel: <strong>magazijnier</strong>" in sheet
    assert 'href="https://jobs.example.be/j1"' in sheet and "Els, 09 123 45 67" in sheet
    assert "Je hebt hier al gesolliciteerd." in sheet
    assert 'data-place="T1"' in sheet and "Jouw stageplaats" in sheet
    assert "Wat oefen ik nog?" in sheet and "Dit kan je al:" in sheet
    assert "op tijd komen" in sheet  # stiptheid in everyday words
    # three black-and-white pictograms per job: kind, distance, working time
    for kind in ("icon-kind", "icon-distance", "icon-regime"):
        assert sheet.count(f'class="icon {kind}') >= 3
    assert "Halve dagen" in sheet or "Hele dagen" in sheet or "4 dagen per week" in sheet
    # coach jargon stays on the coach's page
    for jargon in ("minimumniveau", "werkpunt", "cut-off", "TBS", "LDE", "jobdoelwit"):
        assert jargon not in sheet.replace("TBS magazijn", ""), jargon


def test_coach_page_shows_limits_lde_disagreements_beyond_reach_and_assignment(tmp_path):
    wk, ms, vd = _sheet_data()
    far = next(m for m in ms if m.vacancy_id == "FAR")
    near = [m for m in ms if m.vacancy_id != "FAR"]
    other = WorkerProfile("W8", {"samenwerken": 1}, coach="C1", max_commute_km=5)
    late = WorkerProfile("W9", {"samenwerken": 4}, coach="C1", lde_end_date="2030-01-01")
    render_bulletin(
        tmp_path,
        [other, late, wk],
        {"W7": near + [far], "W9": match(late, list(vd.values()), max_km=None)},
        vd,
        assignments={"W7": {"place_id": "T1", "reason": "dichtst bij huis"},
                     "W8": {"place_id": None, "reason": "geen plaats binnen 5 km"}},
        week="2026-11-23 (week 48)",
    )  # fmt: skip
    c1 = (tmp_path / "bulletin" / "coach-C1.html").read_text(encoding="utf-8")
    _check_html(c1)
    # urgency: LDE ending soonest (W7, 2027), then W9 (2030), then no LDE end (W8)
    order = [c1.index(f'<section class="worker" id="w-{w}"') for w in ("W7", "W9", "W8")]
    assert order == sorted(order)
    sec = re.search(r'<section class="worker" id="w-W7".*?</section>', c1, re.S).group(0)
    assert "LDE loopt af op 2027-02-01" in sec and 'class="lde soon"' in sec
    assert "regime halftijds" in sec and "max. 20 km" in sec
    assert "beoordelaars oneens over samenwerken" in sec
    assert "buiten bereik (grens 20 km)" in sec  # FAR, past the worker's commute limit
    assert "Stageplaats toegewezen: <strong>TBS magazijn</strong>" in sec
    assert "Werkpunt dat de meeste deuren opent:" in sec
    w8 = re.search(r'<section class="worker" id="w-W8".*?</section>', c1, re.S).group(0)
    assert "Geen stageplaats toegewezen: geen plaats binnen 5 km" in w8
    table = re.search(r'<table class="overview">.*?</table>', c1, re.S).group(0)
    for head in ("LDE-einde", "Regime", "Max. km", "Beoordelaars oneens", "Stageplaats"):
        assert head in table
    assert "geen suggestie binnen bereik" in table  # W8


def test_sheet_without_suggestions_and_opening_given_or_off(tmp_path):
    from doorstroom_match import opening_gaps

    wk, ms, vd = _sheet_data()
    g = opening_gaps(wk, list(vd.values()))
    render_bulletin(tmp_path, [wk], {}, vd, opening={"W7": g})
    sheet = (tmp_path / "bulletin" / "werkblad-W7.html").read_text(encoding="utf-8")
    assert "Deze week is er geen job dicht bij huis" in sheet
    assert f'class="opening" data-competence="{g.competence}"' in sheet
    render_bulletin(tmp_path, [wk], {}, vd, opening=False, sheets=False)
    assert not (tmp_path / "bulletin" / "werkblad-W7.html").exists()  # stale sheet removed
    c1 = (tmp_path / "bulletin" / "coach-C1.html").read_text(encoding="utf-8")
    assert "meeste deuren" not in c1


def test_new_keyword_errors(tmp_path, data):
    wks, ms, vd = data
    with pytest.raises(ValidationError, match="assignments must be a mapping keyed by worker"):
        render_bulletin(tmp_path, wks, ms, vd, assignments=[1])
    with pytest.raises(ValidationError, match="feedback must be a mapping keyed by worker"):
        render_bulletin(tmp_path, wks, ms, vd, feedback="x")
    with pytest.raises(ValidationError, match="opening must be True, False or a mapping"):
        render_bulletin(tmp_path, wks, ms, vd, opening="yes")
    with pytest.raises(ValidationError, match="assignments values must be mappings"):
        render_bulletin(tmp_path, wks, ms, vd, assignments={"W2": "P1"})


# --------------------------------------------------------------------------- staged writes
def test_plain_writes_for_a_staging_folder_give_the_same_pages_without_fsync(
    tmp_path, data, monkeypatch
):
    wks, ms, vd = data
    durable = render_bulletin(tmp_path / "a", wks, ms, vd)
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd) or real_fsync(fd))
    plain = render_bulletin(tmp_path / "b", wks, ms, vd, durable=False)
    assert synced == []  # the staging folder's owner syncs once (WeekOutput.prepare)
    assert [p.name for p in plain] == [p.name for p in durable]
    for a, b in zip(durable, plain, strict=True):
        assert a.read_bytes() == b.read_bytes()
    assert not [p for p in (tmp_path / "b" / "bulletin").iterdir() if p.suffix == ".tmp"]


def test_durable_must_be_a_bool(tmp_path, data):
    wks, ms, vd = data
    with pytest.raises(ValidationError, match="durable must be True or False, got str"):
        render_bulletin(tmp_path, wks, ms, vd, durable="no")


def test_pages_are_the_same_bytes_rendered_in_several_processes(tmp_path):
    from doorstroom_match import Matcher
    from doorstroom_match.bulletin import _MIN_PARALLEL_WORKERS
    from doorstroom_match.synthetic import generate_sample

    workers, vacancies, _ = generate_sample(_MIN_PARALLEL_WORKERS + 20, 300, 0, 5)
    wks = [WorkerProfile.from_record(r) for r in workers]
    vacs = [Vacancy.from_record(r) for r in vacancies]
    ms = dict(zip([w.id for w in wks], Matcher().fit(vacs).rank(wks, 5), strict=True))
    vd = {v.id: v for v in vacs}
    new = frozenset(v.id for v in vacs[::7])
    one = render_bulletin(tmp_path / "one", wks, ms, vd, new_ids=new, week="2026-W49", jobs=1)
    two = render_bulletin(tmp_path / "two", wks, ms, vd, new_ids=new, week="2026-W49", jobs=2)
    assert [p.name for p in one] == [p.name for p in two]
    assert len(one) > len(wks)  # the overview, the coach pages, one sheet each
    for a, b in zip(one, two, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_a_large_group_gets_its_sheets_in_tasks_of_their_own(tmp_path, monkeypatch):
    # a coach with more workers than _SHEETS_PER_TASK: the sheets are rendered apart from the
    # coach page, with views built again there; the same bytes, in one or two processes, and
    # from a mapping that builds each list on access (as the weekly batch passes them)
    from collections.abc import Mapping

    import doorstroom_match.bulletin as bulletin_mod
    from doorstroom_match import Matcher
    from doorstroom_match.bulletin import _MIN_PARALLEL_WORKERS
    from doorstroom_match.synthetic import generate_sample

    workers, vacancies, _ = generate_sample(_MIN_PARALLEL_WORKERS + 20, 300, 0, 6)
    wks = [WorkerProfile.from_record(r) for r in workers]
    vacs = [Vacancy.from_record(r) for r in vacancies]
    ms = dict(zip([w.id for w in wks], Matcher().fit(vacs).rank(wks, 5), strict=True))
    vd = {v.id: v for v in vacs}

    class OnAccess(Mapping):
        def __init__(self):
            self.n = 0

        def __getitem__(self, key):
            self.n += 1
            return ms[key]

        def __iter__(self):
            return iter(ms)

        def __len__(self):
            return len(ms)

    before = render_bulletin(tmp_path / "a", wks, ms, vd, week="2026-W49", jobs=1)
    lazy = OnAccess()
    monkeypatch.setattr(bulletin_mod, "_SHEETS_PER_TASK", 3)
    for name, matches, jobs in (("b", ms, 1), ("c", ms, 2), ("d", lazy, 1)):
        after = render_bulletin(tmp_path / name, wks, matches, vd, week="2026-W49", jobs=jobs)
        assert [p.name for p in after] == [p.name for p in before]
        for a, b in zip(before, after, strict=True):
            assert a.read_bytes() == b.read_bytes(), (name, a.name)
    assert lazy.n >= len(wks)  # every worker's list was asked for


def test_jobs_must_be_a_positive_integer(tmp_path, data):
    wks, ms, vd = data
    with pytest.raises(ValidationError, match="jobs must be"):
        render_bulletin(tmp_path, wks, ms, vd, jobs=0)
