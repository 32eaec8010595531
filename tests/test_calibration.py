"""Rater calibration (many-facet Rasch): the numerical core against references, the goals on a
seeded simulation, checks, tables, profiles, the batch and the page."""

from __future__ import annotations

import csv
import io
import json
import math
from collections import defaultdict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize
from scipy.stats import spearmanr

from doorstroom_match import (
    CalibrationWarning,
    EmptyInputError,
    FeedError,
    LevelError,
    RaterCalibration,
    UnknownCompetenceError,
    ValidationError,
    WorkerProfile,
    aggregate_ratings,
    calibrate_raters,
    cutoff_changes,
    default_dictionary,
)
from doorstroom_match import _mfrm as M
from doorstroom_match.calibration import (
    SELF,
    read_ratings,
    simulate_ratings,
    with_fair_levels,
)

from .strategies import mfrm_designs

# --------------------------------------------------------------------------- numerical core


def test_probabilities_by_hand():
    # eta = 0, thresholds (-1, 0, 1): logits 0, 1, 1, 0 -> p proportional to (1, e, e, 1)
    p = M.probabilities(np.array([0.0]), np.array([-1.0, 0.0, 1.0]))[0]
    e = math.e
    np.testing.assert_allclose(p, np.array([1, e, e, 1]) / (2 + 2 * e))


@given(
    eta=st.lists(st.floats(-30, 30), min_size=1, max_size=20),
    tau=st.lists(st.floats(-5, 5), min_size=3, max_size=3),
)
def test_probabilities_sum_to_one_and_expected_level_rises_with_eta(eta, tau):
    eta = np.sort(np.asarray(eta))
    p = M.probabilities(eta, np.asarray(tau))
    assert p.shape == (eta.size, 4)
    assert np.all(p >= 0)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-12)
    expected = p @ np.arange(4)
    assert np.all(np.diff(expected) >= -1e-9)


def _flat(p: M.Params) -> np.ndarray:
    return np.concatenate([p.theta, p.mu, [p.m], p.delta, p.sigma, p.tau])


def _unflat(d: M.Design, v: np.ndarray) -> M.Params:
    J, W, C, R = d.n_cells, d.n_workers, d.n_comps, d.n_raters
    a = J + W
    return M.Params(
        v[:J], v[J:a], float(v[a]), v[a + 1 : a + 1 + C], v[a + 1 + C : a + 1 + C + R], v[-3:]
    )


@given(mfrm_designs())
def test_gradient_matches_finite_differences(case):
    d, hyper, point = case
    g = _flat(M.gradient(d, point, hyper))
    v = _flat(point)
    eps = 1e-6
    fd = np.empty_like(v)
    for i in range(v.size):
        e = np.zeros_like(v)
        e[i] = eps
        fd[i] = (
            M.objective(d, _unflat(d, v + e), hyper) - M.objective(d, _unflat(d, v - e), hyper)
        ) / (2 * eps)
    np.testing.assert_allclose(g, fd, atol=1e-4 * max(1.0, np.abs(fd).max()))


@settings(max_examples=8)  # each example runs a full L-BFGS reference
@given(mfrm_designs())
def test_newton_reaches_the_optimum_that_lbfgs_finds(case):
    d, hyper, _ = case
    p, _, _, converged = M.solve(d, M.Params.zeros(d), hyper, tol=1e-12)
    assert converged
    ref = minimize(
        lambda v: M.objective(d, _unflat(d, v), hyper),
        np.zeros(_flat(p).size),
        jac=lambda v: _flat(M.gradient(d, _unflat(d, v), hyper)),
        method="L-BFGS-B",
        options={"maxiter": 10000, "gtol": 1e-10, "ftol": 1e-15},
    )
    assert M.objective(d, p, hyper) <= ref.fun + 1e-6
    # the priors fix the same gauge as the constraints, so the points agree
    np.testing.assert_allclose(_flat(p), ref.x, atol=2e-3)
    # the identifying constraints hold exactly
    assert abs(p.delta.sum()) < 1e-9 and abs(p.tau.sum()) < 1e-9
    for grp in d.constraints:
        assert abs(p.sigma[grp].sum()) < 1e-9


# --------------------------------------------------------------------------- the goals, smaller


@pytest.fixture(scope="module")
def goal_case():
    sim = simulate_ratings(200, 10, 14, 3, n_erratic=1, seed=7)
    return sim, calibrate_raters(sim.records)


def _plain_mean_levels(records):
    acc = defaultdict(list)
    for rec in records:
        acc[rec["worker"], rec["competence"]].append(rec["level"])
    return {k: int(np.clip(np.floor(np.mean(v) + 0.5), 1, 4)) for k, v in acc.items()}


def test_severity_rank_correlation(goal_case):
    sim, cal = goal_case
    raters = sorted(sim.severity)
    rho = spearmanr([sim.severity[r] for r in raters], [cal.severity[r] for r in raters])
    assert rho.statistic >= 0.9
    assert abs(sum(cal.severity.values())) < 1e-9


def test_fair_levels_beat_the_plain_mean(goal_case):
    sim, cal = goal_case
    plain = _plain_mean_levels(sim.records)
    n = len(sim.true_levels)
    fair_ok = sum(cal.fair_levels(w)[c] == lv for (w, c), lv in sim.true_levels.items()) / n
    plain_ok = sum(plain[k] == lv for k, lv in sim.true_levels.items()) / n
    assert fair_ok >= plain_ok + 0.04


def test_only_the_erratic_rater_misfits(goal_case):
    sim, cal = goal_case
    (erratic,) = sim.erratic
    assert max(cal.fit[erratic].values()) >= 1.4
    assert all(max(f.values()) < 1.4 for r, f in cal.fit.items() if r != erratic)
    assert cal.misfits == (erratic,)
    assert cal.weights[erratic] < 1.0
    assert all(cal.weights[r] == 1.0 for r in cal.raters if r != erratic)
    assert "onregelmatig" not in cal.feedback(cal.raters[0]) or cal.raters[0] == erratic
    assert "bespreek de criteria" in cal.feedback(erratic)


def test_a_known_severity_is_recovered():
    # two raters who rate the same workers, one stricter by half a logit, one more lenient
    sim = simulate_ratings(
        400, 6, 2, 2, n_erratic=0, severity_sd=0.0, seed=3, thresholds=(-1.5, 0.0, 1.5)
    )
    rng = np.random.default_rng(5)
    truth = {"R001": 0.5, "R002": -0.5}
    recs = []
    in_levels = defaultdict(list)  # true expected-level shift of each rating
    for rec in sim.records:
        m = sim.true_measures[rec["worker"], rec["competence"]] - sim.difficulty[rec["competence"]]
        p = M.probabilities(np.array([m - truth[rec["rater"]], m]), sim.thresholds)
        in_levels[rec["rater"]].append(p[1] @ np.arange(4) - p[0] @ np.arange(4))
        recs.append(dict(rec, level=int(rng.choice(4, p=p[0])) + 1))
    cal = calibrate_raters(recs, weigh_by_fit=False)
    # in levels (what a coordinator reads) the severity is recovered without bias ...
    for r in truth:
        assert cal.severity_levels[r] == pytest.approx(np.mean(in_levels[r]), abs=0.03)
    # ... in logits the whole scale (severities and thresholds alike) is compressed by the
    # shrinkage of thinly rated cells (two ratings per cell here): same sign, same ratio
    assert 0.3 < cal.severity["R001"] < 0.55 and cal.severity["R002"] == -cal.severity["R001"]
    ratio = cal.severity["R001"] / 0.5
    np.testing.assert_allclose(cal.thresholds / ratio, [-1.5, 0.0, 1.5], atol=0.25)
    assert "lager" in cal.feedback("R001") and "hoger" in cal.feedback("R002")
    assert 0.01 < cal.severity_se["R001"] < 0.1


# --------------------------------------------------------------------------- against plain loops


def test_fit_statistics_and_fair_levels_match_a_plain_loop(goal_case):
    sim, cal = goal_case
    # first pass: each rating's expectation, variance and its cell's information
    rows = []
    info = defaultdict(float)
    for rec in sim.records:
        theta, _ = cal.measures(rec["worker"])[rec["competence"]]
        eta = theta - cal.difficulty[rec["competence"]] - cal.severity[rec["rater"]]
        p = M.probabilities(np.array([eta]), cal.thresholds)[0]
        e = sum(k * p[k] for k in range(4))
        v = sum((k - e) ** 2 * p[k] for k in range(4))
        weight = cal.weights[rec["rater"]]
        cell = (rec["worker"], rec["competence"])
        info[cell] += weight * v
        rows.append((rec["rater"], cell, rec["level"] - 1, e, v, weight))
    # second pass: residuals against the variance left once the cell's measure is fitted
    res2, var_sum, z2, n = (defaultdict(float) for _ in range(4))
    prior = 1.0 / cal.checks.cell_sd**2
    for r, cell, x, e, v, weight in rows:
        keep = 1.0 - weight * v / (info[cell] + prior)
        res2[r] += (x - e) ** 2
        var_sum[r] += v * keep
        z2[r] += (x - e) ** 2 / (v * keep)
        n[r] += 1
    for r in cal.raters:
        assert cal.fit[r]["infit"] == pytest.approx(res2[r] / var_sum[r], rel=1e-9)
        assert cal.fit[r]["outfit"] == pytest.approx(z2[r] / n[r], rel=1e-9)
    w = cal.workers[0]
    for comp, (theta, _) in cal.measures(w).items():
        p = M.probabilities(np.array([theta - cal.difficulty[comp]]), cal.thresholds)[0]
        assert cal.fair_levels(w)[comp] == int(np.argmax(p)) + 1


def test_plain_levels_follow_aggregate_ratings():
    recs = [
        {"worker": "W1", "rater": "assessor", "competence": "initiatief", "level": 2},
        {"worker": "W1", "rater": "zelf", "competence": "initiatief", "level": 4},
        {"worker": "W1", "rater": "begeleider", "competence": "samenwerken", "level": 2},
        {"worker": "W1", "rater": "assessor", "competence": "samenwerken", "level": 3},
        {"worker": "W2", "rater": "assessor", "competence": "samenwerken", "level": 1},
        {"worker": "W2", "rater": "begeleider", "competence": "samenwerken", "level": 2},
    ]
    cal = calibrate_raters(recs, min_ratings=1)
    for worker in ("W1", "W2"):
        agg = aggregate_ratings([r for r in recs if r["worker"] == worker])
        assert cal.plain_levels(worker) == agg.levels
    assert cal.disagreements("W1") == ("initiatief",)


# --------------------------------------------------------------------------- checks


def test_disconnected_raters_are_reported_and_centred_per_subset():
    a = simulate_ratings(60, 4, 4, 2, n_erratic=0, seed=1)
    b = simulate_ratings(60, 4, 4, 2, n_erratic=0, seed=2)
    recs = a.records + [
        dict(r, worker="B" + r["worker"], rater="B" + r["rater"]) for r in b.records
    ]
    with pytest.warns(CalibrationWarning, match="2 subsets"):
        cal = calibrate_raters(recs)
    assert not cal.checks.connected and len(cal.checks.subsets) == 2
    assert not cal.checks.linked_by_self
    for sub in cal.checks.subsets:
        assert abs(sum(cal.severity[r] for r in sub)) < 1e-9
    assert any("subset" in row["flags"] for row in cal.to_records() if row["facet"] == "rater")
    # self-assessments link the two subsets (and say so)
    own = [
        {"worker": w, "rater": "zelf", "competence": "C01", "level": 3}
        for w in {r["worker"] for r in recs}
    ]
    with pytest.warns(CalibrationWarning, match="self-assessments"):
        linked = calibrate_raters(recs + own)
    assert linked.checks.linked_by_self


def test_self_assessment_is_its_own_facet():
    sim = simulate_ratings(
        250, 8, 10, 2, n_erratic=0, self_assessment=True, self_severity=-0.8, seed=4
    )
    cal = calibrate_raters(sim.records)
    assert SELF not in cal.severity and SELF not in cal.fit
    assert abs(sum(cal.severity.values())) < 1e-9
    s = cal.self_assessment
    assert s is not None and s.n_ratings == 250 * 8
    assert s.severity == pytest.approx(-0.8, abs=0.2)
    assert s.severity_levels < 0 and s.weight <= 0.5
    rows = [r for r in cal.to_records() if r["facet"] == "self"]
    assert len(rows) == 1 and rows[0]["element"] == SELF
    # any of the self names, any case, is the same facet
    recs = [dict(r, rater="Zelfbeoordeling") if r["rater"] == SELF else r for r in sim.records]
    again = calibrate_raters(recs)
    assert again.self_assessment.severity == pytest.approx(s.severity, abs=1e-9)


def test_ids_numbered_alike_stay_apart():
    # workers and raters both numbered from 0: rater 1 rating worker 1 is not self-assessment
    sim = simulate_ratings(60, 3, 4, 2, n_erratic=0, seed=6)
    wid = {w: i for i, w in enumerate(sorted({r["worker"] for r in sim.records}))}
    rid = {r: i for i, r in enumerate(sorted(sim.severity))}
    recs = [dict(r, worker=wid[r["worker"]], rater=rid[r["rater"]]) for r in sim.records]
    cal = calibrate_raters(recs)
    assert cal.self_assessment is None and sorted(cal.severity) == [0, 1, 2, 3]
    assert sum(cal.n_ratings.values()) == len(recs)
    assert set(cal.fair_levels(1)) == {"C01", "C02", "C03"}


def test_extremes_thin_raters_and_unused_levels():
    sim = simulate_ratings(120, 5, 6, 2, n_erratic=0, seed=5)
    recs = [r for r in sim.records if r["worker"] != "W0001"]
    recs += [
        {"worker": "W0001", "rater": rater, "competence": f"C0{k}", "level": 4}
        for rater in ("R001", "R002")
        for k in range(1, 6)
    ]
    recs += [{"worker": "W0002", "rater": "NEW", "competence": "C01", "level": 3}]
    cal = calibrate_raters(recs)
    assert "W0001" in cal.checks.extreme_workers
    assert set(cal.fair_levels("W0001").values()) == {4}
    assert all(math.isfinite(m) for m, _ in cal.measures("W0001").values())
    assert cal.checks.thin_raters == ("NEW",)
    assert cal.severity_se["NEW"] > 5 * cal.severity_se["R001"]
    assert cal.checks.converged
    no_ones = [dict(r, level=max(2, r["level"])) for r in sim.records]
    with pytest.warns(CalibrationWarning, match="level"):
        cal2 = calibrate_raters(no_ones)
    assert cal2.checks.unused_levels == (1,)


@pytest.mark.parametrize(
    "records, error, match",
    [
        ([], EmptyInputError, "at least one rating"),
        ("ratings.csv", ValidationError, "iterable of mappings"),
        ([{"worker": "W1", "rater": "A", "competence": "c"}], ValidationError, "'level'"),
        ([{"worker": "W1", "rater": "A", "competence": "c", "level": 5}], LevelError, "1..4"),
        ([{"worker": "", "rater": "A", "competence": "c", "level": 2}], ValidationError, "worker"),
        (
            [{"worker": "W1", "rater": None, "competence": "c", "level": 2}],
            ValidationError,
            "rater",
        ),
        ([3], ValidationError, "mapping"),
    ],
)
def test_bad_records_raise(records, error, match):
    with pytest.raises(error, match=match):
        calibrate_raters(records)


def test_bad_parameters_and_lookups_raise():
    recs = simulate_ratings(30, 3, 4, 2, n_erratic=0, seed=1).records
    with pytest.raises(ValidationError, match="self_weight"):
        calibrate_raters(recs, self_weight=0)
    with pytest.raises(ValidationError, match="misfit"):
        calibrate_raters(recs, misfit=0.5)
    with pytest.raises(UnknownCompetenceError, match="did you mean|C01"):
        calibrate_raters(recs, dictionary=default_dictionary())
    cal = calibrate_raters(recs, min_ratings=1)
    with pytest.raises(ValidationError, match="no ratings in this calibration"):
        cal.fair_levels("nobody")
    with pytest.raises(ValidationError, match="not in this calibration"):
        cal.feedback("nobody")
    with pytest.raises(AttributeError, match="read-only"):
        cal.severity = {}


# --------------------------------------------------------------------------- tables and cut-offs


def test_to_records_and_csv(goal_case):
    _, cal = goal_case
    rows = cal.to_records()
    facets = [r["facet"] for r in rows]
    assert facets.count("rater") == len(cal.raters) == 14
    assert facets.count("competence") == 10 and facets.count("threshold") == 3
    measures = [r["measure"] for r in rows if r["facet"] == "rater"]
    assert measures == sorted(measures, reverse=True)
    parsed = list(csv.DictReader(io.StringIO(cal.to_csv())))
    assert len(parsed) == len(rows) and parsed[0]["facet"] == "rater"
    assert {r["element"] for r in parsed if "misfit" in r["flags"]} == set(cal.misfits)
    wrows = cal.fair_level_records()
    assert len(wrows) == 200 * 10 and {"fair_level", "plain_level"} <= set(wrows[0])


def test_cutoff_changes_match_a_plain_loop(goal_case):
    _, cal = goal_case
    cut = {"C01": 3, "C02": 2, "C05": 3}
    changes = cutoff_changes(cal, cut)
    expected = []
    for w in cal.workers:
        fair, plain = cal.fair_levels(w), cal.plain_levels(w)
        before = all(plain.get(c, 0) >= lo for c, lo in cut.items())
        after = all(fair.get(c, 0) >= lo for c, lo in cut.items())
        if before != after:
            expected.append((w, before, after))
    assert [(c.worker, c.passes_before, c.passes_after) for c in changes] == expected
    assert expected, "a strict or lenient rater should move somebody across this cut-off"
    for c in changes:
        assert c.cutoff is None and c.competences
    with pytest.raises(ValidationError, match="RaterCalibration"):
        cutoff_changes({}, cut)


# --------------------------------------------------------------------------- profiles, files, batch


def _named(records):
    """Simulated records with competence names from the default dictionary."""
    ids = default_dictionary().ids
    return [dict(r, competence=ids[int(r["competence"][1:]) - 1]) for r in records]


def test_from_ratings_uses_the_fair_levels():
    sim = simulate_ratings(80, 5, 6, 3, n_erratic=0, seed=8)
    recs = _named(sim.records)
    cal = calibrate_raters(recs, dictionary=default_dictionary())
    mine = [r for r in recs if r["worker"] == "W0003"]
    prof = WorkerProfile.from_ratings("W0003", mine, calibration=cal, job_target="kok")
    assert dict(prof.competences) == cal.fair_levels("W0003")
    assert prof.job_target == "kok"
    assert set(prof.disagreements) == set(cal.disagreements("W0003"))
    assert WorkerProfile.from_ratings("W0003", [], calibration=cal).competences == prof.competences
    other = default_dictionary().ids[10]
    with pytest.raises(ValidationError, match="did not see"):
        WorkerProfile.from_ratings(
            "W0003", [{"rater": "x", "competence": other, "level": 2}], calibration=cal
        )
    with pytest.raises(ValidationError, match="RaterCalibration"):
        WorkerProfile.from_ratings("W0003", mine, calibration=object())
    # the batch helper: rated competences replaced, the rest kept
    extra = default_dictionary().ids[12]
    w = WorkerProfile("W0003", {extra: 2, default_dictionary().ids[0]: 1})
    untouched = WorkerProfile("ZZZ", {extra: 3})
    new, same = with_fair_levels([w, untouched], cal)
    assert dict(new.competences) == {**cal.fair_levels("W0003"), extra: 2}
    assert same is untouched


def test_read_ratings_csv_and_jsonl(tmp_path):
    c = tmp_path / "r.csv"
    c.write_text("worker,rater,competence,level,date\nW1,A,samenwerken,3,2026-11-02\n", "utf-8")
    j = tmp_path / "r.jsonl"
    j.write_text(
        json.dumps({"worker": 7, "rater": "B", "competence": "x", "level": "goed"}) + "\n\n"
    )
    assert read_ratings([c, j]) == [
        {"worker": "W1", "rater": "A", "competence": "samenwerken", "level": "3"},
        {"worker": "7", "rater": "B", "competence": "x", "level": "goed"},
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("worker,rater,level\nW1,A,3\n", "utf-8")
    with pytest.raises(FeedError, match="no column 'competence'"):
        read_ratings(bad)
    badj = tmp_path / "bad.jsonl"
    badj.write_text("{nope\n", "utf-8")
    with pytest.raises(FeedError, match="line 1 is not JSON"):
        read_ratings(badj)
    empty = tmp_path / "e.csv"
    empty.write_text("worker,rater,competence,level\nW1,,x,3\n", "utf-8")
    with pytest.raises(ValidationError, match="line 2: 'rater'"):
        read_ratings(empty)
    with pytest.raises(FeedError, match="cannot read"):
        read_ratings(tmp_path / "missing.csv")


def test_batch_calibrates_a_ratings_file(tmp_path):
    from doorstroom_match.batch import run_batch
    from doorstroom_match.cli import build_parser

    sim = simulate_ratings(40, 4, 6, 3, n_erratic=0, seed=9)
    recs = _named(sim.records)
    ratings = tmp_path / "ratings.csv"
    with ratings.open("w", newline="", encoding="utf-8") as fh:
        wr = csv.DictWriter(fh, fieldnames=["worker", "rater", "competence", "level"])
        wr.writeheader()
        wr.writerows(recs)
    workers = tmp_path / "workers.jsonl"
    workers.write_text(
        "".join(json.dumps({"id": f"W{i:04d}", "competences": {}}) + "\n" for i in (1, 2)), "utf-8"
    )
    feed = tmp_path / "feed.jsonl"
    req = {recs[0]["competence"]: 3}
    feed.write_text(json.dumps({"id": "V1", "title": "Kok", "requirements": req}) + "\n", "utf-8")
    res = run_batch(
        workers, feed, tmp_path / "out", run_date="2026-11-02", encoder="none", ratings=ratings
    )
    assert (tmp_path / "out" / "calibration.csv").read_text("utf-8").startswith("facet,")
    page = tmp_path / "out" / "bulletin" / "kalibratie.html"
    assert page in res.bulletin and "R001" in page.read_text("utf-8")
    args = build_parser().parse_args(
        ["batch", "--workers", "w", "--feed", "f", "--out", "o", "--ratings", "a.csv", "b.jsonl"]
    )
    assert [p.name for p in args.ratings] == ["a.csv", "b.jsonl"]


def test_calibration_page(tmp_path, goal_case):
    from doorstroom_match.bulletin.calibration import calibration_html, render_calibration

    sim, cal = goal_case
    changes = cutoff_changes(cal, {"C01": 3})
    path = render_calibration(tmp_path, cal, changes=changes, period="week 45")
    text = path.read_text("utf-8")
    assert path.name == "kalibratie.html" and text.startswith("<!DOCTYPE html>")
    for r in cal.raters:
        assert f'data-rater="{r}"' in text
    (erratic,) = sim.erratic
    assert f'<tr class="misfit" data-rater="{erratic}">' in text
    assert text.count("data-worker=") == len(changes)
    recs = [dict(r, rater="<b>" + r["rater"]) for r in sim.records[:400]]
    html_text = calibration_html(calibrate_raters(recs, min_ratings=1))
    assert "<b>R" not in html_text and "&lt;b&gt;R" in html_text
    with pytest.raises(ValidationError, match="RaterCalibration"):
        calibration_html(object())
    assert isinstance(cal, RaterCalibration) and "14 raters" in repr(cal)
