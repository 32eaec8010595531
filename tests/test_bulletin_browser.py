"""End-to-end check of the vacancy bulletin in headless Chromium.

Renders a bulletin from the bundled sample (realistic workers, the weekly feed and partner
internship places, ranked with :class:`doorstroom_match.Matcher`), opens the pages in Debian's
``chromium`` with ``--dump-dom`` and ``--screenshot``, and checks the rendered DOM: the expected
worker ids and vacancy titles are there, every match has its SVG chart, and a hostile vacancy
title stays text.

Skipped only when no ``chromium`` binary exists (``make test`` installs it where apt-get works).
Set ``BULLETIN_SCREENSHOT_DIR`` to keep the screenshots for a look by eye.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from doorstroom_match import DoorstroomError, Matcher, Vacancy, WorkerProfile, match
from doorstroom_match.bulletin import render_bulletin

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
HOSTILE = '<script>document.title="pwned"</script><img src=x onerror=alert(1)>Heftruck & co'


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    pytest.skip(
        "chromium is not installed (Debian package 'chromium'; `make test` installs it "
        "when apt-get is usable, or run: apt-get install -y --no-install-recommends chromium)"
    )


def _run_chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, f"chromium failed ({proc.returncode}): {proc.stderr[-2000:]}"
    return proc


class _Dom(HTMLParser):
    """What the test looks for in the dumped DOM."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: Counter[str] = Counter()
        self.workers: list[str] = []
        self.vacancies: list[str] = []
        self.headings: list[str] = []
        self.svg_classes: Counter[str] = Counter()
        self.svg_titles: list[str] = []
        self.doc_title = ""
        self._stack: list[str] = []
        self._buf: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags[tag] += 1
        if tag == "section" and "data-worker" in a:
            self.workers.append(a["data-worker"])
        if tag == "article" and "data-vacancy" in a:
            self.vacancies.append(a["data-vacancy"])
        if tag == "svg" and a.get("class"):
            self.svg_classes[a["class"]] += 1
        if tag in ("h4", "title"):
            self._buf = []
        self._stack.append(tag)

    def handle_endtag(self, tag):
        if tag in ("h4", "title") and self._buf is not None:
            text = "".join(self._buf).strip()
            if tag == "h4":
                self.headings.append(text)
            elif "svg" in self._stack:
                self.svg_titles.append(text)
            else:
                self.doc_title = text
            self._buf = None
        while self._stack:
            if self._stack.pop() == tag:
                break

    def handle_data(self, data):
        if self._buf is not None:
            self._buf.append(data)


def _dom(binary: str, profile: Path, page: Path) -> tuple[str, _Dom]:
    text = _run_chromium(binary, profile, "--dump-dom", page.as_uri()).stdout
    assert "<html" in text, text[:500]
    parser = _Dom()
    parser.feed(text)
    parser.close()
    return text, parser


def _screenshot(binary: str, profile: Path, page: Path, png: Path, size: str) -> None:
    _run_chromium(
        binary,
        profile,
        "--hide-scrollbars",
        f"--window-size={size}",
        f"--screenshot={png}",
        page.as_uri(),
    )
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    keep = os.environ.get("BULLETIN_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(png, Path(keep) / png.name)


def _sample():
    """Workers, vacancies and places from the bundled sample; hand-made ones if it is absent."""
    try:
        from doorstroom_match.synthetic import load_sample

        w, f, p = load_sample(Path(__file__).resolve().parents[1] / "datasets" / "sample")
        workers = [WorkerProfile.from_record(r) for r in w[:16]]
        vacancies = [Vacancy.from_record(r) for r in f + p]
    except (ImportError, DoorstroomError, OSError):
        workers = [
            WorkerProfile(
                f"W{i:03d}",
                {"samenwerken": 1 + i % 4, "nauwkeurigheid": 1 + (i + 1) % 4, "stiptheid": 3},
                job_target="magazijnier",
                coach=f"C{i % 2 + 1}",
            )
            for i in range(8)
        ]
        vacancies = [
            Vacancy(
                f"V{j:03d}",
                f"Magazijnier {j}",
                kind=("vacancy", "tbs", "bvs", "enclave")[j % 4],
                employer=f"Werkgever {j} nv",
                requirements={"samenwerken": 1 + j % 4, "nauwkeurigheid": 2, "initiatief": 2},
            )
            for j in range(30)
        ]
    return workers, vacancies


@pytest.fixture(scope="module")
def bulletin(tmp_path_factory):
    out = tmp_path_factory.mktemp("batch_out")
    workers, vacancies = _sample()
    ranked = Matcher().fit(vacancies).rank(workers, top=5)
    matches = {w.id: ms for w, ms in zip(workers, ranked, strict=True)}
    by_id = {v.id: v for v in vacancies}
    new_ids = {v.id for v in vacancies[::5]}
    # one worker whose only suggestion has a hostile title, on a page of its own
    hostile = Vacancy("XSS1", HOSTILE, employer="<b>Evil</b> bv", requirements={"samenwerken": 2})
    wx = WorkerProfile("WX1", {"samenwerken": 2}, job_target="<i>heftruck</i>", coach="CX")
    matches[wx.id] = match(wx, [hostile], max_km=None)
    by_id[hostile.id] = hostile
    workers = [*workers, wx]
    paths = render_bulletin(
        out, workers, matches, by_id, new_ids=new_ids, week="2026-W48", title="Vacaturekrant"
    )
    return out, paths, workers, matches, by_id, new_ids


def test_coach_pages_render_in_chromium(bulletin, tmp_path):
    binary = _chromium()
    out, paths, workers, matches, vacancies, new_ids = bulletin
    coach_pages = [
        p for p in paths[1:] if p.name.startswith("coach-") and p.name != "coach-CX.html"
    ]
    assert coach_pages
    seen_workers = set()
    n_charts = 0
    for page in coach_pages:
        raw, dom = _dom(binary, tmp_path / "profile", page)
        assert dom.doc_title.startswith("Vacaturekrant")
        expected_workers = [w for w in workers if page.name == f"coach-{w.coach}.html"]
        assert sorted(dom.workers) == sorted(w.id for w in expected_workers)
        seen_workers.update(dom.workers)
        for w in expected_workers:
            assert f"Werknemer {w.id}" in raw
            ms = matches[w.id]
            for m in ms:  # three cards, the rest as rows of a table
                assert m.vacancy_id in dom.vacancies or f'data-vacancy="{m.vacancy_id}"' in raw
            for m in ms[:3]:
                assert vacancies[m.vacancy_id].title in dom.headings
            n_new = sum(m.vacancy_id in new_ids for m in ms)
            assert f"{n_new} nieuw deze week" in raw
        expected = sum(
            1
            for w in expected_workers
            for m in matches[w.id][:3]
            if vacancies[m.vacancy_id].requirements or m.gaps  # stated, or inferred gaps
        )
        assert dom.svg_classes["gapchart"] == expected
        assert len(dom.svg_titles) >= expected  # every chart has an accessible title
        assert all(t.startswith("Gemeten niveau tegenover het minimum") for t in dom.svg_titles)
        n_charts += expected
    assert n_charts > 0
    assert seen_workers == {w.id for w in workers if w.coach != "CX"}
    _screenshot(binary, tmp_path / "profile", coach_pages[0], tmp_path / "coach.png", "1280,2000")


def test_index_renders_in_chromium(bulletin, tmp_path):
    binary = _chromium()
    out, paths, workers, matches, vacancies, new_ids = bulletin
    raw, dom = _dom(binary, tmp_path / "profile", paths[0])
    for w in workers:
        assert f'data-worker="{w.id}"' in raw
        near = [m for m in matches.get(w.id, ()) if m.within_commute]
        if near:  # the best suggestion within reach
            best = vacancies[near[0].vacancy_id]
            assert html.escape(best.title, quote=False) in raw
    for p in paths[1:]:
        if p.name.startswith("coach-"):
            assert f'href="{p.name}"' in raw
    _screenshot(binary, tmp_path / "profile", paths[0], tmp_path / "index.png", "1280,1400")


def test_hostile_titles_stay_text_in_chromium(bulletin, tmp_path):
    binary = _chromium()
    out, paths, *_ = bulletin
    page = out / "bulletin" / "coach-CX.html"
    raw, dom = _dom(binary, tmp_path / "profile", page)
    assert dom.tags["script"] == 0 and dom.tags["img"] == 0 and dom.tags["b"] == 0
    assert dom.tags["i"] == 0
    assert dom.doc_title != "pwned"
    assert HOSTILE in dom.headings  # shown literally, as text
    assert dom.workers == ["WX1"]


# --------------------------------------------------------------------------- issue 15: print
def _pdf_pages(pdf: Path) -> int:
    import re

    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf.read_bytes()))


def _coach_of_13():
    """13 workers of one coach, every vacancy and place, some with a url and a contact."""
    import dataclasses

    try:
        from doorstroom_match.synthetic import load_sample

        w, f, p = load_sample(Path(__file__).resolve().parents[1] / "datasets" / "sample")
        workers = [WorkerProfile.from_record(r) for r in w if r.get("coach") == "C01"]
        vacancies = [Vacancy.from_record(r) for r in f + p]
    except (ImportError, DoorstroomError, OSError):
        workers = [
            WorkerProfile(
                f"W{i:03d}",
                {"samenwerken": 1 + i % 4, "nauwkeurigheid": 1 + (i + 1) % 4, "stiptheid": 3},
                job_target="magazijnier",
                coach="C01",
                lde_end_date=f"2027-{1 + i % 12:02d}-01",
                regime="halftijds",
                max_commute_km=25,
            )
            for i in range(13)
        ]
        vacancies = [
            Vacancy(
                f"V{j:03d}",
                f"Magazijnier {j} met een lange titel over het werk in de opslagplaats",
                kind=("vacancy", "tbs", "bvs", "enclave")[j % 4],
                employer=f"Werkgever {j} nv",
                regime="voltijds",
                requirements={
                    "samenwerken": 1 + j % 4,
                    "nauwkeurigheid": 2,
                    "initiatief": 2,
                    "stiptheid": 1 + j % 3,
                    "werktempo": 2,
                    "discipline": 2,
                    "communicatie": 2,
                },
            )
            for j in range(60)
        ]
    assert len(workers) == 13
    vacancies = [  # every vacancy with a link and a contact: the longest sheets
        dataclasses.replace(
            v,
            url=f"https://vacatures.example.be/{v.id}",
            contact="Personeelsdienst, 09 123 45 67",
        )
        for v in vacancies
    ]
    return workers, vacancies


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    out = tmp_path_factory.mktemp("print_out")
    workers, vacancies = _coach_of_13()
    ranked = Matcher().fit(vacancies).rank(workers, top=10)
    matches = {w.id: ms for w, ms in zip(workers, ranked, strict=True)}
    by_id = {v.id: v for v in vacancies}
    place = next(v for v in vacancies if v.kind != "vacancy")
    assignments = {
        workers[0].id: {"place_id": place.id, "cost": 0.3, "reason": "past het best"},
        workers[1].id: {"place_id": None, "reason": "geen plaats binnen bereik"},
    }
    applied_by = next(
        w for w, ms in zip(workers, ranked, strict=True) if any(m.within_commute for m in ms)
    )
    first_near = next(m for m in matches[applied_by.id] if m.within_commute)
    applied = {applied_by.id: {first_near.vacancy_id: "gesolliciteerd"}}
    render_bulletin(
        out,
        workers,
        matches,
        by_id,
        new_ids={v.id for v in vacancies[::7]},
        week="2026-11-23 (week 48)",
        assignments=assignments,
        feedback=applied,
    )
    return out / "bulletin", workers, matches, by_id, place, applied_by


def test_coach_page_of_13_workers_prints_to_at_most_15_pages(printed, tmp_path):
    binary = _chromium()
    from doorstroom_match.bulletin import print_to_pdf

    folder, workers, matches, vacancies, place, _ = printed
    page = folder / "coach-C01.html"
    pdf = print_to_pdf(page, tmp_path / "coach.pdf", browser=binary)
    n = _pdf_pages(pdf)
    assert 13 <= n <= 15, n  # one page per worker, the overview by urgency first
    raw, dom = _dom(binary, tmp_path / "profile", page)
    assert sorted(dom.workers) == sorted(w.id for w in workers)
    assert '<table class="overview">' in raw and "Wie eerst?" in raw
    for text in ("LDE-einde", "Max. km", "Beoordelaars oneens", "regime ", "max. "):
        assert text in raw
    assert "Stageplaats toegewezen:" in raw and "Geen stageplaats toegewezen:" in raw
    assert "Werkpunt dat de meeste deuren opent:" in raw
    assert ">gesolliciteerd<" in raw


def test_worker_sheets_print_to_one_page_each(printed, tmp_path):
    binary = _chromium()
    from doorstroom_match.bulletin import print_to_pdf

    folder, workers, matches, vacancies, place, applied_by = printed
    sheets = sorted(folder.glob("werkblad-*.html"), key=lambda p: -p.stat().st_size)
    assert len(sheets) == 13
    # the longest two, and the one with the assigned place
    chosen = [*sheets[:2], folder / f"werkblad-{workers[0].id}.html"]
    for page in chosen:
        pdf = print_to_pdf(page, tmp_path / f"{page.stem}.pdf", browser=binary)
        assert _pdf_pages(pdf) == 1, page.name
    raw, dom = _dom(binary, tmp_path / "profile", chosen[0])
    assert 1 <= dom.tags["article"] <= 3
    assert dom.svg_classes["icon icon-distance"] == dom.tags["article"]
    assert "Wat oefen ik nog?" in raw and "Dit kan je al:" in raw
    assert "Solliciteren:" in raw
    raw, dom = _dom(binary, tmp_path / "profile", folder / f"werkblad-{workers[0].id}.html")
    assert "Jouw stageplaats" in raw and f'data-place="{place.id}"' in raw
    raw, dom = _dom(binary, tmp_path / "profile", folder / f"werkblad-{applied_by.id}.html")
    assert "Je hebt hier al gesolliciteerd." in raw
    _screenshot(binary, tmp_path / "profile", chosen[0], tmp_path / "sheet.png", "800,1130")
