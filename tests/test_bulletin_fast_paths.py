"""The bulletin's fast paths give the same markup as the plain functions they stand in for.

The pages themselves are checked byte for byte against the code before the speed-up with a
reference folder (see the report of branch wt-bul); these tests pin the equivalences the fast
paths rely on, on generated data.
"""

from __future__ import annotations

import html
import random

from hypothesis import given
from hypothesis import strategies as st

from doorstroom_match import match
from doorstroom_match.bulletin import charts, icons, sheet
from doorstroom_match.bulletin.charts import ChartRow, chart_rows, gap_chart_svg

from .strategies import vacancies as vacancy_strategy
from .strategies import workers as worker_strategy


def _labels_groups(vacancy):
    d = vacancy.dictionary
    labels = {c: d.label(c) for c in vacancy.requirements}
    groups = {c: (d.get(c).group if d.get(c) else "") for c in vacancy.requirements}
    return labels, groups


@given(worker_strategy(), vacancy_strategy())
def test_card_rows_are_chart_rows(worker, vacancy):
    gaps = match(worker, [vacancy], max_km=None, occupations=None)[0].gaps
    labels, groups = _labels_groups(vacancy)
    rows = chart_rows(vacancy.requirements, worker.competences, gaps, labels=labels, groups=groups)
    table = charts._competence_table(vacancy.dictionary)
    fast = charts._card_rows(vacancy.requirements, table, worker.competences, gaps)
    assert fast == [(r.competence, r.label, r.required, r.actual) for r in rows]
    # the chart from cached, encoded parts is the chart of gap_chart_svg
    svg = gap_chart_svg(rows, chart_id="g7", title="t <&>")
    title = html.escape("t <&>")
    assert "".join(charts._gap_chart_parts(fast, "g7", title, ints=True)) == svg
    assert charts._gap_chart_utf8(fast, "g7", title, "<f>", "</f>") == f"<f>{svg}</f>".encode()


def test_chart_of_non_int_levels_is_not_taken_from_the_cache():
    rows = [ChartRow("samenwerken", "Samenwerken", 3, 2)]
    ints = gap_chart_svg(rows, chart_id="c", title="t")
    floats = gap_chart_svg(
        [ChartRow("samenwerken", "Samenwerken", 3.0, 2.0)], chart_id="c", title="t"
    )
    assert 'width="128"' in ints and 'width="128.0"' in floats  # the old markup of a float
    assert gap_chart_svg(rows, chart_id="c", title="t") == ints


@given(st.text(max_size=30))
def test_escapes_agree_with_html_escape(text):
    assert charts._e(text) == html.escape(text, quote=True)
    assert charts._e_once(text) == html.escape(text, quote=True)


@given(
    st.sampled_from(["vacancy", "tbs", "bvs", "enclave", "other"]),
    st.one_of(st.none(), st.floats(-5, 500, allow_nan=False), st.integers(0, 300)),
    st.sampled_from([None, "", "voltijds", "4/5", "halftijds", "Deeltijds ", "nacht"]),
)
def test_cached_facts_are_the_facts(kind, km, regime):
    items = [
        (icons.kind_icon(kind), icons.KIND_WORDS.get(kind, icons.KIND_WORDS["vacancy"])),
        (icons.distance_icon(km), sheet._km_words(km)),
        (icons.regime_icon(regime), icons.regime_words(regime) or "Werkuren: vraag het"),
    ]
    plain = (
        '<ul class="facts">'
        + "".join(f"<li>{svg}<span>{html.escape(text)}</span></li>" for svg, text in items)
        + "</ul>"
    )
    assert sheet._facts(kind, km, regime) == plain


def test_ordered_suggestions_whatever_the_input_order():
    from tests.test_bulletin import _matches, _vacancies, _workers

    wks, vacs = _workers(), _vacancies()
    ms = _matches(wks, vacs)
    vd = {v.id: v for v in vacs}
    for w in wks:
        given_order = list(ms.get(w.id, ()))
        expected = sheet.ordered_suggestions(w, given_order, vd)
        shuffled = given_order[:]
        random.Random(5).shuffle(shuffled)
        assert sheet.ordered_suggestions(w, shuffled, vd) == expected
        assert sheet.ordered_suggestions(w, iter(shuffled), vd) == expected  # an iterator too
        assert [s.match for s in expected] == sorted(
            given_order, key=lambda m: (int(m.rank), -float(m.score), str(m.vacancy_id))
        )
