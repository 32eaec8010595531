"""The bulk explanation of the ranking against the per-row reference (issue 17).

``Matcher._ranked`` explains the selected rows of a block as arrays and renders the rows of
``matches.jsonl`` from them; ``Matcher._rank_reference`` is the code path the batch used
before (one worker at a time, ``Match.to_record`` and ``json.dumps`` per row). Both must give
the same Match objects and the same bytes.
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstroom_match import RankingWeights, Vacancy, WorkerProfile
from doorstroom_match.batch import _dumps
from doorstroom_match.ranking import (
    Match,
    Matcher,
    _json_rounded,
    _python_sums,
    as_vacancies,
    as_workers,
)
from doorstroom_match.synthetic import generate_sample

from .strategies import competence_maps


@pytest.fixture(scope="module")
def sample():
    workers, vacancies, places = generate_sample(70, 900, 30, 5)
    return as_workers(workers), as_vacancies(vacancies + places)


def _reference_rows(matcher, ref, new):
    col = {vid: j for j, vid in enumerate(matcher.vacancy_ids_)}
    lines, store = [], []
    for ms in ref:
        for m in ms:
            rec = m.to_record()
            rec["new"] = bool(new[col[m.vacancy_id]])
            rec["within_commute"] = m.within_commute
            lines.append(_dumps(rec))
            store.append((m.worker_id, m.vacancy_id, m.rank, rec["score"], rec["new"]))
    return "\n".join(lines), store


def _check_same(matcher, wks, top, exclude=None, seed=0):
    ref = matcher._rank_reference(wks, top, exclude=exclude)
    ranked = matcher._ranked(wks, top, exclude=exclude)
    assert ranked.matches() == ref
    # one worker's list alone (the bulletin builds them one by one) is the same list
    assert [ranked.worker_matches(i) for i in range(len(wks))] == ref
    assert [ranked.worker_matches(i, portable=True) for i in range(len(wks))] == ref
    # the bulletin's rows (reasons and components built when read) have every value of Match
    for i, ms in enumerate(ref):
        rows = ranked.worker_rows(i)
        assert len(rows) == len(ms)
        for row, m in zip(rows, ms, strict=True):
            for f in dataclasses.fields(Match):
                got, want = getattr(row, f.name), getattr(m, f.name)
                assert got == want and type(got) is type(want), (f.name, got, want)
    assert matcher.rank(wks, top, exclude=exclude) == ref
    new = np.random.default_rng(seed).random(len(matcher.vacancies_)) < 0.3
    text, store = ranked.jsonl(new)
    want_text, want_store = _reference_rows(matcher, ref, new)
    assert text == want_text
    assert store == want_store
    return ref


CASES = {
    "default": {},
    "commute 12 km": {"max_km": 12.0},
    "cut-off required, no commute limit": {"max_km": None, "require_cutoff": True},
    "no text, no occupations, a hard competence": {
        "text": None,
        "occupations": None,
        "hard_competences": ("taalkennis_nederlands",),
    },
    "internships only, nothing beyond the limit": {
        "kinds": ("tbs", "bvs", "enclave"),
        "fill_beyond": False,
        "max_km": 8.0,
    },
    "flags weighted, regime off": {"weights": RankingWeights(regime=0.0, limits=0.3, text=0.5)},
}


@pytest.mark.parametrize("params", list(CASES.values()), ids=list(CASES))
def test_bulk_rows_equal_the_per_row_reference(sample, params):
    wks, vacs = sample
    matcher = Matcher(**params).fit(vacs)
    exclude = {wks[0].id: [vacs[0].id, vacs[5].id], wks[3].id: [v.id for v in vacs[:400]]}
    ref = _check_same(matcher, wks, 10, exclude)
    assert sum(map(len, ref)) > 0


def test_bulk_rows_cover_far_fill_inferred_cutoffs_and_unknown_postcodes(sample):
    wks, vacs = sample
    matcher = Matcher(max_km=3.0).fit(vacs)
    ref = _check_same(matcher, wks, 25)
    flat = [m for ms in ref for m in ms]
    # the cases the bulk path has to get right are really there
    assert any(not m.within_commute for m in flat)
    assert {m.requirements_source for m in flat} >= {"vacancy", "inferred"}
    assert any(m.commute_km is None for m in flat) or any(m.gaps for m in flat)


@st.composite
def _problems(draw):
    n_w = draw(st.integers(1, 6))
    n_v = draw(st.integers(1, 30))
    wks = [WorkerProfile(f"W{i}", draw(competence_maps())) for i in range(n_w)]
    weight = st.sampled_from([0.1, 0.2, 0.3, 0.7, 1.0, 1.5, 1 / 3, 2.9])
    vacs = []
    for j in range(n_v):
        req = draw(competence_maps(max_size=7))
        vacs.append(
            Vacancy(
                f"V{j:02d}",
                draw(st.sampled_from(["magazijnier", 'kok "chef"', "schoonmaker\\nacht"])),
                kind=draw(st.sampled_from(["vacancy", "tbs", "bvs", "enclave"])),
                requirements=req,
                weights={c: draw(weight) for c in req},
            )
        )
    return wks, vacs, draw(st.integers(1, 12))


@settings(max_examples=60, deadline=None)
@given(_problems())
def test_bulk_rows_equal_the_reference_for_any_weights(problem):
    # weights that float32 cannot hold, ties in weighted shortfall, quotes in titles
    wks, vacs, top = problem
    matcher = Matcher(text=None, occupations=None, max_km=None).fit(vacs)
    _check_same(matcher, wks, top)


def _neumaier(xs):
    """Python 3.12's float sum (starting from the int 0), written out."""
    if not xs:
        return 0.0
    total, comp = 0 + xs[0], 0.0
    for x in xs[1:]:
        t = total + x
        if abs(total) >= abs(x):
            comp += (total - t) + x
        else:
            comp += (x - t) + total
        total = t
    if comp and math.isfinite(comp):
        total += comp
    return float(total)


def _sequential(xs):
    total = 0
    for x in xs:
        total = total + x
    return float(total)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False), max_size=9),
        max_size=6,
    )
)
def test_python_sums_add_as_python_does(segments):
    values = np.array([x for s in segments for x in s], dtype=np.float64)
    ptr = np.cumsum([0] + [len(s) for s in segments])
    seq = _python_sums(values, ptr, compensated=False)
    comp = _python_sums(values, ptr, compensated=True)
    native = _python_sums(values, ptr)
    for s, a, b, c in zip(segments, seq.tolist(), comp.tolist(), native.tolist(), strict=True):
        assert a == _sequential(s)
        assert b == _neumaier(s)
        assert c == float(sum(s))  # this Python's own sum, whichever it is


def test_python_sums_differ_where_compensation_matters():
    values = np.array([1e16, 1.0, -1e16])
    ptr = np.array([0, 3])
    assert _python_sums(values, ptr, compensated=False)[0] == 0.0
    assert _python_sums(values, ptr, compensated=True)[0] == 1.0
    assert _python_sums(values, ptr)[0] == float(sum([1e16, 1.0, -1e16]))
    assert sys.version_info >= (3, 11)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.floats(allow_nan=False, width=32),
            st.floats(-1e-3, 1e-3),
            st.sampled_from([0.0, -0.0, 5e-05, -4.9999e-7, 0.35, 1.0000005, math.inf]),
        ),
        max_size=30,
    ),
    st.sampled_from([1, 6]),
)
def test_json_rounded_is_json_dumps_of_round(values, ndigits):
    arr = np.array(values, dtype=np.float64)
    want = [json.dumps(round(v, ndigits)) for v in values]
    assert _json_rounded(arr, ndigits) == want
    assert _json_rounded(arr, ndigits, few=True) == want
    many = np.concatenate([arr, -arr, arr])  # past the size where distinct values are used
    want = [
        json.dumps(round(v, ndigits)) for v in many.tolist()
    ]  # Python floats: numpy rounds 0.35 up
    assert _json_rounded(many, ndigits, few=True) == want
    assert _json_rounded(np.array([np.nan]), 1) == ["null"]  # an unknown commute
